"""A generator of synthetic graphs in the project's domain, for benchmarks and differential tests.

States with offices, leaders and their terms, alliances, trilateral summits, state visits and
site visits, treaties and the agreements that extend them, companies and acquisitions, partners,
and owl:sameAs aliases, in the ontology's vocabulary. The output is deterministic for a seed.

    python bench/synthetic.py 100000 -o synthetic-100k.nt
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

AKG = "https://w3id.org/alliance-kg/ontology#"
FIELD = "https://w3id.org/alliance-kg/field/"
BASE = "https://w3id.org/alliance-kg/synthetic/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "https://schema.org/"
FIELDS = ["Security", "Space", "Defence", "Trade", "Semiconductors", "OffshoreWind", "Climate"]
#: Triples one state brings with everything around it, on average (measured on the generator).
TRIPLES_PER_STATE = 60


def a(name: str) -> ox.NamedNode:
    return ox.NamedNode(AKG + name)


def node(kind: str, i: int) -> ox.NamedNode:
    return ox.NamedNode(f"{BASE}{kind}/{i}")


def year(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "gYear"))


class Generator:
    def __init__(self, states: int, seed: int):
        self.states = states
        self.rng = random.Random(seed)

    def triples(self) -> Iterator[ox.Triple]:
        yield from self._states()
        yield from self._alliances()
        yield from self._summits()
        yield from self._treaties()
        yield from self._companies()
        yield from self._aliases()

    def _entity(self, kind: str, i: int, cls: str, label: str) -> Iterator[ox.Triple]:
        subject = node(kind, i)
        yield ox.Triple(subject, RDF_TYPE, a(cls))
        yield ox.Triple(subject, LABEL, ox.Literal(label, language="en"))

    def _states(self) -> Iterator[ox.Triple]:
        for s in range(self.states):
            state = node("state", s)
            yield from self._entity("state", s, "SovereignState", f"State {s}")
            for k, cls in enumerate(["HeadOfGovernmentOffice", "HeadOfStateOffice"]):
                office = node("office", 2 * s + k)
                yield from self._entity("office", 2 * s + k, cls, f"Office {k} of state {s}")
                yield ox.Triple(office, a("officeOf"), state)
                for t, status in enumerate(["CurrentTerm", "FormerTerm"]):
                    person_id = 4 * s + 2 * k + t
                    person = node("person", person_id)
                    yield from self._entity("person", person_id, "Person", f"Person {person_id}")
                    term = node("term", person_id)
                    yield ox.Triple(term, RDF_TYPE, a("OfficeTerm"))
                    yield ox.Triple(term, a("holder"), person)
                    yield ox.Triple(term, a("office"), office)
                    yield ox.Triple(term, a("termStatus"), a(status))
                    yield ox.Triple(term, a("startDate"), year(1950 + self.rng.randrange(70)))
            for v in range(2):
                visit_id = 2 * s + v
                visit = node("visit", visit_id)
                yield ox.Triple(visit, RDF_TYPE, a("StateVisit"))
                yield ox.Triple(visit, a("guest"), node("person", 4 * s))
                yield ox.Triple(
                    visit, a("hostState"), node("state", self.rng.randrange(self.states))
                )
                yield ox.Triple(visit, a("date"), year(2000 + self.rng.randrange(24)))
                if v:
                    yield ox.Triple(visit, a("firstSince"), node("visit", visit_id - 1))
                site = node("sitevisit", visit_id)
                yield ox.Triple(site, RDF_TYPE, a("SiteVisit"))
                yield ox.Triple(site, a("partOfEvent"), visit)
            partner = self.rng.randrange(self.states)
            if partner != s:
                yield ox.Triple(state, a("partnerOf"), node("state", partner))

    def _alliances(self) -> Iterator[ox.Triple]:
        for i in range(max(1, self.states // 5)):
            alliance = node("alliance", i)
            yield ox.Triple(alliance, RDF_TYPE, a("Alliance"))
            for member in self.rng.sample(
                range(self.states), min(self.states, 2 + self.rng.randrange(3))
            ):
                if self.rng.random() < 0.5:
                    yield ox.Triple(alliance, a("hasMember"), node("state", member))
                else:
                    yield ox.Triple(node("state", member), a("memberOf"), alliance)

    def _summits(self) -> Iterator[ox.Triple]:
        for i in range(max(1, self.states // 3)):
            summit = node("summit", i)
            yield ox.Triple(summit, RDF_TYPE, a("TrilateralSummit"))
            for state in self.rng.sample(range(self.states), min(self.states, 3)):
                yield ox.Triple(summit, a("participant"), node("state", state))
                yield ox.Triple(summit, a("attendee"), node("person", 4 * state))
            yield ox.Triple(
                summit, a("partOfEvent"), node("visit", self.rng.randrange(2 * self.states))
            )

    def _treaties(self) -> Iterator[ox.Triple]:
        for i in range(max(1, self.states // 4)):
            treaty, extension = node("treaty", i), node("agreement", i)
            yield ox.Triple(treaty, RDF_TYPE, a("Treaty"))
            yield ox.Triple(extension, RDF_TYPE, a("Agreement"))
            yield ox.Triple(extension, a("extends"), treaty)
            yield ox.Triple(extension, a("scope"), ox.NamedNode(FIELD + self.rng.choice(FIELDS)))
            for state in self.rng.sample(range(self.states), min(self.states, 2)):
                yield ox.Triple(treaty, a("party"), node("state", state))
                yield ox.Triple(node("state", state), a("partyTo"), extension)
            yield ox.Triple(treaty, a("dateSigned"), year(1945 + self.rng.randrange(80)))

    def _companies(self) -> Iterator[ox.Triple]:
        companies = 2 * self.states
        for c in range(companies):
            yield from self._entity("company", c, "Company", f"Company {c}")
        for i in range(max(1, self.states // 2)):
            deal, value = node("deal", i), node("amount", i)
            yield ox.Triple(deal, RDF_TYPE, a("Acquisition"))
            yield ox.Triple(deal, a("acquirer"), node("company", self.rng.randrange(companies)))
            yield ox.Triple(deal, a("target"), node("company", self.rng.randrange(companies)))
            yield ox.Triple(deal, a("value"), value)
            amount = ox.Literal(
                str(self.rng.randrange(10**6, 10**11)), datatype=ox.NamedNode(XSD + "decimal")
            )
            yield ox.Triple(value, ox.NamedNode(SCHEMA + "value"), amount)
            yield ox.Triple(value, ox.NamedNode(SCHEMA + "currency"), ox.Literal("USD"))
            yield ox.Triple(
                deal, a("status"), a(self.rng.choice(["Announced", "UnderReview", "Criticised"]))
            )

    def _aliases(self) -> Iterator[ox.Triple]:
        """One state in twenty and one person in forty gets an alias IRI with a fact of its own."""
        for s in range(0, self.states, 20):
            alias = node("state-alias", s)
            yield ox.Triple(alias, SAME_AS, node("state", s))
            yield ox.Triple(alias, LABEL, ox.Literal(f"Alias of state {s}", language="en"))
            yield ox.Triple(node("alliance", s % max(1, self.states // 5)), a("hasMember"), alias)
        for p in range(0, 4 * self.states, 40):
            alias = node("person-alias", p)
            yield ox.Triple(node("person", p), SAME_AS, alias)
            yield ox.Triple(alias, LABEL, ox.Literal(f"Alias of person {p}", language="en"))


def generate(triples: int, seed: int = 42) -> list[ox.Triple]:
    """About `triples` triples (within a few per cent) of synthetic domain data."""
    states = max(3, triples // TRIPLES_PER_STATE)
    return list(dict.fromkeys(Generator(states, seed).triples()))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("triples", type=int, help="about how many triples to generate")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("-o", "--output", type=Path, help="N-Triples file (default: stdout)")
    args = parser.parse_args()
    data = generate(args.triples, args.seed)
    ox.serialize(data, args.output or sys.stdout.buffer, ox.RdfFormat.N_TRIPLES)
    print(f"{len(data)} triples", file=sys.stderr)


if __name__ == "__main__":
    main()
