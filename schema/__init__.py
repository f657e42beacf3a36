"""The GraphQL contract: strawberry types, inputs, enums and errors, one folder per domain."""
