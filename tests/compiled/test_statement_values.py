"""The compiled statement's values are processed as SQLAlchemy's own execution would process
them, including the values an expanding ``IN`` is rendered into (found by the differential
test: an invoices ``statuses`` filter sent the enum objects themselves, which asyncpg refuses)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import asyncpg

from graphql_api.models import Invoice
from graphql_api.models.invoicing import InvoiceStatus
from schema.compiled.reads import Statement


def test_enum_values_of_an_in_filter_are_sent_as_their_names() -> None:
    query = select(Invoice.id).where(
        Invoice.status.in_([InvoiceStatus.PAID, InvoiceStatus.CONCEPT]),
        Invoice.status == InvoiceStatus.RELEASED,
    )
    statement = Statement.of(query, asyncpg.dialect())
    assert sorted(statement.values) == ["CONCEPT", "PAID", "RELEASED"]
    assert all(type(value) is str for value in statement.values)
