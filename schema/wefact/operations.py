"""Root fields of the WeFact settings."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graphql_api import models
from resolvers import results, wefact
from resolvers.context import Info
from resolvers.permissions import IsAdmin, IsAuthenticated
from resolvers.reads import ClientErrors
from schema.wefact import types

SEARCH = Annotated[
    str | None, strawberry.argument(description="Part of the code, name or invoice text.")
]
AT_MOST = Annotated[int, strawberry.argument(description="At most this many (1–100).")]


@strawberry.type
class WefactQuery:
    @strawberry.field(
        graphql_type=types.WefactSettings | None,
        permission_classes=[IsAdmin],
        description="Your WeFact/HostFact connection; null when never activated (admins).",
    )
    async def wefact_settings(self, info: Info) -> models.WefactSettings | None:
        return await wefact.wefact_settings(info)

    @strawberry.field(
        graphql_type=list[types.WefactProduct],
        permission_classes=[IsAuthenticated],
        extensions=[ClientErrors()],
        description="Cached WeFact products by code; `search` matches code, name or text. "
        "At most `first` are returned (1–100; anything else is refused, like every list).",
    )
    async def wefact_products(
        self, info: Info, search: SEARCH = None, first: AT_MOST = 100
    ) -> list[models.WefactProduct]:
        return await wefact.wefact_products(info, search, first)


@strawberry.type
class WefactMutation:
    @strawberry.mutation(
        graphql_type=types.ActivateWefactResult,
        permission_classes=[IsAdmin],
        description="Connect WeFact or HostFact: the key is verified with a live call, stored "
        "encrypted and never shown again; the products are cached.",
    )
    async def activate_wefact(
        self, info: Info, input: types.ActivateWefactInput
    ) -> models.WefactSettings:
        return await wefact.activate_wefact(
            info, input.subscription, input.api_key, input.hostfact_url
        )

    @strawberry.mutation(
        graphql_type=types.UpdateWefactSettingsResult,
        permission_classes=[IsAdmin],
        description="Change the default product, trip product, invoice defaults (with the "
        "hours specification and receipts) and the hours line texts; all or nothing.",
    )
    async def update_wefact_settings(
        self, info: Info, input: types.UpdateWefactSettingsInput
    ) -> models.WefactSettings:
        return await wefact.update_wefact_settings(info, input.change(), input.proof_change())

    @strawberry.mutation(
        graphql_type=types.DeactivateWefactResult,
        permission_classes=[IsAdmin],
        description="Stop using WeFact; invoices and history are kept.",
    )
    async def deactivate_wefact(self, info: Info) -> models.WefactSettings:
        return await wefact.deactivate_wefact(info)

    @strawberry.mutation(
        graphql_type=types.SyncWefactProductsResult,
        permission_classes=[IsAdmin],
        description="Fetch the product list from WeFact again.",
    )
    async def sync_wefact_products(self, info: Info) -> results.ProductSync:
        return await wefact.sync_wefact_products(info)
