"""The project's sources: each news article's facts file (TriG, one named graph per claim) and its
text, side by side; `links/` holds the hand-checked links from the graph's entities to Wikidata.
A facts file and its text dropped here are built too. The code that reads them is `graph.sources`.
"""

from pathlib import Path

SOURCES_DIR = Path(__file__).resolve().parent
LINKS_FILE = SOURCES_DIR / "links" / "wikidata-links.ttl"
