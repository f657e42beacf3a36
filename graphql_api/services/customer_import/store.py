"""What the import knows of the local customers, and the one bulk upsert per page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable, and_, case, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.models import Customer
from graphql_api.services.customer_import.mapping import OWNED_COLUMNS, name_key


@dataclass
class Linked:
    """A local customer that has a customer number (linked to a debtor or linkable)."""

    id: int
    wefact_identifier: str | None
    wefact_modified_at: dt.datetime | None


@dataclass
class LocalIndex:
    """The workspace's customers as far as matching needs them (loaded in one statement)."""

    by_number: dict[str, Linked] = field(default_factory=dict)
    unnumbered_names: set[str] = field(default_factory=set)
    """``name_key`` of customers without a customer number: likely duplicates of debtors."""


async def load_index(session: AsyncSession, workspace_id: int) -> LocalIndex:
    """Customer numbers, links and the names of unnumbered customers of the workspace."""
    rows = await session.execute(
        select(
            Customer.id,
            Customer.customer_number,
            Customer.name,
            Customer.wefact_identifier,
            Customer.wefact_modified_at,
        ).where(Customer.workspace_id == workspace_id)
    )
    index = LocalIndex()
    for pk, number, name, identifier, modified in rows:
        if number is None:
            index.unnumbered_names.add(name_key(name))
        else:
            index.by_number[number] = Linked(pk, identifier, modified)
    return index


@dataclass(frozen=True)
class Written:
    """One row the upsert inserted or changed."""

    id: int
    customer_number: str
    inserted: bool
    owned_changed: bool
    """False when only WeFact's Modified stamp moved (nothing we show changed)."""


async def upsert_customers(
    session: AsyncSession,
    workspace_id: int,
    rows: Sequence[dict[str, Any]],
    synced_at: dt.datetime,
) -> list[Written]:
    """Insert new customers and update changed ones in ONE statement.

    Matching is the ``(workspace_id, customer_number)`` unique constraint. A row whose owned
    columns and Modified stamp are all equal is not touched (and not returned). A customer
    linked to a *different* debtor identifier is never overwritten (the caller reports it).
    ``wefact_synced_at``/``updated_at`` move only when an owned column changed, which is also
    how the RETURNING clause tells "updated" from "only the stamp moved".
    """
    if not rows:
        return []
    stmt = insert(Customer).values([{**row, "workspace_id": workspace_id} for row in rows])
    excluded = stmt.excluded
    table = Customer.__table__.c
    owned_differs = or_(*(table[col].is_distinct_from(excluded[col]) for col in OWNED_COLUMNS))
    upsert: Executable = stmt.on_conflict_do_update(
        index_elements=[Customer.workspace_id, Customer.customer_number],
        set_={
            **{col: excluded[col] for col in OWNED_COLUMNS},
            "wefact_modified_at": excluded.wefact_modified_at,
            "wefact_synced_at": case(
                (owned_differs, excluded.wefact_synced_at), else_=table.wefact_synced_at
            ),
            "updated_at": case((owned_differs, func.now()), else_=table.updated_at),
        },
        where=and_(
            or_(
                owned_differs,
                table.wefact_modified_at.is_distinct_from(excluded.wefact_modified_at),
            ),
            or_(
                table.wefact_identifier.is_(None),
                table.wefact_identifier == excluded.wefact_identifier,
            ),
        ),
    ).returning(
        Customer.id,
        Customer.customer_number,
        Customer.wefact_synced_at,
        # xmax is 0 only for a freshly inserted tuple: PostgreSQL's way to tell an insert
        # from an update in an upsert's RETURNING.
        literal_column("(xmax = 0)").label("inserted"),
    )
    result = await session.execute(upsert)
    return [
        Written(
            id=pk,
            customer_number=number,
            inserted=bool(inserted),
            owned_changed=bool(inserted) or stamped == synced_at,
        )
        for pk, number, stamped, inserted in result
    ]
