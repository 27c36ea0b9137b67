"""The project's exceptions. The library raises them; the CLI turns each into a one-line message and
the HTTP endpoint into a status code, each in exactly one place."""

from __future__ import annotations

import re


class AllianceKGError(Exception):
    """Base of every error the library raises on purpose. `status` is the HTTP status it maps to."""

    status = 500


class InvalidInput(AllianceKGError):
    """The caller gave something unusable: a bad IRI, an unknown format, a missing file."""

    status = 400


class QuerySyntaxError(InvalidInput):
    """A SPARQL query or update that does not parse; `line` and `column` locate the problem."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column

    @classmethod
    def from_parser(
        cls, error: SyntaxError, what: str = "SPARQL", source: str | None = None
    ) -> QuerySyntaxError:
        """Wrap pyoxigraph's SyntaxError, whose message reads 'error at LINE:COLUMN: ...';
        `source`, the text that failed, lets an undeclared prefix be named."""
        text = str(error)
        found = re.search(r"at (\d+):(\d+): (.*)", text, re.S)
        if found:
            line, column, detail = int(found[1]), int(found[2]), _shorten(found[3])
            if "Prefix not found" in found[3]:
                detail = _undeclared_prefix(source, line, column)
            return cls(
                f"{what} syntax error at line {line}, column {column}: {detail}", line, column
            )
        return cls(f"{what} syntax error: {text}")


def _undeclared_prefix(source: str | None, line: int, column: int) -> str:
    """'the prefix foo: is not declared', naming the prefixed name the parser stopped after."""
    lines = (source or "").splitlines()
    before = lines[line - 1][: column - 1] if 0 < line <= len(lines) else ""
    name = re.search(r"([A-Za-z][\w.-]*)?:[\w.-]*$", before.rstrip())
    if name is None:
        return "a prefix is not declared: add a PREFIX declaration"
    prefix = (name[1] or "") + ":"
    return f"the prefix {prefix} (in {name[0]}) is not declared: add PREFIX {prefix} <...>"


def _shorten(detail: str, limit: int = 160) -> str:
    """The parser's message on one line; its list of expected tokens can run to dozens of lines."""
    detail = " ".join(detail.split())
    return detail if len(detail) <= limit else detail[: limit - 1] + "…"


class DataSyntaxError(InvalidInput):
    """An RDF file that does not parse."""


class ValidationFailed(AllianceKGError):
    """Facts that break the SHACL shapes or the provenance rules; `violations` lists each."""

    status = 422

    def __init__(self, violations: list):
        self.violations = violations
        super().__init__(f"{len(violations)} validation violation(s)")


class Inconsistent(AllianceKGError):
    """A write that would add contradictions (OWL 2 RL inconsistencies); it was undone.
    `violations` lists each, with the claims and sources of its triples."""

    status = 409

    def __init__(self, violations: list):
        self.violations = violations
        listed = "\n\n".join(v.to_text() for v in violations)
        super().__init__(
            f"this write would add {len(violations)} contradiction(s) to the graph and was "
            f"not applied (with --allow-inconsistent it would be applied and recorded):"
            f"\n\n{listed}"
        )


class StoreNotFound(AllianceKGError):
    """No store has been built at the given location."""

    status = 503


class StoreUnavailable(AllianceKGError):
    """The store exists but cannot be opened: locked by another writer, damaged, or unreadable."""

    status = 503


class StoreInUse(StoreUnavailable):
    """Another process (a running server, a build, an update) holds the store for writing."""


class UnknownQuery(AllianceKGError):
    """A saved query name that does not exist."""

    status = 404
