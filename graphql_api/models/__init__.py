"""All ORM models; importing this package registers every table on ``Base.metadata``."""

from graphql_api.models.base import Base
from graphql_api.models.budget import CallBudget
from graphql_api.models.domain import (
    Activity,
    BillingMethod,
    Customer,
    Expense,
    ExpenseCategory,
    Project,
    ProjectActivity,
    RegistrationStatus,
    SubscriptionInterval,
    TimeEntry,
    Trip,
)
from graphql_api.models.guards import IdempotencyKey, LoginThrottle
from graphql_api.models.invoicing import Invoice, InvoiceLine, InvoiceStatus, LineKind
from graphql_api.models.proof import AttachmentKind, ExpenseReceipt, InvoiceAttachment
from graphql_api.models.runs import Run, RunKind, RunStatus
from graphql_api.models.tenancy import (
    ADMIN_ROLES,
    ApiToken,
    Invitation,
    InvitationStatus,
    Role,
    TokenKind,
    User,
    Workspace,
)
from graphql_api.models.webhooks import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from graphql_api.models.wefact import (
    InvoiceMode,
    ProviderConnection,
    Subscription,
    WefactProduct,
    WefactSettings,
)

__all__ = [
    "ADMIN_ROLES",
    "Activity",
    "ApiToken",
    "AttachmentKind",
    "Base",
    "BillingMethod",
    "CallBudget",
    "Customer",
    "DeliveryStatus",
    "Expense",
    "ExpenseCategory",
    "ExpenseReceipt",
    "IdempotencyKey",
    "Invitation",
    "InvitationStatus",
    "Invoice",
    "InvoiceAttachment",
    "InvoiceLine",
    "InvoiceMode",
    "InvoiceStatus",
    "LineKind",
    "LoginThrottle",
    "Project",
    "ProjectActivity",
    "ProviderConnection",
    "RegistrationStatus",
    "Role",
    "Run",
    "RunKind",
    "RunStatus",
    "Subscription",
    "SubscriptionInterval",
    "TimeEntry",
    "TokenKind",
    "Trip",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookEventType",
    "WefactProduct",
    "WefactSettings",
    "Workspace",
]
