"""Reasoning: one semantics (OWL 2 RL as owlrl implements it, plus the project's rules in
`ontology/rules/`), two engines.

- `rules`: the rules themselves, as data: premises, filters, head.
- `sparql_engine`: the incremental engine, the rules as SPARQL Update inside the store: small
  inserts, DRed deletes, and the derivations `explain` reads.
- `sql` and `batch`: the batch engine, the rules compiled to SQL and run semi-naively over
  dictionary-encoded triples in DuckDB: full closures (`reason`, the closure step of `build`).
- `maintain`: keeps a store's inferred graph up to date after a write.
- `explain`: why a triple holds, down to the asserted facts and their sentences.
- `reference`: owlrl's closure, filtered the same way, which the tests hold both engines to.
"""
