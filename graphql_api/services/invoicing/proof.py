"""What an invoice carries as proof: the choice (options, else the workspace defaults) and
the files that choice means — one name per file, unique on its invoice, so a file is found
again by its name after a lost answer (WeFact/HostFact store a name twice if asked twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graphql_api.models import AttachmentKind, WefactSettings

EXTENSIONS: Mapping[str, str] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
}
"""The receipt types we take, and the extension their file gets."""


@dataclass(frozen=True)
class ProofChoice:
    """Whether invoices get the hours specification and their expenses' receipts."""

    specification: bool = False
    receipts: bool = False

    @property
    def any(self) -> bool:
        """True when something is to be attached."""
        return self.specification or self.receipts


def proof_choice(
    specification: bool | None, receipts: bool | None, settings: WefactSettings | None
) -> ProofChoice:
    """The options as given, else the workspace's defaults (WeFact settings), else none."""
    return ProofChoice(
        specification=specification
        if specification is not None
        else bool(settings and settings.attach_specification),
        receipts=receipts if receipts is not None else bool(settings and settings.attach_receipts),
    )


@dataclass(frozen=True)
class PlannedFile:
    """One file an invoice gets: its name on the invoice, and the receipt it is (if any)."""

    kind: AttachmentKind
    filename: str
    expense_id: int | None = None


def specification_filename(invoice_date: dt.date) -> str:
    """The hours specification's name on its invoice (one per invoice)."""
    return f"hours-specification-{invoice_date.isoformat()}.pdf"


def receipt_filename(expense_date: dt.date, expense_id: int, content_type: str) -> str:
    """A receipt's name: its expense's date and number, so two never share one."""
    return f"receipt-{expense_date.isoformat()}-{expense_id}.{EXTENSIONS[content_type]}"


def planned_files(
    choice: ProofChoice,
    invoice_date: dt.date,
    receipts: Iterable[tuple[int, dt.date, str]],
) -> list[PlannedFile]:
    """The files of one invoice: the specification first, then the receipts by date.

    ``receipts``: ``(expense id, expense date, content type)`` of its expenses' receipts."""
    files: list[PlannedFile] = []
    if choice.specification:
        files.append(
            PlannedFile(AttachmentKind.SPECIFICATION, specification_filename(invoice_date))
        )
    if choice.receipts:
        for expense_id, day, content_type in sorted(receipts, key=lambda r: (r[1], r[0])):
            files.append(
                PlannedFile(
                    AttachmentKind.RECEIPT,
                    receipt_filename(day, expense_id, content_type),
                    expense_id,
                )
            )
    return files
