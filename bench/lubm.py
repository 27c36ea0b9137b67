"""A generator of LUBM data, written from the published profile of the benchmark's generator (UBA).

For each university: 15-25 departments; in each, 7-10 full, 10-14 associate and 8-11 assistant
professors and 5-7 lecturers (a full professor heads it); 8-14 undergraduates and 3-4 graduate
students per faculty member; each faculty member teaches 1-2 courses and 1-2 graduate courses;
10-20 research groups; publications (full 15-20, associate 10-18, assistant 5-10, lecturer 0-5,
graduate students co-author some); a fifth of the undergraduates have an advisor, every graduate
student has one; a quarter of the graduate students are teaching assistants and a third research
assistants; faculty hold degrees from universities. About 100k triples per university. The
vocabulary is univ-bench.owl (bench/univ-bench.owl).

    python bench/lubm.py 1 -o lubm-1.nt
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

UB = "http://swat.cse.lehigh.edu/onto/univ-bench.owl#"
ONTOLOGY = Path(__file__).resolve().parent / "univ-bench.owl"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
#: Universities whose degrees the faculty hold, beyond the generated ones (as UBA does).
DEGREE_UNIVERSITIES = 1000


def ub(name: str) -> ox.NamedNode:
    return ox.NamedNode(UB + name)


class University:
    def __init__(self, index: int, rng: random.Random):
        self.index = index
        self.rng = rng
        self.base = f"http://www.University{index}.edu"

    def node(self, path: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}/{path}" if path else self.base)

    def triples(self) -> Iterator[ox.Triple]:
        university = self.node("")
        yield ox.Triple(university, RDF_TYPE, ub("University"))
        yield ox.Triple(university, ub("name"), ox.Literal(f"University{self.index}"))
        for d in range(self.rng.randint(15, 25)):
            yield from Department(self, d).triples()


class Department:
    RANKS = (("FullProfessor", 7, 10, 15, 20), ("AssociateProfessor", 10, 14, 10, 18),
             ("AssistantProfessor", 8, 11, 5, 10), ("Lecturer", 5, 7, 0, 5))  # fmt: skip

    def __init__(self, university: University, index: int):
        self.u = university
        self.rng = university.rng
        self.index = index
        self.base = f"http://www.Department{index}.University{university.index}.edu"
        self.iri = ox.NamedNode(self.base)

    def node(self, path: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base}/{path}")

    def literal(self, text: str) -> ox.Literal:
        return ox.Literal(text)

    def triples(self) -> Iterator[ox.Triple]:
        rng = self.rng
        yield ox.Triple(self.iri, RDF_TYPE, ub("Department"))
        yield ox.Triple(self.iri, ub("name"), self.literal(f"Department{self.index}"))
        yield ox.Triple(self.iri, ub("subOrganizationOf"), self.u.node(""))
        for g in range(rng.randint(10, 20)):
            group = self.node(f"ResearchGroup{g}")
            yield ox.Triple(group, RDF_TYPE, ub("ResearchGroup"))
            yield ox.Triple(group, ub("subOrganizationOf"), self.iri)
        faculty, courses, graduate_courses, professors = [], 0, 0, []
        for rank, low, high, pub_low, pub_high in self.RANKS:
            for i in range(rng.randint(low, high)):
                person = self.node(f"{rank}{i}")
                faculty.append(person)
                if rank != "Lecturer":
                    professors.append(person)
                yield from self._person(person, rank, f"{rank}{i}")
                yield ox.Triple(person, ub("worksFor"), self.iri)
                for degree in (
                    "undergraduateDegreeFrom",
                    "mastersDegreeFrom",
                    "doctoralDegreeFrom",
                ):
                    other = rng.randrange(DEGREE_UNIVERSITIES)
                    yield ox.Triple(
                        person, ub(degree), ox.NamedNode(f"http://www.University{other}.edu")
                    )
                yield ox.Triple(
                    person, ub("researchInterest"), self.literal(f"Research{rng.randrange(30)}")
                )
                for _ in range(rng.randint(1, 2)):
                    course = self.node(f"Course{courses}")
                    courses += 1
                    yield ox.Triple(course, RDF_TYPE, ub("Course"))
                    yield ox.Triple(course, ub("name"), self.literal(f"Course{courses}"))
                    yield ox.Triple(person, ub("teacherOf"), course)
                for _ in range(rng.randint(1, 2)):
                    course = self.node(f"GraduateCourse{graduate_courses}")
                    graduate_courses += 1
                    yield ox.Triple(course, RDF_TYPE, ub("GraduateCourse"))
                    yield ox.Triple(
                        course, ub("name"), self.literal(f"GraduateCourse{graduate_courses}")
                    )
                    yield ox.Triple(person, ub("teacherOf"), course)
                for p in range(rng.randint(pub_low, pub_high)):
                    publication = self.node(f"{rank}{i}/Publication{p}")
                    yield ox.Triple(publication, RDF_TYPE, ub("Publication"))
                    yield ox.Triple(publication, ub("name"), self.literal(f"Publication{p}"))
                    yield ox.Triple(publication, ub("publicationAuthor"), person)
        yield ox.Triple(professors[0], ub("headOf"), self.iri)
        yield from self._students(faculty, professors, courses, graduate_courses)

    def _person(self, person: ox.NamedNode, cls: str, name: str) -> Iterator[ox.Triple]:
        yield ox.Triple(person, RDF_TYPE, ub(cls))
        yield ox.Triple(person, ub("name"), self.literal(name))
        yield ox.Triple(
            person,
            ub("emailAddress"),
            self.literal(f"{name}@Department{self.index}.University{self.u.index}.edu"),
        )
        yield ox.Triple(person, ub("telephone"), self.literal("xxx-xxx-xxxx"))

    def _students(self, faculty, professors, courses, graduate_courses) -> Iterator[ox.Triple]:
        rng = self.rng
        for s in range(len(faculty) * rng.randint(8, 14)):
            student = self.node(f"UndergraduateStudent{s}")
            yield from self._person(student, "UndergraduateStudent", f"UndergraduateStudent{s}")
            yield ox.Triple(student, ub("memberOf"), self.iri)
            for c in rng.sample(range(courses), min(courses, rng.randint(2, 4))):
                yield ox.Triple(student, ub("takesCourse"), self.node(f"Course{c}"))
            if rng.random() < 0.2:
                yield ox.Triple(student, ub("advisor"), rng.choice(professors))
        for s in range(len(faculty) * rng.randint(3, 4)):
            student = self.node(f"GraduateStudent{s}")
            yield from self._person(student, "GraduateStudent", f"GraduateStudent{s}")
            yield ox.Triple(student, ub("memberOf"), self.iri)
            other = rng.randrange(DEGREE_UNIVERSITIES)
            yield ox.Triple(
                student,
                ub("undergraduateDegreeFrom"),
                ox.NamedNode(f"http://www.University{other}.edu"),
            )
            for c in rng.sample(range(graduate_courses), min(graduate_courses, rng.randint(1, 3))):
                yield ox.Triple(student, ub("takesCourse"), self.node(f"GraduateCourse{c}"))
            yield ox.Triple(student, ub("advisor"), rng.choice(professors))
            if rng.random() < 0.25:
                yield ox.Triple(student, RDF_TYPE, ub("TeachingAssistant"))
                yield ox.Triple(
                    student, ub("teachingAssistantOf"), self.node(f"Course{rng.randrange(courses)}")
                )
            elif rng.random() < 0.33:
                yield ox.Triple(student, RDF_TYPE, ub("ResearchAssistant"))
            for p in range(rng.randint(0, 5)):
                author = rng.choice(faculty)
                yield ox.Triple(
                    ox.NamedNode(f"{author.value}/Publication{p}"), ub("publicationAuthor"), student
                )


def generate(universities: int, seed: int = 0) -> Iterator[ox.Triple]:
    rng = random.Random(seed)
    for index in range(universities):
        yield from University(index, rng).triples()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("universities", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", type=Path, help="N-Triples file (default: stdout)")
    args = parser.parse_args()
    data = list(generate(args.universities, args.seed))
    ox.serialize(data, args.output or sys.stdout.buffer, ox.RdfFormat.N_TRIPLES)
    print(f"{len(data)} triples", file=sys.stderr)


if __name__ == "__main__":
    main()
