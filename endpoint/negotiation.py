"""Content negotiation: one pure function over the media types of `graph.formats`."""

from __future__ import annotations

from graph.formats import MediaType


def parse_accept(accept: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q-values, in the header's order."""
    ranges = []
    for part in (accept or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for field in fields[1:]:
            key, _, value = field.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((fields[0].lower(), q))
    return ranges


def negotiate(
    accept: str | None, offered: tuple[MediaType, ...], default: MediaType | None = None
) -> MediaType | None:
    """The offered type the client prefers most, or None if it accepts none of them.

    No Accept header (or an empty one) means the default. Among types the client weighs equally,
    the server's order decides; `type/*` and `*/*` match with their own q-values, and a more
    specific range overrides a wildcard.
    """
    ranges = parse_accept(accept)
    if not ranges:
        return default or offered[0]
    best, best_q = None, 0.0
    for media in offered:
        q = _quality(media, ranges)
        if q > best_q:
            best, best_q = media, q
    return best


def _quality(media: MediaType, ranges: list[tuple[str, float]]) -> float:
    """The q-value the most specific matching range gives this type (0 if none matches)."""
    found, specificity = 0.0, -1
    for mime in (media.mime, *media.aliases):
        major = mime.split("/")[0]
        for pattern, q in ranges:
            level = (
                2
                if pattern == mime
                else 1
                if pattern == f"{major}/*"
                else 0
                if pattern == "*/*"
                else -1
            )
            if level < 0:
                continue
            penalty = 0.0 if mime == media.mime else 0.001  # prefer the canonical name on ties
            if level > specificity or (level == specificity and q - penalty > found):
                found, specificity = max(0.0, q - penalty), level
    return found
