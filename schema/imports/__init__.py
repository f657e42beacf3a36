"""GraphQL of the customer import: the ``CustomerImport`` view of a run and its fields."""
