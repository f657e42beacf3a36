"""GraphQL types of invoicing in WeFact: the preview (views over the service's selection),
our invoice records and lines, and invoice runs (views over their rows)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry import Parent
from strawberry.relay import NodeID

from graphql_api import models
from graphql_api.services import invoicing as service
from graphql_api.services.invoicing.lines import LineDraft, RateTotal
from resolvers import relations
from resolvers.context import Info
from resolvers.downloads import specification_url
from resolvers.ids import decode_id, global_id, optional_id
from resolvers.loaders import Registration as RegistrationRow
from resolvers.permissions import MANAGERS
from schema.domain.types import Customer, Project, Registration
from schema.errors import ConflictError, InvalidInputError, NotFoundError, WefactConnectionError
from schema.proof.types import InvoiceAttachment
from schema.relay import Node
from schema.runs.types import Run, RunCount, RunProblem, run_counts, run_problems
from schema.views import computed, result_type, row_type, to_one
from schema.wefact.types import InvoiceGrouping

# ---------------------------------------------------------------- inputs


@strawberry.input(description="How to invoice; fields left out take the WeFact settings.")
class InvoiceOptionsInput:
    mode: models.InvoiceMode | None = strawberry.field(
        default=None, description="CONCEPT (default setting), BOOK or SEND."
    )
    group_by: InvoiceGrouping | None = strawberry.field(
        default=None,
        description="How hours combine into lines; entries with different rates never share one.",
    )
    per_project: bool = strawberry.field(
        default=False, description="One invoice per project instead of one per customer."
    )
    invoice_date: dt.date | None = strawberry.field(
        default=None, description="Invoice date; today (Netherlands) when left out."
    )
    term_days: int | None = strawberry.field(
        default=None,
        description="Payment term in days (0–365); else the customer's, else the settings', "
        "else the debtor's term in WeFact.",
    )
    reference: str | None = strawberry.field(
        default=None,
        description="The customer's reference (e.g. a purchase order), shown on the invoice.",
    )
    description: str | None = strawberry.field(
        default=None, description="Text shown on the invoice above the lines."
    )
    hours_specification: bool | None = strawberry.field(
        default=None,
        description="Attach the hours specification (a PDF of every registration, grouped as "
        "the lines are) to each invoice in WeFact, before it is booked or e-mailed; left out: "
        "the settings' hoursSpecification.",
    )
    attach_receipts: bool | None = strawberry.field(
        default=None,
        description="Attach the receipts of the invoiced expenses too; left out: the "
        "settings' attachReceipts.",
    )

    def options(self) -> service.InvoiceOptions:
        """The service's options."""
        return service.InvoiceOptions(
            mode=self.mode,
            group_by=service.GroupBy(self.group_by.value) if self.group_by else None,
            per_project=self.per_project,
            invoice_date=self.invoice_date,
            term_days=self.term_days,
            reference=self.reference,
            description=self.description,
            hours_specification=self.hours_specification,
            attach_receipts=self.attach_receipts,
        )


def invoice_options(value: InvoiceOptionsInput | None) -> service.InvoiceOptions:
    """The service's options; the settings' defaults when none were given."""
    return value.options() if value is not None else service.InvoiceOptions()


@strawberry.input(description="The invoice to undo.")
class ReleaseInvoiceInput:
    id: strawberry.ID = strawberry.field(description="Global id of the invoice.")
    reason: str | None = strawberry.field(
        default=None, description="Why, kept on the invoice record."
    )
    undone_in_provider: bool = strawberry.field(
        default=False,
        description="Only after a CONNECTION_GONE refusal: you deleted or credited the "
        "invoice in WeFact/HostFact yourself, so its registrations open again without a call.",
    )


@strawberry.input(description="The invoice run to resume.")
class ResumeInvoiceRunInput:
    id: strawberry.ID = strawberry.field(description="Global id of the invoice run.")


@strawberry.input(description="Which invoices.")
class InvoiceFilter:
    statuses: list[models.InvoiceStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Invoices of this customer."
    )
    run_id: strawberry.ID | None = strawberry.field(
        default=None, description="Invoices made by this invoice run."
    )
    date_from: dt.date | None = strawberry.field(
        default=None, description="Invoice date on or after."
    )
    date_to: dt.date | None = strawberry.field(
        default=None, description="Invoice date on or before."
    )

    def criteria(self) -> service.InvoiceFilter:
        """The service's filter, ids decoded."""
        return service.InvoiceFilter(
            statuses=tuple(self.statuses or ()),
            customer_id=optional_id(self.customer_id, "Customer", field="customerId"),
            run_id=run_pk(self.run_id, field="runId") if self.run_id else None,
            date_from=self.date_from,
            date_to=self.date_to,
        )


def run_pk(value: str, *, field: str = "id") -> int:
    """An invoice run's primary key from its InvoiceRun or (generic) Run id."""
    return decode_id(value, ("InvoiceRun", "Run"), field=field)


# ---------------------------------------------------------------- preview


@result_type(
    service.SelectionProblem,
    description="Why (part of) the selection cannot be invoiced, or a notice.",
)
class InvoiceProblem:
    code: service.ProblemCode = strawberry.field(description="What kind of problem.")
    message: str = strawberry.field(description="What is wrong and what to do.")

    @computed("registration", description="The registration it is about (as you sent it), if any.")
    @staticmethod
    def registration_id(root: Parent[service.SelectionProblem]) -> strawberry.ID | None:
        return strawberry.ID(root.registration) if root.registration else None

    blocking: bool = strawberry.field(
        description="True when invoiceInWefact refuses the selection until this is fixed."
    )
    customer = to_one(
        models.Customer, "customer_id", Customer, nullable=True,
        description="The customer it is about, if any.",
    )


@result_type(RateTotal, description="Totals of the lines with one VAT rate.")
class VatTotal:
    tax_percentage: Decimal | None = strawberry.field(
        name="vatPercentage", description="The VAT rate of the lines' product."
    )
    amount_excl: Decimal = strawberry.field(description="Sum of the line amounts.")
    amount_tax: Decimal = strawberry.field(
        name="amountVat", description="VAT: excl × rate, half-up to cents."
    )
    amount_incl: Decimal = strawberry.field(description="Excl. plus VAT.")


@result_type(LineDraft, description="A line an invoice would get.")
class InvoiceLinePreview:
    position: int = strawberry.field(description="1-based order on the invoice.")
    kind: models.LineKind = strawberry.field(description="Hours, expense or trip.")
    product_code: str = strawberry.field(description="WeFact product: VAT and revenue category.")
    description: str = strawberry.field(description="Line text.")
    quantity: Decimal = strawberry.field(description="Hours, units or km.")
    unit_price: Decimal = strawberry.field(description="Price per unit excl. VAT.")
    amount: Decimal = strawberry.field(description="Quantity × unit price, half-up to cents.")
    tax_percentage: Decimal | None = strawberry.field(
        name="vatPercentage", description="The product's VAT rate, from the cached product list."
    )
    period_start: dt.date = strawberry.field(description="First day the line covers.")
    period_end: dt.date = strawberry.field(description="Last day the line covers.")

    @computed("covers", description="The registrations the line covers.")
    @staticmethod
    def registration_ids(root: Parent[LineDraft]) -> list[strawberry.ID]:
        return [strawberry.ID(global_id(key.kind.value, key.pk)) for key in root.covers]


@result_type(service.InvoiceDraft, description="An invoice invoiceInWefact would make.")
class InvoicePreviewItem:
    invoice_date: dt.date = strawberry.field(description="Invoice date.")
    term_days: int | None = strawberry.field(
        description="Payment term; null uses the debtor's term in WeFact."
    )
    lines: list[LineDraft] = strawberry.field(
        graphql_type=list[InvoiceLinePreview], description="The lines, in order."
    )

    @computed("totals", description="Totals per VAT rate.", graphql_type=list[VatTotal])
    @staticmethod
    def vat_totals(root: Parent[service.InvoiceDraft]) -> list[RateTotal]:
        return list(root.totals.per_rate)

    @computed("totals", description="Total excl. VAT.")
    @staticmethod
    def amount_excl(root: Parent[service.InvoiceDraft]) -> Decimal:
        return root.totals.amount_excl

    @computed("totals", description="Total VAT.")
    @staticmethod
    def amount_vat(root: Parent[service.InvoiceDraft]) -> Decimal:
        return root.totals.amount_tax

    @computed("totals", description="Total incl. VAT.")
    @staticmethod
    def amount_incl(root: Parent[service.InvoiceDraft]) -> Decimal:
        return root.totals.amount_incl

    @computed(
        "customer",
        description="True when the customer has no customer number: WeFact creates the debtor.",
    )
    @staticmethod
    def customer_will_be_created(root: Parent[service.InvoiceDraft]) -> bool:
        return not root.customer.customer_number

    customer: models.Customer = strawberry.field(
        graphql_type=Customer, description="Who the invoice is for."
    )
    project: models.Project | None = strawberry.field(
        graphql_type=Project | None, description="The project, when invoicing per project."
    )
    attachments: list[str] = strawberry.field(
        description="The files it would get in WeFact, by name: the hours specification and "
        "the receipts of its expenses (as the options and settings choose)."
    )


@result_type(
    service.Selection, description="A dry run of invoiceInWefact: nothing was written anywhere."
)
class InvoicePreview:
    drafts: list[service.InvoiceDraft] = strawberry.field(
        name="invoices",
        graphql_type=list[InvoicePreviewItem],
        description="One per customer (or per project), by customer name.",
    )
    problems: list[service.SelectionProblem] = strawberry.field(
        graphql_type=list[InvoiceProblem], description="Every problem found."
    )
    mode: models.InvoiceMode = strawberry.field(description="The mode that would be used.")

    @computed("proof", description="Whether the hours specification would be attached.")
    @staticmethod
    def hours_specification(root: Parent[service.Selection]) -> bool:
        return root.proof.specification

    @computed("proof", description="Whether the expenses' receipts would be attached.")
    @staticmethod
    def attach_receipts(root: Parent[service.Selection]) -> bool:
        return root.proof.receipts

    @computed("group_by", description="The grouping that would be used.")
    @staticmethod
    def group_by(root: Parent[service.Selection]) -> InvoiceGrouping:
        return InvoiceGrouping(root.group_by.value)

    @computed(
        "problems",
        description="True when there is no blocking problem: invoiceInWefact would start.",
    )
    @staticmethod
    def can_invoice(root: Parent[service.Selection]) -> bool:
        return not root.blocking


# ---------------------------------------------------------------- records


_MANAGERS_ONLY = "Owners, admins and managers only."


@row_type(
    models.InvoiceLine,
    read=MANAGERS,
    description=f"A line of one of our invoices. {_MANAGERS_ONLY}",
)
class InvoiceLine:
    position: int = strawberry.field(description="1-based order on the invoice.")
    kind: models.LineKind = strawberry.field(description="What the line bills.")
    product_code: str | None = strawberry.field(description="WeFact product code.")
    description: str = strawberry.field(description="Line text.")
    quantity: Decimal = strawberry.field(description="Hours, units or km.")
    unit_price: Decimal = strawberry.field(description="Price per unit excl. VAT.")
    amount: Decimal = strawberry.field(description="Quantity × unit price, half-up to cents.")
    tax_percentage: Decimal | None = strawberry.field(
        name="vatPercentage", description="The product's VAT rate when the invoice was made."
    )
    period_start: dt.date | None = strawberry.field(description="First day the line covers.")
    period_end: dt.date | None = strawberry.field(description="Last day the line covers.")
    invoice = to_one(
        models.Invoice, "invoice_id", "Invoice", module="schema.invoicing.types",
        description="The invoice the line is on.",
    )

    @strawberry.field(
        graphql_type=list[Registration],
        description="The time entries, expenses and trips the line covers (by date).",
    )
    @staticmethod
    async def registrations(
        root: Parent[models.InvoiceLine], info: Info
    ) -> list[RegistrationRow]:
        return await relations.line_registrations(info, root.id)


@row_type(
    models.Invoice,
    read=MANAGERS,
    description="Our record of an invoice made (or being made) in WeFact/HostFact. "
    f"{_MANAGERS_ONLY}",
)
class Invoice(Node):
    id: NodeID[int]
    provider: models.Subscription = strawberry.field(description="WeFact or HostFact.")
    reference: str = strawberry.field(
        description="Our unique key, sent as the invoice's ReferenceNumber to find it again."
    )
    status: models.InvoiceStatus = strawberry.field(description="Where the invoice is.")
    mode: models.InvoiceMode = strawberry.field(description="CONCEPT, BOOK or SEND.")
    wefact_identifier: str | None = strawberry.field(
        description="WeFact's internal id of the invoice, once confirmed."
    )
    wefact_code: str | None = strawberry.field(
        description="The invoice number in WeFact ([concept]0001 style for concepts)."
    )
    wefact_status: int | None = strawberry.field(
        description="WeFact's status code (0 concept, 2 final: sent or booked, 3 partly paid, "
        "4 paid, 8/9 credited)."
    )
    debtor_code: str | None = strawberry.field(description="The debtor code invoiced.")
    invoice_date: dt.date = strawberry.field(description="Invoice date.")
    term_days: int | None = strawberry.field(description="Payment term sent, if any.")
    description: str | None = strawberry.field(description="Text above the lines.")
    customer_reference: str | None = strawberry.field(
        description="The customer's reference shown on the invoice."
    )
    amount_excl: Decimal = strawberry.field(
        description="Total excl. VAT: ours while pending, WeFact's once confirmed."
    )
    amount_tax: Decimal | None = strawberry.field(name="amountVat", description="Total VAT.")
    amount_incl: Decimal | None = strawberry.field(description="Total incl. VAT.")
    error: str | None = strawberry.field(
        description="Why it failed, or a notice about it (e.g. WeFact's total differs)."
    )
    released_reason: str | None = strawberry.field(
        description="Why its registrations were opened again (failed or released)."
    )
    status_changed_at: dt.datetime | None = strawberry.field(
        description="When the status last changed (made, synced from WeFact, released)."
    )
    paid_at: dt.date | None = strawberry.field(
        description="When WeFact reported it paid (the status sync), if it is."
    )
    created_at: dt.datetime = strawberry.field(description="When it was recorded.")
    updated_at: dt.datetime = strawberry.field(description="When it last changed.")
    customer = to_one(
        models.Customer, "customer_id", Customer, description="Who the invoice is for."
    )
    project = to_one(
        models.Project, "project_id", Project, nullable=True,
        description="The project, when invoiced per project.",
    )
    attach_specification: bool = strawberry.field(
        name="hoursSpecification",
        description="Whether it carries the hours specification (attached in WeFact before "
        "it is booked or e-mailed).",
    )
    attach_receipts: bool = strawberry.field(
        description="Whether it carries the receipts of its expenses."
    )

    @computed(
        "id",
        description="Where to download its hours specification (PDF, rendered from our records "
        "now): GET this path on the API's host with 'Authorization: Bearer <token>' (owners, "
        "admins and managers). Any invoice has one, attached in WeFact or not.",
    )
    @staticmethod
    def hours_specification_url(root: Parent[models.Invoice]) -> str:
        return specification_url(root.id)

    @strawberry.field(
        graphql_type=list[InvoiceAttachment],
        description="The files it gets in WeFact (specification, receipts) and how far "
        "attaching each got.",
    )
    @staticmethod
    async def attachments(
        root: Parent[models.Invoice], info: Info
    ) -> list[models.InvoiceAttachment]:
        return await relations.invoice_attachments(info, root.id)

    @strawberry.field(graphql_type=list[InvoiceLine], description="The lines, in order.")
    @staticmethod
    async def lines(root: Parent[models.Invoice], info: Info) -> list[models.InvoiceLine]:
        return await relations.invoice_lines(info, root.id)

    @strawberry.field(
        graphql_type=Annotated["InvoiceRun", strawberry.lazy("schema.invoicing.types")] | None,
        description="The invoice run that made it.",
    )
    @staticmethod
    async def run(root: Parent[models.Invoice], info: Info) -> models.Run | None:
        return await relations.invoice_run(info, root.run_id)


@row_type(
    models.Run,
    kind=("kind", models.RunKind.INVOICE),
    read=MANAGERS,
    description=(
        "One invoiceInWefact: its progress and the invoices it makes. The same run is also a "
        "generic `Run` (see `run`) to follow with `runProgress`. Owners, admins and managers "
        "only."
    ),
)
class InvoiceRun(Node):
    id: NodeID[int]
    status: models.RunStatus = strawberry.field(
        description="QUEUED, RUNNING, SUCCEEDED, PARTIAL (some invoices failed) or FAILED "
        "(stopped: see problems; resume with resumeInvoiceRun)."
    )
    progress_done: int = strawberry.field(description="Invoices finished (made or failed).")
    progress_total: int | None = strawberry.field(description="Invoices in the run.")

    @computed("counts", description="invoiced, failed, notSent (released before reaching WeFact).")
    @staticmethod
    def counts(root: Parent[models.Run]) -> list[RunCount]:
        return run_counts(root)

    @computed("problems", description="What went wrong, per customer, and what to do.")
    @staticmethod
    def problems(root: Parent[models.Run]) -> list[RunProblem]:
        return run_problems(root)

    attempts: int = strawberry.field(description="How often the run was started or resumed.")
    created_at: dt.datetime = strawberry.field(description="When invoicing was requested.")
    started_at: dt.datetime | None = strawberry.field(description="When work first started.")
    finished_at: dt.datetime | None = strawberry.field(description="When the run ended.")

    @strawberry.field(
        graphql_type=list[Invoice],
        description="The invoices of the run, in the order they are made.",
    )
    @staticmethod
    async def invoices(root: Parent[models.Run], info: Info) -> list[models.Invoice]:
        return await relations.run_invoices(info, root.id)

    @strawberry.field(
        graphql_type=Run, description="The same run as a generic Run (for `runProgress`)."
    )
    @staticmethod
    def run(root: Parent[models.Run]) -> models.Run:
        return root


InvoiceInWefactResult = Annotated[
    InvoiceRun | InvalidInputError | ConflictError | WefactConnectionError,
    strawberry.union(
        "InvoiceInWefactResult",
        description="The run (finished, or in progress after a few seconds), or why not.",
    ),
]
ReleaseInvoiceResult = Annotated[
    Invoice | NotFoundError | ConflictError | WefactConnectionError,
    strawberry.union("ReleaseInvoiceResult", description="The released invoice, or why not."),
]
ResumeInvoiceRunResult = Annotated[
    InvoiceRun | NotFoundError | ConflictError,
    strawberry.union("ResumeInvoiceRunResult", description="The resumed run, or why not."),
]
