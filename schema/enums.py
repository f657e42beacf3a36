"""The model enums the API shows, with their descriptions.

strawberry registers an enum once, on the class itself, and types then annotate fields with
the model enum (``models.BillingMethod``). This module is imported by the package, before
any type that uses them, so no enum is ever registered twice.
"""

from __future__ import annotations

import strawberry

from graphql_api import models
from graphql_api.services.domain.registrations import RegistrationOrder
from graphql_api.services.invoicing.selection import ProblemCode

strawberry.enum(
    models.BillingMethod,
    description=(
        "How a project is billed. The HOURLY_* methods bill hours at the project's, the "
        "activity's (or the project's override for it), the user's or the customer's rate; "
        "FIXED_PRICE, SUBSCRIPTION and NON_BILLABLE do not bill hours by the hour."
    ),
)
strawberry.enum(models.SubscriptionInterval, description="Length of one subscription period.")
strawberry.enum(
    models.RegistrationStatus,
    description="OPEN until an invoice confirmed it, then INVOICED (and locked).",
)
strawberry.enum(
    RegistrationOrder,
    description=(
        "The order hours, expenses and trips are listed in: OLDEST_FIRST (by date, then id; "
        "the default) or NEWEST_FIRST (by date, then id, both descending). Cursors continue in "
        "the order of the list they are passed to."
    ),
)
strawberry.enum(models.Role, description="What a user may do in their workspace.")
strawberry.enum(
    models.InvitationStatus,
    description="PENDING: its token can be accepted. EXPIRED: too late (invite the address "
    "again for a new token). ACCEPTED: the user exists. REVOKED: withdrawn.",
)
strawberry.enum(models.TokenKind, description="Login session or named API token.")
strawberry.enum(
    models.Subscription,
    name="WefactSubscription",
    description="Which product you invoice with: WeFact (online) or HostFact (self-hosted).",
)
strawberry.enum(
    models.InvoiceMode,
    description=(
        "CONCEPT: a draft in WeFact. BOOK: final, numbered, not e-mailed (a sales booking). "
        "SEND: final and e-mailed to the customer by WeFact."
    ),
)
strawberry.enum(models.RunKind, description="What a run does.")
strawberry.enum(
    models.RunStatus,
    description=(
        "Where a run is: QUEUED, RUNNING, then SUCCEEDED, PARTIAL (some items have "
        "problems) or FAILED."
    ),
)
strawberry.enum(
    models.InvoiceStatus,
    description=(
        "PENDING: recorded, registrations reserved, WeFact not confirmed yet. CONCEPT, "
        "BOOKED, SENT, PARTLY_PAID, PAID, CREDITED: as WeFact reported, where BOOKED is final "
        "and numbered but not e-mailed (mode BOOK) and SENT e-mailed (mode SEND) or made final "
        "in WeFact itself. FAILED: WeFact refused it (or it "
        "was never sent); its registrations are open again. RELEASED: undone with "
        "releaseInvoice; its registrations are open again."
    ),
)
strawberry.enum(models.LineKind, description="What an invoice line bills.")
strawberry.enum(
    ProblemCode,
    description=(
        "Why registrations cannot be invoiced (blocking), or what will happen on the way "
        "(CUSTOMER_WILL_BE_CREATED, not blocking)."
    ),
)
strawberry.enum(
    models.AttachmentKind,
    description="What a file attached to an invoice in WeFact is: the hours specification "
    "(PDF) or an expense's receipt.",
)
strawberry.enum(
    models.WebhookEventType,
    description=(
        "What a webhook tells: INVOICE_CREATED (`invoice.created`: the invoice is in "
        "WeFact/HostFact), INVOICE_STATUS_CHANGED (`invoice.status_changed`), "
        "INVOICE_RUN_FINISHED (`invoice_run.finished`), CUSTOMER_IMPORT_FINISHED "
        "(`customer_import.finished`). The README documents each payload."
    ),
)
strawberry.enum(
    models.DeliveryStatus,
    description=(
        "PENDING: to be (re)tried at `nextAttemptAt`. SUCCEEDED: the receiver answered 2xx. "
        "FAILED: given up (retried for 3 days, or the endpoint was disabled)."
    ),
)
