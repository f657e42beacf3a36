"""What an invoice carries as proof: the choice (options, else the workspace defaults) and
the files that choice means — one name per file, unique on its invoice, so a file is found
again by its name after a lost answer (WeFact/HostFact store a name twice if asked twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graphql_api.errors import InvalidInput, ProofCode
from graphql_api.models import AttachmentKind, WefactSettings
from graphql_api.services.invoicing.line_texts import PLACEHOLDERS, TemplateError, parse_template
from graphql_api.services.invoicing.lines import GroupBy

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


# ---------------------------------------------------------------- the workspace's defaults


@dataclass(frozen=True)
class SavedLineTemplate:
    """One saved line text: the grouping (a ``GroupBy`` value) it words, and its text."""

    group_by: str
    template: str


@dataclass(frozen=True)
class Placeholder:
    """A placeholder a line-text template may use, and what it shows."""

    name: str
    meaning: str


def saved_templates(row: WefactSettings) -> list[SavedLineTemplate]:
    """The workspace's line texts, in the groupings' order."""
    stored = row.line_templates or {}
    return [
        SavedLineTemplate(grouping.value, stored[grouping.value])
        for grouping in GroupBy
        if grouping.value in stored
    ]


def placeholders() -> list[Placeholder]:
    """Every placeholder a template may use."""
    return [Placeholder(name, meaning) for name, meaning in PLACEHOLDERS.items()]


@dataclass(frozen=True)
class ProofSettingsChange:
    """The proof part of ``updateWefactSettings``; None leaves a default as it is.

    ``line_templates``: ``(grouping, text)`` in input order; a None or empty text removes
    that grouping's template."""

    attach_specification: bool | None = None
    attach_receipts: bool | None = None
    line_templates: tuple[tuple[GroupBy, str | None], ...] = ()


def apply_proof_settings(row: WefactSettings, change: ProofSettingsChange) -> None:
    """Change the defaults and templates on the (locked) settings row; every template is
    checked first, and one that cannot be used is refused naming the placeholder (or the
    brace) and the input position — then nothing of the change is kept."""
    templates = dict(row.line_templates or {})
    for index, (grouping, source) in enumerate(change.line_templates):
        if source is None or not source.strip():
            templates.pop(grouping.value, None)
            continue
        try:
            parse_template(source)
        except TemplateError as exc:
            raise InvalidInput(
                f"The {grouping.value} line text cannot be used: {exc}",
                field=f"lineTemplates[{index}].template",
                code=ProofCode.UNKNOWN_PLACEHOLDER if exc.placeholder else ProofCode.BAD_TEMPLATE,
            ) from None
        templates[grouping.value] = source
    row.line_templates = templates  # a new dict: SQLAlchemy sees the JSONB change
    if change.attach_specification is not None:
        row.attach_specification = change.attach_specification
    if change.attach_receipts is not None:
        row.attach_receipts = change.attach_receipts
