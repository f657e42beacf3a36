"""Controller ``attachment``: files on invoices, as Base64.

Rules, each from a public source (see ``tests/integrations/test_emulator_sources.py``):

- Actions ``add``, ``download`` and ``delete`` — no ``list`` (HostFact's
  ``apiv2/controllers/attachment_api_controller.php``; WeFact's and HostFact's "attachment"
  pages document the same three). An invoice's files are listed by ``invoice/show`` as
  ``Attachments: [{Identifier, Filename}]``, the key left out when there is none
  (``invoice_api_controller.php``, ``_show_invoice``).
- The invoice by ``ReferenceIdentifier`` (its id) or ``InvoiceCode``; ``Type`` is always
  ``invoice`` for invoices; ``add`` also needs ``Filename`` and ``Base64`` (the "attachment
  add" pages: "Verplichte velden"). Any invoice status (the same pages).
- ``add`` answers with a success message only; the same name twice stores two files
  (``class/attachment.php``: every ``saveBase64`` inserts a document row; only the name on
  disk is made unique).
- ``download`` by ``Filename`` or attachment ``Identifier`` answers ``success: [Filename,
  Base64]`` (HostFact's "attachment download" page; the controller hands the file to
  ``parseSuccess``); ``delete`` answers with a message.
- Not behind HostFact's write lock (``hostfactapi.class.php``, ``checkLogin``): see
  ``app.UNLOCKED_CONTROLLERS``.

The emulator models attachments of invoices only; another ``Type`` is refused with
HostFact's "no valid file type" text (an assumption: the real products also take price
quotes, debtors, creditors and tickets).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .common import Handler, Params, fail
from .messages import message
from .state import EmulatorState, Record
from .values import text

INVOICE = "invoice"


def _invoice(state: EmulatorState, params: Params) -> Record:
    """The invoice the call is about: ``ReferenceIdentifier`` wins over ``InvoiceCode``."""
    if text(params.get("Type")).strip() != INVOICE:
        raise fail(state, "attachment_type")
    reference = text(params.get("ReferenceIdentifier")).strip()
    invoice: Record | None = None
    if reference.isdigit() and int(reference) > 0:
        invoice = state.invoices.get(int(reference))
    elif code := text(params.get("InvoiceCode")).strip():
        invoice = state.invoice_by_code(code)
    if invoice is None:
        raise fail(state, "invoice_not_found")
    return invoice


def _saved_name(filename: str) -> str:
    """The name HostFact's success message shows: the extension in lower case."""
    stem, dot, extension = filename.rpartition(".")
    return f"{stem}.{extension.lower()}" if dot else filename


def _chosen(state: EmulatorState, invoice: Record, params: Params) -> Record:
    """The invoice's file named by ``Filename`` (the first of that name), else by the
    attachment's ``Identifier``."""
    files = state.attachments_of(invoice["Identifier"])
    filename = text(params.get("Filename"))
    if filename:
        found = next((f for f in files if f["Filename"] == filename), None)
        if found is None:
            raise fail(state, "attachment_not_found", name=filename)
        return found
    identifier = text(params.get("Identifier")).strip()
    found = next((f for f in files if str(f["Identifier"]) == identifier), None)
    if found is None:
        raise fail(state, "attachment_unknown")
    return found


def add(state: EmulatorState, params: Params) -> dict[str, Any]:
    invoice = _invoice(state, params)
    filename = text(params.get("Filename"))
    encoded = text(params.get("Base64"))
    if not filename:
        raise fail(state, "attachment_no_filename")
    if not encoded:
        raise fail(state, "attachment_no_base64")
    try:
        content = base64.b64decode(encoded)
    except (binascii.Error, ValueError):
        content = b""
    if not content:
        raise fail(state, "attachment_not_saved")
    if state.attachment_max_bytes is not None and len(content) > state.attachment_max_bytes:
        raise fail(state, "attachment_too_large", name=filename)
    state.add_attachment(invoice["Identifier"], filename, content)
    return {"success": [message(state.flavor, "attachment_added", name=_saved_name(filename))]}


def download(state: EmulatorState, params: Params) -> dict[str, Any]:
    found = _chosen(state, _invoice(state, params), params)
    return {"success": [found["Filename"], base64.b64encode(found["_content"]).decode("ascii")]}


def delete(state: EmulatorState, params: Params) -> dict[str, Any]:
    found = _chosen(state, _invoice(state, params), params)
    del state.attachments[found["Identifier"]]
    return {"success": [message(state.flavor, "attachment_deleted", name=found["Filename"])]}


ACTIONS: dict[str, Handler] = {"add": add, "download": download, "delete": delete}
