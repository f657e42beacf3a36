"""Re-encrypting stored secrets after SECRET_KEY changed (key rotation): the WeFact/HostFact
keys and the webhook endpoints' signing secrets."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from graphql_api.models import ProviderConnection, WebhookEndpoint
from graphql_api.security import SecretBox


async def rotate_api_keys(sessionmaker: async_sessionmaker[AsyncSession], box: SecretBox) -> int:
    """Re-encrypt every stored key with the box's current key, in one transaction: the
    current connections' and the earlier ones', which stay in use for their invoices.

    Also the webhook endpoints' signing secrets (and a previous one still in its overlap);
    the count returned is of provider keys only.

    Raises ``ValueError`` (and changes nothing) when a key cannot be decrypted with the
    current or any previous key.
    """
    async with sessionmaker() as session, session.begin():
        rows = (
            await session.scalars(
                select(ProviderConnection).order_by(ProviderConnection.id).with_for_update()
            )
        ).all()
        for row in rows:
            row.api_key_encrypted = box.rotate(row.api_key_encrypted)
        endpoints = await session.scalars(
            select(WebhookEndpoint).order_by(WebhookEndpoint.id).with_for_update()
        )
        for endpoint in endpoints:
            endpoint.secret_encrypted = box.rotate(endpoint.secret_encrypted)
            if endpoint.previous_secret_encrypted is not None:
                endpoint.previous_secret_encrypted = box.rotate(endpoint.previous_secret_encrypted)
    return len(rows)
