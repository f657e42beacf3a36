"""GraphQL types of invoicing in WeFact: preview, invoices, lines, invoice runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from graphql_api import models
from graphql_api.services import invoicing as service
from graphql_api.services.invoicing.lines import Totals
from schema.errors import ConflictError, InvalidInputError, NotFoundError
from schema.relay import Node, to_global_id
from schema.runs.types import RunCount, RunProblem, RunStatus, run_counts, run_problems
from schema.wefact.types import (
    InvoiceGrouping,
    InvoiceMode,
    WefactConnectionError,
    WefactSubscription,
)

if TYPE_CHECKING:
    from schema.domain.types import Customer, Project, Registration
    from schema.runs.types import Run

CustomerRef = Annotated["Customer", strawberry.lazy("schema.domain.types")]
ProjectRef = Annotated["Project", strawberry.lazy("schema.domain.types")]
RegistrationRef = Annotated["Registration", strawberry.lazy("schema.domain.types")]
RunRef = Annotated["Run", strawberry.lazy("schema.runs.types")]

InvoiceStatus = strawberry.enum(
    models.InvoiceStatus,
    description=(
        "PENDING: recorded, registrations reserved, WeFact not confirmed yet. CONCEPT, SENT, "
        "PARTLY_PAID, PAID, CREDITED: as WeFact reported. FAILED: WeFact refused it (or it "
        "was never sent); its registrations are open again. RELEASED: undone with "
        "releaseInvoice; its registrations are open again."
    ),
)
InvoiceLineKind = strawberry.enum(models.LineKind, description="What an invoice line bills.")
InvoiceProblemCode = strawberry.enum(
    service.ProblemCode,
    description=(
        "Why registrations cannot be invoiced (blocking), or what will happen on the way "
        "(CUSTOMER_WILL_BE_CREATED, not blocking)."
    ),
)


# ---------------------------------------------------------------- inputs


@strawberry.input(description="How to invoice; fields left out take the WeFact settings.")
class InvoiceOptionsInput:
    mode: InvoiceMode | None = strawberry.field(  # type: ignore[valid-type]
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


@strawberry.input(description="Registrations to invoice in WeFact.")
class InvoiceInWefactInput:
    ids: list[strawberry.ID] = strawberry.field(
        description="Global ids of time entries, expenses and trips, mixed (at most 1000)."
    )
    options: InvoiceOptionsInput | None = strawberry.field(
        default=None, description="How to invoice."
    )


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
    statuses: list[InvoiceStatus] | None = strawberry.field(  # type: ignore[valid-type]
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


# ---------------------------------------------------------------- preview


@strawberry.type(description="Why (part of) the selection cannot be invoiced, or a notice.")
class InvoiceProblem:
    code: InvoiceProblemCode = strawberry.field(description="What kind of problem.")  # type: ignore[valid-type]
    message: str = strawberry.field(description="What is wrong and what to do.")
    registration_id: strawberry.ID | None = strawberry.field(
        description="The registration it is about (as you sent it), if any."
    )
    blocking: bool = strawberry.field(
        description="True when invoiceInWefact refuses the selection until this is fixed."
    )
    customer_pk: strawberry.Private[int | None]

    @strawberry.field(description="The customer it is about, if any.")
    async def customer(self, info: strawberry.Info) -> CustomerRef | None:
        from resolvers.invoicing import resolve_customer

        return await resolve_customer(info, self.customer_pk)

    @classmethod
    def from_service(cls, problem: service.SelectionProblem) -> InvoiceProblem:
        return cls(
            code=problem.code,
            message=problem.message,
            registration_id=strawberry.ID(problem.registration) if problem.registration else None,
            blocking=problem.blocking,
            customer_pk=problem.customer_id,
        )


@strawberry.type(description="Totals of the lines with one VAT rate.")
class VatTotal:
    vat_percentage: Decimal | None = strawberry.field(
        description="The VAT rate of the lines' product."
    )
    amount_excl: Decimal = strawberry.field(description="Sum of the line amounts.")
    amount_vat: Decimal = strawberry.field(description="VAT: excl × rate, half-up to cents.")
    amount_incl: Decimal = strawberry.field(description="Excl. plus VAT.")


@strawberry.type(description="A line an invoice would get.")
class InvoiceLinePreview:
    position: int = strawberry.field(description="1-based order on the invoice.")
    kind: InvoiceLineKind = strawberry.field(description="Hours, expense or trip.")  # type: ignore[valid-type]
    product_code: str = strawberry.field(description="WeFact product: VAT and revenue category.")
    description: str = strawberry.field(description="Line text.")
    quantity: Decimal = strawberry.field(description="Hours, units or km.")
    unit_price: Decimal = strawberry.field(description="Price per unit excl. VAT.")
    amount: Decimal = strawberry.field(description="Quantity × unit price, half-up to cents.")
    vat_percentage: Decimal | None = strawberry.field(
        description="The product's VAT rate, from the cached product list."
    )
    period_start: dt.date = strawberry.field(description="First day the line covers.")
    period_end: dt.date = strawberry.field(description="Last day the line covers.")
    registration_ids: list[strawberry.ID] = strawberry.field(
        description="The registrations the line covers."
    )


@strawberry.type(description="An invoice invoiceInWefact would make.")
class InvoicePreviewItem:
    invoice_date: dt.date = strawberry.field(description="Invoice date.")
    term_days: int | None = strawberry.field(
        description="Payment term; null uses the debtor's term in WeFact."
    )
    lines: list[InvoiceLinePreview] = strawberry.field(description="The lines, in order.")
    vat_totals: list[VatTotal] = strawberry.field(description="Totals per VAT rate.")
    amount_excl: Decimal = strawberry.field(description="Total excl. VAT.")
    amount_vat: Decimal = strawberry.field(description="Total VAT.")
    amount_incl: Decimal = strawberry.field(description="Total incl. VAT.")
    customer_will_be_created: bool = strawberry.field(
        description="True when the customer has no customer number: WeFact creates the debtor."
    )
    customer_pk: strawberry.Private[int]
    project_pk: strawberry.Private[int | None]

    @strawberry.field(description="Who the invoice is for.")
    async def customer(self, info: strawberry.Info) -> CustomerRef:
        from resolvers.invoicing import resolve_customer

        found = await resolve_customer(info, self.customer_pk)
        assert found is not None
        return found

    @strawberry.field(description="The project, when invoicing per project.")
    async def project(self, info: strawberry.Info) -> ProjectRef | None:
        from resolvers.invoicing import resolve_project

        return await resolve_project(info, self.project_pk)


@strawberry.type(description="A dry run of invoiceInWefact: nothing was written anywhere.")
class InvoicePreview:
    invoices: list[InvoicePreviewItem] = strawberry.field(
        description="One per customer (or per project), by customer name."
    )
    problems: list[InvoiceProblem] = strawberry.field(description="Every problem found.")
    mode: InvoiceMode = strawberry.field(description="The mode that would be used.")  # type: ignore[valid-type]
    group_by: InvoiceGrouping = strawberry.field(description="The grouping that would be used.")
    can_invoice: bool = strawberry.field(
        description="True when there is no blocking problem: invoiceInWefact would start."
    )


def _vat_totals(totals: Totals) -> list[VatTotal]:
    return [
        VatTotal(
            vat_percentage=rate.tax_percentage,
            amount_excl=rate.amount_excl,
            amount_vat=rate.amount_tax,
            amount_incl=rate.amount_incl,
        )
        for rate in totals.per_rate
    ]


def preview_from_service(selection: service.Selection) -> InvoicePreview:
    """The GraphQL view of a checked selection."""
    invoices = []
    for draft in selection.drafts:
        invoices.append(
            InvoicePreviewItem(
                invoice_date=draft.invoice_date,
                term_days=draft.term_days,
                lines=[
                    InvoiceLinePreview(
                        position=line.position,
                        kind=line.kind,
                        product_code=line.product_code,
                        description=line.description,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        amount=line.amount,
                        vat_percentage=line.tax_percentage,
                        period_start=line.period_start,
                        period_end=line.period_end,
                        registration_ids=[to_global_id(k.kind.value, k.pk) for k in line.covers],
                    )
                    for line in draft.lines
                ],
                vat_totals=_vat_totals(draft.totals),
                amount_excl=draft.totals.amount_excl,
                amount_vat=draft.totals.amount_tax,
                amount_incl=draft.totals.amount_incl,
                customer_will_be_created=not draft.customer.customer_number,
                customer_pk=draft.customer.id,
                project_pk=draft.project.id if draft.project else None,
            )
        )
    return InvoicePreview(
        invoices=invoices,
        problems=[InvoiceProblem.from_service(p) for p in selection.problems],
        mode=selection.mode,
        group_by=InvoiceGrouping(selection.group_by.value),
        can_invoice=not selection.blocking,
    )


# ---------------------------------------------------------------- records


@strawberry.type(description="A line of one of our invoices.")
class InvoiceLine:
    position: int = strawberry.field(description="1-based order on the invoice.")
    kind: InvoiceLineKind = strawberry.field(description="What the line bills.")  # type: ignore[valid-type]
    product_code: str | None = strawberry.field(description="WeFact product code.")
    description: str = strawberry.field(description="Line text.")
    quantity: Decimal = strawberry.field(description="Hours, units or km.")
    unit_price: Decimal = strawberry.field(description="Price per unit excl. VAT.")
    amount: Decimal = strawberry.field(description="Quantity × unit price, half-up to cents.")
    vat_percentage: Decimal | None = strawberry.field(
        description="The product's VAT rate when the invoice was made."
    )
    period_start: dt.date | None = strawberry.field(description="First day the line covers.")
    period_end: dt.date | None = strawberry.field(description="Last day the line covers.")
    pk: strawberry.Private[int]
    invoice_pk: strawberry.Private[int]

    @strawberry.field(description="The invoice the line is on.")
    async def invoice(self, info: strawberry.Info) -> Invoice:
        from resolvers.invoicing import resolve_invoice

        found = await resolve_invoice(info, self.invoice_pk)
        assert found is not None
        return found

    @strawberry.field(
        description="The time entries, expenses and trips the line covers (by date)."
    )
    async def registrations(self, info: strawberry.Info) -> list[RegistrationRef]:
        from resolvers.invoicing import resolve_line_registrations

        return await resolve_line_registrations(info, self.pk)

    @classmethod
    def from_model(cls, row: models.InvoiceLine) -> InvoiceLine:
        return cls(
            position=row.position,
            kind=row.kind,
            product_code=row.product_code,
            description=row.description,
            quantity=row.quantity,
            unit_price=row.unit_price,
            amount=row.amount,
            vat_percentage=row.tax_percentage,
            period_start=row.period_start,
            period_end=row.period_end,
            pk=row.id,
            invoice_pk=row.invoice_id,
        )


@strawberry.type(description="Our record of an invoice made (or being made) in WeFact/HostFact.")
class Invoice(Node):
    provider: WefactSubscription = strawberry.field(description="WeFact or HostFact.")  # type: ignore[valid-type]
    reference: str = strawberry.field(
        description="Our unique key, sent as the invoice's ReferenceNumber to find it again."
    )
    status: InvoiceStatus = strawberry.field(description="Where the invoice is.")  # type: ignore[valid-type]
    mode: InvoiceMode = strawberry.field(description="CONCEPT, BOOK or SEND.")  # type: ignore[valid-type]
    wefact_identifier: str | None = strawberry.field(
        description="WeFact's internal id of the invoice, once confirmed."
    )
    wefact_code: str | None = strawberry.field(
        description="The invoice number in WeFact ([concept]0001 style for concepts)."
    )
    wefact_status: int | None = strawberry.field(
        description="WeFact's status code (0 concept, 2 sent, 3 partly paid, 4 paid, 9 credited)."
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
    amount_vat: Decimal | None = strawberry.field(description="Total VAT.")
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
    pk: strawberry.Private[int]
    customer_pk: strawberry.Private[int]
    project_pk: strawberry.Private[int | None]
    run_pk: strawberry.Private[int | None]

    @strawberry.field(description="Who the invoice is for.")
    async def customer(self, info: strawberry.Info) -> CustomerRef:
        from resolvers.invoicing import resolve_customer

        found = await resolve_customer(info, self.customer_pk)
        assert found is not None
        return found

    @strawberry.field(description="The project, when invoiced per project.")
    async def project(self, info: strawberry.Info) -> ProjectRef | None:
        from resolvers.invoicing import resolve_project

        return await resolve_project(info, self.project_pk)

    @strawberry.field(description="The lines, in order.")
    async def lines(self, info: strawberry.Info) -> list[InvoiceLine]:
        from resolvers.invoicing import resolve_invoice_lines

        return await resolve_invoice_lines(info, self.pk)

    @strawberry.field(description="The invoice run that made it.")
    async def run(self, info: strawberry.Info) -> InvoiceRun | None:
        from resolvers.invoicing import resolve_invoice_run

        return await resolve_invoice_run(info, self.run_pk)

    @classmethod
    def from_model(cls, row: models.Invoice) -> Invoice:
        return cls(
            id=to_global_id("Invoice", row.id),
            provider=row.provider,
            reference=row.reference,
            status=row.status,
            mode=row.mode,
            wefact_identifier=row.wefact_identifier,
            wefact_code=row.wefact_code,
            wefact_status=row.wefact_status,
            debtor_code=row.debtor_code,
            invoice_date=row.invoice_date,
            term_days=row.term_days,
            description=row.description,
            customer_reference=row.customer_reference,
            amount_excl=row.amount_excl,
            amount_vat=row.amount_tax,
            amount_incl=row.amount_incl,
            error=row.error,
            released_reason=row.released_reason,
            status_changed_at=row.status_changed_at,
            paid_at=row.paid_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
            pk=row.id,
            customer_pk=row.customer_id,
            project_pk=row.project_id,
            run_pk=row.run_id,
        )


@strawberry.type(
    description=(
        "One invoiceInWefact: its progress and the invoices it makes. The same run is also a "
        "generic `Run` (see `run`) to follow with `runProgress`."
    )
)
class InvoiceRun(Node):
    status: RunStatus = strawberry.field(  # type: ignore[valid-type]
        description="QUEUED, RUNNING, SUCCEEDED, PARTIAL (some invoices failed) or FAILED "
        "(stopped: see problems; resume with resumeInvoiceRun)."
    )
    progress_done: int = strawberry.field(description="Invoices finished (made or failed).")
    progress_total: int | None = strawberry.field(description="Invoices in the run.")
    counts: list[RunCount] = strawberry.field(
        description="invoiced, failed, notSent (released before reaching WeFact)."
    )
    problems: list[RunProblem] = strawberry.field(
        description="What went wrong, per customer, and what to do."
    )
    attempts: int = strawberry.field(description="How often the run was started or resumed.")
    created_at: dt.datetime = strawberry.field(description="When invoicing was requested.")
    started_at: dt.datetime | None = strawberry.field(description="When work first started.")
    finished_at: dt.datetime | None = strawberry.field(description="When the run ended.")
    pk: strawberry.Private[int]

    @strawberry.field(description="The invoices of the run, in the order they are made.")
    async def invoices(self, info: strawberry.Info) -> list[Invoice]:
        from resolvers.invoicing import resolve_run_invoices

        return await resolve_run_invoices(info, self.pk)

    @strawberry.field(description="The same run as a generic Run (for `runProgress`).")
    async def run(self, info: strawberry.Info) -> RunRef:
        from resolvers.invoicing import load_run
        from schema.runs.types import Run

        row = await load_run(info, self.pk)
        return Run.from_model(row)

    @classmethod
    def from_model(cls, row: models.Run) -> InvoiceRun:
        return cls(
            id=to_global_id("InvoiceRun", row.id),
            status=row.status,
            progress_done=row.progress_done,
            progress_total=row.progress_total,
            counts=run_counts(row),
            problems=run_problems(row),
            attempts=row.attempts,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            pk=row.id,
        )


def invoice_run_node(row: models.Run) -> Node | None:
    """``node(id:)`` for InvoiceRun ids: only runs of kind INVOICE are invoice runs."""
    if row.kind is not models.RunKind.INVOICE:
        return None
    return InvoiceRun.from_model(row)


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
