"""An ontology and data the reasoning engines were not written against: a railway network.

Its ontology uses most of OWL 2 RL: a property chain (a station's country through its city),
someValuesFrom and intersections (a driver is an employee who drives some train), hasValue (an
express line), allValuesFrom, functional, inverse-functional (staff numbers), transitive
(downstream along a line) and symmetric (interchanges) properties, inverses, a key (a train
service by number and date), a maximum cardinality (one headquarters), domains, ranges and a class
hierarchy, and owl:sameAs between records of one station. The data is deterministic for a seed.

    python bench/rich.py 100000 -o rail-100k.nt     # the data and its ontology, N-Triples
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from pathlib import Path

import pyoxigraph as ox

RAIL = "https://example.org/rail#"
DATA = "https://example.org/rail/data/"
ONTOLOGY = """
@prefix : <https://example.org/rail#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

:Place a owl:Class . :Station rdfs:subClassOf :Place . :City rdfs:subClassOf :Place .
:Country rdfs:subClassOf :Place . :Hub rdfs:subClassOf :Station .
:Organisation a owl:Class . :Operator rdfs:subClassOf :Organisation .
:Company rdfs:subClassOf :Organisation .
:Operator rdfs:subClassOf :Company .
:Person a owl:Class . :Employee rdfs:subClassOf :Person .
:Line a owl:Class . :Train a owl:Class . :Service a owl:Class .

:nextStop a owl:ObjectProperty ; rdfs:domain :Station ; rdfs:range :Station ;
  rdfs:subPropertyOf :downstream .
:downstream a owl:TransitiveProperty .
:interchangeWith a owl:SymmetricProperty ; rdfs:domain :Hub .
:locatedIn a owl:ObjectProperty ; rdfs:domain :Station ; rdfs:range :City .
:cityIn a owl:ObjectProperty ; rdfs:domain :City ; rdfs:range :Country .
:inCountry owl:propertyChainAxiom ( :locatedIn :cityIn ) .
:stopsAt a owl:ObjectProperty ; rdfs:domain :Line .
:operatedBy a owl:ObjectProperty ; owl:inverseOf :operates ; rdfs:range :Operator .
:worksFor a owl:ObjectProperty, owl:FunctionalProperty ; rdfs:domain :Employee ;
  owl:inverseOf :employs .
:staffNumber a owl:DatatypeProperty, owl:InverseFunctionalProperty .
:drives a owl:ObjectProperty ; rdfs:range :Train .
:runsOn a owl:ObjectProperty ; rdfs:domain :Service ; rdfs:range :Line .
:serviceKind a owl:DatatypeProperty .
:headquarteredIn a owl:ObjectProperty ; rdfs:range :City .
:trainNumber a owl:DatatypeProperty . :serviceDate a owl:DatatypeProperty .

:Driver owl:equivalentClass [ owl:intersectionOf ( :Employee
  [ a owl:Restriction ; owl:onProperty :drives ; owl:someValuesFrom :Train ] ) ] .
:ExpressLine owl:equivalentClass [ a owl:Restriction ; owl:onProperty :serviceKind ;
  owl:hasValue "express" ] ; rdfs:subClassOf :Line .
:Line rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :stopsAt ;
  owl:allValuesFrom :Station ] .
:Company rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :headquarteredIn ;
  owl:maxCardinality "1"^^xsd:nonNegativeInteger ] .
:Service owl:hasKey ( :trainNumber :serviceDate ) .
:ServedStation owl:equivalentClass [ a owl:Restriction ; owl:onProperty [ owl:inverseOf :stopsAt ] ;
  owl:someValuesFrom :ExpressLine ] .
"""
#: Triples one line brings with its stations, cities, services and staff, on average.
TRIPLES_PER_LINE = 53


def ontology_triples() -> list[ox.Triple]:
    return [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(ONTOLOGY, format=ox.RdfFormat.TURTLE)
    ]


def rich_graph(triples: int, seed: int = 42) -> list[ox.Triple]:
    """The ontology and about `triples` triples of data."""
    return ontology_triples() + list(_data(max(1, triples // TRIPLES_PER_LINE), seed))


def _data(lines: int, seed: int):
    rng = random.Random(seed)
    rail = lambda name: ox.NamedNode(RAIL + name)  # noqa: E731
    node = lambda kind, i: ox.NamedNode(f"{DATA}{kind}/{i}")  # noqa: E731
    type_ = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    same = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
    countries = max(2, lines // 20)
    cities = max(3, lines)
    for c in range(cities):
        yield ox.Triple(node("city", c), rail("cityIn"), node("country", c % countries))
    operators = max(2, lines // 5)
    for o in range(operators):
        yield ox.Triple(node("operator", o), type_, rail("Company"))
        yield ox.Triple(node("operator", o), rail("headquarteredIn"), node("city", o % cities))
        if rng.random() < 0.05:  # a second record of the headquarters: the same city
            yield ox.Triple(node("operator", o), rail("headquarteredIn"), node("hq", o))
    station = 0
    staff = 0
    for line in range(lines):
        yield ox.Triple(node("line", line), rail("operatedBy"), node("operator", line % operators))
        kind = "express" if rng.random() < 0.3 else "regional"
        yield ox.Triple(node("line", line), rail("serviceKind"), ox.Literal(kind))
        stops = [station + i for i in range(rng.randint(6, 10))]
        station += len(stops)
        for a, b in itertools.pairwise(stops):
            yield ox.Triple(node("station", a), rail("nextStop"), node("station", b))
        for s in stops:
            yield ox.Triple(node("line", line), rail("stopsAt"), node("station", s))
            yield ox.Triple(
                node("station", s), rail("locatedIn"), node("city", rng.randrange(cities))
            )
            if rng.random() < 0.05:
                yield ox.Triple(node("station", s), same, node("record", s))
                yield ox.Triple(
                    node("record", s), rail("locatedIn"), node("city", rng.randrange(cities))
                )
        if line and rng.random() < 0.5:
            hub = node("station", stops[0])
            yield ox.Triple(hub, rail("interchangeWith"), node("station", rng.randrange(stops[0])))
        for service in range(rng.randint(2, 4)):
            item = node("service", f"{line}-{service}")
            yield ox.Triple(item, rail("runsOn"), node("line", line))
            yield ox.Triple(item, rail("trainNumber"), ox.Literal(str(100 * line + service)))
            yield ox.Triple(item, rail("serviceDate"), ox.Literal("2024-04-1" + str(service)))
            if rng.random() < 0.1:  # the same service recorded twice
                twin = node("service", f"{line}-{service}-copy")
                yield ox.Triple(twin, type_, rail("Service"))
                yield ox.Triple(twin, rail("trainNumber"), ox.Literal(str(100 * line + service)))
                yield ox.Triple(twin, rail("serviceDate"), ox.Literal("2024-04-1" + str(service)))
        for _ in range(rng.randint(3, 6)):
            person = node("person", staff)
            yield ox.Triple(person, type_, rail("Employee"))
            yield ox.Triple(person, rail("worksFor"), node("operator", line % operators))
            yield ox.Triple(person, rail("staffNumber"), ox.Literal(f"S{staff:07d}"))
            if rng.random() < 0.5:
                yield ox.Triple(person, rail("drives"), node("train", rng.randrange(lines * 3)))
            if rng.random() < 0.03:  # a second record of one employee, by staff number
                yield ox.Triple(
                    node("staff-record", staff), rail("staffNumber"), ox.Literal(f"S{staff:07d}")
                )
            staff += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("triples", type=int)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("-o", "--output", type=Path)
    parser.add_argument("--ontology-only", action="store_true", help="write the ontology alone")
    args = parser.parse_args()
    triples = (
        ontology_triples()
        if args.ontology_only
        else list(_data(max(1, args.triples // TRIPLES_PER_LINE), args.seed))
    )
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    if args.output:
        args.output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    print(f"{len(triples)} triples", file=sys.stderr)


if __name__ == "__main__":
    main()
