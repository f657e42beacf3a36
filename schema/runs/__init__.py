"""GraphQL types and root fields of background runs."""
