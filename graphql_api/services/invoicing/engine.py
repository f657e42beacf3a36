"""The invoice run: makes each PENDING invoice of a run in WeFact, exactly once.

One invoice at a time. For each: make sure the debtor exists, add the invoice, record the
outcome. The rules that make it exactly once (a worker may die at any line, and a call may
time out after WeFact applied it):

- The invoice and its reservations were committed before the job started (``create``).
- ``provider_attempted_at`` (the first attempt's time) and the debtor code sent are
  committed *before* ``invoice/add`` is sent. When it is set, the invoice may already be in
  WeFact: it is looked up by its unique ``reference`` (WeFact's ``ReferenceNumber``) and
  adopted instead of added again. List rows carry no ``ReferenceNumber``, so the lookup
  lists that debtor's invoices created since the attempt (a day's margin for the provider's
  clock) and confirms each with ``show``; a lookup with more candidates than it checks stops
  the run instead of answering "not there".
- A debtor we create carries a marker of ours in its ``Comment``; before creating a debtor
  without a customer number we look for that marker (on the full records of the debtors
  named like the customer), so a debtor created just before a crash is found instead of
  created twice.
- Registrations become INVOICED only in the transaction that records WeFact's answer.
- A definite refusal (WeFact's validation) fails that invoice and releases its
  registrations; the run goes on with the next customer (PARTIAL).
- Auth, IP-whitelist and firewall errors stop all calls (retrying extends a WeFact ban):
  invoices not yet sent are released, ones whose outcome is unknown stay PENDING.
- An unknown outcome (timeout, lost answer, 5xx) is retried after a pause — lookup first —
  and, if WeFact stays unreachable, left PENDING for ``resumeInvoiceRun``.
- An invoice belongs to the connection it was made with. A run (or a resumed one) always
  talks to the connection its invoices were recorded with. When that is no longer the
  workspace's current connection (it switched, or deactivated WeFact), the run only closes
  out: an invoice that was never sent fails (registrations open again), one that may have
  been sent is looked up there and adopted if found, else failed — nothing new is added to
  a connection the workspace has left.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import integrations
from graphql_api import outbox
from graphql_api.errors import DomainError
from graphql_api.jobs import LockScope, Problem, RunContext, run_task
from graphql_api.models import (
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceMode,
    InvoiceStatus,
    ProviderConnection,
    RunKind,
    RunStatus,
)
from graphql_api.services.auth import utcnow
from graphql_api.services.invoicing.attachments import attach_proof
from graphql_api.services.invoicing.debtors import ensure_debtor, search_numbered
from graphql_api.services.invoicing.lines import carries_period
from graphql_api.services.invoicing.records import (
    locked_invoice,
    mark_invoiced,
    our_status,
    release_registrations,
)
from graphql_api.services.wefact.clock import provider_cutoff
from graphql_api.services.wefact.connection import (
    ProviderServices,
    load_settings_row,
    provider_error,
)
from graphql_api.services.wefact.connections import connection_provider, describe
from integrations import DebtorSummary, InvoiceInput, InvoiceLineInput, InvoicingProvider
from integrations import InvoiceStatus as ProviderStatus

logger = logging.getLogger(__name__)

# Errors after which no further call may be made: retries extend WeFact's firewall ban.
_STOP_ERRORS = (
    integrations.AuthenticationError,
    integrations.IpNotWhitelistedError,
    integrations.FirewalledError,
)
# Errors whose outcome is unknown or passing: try again later, never give the invoice up.
_TRANSIENT_ERRORS = (integrations.UnavailableError, integrations.WriteLockBusyError)
# WeFact said no to the data: this invoice cannot be made as it is.
_REFUSALS = (integrations.ValidationError, integrations.NotFoundError)


class Outcome(enum.Enum):
    """What happened to one invoice."""

    DONE = "DONE"
    DONE_WITH_PROBLEM = "DONE_WITH_PROBLEM"
    FAILED = "FAILED"


@dataclass
class StopRun(Exception):
    """No more provider calls in this run.

    ``release_rest``: invoices that never reached WeFact are released (auth, IP, firewall:
    a long wait); otherwise they stay PENDING for a resume (WeFact briefly unreachable).
    ``release_current``: the current invoice's add was sent but refused before WeFact looked
    at it, so it provably does not exist and may be released as well."""

    message: str
    release_current: bool
    release_rest: bool


@dataclass
class Pending:
    """What one attempt at an invoice needs, read in one short session."""

    invoice: Invoice
    customer: Customer
    lines: list[InvoiceLine]


def _services(ctx: RunContext) -> ProviderServices:
    return ProviderServices.of(ctx.state)


@dataclass
class RunState:
    """What the run keeps between invoices: the pending invoices read up front, and the
    debtor codes this run already confirmed per customer."""

    pending: dict[int, Pending] = field(default_factory=dict)
    debtors: dict[int, str] = field(default_factory=dict)
    #: The run's one debtor search of its customer numbers (None: each is looked up).
    known_debtors: dict[str, DebtorSummary] | None = None
    #: Set when the run's connection is no longer the workspace's current one: why.
    closing: str | None = None


async def _load_many(ctx: RunContext, invoice_ids: list[int]) -> dict[int, Pending]:
    """The PENDING ones of ``invoice_ids`` with their customers and lines: three queries
    however many invoices (read once per run, and again per retried invoice)."""
    if not invoice_ids:
        return {}
    async with ctx.sessionmaker() as session:
        invoices = list(
            await session.scalars(
                select(Invoice)
                .where(Invoice.id.in_(invoice_ids), Invoice.status == InvoiceStatus.PENDING)
                .execution_options(populate_existing=True)
            )
        )
        customers = {
            c.id: c
            for c in await session.scalars(
                select(Customer).where(Customer.id.in_({i.customer_id for i in invoices}))
            )
        }
        lines: dict[int, list[InvoiceLine]] = {i.id: [] for i in invoices}
        for line in await session.scalars(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id.in_(list(lines)))
            .order_by(InvoiceLine.invoice_id, InvoiceLine.position)
        ):
            lines[line.invoice_id].append(line)
    return {i.id: Pending(i, customers[i.customer_id], lines[i.id]) for i in invoices}


async def _load(ctx: RunContext, invoice_id: int) -> Pending | None:
    return (await _load_many(ctx, [invoice_id])).get(invoice_id)


def linked_debtor(customer: Customer) -> str | None:
    """The debtor code an earlier invoice or import linked ``customer`` to, when it still
    matches the customer number: used without asking WeFact (a debtor deleted there since
    makes ``invoice/add`` refuse it, and the run then takes the debtor path once)."""
    code = customer.wefact_debtor_code
    if code and customer.customer_number in (None, "", code):
        return code
    return None


def invoice_input(pending: Pending, debtor_code: str) -> InvoiceInput:
    """What we send: product, text, quantity and price per line; VAT comes from the product."""
    invoice = pending.invoice
    description = invoice.description
    if invoice.customer_reference:
        reference_text = f"Your reference: {invoice.customer_reference}"
        description = f"{reference_text}\n{description}" if description else reference_text
    return InvoiceInput(
        debtor_code=debtor_code,
        lines=[
            InvoiceLineInput(
                description=line.description,
                number=line.quantity,
                price_excl=line.unit_price,
                product_code=line.product_code,
                date=line.period_start,
                # Subscription lines (invoiceUnbilled) carry their period, and an hours line
                # of one day (every ENTRY line) its date (issue 17): WeFact
                # StartDate/EndDate, HostFact StartPeriod.
                start_date=line.period_start if carries_period(line) else None,
                end_date=line.period_end if carries_period(line) else None,
            )
            for line in pending.lines
        ],
        # BOOK: one call that gives the final number without e-mailing (atomic, so a lost
        # answer never leaves a concept that still needs booking). SEND: add, then e-mail.
        status=ProviderStatus.SENT if invoice.mode is InvoiceMode.BOOK else ProviderStatus.CONCEPT,
        date=invoice.invoice_date,
        term=invoice.term_days,
        reference_number=invoice.reference,
        description=description,
    )


async def _mark_attempted(ctx: RunContext, invoice_id: int, debtor_code: str) -> bool:
    """Committed before ``invoice/add`` is sent: the first attempt's time and the debtor
    code the add goes to (what a later lookup lists). False when the invoice is no longer
    PENDING (then nothing may be sent)."""
    async with ctx.transaction() as session:
        marked = await session.scalar(
            update(Invoice)
            .where(Invoice.id == invoice_id, Invoice.status == InvoiceStatus.PENDING)
            .values(
                provider_attempted_at=func.coalesce(Invoice.provider_attempted_at, func.now()),
                debtor_code=debtor_code,
            )
            .returning(Invoice.id)
        )
    return marked is not None


def _done_after_one(ctx: RunContext) -> int:
    """``progress_done`` once one more of the run's invoices is no longer PENDING.

    The stored count is the run's invoices that are no longer PENDING: every change of an
    invoice away from PENDING (here and in ``fail_invoice``) commits ``+ 1`` with it, under
    the attempt's fence, so counting them again per invoice (one more statement) is not
    needed."""
    return ctx.progress_done + 1


async def _record_success(
    ctx: RunContext, pending: Pending, found: integrations.Invoice, extra: str | None
) -> Outcome:
    """WeFact's answer, and the registrations INVOICED, in one transaction.

    The update only applies to a PENDING invoice (re-checked under its row lock), so an
    answer recorded by an earlier attempt is never recorded twice."""
    invoice = pending.invoice
    notes = [extra] if extra else []
    if found.amount_excl != invoice.amount_excl:
        notes.append(
            f"WeFact's total excl. VAT is {found.amount_excl}, ours was "
            f"{invoice.amount_excl}: check the invoice in WeFact."
        )
    async with ctx.transaction() as session:
        recorded = await session.scalar(
            update(Invoice)
            .where(Invoice.id == invoice.id, Invoice.status == InvoiceStatus.PENDING)
            .values(
                status=our_status(found.status, invoice.mode),
                wefact_identifier=str(found.identifier),
                wefact_code=found.code,
                wefact_status=int(found.status),
                debtor_code=found.debtor_code or invoice.debtor_code,
                amount_excl=found.amount_excl,
                amount_tax=found.amount_tax,
                amount_incl=found.amount_incl,
                status_changed_at=utcnow(),
                error=" ".join(notes) or None,
                updated_at=func.now(),
            )
            .returning(Invoice.id)
            .execution_options(synchronize_session=False)
        )
        if recorded is None:
            return Outcome.DONE  # recorded by an earlier attempt
        await mark_invoiced(session, invoice.id, pending.lines)
        await outbox.invoice_created(session, invoice.id)
        item = pending.customer.name
        await ctx.progress(
            done=_done_after_one(ctx),
            counts={"invoiced": 1},
            problems=[Problem(note, item=item) for note in notes],
            session=session,
        )
    return Outcome.DONE_WITH_PROBLEM if notes else Outcome.DONE


async def fail_invoice(
    ctx: RunContext, invoice_id: int, message: str, *, count: str = "failed",
    customer_name: str | None = None,
) -> None:
    """FAILED with ``message``; its registrations are OPEN again (nothing is in WeFact)."""
    async with ctx.transaction() as session:
        invoice = await locked_invoice(session, invoice_id)
        if invoice is None or invoice.status is not InvoiceStatus.PENDING:
            return
        if customer_name is None:
            customer = await session.get(Customer, invoice.customer_id)
            customer_name = customer.name if customer else None
        invoice.status = InvoiceStatus.FAILED
        invoice.error = message
        invoice.released_reason = message
        invoice.status_changed_at = utcnow()
        await release_registrations(session, invoice_id)
        await session.flush()
        await ctx.progress(
            done=_done_after_one(ctx),
            counts={count: 1},
            problems=[Problem(message, item=customer_name)],
            session=session,
        )


async def _follow_up(
    provider: InvoicingProvider, mode: InvoiceMode, found: integrations.Invoice
) -> tuple[integrations.Invoice, str | None]:
    """BOOK/SEND a found or added invoice that is still a concept; never twice."""
    if found.status != ProviderStatus.CONCEPT or mode is InvoiceMode.CONCEPT:
        return found, None
    try:
        if mode is InvoiceMode.SEND:
            return await provider.send_invoice(found.identifier), None
        return await provider.book_invoice(found.identifier), None
    except _REFUSALS as exc:
        # The invoice exists (as a concept): keep it, and say what did not happen.
        action = "e-mailed" if mode is InvoiceMode.SEND else "booked"
        return found, f"The invoice was made as a concept but could not be {action}: {exc}"


async def _ensure_debtor(
    ctx: RunContext, provider: InvoicingProvider, pending: Pending, run: RunState
) -> str | None:
    """The debtor path (look up, create when missing); None when WeFact refused the
    customer (the invoice is FAILED then)."""
    invoice, customer = pending.invoice, pending.customer
    try:
        code = await ensure_debtor(ctx, provider, customer, invoice.id, run.known_debtors)
    except (*_REFUSALS, integrations.InconclusiveLookupError) as exc:
        if invoice.provider_attempted_at is None:
            # Nothing of this invoice reached WeFact: it fails alone, its registrations open.
            reason = (
                f"{exc} Its registrations are open again."
                if isinstance(exc, integrations.InconclusiveLookupError)
                else f"WeFact refused the customer {customer.name!r}: {exc} Fix the "
                "customer's details and invoice the registrations again."
            )
            await fail_invoice(ctx, invoice.id, reason, customer_name=customer.name)
            return None
        raise StopRun(str(exc), release_current=False, release_rest=False) from exc
    except _STOP_ERRORS as exc:
        raise StopRun(provider_error(exc, _services(ctx)).message, release_current=False,
                      release_rest=True) from exc
    run.debtors[customer.id] = code
    return code


async def _add(
    ctx: RunContext, provider: InvoicingProvider, pending: Pending, run: RunState,
    debtor_code: str, *, confirmed: bool,
) -> integrations.Invoice | None:
    """``invoice/add`` (``provider_attempted_at`` is committed already); None when WeFact
    refused it (the invoice is FAILED then). ``confirmed``: the debtor was looked up in this
    run; otherwise an unknown debtor sends the run down the debtor path once."""
    invoice_id = pending.invoice.id
    while True:
        try:
            found = await provider.add_invoice(invoice_input(pending, debtor_code))
        except _REFUSALS as exc:
            if isinstance(exc, integrations.NotFoundError) and not confirmed:
                # The linked debtor may have been deleted in WeFact: the debtor path,
                # once. (A refused add made nothing: adding again cannot make two.)
                confirmed = True
                code = await _ensure_debtor(ctx, provider, pending, run)
                if code is None:
                    return None
                debtor_code = code
                if not await _mark_attempted(ctx, invoice_id, debtor_code):
                    return None
                continue
            await fail_invoice(
                ctx, invoice_id,
                f"WeFact refused the invoice for {pending.customer.name}: {exc} Its "
                "registrations are open again.",
                customer_name=pending.customer.name,
            )
            return None
        except _STOP_ERRORS as exc:
            # Refused before WeFact looked at it: this add provably did not happen.
            raise StopRun(provider_error(exc, _services(ctx)).message, release_current=True,
                          release_rest=True) from exc
        run.debtors[pending.customer.id] = debtor_code
        return found


async def _look_up(
    ctx: RunContext, provider: InvoicingProvider, invoice: Invoice, debtor_code: str
) -> integrations.Invoice | None:
    """What an earlier attempt made in WeFact: the invoice carrying our reference, if any
    (the oldest, should there ever be two). Stops the run when WeFact refuses us or the
    lookup cannot be exhaustive (then nothing may be added again)."""
    assert invoice.provider_attempted_at is not None
    try:
        matches = await provider.find_invoices_by_reference(
            invoice.reference,
            # The code the add was sent to (recorded with the attempt); older records lack it.
            debtor_code=invoice.debtor_code or debtor_code,
            created_since=provider_cutoff(invoice.provider_attempted_at),
        )
    except _STOP_ERRORS as exc:
        raise StopRun(provider_error(exc, _services(ctx)).message, release_current=False,
                      release_rest=True) from exc
    except integrations.InconclusiveLookupError as exc:
        raise StopRun(f"{exc} Look for reference {invoice.reference} in WeFact.",
                      release_current=False, release_rest=False) from exc
    return min(matches, key=lambda m: m.identifier) if matches else None


async def _close_out(
    ctx: RunContext, provider: InvoicingProvider, pending: Pending, why: str
) -> Outcome:
    """An invoice whose connection the workspace has left: never added there now. Adopted
    when an earlier attempt made it, else failed with its registrations open again."""
    invoice = pending.invoice
    name = pending.customer.name
    if invoice.provider_attempted_at is None:
        await fail_invoice(ctx, invoice.id, f"Not sent: {why} Its registrations are open again.",
                           count="notSent", customer_name=name)
        return Outcome.FAILED
    if not invoice.debtor_code:
        raise StopRun(f"Invoice {invoice.reference} may be in WeFact, but its debtor is not "
                      "recorded, so it cannot be looked up. Look for that reference in WeFact.",
                      release_current=False, release_rest=False)
    found = await _look_up(ctx, provider, invoice, invoice.debtor_code)
    if found is None:
        await fail_invoice(
            ctx, invoice.id,
            f"Not made: WeFact has no invoice with reference {invoice.reference}, and {why} "
            "Its registrations are open again.",
            customer_name=name,
        )
        return Outcome.FAILED
    return await _record_success(ctx, pending, found, None)


async def process_invoice(
    ctx: RunContext,
    provider: InvoicingProvider,
    invoice_id: int,
    run: RunState | None = None,
    pending: Pending | None = None,
) -> Outcome:
    """One attempt at one invoice. Safe to repeat: every step looks before it writes.

    ``pending``: the invoice as read at the start of the run (first attempt only; a retry
    reads it again)."""
    run = run if run is not None else RunState()
    if pending is None:
        pending = await _load(ctx, invoice_id)
    if pending is None:
        return Outcome.DONE
    invoice = pending.invoice
    services = _services(ctx)
    if run.closing is not None:
        return await _close_out(ctx, provider, pending, run.closing)
    # A debtor this run confirmed, or one an earlier invoice/import linked: no lookup.
    debtor_code = run.debtors.get(pending.customer.id) or linked_debtor(pending.customer)
    confirmed = pending.customer.id in run.debtors
    if debtor_code is None:
        debtor_code = await _ensure_debtor(ctx, provider, pending, run)
        if debtor_code is None:
            return Outcome.FAILED
        confirmed = True

    found: integrations.Invoice | None = None
    if invoice.provider_attempted_at is not None:
        # An earlier attempt may have reached WeFact: adopt what it made.
        found = await _look_up(ctx, provider, invoice, debtor_code)

    if found is None:
        if not await _mark_attempted(ctx, invoice_id, debtor_code):
            return Outcome.DONE  # no longer pending: nothing may be sent
        found = await _add(ctx, provider, pending, run, debtor_code, confirmed=confirmed)
        if found is None:
            return Outcome.FAILED
        hook = ctx.state.providers.after_invoice_add
        if hook is not None:
            await hook(invoice_id)

    try:
        # Issue 17: the proof (hours specification, receipts) goes on first, each file once
        # (services/invoicing/attachments.py); only with all of it is the invoice booked or
        # e-mailed.
        proof = await attach_proof(ctx, provider, invoice, found)
        found, note = (
            await _follow_up(provider, invoice.mode, found)
            if proof.complete
            else (found, proof.note)
        )
    except _STOP_ERRORS as exc:
        raise StopRun(provider_error(exc, services).message, release_current=False,
                      release_rest=True) from exc
    return await _record_success(ctx, pending, found, note)


async def _with_retries(
    ctx: RunContext, provider: InvoicingProvider, invoice_id: int, run: RunState
) -> Outcome:
    """``process_invoice``, again after a pause when WeFact was unreachable."""
    attempt = 0
    pauses = ctx.state.providers.retry.resend_pauses
    pending = run.pending.pop(invoice_id, None)
    while True:
        try:
            return await process_invoice(ctx, provider, invoice_id, run, pending)
        except integrations.RateLimitedError as exc:
            raise StopRun(str(exc), release_current=False, release_rest=False) from exc
        except _TRANSIENT_ERRORS as exc:
            retryable = not isinstance(exc, integrations.UnavailableError) or exc.retryable
            if attempt >= len(pauses) or not retryable:
                raise StopRun(
                    provider_error(exc, _services(ctx)).message,
                    release_current=False, release_rest=False,
                ) from exc
            logger.info("invoice %s: %s; trying again", invoice_id, type(exc).__name__)
            await asyncio.sleep(pauses[attempt])
            attempt += 1
            pending = None  # read again: the attempt may have got further
            # A debtor add may have been applied with its answer lost: the run's search no
            # longer tells, so the retry looks its debtor up (show) before adding one.
            run.known_debtors = None


async def _release_unattempted(
    ctx: RunContext, invoice_id: int, reason: str, *, provably_not_added: bool = False
) -> bool:
    """Release an invoice that never reached WeFact; False (kept PENDING) when it may have.

    ``provably_not_added``: its add was sent but refused before WeFact looked at it."""
    async with ctx.sessionmaker() as session:
        attempted = await session.scalar(
            select(Invoice.provider_attempted_at).where(Invoice.id == invoice_id)
        )
    if attempted is not None and not provably_not_added:
        return False
    await fail_invoice(ctx, invoice_id, reason, count="notSent")
    return True


async def _final_status(ctx: RunContext, stopped: bool, problems: bool) -> RunStatus:
    async with ctx.sessionmaker() as session:
        rows = (
            await session.execute(
                select(Invoice.status, func.count())
                .where(Invoice.run_id == ctx.run_id)
                .group_by(Invoice.status)
            )
        ).all()
    by_status = {status: int(count) for status, count in rows}
    failed = by_status.get(InvoiceStatus.FAILED, 0)
    made = sum(n for s, n in by_status.items() if s not in (InvoiceStatus.FAILED,
                                                             InvoiceStatus.PENDING))
    if stopped or by_status.get(InvoiceStatus.PENDING, 0) or (failed and not made):
        return RunStatus.FAILED
    if failed or problems:
        return RunStatus.PARTIAL
    return RunStatus.SUCCEEDED


async def _run_connection(
    services: ProviderServices, session: AsyncSession, workspace_id: int, invoice_ids: list[int]
) -> tuple[InvoicingProvider | None, str | None]:
    """The client for the connection the run's invoices were recorded with (a run's invoices
    are recorded in one transaction, so they share it), and why the run only closes out
    when that is no longer the workspace's current connection. Raises ConnectionGone."""
    if not invoice_ids:
        return None, None
    connection_id = await session.scalar(
        select(Invoice.connection_id).where(Invoice.id == invoice_ids[0])
    )
    connection = (
        await session.get(ProviderConnection, connection_id) if connection_id is not None else None
    )
    provider = connection_provider(services, connection)
    settings = await load_settings_row(session, workspace_id)
    if settings is None or not settings.active:
        return provider, "WeFact was deactivated for this workspace before it was sent."
    if settings.connection_id != connection_id:
        return provider, (
            f"the workspace switched to its {describe(settings.connection)} before it was sent."
        )
    return provider, None


@run_task(RunKind.INVOICE, lock=LockScope.KIND_PER_WORKSPACE)
async def perform_invoice_run(ctx: RunContext) -> RunStatus:
    """The job of an invoice run (also of a resumed one: it only sees PENDING invoices)."""
    async with ctx.sessionmaker() as session:
        invoice_ids = list(
            await session.scalars(
                select(Invoice.id)
                .where(Invoice.run_id == ctx.run_id, Invoice.status == InvoiceStatus.PENDING)
                .order_by(Invoice.id)
            )
        )
        total = await session.scalar(
            select(func.count()).select_from(Invoice).where(Invoice.run_id == ctx.run_id)
        )
        stop: StopRun | None = None
        provider: InvoicingProvider | None = None
        closing: str | None = None
        try:
            provider, closing = await _run_connection(
                _services(ctx), session, ctx.workspace_id, invoice_ids
            )
        except DomainError as exc:
            stop = StopRun(exc.message, release_current=True, release_rest=True)
    await ctx.progress(total=int(total or 0))

    problems = False
    kept_pending = 0
    run = RunState(
        pending=await _load_many(ctx, invoice_ids) if stop is None else {}, closing=closing
    )
    if provider is not None and stop is None and closing is None:
        # One search for the customers about to take the debtor path with their number,
        # instead of a show each (a linked customer needs neither).
        numbers = {
            p.customer.customer_number
            for p in run.pending.values()
            if p.customer.customer_number and linked_debtor(p.customer) is None
        }
        run.known_debtors = await search_numbered(provider, numbers)
    for invoice_id in invoice_ids:
        if stop is None:
            assert provider is not None
            try:
                outcome = await _with_retries(ctx, provider, invoice_id, run)
                problems = problems or outcome is not Outcome.DONE
                continue
            except StopRun as exc:
                stop = exc
                released = exc.release_rest and await _release_unattempted(
                    ctx, invoice_id, _not_sent(exc), provably_not_added=exc.release_current
                )
                if not released:
                    kept_pending += 1
                continue
        if stop.release_rest and await _release_unattempted(ctx, invoice_id, _not_sent(stop)):
            continue
        kept_pending += 1
    if stop is not None:
        await ctx.problem(_stop_message(stop, kept_pending))
    return await _final_status(ctx, stop is not None, problems)


def _not_sent(stop: StopRun) -> str:
    return f"Not sent to WeFact: {stop.message} The registrations are open again."


def _stop_message(stop: StopRun, kept_pending: int) -> str:
    if not kept_pending:
        return f"The run stopped: {stop.message}"
    return (
        f"The run stopped: {stop.message} {kept_pending} invoice(s) may or may not have "
        "reached WeFact and stay pending (their registrations stay reserved). Once WeFact "
        "can be reached again, resume the run (resumeInvoiceRun): it checks WeFact by "
        "reference first, so nothing is invoiced twice."
    )
