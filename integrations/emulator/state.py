"""The emulator's in-memory administration: debtors, products, invoices and settings.

Records are plain dicts keyed by the API's field names (``DebtorCode``, ``PriceExcl``)
holding Python values (Decimal, date, datetime); keys starting with ``_`` are internal
and never rendered. Tests may read and change them directly, or use the helpers.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .faults import FaultPlan
from .messages import Flavor

Record = dict[str, Any]

#: WeFact VAT codes of the emulated administration and their rates.
WEFACT_TAX_CODES = {"V21": Decimal(21), "V9": Decimal(9), "V0": Decimal(0)}
#: HostFact's configured rates.
HOSTFACT_TAX_RATES = (Decimal(21), Decimal(9), Decimal(0))

_COMPANIES = [
    "Bakkerij",
    "Installatiebedrijf",
    "Adviesbureau",
    "Drukkerij",
    "Architecten",
    "Kapsalon",
]
_SURNAMES = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]
_CITIES = [
    ("Utrecht", "3511 AB"),
    ("Zwolle", "8011 CD"),
    ("Antwerpen", "2000"),
    ("Groningen", "9711 EF"),
]


def _local_now() -> datetime:
    # Naive local time on purpose: the real APIs report local times without offset.
    return datetime.now(UTC).astimezone().replace(tzinfo=None, microsecond=0)


@dataclass
class EmulatorState:
    """Everything the emulated administration knows. Mutate freely from tests."""

    flavor: Flavor
    api_key: str
    #: Allowed client IPs; ``None`` allows everyone.
    whitelist: list[str] | None = None
    api_enabled: bool = True
    #: WeFact rate limits per source IP; exceeding one firewalls the IP.
    rate_limit_per_minute: int = 500
    rate_limit_per_hour: int = 5000
    firewall_seconds: float = 900.0
    #: HostFact: how long a write waits for the global lock before failing.
    write_lock_wait: float = 5.0
    #: HostFact: how long each locked write keeps the lock (simulated work).
    write_hold_seconds: float = 0.0
    timeout_delay: float = 30.0
    #: Files larger than this are refused by ``attachment/add``; None takes any size. (An
    #: assumption: the products' limits are not documented; tests use it to make one refuse.)
    attachment_max_bytes: int | None = None
    slow_delay: float = 1.0
    default_tax_rate: Decimal = Decimal(21)
    #: Local, naive server time (the APIs report times without offset).
    clock: Callable[[], datetime] = _local_now
    #: Unix time for rate-limit windows.
    wall_clock: Callable[[], float] = time.time

    debtors: dict[int, Record] = field(default_factory=dict)
    products: dict[int, Record] = field(default_factory=dict)
    invoices: dict[int, Record] = field(default_factory=dict)
    #: Files attached to invoices: ``Identifier``, ``Type``, ``Reference`` (the invoice),
    #: ``Filename``, ``Created`` and the bytes in ``_content`` (never rendered).
    attachments: dict[int, Record] = field(default_factory=dict)
    faults: FaultPlan = field(default_factory=FaultPlan)
    #: Every call that reached the API, as ``(controller, action)``.
    calls: list[tuple[str, str]] = field(default_factory=list)
    #: ``(invoice code, e-mail address)`` for every sendbyemail.
    sent_emails: list[tuple[str, str]] = field(default_factory=list)
    #: ``(invoice code, file names)`` for every sendbyemail: the invoice's attachments go
    #: with its e-mail (HostFact's class/email.php adds the invoice's documents).
    sent_attachments: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    #: ``(product code, quantity)`` for every WeFact stock decrement.
    stock_moves: list[tuple[str, Decimal]] = field(default_factory=list)
    #: ip → {"minute"/"hour": (window start, count)}
    rate_windows: dict[str, dict[str, tuple[float, int]]] = field(default_factory=dict)
    #: ip → Unix time the firewall ban ends.
    firewalled: dict[str, float] = field(default_factory=dict)

    _next_ids: dict[str, int] = field(default_factory=dict, init=False, repr=False)
    _concept_counter: int = field(default=0, init=False, repr=False)
    _write_lock: asyncio.Lock | None = field(default=None, init=False, repr=False)

    # -- infrastructure -----------------------------------------------------------

    def next_id(self, kind: str) -> int:
        self._next_ids[kind] = self._next_ids.get(kind, 0) + 1
        return self._next_ids[kind]

    def write_lock(self) -> asyncio.Lock:
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        return self._write_lock

    def calls_to(self, controller: str, action: str | None = None) -> int:
        return sum(1 for c, a in self.calls if c == controller and action in (None, a))

    # -- codes ----------------------------------------------------------------------

    def next_debtor_code(self) -> str:
        numbers = [
            int(m.group(1))
            for d in self.debtors.values()
            if (m := re.fullmatch(r"DB(\d+)", d["DebtorCode"]))
        ]
        return f"DB{max(numbers) + 1 if numbers else 10000}"

    def next_product_code(self) -> str:
        width = 4 if self.flavor == "wefact" else 3
        numbers = [
            int(m.group(1))
            for p in self.products.values()
            if (m := re.fullmatch(r"P(\d+)", p["ProductCode"]))
        ]
        return f"P{(max(numbers) + 1 if numbers else 1):0{width}d}"

    def next_concept_code(self, *, peek: bool = False) -> str:
        """Concepts have their own counter; `peek` shows the next code without using it."""
        number = self._concept_counter + 1
        if not peek:
            self._concept_counter = number
        return f"[concept]{number:04d}"

    def next_invoice_code(self) -> str:
        if self.flavor == "wefact":
            prefix = f"F{self.clock().year}-"
            pattern = re.escape(prefix) + r"(\d+)"
        else:
            prefix, pattern = "F", r"F(\d+)"
        numbers = [
            int(m.group(1))
            for i in self.invoices.values()
            if (m := re.fullmatch(pattern, i["InvoiceCode"]))
        ]
        return f"{prefix}{(max(numbers) + 1 if numbers else 1):04d}"

    # -- lookups --------------------------------------------------------------------

    def debtor_by_code(self, code: str) -> Record | None:
        return next((d for d in self.debtors.values() if d["DebtorCode"] == code), None)

    def product_by_code(self, code: str) -> Record | None:
        return next((p for p in self.products.values() if p["ProductCode"] == code), None)

    def invoice_by_code(self, code: str) -> Record | None:
        return next((i for i in self.invoices.values() if i["InvoiceCode"] == code), None)

    def attachments_of(self, invoice_identifier: int) -> list[Record]:
        """The files of one invoice, oldest first."""
        return [
            a for a in self.attachments.values()
            if a["Type"] == "invoice" and a["Reference"] == invoice_identifier
        ]

    def add_attachment(self, invoice_identifier: int, filename: str, content: bytes) -> Record:
        """Store a file on an invoice (no validation; the controller validates)."""
        identifier = self.next_id("attachment")
        record: Record = {
            "Identifier": identifier,
            "Type": "invoice",
            "Reference": invoice_identifier,
            "Filename": filename,
            "Created": self.clock(),
            "_content": content,
        }
        self.attachments[identifier] = record
        return record

    # -- direct helpers for tests (no validation) -----------------------------------

    def add_debtor(self, **fields: Any) -> Record:
        """Create a debtor directly; API field names, e.g. ``CompanyName="Acme"``."""
        now = self.clock()
        identifier = self.next_id("debtor")
        record: Record = {
            "Identifier": identifier,
            "DebtorCode": fields.pop("DebtorCode", None) or self.next_debtor_code(),
            "CompanyName": "",
            "CompanyNumber": "",
            "TaxNumber": "",
            "Sex": "m",
            "Initials": "",
            "SurName": "",
            "Address": "",
            "ZipCode": "",
            "City": "",
            "Country": "NL",
            "EmailAddress": "",
            "PhoneNumber": "",
            "MobileNumber": "",
            "Comment": "",
            "InvoiceMethod": 0,
            "InvoiceTerm": -1,
            "Groups": [],
            "Created": now,
            "Modified": now,
        }
        record.update(fields)
        self.debtors[identifier] = record
        return record

    def modify_debtor(self, code: str, **fields: Any) -> Record:
        """Change a debtor as if someone edited it in the provider's web interface."""
        record = self.debtor_by_code(code)
        if record is None:
            raise KeyError(code)
        record.update(fields)
        record["Modified"] = self.clock()
        return record

    def add_product(self, **fields: Any) -> Record:
        """Create a product directly. Give ``TaxPercentage`` (and on WeFact ``TaxCode``)."""
        now = self.clock()
        identifier = self.next_id("product")
        tax = Decimal(fields.pop("TaxPercentage", self.default_tax_rate))
        record: Record = {
            "Identifier": identifier,
            "ProductCode": fields.pop("ProductCode", None) or self.next_product_code(),
            "ProductName": "",
            "ProductKeyPhrase": "",
            "ProductDescription": "",
            "NumberSuffix": "",
            "PriceExcl": Decimal(0),
            "PricePeriod": "",
            "TaxPercentage": tax,
            "Groups": [],
            "Created": now,
            "Modified": now,
        }
        if self.flavor == "wefact":
            record["TaxCode"] = fields.pop("TaxCode", None) or tax_code_for(tax)
        record.update(fields)
        record["PriceExcl"] = Decimal(record["PriceExcl"])
        self.products[identifier] = record
        return record

    def seed_products(self) -> list[Record]:
        """A few realistic products: VAT 21 / 9 / 0, one billed per hour, one monthly."""
        return [
            self.add_product(
                ProductName="Consultancy",
                ProductKeyPhrase="Advieswerkzaamheden",
                ProductDescription="Advies per uur",
                NumberSuffix="uur",
                PriceExcl=Decimal("95.00"),
                TaxPercentage=21,
            ),
            self.add_product(
                ProductName="Boeken",
                ProductKeyPhrase="Vakliteratuur",
                NumberSuffix="stuk",
                PriceExcl=Decimal("34.50"),
                TaxPercentage=9,
            ),
            self.add_product(
                ProductName="Reiskosten",
                ProductKeyPhrase="Reiskosten per kilometer",
                NumberSuffix="km",
                PriceExcl=Decimal("0.23"),
                TaxPercentage=0,
            ),
            self.add_product(
                ProductName="Hosting",
                ProductKeyPhrase="Webhosting pakket",
                PriceExcl=Decimal("12.50"),
                TaxPercentage=21,
                PricePeriod="m",
            ),
        ]

    def seed_debtors(self, count: int) -> list[Record]:
        """`count` deterministic debtors: mostly companies, every fourth a private person."""
        created = []
        for n in range(count):
            surname = _SURNAMES[n % len(_SURNAMES)]
            city, zip_code = _CITIES[n % len(_CITIES)]
            company = (
                ""
                if n % 4 == 3
                else f"{_COMPANIES[n % len(_COMPANIES)]} {surname.split()[-1]} {n + 1}"
            )
            created.append(
                self.add_debtor(
                    CompanyName=company,
                    Sex="f" if n % 2 else "m",
                    Initials=f"{chr(65 + n % 26)}.",
                    SurName=surname,
                    Address=f"Dorpsstraat {n + 1}",
                    ZipCode=zip_code,
                    City=city,
                    Country="BE" if city == "Antwerpen" else "NL",
                    EmailAddress=f"debiteur{n + 1}@example.com",
                    InvoiceTerm=-1 if n % 3 else 30,
                )
            )
        return created


def tax_code_for(rate: Decimal) -> str:
    return next((code for code, value in WEFACT_TAX_CODES.items() if value == rate), "V21")
