"""SPARQL Update on the asserted data, as exact lists of removed and added quads.

The reasoner needs to know exactly which triples an update removes and adds, so an update is not
handed to the store as it is: each operation is planned first (its WHERE pattern evaluated by
pyoxigraph, its templates instantiated with CONSTRUCT), then its changes are applied and the
inferred graph brought up to date. The whole request is checked by pyoxigraph's own parser before
anything changes.

Graphs: what an update writes without naming a graph goes to the updates graph; what it deletes
without naming a graph is deleted from every asserted graph that holds it; its WHERE patterns see
the union of the asserted graphs, the ontology and the inferred graph. The inferred graph itself
cannot be written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from graph.errors import InvalidInput, QuerySyntaxError
from graph.sparql_text import Token, check_nesting, tokens
from ontology import INFERRED_GRAPH, PREFIXES, UPDATES_GRAPH

GRAPH_KEYWORDS = ("DEFAULT", "NAMED", "ALL")


@dataclass
class Changes:
    """Quads to remove and to add, in that order."""

    removed: list[ox.Quad] = field(default_factory=list)
    added: list[ox.Quad] = field(default_factory=list)


@dataclass(frozen=True)
class Prologue:
    """The prefixes (the project's, then the update's own, a later one winning) and the base in
    force for one operation, kept once and written as SPARQL or TriG where needed."""

    prefixes: dict[str, str]
    base: str | None = None

    def declaring(self, keyword: str, words: list[str]) -> Prologue:
        if keyword == "BASE":
            return Prologue(self.prefixes, words[0][1:-1])
        return Prologue({**self.prefixes, words[0].removesuffix(":"): words[1][1:-1]}, self.base)

    @property
    def sparql(self) -> str:
        base = f"BASE <{self.base}>\n" if self.base else ""
        return base + "".join(f"PREFIX {n}: <{iri}>\n" for n, iri in self.prefixes.items())

    @property
    def trig(self) -> str:
        base = f"@base <{self.base}> .\n" if self.base else ""
        return base + "".join(f"@prefix {n}: <{iri}> .\n" for n, iri in self.prefixes.items())

    def iri(self, text: str) -> str:
        """An IRI from `<...>` or a prefixed name."""
        if text.startswith("<") and text.endswith(">"):
            return text[1:-1]
        prefix, _, local = text.partition(":")
        if prefix not in self.prefixes:
            raise InvalidInput(f"unknown prefix in {text!r}")
        return self.prefixes[prefix] + local


@dataclass
class Operation:
    prologue: Prologue
    words: list[Token]

    @property
    def keyword(self) -> str:
        return self.words[0].upper if self.words else ""


class UpdatePlanner:
    """Turns SPARQL Update operations into Changes against a store's current state."""

    def __init__(self, store: ox.Store, asserted_graphs: list[str], readable_graphs: list[str]):
        self.store = store
        self.asserted = asserted_graphs
        self.readable = readable_graphs

    def operations(self, text: str) -> list[Operation]:
        return split_operations(text)

    def plan(self, operation: Operation) -> Changes:
        handler = {
            "INSERT": self._insert_or_modify,
            "DELETE": self._delete_or_modify,
            "WITH": self._modify,
            "CLEAR": self._clear,
            "DROP": self._clear,
            "CREATE": lambda _: Changes(),
            "ADD": self._copy,
            "COPY": self._copy,
            "MOVE": self._copy,
            "LOAD": self._load,
        }.get(operation.keyword)
        if handler is None:
            raise InvalidInput(f"unsupported update operation {operation.keyword!r}")
        return handler(operation)

    # ---------------------------------------------------------------- data and patterns

    def _insert_or_modify(self, op: Operation) -> Changes:
        if len(op.words) > 1 and op.words[1].upper == "DATA":
            return Changes(added=self._data(op, op.words[2].text, UPDATES_GRAPH))
        return self._modify(op)

    def _delete_or_modify(self, op: Operation) -> Changes:
        second = op.words[1].upper if len(op.words) > 1 else ""
        if second == "DATA":
            return Changes(removed=self._expand_removal(self._data(op, op.words[2].text, None)))
        if second == "WHERE":
            block = op.words[2].text
            matched = self._instantiate(op, block, block, None, None)
            return Changes(removed=self._expand_removal(matched))
        return self._modify(op)

    def _modify(self, op: Operation) -> Changes:
        words = op.words
        i, with_graph = 0, None
        if words[0].upper == "WITH":
            with_graph, i = op.prologue.iri(words[1].text), 2
        delete = insert = None
        if words[i].upper == "DELETE":
            delete, i = words[i + 1].text, i + 2
        if i < len(words) and words[i].upper == "INSERT":
            insert, i = words[i + 1].text, i + 2
        using, using_named = [], []
        while i < len(words) and words[i].upper == "USING":
            if words[i + 1].upper == "NAMED":
                using_named.append(op.prologue.iri(words[i + 2].text))
                i += 3
            else:
                using.append(op.prologue.iri(words[i + 1].text))
                i += 2
        if i >= len(words) or words[i].upper != "WHERE":
            raise InvalidInput("an update's DELETE/INSERT needs a WHERE clause")
        where = words[i + 1].text
        dataset = (using, using_named) if using or using_named else None
        default_target = with_graph
        removed = added = []
        if delete:
            removed = self._instantiate(op, delete, where, dataset, default_target, with_graph)
            if default_target is None:
                removed = self._expand_removal(removed)
        if insert:
            target = default_target or UPDATES_GRAPH
            added = self._instantiate(op, insert, where, dataset, target, with_graph)
        return Changes(removed=removed, added=added)

    def _data(self, op: Operation, block: str, default_graph: str | None) -> list[ox.Quad]:
        """The quads of an INSERT DATA or DELETE DATA block (TriG syntax with the prologue)."""
        content = block[1:-1].rstrip()
        if content and not content.endswith((".", "}")):
            content += " ."  # SPARQL allows leaving out the last dot; TriG does not
        trig = op.prologue.trig + content
        try:
            quads = list(ox.parse(trig.encode(), format=ox.RdfFormat.TRIG))
        except SyntaxError as error:
            raise QuerySyntaxError(f"SPARQL update data: {error}") from None
        home = ox.NamedNode(default_graph) if default_graph else None
        return [
            ox.Quad(q.subject, q.predicate, q.object, home or q.graph_name)
            if isinstance(q.graph_name, ox.DefaultGraph)
            else q
            for q in quads
        ]

    def _instantiate(
        self,
        op: Operation,
        template: str,
        where: str,
        dataset: tuple[list[str], list[str]] | None,
        default_target: str | None,
        with_graph: str | None = None,
    ) -> list[ox.Quad]:
        """The template's quads for every solution of the WHERE pattern (via CONSTRUCT)."""
        quads = []
        for graph, part in _template_parts(template, op.prologue):
            target = graph or default_target
            query = f"{op.prologue.sparql}CONSTRUCT {{ {part} }} WHERE {where}"
            for triple in self._construct(query, dataset, with_graph):
                home = ox.NamedNode(target) if target else ox.DefaultGraph()
                quads.append(ox.Quad(triple.subject, triple.predicate, triple.object, home))
        return quads

    def _construct(self, query: str, dataset, with_graph: str | None):
        if dataset:
            default = [ox.NamedNode(g) for g in dataset[0]]
            named = [ox.NamedNode(g) for g in dataset[1]]
            options = {"default_graph": default, "named_graphs": named}
        elif with_graph:
            options = {"default_graph": [ox.NamedNode(with_graph)]}
        else:
            options = {"default_graph": [ox.NamedNode(g) for g in self.readable]}
        try:
            return list(self.store.query(query, prefixes=PREFIXES, **options))
        except SyntaxError as error:
            raise QuerySyntaxError.from_parser(error, "SPARQL update", query) from None

    def _expand_removal(self, quads: list[ox.Quad]) -> list[ox.Quad]:
        """A removal from the default graph removes the triple from every asserted graph."""
        expanded = []
        for q in quads:
            if not isinstance(q.graph_name, ox.DefaultGraph):
                expanded.append(q)
                continue
            for graph in self.asserted:
                candidate = ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(graph))
                if candidate in self.store:
                    expanded.append(candidate)
        return expanded

    # ---------------------------------------------------------------- graph management

    def _graph_quads(self, graph: str) -> list[ox.Quad]:
        return list(self.store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))

    def _graph_refs(self, op: Operation, start: int) -> list[str]:
        words = [w for w in op.words[start:] if w.upper != "SILENT"]
        if not words:
            raise InvalidInput(f"{op.keyword} needs a graph")
        target = words[0].upper
        if target == "GRAPH":
            return [op.prologue.iri(words[1].text)]
        if target in ("DEFAULT",):
            return [UPDATES_GRAPH]
        if target in ("ALL", "NAMED"):
            return list(self.asserted)
        return [op.prologue.iri(words[0].text)]

    def _clear(self, op: Operation) -> Changes:
        removed = []
        for graph in self._graph_refs(op, 1):
            removed += self._graph_quads(graph)
        return Changes(removed=removed)

    def _copy(self, op: Operation) -> Changes:
        words = [w for w in op.words[1:] if w.upper not in ("SILENT", "GRAPH")]
        to_at = next((i for i, w in enumerate(words) if w.upper == "TO"), None)
        if to_at is None:
            raise InvalidInput(f"{op.keyword} needs FROM TO graphs")
        source = self._one_graph(words[:to_at], op)
        target = self._one_graph(words[to_at + 1 :], op)
        if source == target:
            return Changes()
        quads = self._graph_quads(source)
        added = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(target)) for q in quads]
        removed = []
        if op.keyword in ("COPY", "MOVE"):
            removed += self._graph_quads(target)
        if op.keyword == "MOVE":
            removed += quads
        return Changes(removed=removed, added=added)

    def _one_graph(self, words: list[Token], op: Operation) -> str:
        if not words:
            raise InvalidInput(f"{op.keyword} needs a graph on each side of TO")
        return UPDATES_GRAPH if words[0].upper == "DEFAULT" else op.prologue.iri(words[0].text)

    def _load(self, op: Operation) -> Changes:
        raise InvalidInput(
            "LOAD is refused: the server does not fetch URLs (use `alliance-kg load` for files)"
        )


def split_operations(text: str) -> list[Operation]:
    """Split a request into operations, after pyoxigraph has checked its syntax."""
    check_nesting(text, "update")
    try:
        ox.Store().update(text, prefixes=PREFIXES)
    except SyntaxError as error:
        raise QuerySyntaxError.from_parser(error, "SPARQL update", text) from None
    except Exception:  # a valid update may still fail on an empty store (e.g. LOAD)
        pass
    operations, current, prologue = [], [], Prologue(dict(PREFIXES))
    for token in tokens(text):
        if token.kind == "semicolon":
            if current:
                operations.append(Operation(prologue, current))
            current = []
        elif not current and token.kind == "word" and token.upper in ("PREFIX", "BASE"):
            current.append(token)
        elif current and current[0].upper in ("PREFIX", "BASE") and len(current) < 3:
            current.append(token)
            if len(current) == 3 or (current[0].upper == "BASE" and len(current) == 2):
                prologue = prologue.declaring(current[0].upper, [t.text for t in current[1:]])
                current = []
        else:
            current.append(token)
    if current:
        operations.append(Operation(prologue, current))
    return operations


def bind_protocol_dataset(text: str, using: list[str], using_named: list[str]) -> str:
    """The update with the protocol's `using-graph-uri`/`using-named-graph-uri` parameters made
    USING/USING NAMED clauses of each DELETE/INSERT ... WHERE operation.

    The SPARQL 1.1 Protocol (2.2.3) makes it an error to give these parameters for an update
    that has its own USING, USING NAMED or WITH."""
    if not using and not using_named:
        return text
    clauses = " ".join(
        [f"USING {_absolute_iri(iri, 'using-graph-uri')}" for iri in using]
        + [f"USING NAMED {_absolute_iri(iri, 'using-named-graph-uri')}" for iri in using_named]
    )
    insertions: list[int] = []
    for op in split_operations(text):
        words = [w.upper for w in op.words]
        if not words or words[0] not in ("WITH", "DELETE", "INSERT"):
            continue
        if len(words) > 1 and words[1] == "DATA":
            continue
        if "WITH" in words or "USING" in words:
            raise InvalidInput(
                "using-graph-uri and using-named-graph-uri cannot be given for an update that has "
                "its own USING, USING NAMED or WITH (SPARQL 1.1 Protocol, 2.2.3)"
            )
        if words[:2] == ["DELETE", "WHERE"]:
            continue  # DELETE WHERE has no dataset clause
        insertions.append(op.words[words.index("WHERE")].start)
    for offset in sorted(insertions, reverse=True):
        text = f"{text[:offset]}{clauses} {text[offset:]}"
    return text


def _absolute_iri(value: str, parameter: str) -> str:
    try:
        return str(ox.NamedNode(value.strip()))
    except ValueError as error:
        raise InvalidInput(f"{parameter}: {value!r} is not an absolute IRI ({error})") from None


def check_writable(changes: Changes) -> None:
    for quad in [*changes.removed, *changes.added]:
        if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value == INFERRED_GRAPH:
            raise InvalidInput(
                f"the inferred graph <{INFERRED_GRAPH}> is maintained by the reasoner and "
                "cannot be written; write the asserted data instead"
            )


def _template_parts(template: str, prologue: Prologue) -> list[tuple[str | None, str]]:
    """Split a template into its default-graph part and its GRAPH <iri> { ... } parts."""
    inner = template[1:-1]
    parts: list[tuple[str | None, str]] = []
    rest, last = [], 0
    found = list(tokens(inner))
    i = 0
    while i < len(found):
        token = found[i]
        if token.kind == "word" and token.upper == "GRAPH" and i + 2 < len(found):
            name, block = found[i + 1], found[i + 2]
            if name.kind == "word" and name.text.startswith(("?", "$")):
                raise InvalidInput("an update template's GRAPH must name an IRI, not a variable")
            rest.append(inner[last : token.start])
            parts.append((prologue.iri(name.text), block.text[1:-1]))
            last = block.end
            i += 3
            continue
        i += 1
    rest.append(inner[last:])
    default_part = " ".join(rest).strip()
    if default_part.strip(" .\n\t"):
        parts.insert(0, (None, default_part))
    return parts
