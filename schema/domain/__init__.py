"""GraphQL contract of the time-tracking domain."""
