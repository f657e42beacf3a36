"""Compiled reads: a read-only query answered by ONE SQL statement that builds its ``data``.

Field-by-field execution (graphql-core, strawberry, ORM rows) spends ~10 µs per field; a page
of 100 entries with their relations is ~1,300 fields. For the queries it covers, the compiler
turns the validated document into one ``SELECT json_build_object(…)`` — connections as
``json_agg`` over a keyset page, to-one relations as correlated subqueries — read from the same
definitions the normal path uses:

- the types' fields, relations and read rules from ``schema.views.VIEWS``;
- the rows of each list from the same ``Listing`` (filter, keyset order, cursor predicate)
  the resolvers page (``LISTINGS`` of the operations modules);
- the selection as graphql-core's executor collects it (fragments, aliases, @skip/@include).

Anything it does not cover raises ``Unsupported`` while compiling, and the request takes the
normal path unchanged: see ``reads.CompiledReads`` for what runs first and what falls back.
"""
