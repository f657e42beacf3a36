"""Root fields of the customer import."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api import models
from resolvers import imports
from resolvers.context import Info
from resolvers.pagination import Page
from resolvers.permissions import IsAdmin, IsAuthenticated
from resolvers.reads import ClientErrors
from schema.imports import types
from schema.relay import AFTER, FIRST, Connection

IMPORT_ID = Annotated[
    strawberry.ID, strawberry.argument(description="Global id of the customer import.")
]


@strawberry.type
class ImportsQuery:
    @strawberry.field(
        graphql_type=types.CustomerImport | None,
        permission_classes=[IsAuthenticated],
        description="A customer import of your workspace by global id; null when there is none.",
    )
    async def customer_import(self, info: Info, id: IMPORT_ID) -> models.Run | None:
        return await imports.customer_import(info, id)

    @strawberry.field(
        graphql_type=Connection[types.CustomerImport],
        permission_classes=[IsAuthenticated],
        extensions=[ClientErrors()],
        description="Customer imports, newest first; `first` is capped at 100.",
    )
    async def customer_imports(
        self, info: Info, first: FIRST = 20, after: AFTER = None
    ) -> Page[models.Run]:
        return await imports.customer_imports(info, first, after)


@strawberry.type
class ImportsMutation:
    @strawberry.mutation(
        graphql_type=types.ImportCustomersResult,
        permission_classes=[IsAdmin],
        description=(
            "Import all WeFact/HostFact debtors as customers, matched on customer number = "
            "debtor number: new debtors become customers, known ones get WeFact's name, "
            "contact, address, VAT and chamber-of-commerce numbers (rates, notes and projects "
            "stay). Waits a few seconds and returns the import as it stands (admins)."
        ),
    )
    async def import_customers(self, info: Info) -> models.Run:
        return await imports.import_customers(info)
