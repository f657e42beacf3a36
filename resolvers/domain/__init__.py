"""Resolvers of the time-tracking domain: rights, id decoding, services, error mapping."""
