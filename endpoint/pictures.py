"""Pictures drawn on the server as SVG, with no script and nothing loaded from elsewhere: a
resource's neighbourhood in the graph, and the article's events on a timeline. Every text is
escaped; every node links to its page."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 900, 560
#: The neighbourhood picture: incoming links in a column on the left, outgoing on the right,
#: one row each, so that no two labels can overlap; long labels are shortened, with the whole
#: text on hover (<title>).
PICTURE_WIDTH = 680
ROW = 40
LEFT_X, RIGHT_X, CENTRE_X = 170, PICTURE_WIDTH - 170, PICTURE_WIDTH / 2
CENTRE_HALF_WIDTH = 92
MAX_PER_SIDE = 12
MAX_NEIGHBOURS = 2 * MAX_PER_SIDE


@dataclass(frozen=True)
class Edge:
    """A link between the centre and a neighbour: `outgoing` if the centre is its subject."""

    label: str
    neighbour: str
    href: str | None
    outgoing: bool
    inferred: bool


def neighbourhood_svg(centre: str, edges: list[Edge]) -> str:
    """The centre in the middle, the resources that link to it on the left and those it links
    to on the right, one arrow per link (dashed when inferred), each neighbour's links named
    under it. Past MAX_PER_SIDE neighbours on a side, the picture says how many it leaves out."""
    sides: dict[bool, dict[tuple, list[Edge]]] = {False: {}, True: {}}
    for edge in edges:
        sides[edge.outgoing].setdefault((edge.neighbour, edge.href), []).append(edge)
    shown = {side: list(found.items())[:MAX_PER_SIDE] for side, found in sides.items()}
    rows = max(1, len(shown[False]), len(shown[True]))
    height = 40 + rows * ROW
    cy = 20 + rows * ROW / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class=neighbourhood role=img '
        f'viewBox="0 0 {PICTURE_WIDTH} {height}" width="{PICTURE_WIDTH}" height="{height}">',
        f"<title>The neighbourhood of {escape(centre)} in the graph</title>",
        '<defs><marker id=arrow viewBox="0 0 10 10" refX=10 refY=5 markerWidth=7 markerHeight=7 '
        'orient=auto-start-reverse><path d="M0,0L10,5L0,10z" fill="#777"/></marker></defs>',
    ]
    for outgoing, items in shown.items():
        top = cy - len(items) * ROW / 2 + ROW / 2
        x = RIGHT_X if outgoing else LEFT_X
        edge_x = CENTRE_X + (CENTRE_HALF_WIDTH if outgoing else -CENTRE_HALF_WIDTH)
        for i, ((name, href), links) in enumerate(items):
            y = top + i * ROW
            inferred = all(e.inferred for e in links)
            start, end = ((edge_x, cy), (x, y)) if outgoing else ((x, y), (edge_x, cy))
            (x1, y1), (x2, y2) = _trim(start, end, 24)
            caption = ", ".join(dict.fromkeys(e.label + (" (inferred)" if e.inferred else "")
                                              for e in links))  # fmt: skip
            dash = ' stroke-dasharray="5 4"' if inferred else ""
            parts.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#999"'
                f'{dash} marker-end="url(#arrow)"><title>{escape(caption)}</title></line>'
            )
            anchor, text_x = ("start", x + 10) if outgoing else ("end", x - 10)
            node = (
                f"<title>{escape(name)}: {escape(caption)}</title>"
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="#4a7bb7"/>'
                f'<text x="{text_x:.1f}" y="{y - 2:.1f}" text-anchor="{anchor}" font-size="13">'
                f"{escape(_short(name, 18))}</text>"
                f'<text x="{text_x:.1f}" y="{y + 12:.1f}" text-anchor="{anchor}" font-size="10" '
                f'fill="#666">{escape(_short(caption, 26))}</text>'
            )
            parts.append(f'<a href="{escape(href)}">{node}</a>' if href else f"<g>{node}</g>")
    parts.append(
        f'<rect x="{CENTRE_X - CENTRE_HALF_WIDTH}" y="{cy - 16}" width="{2 * CENTRE_HALF_WIDTH}" '
        f'height="32" rx="16" fill="#c0392b"><title>{escape(centre)}</title></rect>'
        f'<text x="{CENTRE_X}" y="{cy + 5}" text-anchor="middle" font-size="14" '
        f'font-weight="bold" fill="#fff">{escape(_short(centre, 22))}</text>'
    )
    left_out = sum(len(found) for found in sides.values()) - sum(len(v) for v in shown.values())
    if left_out:
        parts.append(
            f'<text x="10" y="{height - 8}" font-size="11" fill="#666">'
            f"{left_out} more neighbours are listed in the tables</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Event:
    when: str  # an xsd:date, gYearMonth or gYear lexical form
    label: str
    href: str
    kind: str


def timeline_svg(events: list[Event]) -> str:
    """Events on a horizontal axis of years, each a mark with its label, staggered in rows."""
    if not events:
        return "<p>No dated events.</p>"
    years = [_year_fraction(e.when) for e in events]
    first, last = math.floor(min(years)), math.ceil(max(years)) + 1
    span = max(1, last - first)
    left, right = 40, WIDTH - 40
    rows = 8
    height = 80 + rows * 34
    axis = height - 40

    def x_of(value: float) -> float:
        return left + (right - left) * (value - first) / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class=timeline role=img '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">',
        "<title>The article's events on a timeline</title>",
        f'<line x1="{left}" y1="{axis}" x2="{right}" y2="{axis}" stroke="#333"/>',
    ]
    step = max(1, round(span / 10))
    for year in range(first, last + 1, step):
        x = x_of(year)
        parts.append(
            f'<line x1="{x:.1f}" y1="{axis}" x2="{x:.1f}" y2="{axis + 6}" stroke="#333"/>'
            f'<text x="{x:.1f}" y="{axis + 20}" text-anchor="middle" font-size="11">{year}</text>'
        )
    for i, (event, year) in enumerate(sorted(zip(events, years, strict=True), key=lambda p: p[1])):
        x = x_of(year)
        y = 40 + (i % rows) * 34
        parts.append(
            f'<a href="{escape(event.href)}"><line x1="{x:.1f}" y1="{y + 4}" x2="{x:.1f}" '
            f'y2="{axis}" stroke="#bbb"/><circle cx="{x:.1f}" cy="{axis}" r="5" fill="#4a7bb7"/>'
            f'<text x="{x:.1f}" y="{y}" text-anchor="{"end" if x > WIDTH * 0.7 else "start"}" '
            f'font-size="12">{escape(event.when)}: {escape(_short(event.label, 48))}</text></a>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _year_fraction(when: str) -> float:
    """'2024-04-13' → 2024.28; '2023-01' → 2023.0; '1960' → 1960.0."""
    pieces = when.lstrip("-").split("T")[0].split("-")
    year = int(pieces[0]) * (-1 if when.startswith("-") else 1)
    month = int(pieces[1]) if len(pieces) > 1 else 1
    day = int(pieces[2][:2]) if len(pieces) > 2 else 1
    return year + (month - 1) / 12 + (day - 1) / 365


def _trim(start, end, by: float):
    """The segment from start to end, shortened at both ends to clear the node circles."""
    (x1, y1), (x2, y2) = start, end
    length = math.hypot(x2 - x1, y2 - y1) or 1
    dx, dy = (x2 - x1) / length, (y2 - y1) / length
    return (x1 + dx * 12, y1 + dy * 12), (x2 - dx * by / 3, y2 - dy * by / 3)


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
