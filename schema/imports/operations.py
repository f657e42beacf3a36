"""Root fields of the customer import."""

from __future__ import annotations

import strawberry

from resolvers import imports
from resolvers.permissions import IsAdmin, IsAuthenticated
from schema.imports import types
from schema.relay import Connection


@strawberry.type
class ImportsQuery:
    customer_import: types.CustomerImport | None = strawberry.field(
        resolver=imports.customer_import,
        permission_classes=[IsAuthenticated],
        description="A customer import of your workspace by global id; null when there is none.",
    )
    customer_imports: Connection[types.CustomerImport] = strawberry.field(
        resolver=imports.customer_imports,
        permission_classes=[IsAuthenticated],
        description="Customer imports, newest first; `first` is capped at 100.",
    )


@strawberry.type
class ImportsMutation:
    import_customers: types.ImportCustomersResult = strawberry.mutation(
        resolver=imports.import_customers,
        permission_classes=[IsAdmin],
        description=(
            "Import all WeFact/HostFact debtors as customers, matched on customer number = "
            "debtor number: new debtors become customers, known ones get WeFact's name, "
            "contact, address, VAT and chamber-of-commerce numbers (rates, notes and projects "
            "stay). Waits a few seconds and returns the import as it stands (admins)."
        ),
    )
