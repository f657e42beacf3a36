"""What the import knows of the local customers, the one bulk upsert per page, and the
details fill's reads and its one bulk update per batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Executable,
    String,
    and_,
    case,
    column,
    func,
    literal_column,
    or_,
    select,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.models import Customer
from graphql_api.services.customer_import.mapping import DETAIL_COLUMNS, LIST_COLUMNS, name_key


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
    """Insert new customers and update changed ones from list rows, in ONE statement.

    Matching is the ``(workspace_id, customer_number)`` unique constraint. Every row written
    is marked ``details_complete = false`` for the details fill. A row is left alone (and not
    returned) when its list columns are equal and WeFact's Modified stamp is the stored one
    (a row without a stamp is always re-read: nothing else tells whether it changed). A
    customer linked to a *different* debtor identifier is never overwritten (the caller
    reports it). An e-mail a list row leaves empty keeps the stored one (list rows may be
    partial; the fill writes the full record). ``wefact_synced_at``/``updated_at`` move only
    when a list column changed, which is how RETURNING tells "owned_changed".
    """
    if not rows:
        return []
    stmt = insert(Customer).values(
        [{**row, "workspace_id": workspace_id, "details_complete": False} for row in rows]
    )
    excluded = stmt.excluded
    table = Customer.__table__.c
    new_values: dict[str, ColumnElement[Any]] = {
        col: excluded[col] for col in LIST_COLUMNS if col != "email"
    }
    new_values["email"] = func.coalesce(excluded.email, table.email)
    owned_differs = or_(*(table[col].is_distinct_from(new) for col, new in new_values.items()))
    upsert: Executable = stmt.on_conflict_do_update(
        index_elements=[Customer.workspace_id, Customer.customer_number],
        set_={
            **new_values,
            "wefact_modified_at": excluded.wefact_modified_at,
            "details_complete": False,
            "wefact_synced_at": case(
                (owned_differs, excluded.wefact_synced_at), else_=table.wefact_synced_at
            ),
            "updated_at": case((owned_differs, func.now()), else_=table.updated_at),
        },
        where=and_(
            or_(
                owned_differs,
                excluded.wefact_modified_at.is_(None),
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


# -- the details fill ----------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A customer whose full record is still to be read, as the fill selected it."""

    id: int
    debtor_code: str
    identifier: str
    seen_modified: dt.datetime | None
    """The Modified stamp the import stored: the fill writes only while it is still this."""


def _pending(workspace_id: int) -> Any:
    return (
        Customer.workspace_id == workspace_id,
        Customer.details_complete.is_(False),
        Customer.wefact_identifier.is_not(None),
        Customer.wefact_debtor_code.is_not(None),
    )


async def count_pending(session: AsyncSession, workspace_id: int, after_id: int = 0) -> int:
    """How many customers of the workspace (after ``after_id``) wait for their details."""
    found = await session.scalar(
        select(func.count())
        .select_from(Customer)
        .where(*_pending(workspace_id), Customer.id > after_id)
    )
    return int(found or 0)


async def next_pending(
    session: AsyncSession, workspace_id: int, after_id: int, limit: int
) -> list[Pending]:
    """The next ``limit`` incomplete linked customers after ``after_id``, in id order."""
    rows = await session.execute(
        select(
            Customer.id,
            Customer.wefact_debtor_code,
            Customer.wefact_identifier,
            Customer.wefact_modified_at,
        )
        .where(*_pending(workspace_id), Customer.id > after_id)
        .order_by(Customer.id)
        .limit(limit)
    )
    return [Pending(pk, str(code), str(ident), seen) for pk, code, ident, seen in rows]


@dataclass(frozen=True)
class Filled:
    """One customer the fill completed; ``changed``: a detail differed from what was stored."""

    id: int
    changed: bool


_FILL_TYPES: dict[str, Any] = {
    "id": BigInteger(),
    "identifier": String(),
    "seen_modified": DateTime(),
    "wefact_modified_at": DateTime(),
    "wefact_synced_at": DateTime(timezone=True),
    **{col: String() for col in DETAIL_COLUMNS},
}


async def fill_details(
    session: AsyncSession, workspace_id: int, rows: Sequence[dict[str, Any]]
) -> list[Filled]:
    """Write full records onto their customers in ONE statement (``UPDATE … FROM VALUES``).

    Each row carries the customer ``id``, the ``identifier`` and ``seen_modified`` stamp it
    was selected with, and the mapped detail columns plus the record's own Modified stamp.
    A customer is written only while it is still incomplete, linked to that identifier and
    carries that stamp: an import that stored a newer stamp meanwhile wins, and the customer
    stays incomplete for the next fill. Customers written are complete; only those whose
    details differed get a new ``wefact_synced_at``/``updated_at``.
    """
    if not rows:
        return []
    names = list(_FILL_TYPES)
    fetched = (
        values(*(column(name, _FILL_TYPES[name]) for name in names), name="fetched")
        .data([tuple(row[name] for name in names) for row in rows])
    )
    src = fetched.c
    table = Customer.__table__.c
    differs = or_(*(table[col].is_distinct_from(src[col]) for col in DETAIL_COLUMNS))
    stmt = (
        update(Customer)
        .where(
            Customer.id == src.id,
            Customer.workspace_id == workspace_id,
            Customer.details_complete.is_(False),
            Customer.wefact_identifier == src.identifier,
            Customer.wefact_modified_at.is_not_distinct_from(src.seen_modified),
        )
        .values(
            {
                **{col: src[col] for col in DETAIL_COLUMNS},
                "wefact_modified_at": src.wefact_modified_at,
                "details_complete": True,
                "wefact_synced_at": case(
                    (differs, src.wefact_synced_at), else_=table.wefact_synced_at
                ),
                "updated_at": case((differs, func.now()), else_=table.updated_at),
            }
        )
        .returning(Customer.id, Customer.wefact_synced_at, src.wefact_synced_at)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return [Filled(pk, stamped == wanted) for pk, stamped, wanted in result]
