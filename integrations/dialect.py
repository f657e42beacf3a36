"""Everything that differs between WeFact and HostFact, in one place.

The clients share all code (:mod:`integrations.client`); a :class:`Dialect` carries the
few differences as data and small functions instead of ``if wefact`` branches.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .locks import installation_lock
from .models import InvoiceLineInput
from .protocol import ProviderKind

WriteGuard = Callable[[str], contextlib.AbstractAsyncContextManager[Any]]


@dataclass(frozen=True, slots=True)
class Dialect:
    kind: ProviderKind
    #: Name used in log lines.
    name: str
    #: VAT on a line: WeFact takes a code (``TaxCode``), HostFact a percentage.
    line_vat: Callable[[InvoiceLineInput], dict[str, Any]]
    #: Period dates on a line: WeFact ``StartDate``/``EndDate``, HostFact ``StartPeriod``.
    line_period: Callable[[InvoiceLineInput], dict[str, Any]]
    #: Fixed parameters added to ``invoice/add``.
    invoice_add_extra: Mapping[str, Any] = field(default_factory=dict)
    #: Context manager entered around every write to the given endpoint URL.
    write_guard: WriteGuard = lambda _url: contextlib.nullcontext()
    #: Whether all clients of one endpoint share a rate-limit budget (pacer).
    shares_rate_limit: bool = False
    #: Whether writes to one endpoint must take turns across processes (a global lock).
    serialises_writes: bool = False


WEFACT = Dialect(
    kind="WEFACT",
    name="wefact",
    line_vat=lambda line: {"TaxCode": line.tax_code},
    line_period=lambda line: {"StartDate": line.start_date, "EndDate": line.end_date},
    # WeFact decrements product stock on invoice add unless told not to.
    invoice_add_extra={"UseProductInventory": False},
    shares_rate_limit=True,
)

HOSTFACT = Dialect(
    kind="HOSTFACT",
    name="hostfact",
    line_vat=lambda line: {"TaxPercentage": line.tax_percentage},
    line_period=lambda line: {"StartPeriod": line.start_date},
    write_guard=installation_lock,
    serialises_writes=True,
)
