"""Activating WeFact/HostFact when the workspace already had a connection.

Which connection an activation means:

- the same provider, URL and key as a stored connection → that connection again;
- the same provider and URL but another key, and the new key sees the newest invoice made
  through a stored connection (same identifier, our reference on it) → the same
  administration with a regenerated key: that connection, with the new key;
- otherwise → a new connection. The earlier one is kept (its key still encrypted) for its
  open invoices: releasing, resuming and syncing them still go there.

What else a switch changes is said, never done silently (``activation_notes``): customers'
links to debtors of the earlier administration are reset (they are looked up again by
customer number, or created, in the new one); a default product the new administration
lacks is unset; links of activities, expense categories and projects to products it lacks
are kept and reported (invoicing them is refused until they are linked again).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import integrations
from graphql_api.models import (
    Activity,
    Customer,
    ExpenseCategory,
    Invoice,
    Project,
    ProviderConnection,
    Subscription,
    WefactSettings,
)
from graphql_api.services.wefact.clients import ProviderServices
from graphql_api.services.wefact.connections import describe
from integrations import InvoicingProvider, Product


@dataclass(frozen=True)
class Proof:
    """The newest invoice made through a stored connection: what a new key must see."""

    connection_id: int
    identifier: int
    reference: str


def _same_place(
    connection: ProviderConnection, subscription: Subscription, url: str | None
) -> bool:
    return connection.provider is subscription and connection.hostfact_url == url


def same_key(
    services: ProviderServices,
    known: Sequence[ProviderConnection],
    subscription: Subscription,
    url: str | None,
    api_key: str,
) -> ProviderConnection | None:
    """The stored connection with exactly this provider, URL and key, if any."""
    for connection in known:
        if not _same_place(connection, subscription, url):
            continue
        try:
            stored = services.secret_box.decrypt(connection.api_key_encrypted)
        except ValueError:
            continue  # not comparable; never guess
        if hmac.compare_digest(stored.encode(), api_key.encode()):
            return connection
    return None


async def proofs(
    session: AsyncSession,
    known: Sequence[ProviderConnection],
    subscription: Subscription,
    url: str | None,
) -> list[Proof]:
    """Per stored connection at the same provider and URL: its newest made invoice."""
    ids = [c.id for c in known if _same_place(c, subscription, url)]
    if not ids:
        return []
    newest = (
        select(func.max(Invoice.id))
        .where(Invoice.connection_id.in_(ids), Invoice.wefact_identifier.is_not(None))
        .group_by(Invoice.connection_id)
    )
    rows = await session.execute(
        select(Invoice.connection_id, Invoice.wefact_identifier, Invoice.reference).where(
            Invoice.id.in_(newest)
        )
    )
    return [
        Proof(connection_id, int(identifier), reference)
        for connection_id, identifier, reference in rows
        if connection_id is not None and identifier is not None and identifier.isdigit()
    ]


async def proven_administration(
    provider: InvoicingProvider, candidates: Sequence[Proof]
) -> int | None:
    """The stored connection whose newest invoice the new key sees with our reference: the
    same administration (a regenerated key). One ``show`` per candidate, newest first."""
    for proof in sorted(candidates, key=lambda p: p.connection_id, reverse=True):
        try:
            found = await provider.show_invoice(proof.identifier)
        except integrations.NotFoundError:
            continue
        if found.reference_number == proof.reference:
            return proof.connection_id
    return None


async def reset_customer_links(session: AsyncSession, workspace_id: int) -> int:
    """Forget every customer's link to a debtor of the earlier administration."""
    result = await session.execute(
        update(Customer)
        .where(
            Customer.workspace_id == workspace_id,
            or_(Customer.wefact_debtor_code.is_not(None), Customer.wefact_identifier.is_not(None)),
        )
        .values(
            wefact_debtor_code=None,
            wefact_identifier=None,
            wefact_synced_at=None,
            wefact_modified_at=None,
            # Nothing left to read from the administration the workspace has left.
            details_complete=True,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def switch_notes(
    previous: ProviderConnection, open_invoices: int, reset_customers: int
) -> list[str]:
    """What leaving ``previous`` means for its invoices and the customers' links."""
    notes: list[str] = []
    if open_invoices:
        notes.append(
            f"Your earlier {describe(previous)} is kept for its {open_invoices} open "
            "invoice(s): releasing, resuming and the status sync of those invoices still go "
            "there (see earlierConnections)."
        )
    if reset_customers:
        notes.append(
            f"{reset_customers} customer(s) were linked to debtors of the earlier "
            "administration. They are matched again on their next invoice or customer "
            "import: by customer number (used as the debtor code), or created when the new "
            "administration does not know it. Check the customer numbers if the new "
            "administration numbers its debtors differently."
        )
    return notes


async def product_notes(
    session: AsyncSession, settings: WefactSettings, products: Sequence[Product]
) -> list[str]:
    """Unset default products the new administration lacks; report links to missing ones."""
    codes = {product.code for product in products}
    notes: list[str] = []
    for attr, label in (
        ("default_product_code", "default product"),
        ("trip_product_code", "trip product"),
    ):
        code = getattr(settings, attr)
        if code and code not in codes:
            setattr(settings, attr, None)
            notes.append(
                f"The {label} {code} does not exist in this administration and was unset: "
                "pick another with updateWefactSettings."
            )
    for model, label in (
        (Activity, "activities"),
        (ExpenseCategory, "expense categories"),
        (Project, "projects"),
    ):
        linked = select(model.wefact_product_code).where(
            model.workspace_id == settings.workspace_id, model.wefact_product_code.is_not(None)
        )
        if codes:
            linked = linked.where(model.wefact_product_code.not_in(codes))
        missing = list(
            await session.scalars(linked.distinct().order_by(model.wefact_product_code))
        )
        if missing:
            shown = ", ".join(code for code in missing[:5] if code)
            notes.append(
                f"Some {label} link to products this administration does not have ({shown}"
                f"{', …' if len(missing) > 5 else ''}). The links are kept; invoicing what uses "
                "them is refused (UNKNOWN_PRODUCT in previewInvoice) until you link products "
                "of this administration."
            )
    return notes
