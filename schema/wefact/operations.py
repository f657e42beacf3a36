"""Root fields of the WeFact settings."""

from __future__ import annotations

import strawberry

from resolvers import wefact
from resolvers.permissions import IsAdmin, IsAuthenticated
from schema.wefact import types


@strawberry.type
class WefactQuery:
    wefact_settings: types.WefactSettings | None = strawberry.field(
        resolver=wefact.wefact_settings,
        permission_classes=[IsAdmin],
        description="Your WeFact/HostFact connection; null when never activated (admins).",
    )
    wefact_products: list[types.WefactProduct] = strawberry.field(
        resolver=wefact.wefact_products,
        permission_classes=[IsAuthenticated],
        description="Cached WeFact products by code; `search` matches code, name or text. "
        "At most `first` (≤ 100) are returned.",
    )


@strawberry.type
class WefactMutation:
    activate_wefact: types.ActivateWefactResult = strawberry.mutation(
        resolver=wefact.activate_wefact,
        permission_classes=[IsAdmin],
        description="Connect WeFact or HostFact: the key is verified with a live call, stored "
        "encrypted and never shown again; the products are cached.",
    )
    update_wefact_settings: types.UpdateWefactSettingsResult = strawberry.mutation(
        resolver=wefact.update_wefact_settings,
        permission_classes=[IsAdmin],
        description="Change the default product, trip product and invoice defaults.",
    )
    deactivate_wefact: types.DeactivateWefactResult = strawberry.mutation(
        resolver=wefact.deactivate_wefact,
        permission_classes=[IsAdmin],
        description="Stop using WeFact; invoices and history are kept.",
    )
    sync_wefact_products: types.SyncWefactProductsResult = strawberry.mutation(
        resolver=wefact.sync_wefact_products,
        permission_classes=[IsAdmin],
        description="Fetch the product list from WeFact again.",
    )
