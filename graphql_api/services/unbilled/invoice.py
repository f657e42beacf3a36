"""Invoice projects from the Unbilled report, on the invoicing engine's exactly-once machinery.

``start_unbilled_run`` does, in the caller's ONE transaction:

1. lock the selected projects (``SELECT … FOR UPDATE``, id order): a concurrent
   ``invoiceUnbilled`` for any of them waits here, then sees what this one billed;
2. read what is due with the report's own statement (``unbilled_rows``), after the lock;
3. hourly projects: their open billable registrations up to ``until`` go through the
   invoicing engine's ``select_registrations`` (locked, the same line rules and problems);
4. fixed price: one line for the amount due, with the project's product (else the default
   product); subscription: one line per due period with its dates;
5. record the run, its invoices (PENDING) and lines, reserve the registrations (the engine's
   ``reserve``), and move ``subscription_billed_until`` past the billed periods.

The engine's job (``perform_invoice_run``) then makes the invoices in WeFact exactly as for
``invoiceInWefact``: lookup by reference before any retry, resume, failures releasing.

Nothing due for the selection: ``InvalidInput`` code NOTHING_TO_INVOICE (so a second call
for the same date bills nothing and says so).

Undo: when an invoice is released or fails, ``reopen.reopen_subscription_periods`` (called from the
engine's ``release_registrations``) moves ``subscription_billed_until`` back to the day
before its earliest period — unless a later period of the project is still on a live
invoice. Then the column stays, and the released periods are found as "released and not
covered by a live invoice" by the report instead (``report.released_periods``), so they are
due again either way: never billed twice, never skipped. A fixed price needs no such step:
what was invoiced is always summed from the live lines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graphql_api.errors import (
    NOT_ACTIVATED_MESSAGE,
    Conflict,
    GeneralCode,
    InvalidInput,
    InvoicingCode,
    NotActivated,
)
from graphql_api.jobs import start_run
from graphql_api.models import (
    Customer,
    LineKind,
    Project,
    Run,
    RunKind,
    WefactProduct,
    WefactSettings,
)
from graphql_api.models.domain import OPEN_BILLABLE
from graphql_api.services.invoicing.create import record_invoices, selection_error
from graphql_api.services.invoicing.lines import LineDraft, RegKey, RegKind, totals
from graphql_api.services.invoicing.proof import proof_choice
from graphql_api.services.invoicing.selection import (
    MAX_SELECTION,
    MODELS,
    InvoiceDraft,
    InvoiceOptions,
    RegistrationRef,
    check_options,
    local_today,
    select_registrations,
)
from graphql_api.services.unbilled.periods import Period
from graphql_api.services.unbilled.report import (
    PRICED_METHODS,
    UnbilledFilter,
    UnbilledRow,
    unbilled_rows,
)

MAX_PROJECTS = 100
"""Projects per invoiceUnbilled (the list cap of the API)."""

ONE = Decimal("1.00")

Labeller = Callable[[RegKind, int], str]
"""How a registration is named in messages (the API's global id)."""


async def _lock_projects(
    session: AsyncSession, workspace_id: int, project_ids: Sequence[int]
) -> dict[int, Project]:
    rows = await session.scalars(
        select(Project)
        .where(Project.id.in_(project_ids), Project.workspace_id == workspace_id)
        .order_by(Project.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = {row.id: row for row in rows}
    missing = [pk for pk in dict.fromkeys(project_ids) if pk not in found]
    if missing:
        raise InvalidInput(
            f"{len(missing)} of the selected projects do not exist in your workspace.",
            field="projectIds",
            # Not NOT_FOUND: that code is a NotFoundError, outside invoiceInWefact's union.
            code=InvoicingCode.UNKNOWN_PROJECT,
        )
    return found


async def _open_refs(
    session: AsyncSession,
    workspace_id: int,
    project_ids: Sequence[int],
    until: dt.date,
    label: Labeller,
) -> list[RegistrationRef]:
    """Every open billable registration of the projects up to ``until`` (the report's rule)."""
    refs: list[RegistrationRef] = []
    if not project_ids:
        return refs
    for kind, model in MODELS.items():
        ids = await session.scalars(
            select(model.id)
            .where(
                model.workspace_id == workspace_id,
                model.project_id.in_(project_ids),
                OPEN_BILLABLE,
                model.date <= until,
            )
            .order_by(model.id)
        )
        refs.extend(RegistrationRef(kind, pk, label(kind, pk)) for pk in ids)
    return refs


def _period_text(period: Period) -> str:
    text = f"{period.start.isoformat()} – {period.end.isoformat()}"
    return f"{text} (pro rata)" if not period.full else text


def _priced_lines(
    row: UnbilledRow, product: str, vat: Decimal | None, invoice_date: dt.date
) -> list[LineDraft]:
    project = row.project
    lines: list[LineDraft] = []
    fixed = row.fixed_price
    if fixed is not None and fixed.due > 0:
        if fixed.instalments > 1:
            first, last = fixed.first_due_instalment, fixed.instalments_due
            which = f"instalment {last}" if first >= last else f"instalments {first}–{last}"
            description = f"{project.name}: fixed price, {which} of {fixed.instalments}"
        else:
            description = f"{project.name}: fixed price"
        lines.append(
            LineDraft(
                position=0, kind=LineKind.FIXED_PRICE, product_code=product,
                description=description, quantity=ONE, unit_price=fixed.due, amount=fixed.due,
                tax_percentage=vat, date=invoice_date, period_start=invoice_date,
                period_end=invoice_date, project_id=project.id,
            )
        )
    for period in row.periods:
        lines.append(
            LineDraft(
                position=0, kind=LineKind.SUBSCRIPTION, product_code=product,
                description=f"{project.name}: subscription {_period_text(period)}",
                quantity=ONE, unit_price=period.amount, amount=period.amount,
                tax_percentage=vat, date=period.start, period_start=period.start,
                period_end=period.end, project_id=project.id,
            )
        )
    return lines


def _new_draft(
    customer: Customer,
    project: Project | None,
    options: InvoiceOptions,
    settings: WefactSettings,
    invoice_date: dt.date,
) -> InvoiceDraft:
    """An invoice for a customer without open registrations (only priced lines)."""
    term = options.term_days
    if term is None:
        term = customer.payment_term_days
    if term is None:
        term = settings.payment_term_days
    return InvoiceDraft(
        customer=customer,
        project=project,
        lines=[],
        totals=totals([]),
        invoice_date=invoice_date,
        term_days=term,
        description=options.description,
        reference=(options.reference or "").strip() or None,
    )


def _product_problem(project: Project, code: str | None, known: set[str]) -> str | None:
    if not code:
        return (
            f"Project {project.name!r} has no WeFact product: link a product to the project "
            "or set a default product in the WeFact settings."
        )
    if code not in known:
        return (
            f"WeFact product {code!r} (used by project {project.name!r}) is no longer in the "
            "product list. Sync the products and link an existing one."
        )
    return None


async def start_unbilled_run(  # noqa: PLR0912, PLR0915 - one transaction, read top to bottom
    session: AsyncSession,
    workspace_id: int,
    *,
    user_id: int | None,
    project_ids: Sequence[int],
    until: dt.date,
    options: InvoiceOptions,
    label: Labeller,
    today: dt.date | None = None,
) -> Run:
    """Record and reserve everything due for ``project_ids`` up to ``until``; queue the run.

    ``label(kind, pk)`` names a registration in messages the way the caller's API shows it
    (its global id): the registrations are found here, the caller never sent them.

    Raises ``InvalidInput`` (unknown project, no product, nothing due: NOTHING_TO_INVOICE),
    ``Conflict`` (WeFact not activated, registrations taken by another run). On any error the
    caller's transaction rolls back: nothing stays.
    """
    check_options(options)
    if not project_ids:
        raise InvalidInput("Select at least one project.", field="projectIds")
    if len(set(project_ids)) > MAX_PROJECTS:
        raise InvalidInput(f"Invoice at most {MAX_PROJECTS} projects at once.", field="projectIds")
    projects = await _lock_projects(session, workspace_id, project_ids)
    settings = await session.scalar(
        select(WefactSettings).where(WefactSettings.workspace_id == workspace_id)
    )
    if settings is None or not settings.active:
        raise NotActivated(NOT_ACTIVATED_MESSAGE)
    rows = await unbilled_rows(
        session, workspace_id, UnbilledFilter(until=until, project_ids=tuple(projects))
    )

    # Hours, expenses and trips: the engine's own selection (locks them, checks every rule).
    hourly = [r.project.id for r in rows if r.project.billing_method not in PRICED_METHODS]
    refs = await _open_refs(session, workspace_id, hourly, until, label)
    if len(refs) > MAX_SELECTION:
        raise InvalidInput(
            f"These projects have {len(refs)} open registrations up to {until.isoformat()}; "
            f"invoice at most {MAX_SELECTION} at once (choose an earlier date or fewer "
            "projects).",
            field="projectIds",
            code=InvoicingCode.TOO_MANY_REGISTRATIONS,
        )
    drafts: dict[tuple[int, int | None], InvoiceDraft] = {}
    if refs:
        selection = await select_registrations(
            session, workspace_id, refs, options, lock=True, today=today
        )
        if selection.blocking:
            error = selection_error(selection.blocking)
            if error.code is GeneralCode.NOT_FOUND:
                # Deleted between reading and locking them: nothing to fix in the input.
                raise Conflict(
                    "Registrations of these projects changed meanwhile; try again.",
                    field="projectIds",
                )
            error.field = "projectIds"
            raise error
        for draft in selection.drafts:
            drafts[(draft.customer.id, draft.project.id if draft.project else None)] = draft

    # Fixed prices and subscriptions.
    vat: dict[str, Decimal | None] = {
        p.code: p.tax_percentage
        for p in await session.scalars(
            select(WefactProduct).where(WefactProduct.workspace_id == workspace_id)
        )
    }
    invoice_date = options.invoice_date or today or local_today()
    problems: list[str] = []
    priced: dict[tuple[int, int | None], list[LineDraft]] = {}
    customers: dict[int, Customer] = {}
    billed_until: dict[int, dt.date] = {}
    for row in rows:
        if row.project.billing_method not in PRICED_METHODS:
            continue
        project = row.project
        product = project.wefact_product_code or settings.default_product_code
        problem = _product_problem(project, product, set(vat))
        if problem:
            problems.append(problem)
            continue
        assert product is not None
        lines = _priced_lines(row, product, vat.get(product), invoice_date)
        if not lines:
            continue
        key = (project.customer_id, project.id if options.per_project else None)
        priced.setdefault(key, []).extend(lines)
        customers[project.customer_id] = row.customer
        if row.periods:
            last = max(p.end for p in row.periods)
            current = project.subscription_billed_until
            billed_until[project.id] = max(last, current) if current else last
    if problems:
        shown = " ".join(problems[:5])
        raise InvalidInput(shown, field="projectIds", code=InvoicingCode.NO_PRODUCT)

    for key, lines in priced.items():
        target = drafts.get(key)
        if target is None:
            target = _new_draft(
                customers[key[0]], projects[key[1]] if key[1] is not None else None,
                options, settings, invoice_date,
            )
            drafts[key] = target
        target.lines.extend(lines)
    if not drafts:
        raise InvalidInput(
            f"Nothing to invoice up to {until.isoformat()} for the selected projects: no open "
            "billable registrations, no fixed price due and no subscription period due (an "
            "earlier invoice may already have billed them).",
            field="projectIds",
            code=InvoicingCode.NOTHING_TO_INVOICE,
        )
    ordered = sorted(drafts.values(), key=lambda d: (d.customer.name, d.customer.id,
                                                     d.project.id if d.project else 0))
    for draft in ordered:
        for position, line in enumerate(draft.lines, start=1):
            line.position = position
        draft.totals = totals(draft.lines)

    mode = options.mode or settings.invoice_mode
    run = await start_run(
        session,
        workspace_id,
        RunKind.INVOICE,
        {
            "source": "unbilled",
            "until": until.isoformat(),
            "projects": len(projects),
            "mode": mode.value,
            "perProject": options.per_project,
            "registrations": len(refs),
        },
        user_id,
    )
    labels = {RegKey(ref.kind, ref.pk): ref.label for ref in refs if ref.kind is not None}
    await record_invoices(
        session, workspace_id, run_id=run.id, settings=settings, mode=mode, drafts=ordered,
        labels=labels,
        proof=proof_choice(options.hours_specification, options.attach_receipts, settings),
    )
    for project_id, last_day in billed_until.items():
        projects[project_id].subscription_billed_until = last_day
    run.progress_total = len(ordered)
    await session.flush()
    return run
