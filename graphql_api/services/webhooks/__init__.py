"""Signed webhooks: endpoints (``endpoints``) and the delivery of outbox events (``delivery``).

The events themselves are written by ``graphql_api.outbox`` in the transactions of the
changes they describe.
"""

from graphql_api.services.webhooks import delivery, endpoints

__all__ = ["delivery", "endpoints"]
