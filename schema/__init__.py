"""The GraphQL contract: strawberry types, inputs, enums and errors, one folder per domain."""

# The model enums are registered (with descriptions) before any type module uses them.
from schema import enums as enums
