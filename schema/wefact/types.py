"""GraphQL types of the WeFact settings: views over the settings and product rows."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import Parent

from graphql_api import models
from graphql_api.services.invoicing import proof
from graphql_api.services.invoicing.lines import GroupBy
from graphql_api.services.wefact.connection import SettingsChange
from resolvers import results
from resolvers.context import Info
from resolvers.permissions import ADMINS
from schema.errors import ConflictError, InvalidInputError, NotFoundError, WefactConnectionError
from schema.views import computed, result_type, row_type


@strawberry.enum(description="How registrations are combined into invoice lines.")
class InvoiceGrouping(enum.Enum):
    ENTRY = strawberry.enum_value("ENTRY", description="One line per registration.")
    ACTIVITY = strawberry.enum_value("ACTIVITY", description="One line per activity and rate.")
    PROJECT = strawberry.enum_value("PROJECT", description="One line per project and rate.")
    USER = strawberry.enum_value("USER", description="One line per user and rate.")
    DATE = strawberry.enum_value("DATE", description="One line per date and rate.")


@result_type(
    proof.SavedLineTemplate,
    description="How the workspace words its hours lines for one grouping (placeholders: "
    "`linePlaceholders`).",
)
class LineTemplate:
    @computed("group_by", description="The grouping it is for.")
    @staticmethod
    def group_by(root: Parent[proof.SavedLineTemplate]) -> InvoiceGrouping:
        return InvoiceGrouping(root.group_by)

    template: str = strawberry.field(
        description="The text, placeholders in braces, e.g. `{project} – {activity} "
        "({period})`; `{{` and `}}` are literal braces. previewInvoice shows it as it will land."
    )


@result_type(proof.Placeholder, description="A placeholder a line-text template may use.")
class LinePlaceholder:
    name: str = strawberry.field(description="Its name, written `{name}` in a template.")
    meaning: str = strawberry.field(name="description", description="What it shows on a line.")


@strawberry.input(
    description="The line text of one grouping; a null or empty template removes it (the "
    "built-in text applies again)."
)
class LineTemplateInput:
    group_by: InvoiceGrouping = strawberry.field(description="The grouping it words.")
    template: str | None = strawberry.field(
        default=None,
        description="The text with placeholders, e.g. `{date}: {activity} – {notes}` (at most "
        "500 characters). An unknown placeholder is refused with UNKNOWN_PLACEHOLDER, naming "
        "it; a stray brace with BAD_TEMPLATE.",
    )


@row_type(
    models.WefactProduct,
    description="A WeFact product: it carries the VAT rate and revenue category.",
)
class WefactProduct:
    code: str = strawberry.field(description="Product code in WeFact, e.g. P0001.")
    name: str = strawberry.field(description="Internal product name.")
    key_phrase: str | None = strawberry.field(description="Text that lands on invoice lines.")
    price_excl: Decimal | None = strawberry.field(description="Price per unit excluding VAT.")
    tax_percentage: Decimal | None = strawberry.field(
        name="vatPercentage", description="VAT rate, e.g. 21.00."
    )
    tax_code: str | None = strawberry.field(description="WeFact's VAT code, e.g. V21.")
    unit: str | None = strawberry.field(description="Unit, e.g. uur.")


@row_type(
    models.ProviderConnection,
    read=ADMINS,
    description="A WeFact administration or HostFact installation the workspace invoiced with "
    "before its current one. Kept (its key encrypted, never shown) for the invoices made "
    "through it: releasing, resuming and the status sync of those invoices still go there.",
    name="WefactAdministration",
)
class WefactAdministration:
    provider: models.Subscription = strawberry.field(
        name="subscription", description="WeFact or HostFact."
    )
    hostfact_url: str | None = strawberry.field(
        description="HostFact installation URL; null for WeFact (one URL for everyone)."
    )
    api_key_hint: str = strawberry.field(description="The last four characters of its key.")
    replaced_at: dt.datetime | None = strawberry.field(
        description="When another connection became the workspace's current one."
    )

    # A query expression loaded with the row (``open_invoice_count``), not a column: a
    # resolver, so a compiled read leaves it to this path.
    @strawberry.field(
        description="Invoices made through it that the app still follows (pending, concept, "
        "sent, partly paid or paid): they can still be released or change status there."
    )
    @staticmethod
    def open_invoices(root: Parent[models.ProviderConnection]) -> int:
        return root.open_invoices or 0


@row_type(
    models.WefactSettings,
    read=ADMINS,
    description="Your workspace's WeFact/HostFact connection. The key is never shown.",
)
class WefactSettings:
    # subscription, hostfactUrl, apiKeyHint and lastVerifiedAt belong to the current
    # connection, joined with the settings row whenever it is loaded (``connection``).
    @strawberry.field(description="WeFact or HostFact.")
    @staticmethod
    def subscription(root: Parent[models.WefactSettings]) -> models.Subscription:
        return root.connection.provider

    @strawberry.field(description="HostFact installation URL (without /apiv2/api.php).")
    @staticmethod
    def hostfact_url(root: Parent[models.WefactSettings]) -> str | None:
        return root.connection.hostfact_url

    active: bool = strawberry.field(description="False after deactivateWefact.")

    @strawberry.field(description="The last four characters of the API key.")
    @staticmethod
    def api_key_hint(root: Parent[models.WefactSettings]) -> str:
        return root.connection.api_key_hint

    @computed(description="Our servers' outgoing addresses: add them to WeFact's API whitelist.")
    @staticmethod
    def egress_ips(root: Parent[models.WefactSettings], info: Info) -> list[str]:
        return list(info.context.state.settings.wefact_egress_ips)

    default_product_code: str | None = strawberry.field(
        description="Product for lines without a product of their own."
    )
    trip_product_code: str | None = strawberry.field(description="Product for trips.")
    invoice_mode: models.InvoiceMode = strawberry.field(description="Default invoice mode.")
    payment_term_days: int | None = strawberry.field(
        description="Default payment term; empty uses the debtor's term in WeFact."
    )

    @computed("group_by", description="Default line grouping.")
    @staticmethod
    def group_by(root: Parent[models.WefactSettings]) -> InvoiceGrouping:
        return InvoiceGrouping(root.group_by)

    auto_import_customers: bool = strawberry.field(
        description="Import customers from WeFact every night."
    )

    @strawberry.field(description="When key and IP were last confirmed by a live call.")
    @staticmethod
    def last_verified_at(root: Parent[models.WefactSettings]) -> dt.datetime | None:
        return root.connection.last_verified_at

    products_synced_at: dt.datetime | None = strawberry.field(
        description="When the product list was last fetched."
    )
    deactivated_at: dt.datetime | None = strawberry.field(description="When it was switched off.")

    @strawberry.field(
        graphql_type=list[WefactAdministration],
        description="The workspace's earlier connections, kept for the invoices made through "
        "them (openInvoices says how many are still open there).",
    )
    @staticmethod
    def earlier_connections(root: Parent[models.WefactSettings]) -> list[models.ProviderConnection]:
        # Loaded with the row, with their open invoices (``load_settings_row``).
        return list(root.earlier_connections)

    activation_notes: list[str] = strawberry.field(
        description="What the last activateWefact changed besides the connection, in plain "
        "words: the earlier connection kept for its open invoices, customer links reset, "
        "default products unset, product links the new administration lacks."
    )
    attach_specification: bool = strawberry.field(
        name="hoursSpecification",
        description="Default of the invoicing option hoursSpecification: attach the hours "
        "specification (PDF) to each invoice in WeFact, before it is booked or e-mailed.",
    )
    attach_receipts: bool = strawberry.field(
        description="Default of the invoicing option attachReceipts: attach the receipts of "
        "the invoiced expenses, with the specification.",
    )

    @computed(
        "line_templates",
        graphql_type=list[LineTemplate],
        description="The workspace's hours line texts, per grouping (groupings without one "
        "use the built-in text).",
    )
    @staticmethod
    def line_templates(root: Parent[models.WefactSettings]) -> list[proof.SavedLineTemplate]:
        return proof.saved_templates(root)

    @computed(
        graphql_type=list[LinePlaceholder],
        description="Every placeholder a line text may use, and what it shows.",
    )
    @staticmethod
    def line_placeholders() -> list[proof.Placeholder]:
        return proof.placeholders()


@result_type(results.ProductSync, description="The product list was refreshed from WeFact.")
class ProductSync:
    count: int = strawberry.field(description="How many products are cached now.")
    settings: models.WefactSettings = strawberry.field(
        graphql_type=WefactSettings, description="The settings after the sync."
    )


@strawberry.input(description="Connect WeFact or HostFact.")
class ActivateWefactInput:
    subscription: models.Subscription = strawberry.field(description="WeFact or HostFact.")
    api_key: str = strawberry.field(description="The API key from WeFact → Settings → API.")
    hostfact_url: str | None = strawberry.field(
        default=None,
        description="HostFact only: your installation's URL, e.g. https://example.com/Pro "
        "(without /apiv2/api.php; it is stripped when pasted).",
    )


@strawberry.input(description="Change settings; fields left out stay as they are.")
class UpdateWefactSettingsInput:
    default_product_code: strawberry.Maybe[str | None] = strawberry.field(
        description="Default product code; null clears it."
    )
    trip_product_code: strawberry.Maybe[str | None] = strawberry.field(
        description="Trip product code; null clears it."
    )
    invoice_mode: strawberry.Maybe[models.InvoiceMode | None] = strawberry.field(
        description="Default invoice mode."
    )
    payment_term_days: strawberry.Maybe[int | None] = strawberry.field(
        description="Default payment term in days (0–365)."
    )
    group_by: strawberry.Maybe[InvoiceGrouping | None] = strawberry.field(
        description="Default line grouping."
    )
    auto_import_customers: strawberry.Maybe[bool | None] = strawberry.field(
        description="Import customers from WeFact every night."
    )
    hours_specification: strawberry.Maybe[bool | None] = strawberry.field(
        description="Default: attach the hours specification (PDF) to invoices."
    )
    attach_receipts: strawberry.Maybe[bool | None] = strawberry.field(
        description="Default: attach the receipts of the invoiced expenses."
    )
    line_templates: strawberry.Maybe[list[LineTemplateInput] | None] = strawberry.field(
        description="Line texts to set (or remove) per grouping; groupings left out keep "
        "theirs. Each is checked: an unknown placeholder is refused naming it."
    )

    def proof_change(self) -> proof.ProofSettingsChange:
        """The service's change of the proof defaults and line texts."""
        def flag(value: strawberry.Maybe[bool | None]) -> bool | None:
            return value.value if value is not None else None

        templates = (self.line_templates.value or []) if self.line_templates is not None else []
        return proof.ProofSettingsChange(
            attach_specification=flag(self.hours_specification),
            attach_receipts=flag(self.attach_receipts),
            line_templates=tuple(
                (GroupBy(item.group_by.value), item.template) for item in templates
            ),
        )

    def change(self) -> SettingsChange:
        """The service's change; a null product code clears it, other nulls change nothing."""
        change = SettingsChange()
        if self.default_product_code is not None:
            if self.default_product_code.value is None:
                change.clear_default_product = True
            elif self.default_product_code.value:
                change.default_product_code = self.default_product_code.value
        if self.trip_product_code is not None:
            if self.trip_product_code.value is None:
                change.clear_trip_product = True
            elif self.trip_product_code.value:
                change.trip_product_code = self.trip_product_code.value
        if self.invoice_mode is not None:
            change.invoice_mode = self.invoice_mode.value
        if self.payment_term_days is not None:
            change.payment_term_days = self.payment_term_days.value
        if self.group_by is not None and self.group_by.value is not None:
            change.group_by = self.group_by.value.name
        if self.auto_import_customers is not None:
            change.auto_import_customers = self.auto_import_customers.value
        return change


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
