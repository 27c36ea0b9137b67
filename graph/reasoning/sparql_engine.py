"""The reasoner: OWL 2 RL plus the project's rules, run as SPARQL Update inside pyoxigraph.

Materialisation is semi-naive. The first round runs every rule over everything, in an order that
lets most consequences flow within the round (each update sees the previous one's inserts); later
rounds only evaluate rule variants with one premise matched among the previous round's new
triples. The OWL 2 RL rules run to a fixpoint, then the project's rules (whose FILTER NOT EXISTS
must see the finished OWL closure), and the two alternate until nothing new appears.

Incremental maintenance: an insertion seeds the same semi-naive loop with the inserted triples; a
deletion runs DRed (delete and rederive): overdelete everything derivable from the deleted
triples, then rederive what still has another derivation, then propagate those rederivations.

Working graphs (deltas, overdeleted triples) are named graphs under `WORK`, dropped at the end.

One module of about 750 lines, on purpose: materialisation, insertion and DRed share one
Reasoner's state (its rule copies compiled from the schema, its working graphs, whether literal
equalities exist). What both engines share is in `closure.py`, the delta cache in `deltas.py`,
the rules themselves in `rules.py`.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from graph.reasoning.closure import (
    OWL,
    RDFS,
    first_pass_order,
    stage_of,
    vacuous_filter_sparql,
)
from graph.reasoning.deltas import DeltaRows
from graph.reasoning.rule_files import load_rule_files
from graph.reasoning.rules import (
    OWL_RL_ORIGIN,
    OWL_RL_RULES,
    PROLOGUE,
    AnyOf,
    HeadIndex,
    Pattern,
    Rule,
    matches,
    schema_dependent_rules,
    writable,
)
from graph.sparql_text import block_end
from ontology import INFERRED_GRAPH, RULES_DIR, WORK_GRAPHS

WORK = WORK_GRAPHS
SCHEMA_LIST_PREDICATES = ("propertyChainAxiom", "intersectionOf", "hasKey")
#: Up to this many matches of one premise, a rule is specialised per match (see _delta_variants).
SPECIALISE_LIMIT = 64
#: The rules that the first pass runs as the transitive closure of their property.
SCHEMA_CLOSURES = {"scm-sco": RDFS + "subClassOf", "scm-spo": RDFS + "subPropertyOf"}
#: Up to this many matches of its first premise, a rule runs over everything as one update per
#: match (see Reasoner._split).
SPLIT_LIMIT = 1000

Progress = Callable[[str], None]


@dataclass
class ReasoningReport:
    """What a reasoning run did: rounds, new triples per stage, seconds."""

    rounds: int = 0
    inferred: int = 0
    seconds: float = 0.0


class Reasoner:
    """Materialises and maintains the inferred graph of a store.

    `premise_graphs` are the graphs holding the ontology and the asserted data; the inferred graph
    is read as a premise too. Nothing outside these graphs is read or written, except the working
    graphs under WORK.
    """

    def __init__(
        self,
        store: ox.Store,
        premise_graphs: Iterable[str],
        inferred_graph: str = INFERRED_GRAPH,
        layer_rules: list[Rule] | None = None,
        progress: Progress = lambda _: None,
    ):
        self.store = store
        self.premise_graphs = list(dict.fromkeys(premise_graphs))
        self.inferred = inferred_graph
        self.layer = load_rule_files(RULES_DIR) if layer_rules is None else layer_rules
        self.progress = progress
        self._work = itertools.count()
        self._node_sets: dict[tuple[str, ...], frozenset[ox.NamedNode]] = {}
        #: The rows of small delta graphs, read once.
        self.deltas = DeltaRows(store)
        self._has_literal_pairs: bool | None = None
        self._new_same_as = False
        #: During materialisation, the output graphs rules read so far (an empty graph still
        #: costs every look-up a probe); otherwise None: the inferred graph.
        self._reading: list[str] | None = None
        graphs = [ox.NamedNode(g) for g in self.premise_graphs]
        functional = store.query(
            f"SELECT ?p WHERE {{ ?p a <{OWL}FunctionalProperty> }}", default_graph=graphs
        )
        self._functional = {row["p"].value for row in functional}
        self.owl_rules = first_pass_order(
            list(OWL_RL_RULES) + schema_dependent_rules(self._schema_lists())
        )

    # ---------------------------------------------------------------- helpers

    @property
    def rules(self) -> list[Rule]:
        return self.owl_rules + self.layer

    def _new_work_graph(self) -> str:
        return f"{WORK}{time.time_ns()}-{next(self._work)}"

    def _known_graphs(self) -> list[str]:
        """The graphs rules read: the premises and the inferred graph or, during the first pass
        and the round after it, the output graphs of the stages that have begun."""
        outputs = [self.inferred] if self._reading is None else self._reading
        return [*self.premise_graphs, *outputs]

    def _known_nodes(self) -> list[ox.NamedNode]:
        """The known graphs, as the default graph of a query."""
        return [ox.NamedNode(g) for g in self._known_graphs()]

    def _node_set(self, graphs: Iterable[str]) -> frozenset[ox.NamedNode]:
        """The graphs as a set of nodes, made once per list of graphs (a write asks for it
        once per rule, with some forty graph names each time)."""
        key = tuple(graphs)
        found = self._node_sets.get(key)
        if found is None:
            found = self._node_sets[key] = frozenset(ox.NamedNode(g) for g in key)
        return found

    def _using(self, named: Iterable[str] = ()) -> str:
        graphs = self._known_graphs()
        lines = [f"USING <{g}>" for g in graphs] + [f"USING NAMED <{g}>" for g in named]
        return "\n".join(lines)

    def _size(self, graph: str) -> int:
        result = self.store.query(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        )
        return int(next(iter(result))["n"].value)

    def _work_graph_of(self, quads: list[ox.Quad]) -> str:
        """A new working graph holding the triples of `quads`."""
        graph = self._new_work_graph()
        home = ox.NamedNode(graph)
        self.store.extend(ox.Quad(q.subject, q.predicate, q.object, home) for q in quads)
        return graph

    def _has_same_as(self, graph: str) -> bool:
        return bool(self.store.query(f"ASK {{ GRAPH <{graph}> {{ ?a <{OWL}sameAs> ?b }} }}"))

    def _remove_from_inferred(self, graph: str) -> None:
        """Delete from the inferred graph every triple that is in `graph`."""
        self.store.update(
            f"DELETE {{ GRAPH <{self.inferred}> {{ ?s ?p ?o }} }} WHERE {{ "
            f"GRAPH <{graph}> {{ ?s ?p ?o }} GRAPH <{self.inferred}> {{ ?s ?p ?o }} }}"
        )

    def _drop(self, graph: str) -> None:
        self.store.update(f"DROP SILENT GRAPH <{graph}>")

    def _schema_lists(self) -> list[tuple[str, str, list[str]]]:
        """The RDF lists behind property chains, intersections and keys, members in order."""
        predicates = " ".join(f"owl:{p}" for p in SCHEMA_LIST_PREDICATES)
        query = f"""{PROLOGUE}
        SELECT ?p ?s ?list ?node ?first ?rest WHERE {{
          VALUES ?p {{ {predicates} }}
          ?s ?p ?list . ?list rdf:rest* ?node . ?node rdf:first ?first ; rdf:rest ?rest }}"""
        graphs = [ox.NamedNode(g) for g in self.premise_graphs]
        heads, cells = {}, {}
        for row in self.store.query(query, default_graph=graphs):
            heads[(row["p"].value, str(row["s"]))] = row["list"]
            cells[row["node"]] = (str(row["first"]), row["rest"])
        lists = []
        for (predicate, subject), node in heads.items():
            members, seen = [], set()
            while node in cells and node not in seen:
                seen.add(node)
                first, node = cells[node]
                members.append(first)
            lists.append((predicate, subject, members))
        return lists

    # ---------------------------------------------------------------- SPARQL for one rule

    def _body(self, rule: Rule, delta: str | None = None, position: int = -1) -> str:
        """The rule's WHERE clause; with a delta, premise `position` is matched in the delta,
        given either as a graph name or as a VALUES block of its matching rows."""
        parts = []
        if delta is not None:
            inline = delta.startswith("VALUES")
            parts.append(delta if inline else f"GRAPH <{delta}> {{ {rule.premises[position]} }}")
        parts += [p.text for i, p in enumerate(rule.premises) if i != position or delta is None]
        parts += [p.text for p in rule.static]
        return " .\n  ".join(p for p in parts if p) + f"\n  {rule.filters}"

    def full_updates(self, rule: Rule, target: str, superclasses_later: bool = False) -> list[str]:
        """Insert into `target` every new head the rule derives from everything; FILTER NOT
        EXISTS keeps known triples out. With `superclasses_later` (cax-sco is yet to run over
        everything), the domain and range rules leave out the types cax-sco will derive."""
        if rule.name == "prp-trp":
            return [self._transitive_closure(p, target) for p in self._transitive_properties()]
        if rule.name in SCHEMA_CLOSURES:
            return [self._transitive_closure(SCHEMA_CLOSURES[rule.name], target, distinct=True)]
        if rule.literal_equality and not self._literal_pairs([]):
            return []  # no two literal values of one functional property: nothing to copy
        # The project's rules start from data (summits, alliances), not from the schema: one
        # update per summit would cost more than the solutions one update holds.
        parts = self._split(rule) if rule.origin == OWL_RL_ORIGIN else [rule]
        if superclasses_later and rule.name in ("prp-dom", "prp-rng") and parts != [rule]:
            parts = self._most_specific_classes(parts)
        if rule.name == "cax-sco" and parts != [rule]:
            parts = _direct_steps_upwards(parts)
        return [
            f"{PROLOGUE}INSERT {{ GRAPH <{target}> {{ {part.head} }} }}\n{self._using()}\n"
            f"WHERE {{\n  {self._body(part)}\n  FILTER NOT EXISTS {{ {part.head} }}\n}}"
            for part in parts
        ]

    def _most_specific_classes(self, parts: list[Rule]) -> list[Rule]:
        """Of the domain (or range) rule's copies, one per axiom `P rdfs:domain C`, those whose C
        is not a strict superclass of another domain of P: the others' types follow from theirs
        by cax-sco. (scm-dom1 gives a property every superclass of its domains as a domain, so
        each copy would otherwise derive again, for every triple, what cax-sco derives once per
        typed resource.)"""
        below = {
            (str(row["d"]), str(row["c"]))
            for row in self.store.query(
                f"{PROLOGUE}SELECT ?d ?c WHERE {{ ?d rdfs:subClassOf ?c }}",
                default_graph=self._known_nodes(),
            )
        }
        classes: dict[str, set[str]] = {}
        for part in parts:
            cls = part.head.terms[2]
            classes.setdefault(part.premises[0], set()).add(cls)  # ?x <P> ?y
        kept = []
        for part in parts:
            cls = part.head.terms[2]
            siblings = classes[part.premises[0]]
            if not any((d, cls) in below and (cls, d) not in below for d in siblings if d != cls):
                kept.append(part)
        return kept

    def _split(self, rule: Rule) -> list[Rule]:
        """The rule as one copy per match of its first premise, when that premise matches few
        triples (as a schema premise does): one update over everything would hold all its
        solutions in memory at once before inserting them."""
        if len(rule.premises) < 2:
            return [rule]
        results = self.store.query(
            f"{PROLOGUE}SELECT * WHERE {{ {rule.premises[0]} }}", default_graph=self._known_nodes()
        )
        names = [f"?{v.value}" for v in results.variables]
        found = list(itertools.islice(results, SPLIT_LIMIT + 1))
        # A blank node cannot be named in a query, nor a literal stand where a predicate does.
        if len(found) > SPLIT_LIMIT or any(
            not isinstance(term, ox.NamedNode) for row in found for term in row
        ):
            return [rule]
        return [
            rule.specialise({n: str(t) for n, t in zip(names, row, strict=True)}, drop=0)
            for row in found
        ]

    def delta_updates(
        self, rule: Rule, delta: str, target: str, premises: set[int] | None = None
    ) -> list[str]:
        """The rule's updates with one premise matched in `delta` (one of `premises`, if given)."""
        return [
            f"{PROLOGUE}INSERT {{ GRAPH <{target}> {{ {head} }} }}\n{self._using([delta])}\n"
            f"WHERE {{\n  {body}\n  FILTER NOT EXISTS {{ {head} }}\n}}"
            for head, body in self._delta_variants(rule, delta, premises)
        ]

    def _delta_variants(
        self,
        rule: Rule,
        delta: str,
        premises: set[int] | None = None,
        reading: Iterable[str] | None = None,
    ) -> list[tuple[str, str]]:
        """(head, WHERE clause) pairs that together apply the rule with one premise in `delta`;
        the other premises are matched in the graphs `reading` (the known graphs if None).

        A small delta is matched against each premise here: each match gives a copy of the rule
        with the premise's variables replaced by the matched terms, which the query optimizer
        evaluates from those constants (premises nothing matches cost no query at all, and
        neither does a copy with a premise nothing matches alone). A premise with many matches,
        a large delta, or one with blank nodes (which a query cannot name) is matched in the
        delta graph.
        """
        triples = self._small_delta(delta)
        known = self._node_set(self._known_graphs() if reading is None else reading)
        variants = []
        for i, premise in enumerate(rule.premises):
            if premises is not None and i not in premises:
                continue
            if (
                rule.literal_equality
                and i == len(rule.premises) - 1
                and not self._literal_pairs(triples)
            ):
                continue
            if triples is None:
                variants.append((rule.head, self._body(rule, delta, i)))
                continue
            bindings = matches(premise, self.deltas.matching(delta, premise))
            if len(bindings) <= SPECIALISE_LIMIT:
                for binding in filter(functools.partial(writable, rule), bindings):
                    special = rule.specialise(binding, drop=i)
                    if self._may_match(special.premises, known):
                        variants.append((special.head, self._body(special)))
            else:
                # Many matches: a VALUES block would be hash-joined with the whole remaining
                # pattern; matching the premise in the delta graph keeps the join indexed.
                variants.append((rule.head, self._body(rule, delta, i)))
        return variants

    def _may_match(self, premises: Iterable[Pattern], graphs: set[ox.NamedNode]) -> bool:
        """Whether each premise alone matches a triple of `graphs`. A copy of a rule made for one
        delta triple often names a schema triple that is not there (`<p> a
        owl:FunctionalProperty` for every new triple of p): one index lookup here costs a few
        microseconds, an update that finds nothing about 0.1 ms (measured on the article)."""
        for premise in premises:
            terms = premise.constants
            if terms is None or terms == (None, None, None):
                continue
            subject, predicate, _ = terms
            if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode | None):
                return False  # no stored triple has a literal subject or predicate
            if not any(q.graph_name in graphs for q in self.store.quads_for_pattern(*terms)):
                return False
        return True

    def _literal_pair_in(self, delta: str) -> bool:
        """Whether a literal value of a functional property in `delta` has another value."""
        return bool(
            self.store.query(
                f"""{PROLOGUE}ASK {{ ?p a owl:FunctionalProperty .
                GRAPH <{delta}> {{ ?x ?p ?y1 FILTER (isLiteral(?y1)) }}
                ?x ?p ?y2 FILTER (!sameTerm(?y1, ?y2)) }}""",
                default_graph=self._known_nodes(),
            )
        )

    def _literal_pairs(self, delta: list[ox.Triple] | None) -> bool:
        """Whether some subject has two literal values for one functional property (cached; a
        delta that adds a literal value of a functional property may create one: a small one is
        checked here, a large one (None) by `_small_delta` when it is first read). A pair
        made by a new IRI value needs no check: prp-fp derives that the IRI is owl:sameAs the
        literal, and equality replication copies the IRI's triples."""
        if delta is not None and any(
            t.predicate.value in self._functional and isinstance(t.object, ox.Literal)
            for t in delta
        ):
            self._has_literal_pairs = None
        if self._has_literal_pairs is None:
            self._has_literal_pairs = bool(
                self.store.query(
                    f"""{PROLOGUE}ASK {{ ?p a owl:FunctionalProperty . ?x ?p ?y1 . ?x ?p ?y2
                    FILTER (isLiteral(?y1) && !sameTerm(?y1, ?y2)) }}""",
                    default_graph=self._known_nodes(),
                )
            )
        return self._has_literal_pairs

    def _small_delta(self, delta: str) -> list[ox.Triple] | None:
        """The rows of `delta` (None if it is too large to read): a large one may hold a new
        literal pair, checked when it is first read (see _literal_pairs)."""
        first = not self.deltas.read(delta)
        rows = self.deltas.small(delta)
        if first and rows is None and self._has_literal_pairs is False:
            self._has_literal_pairs = self._literal_pair_in(delta)
        return rows

    def _transitive_properties(self) -> list[str]:
        found = self.store.query(
            f"SELECT DISTINCT ?p WHERE {{ ?p a <{OWL}TransitiveProperty> }}",
            default_graph=self._known_nodes(),
        )
        return [row["p"].value for row in found if isinstance(row["p"], ox.NamedNode)]

    def _transitive_closure(self, prop: str, target: str, distinct: bool = False) -> str:
        """prp-trp over everything for one transitive property, as a property path; with
        `distinct`, scm-sco or scm-spo, which relate only distinct terms."""
        distinct_filter = "FILTER (!sameTerm(?x, ?y) && !sameTerm(?x, ?z))" if distinct else ""
        return f"""{PROLOGUE}INSERT {{ GRAPH <{target}> {{ ?x <{prop}> ?z }} }}
{self._using()}
WHERE {{
  ?x <{prop}> ?y .
  ?y <{prop}>+ ?z .
  {distinct_filter}
  FILTER NOT EXISTS {{ ?x <{prop}> ?z }}
}}"""

    # ---------------------------------------------------------------- materialisation

    def materialise(self) -> ReasoningReport:
        """Compute the inferred graph from scratch."""
        started = time.perf_counter()
        report = ReasoningReport(rounds=2)
        self._drop(self.inferred)
        self._has_literal_pairs = None
        self.progress("reasoning: first pass over everything")
        # Each stage writes into a graph that every rule reads too: the schema and property
        # rules (stage 0) and the types (stage 1) into the inferred graph, equality into a graph
        # of its own. (A graph of its own for stage 0 saved the second round nothing, as rules
        # are matched there only with premises that fit later heads, and cost a copy of 565k
        # triples at 1M.)
        outputs = [self.inferred, self.inferred, self._new_work_graph()]
        self._reading = []
        delta = self._new_work_graph()
        try:
            for rule in self.owl_rules:
                stage = stage_of(rule)
                self._reading += [g for g in outputs[: stage + 1] if g not in self._reading]
                for update in self.full_updates(rule, outputs[stage], True):
                    self.store.update(update)
            self._reading = list(dict.fromkeys(outputs))
            self._second_round(outputs, delta)
        finally:
            self._reading = None
        self.store.update(f"ADD SILENT <{outputs[2]}> TO <{self.inferred}>")
        self._drop(outputs[2])
        self.deltas.forget()
        self.store.update(vacuous_filter_sparql(delta))
        self.store.update(f"ADD SILENT <{delta}> TO <{self.inferred}>")
        self._saturate(delta, report, layer_full=True)
        self._drop(delta)
        self.store.update(vacuous_filter_sparql(self.inferred))
        self._literal_pairs([])  # learn it now if not yet known, for the insertions to come
        report.inferred = self._size(self.inferred)
        report.seconds = time.perf_counter() - started
        return report

    def _second_round(self, outputs: list[str], target: str) -> None:
        """What the first pass missed, into `target`. In the first pass each rule saw what the
        rules before it derived; it missed what uses a triple derived by itself or a rule after
        it. Those are in the output graph of its own stage or of a later one, and a premise can
        only match them where it fits the head of such a rule (the rules are specialised per
        schema match, so the heads have their constants). A rule whose output is closed under
        itself (cax-sco over a transitively closed class hierarchy, say) needs none of its own.
        """
        # Each rule's copies per schema match: their heads, and the copies a large delta runs.
        copies = [self._split(rule) for rule in self.owl_rules]
        closed = self._self_closed()
        # Going backwards, after[stage] holds the heads of the stage's rules after the current one.
        after = [HeadIndex() for _ in outputs]
        for k in reversed(range(len(self.owl_rules))):
            rule, stage = self.owl_rules[k], stage_of(self.owl_rules[k])
            heads = [part.head for part in copies[k]]
            own = HeadIndex() if rule.name in closed else HeadIndex(heads)
            for graph in dict.fromkeys(outputs):  # each graph once, in stage order
                writers = [s for s, g in enumerate(outputs) if g == graph and s >= stage]
                missed = AnyOf(*(after[s] for s in writers), *([own] if stage in writers else []))
                if missed:
                    for update in self._updates_matching(rule, graph, target, missed, copies[k]):
                        self.store.update(update)
            for head in heads:
                after[stage].add(head)

    def _self_closed(self) -> set[str]:
        """The rules whose conclusions yield nothing more by the rule itself, in this store."""
        closed = {"prp-trp"}  # run as a transitive closure
        for rule, relation in (("cax-sco", "rdfs:subClassOf"), ("prp-spo1", "rdfs:subPropertyOf")):
            gap = self.store.query(
                f"""{PROLOGUE}ASK {{ ?a {relation} ?b . ?b {relation} ?c
                FILTER (!sameTerm(?a, ?b) && !sameTerm(?b, ?c) && !sameTerm(?a, ?c))
                FILTER NOT EXISTS {{ ?a {relation} ?c }} }}""",
                default_graph=self._known_nodes(),
            )
            if not gap:
                closed.add(rule)
        return closed

    def _updates_matching(
        self,
        rule: Rule,
        delta: str,
        target: str,
        heads: AnyOf | None = None,
        split: list[Rule] | None = None,
    ) -> list[str]:
        """The rule's updates with one premise matched in `delta`. When the triples of `delta`
        all fit one of `heads`, only the premises that may match one are matched in it.

        A large delta is matched per copy of the rule specialised per schema match when that
        leaves copies out: those whose premises fit no head, and the domain and range copies
        whose class is a superclass of another's (cax-sco derives those types in the next
        round, from the more specific ones). `split`: those copies, if already made."""

        def fitting(premises: Iterable[str], skip: int = -1) -> set[int]:
            return {
                i
                for i, p in enumerate(premises)
                if i != skip and (heads is None or heads.may_match(p))
            }

        if self._small_delta(delta) is not None:
            copies = [rule]
        else:
            copies = self._split(rule) if split is None else split
        if copies == [rule]:
            wanted = fitting(rule.premises)
            return self.delta_updates(rule, delta, target, wanted) if wanted else []
        updates = []
        if heads is None or heads.may_match(rule.premises[0]):
            updates += self.delta_updates(rule, delta, target, {0})
        parts = copies
        if rule.name in ("prp-dom", "prp-rng"):
            parts = self._most_specific_classes(parts)
        kept = [(part, fitting(part.premises)) for part in parts]
        kept = [(part, wanted) for part, wanted in kept if wanted]
        if len(kept) == len(copies):  # no copy left out: one update does it
            wanted = fitting(rule.premises, skip=0)
            return updates + (self.delta_updates(rule, delta, target, wanted) if wanted else [])
        for part, wanted in kept:
            updates += self.delta_updates(part, delta, target, wanted)
        return updates

    def _saturate(self, delta: str, report: ReasoningReport, layer_full: bool) -> None:
        """Semi-naive rounds from the new triples in `delta` until nothing new appears.

        OWL 2 RL runs to a fixpoint first; then the project's rules (their FILTER NOT EXISTS must
        see the finished OWL closure), the first time over everything if `layer_full`, else (and
        after that first time) over what is new since they last ran; the two alternate. Each
        round's new triples join the inferred graph at once, so that the next round's FILTER NOT
        EXISTS sees them.
        """
        since_layer = None if layer_full else self._new_work_graph()
        if since_layer:
            self.store.update(f"ADD SILENT <{delta}> TO <{since_layer}>")
        owned: list[str] = []
        while True:
            target = self._new_work_graph()
            for rule in self.owl_rules:
                for update in self._updates_matching(rule, delta, target):
                    self.store.update(update)
            if self._size(target) == 0:
                self._drop(target)
                target = self._run_layer(since_layer)
                if target is None:
                    break
                if since_layer is None:  # from now on, only what is new (0.75 s less at 1M)
                    since_layer = self._new_work_graph()
            self.store.update(vacuous_filter_sparql(target))
            self._new_same_as = self._new_same_as or self._has_same_as(target)
            self.store.update(f"ADD SILENT <{target}> TO <{self.inferred}>")
            if since_layer:
                self.store.update(f"ADD SILENT <{target}> TO <{since_layer}>")
            report.rounds += 1
            self.progress(f"reasoning: round {report.rounds}")
            owned.append(target)
            delta = target
        for graph in [*owned, since_layer]:
            if graph:
                self._drop(graph)

    def _run_layer(self, since_layer: str | None) -> str | None:
        """Run the project's rules; returns the graph of what they derived, or None if nothing."""
        target = self._new_work_graph()
        for rule in self.layer:
            updates = (
                self.full_updates(rule, target)
                if since_layer is None
                else self.delta_updates(rule, since_layer, target)
            )
            for update in updates:
                self.store.update(update)
        if since_layer:
            self.store.update(f"CLEAR SILENT GRAPH <{since_layer}>")
            self.deltas.forget()  # it fills again: what was read of it no longer holds
        if self._size(target) == 0:
            self._drop(target)
            return None
        return target

    # ---------------------------------------------------------------- incremental maintenance

    def insert(self, quads: list[ox.Quad]) -> ReasoningReport:
        """Add asserted quads (to premise graphs) and bring the inferred graph up to date."""
        started = time.perf_counter()
        report = ReasoningReport()
        self.deltas.forget()
        new = [q for q in quads if q not in self.store]
        self.store.extend(new)
        seed = self._work_graph_of(new)
        self._remove_from_inferred(seed)  # a triple now asserted is no longer only inferred
        self._new_same_as = self._has_same_as(seed)
        self._saturate(seed, report, layer_full=False)
        self._drop(seed)
        if self._new_same_as:  # only a new owl:sameAs can block a conclusion of the rules
            self._retract_blocked_layer_heads(report)
        report.seconds = time.perf_counter() - started
        return report

    def delete(self, quads: list[ox.Quad]) -> ReasoningReport:
        """Remove asserted quads and bring the inferred graph up to date (DRed)."""
        started = time.perf_counter()
        report = ReasoningReport()
        self.deltas.forget()
        present = [q for q in quads if q in self.store]
        removed = self._work_graph_of(present)
        for q in present:
            self.store.remove(q)
        self._dred(removed, report)
        self._drop(removed)
        report.seconds = time.perf_counter() - started
        return report

    def _dred(self, removed: str, report: ReasoningReport) -> None:
        """Delete and rederive, for the triples in `removed` (no longer asserted, or invalid).

        Overdeletion evaluates the rules against the state before the removal (the remaining data,
        the inferred graph and the removed triples); everything overdeleted leaves the inferred
        graph; what still has a derivation from what remains comes back and is propagated.
        """
        overdeleted = self._overdelete(removed)
        self._remove_from_inferred(overdeleted)
        self.store.update(f"ADD SILENT <{removed}> TO <{overdeleted}>")
        rederived = self._rederive(overdeleted)
        # A removed owl:sameAs can unblock the project's rules (FILTER NOT EXISTS): run them all.
        unblocked = self.store.query(f"ASK {{ GRAPH <{overdeleted}> {{ ?a <{OWL}sameAs> ?b }} }}")
        self._saturate(rederived, report, layer_full=bool(unblocked))
        for graph in (overdeleted, rederived):
            self._drop(graph)

    def _overdelete(self, removed: str) -> str:
        """Every inferred triple with a derivation that uses a removed or overdeleted triple."""
        overdeleted = self._new_work_graph()
        old_state = [*self.premise_graphs, self.inferred, removed]
        delta = removed
        while True:
            target = self._new_work_graph()
            using = "\n".join(
                [f"USING <{g}>" for g in old_state]
                + [f"USING NAMED <{g}>" for g in (delta, overdeleted, self.inferred)]
            )
            for rule in self.rules:
                for head, body in self._delta_variants(rule, delta, reading=old_state):
                    self.store.update(
                        f"{PROLOGUE}INSERT {{ GRAPH <{target}> {{ {head} }} }}\n{using}\n"
                        f"WHERE {{\n  {body}\n"
                        f"  FILTER EXISTS {{ GRAPH <{self.inferred}> {{ {head} }} }}\n"
                        f"  FILTER NOT EXISTS {{ GRAPH <{overdeleted}> {{ {head} }} }}\n}}"
                    )
            if delta != removed:
                self._drop(delta)
            if self._size(target) == 0:
                self._drop(target)
                return overdeleted
            self.store.update(f"ADD SILENT <{target}> TO <{overdeleted}>")
            delta = target

    def _rederive(self, candidates: str) -> str:
        """The candidates that still follow in one step from what remains; they go back into the
        inferred graph, and are the seed of the propagation that follows."""
        rederived = self._new_work_graph()
        triples = self._small_delta(candidates)
        known = {ox.NamedNode(g) for g in self._known_graphs()}
        for rule in self.rules:
            if triples is None:
                variants = [
                    (rule.head, f"GRAPH <{candidates}> {{ {rule.head} }}\n  {self._body(rule)}")
                ]
            else:
                rows = self.deltas.matching(candidates, rule.head)
                bindings = matches(rule.head, rows)
                specials = [rule.specialise(b) for b in bindings if writable(rule, b)]
                specials = [r for r in specials if self._may_match(r.premises, known)]
                variants = [(special.head, self._body(special)) for special in specials]
            for head, body in variants:
                self.store.update(
                    f"{PROLOGUE}INSERT {{ GRAPH <{rederived}> {{ {head} }} }}\n"
                    f"{self._using([candidates])}\n"
                    f"WHERE {{\n  {body}\n  FILTER NOT EXISTS {{ {head} }}\n}}"
                )
        # As every round's output: a removed `x sameAs x` rederives (from x sameAs y, y sameAs
        # x), and must not come back as an inferred triple the full closure would not hold.
        self.store.update(vacuous_filter_sparql(rederived))
        self.store.update(f"ADD SILENT <{rederived}> TO <{self.inferred}>")
        return rederived

    def _retract_blocked_layer_heads(self, report: ReasoningReport) -> None:
        """A new owl:sameAs can block a conclusion of the project's rules (their FILTER NOT EXISTS
        now matches): such conclusions are removed with DRed, and rederived if they still follow."""
        blocked = self._new_work_graph()
        for rule in self.layer:
            for pattern in _not_exists_patterns(rule.filters):
                self.store.update(
                    f"{PROLOGUE}INSERT {{ GRAPH <{blocked}> {{ {rule.head} }} }}\n"
                    f"{self._using([self.inferred])}\n"
                    f"WHERE {{ GRAPH <{self.inferred}> {{ {rule.head} }} {pattern} }}"
                )
        if self._size(blocked):
            self._remove_from_inferred(blocked)
            self._dred(blocked, report)
        self._drop(blocked)


def _direct_steps_upwards(parts: list[Rule]) -> list[Rule]:
    """cax-sco's copies, one per axiom C1 rdfs:subClassOf C2, reduced to the direct steps and
    ordered so that the steps into a class come before the steps out of it: as each copy sees
    what the copies before it derived, every type still climbs to all its superclasses, but by
    one step each instead of once from every subclass. An edge C1 -> C2 is left out when some
    class C (not owl:Thing, whose types are never derived) lies between. With a cycle (equivalent
    classes) the copies are returned as they are, in their order."""
    edges: dict[tuple[str, str], Rule] = {}
    for part in parts:
        lower, upper = part.premises[0].terms[2], part.head.terms[2]
        if upper != f"<{OWL}Thing>" and lower != upper:
            edges[(lower, upper)] = part
    above: dict[str, set[str]] = {}
    for lower, upper in edges:
        above.setdefault(lower, set()).add(upper)
    # Kahn's algorithm over all the steps: each class after all its subclasses. It must run
    # before the reduction, which could cut a cycle open.
    below_count = {cls: 0 for step in edges for cls in step}
    for _, upper in edges:
        below_count[upper] += 1
    ready = sorted(cls for cls, n in below_count.items() if n == 0)
    rank: dict[str, int] = {}
    while ready:
        cls = ready.pop()
        rank[cls] = len(rank)
        for upper in above.get(cls, ()):
            below_count[upper] -= 1
            if below_count[upper] == 0:
                ready.append(upper)
    if len(rank) < len(below_count):
        return parts
    direct = [
        (lower, upper)
        for lower, upper in edges
        if not any(upper in above.get(middle, ()) for middle in above[lower] if middle != upper)
    ]
    return [edges[step] for step in sorted(direct, key=lambda step: rank[step[0]])]


def _not_exists_patterns(filters: str) -> list[str]:
    """The group patterns of the FILTER NOT EXISTS clauses in a rule's filters."""
    patterns = []
    upper = filters.upper()
    start = 0
    while (found := upper.find("NOT EXISTS", start)) >= 0:
        open_at = filters.index("{", found)
        end = block_end(filters, open_at)
        patterns.append(filters[open_at:end])
        start = end
    return patterns
