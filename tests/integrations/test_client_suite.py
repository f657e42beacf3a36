"""The client suite, run four times: replayed cassettes (respx) and the live emulator,
each for WeFact and HostFact (see the ``env`` fixture in conftest)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from integrations import (
    AuthenticationError,
    Debtor,
    DebtorInput,
    DebtorSummary,
    InvoiceInput,
    InvoiceLineInput,
    InvoiceStatus,
    IpNotWhitelistedError,
    NotFoundError,
    ValidationError,
)
from integrations.emulator import EmulatorState

from .conftest import FakeClock, ProviderEnv

pytestmark = pytest.mark.asyncio

D = Decimal


def _customer(state: EmulatorState) -> None:
    state.clock = FakeClock(datetime(2026, 3, 1, 10, 0, 0))
    state.seed_products()
    state.add_debtor(
        DebtorCode="DB10000",
        CompanyName="Acme BV",
        EmailAddress="billing@acme.test",
        InvoiceTerm=30,
    )


def _lines(env: ProviderEnv) -> list[InvoiceLineInput]:
    return [
        # Explicit text, quantity and price; VAT must come from the product.
        InvoiceLineInput(
            product_code=env.code("P0001", "P001"),
            description="Ontwerp homepage",
            number=D("2.5"),
            price_excl=D("95.00"),
        ),
        # Everything inherited from the product.
        InvoiceLineInput(product_code=env.code("P0002", "P002")),
        InvoiceLineInput(
            product_code=env.code("P0003", "P003"), description="Parkeren", price_excl=D("12.10")
        ),
    ]


async def test_products(env: ProviderEnv) -> None:
    env.setup(lambda state: state.seed_products())
    await env.client.verify()
    products = [product async for product in env.client.iter_products()]
    assert [p.code for p in products] == [env.code(f"P000{n}", f"P00{n}") for n in range(1, 5)]
    consultancy = products[0]
    assert consultancy.name == "Consultancy"
    assert consultancy.key_phrase == "Advieswerkzaamheden"
    assert consultancy.unit == "uur"
    assert consultancy.price_excl == D("95.00")
    assert consultancy.tax_code == (None if env.flavor == "hostfact" else "V21")
    assert [p.tax_percentage for p in products] == [21, 9, 0, 21]
    assert products[3].price_period == "m"
    shown = await env.client.show_product(products[1].code)
    assert shown.price_excl == D("34.50")
    page = await env.client.list_products(offset=1, limit=2)
    assert [p.code for p in page.items] == [p.code for p in products[1:3]]
    assert page.total == 4


async def test_debtor_lifecycle(env: ProviderEnv) -> None:
    client = env.client
    created = await client.add_debtor(
        DebtorInput(
            company_name="Studio Noord",
            initials="J.",
            surname="Bakker",
            email="info@studionoord.nl",
            country="NL",
            invoice_term=30,
            zip_code="1234 AB",
        )
    )
    assert isinstance(created, Debtor)
    assert created.code == "DB10000"
    assert created.invoice_term == 30
    assert created.zip_code == "1234 AB"
    second = await client.add_debtor(DebtorInput(surname="Jansen", sex="f"))
    assert second.code == "DB10001"

    edited = await client.edit_debtor("DB10000", DebtorInput(city="Zwolle", comment="Via beurs"))
    assert (edited.city, edited.comment, edited.company_name) == (
        "Zwolle",
        "Via beurs",
        "Studio Noord",
    )
    shown = await client.show_debtor("DB10000")
    assert shown.city == "Zwolle"
    assert shown.identifier == created.identifier

    renamed = await client.edit_debtor("DB10001", DebtorInput(code="K-2001"))
    assert renamed.code == "K-2001"
    assert renamed.identifier == second.identifier

    with pytest.raises(ValidationError):
        await client.add_debtor(DebtorInput(code="DB10000", company_name="Duplicate"))
    with pytest.raises(ValidationError):
        await client.add_debtor(DebtorInput(email="someone@example.com"))  # neither name
    with pytest.raises(NotFoundError):
        await client.show_debtor("DB99999")


async def test_debtor_list_and_modified_since(env: ProviderEnv) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, 0))

    def arrange(state: EmulatorState) -> None:
        state.clock = clock
        state.seed_debtors(5)
        clock.now = datetime(2026, 2, 1, 9, 0, 0)
        state.modify_debtor("DB10002", City="Delft")

    env.setup(arrange)
    page = await env.client.list_debtors()
    assert page.total == 5
    assert [d.code for d in page.items] == [f"DB1000{n}" for n in range(5)]
    # List rows carry only the summary fields.
    assert all(type(d) is DebtorSummary for d in page.items)
    assert page.items[0].email == "debiteur1@example.com"

    changed = [d async for d in env.client.iter_debtors(modified_since=datetime(2026, 1, 20))]
    assert [d.code for d in changed] == ["DB10002"]
    assert changed[0].modified == datetime(2026, 2, 1, 9, 0, 0)
    empty = await env.client.list_debtors(modified_since=datetime(2026, 3, 1))
    assert empty.items == ()
    assert empty.total == 0


async def test_concept_invoice_inherits_from_products(env: ProviderEnv) -> None:
    env.setup(_customer)
    invoice = await env.client.add_invoice(
        InvoiceInput(
            debtor_code="DB10000",
            lines=_lines(env),
            date=date(2026, 3, 2),
            reference_number="TT-42",
            description="Werkzaamheden maart",
        )
    )
    assert invoice.is_concept
    assert invoice.code == "[concept]0001"
    assert invoice.debtor_code == "DB10000"
    assert invoice.reference_number == "TT-42"
    design, books, parking = invoice.lines
    assert (design.description, design.tax_percentage, design.amount_excl) == (
        "Ontwerp homepage",
        D(21),
        D("237.50"),
    )
    assert (books.description, books.price_excl, books.tax_percentage, books.unit) == (
        "Vakliteratuur",
        D("34.50"),
        D(9),
        "stuk",
    )
    assert (parking.tax_percentage, parking.unit) == (D(0), "km")
    assert invoice.amount_excl == D("284.10")
    # VAT per rate on the totals, half-up: 237.50 x 21% = 49.875 -> 49.88;
    # 34.50 x 9% = 3.105 -> 3.11 (banker's rounding would give 3.10).
    assert invoice.amount_tax == D("52.99")
    assert invoice.amount_incl == D("337.09")
    assert invoice.amount_paid == 0
    assert invoice.term == 30  # the debtor's term
    assert invoice.pay_before == date(2026, 4, 1)

    shown = await env.client.show_invoice(invoice.identifier)
    assert shown == invoice
    assert (await env.client.show_invoice(invoice.code)).identifier == invoice.identifier


async def test_booking_and_credit(env: ProviderEnv) -> None:
    env.setup(_customer)
    concept = await env.client.add_invoice(
        InvoiceInput(
            debtor_code="DB10000",
            lines=_lines(env),
            date=date(2026, 3, 2),
            reference_number="TT-43",
        )
    )
    await env.client.add_invoice(
        InvoiceInput(debtor_code="DB10000", lines=_lines(env)[:1], reference_number="TT-430")
    )
    booked = await env.client.book_invoice(concept.identifier)
    assert booked.status == InvoiceStatus.SENT
    assert booked.code == env.code("F2026-0001", "F0001")
    assert booked.amount_incl == concept.amount_incl

    found = await env.client.find_invoices_by_reference("TT-43", debtor_code="DB10000")
    assert [i.identifier for i in found] == [concept.identifier]  # not TT-430
    assert found[0].code == booked.code
    assert found[0].lines  # full records (confirmed with show), not list rows

    with pytest.raises(ValidationError):
        await env.client.delete_invoice(booked.identifier)
    credit = await env.client.credit_invoice(booked.identifier)
    assert credit.status == InvoiceStatus.CREDIT
    assert credit.code == env.code("F2026-0002", "F0002")
    assert credit.amount_incl == -booked.amount_incl
    assert credit.amount_tax == -booked.amount_tax
    assert credit is not None
    original = await env.client.show_invoice(booked.code)
    assert original.status == InvoiceStatus.CANCELLED
    # Twice is once: the second call finds it cancelled and makes no second credit invoice.
    assert await env.client.credit_invoice(booked.identifier) is None
    invoices = await env.client.list_invoices(debtor_code="DB10000")
    assert sorted(i.status for i in invoices.items) == [0, 8, 9]


async def test_add_booked_invoice_directly(env: ProviderEnv) -> None:
    env.setup(_customer)
    invoice = await env.client.add_invoice(
        InvoiceInput(
            debtor_code="DB10000",
            lines=_lines(env)[:1],
            status=InvoiceStatus.SENT,
            term=7,
            date=date(2026, 3, 2),
        )
    )
    assert invoice.status == InvoiceStatus.SENT
    assert invoice.code == env.code("F2026-0001", "F0001")
    assert invoice.pay_before == date(2026, 3, 9)
    if env.state is not None:
        assert env.state.sent_emails == []  # booking never e-mails the customer
        assert env.state.stock_moves == []  # WeFact: UseProductInventory=no


async def test_concepts_delete_and_refusals(env: ProviderEnv) -> None:
    env.setup(_customer)
    concept = await env.client.add_invoice(
        InvoiceInput(debtor_code="DB10000", lines=_lines(env)[:1])
    )
    with pytest.raises(ValidationError):
        await env.client.credit_invoice(concept.identifier)
    await env.client.delete_invoice(concept.identifier)
    with pytest.raises(NotFoundError):
        await env.client.show_invoice(concept.identifier)
    with pytest.raises(NotFoundError):
        await env.client.add_invoice(InvoiceInput(debtor_code="DB77777", lines=_lines(env)))
    with pytest.raises(NotFoundError):
        await env.client.add_invoice(
            InvoiceInput(debtor_code="DB10000", lines=[InvoiceLineInput(product_code="NOPE")])
        )
    with pytest.raises(ValidationError, match="does not contain invoice lines"):
        await env.client.add_invoice(InvoiceInput(debtor_code="DB10000", lines=[]))


async def test_send_and_mark_as_paid(env: ProviderEnv) -> None:
    env.setup(_customer)
    concept = await env.client.add_invoice(InvoiceInput(debtor_code="DB10000", lines=_lines(env)))
    sent = await env.client.send_invoice(concept.identifier)
    assert sent.status == InvoiceStatus.SENT
    assert sent.code == env.code("F2026-0001", "F0001")
    # Twice is once: an invoice that is no longer a concept is not e-mailed again.
    assert await env.client.send_invoice(concept.identifier) == sent
    if env.state is not None:
        assert env.state.sent_emails == [(sent.code, "billing@acme.test")]
    paid = await env.client.mark_as_paid(concept.identifier)
    assert paid.status == InvoiceStatus.PAID
    assert paid.amount_paid == paid.amount_incl
    # Twice is once: "already paid" is the state we wanted.
    assert await env.client.mark_as_paid(concept.identifier) == paid


PDF = b"%PDF-1.4\n% an hours specification\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 a receipt \xff\xd9"


async def test_attachments(env: ProviderEnv) -> None:
    """Add, list (through invoice/show), download and delete files on an invoice; the same
    name twice is two files; an unknown name is NotFoundError."""
    env.setup(_customer)
    client = env.client
    invoice = await client.add_invoice(InvoiceInput(debtor_code="DB10000", lines=_lines(env)))
    assert invoice.attachments == ()
    assert await client.list_attachments(invoice.identifier) == ()

    await client.add_attachment(invoice.identifier, "hours-specification.pdf", PDF)
    await client.add_attachment(invoice.identifier, "receipt-2026-03-02.jpg", JPEG)
    listed = await client.list_attachments(invoice.identifier)
    assert [a.filename for a in listed] == ["hours-specification.pdf", "receipt-2026-03-02.jpg"]
    assert all(a.identifier for a in listed)
    assert await client.download_attachment(invoice.identifier, "receipt-2026-03-02.jpg") == JPEG
    assert await client.download_attachment(invoice.identifier, "hours-specification.pdf") == PDF

    # Files can be added in every status: also to a sent invoice.
    sent = await client.send_invoice(invoice.identifier)
    assert sent.status == InvoiceStatus.SENT
    await client.add_attachment(invoice.identifier, "receipt-2026-03-02.jpg", JPEG)
    names = [a.filename for a in await client.list_attachments(invoice.identifier)]
    assert names.count("receipt-2026-03-02.jpg") == 2

    await client.delete_attachment(invoice.identifier, "hours-specification.pdf")
    names = [a.filename for a in await client.list_attachments(invoice.identifier)]
    assert names == ["receipt-2026-03-02.jpg", "receipt-2026-03-02.jpg"]
    with pytest.raises(NotFoundError):
        await client.download_attachment(invoice.identifier, "hours-specification.pdf")
    with pytest.raises(NotFoundError):
        await client.add_attachment(invoice.identifier + 100, "x.pdf", PDF)


async def test_invoices_modified_since(env: ProviderEnv) -> None:
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, 0))

    def arrange(state: EmulatorState) -> None:
        _customer(state)
        state.clock = clock

    env.setup(arrange)
    first = await env.client.add_invoice(InvoiceInput(debtor_code="DB10000", lines=_lines(env)[:1]))
    env.setup(lambda _state: setattr(clock, "now", datetime(2026, 2, 1, 9, 0, 0)))
    second = await env.client.add_invoice(
        InvoiceInput(debtor_code="DB10000", lines=_lines(env)[:1])
    )

    since_jan = [
        i.identifier async for i in env.client.iter_invoices_modified_since(datetime(2026, 1, 20))
    ]
    assert since_jan == [second.identifier]
    env.setup(lambda _state: setattr(clock, "now", datetime(2026, 3, 1, 9, 0, 0)))
    await env.client.book_invoice(first.identifier)
    since_feb = await env.client.list_invoices(modified_since=datetime(2026, 2, 15))
    assert [(i.identifier, i.status) for i in since_feb.items] == [(first.identifier, 2)]
    assert since_feb.items[0].lines == ()  # list rows carry no lines
    mine = await env.client.list_invoices(debtor_code="DB10000")
    assert {i.identifier for i in mine.items} == {first.identifier, second.identifier}


async def test_access_refusals(env: ProviderEnv) -> None:
    with pytest.raises(AuthenticationError):
        await env.client_with_key("not-the-right-key").verify()
    env.setup(lambda state: setattr(state, "whitelist", ["203.0.113.7"]))
    with pytest.raises(IpNotWhitelistedError) as refused:
        await env.client.verify()
    assert refused.value.ip == "127.0.0.1"
    assert "whitelist" in str(refused.value)
