"""What the GraphQL fields do: rights, service calls, mapping to schema types."""
