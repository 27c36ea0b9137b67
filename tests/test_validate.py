"""Validation: the article is valid; each kind of broken fact is reported as one clear line."""

from __future__ import annotations

import pytest

from graph.sources import discover_sources
from graph.validate import validate_sources
from tests.helpers import ARTICLE, edit, run_cli


def test_the_article_is_valid(sources):
    assert validate_sources(sources) == []


def test_validate_command_reports_valid_sources():
    result = run_cli("validate")
    assert result.exit_code == 0
    assert "1 source(s) valid" in result.stderr


BREAKAGES = [
    # (old text, new text, shape, words in the message, node)
    ('"1960"^^xsd:gYear', '"1960"', "akgsh:DateSignedProperty", "typed", "id:US_Japan_Security_Treaty"),
    ('schema:currency "USD" .', 'rdfs:comment "no currency" .', "akgsh:MonetaryAmountShape",
     "currency", "id:Nippon_Steel_acquisition_of_US_Steel_value"),
    ('schema:value 14100000000.0 ;', 'schema:value "14.1 billion" ;', "akgsh:MonetaryAmountShape",
     "decimal", "id:Nippon_Steel_acquisition_of_US_Steel_value"),
    ('akg:quote "Some experts say that', 'akg:quote "Most experts say that', "akgsh:VerbatimQuote",
     "not found verbatim", "experts-all-time-high"),
    ('        akg:officeOf id:Philippines .', '        rdfs:comment "no state" .', "akgsh:OfficeShape",
     "officeOf", "id:President_of_the_Philippines"),
    ('        akg:holder id:Joe_Biden ;\n', '', "akgsh:OfficeTermShape", "holder",
     "id:Joe_Biden_President_of_the_United_States"),
    ('    id:Philippines a akg:SovereignState ;\n        rdfs:label "Philippines"@en .\n',
     '    id:Philippines a akg:SovereignState .\n', "akgsh:LabelledEntityShape", "label", "id:Philippines"),
    ('c:trilateral-summit a akg:Claim ; akg:source src:strategic-alliance-2024-04-13 ;\n'
     '    akg:attributedTo id:Nhan_Dan ; akg:modality akg:Asserted ;',
     'c:trilateral-summit a akg:Claim ; akg:source src:strategic-alliance-2024-04-13 ;\n'
     '    akg:attributedTo id:Nhan_Dan ;', "akgsh:ClaimShape", "modality", "trilateral-summit"),
    ('akg:NewsArticle ;', 'akg:NewsArticle ;\n    rdfs:comment "x" .\nid:Japan akg:partnerOf id:Philippines .\nsrc:strategic-alliance-2024-04-13',
     "akgsh:ClaimedFact", "outside any claim", "id:Japan"),
    ('akg:participant id:United_States , id:Japan , id:Philippines ;',
     'akg:participant id:United_States , id:Japan ;', "akgsh:TrilateralSummitShape", "three",
     "id:US_Japan_Philippines_trilateral_summit_2024"),
    ('akg:ordinal "1"^^xsd:integer', 'akg:ordinal "0"^^xsd:integer', "akgsh:OrdinalShape",
     "1 or more", "id:US_Japan_Philippines_trilateral_summit_2024"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "shape", "words", "node"), BREAKAGES)
def test_a_broken_fact_is_reported_with_file_node_shape_and_message(
    sources_copy, old, new, shape, words, node
):
    facts = sources_copy / f"{ARTICLE}.trig"
    edit(facts, old, new)
    violations = validate_sources(discover_sources([sources_copy]))
    matching = [v for v in violations if v.shape == shape and node in v.node]
    assert len(matching) == 1, "\n".join(map(str, violations))
    line = str(matching[0])
    assert line.startswith(f"{facts}: "), "the facts file that describes the node comes first"
    assert words in line
    assert "\n" not in line


def test_validate_command_prints_one_line_per_violation_and_fails(sources_copy):
    edit(sources_copy / f"{ARTICLE}.trig", '"1960"^^xsd:gYear', '"1960"')
    edit(sources_copy / f"{ARTICLE}.trig", 'schema:currency "USD" .', 'rdfs:comment "x" .')
    result = run_cli("validate", "--sources", sources_copy)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith(str(sources_copy)) for line in lines[:2])
    assert lines[-1] == "error: 2 validation violation(s); nothing was changed"
    assert "Traceback" not in result.output + result.stderr


def test_a_syntax_error_names_file_line_and_column(sources_copy):
    edit(
        sources_copy / f"{ARTICLE}.trig",
        "id:Japan a akg:SovereignState ;",
        "id:Japan a a akg:SovereignState ;",
    )
    result = run_cli("validate", "--sources", sources_copy)
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert line.startswith(f"error: {sources_copy / ARTICLE}.trig:")
    assert "line" in line and "column" in line


def test_a_source_without_its_text_is_refused(sources_copy):
    (sources_copy / f"{ARTICLE}.txt").unlink()
    result = run_cli("validate", "--sources", sources_copy)
    assert result.exit_code == 1
    assert "is not beside the facts file" in result.stderr
