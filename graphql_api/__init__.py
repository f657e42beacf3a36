"""The application: settings, database, models, auth and domain services.

Nothing in this package imports strawberry; the GraphQL layer lives in ``schema`` and
``resolvers``.
"""
