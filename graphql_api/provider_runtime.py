"""What every provider call of one process shares, made once and injected.

- ``budget``: WeFact's rate-limit budget per endpoint shared by every process (WeFact counts
  per source IP, so all workspaces and processes served from one address share it); and
  ``write_locks``: HostFact's write lock per installation across processes. Both are kept in
  PostgreSQL (``graphql_api.budget``); ``AppState.create`` installs them. Without them
  (``None``) the clients fall back to ``pacers`` and the in-process lock.
- ``pacers``: one WeFact rate-limit budget per endpoint within this process.
- ``retry``: one retry policy for the clients' transport and for the invoice engine.
- ``after_invoice_add``: a seam for fault-injection tests — awaited with our invoice id right
  after the provider confirmed ``invoice/add`` and before we record it, where a crashing
  worker would leave the provider ahead of our database. ``None`` in production.
- ``after_attachment``: the same seam for the proof step (issue 17) — awaited with our
  invoice id, the file name and False right after the provider confirmed ``attachment/add``
  (before we record it), then with True right after we recorded it (before the next file,
  or before the invoice is booked or e-mailed). ``None`` in production.

The process's resources (``graphql_api.resources``) own one; tests build their own (fast
retries, hooks) instead of patching module globals.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from integrations import CallBudget, PacerRegistry, RetryPolicy, WriteLocks

InvoiceHook = Callable[[int], Awaitable[None]]
AttachmentHook = Callable[[int, str, bool], Awaitable[None]]


@dataclass
class ProviderRuntime:
    """The process's shared provider plumbing (see the module docstring)."""

    pacers: PacerRegistry = field(default_factory=PacerRegistry)
    budget: CallBudget | None = None
    write_locks: WriteLocks | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    after_invoice_add: InvoiceHook | None = None
    after_attachment: AttachmentHook | None = None
