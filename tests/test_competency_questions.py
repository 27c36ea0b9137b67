"""Each competency question has a saved query, and each answer is asserted exactly."""

from __future__ import annotations

import pyoxigraph as ox

from graph.saved_queries import find_saved_query, load_saved_queries
from graph.terms import compact
from queries import QUERIES_DIR

QUESTIONS = {
    1: "alliance-members",
    2: "trilateral-summit-states",
    3: "summit-leaders",
    4: "treaty-extension",
    5: "previous-state-visit",
    6: "acquisitions",
    7: "factory-visit",
    8: "cooperation-fields",
    9: "unsc-resolution",
    10: "claims-by-attribution",
    11: "initiatives",
    12: "fact-source",
}


def answer(store, name: str, **params: str) -> list[tuple[str, ...]]:
    """Rows of a saved query, each term as a compact string (literals by their text)."""
    saved = find_saved_query(QUERIES_DIR, name)
    results = store.query(saved.prepare(params))
    names = [v.value for v in results.variables]
    return [tuple(_text(row[n]) for n in names) for row in results]


def _text(term: object) -> str:
    if term is None:
        return ""
    return term.value if isinstance(term, ox.Literal) else compact(term)


def test_every_question_has_a_saved_query_with_a_summary():
    saved = load_saved_queries(QUERIES_DIR)
    assert set(QUESTIONS.values()) <= set(saved)
    assert all(saved[name].summary.endswith("?") for name in QUESTIONS.values())


def test_1_alliance_members(store):
    assert answer(store, "alliance-members") == [
        ("id:Japan", "Japan"),
        ("id:United_States", "United States"),
    ]


def test_2_trilateral_summit_states(store):
    rows = answer(store, "trilateral-summit-states")
    summit = "id:US_Japan_Philippines_trilateral_summit_2024"
    assert rows == [(summit, "1", "id:Japan", "Japan"), (summit, "1", "id:Philippines", "Philippines"),
                    (summit, "1", "id:United_States", "United States")]  # fmt: skip


def test_3_leaders_offices_and_since(store):
    rows = {(r[0], r[2], r[4], r[6]) for r in answer(store, "summit-leaders")}
    assert rows == {
        ("id:Japan", "id:Kishida_Fumio", "id:Prime_Minister_of_Japan", "2021"),
        ("id:Philippines", "id:Ferdinand_Marcos_Jr", "id:President_of_the_Philippines", ""),
        ("id:United_States", "id:Joe_Biden", "id:President_of_the_United_States", ""),
    }


def test_4_treaty_signed_and_extended_to_space(store):
    assert answer(store, "treaty-extension") == [(
        "id:US_Japan_Security_Treaty", "US-Japan Security Treaty", "1960",
        "id:Space_extension_of_the_Security_Treaty_2023",
        "2023 agreement extending the US-Japan Security Treaty to space", "2023-01", "space",
    )]  # fmt: skip


def test_5_previous_state_visit(store):
    assert answer(store, "previous-state-visit") == [(
        "id:Kishida_state_visit_to_the_US_2024", "id:Abe_state_visit_to_the_US_2015",
        "id:Shinzo_Abe", "Shinzo Abe", "Prime Minister of Japan", "2015",
    )]  # fmt: skip


def test_6_acquisition_value_and_commenters(store):
    ((deal, acquirer, target, amount, currency, statuses, commenters),) = answer(
        store, "acquisitions"
    )
    assert (deal, acquirer, target) == (
        "id:Nippon_Steel_acquisition_of_US_Steel",
        "Nippon Steel",
        "US Steel",
    )
    assert (amount, currency) == ("14100000000", "USD")
    assert set(statuses.split(", ")) == {"announced", "criticised", "under review"}
    assert set(commenters.split(", ")) == {"Wendy Cutler", "Kishida Fumio"}


def test_7_factory_visit(store):
    assert answer(store, "factory-visit") == [(
        "id:Kishida_visit_to_the_Toyota_factory", "id:Toyota_factory_in_North_Carolina",
        "Toyota Motor Corp factory in North Carolina", "Toyota Motor Corporation", "North Carolina",
        "under construction",
    )]  # fmt: skip


def test_8_cooperation_fields(store):
    labels = {row[1] for row in answer(store, "cooperation-fields")}
    assert labels == {"security", "space", "semiconductors", "artificial intelligence",
                      "quantum science and technology", "5G mobile networks"}  # fmt: skip


def test_9_unsc_resolution(store):
    ((initiative, _label, body, status, calls_for, by),) = answer(store, "unsc-resolution")
    assert initiative == "id:UNSC_resolution_on_weapons_in_space"
    assert (body, status) == ("United Nations Security Council", "planned")
    assert (
        calls_for
        == "all nations not to deploy nor develop nuclear weapons or weapons of mass destruction in space"
    )
    assert set(by.split(", ")) == {"Japan", "United States"}


def test_10_claims_by_attribution(store):
    rows = answer(store, "claims-by-attribution")
    by_who: dict[str, set[str]] = {}
    for _claim, who, _label, modality, _reported_in, _quote in rows:
        by_who.setdefault(who, set()).add(modality)
    assert set(by_who) == {"id:Nhan_Dan", "id:Kishida_Fumio", "id:White_House", "id:Wendy_Cutler",
                           "id:Many_sources", "id:Some_experts", "id:Sources_familiar_with_the_matter"}  # fmt: skip
    assert by_who["id:Wendy_Cutler"] == {"reported"}
    assert by_who["id:Nhan_Dan"] == {"asserted", "hedged", "anticipated"}
    white_house = [r for r in rows if r[1] == "id:White_House"]
    assert {r[4] for r in white_house} == {"id:White_House_statement_on_the_state_visit",
                                           "id:White_House_announcement_on_the_trilateral_summit"}  # fmt: skip
    assert len(rows) == 39  # every sentence with a fact is a claim (six were added)


def test_11_initiatives_and_status(store):
    rows = {(r[0][3:], r[3]) for r in answer(store, "initiatives")}
    assert rows == {
        ("Joint_operations_command", "proposed"),
        ("Joint_defence_council_on_defence_equipment_exports", "expected"),
        ("UNSC_resolution_on_weapons_in_space", "planned"),
        ("Ministerial_policy_dialogue_on_offshore_wind", "expected"),
        ("Security_cooperation_upgrade", "planned"),
        ("Restructuring_of_the_US_military_command_in_Japan", "proposed"),
        ("Outer_space_arms_race_regulations", "proposed"),
        ("Confirmation_of_US_Japan_cooperation", "planned"),
        ("US_Japan_Philippines_trilateral_cooperation", "proposed"),
        ("Strengthening_the_alliance_deterrence", "under way"),
        ("Maintaining_extensive_US_Japan_cooperation", "under way"),
        ("US_Japan_cooperation", "under way"),
        ("Japanese_investment_in_the_US", "under way"),
    }
    planned = {r[0] for r in answer(store, "initiatives", status="akg:Planned")}
    assert planned == {"id:UNSC_resolution_on_weapons_in_space", "id:Security_cooperation_upgrade",
                       "id:Confirmation_of_US_Japan_cooperation"}  # fmt: skip


def test_12_which_sentence_states_a_fact(store):
    ((obj, claim, quote, _document, who),) = answer(store, "fact-source")
    assert obj == "1960"
    assert claim.endswith("/security-upgrade>")
    assert quote.startswith("Many sources say that the US and Japan are planning")
    assert who == "id:Many_sources"
    rows = answer(store, "fact-source", s="id:Kishida_visit_to_the_Toyota_factory", p="akg:site")
    assert [r[2] for r in rows] == [
        "Sources familiar with the matter said PM Kishida will visit a Toyota Motor Corp factory "
        "which is under construction in North Carolina."
    ]
