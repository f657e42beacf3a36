"""Domain services: the rules, independent of GraphQL."""
