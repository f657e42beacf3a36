"""Alembic migrations (run through ``graphql-api migrate``)."""
