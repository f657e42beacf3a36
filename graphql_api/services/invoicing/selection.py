"""From selected registration ids to invoice drafts and problems (shared by preview and run).

Loads everything with a handful of ``IN`` queries (no query per registration), checks every
rule, and groups what can be invoiced per customer (or per customer and project).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ARRAY, BigInteger, any_, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import NOT_ACTIVATED_MESSAGE, InvalidInput
from graphql_api.models import (
    Activity,
    BillingMethod,
    Customer,
    Expense,
    ExpenseCategory,
    ExpenseReceipt,
    InvoiceMode,
    Project,
    RegistrationStatus,
    TimeEntry,
    Trip,
    User,
    WefactProduct,
    WefactSettings,
)
from graphql_api.services.invoicing.lines import (
    Billable,
    GroupBy,
    LineDraft,
    RegKey,
    RegKind,
    Totals,
    build_lines,
    stored_templates,
    totals,
)
from graphql_api.services.invoicing.proof import ProofChoice, planned_files, proof_choice

MAX_SELECTION = 1000
"""Registrations per request: enough for a month of a busy team, bounded for one transaction."""

MODELS: dict[RegKind, type[TimeEntry] | type[Expense] | type[Trip]] = {
    RegKind.TIME_ENTRY: TimeEntry,
    RegKind.EXPENSE: Expense,
    RegKind.TRIP: Trip,
}

Row = TimeEntry | Expense | Trip


@dataclass(frozen=True)
class RegistrationRef:
    """A selected id as decoded by the caller; ``kind`` None for ids that are no registration."""

    kind: RegKind | None
    pk: int
    label: str


@dataclass(frozen=True)
class InvoiceOptions:
    """What ``invoiceInWefact`` may choose; None takes the workspace's WeFact defaults."""

    mode: InvoiceMode | None = None
    group_by: GroupBy | None = None
    per_project: bool = False
    invoice_date: dt.date | None = None
    term_days: int | None = None
    reference: str | None = None
    description: str | None = None
    hours_specification: bool | None = None
    """Attach the hours specification (PDF); None: the workspace's default."""
    attach_receipts: bool | None = None
    """Attach the receipts of the invoiced expenses; None: the workspace's default."""


class ProblemCode(enum.Enum):
    """Why (part of) a selection cannot be invoiced, or what will happen on the way."""

    NOT_FOUND = "NOT_FOUND"
    ALREADY_INVOICED = "ALREADY_INVOICED"
    NOT_BILLABLE = "NOT_BILLABLE"
    FIXED_PRICE_PROJECT = "FIXED_PRICE_PROJECT"
    SUBSCRIPTION_PROJECT = "SUBSCRIPTION_PROJECT"
    NO_PRODUCT = "NO_PRODUCT"
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
    NOT_ACTIVATED = "NOT_ACTIVATED"
    NOTHING_SELECTED = "NOTHING_SELECTED"
    CUSTOMER_WILL_BE_CREATED = "CUSTOMER_WILL_BE_CREATED"


# Problems that only inform: the invoice can still be made.
WARNINGS = frozenset({ProblemCode.CUSTOMER_WILL_BE_CREATED})


@dataclass(frozen=True)
class SelectionProblem:
    """One problem; ``registration`` is the caller's id, ``customer_id`` our key."""

    code: ProblemCode
    message: str
    registration: str | None = None
    customer_id: int | None = None

    @property
    def blocking(self) -> bool:
        """True when the selection cannot be invoiced until this is fixed."""
        return self.code not in WARNINGS


@dataclass
class InvoiceDraft:
    """One invoice that would be made."""

    customer: Customer
    project: Project | None
    lines: list[LineDraft]
    totals: Totals
    invoice_date: dt.date
    term_days: int | None
    description: str | None
    reference: str | None
    attachments: list[str] = field(default_factory=list)
    """The files it would get in WeFact (issue 17), by name."""

    @property
    def keys(self) -> list[RegKey]:
        """Every registration the invoice covers."""
        return [key for line in self.lines for key in line.covers]


@dataclass
class Selection:
    """The outcome of checking a selection."""

    drafts: list[InvoiceDraft]
    problems: list[SelectionProblem]
    mode: InvoiceMode
    group_by: GroupBy
    settings: WefactSettings | None
    rows: dict[RegKey, Row] = field(default_factory=dict)
    proof: ProofChoice = field(default_factory=ProofChoice)
    """What the invoices carry as proof (the options, else the workspace's defaults)."""

    @property
    def blocking(self) -> list[SelectionProblem]:
        """Problems that stop the selection from being invoiced."""
        return [p for p in self.problems if p.blocking]


INVOICE_TIME_ZONE = ZoneInfo("Europe/Amsterdam")
"""WeFact administrations are Dutch: "today" on an invoice is today in the Netherlands."""


def local_today() -> dt.date:
    """The default invoice date."""
    return dt.datetime.now(INVOICE_TIME_ZONE).date()


def check_options(options: InvoiceOptions) -> None:
    """Reject option values WeFact would refuse, naming the option."""
    if options.term_days is not None and not 0 <= options.term_days <= 365:
        raise InvalidInput("The payment term is 0 to 365 days.", field="termDays")
    if options.reference is not None and len(options.reference.strip()) > 200:
        raise InvalidInput("The reference is at most 200 characters.", field="reference")
    if options.description is not None and len(options.description) > 2000:
        raise InvalidInput("The description is at most 2000 characters.", field="description")


async def _by_ids(
    session: AsyncSession, model: Any, ids: set[int], workspace_id: int, *, lock: bool = False
) -> dict[int, Any]:
    if not ids:
        return {}
    # One array parameter instead of one per id (a selection has up to 1000 registrations).
    stmt = select(model).where(
        model.id == any_(literal(sorted(ids), ARRAY(BigInteger))),
        model.workspace_id == workspace_id,
    )
    if lock:
        # Id order, so two requests locking overlapping rows never deadlock.
        stmt = stmt.order_by(model.id).with_for_update()
    return {row.id: row for row in await session.scalars(stmt)}


def _entry_text(project: Project, activity: Activity | None, notes: str | None) -> str:
    text = " – ".join(part for part in (project.name, activity.name if activity else None) if part)
    return f"{text}: {notes.strip()}" if notes and notes.strip() else text


async def select_registrations(  # noqa: PLR0912, PLR0915 - one pass over all the rules reads best
    session: AsyncSession,
    workspace_id: int,
    refs: Sequence[RegistrationRef],
    options: InvoiceOptions,
    *,
    lock: bool = False,
    today: dt.date | None = None,
) -> Selection:
    """Check ``refs`` and build the drafts. ``lock``: lock the rows (the invoicing path)."""
    check_options(options)
    if len(refs) > MAX_SELECTION:
        raise InvalidInput(
            f"Select at most {MAX_SELECTION} registrations per invoice run.", field="ids"
        )
    settings = await session.scalar(
        select(WefactSettings).where(WefactSettings.workspace_id == workspace_id)
    )
    active = settings is not None and settings.active
    mode = options.mode or (settings.invoice_mode if settings else InvoiceMode.CONCEPT)
    group_by = options.group_by or GroupBy(settings.group_by if settings else "ENTRY")
    problems: list[SelectionProblem] = []
    if not active:
        problems.append(
            SelectionProblem(ProblemCode.NOT_ACTIVATED, NOT_ACTIVATED_MESSAGE)
        )
    if not refs:
        problems.append(
            SelectionProblem(ProblemCode.NOTHING_SELECTED, "Select at least one registration.")
        )

    # De-duplicate, keep the caller's order for messages.
    unique: dict[tuple[RegKind | None, int], RegistrationRef] = {}
    for ref in refs:
        unique.setdefault((ref.kind, ref.pk), ref)
    wanted: dict[RegKind, set[int]] = {kind: set() for kind in RegKind}
    for ref in unique.values():
        if ref.kind is not None:
            wanted[ref.kind].add(ref.pk)
    rows: dict[RegKey, Row] = {}
    for kind, model in MODELS.items():
        found = await _by_ids(session, model, wanted[kind], workspace_id, lock=lock)
        for pk, row in found.items():
            rows[RegKey(kind, pk)] = row

    projects = await _by_ids(session, Project, {r.project_id for r in rows.values()}, workspace_id)
    customers = await _by_ids(
        session, Customer, {p.customer_id for p in projects.values()}, workspace_id
    )
    entries = [r for r in rows.values() if isinstance(r, TimeEntry)]
    expenses_rows = [r for r in rows.values() if isinstance(r, Expense)]
    activities = await _by_ids(session, Activity, {e.activity_id for e in entries}, workspace_id)
    categories = await _by_ids(
        session, ExpenseCategory, {e.category_id for e in expenses_rows}, workspace_id
    )
    users = await _by_ids(session, User, {r.user_id for r in rows.values()}, workspace_id)
    products: dict[str, Decimal | None] = {
        p.code: p.tax_percentage
        for p in await session.scalars(
            select(WefactProduct).where(WefactProduct.workspace_id == workspace_id)
        )
    }
    default_product = settings.default_product_code if settings else None
    trip_product = (settings.trip_product_code if settings else None) or default_product

    billable: dict[tuple[int, int | None], dict[RegKind, list[Billable]]] = {}
    for ref in unique.values():
        key = RegKey(ref.kind, ref.pk) if ref.kind is not None else None
        row = rows.get(key) if key is not None else None
        if key is None or row is None:
            problems.append(
                SelectionProblem(
                    ProblemCode.NOT_FOUND,
                    f"There is no time entry, expense or trip with id {ref.label!r} in your "
                    "workspace.",
                    ref.label,
                )
            )
            continue
        project = projects[row.project_id]
        what = {RegKind.TIME_ENTRY: "time entry", RegKind.EXPENSE: "expense",
                RegKind.TRIP: "trip"}[key.kind]

        def problem(code: ProblemCode, message: str, *, label: str = ref.label,
                    customer: int = project.customer_id) -> None:
            problems.append(SelectionProblem(code, message, label, customer))

        if row.status is RegistrationStatus.INVOICED or row.invoice_line_id is not None:
            problem(
                ProblemCode.ALREADY_INVOICED,
                f"This {what} is already invoiced or reserved for an invoice being made.",
            )
            continue
        if project.billing_method is BillingMethod.FIXED_PRICE:
            problem(
                ProblemCode.FIXED_PRICE_PROJECT,
                f"This {what} belongs to fixed-price project {project.name!r}; fixed-price "
                "projects are invoiced by their instalments, not per registration.",
            )
            continue
        if project.billing_method is BillingMethod.SUBSCRIPTION:
            problem(
                ProblemCode.SUBSCRIPTION_PROJECT,
                f"This {what} belongs to subscription project {project.name!r}; subscriptions "
                "are invoiced per period, not per registration.",
            )
            continue
        if not row.billable:
            problem(ProblemCode.NOT_BILLABLE, f"This {what} is not billable.")
            continue
        user = users.get(row.user_id)
        if isinstance(row, TimeEntry):
            activity = activities.get(row.activity_id)
            own = activity.wefact_product_code if activity else None
            source = f"activity {activity.name!r}" if activity else "its activity"
            item_product = own or default_product
            description = _entry_text(project, activity, row.notes)
            quantity, price = row.hours, row.rate
        elif isinstance(row, Expense):
            category = categories.get(row.category_id)
            own = category.wefact_product_code if category else None
            source = f"expense category {category.name!r}" if category else "its category"
            item_product = own or default_product
            description = row.description
            quantity, price = row.quantity, row.unit_price
            activity = None
        else:
            source = "trips (the trip product)"
            item_product = trip_product
            description = f"{row.from_address} → {row.to_address}"
            quantity, price = row.distance_km, row.rate
            activity = None
        if not item_product:
            problem(
                ProblemCode.NO_PRODUCT,
                f"This {what} has no WeFact product: link a product to {source} or set a "
                "default product in the WeFact settings.",
            )
            continue
        if item_product not in products:
            problem(
                ProblemCode.UNKNOWN_PRODUCT,
                f"WeFact product {item_product!r} (used by this {what}) is no longer in the "
                "product list. Sync the products and link an existing one.",
            )
            continue
        group = (project.customer_id, project.id if options.per_project else None)
        billable.setdefault(group, {kind: [] for kind in RegKind})[key.kind].append(
            Billable(
                key=key,
                label=ref.label,
                date=row.date,
                quantity=quantity,
                price=price,
                product_code=item_product,
                description=description,
                project_id=project.id,
                project_name=project.name,
                activity_id=activity.id if activity else None,
                activity_name=activity.name if activity else None,
                user_id=row.user_id,
                user_name=user.name if user else None,
                notes=row.notes if isinstance(row, TimeEntry) else None,
            )
        )

    invoice_date = options.invoice_date or today or local_today()
    templates = stored_templates(settings.line_templates if settings else None)
    drafts: list[InvoiceDraft] = []
    for (customer_id, project_id), by_kind in sorted(
        billable.items(), key=lambda item: (customers[item[0][0]].name, item[0])
    ):
        customer = customers[customer_id]
        lines = build_lines(
            by_kind[RegKind.TIME_ENTRY], by_kind[RegKind.EXPENSE], by_kind[RegKind.TRIP],
            group_by=group_by, vat=products, templates=templates,
        )
        term = options.term_days
        if term is None:
            term = customer.payment_term_days
        if term is None and settings is not None:
            term = settings.payment_term_days
        drafts.append(
            InvoiceDraft(
                customer=customer,
                project=projects[project_id] if project_id is not None else None,
                lines=lines,
                totals=totals(lines),
                invoice_date=invoice_date,
                term_days=term,
                description=options.description,
                reference=(options.reference or "").strip() or None,
            )
        )
    for customer_id in dict.fromkeys(d.customer.id for d in drafts):
        customer = customers[customer_id]
        if not customer.customer_number:
            problems.append(
                SelectionProblem(
                    ProblemCode.CUSTOMER_WILL_BE_CREATED,
                    f"{customer.name} has no customer number: it will be created as a debtor "
                    "in WeFact, and the number WeFact gives it is stored here.",
                    customer_id=customer.id,
                )
            )
        elif not customer.wefact_debtor_code:
            problems.append(
                SelectionProblem(
                    ProblemCode.CUSTOMER_WILL_BE_CREATED,
                    f"{customer.name} is not linked to WeFact yet: debtor "
                    f"{customer.customer_number} is used, and created in WeFact if it does not "
                    "exist there.",
                    customer_id=customer.id,
                )
            )
    proof = proof_choice(options.hours_specification, options.attach_receipts, settings)
    await _plan_attachments(session, workspace_id, drafts, rows, proof)
    return Selection(
        drafts=drafts, problems=problems, mode=mode, group_by=group_by, settings=settings,
        rows=rows, proof=proof,
    )


async def _plan_attachments(
    session: AsyncSession,
    workspace_id: int,
    drafts: Sequence[InvoiceDraft],
    rows: dict[RegKey, Row],
    proof: ProofChoice,
) -> None:
    """Each draft's files, by name (one query for the receipts, only when they are asked)."""
    if not proof.any:
        return
    receipts: dict[int, str] = {}
    expense_ids = [key.pk for key in rows if key.kind is RegKind.EXPENSE]
    if proof.receipts and expense_ids:
        found = await session.execute(
            select(ExpenseReceipt.expense_id, ExpenseReceipt.content_type).where(
                ExpenseReceipt.workspace_id == workspace_id,
                ExpenseReceipt.expense_id.in_(expense_ids),
            )
        )
        receipts = dict(found.all())
    for draft in drafts:
        expenses = [
            (key.pk, rows[key].date, receipts[key.pk])
            for key in draft.keys
            if key.kind is RegKind.EXPENSE and key.pk in receipts
        ]
        draft.attachments = [
            f.filename for f in planned_files(proof, draft.invoice_date, expenses)
        ]
