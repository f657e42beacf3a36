"""GraphQL types of the WeFact settings."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated

import strawberry

from graphql_api import models
from schema.errors import ConflictError, Error, InvalidInputError, NotFoundError

WefactSubscription = strawberry.enum(
    models.Subscription,
    name="WefactSubscription",
    description="Which product you invoice with: WeFact (online) or HostFact (self-hosted).",
)
InvoiceMode = strawberry.enum(
    models.InvoiceMode,
    description=(
        "CONCEPT: a draft in WeFact. BOOK: final, numbered, not e-mailed (a sales booking). "
        "SEND: final and e-mailed to the customer by WeFact."
    ),
)


@strawberry.enum(description="How registrations are combined into invoice lines.")
class InvoiceGrouping(enum.Enum):
    ENTRY = strawberry.enum_value("ENTRY", description="One line per registration.")
    ACTIVITY = strawberry.enum_value("ACTIVITY", description="One line per activity and rate.")
    PROJECT = strawberry.enum_value("PROJECT", description="One line per project and rate.")
    USER = strawberry.enum_value("USER", description="One line per user and rate.")
    DATE = strawberry.enum_value("DATE", description="One line per date and rate.")


@strawberry.type(description="A WeFact product: it carries the VAT rate and revenue category.")
class WefactProduct:
    code: str = strawberry.field(description="Product code in WeFact, e.g. P0001.")
    name: str = strawberry.field(description="Internal product name.")
    key_phrase: str | None = strawberry.field(description="Text that lands on invoice lines.")
    price_excl: Decimal | None = strawberry.field(description="Price per unit excluding VAT.")
    vat_percentage: Decimal | None = strawberry.field(description="VAT rate, e.g. 21.00.")
    tax_code: str | None = strawberry.field(description="WeFact's VAT code, e.g. V21.")
    unit: str | None = strawberry.field(description="Unit, e.g. uur.")

    @classmethod
    def from_model(cls, row: models.WefactProduct) -> WefactProduct:
        return cls(
            code=row.code,
            name=row.name,
            key_phrase=row.key_phrase,
            price_excl=row.price_excl,
            vat_percentage=row.tax_percentage,
            tax_code=row.tax_code,
            unit=row.unit,
        )


@strawberry.type(
    description="A WeFact administration or HostFact installation the workspace invoiced with "
    "before its current one. Kept (its key encrypted, never shown) for the invoices made "
    "through it: releasing, resuming and the status sync of those invoices still go there."
)
class WefactConnection:
    subscription: WefactSubscription = strawberry.field(description="WeFact or HostFact.")  # type: ignore[valid-type]
    hostfact_url: str | None = strawberry.field(
        description="HostFact installation URL; null for WeFact (one URL for everyone)."
    )
    api_key_hint: str = strawberry.field(description="The last four characters of its key.")
    replaced_at: dt.datetime | None = strawberry.field(
        description="When another connection became the workspace's current one."
    )
    open_invoices: int = strawberry.field(
        description="Invoices made through it that the app still follows (pending, concept, "
        "sent, partly paid or paid): they can still be released or change status there."
    )

    @classmethod
    def from_model(cls, row: models.ProviderConnection) -> WefactConnection:
        return cls(
            subscription=row.provider,
            hostfact_url=row.hostfact_url,
            api_key_hint=row.api_key_hint,
            replaced_at=row.replaced_at,
            open_invoices=row.open_invoices or 0,
        )


@strawberry.type(description="Your workspace's WeFact/HostFact connection. The key is never shown.")
class WefactSettings:
    subscription: WefactSubscription = strawberry.field(description="WeFact or HostFact.")  # type: ignore[valid-type]
    hostfact_url: str | None = strawberry.field(
        description="HostFact installation URL (without /apiv2/api.php)."
    )
    active: bool = strawberry.field(description="False after deactivateWefact.")
    api_key_hint: str = strawberry.field(description="The last four characters of the API key.")
    egress_ips: list[str] = strawberry.field(
        description="Our servers' outgoing addresses: add them to WeFact's API whitelist."
    )
    default_product_code: str | None = strawberry.field(
        description="Product for lines without a product of their own."
    )
    trip_product_code: str | None = strawberry.field(description="Product for trips.")
    invoice_mode: InvoiceMode = strawberry.field(description="Default invoice mode.")  # type: ignore[valid-type]
    payment_term_days: int | None = strawberry.field(
        description="Default payment term; empty uses the debtor's term in WeFact."
    )
    group_by: InvoiceGrouping = strawberry.field(description="Default line grouping.")
    auto_import_customers: bool = strawberry.field(
        description="Import customers from WeFact every night."
    )
    last_verified_at: dt.datetime | None = strawberry.field(
        description="When key and IP were last confirmed by a live call."
    )
    products_synced_at: dt.datetime | None = strawberry.field(
        description="When the product list was last fetched."
    )
    deactivated_at: dt.datetime | None = strawberry.field(description="When it was switched off.")
    earlier_connections: list[WefactConnection] = strawberry.field(
        description="The workspace's earlier connections, kept for the invoices made through "
        "them (openInvoices says how many are still open there)."
    )
    activation_notes: list[str] = strawberry.field(
        description="What the last activateWefact changed besides the connection, in plain "
        "words: the earlier connection kept for its open invoices, customer links reset, "
        "default products unset, product links the new administration lacks."
    )

    @classmethod
    def from_model(cls, row: models.WefactSettings, egress_ips: list[str]) -> WefactSettings:
        return cls(
            subscription=row.subscription,
            hostfact_url=row.hostfact_url,
            active=row.active,
            api_key_hint=row.api_key_hint,
            egress_ips=egress_ips,
            default_product_code=row.default_product_code,
            trip_product_code=row.trip_product_code,
            invoice_mode=row.invoice_mode,
            payment_term_days=row.payment_term_days,
            group_by=InvoiceGrouping(row.group_by),
            auto_import_customers=row.auto_import_customers,
            last_verified_at=row.last_verified_at,
            products_synced_at=row.products_synced_at,
            deactivated_at=row.deactivated_at,
            earlier_connections=[
                WefactConnection.from_model(c) for c in row.earlier_connections
            ],
            activation_notes=list(row.activation_notes),
        )


@strawberry.type(
    description=(
        "WeFact/HostFact refused or could not be reached. Codes: WRONG_API_KEY, "
        "IP_NOT_WHITELISTED, API_DISABLED, UNREACHABLE, NOT_A_HOSTFACT_API, FIREWALLED, "
        "RATE_LIMITED, NOT_ACTIVATED."
    )
)
class WefactConnectionError(Error):
    whitelist_addresses: list[str] = strawberry.field(
        default_factory=list,
        description="With IP_NOT_WHITELISTED: the addresses to add to WeFact's whitelist.",
    )


@strawberry.type(description="The product list was refreshed from WeFact.")
class ProductSync:
    count: int = strawberry.field(description="How many products are cached now.")
    settings: WefactSettings = strawberry.field(description="The settings after the sync.")


@strawberry.input(description="Connect WeFact or HostFact.")
class ActivateWefactInput:
    subscription: WefactSubscription = strawberry.field(description="WeFact or HostFact.")  # type: ignore[valid-type]
    api_key: str = strawberry.field(description="The API key from WeFact → Settings → API.")
    hostfact_url: str | None = strawberry.field(
        default=None,
        description="HostFact only: your installation's URL, e.g. https://example.com/Pro "
        "(without /apiv2/api.php; it is stripped when pasted).",
    )


@strawberry.input(description="Change settings; fields left out stay as they are.")
class UpdateWefactSettingsInput:
    default_product_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="Default product code; null clears it."
    )
    trip_product_code: str | None = strawberry.field(
        default=strawberry.UNSET, description="Trip product code; null clears it."
    )
    invoice_mode: InvoiceMode | None = strawberry.field(  # type: ignore[valid-type]
        default=strawberry.UNSET, description="Default invoice mode."
    )
    payment_term_days: int | None = strawberry.field(
        default=strawberry.UNSET, description="Default payment term in days (0–365)."
    )
    group_by: InvoiceGrouping | None = strawberry.field(
        default=strawberry.UNSET, description="Default line grouping."
    )
    auto_import_customers: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Import customers from WeFact every night."
    )


ActivateWefactResult = Annotated[
    WefactSettings | WefactConnectionError | InvalidInputError,
    strawberry.union("ActivateWefactResult", description="The settings, or why not."),
]
UpdateWefactSettingsResult = Annotated[
    WefactSettings | InvalidInputError | NotFoundError,
    strawberry.union("UpdateWefactSettingsResult", description="The settings, or why not."),
]
DeactivateWefactResult = Annotated[
    WefactSettings | NotFoundError,
    strawberry.union("DeactivateWefactResult", description="The settings, or why not."),
]
SyncWefactProductsResult = Annotated[
    ProductSync | WefactConnectionError | ConflictError,
    strawberry.union("SyncWefactProductsResult", description="The new cache, or why not."),
]
