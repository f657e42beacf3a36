"""GraphQL types and root fields of webhooks."""
