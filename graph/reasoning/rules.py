"""Inference rules as SPARQL: the OWL 2 RL rules (as owlrl implements them), those written out
per schema axiom, and the rule type itself (the project's own rules are read by `rule_files`).

A rule is a list of premises (triple patterns), filters and one head pattern. Each pattern is read
into its terms once, when the rule is made (`Pattern`); the engines, `explain` and the checks
read the terms, never the text again. The reasoner renders
each rule into SPARQL Update in several modes: over everything, with one premise matched in a delta
graph (semi-naive evaluation), or restricted to heads in a given graph (to rederive after deletions).
Premises whose matches never change during reasoning (the members of an RDF list) are `static` and
get no delta variant.

Over 400 lines because the OWL 2 RL rule table is a hundred of them: the table and the rule type
it is made of are read together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph as ox

OWL = "http://www.w3.org/2002/07/owl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROLOGUE = f"PREFIX owl: <{OWL}>\nPREFIX rdf: <{RDF}>\nPREFIX rdfs: <{RDFS}>\n"
LIST_MEMBER = "rdf:rest*/rdf:first"


OWL_RL_ORIGIN = "OWL 2 RL"
VARIABLE = re.compile(r"\?\w+")
TERM = r'<[^>]*>|\?\w+|"(?:[^"\\]|\\.)*"(?:\^\^<[^>]*>|@[\w-]+)?|[\w-]*:[\w.-]*|a'
#: A triple pattern: three terms and nothing else (a property path is not one).
TRIPLE_PATTERN = re.compile(rf"({TERM})\s+({TERM})\s+({TERM})")


class Pattern:
    """One pattern of a rule, read once: a triple pattern's three terms as written (variables,
    IRIs, prefixed names, `a`, literals), or an RDF list path's two ends (`list_path`). `terms`
    is empty for anything else a rule file may hold, which only the SPARQL engine reads.
    Immutable; a filled copy writes its text only when it is rendered (most copies of a rule
    made for one new triple are dropped unrendered, see the SPARQL engine's _may_match)."""

    __slots__ = ("_constants", "_text", "list_path", "terms")

    def __init__(self, text: str | None, terms: tuple[str, ...] = (), list_path: bool = False):
        self._text = text
        self.terms = terms
        self.list_path = list_path
        self._constants: tuple | bool | None = False  # not computed yet

    @staticmethod
    def read(text: str | Pattern) -> Pattern:
        if isinstance(text, Pattern):
            return text
        text = text.strip()
        if LIST_MEMBER in text:
            start, _, end = text.partition(LIST_MEMBER)
            return Pattern(text, (start.strip(), end.strip()), list_path=True)
        triple = TRIPLE_PATTERN.fullmatch(text)
        return Pattern(text, triple.groups() if triple else ())

    @staticmethod
    def of(terms: tuple[str, ...], list_path: bool = False) -> Pattern:
        return Pattern(None, terms, list_path)

    @property
    def text(self) -> str:
        if self._text is None:
            joint = f" {LIST_MEMBER} " if self.list_path else " "
            self._text = joint.join(self.terms)
        return self._text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Pattern({self.text!r})"

    def _key(self) -> tuple:
        """What makes two patterns the same: their terms (the text only where there are none),
        so that comparing copies does not render their text."""
        return (self.terms, self.list_path) if self.terms else (self.text,)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pattern) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def is_triple(self) -> bool:
        return len(self.terms) == 3 and not self.list_path

    def triple(self) -> tuple[str, ...]:
        """The three terms; ValueError for what is not a triple pattern."""
        if not self.is_triple:
            raise ValueError(f"not a triple pattern: {self.text!r}")
        return self.terms

    @property
    def constants(self) -> tuple | None:
        """The three terms, each an RDF term or None for a variable (or for a constant this
        module cannot read, such as an undeclared prefix); None for what is not a triple
        pattern. Computed once."""
        if self._constants is False:
            self._constants = (
                tuple(None if t[0] == "?" else _constant_or_none(t) for t in self.terms)
                if self.is_triple
                else None
            )
        return self._constants  # type: ignore[return-value]

    def fill(self, binding: Mapping[str, str]) -> Pattern:
        """The pattern with variables replaced by terms (N-Triples syntax)."""
        if not self.terms:
            return Pattern(VARIABLE.sub(lambda m: binding.get(m[0], m[0]), self.text))
        terms = tuple([binding.get(t, t) for t in self.terms])
        return self if terms == self.terms else Pattern(None, terms, self.list_path)


def _patterns(items: Iterable[str | Pattern]) -> tuple[Pattern, ...]:
    return tuple(Pattern.read(item) for item in items)


@dataclass(frozen=True)
class Rule:
    """One inference rule: if every premise matches (and the filters hold), the head holds.
    Patterns may be given as text; they are read into `Pattern`s when the rule is made."""

    name: str
    premises: tuple[Pattern, ...]
    head: Pattern
    filters: str = ""
    static: tuple[Pattern, ...] = ()
    origin: str = OWL_RL_ORIGIN
    #: The rule copies triples between two literal values of a functional property; its last
    #: premise (any triple at all) only needs a delta variant while such pairs exist.
    literal_equality: bool = False
    #: The variables of its patterns and filters (found when the rule is made if None).
    variables: frozenset[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "premises", _patterns(self.premises))
        object.__setattr__(self, "head", Pattern.read(self.head))
        object.__setattr__(self, "static", _patterns(self.static))
        if self.variables is None:
            found = {t for p in (*self.premises, self.head, *self.static) for t in p.terms}
            found |= set(VARIABLE.findall(self.filters))
            object.__setattr__(self, "variables", frozenset(v for v in found if v[0] == "?"))

    def specialise(self, binding: Mapping[str, str], drop: int = -1) -> Rule:
        """The rule with variables replaced by terms (N-Triples syntax); premise `drop` left out
        (it is known to match)."""
        filters = self.filters
        if filters and not self.variables.isdisjoint(binding):
            filters = VARIABLE.sub(lambda m: binding.get(m[0], m[0]), filters)
        premises = tuple(p.fill(binding) for i, p in enumerate(self.premises) if i != drop)
        return Rule(self.name, premises, self.head.fill(binding), filters,
                    tuple(s.fill(binding) for s in self.static), self.origin,
                    self.literal_equality and drop != len(self.premises) - 1,
                    self.variables - binding.keys())  # fmt: skip


def writable(rule: Rule, binding: Mapping[str, str]) -> bool:
    """Whether the rule, with variables replaced by `binding` (N-Triples terms), is still a
    query: a literal cannot stand where a predicate goes, nor as the subject of the head (owl:sameAs
    may relate an IRI to a literal, and eq-rep-p would put that literal in a predicate's place).
    Such a copy could match or store nothing anyway."""
    literals = {name for name, term in binding.items() if term.startswith('"')}
    if not literals:
        return True
    return rule.head.terms[0] not in literals and not any(
        pattern.terms[1] in literals for pattern in (*rule.premises, rule.head) if pattern.is_triple
    )


#: The declarations that make owlrl add p rdfs:subPropertyOf p (scm-op, scm-dp).
PROPERTY_KINDS = ("owl:ObjectProperty", "owl:DatatypeProperty", "rdf:Property")


def _rule(name: str, premises: list[str], head: str, filters: str = "", **extra) -> Rule:
    return Rule(name, tuple(premises), head, filters, **extra)


def _not_same(a: str, b: str) -> str:
    return f"FILTER (!sameTerm({a}, {b}))"


#: The OWL 2 RL rules, in the order that lets most consequences flow in one pass: schema first, then
#: properties, then types, then equality. Rules whose conclusions are vacuous by the output filter
#: (x owl:sameAs x, x rdf:type owl:Thing) are left out; where such triples would be premises, the
#: rule is written without them (cls-svf2 for owl:Thing), as owlrl does.
OWL_RL_RULES: tuple[Rule, ...] = (
    # Table 9: the semantics of schema vocabulary.
    # scm-cls and scm-op only derive vacuous triples (c rdfs:subClassOf c, p rdfs:subPropertyOf p,
    # c rdfs:subClassOf owl:Thing, ...). Where owlrl uses those as premises, the "-refl" variants
    # below take the declaration (c a owl:Class, p a owl:ObjectProperty) in their place.
    # Equivalences come before the transitivity rules, so that in the reasoner's first pass (which
    # runs those as closures) the class and property hierarchies come out closed.
    _rule("scm-eqc1", ["?c1 owl:equivalentClass ?c2"], "?c1 rdfs:subClassOf ?c2", _not_same("?c1", "?c2")),
    _rule("scm-eqc1", ["?c1 owl:equivalentClass ?c2"], "?c2 rdfs:subClassOf ?c1", _not_same("?c1", "?c2")),
    _rule("scm-sco", ["?c1 rdfs:subClassOf ?c2", "?c2 rdfs:subClassOf ?c3"], "?c1 rdfs:subClassOf ?c3",
          f"{_not_same('?c1', '?c2')} {_not_same('?c1', '?c3')}"),
    _rule("scm-eqc2", ["?c1 rdfs:subClassOf ?c2", "?c2 rdfs:subClassOf ?c1"], "?c1 owl:equivalentClass ?c2"),
    _rule("scm-eqp1", ["?p1 owl:equivalentProperty ?p2"], "?p1 rdfs:subPropertyOf ?p2", _not_same("?p1", "?p2")),
    _rule("scm-eqp1", ["?p1 owl:equivalentProperty ?p2"], "?p2 rdfs:subPropertyOf ?p1", _not_same("?p1", "?p2")),
    _rule("scm-spo", ["?p1 rdfs:subPropertyOf ?p2", "?p2 rdfs:subPropertyOf ?p3"], "?p1 rdfs:subPropertyOf ?p3",
          f"{_not_same('?p1', '?p2')} {_not_same('?p1', '?p3')}"),
    _rule("scm-eqp2", ["?p1 rdfs:subPropertyOf ?p2", "?p2 rdfs:subPropertyOf ?p1"], "?p1 owl:equivalentProperty ?p2",
          _not_same("?p1", "?p2")),
    _rule("scm-dom1", ["?p rdfs:domain ?c1", "?c1 rdfs:subClassOf ?c2"], "?p rdfs:domain ?c2",
          f"FILTER (?c2 != owl:Thing) {_not_same('?c1', '?c2')}"),
    _rule("scm-dom2", ["?p2 rdfs:domain ?c", "?p1 rdfs:subPropertyOf ?p2"], "?p1 rdfs:domain ?c", _not_same("?p1", "?p2")),
    _rule("scm-rng1", ["?p rdfs:range ?c1", "?c1 rdfs:subClassOf ?c2"], "?p rdfs:range ?c2",
          f"FILTER (?c2 != owl:Thing) {_not_same('?c1', '?c2')}"),
    _rule("scm-rng2", ["?p2 rdfs:range ?c", "?p1 rdfs:subPropertyOf ?p2"], "?p1 rdfs:range ?c", _not_same("?p1", "?p2")),
    _rule("scm-hv", ["?c1 owl:hasValue ?i", "?c1 owl:onProperty ?p1", "?c2 owl:hasValue ?i",
                     "?c2 owl:onProperty ?p2", "?p1 rdfs:subPropertyOf ?p2"], "?c1 rdfs:subClassOf ?c2"),
    _rule("scm-svf1", ["?c1 owl:someValuesFrom ?y1", "?c1 owl:onProperty ?p", "?c2 owl:onProperty ?p",
                       "?c2 owl:someValuesFrom ?y2", "?y1 rdfs:subClassOf ?y2"], "?c1 rdfs:subClassOf ?c2"),
    _rule("scm-svf2", ["?c1 owl:someValuesFrom ?y", "?c1 owl:onProperty ?p1", "?c2 owl:someValuesFrom ?y",
                       "?c2 owl:onProperty ?p2", "?p1 rdfs:subPropertyOf ?p2"], "?c1 rdfs:subClassOf ?c2"),
    _rule("scm-avf1", ["?c1 owl:allValuesFrom ?y1", "?c1 owl:onProperty ?p", "?c2 owl:onProperty ?p",
                       "?c2 owl:allValuesFrom ?y2", "?y1 rdfs:subClassOf ?y2"], "?c1 rdfs:subClassOf ?c2"),
    _rule("scm-avf2", ["?c1 owl:allValuesFrom ?y", "?c1 owl:onProperty ?p1", "?c2 owl:allValuesFrom ?y",
                       "?c2 owl:onProperty ?p2", "?p1 rdfs:subPropertyOf ?p2"], "?c2 rdfs:subClassOf ?c1"),
    *(_rule("scm-hv-refl", ["?c1 owl:hasValue ?i", "?c1 owl:onProperty ?p", "?c2 owl:hasValue ?i",
                          "?c2 owl:onProperty ?p", "?p a " + kind], "?c1 rdfs:subClassOf ?c2") for kind in PROPERTY_KINDS),
    _rule("scm-svf1-refl", ["?c1 owl:someValuesFrom ?y", "?c1 owl:onProperty ?p", "?c2 owl:onProperty ?p",
                            "?c2 owl:someValuesFrom ?y", "?y a owl:Class"], "?c1 rdfs:subClassOf ?c2"),
    *(_rule("scm-svf2-refl", ["?c1 owl:someValuesFrom ?y", "?c1 owl:onProperty ?p", "?c2 owl:someValuesFrom ?y",
                            "?c2 owl:onProperty ?p", "?p a " + kind], "?c1 rdfs:subClassOf ?c2") for kind in PROPERTY_KINDS),
    _rule("scm-avf1-refl", ["?c1 owl:allValuesFrom ?y", "?c1 owl:onProperty ?p", "?c2 owl:onProperty ?p",
                            "?c2 owl:allValuesFrom ?y", "?y a owl:Class"], "?c1 rdfs:subClassOf ?c2"),
    *(_rule("scm-avf2-refl", ["?c1 owl:allValuesFrom ?y", "?c1 owl:onProperty ?p", "?c2 owl:allValuesFrom ?y",
                            "?c2 owl:onProperty ?p", "?p a " + kind], "?c2 rdfs:subClassOf ?c1") for kind in PROPERTY_KINDS),
    _rule("scm-int", ["?c owl:intersectionOf ?list"], "?c rdfs:subClassOf ?ci", static=(f"?list {LIST_MEMBER} ?ci",)),
    _rule("scm-uni", ["?c owl:unionOf ?list"], "?ci rdfs:subClassOf ?c", static=(f"?list {LIST_MEMBER} ?ci",)),
    _rule("cls-oo", ["?c owl:oneOf ?list"], "?y a ?c", "FILTER (!isLiteral(?y))", static=(f"?list {LIST_MEMBER} ?y",)),
    # Table 5: the semantics of axioms about properties.
    _rule("prp-spo1", ["?p1 rdfs:subPropertyOf ?p2", "?x ?p1 ?y"], "?x ?p2 ?y", _not_same("?p1", "?p2")),
    _rule("prp-inv1", ["?p1 owl:inverseOf ?p2", "?x ?p1 ?y"], "?y ?p2 ?x", "FILTER (!isLiteral(?y))"),
    _rule("prp-inv2", ["?p1 owl:inverseOf ?p2", "?x ?p2 ?y"], "?y ?p1 ?x", "FILTER (!isLiteral(?y))"),
    _rule("prp-symp", ["?p a owl:SymmetricProperty", "?x ?p ?y"], "?y ?p ?x", "FILTER (!isLiteral(?y))"),
    _rule("prp-trp", ["?p a owl:TransitiveProperty", "?x ?p ?y", "?y ?p ?z"], "?x ?p ?z"),
    _rule("prp-dom", ["?p rdfs:domain ?c", "?x ?p ?y"], "?x a ?c", "FILTER (?c != owl:Thing)"),
    _rule("prp-rng", ["?p rdfs:range ?c", "?x ?p ?y"], "?y a ?c", "FILTER (!isLiteral(?y) && ?c != owl:Thing)"),
    _rule("prp-fp", ["?p a owl:FunctionalProperty", "?x ?p ?y1", "?x ?p ?y2"], "?y1 owl:sameAs ?y2",
          f"FILTER (!isLiteral(?y1)) {_not_same('?y1', '?y2')}"),
    # owl:sameAs between two literal values of a functional property cannot be stored (a literal is
    # never a subject); its only storable consequence is eq-rep-o, written out here.
    _rule("prp-fp", ["?p a owl:FunctionalProperty", "?x ?p ?y1", "?x ?p ?y2", "?s ?q ?y2"], "?s ?q ?y1",
          f"FILTER (isLiteral(?y1)) {_not_same('?y1', '?y2')}", literal_equality=True),
    _rule("prp-ifp", ["?p a owl:InverseFunctionalProperty", "?x1 ?p ?y", "?x2 ?p ?y"], "?x1 owl:sameAs ?x2",
          _not_same("?x1", "?x2")),
    # Table 6: the semantics of classes.
    _rule("cls-int2", ["?c owl:intersectionOf ?list", "?y a ?c"], "?y a ?ci", static=(f"?list {LIST_MEMBER} ?ci",)),
    _rule("cls-uni", ["?c owl:unionOf ?list", "?y a ?ci"], "?y a ?c", static=(f"?list {LIST_MEMBER} ?ci",)),
    _rule("cls-svf1", ["?x owl:someValuesFrom ?y", "?x owl:onProperty ?p", "?u ?p ?v", "?v a ?y"], "?u a ?x"),
    _rule("cls-svf2", ["?x owl:someValuesFrom owl:Thing", "?x owl:onProperty ?p", "?u ?p ?v"], "?u a ?x"),
    _rule("cls-avf", ["?x owl:allValuesFrom ?y", "?x owl:onProperty ?p", "?u a ?x", "?u ?p ?v"], "?v a ?y",
          "FILTER (!isLiteral(?v) && ?y != owl:Thing)"),
    _rule("cls-hv1", ["?x owl:hasValue ?y", "?x owl:onProperty ?p", "?u a ?x"], "?u ?p ?y"),
    _rule("cls-hv2", ["?x owl:hasValue ?y", "?x owl:onProperty ?p", "?u ?p ?y"], "?u a ?x"),
    _rule("cls-maxc2", ["?x owl:maxCardinality ?n", "?x owl:onProperty ?p", "?u a ?x", "?u ?p ?y1", "?u ?p ?y2"],
          "?y1 owl:sameAs ?y2", f"FILTER (?n = 1 && !isLiteral(?y1)) {_not_same('?y1', '?y2')}"),
    _rule("cls-maxqc3", ["?x owl:maxQualifiedCardinality ?n", "?x owl:onProperty ?p", "?x owl:onClass ?c",
                         "?u a ?x", "?u ?p ?y1", "?y1 a ?c", "?u ?p ?y2", "?y2 a ?c"], "?y1 owl:sameAs ?y2",
          f"FILTER (?n = 1 && ?c != owl:Thing) {_not_same('?y1', '?y2')}"),
    _rule("cls-maxqc4", ["?x owl:maxQualifiedCardinality ?n", "?x owl:onProperty ?p", "?x owl:onClass owl:Thing",
                         "?u a ?x", "?u ?p ?y1", "?u ?p ?y2"], "?y1 owl:sameAs ?y2",
          f"FILTER (?n = 1 && !isLiteral(?y1)) {_not_same('?y1', '?y2')}"),
    # Table 7: class axioms (cax-eqc follows from scm-eqc1 and cax-sco).
    _rule("cax-sco", ["?c1 rdfs:subClassOf ?c2", "?x a ?c1"], "?x a ?c2",
          f"FILTER (?c2 != owl:Thing) {_not_same('?c1', '?c2')}"),
    # Table 4: the semantics of equality (eq-ref is vacuous and left out).
    _rule("eq-sym", ["?x owl:sameAs ?y"], "?y owl:sameAs ?x", _not_same("?x", "?y")),
    _rule("eq-trans", ["?x owl:sameAs ?y", "?y owl:sameAs ?z"], "?x owl:sameAs ?z", _not_same("?x", "?z")),
    _rule("eq-rep-s", ["?s owl:sameAs ?s2", "?s ?p ?o"], "?s2 ?p ?o", _not_same("?s", "?s2")),
    _rule("eq-rep-p", ["?p owl:sameAs ?p2", "?s ?p ?o"], "?s ?p2 ?o", _not_same("?p", "?p2")),
    _rule("eq-rep-o", ["?o owl:sameAs ?o2", "?s ?p ?o"], "?s ?p ?o2", _not_same("?o", "?o2")),
)  # fmt: skip


#: An RDF list in the schema: (predicate, subject, members), members as N-Triples terms.
SchemaList = tuple[str, str, list[str]]


def schema_dependent_rules(lists: list[SchemaList]) -> list[Rule]:
    """Rules written out per axiom: property chains (prp-spo2), intersections (cls-int1), keys
    (prp-key). Their number of premises depends on the length of an RDF list in the schema."""
    rules = []
    for predicate, subject, members in sorted(lists):
        named = subject.startswith("<") and all(m.startswith("<") for m in members)
        if predicate == OWL + "propertyChainAxiom" and named:
            hops = [f"?u{i} {p} ?u{i + 1}" for i, p in enumerate(members)]
            rules.append(Rule("prp-spo2", tuple(hops), f"?u0 {subject} ?u{len(members)}"))
        elif predicate == OWL + "hasKey" and named:
            premises = [f"?x a {subject}", f"?y a {subject}"]
            premises += [f"?x {k} ?z{i}" for i, k in enumerate(members)]
            premises += [f"?y {k} ?z{i}" for i, k in enumerate(members)]
            rules.append(
                Rule("prp-key", tuple(premises), "?x owl:sameAs ?y", _not_same("?x", "?y"))
            )
    lengths = {len(m) for p, _, m in lists if p == OWL + "intersectionOf" and m}
    for length in sorted(lengths):
        # Written over the list's structure, not its members' IRIs: the members of an
        # intersection are often restrictions, that is blank nodes, which SPARQL cannot name.
        walk = ["?c owl:intersectionOf ?l0"]
        for i in range(length):
            rest = f"?l{i + 1}" if i + 1 < length else "rdf:nil"
            walk += [f"?l{i} rdf:first ?m{i}", f"?l{i} rdf:rest {rest}"]
        premises = tuple(f"?y a ?m{i}" for i in range(length))
        rules.append(Rule("cls-int1", premises, "?y a ?c", static=tuple(walk)))
    return rules


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
KNOWN_PREFIXES = {"owl": OWL, "rdf": RDF, "rdfs": RDFS}


def constant_term(token: str, prefixes: dict[str, str] = KNOWN_PREFIXES):
    """The RDF term of a constant in a pattern (an IRI, a prefixed name, `a` or a literal)."""
    if token == "a":
        return ox.NamedNode(RDF_TYPE)
    if token.startswith("<"):
        return ox.NamedNode(token[1:-1])
    if token.startswith('"'):
        triple = next(
            iter(ox.parse(f"<x:s> <x:p> {token} .".encode(), format=ox.RdfFormat.N_TRIPLES))
        )
        return triple.object
    prefix, _, local = token.partition(":")
    return ox.NamedNode(prefixes[prefix] + local)


def matches(pattern: Pattern, triples: list) -> list[dict[str, str]]:
    """The bindings (variable to N-Triples term) under which `pattern` matches each triple,
    each once, in the order of the triples that first give them."""
    tokens = pattern.triple()
    constants = [
        (i, term if term is not None else constant_term(token))  # raises for what it cannot read
        for i, (token, term) in enumerate(zip(tokens, pattern.constants, strict=True))
        if not token.startswith("?")
    ]
    first: dict[str, int] = {}  # each variable's first position
    repeats = []  # (position, first position) of a variable written twice, as in ?x ?p ?x
    for i, token in enumerate(tokens):
        if token.startswith("?"):
            if token in first:
                repeats.append((i, first[token]))
            else:
                first[token] = i
    names, positions = list(first), list(first.values())
    found: dict[tuple, dict[str, str]] = {}
    for triple in triples:
        terms = (triple.subject, triple.predicate, triple.object)
        if any(terms[i] != c for i, c in constants) or any(
            terms[i] != terms[j] for i, j in repeats
        ):
            continue
        key = tuple(str(terms[p]) for p in positions)
        if key not in found:
            found[key] = dict(zip(names, key, strict=True))
    return list(found.values())


def _constant_or_none(token: str):
    try:
        return constant_term(token)
    except (KeyError, ValueError, SyntaxError):
        return None


class HeadIndex:
    """The heads of some rules, indexed by their constant predicate and object, to tell quickly
    whether a premise may match a triple one of them derives. It errs towards yes: a premise
    with a variable predicate may match any head, and so may anything a head with a variable
    predicate."""

    def __init__(self, heads: Iterable[Pattern] = ()):
        self.everything = False
        self.predicates: set = set()
        self.subjects: dict[tuple, set] = {}  # (predicate, object or None) -> subjects or None
        for head in heads:
            self.add(head)

    def add(self, head: Pattern) -> None:
        terms = head.constants
        if terms is None or terms[1] is None:
            self.everything = True
            return
        subject, predicate, obj = terms
        self.predicates.add(predicate)
        self.subjects.setdefault((predicate, obj), set()).add(subject)

    def __bool__(self) -> bool:
        return self.everything or bool(self.predicates)

    def may_match(self, premise: Pattern) -> bool:
        if self.everything:
            return True
        mine = premise.constants
        if mine is None or mine[1] is None:
            return bool(self.predicates)
        subject, predicate, obj = mine
        if predicate not in self.predicates:
            return False
        if obj is None:
            return True
        for key in ((predicate, obj), (predicate, None)):
            found = self.subjects.get(key)
            if found and (subject is None or None in found or subject in found):
                return True
        return False


class AnyOf:
    """Heads from several indexes."""

    def __init__(self, *indexes: HeadIndex):
        self.indexes = [index for index in indexes if index]

    def __bool__(self) -> bool:
        return bool(self.indexes)

    def may_match(self, premise: Pattern) -> bool:
        return any(index.may_match(premise) for index in self.indexes)
