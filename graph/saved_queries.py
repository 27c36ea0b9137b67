"""Saved queries: `.rq` files with a header of grlc-compatible `#+` decorators (YAML).

Parameters follow grlc's convention: a variable `?_name` is required, `?__name` optional, with an
optional type suffix (`_iri`, `_literal`, `_integer`, `_number`, `_xsd_date` or any `_xsd_TYPE`, or
a two-letter language tag such as `_en`).

Values are bound as typed RDF terms, never spliced into the query as text: each value becomes a
pyoxigraph term (an IRI is checked, a literal escaped by pyoxigraph's own N-Triples writer) in a
`VALUES` block opening the query's WHERE group, so that no value can change the query's structure.
(pyoxigraph's own `substitutions` only accepts variables that the SELECT clause projects.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import yaml

from graph.errors import InvalidInput, UnknownQuery
from graph.sparql_text import tokens, top_level_words, where_group_start
from graph.terms import expand_iri

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAMETER = re.compile(r"\?(__?)([A-Za-z][A-Za-z0-9_]*)")
TYPE_SUFFIX = re.compile(r"_(iri|literal|integer|number|xsd_[A-Za-z]+|[a-z]{2})$")


@dataclass(frozen=True)
class Parameter:
    """A query parameter: its public name, the SPARQL variable it binds and the term it takes."""

    name: str
    variable: str
    required: bool
    kind: str  # iri, literal, integer, number, xsd, or lang

    datatype: str | None = None
    language: str | None = None

    def to_term(self, value: str) -> ox.NamedNode | ox.Literal:
        """The value as an RDF term of this parameter's type, or a 400 naming the parameter."""
        try:
            return self._convert(value)
        except InvalidInput as error:
            raise InvalidInput(f"parameter {self.name!r}: {error}") from None

    def _convert(self, value: str) -> ox.NamedNode | ox.Literal:
        if self.kind == "iri":
            return expand_iri(value)
        if self.kind == "integer":
            if not re.fullmatch(r"[+-]?\d+", value.strip()):
                raise InvalidInput(f"expected an integer, got {value!r}")
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if self.kind == "number":
            try:
                number = Decimal(value.strip())
            except InvalidOperation:
                raise InvalidInput(f"expected a number, got {value!r}") from None
            if not number.is_finite():
                raise InvalidInput(f"expected a finite number, got {value!r}")
            return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "decimal"))
        if self.kind == "lang":
            return ox.Literal(value, language=self.language)
        if self.kind == "xsd":
            return _typed_literal(value, self.datatype or XSD + "string")
        return ox.Literal(value)

    def describe_type(self) -> str:
        if self.kind == "xsd":
            return "xsd:" + (self.datatype or "")[len(XSD) :]
        if self.kind == "lang":
            return f"literal@{self.language}"
        return self.kind

    def description(self) -> str:
        """What the parameter takes, in a sentence."""
        return {
            "iri": "An IRI, in full (`https://...`, `<...>`) or as a prefixed name with one of "
            "the project's prefixes (id:, akg:, ...); another prefix is a 400 naming it.",
            "literal": "A plain string literal.",
            "integer": "An integer (xsd:integer).",
            "number": "A decimal number (xsd:decimal).",
            "lang": f"A string, bound as a literal tagged @{self.language}.",
            "xsd": f"A literal of type {self.describe_type()}.",
        }[self.kind]


@dataclass(frozen=True)
class ParameterInfo:
    """One description of a saved query's parameter, the same in the CLI, the JSON listing,
    the OpenAPI document and the form: a parameter with a default is not required."""

    name: str
    type: str
    required: bool
    default: str | None
    example: str | None
    description: str

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default": self.default,
            "example": self.example,
            "description": self.description,
        }

    def summary(self) -> str:
        """`s (iri, required)`, `p (iri, default akg:dateSigned)`, `o (iri, optional)`."""
        if self.default is not None:
            return f"{self.name} ({self.type}, default {self.default})"
        return f"{self.name} ({self.type}, {'required' if self.required else 'optional'})"


def _typed_literal(value: str, datatype: str) -> ox.Literal:
    literal = ox.Literal(value, datatype=ox.NamedNode(datatype))
    checks = {
        XSD + "date": r"-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?",
        XSD + "gYear": r"-?\d{4,}(Z|[+-]\d{2}:\d{2})?",
        XSD + "dateTime": r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?",
    }
    pattern = checks.get(datatype)
    if pattern and not re.fullmatch(pattern, value):
        raise InvalidInput(f"{value!r} is not a valid xsd:{datatype[len(XSD) :]}")
    return literal


def _parameter(underscores: str, rest: str) -> Parameter:
    variable = underscores + rest
    required = underscores == "_"
    suffix = TYPE_SUFFIX.search(rest)
    if not suffix or suffix.start() == 0:
        return Parameter(rest, variable, required, "literal")
    name, kind = rest[: suffix.start()], suffix[1]
    if kind.startswith("xsd_"):
        return Parameter(name, variable, required, "xsd", datatype=XSD + kind[4:])
    if kind in ("iri", "literal", "integer", "number"):
        return Parameter(name, variable, required, kind)
    return Parameter(name, variable, required, "lang", language=kind)


@dataclass(frozen=True)
class SavedQuery:
    """A saved query, its decorators and its parameters."""

    name: str
    path: Path
    text: str
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    defaults: dict[str, str] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)
    enumerate: tuple[str, ...] = ()
    pagination: int | None = None
    parameters: tuple[Parameter, ...] = ()

    def parameter_info(self) -> list[ParameterInfo]:
        infos = []
        for p in self.parameters:
            default = self.defaults.get(p.name)
            example = self.examples.get(p.name, default)
            infos.append(
                ParameterInfo(p.name, p.describe_type(), p.required and default is None, default,
                              example, p.description())
            )  # fmt: skip
        return infos

    def prepare(self, values: dict[str, str], page: int | None = None) -> str:
        """The query text with the given values (and the defaults) bound; for a paginated
        query and a page number, limited to that page (without one, every row)."""
        text = bind_values(self.text, self.bind(values))
        if self.pagination and page is not None:
            text += f"\nLIMIT {self.pagination} OFFSET {self.pagination * ((page or 1) - 1)}"
        return text

    def enumeration_query(self, name: str) -> str:
        """grlc's `enumerate`: a query for the values the parameter `name` can take, its
        variable's distinct values in the query's own WHERE group (other parameters unbound)."""
        parameter = next((p for p in self.parameters if p.name == name), None)
        if parameter is None:
            raise InvalidInput(f"{self.path}: enumerate names {name!r}, which is not a parameter")
        select = where = None
        for token in tokens(self.text):
            if select is None and token.kind == "word" and token.upper == "SELECT":
                select = token
            elif select is not None and token.kind == "block":
                where = token
                break
        if select is None or where is None:
            raise InvalidInput(f"{self.path}: only a SELECT query can enumerate its parameters")
        variable = f"?{parameter.variable}"
        return (
            f"{self.text[: select.start]}SELECT DISTINCT {variable} WHERE {where.text}\n"
            f"ORDER BY {variable}"
        )

    def bind(self, values: dict[str, str]) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        """Substitutions for the given values, the defaults filling the gaps."""
        known = {p.name for p in self.parameters}
        unknown = sorted(set(values) - known)
        if unknown:
            expected = ", ".join(sorted(known)) or "none"
            raise InvalidInput(
                f"query {self.name!r} has no parameter {unknown[0]!r} (parameters: {expected})"
            )
        bound = {}
        for parameter in self.parameters:
            value = values.get(parameter.name, self.defaults.get(parameter.name))
            if value is None:
                if parameter.required:
                    raise InvalidInput(
                        f"query {self.name!r} needs parameter {parameter.name!r} "
                        f"({parameter.describe_type()})"
                    )
                continue
            bound[ox.Variable(parameter.variable)] = parameter.to_term(str(value))
        return bound


#: Parsed files by path, with the (mtime, size) they were parsed at: a server reads the saved
#: queries on every request, and parsing the YAML headers costs about a millisecond per file.
_PARSED: dict[Path, tuple[tuple[int, int], SavedQuery]] = {}


def parse_saved_query(path: Path) -> SavedQuery:
    """Read one `.rq` file: its `#+` header as YAML, its parameters from its variables."""
    try:
        stat = path.stat()
    except OSError as error:
        raise InvalidInput(f"cannot read the saved query {path}: {error.strerror}") from None
    version = (stat.st_mtime_ns, stat.st_size)
    known = _PARSED.get(path)
    if known is not None and known[0] == version:
        return known[1]
    saved = _parse(path)
    _PARSED[path] = (version, saved)
    return saved


def _parse(path: Path) -> SavedQuery:
    text = path.read_text(encoding="utf-8")
    header = "\n".join(
        line[2:].removeprefix(" ") for line in text.splitlines() if line.startswith("#+")
    )
    try:
        meta = yaml.safe_load(header) or {} if header else {}
    except yaml.YAMLError as error:
        raise InvalidInput(f"{path}: the #+ header is not valid YAML: {error}") from None
    if not isinstance(meta, dict):
        raise InvalidInput(f"{path}: the #+ header must be a YAML mapping of decorators")
    parameters: dict[str, Parameter] = {}
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for found in PARAMETER.finditer(body):
        parameter = _parameter(found[1], found[2])
        parameters.setdefault(parameter.variable, parameter)
    enumerated = _enumerated(meta.get("enumerate"))
    for name in enumerated:
        if not any(p.name == name for p in parameters.values()):
            raise InvalidInput(f"{path}: enumerate names {name!r}, which is not a parameter")
    return SavedQuery(
        name=path.stem,
        path=path,
        text=text,
        summary=str(meta.get("summary", "")),
        description=str(meta.get("description", "")).strip(),
        tags=tuple(str(t) for t in meta.get("tags") or ()),
        defaults=_defaults(meta.get("defaults")),
        examples=_defaults(meta.get("examples")),
        enumerate=enumerated,
        pagination=_pagination(path, text, meta.get("pagination")),
        parameters=tuple(parameters.values()),
    )


def _enumerated(raw: object) -> tuple[str, ...]:
    """grlc writes `enumerate` as a list of names (or of one-key mappings); a name alone too."""
    if isinstance(raw, str):
        return (raw,)
    names: list[str] = []
    for item in raw or ():
        if isinstance(item, dict):
            names.extend(str(key) for key in item)
        else:
            names.append(str(item))
    return tuple(names)


def _pagination(path: Path, text: str, raw: object) -> int | None:
    """grlc's `pagination: N`: pages of N rows, for a query without its own LIMIT or OFFSET."""
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise InvalidInput(f"{path}: pagination must be a positive number of rows, not {raw!r}")
    words = top_level_words(text)
    if "LIMIT" in words or "OFFSET" in words:
        raise InvalidInput(f"{path}: a paginated query cannot have its own LIMIT or OFFSET")
    return raw


def _defaults(raw: object) -> dict[str, str]:
    """grlc writes defaults as a list of one-key mappings; a plain mapping is accepted too."""
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    defaults: dict[str, str] = {}
    for item in raw or ():
        if isinstance(item, dict):
            defaults.update({str(k): str(v) for k, v in item.items()})
    return defaults


def load_saved_queries(directory: Path) -> dict[str, SavedQuery]:
    """Every `.rq` file in `directory`, by name."""
    return {path.stem: parse_saved_query(path) for path in sorted(directory.glob("*.rq"))}


def find_saved_query(directory: Path, name: str) -> SavedQuery:
    queries = load_saved_queries(directory)
    if name not in queries:
        known = ", ".join(queries) or "none"
        raise UnknownQuery(f"no saved query named {name!r} (saved queries: {known})")
    return queries[name]


def bind_values(text: str, bindings: dict[ox.Variable, ox.NamedNode | ox.Literal]) -> str:
    """Insert a one-row VALUES block for `bindings` at the start of the query's WHERE group."""
    if not bindings:
        return text
    variables = " ".join(str(v) for v in bindings)
    row = " ".join(str(term) for term in bindings.values())
    at = where_group_start(text)
    if at is None:
        raise InvalidInput("the query has no WHERE group to bind parameters in")
    return f"{text[:at]} VALUES ({variables}) {{ ({row}) }}{text[at:]}"
