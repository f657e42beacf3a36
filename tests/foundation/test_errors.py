"""Domain errors become the error type their result union offers; anything else is masked."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
import strawberry
from strawberry.extensions import MaskErrors

from graphql_api.errors import (
    DOMAIN_CODES,
    Conflict,
    DomainError,
    GeneralCode,
    InvalidInput,
    Locked,
    NotActivated,
    NotFound,
    WefactCode,
)
from graphql_api.provider_runtime import ProviderRuntime
from graphql_api.security import SecretBox
from graphql_api.services.invoicing.create import problem_error_code
from graphql_api.services.invoicing.selection import WARNINGS, ProblemCode
from graphql_api.services.wefact.clients import ProviderServices
from graphql_api.services.wefact.connection import provider_error
from graphql_api.services.wefact.connections import ConnectionGone
from graphql_api.settings import Settings
from integrations import InconclusiveLookupError
from schema.errors import (
    EXCEPTION_HANDLERS,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    WefactConnectionError,
)
from schema.schema import _should_mask
from schema.schema import schema as api_schema


@strawberry.type
class Done:
    ok: bool


WithConnection = Annotated[
    Done | NotFoundError | ConflictError | WefactConnectionError, strawberry.union("WithConnection")
]
WithoutConnection = Annotated[
    Done | NotFoundError | ConflictError | InvalidInputError, strawberry.union("WithoutConnection")
]
RAISED: list[DomainError] = []


@strawberry.type
class Query:
    @strawberry.field(graphql_type=WithConnection)
    def with_connection(self) -> Done:
        raise RAISED[0]

    @strawberry.field(graphql_type=WithoutConnection)
    def without_connection(self) -> Done:
        raise RAISED[0]


SCHEMA = strawberry.Schema(
    query=Query,
    exception_handlers=EXCEPTION_HANDLERS,
    extensions=[lambda: MaskErrors(should_mask_error=_should_mask)],
)
ASK = "{{ {field} {{ __typename ... on Error {{ code message field }} }} }}"


@pytest.mark.parametrize(
    ("error", "field", "typename"),
    [
        (NotFound("gone", field="id"), "withConnection", "NotFoundError"),
        (Conflict("taken"), "withoutConnection", "ConflictError"),
        # Invalid input whatever its code: the class decides, so the union always fits.
        (InvalidInput("unknown", code=GeneralCode.NOT_FOUND), "withoutConnection",
         "InvalidInputError"),
        # A connection problem where the union can say so, a conflict where it cannot.
        (NotActivated("activate first"), "withConnection", "WefactConnectionError"),
        (NotActivated("activate first"), "withoutConnection", "ConflictError"),
        # An invoice's connection that is gone is a conflict, also where the union offers
        # WefactConnectionError (as releaseInvoice's does).
        (ConnectionGone("undo it by hand", field="id"), "withConnection", "ConflictError"),
    ],
)
def test_the_union_decides_among_the_errors_class(
    error: DomainError, field: str, typename: str
) -> None:
    RAISED[:] = [error]
    result = SCHEMA.execute_sync(ASK.format(field=field))
    assert result.errors is None
    assert result.data == {field: {
        "__typename": typename, "code": error.code.name, "message": error.message,
        "field": error.field,
    }}


async def test_connection_failures_of_invoices_carry_their_own_codes() -> None:
    """The codes the connections work added: a gone connection, and a lookup the provider
    could not answer exhaustively (a WeFact connection problem, not "unexpected")."""
    assert ConnectionGone("undo it by hand").code is WefactCode.CONNECTION_GONE
    settings = Settings(secret_key="test-secret-key-not-for-production")
    async with httpx.AsyncClient() as http:
        services = ProviderServices(
            settings, SecretBox(settings.resolved_secret_key()), http, ProviderRuntime()
        )
        error = provider_error(InconclusiveLookupError("more than 100 debtors match"), services)
    assert error.code is WefactCode.LOOKUP_INCONCLUSIVE
    assert "more than 100 debtors match" in error.message
    RAISED[:] = [error]
    result = SCHEMA.execute_sync(ASK.format(field="withConnection"))
    assert result.errors is None
    assert result.data == {"withConnection": {
        "__typename": "WefactConnectionError", "code": "LOOKUP_INCONCLUSIVE",
        "message": error.message, "field": None,
    }}


def test_an_error_the_union_has_no_type_for_is_a_masked_fault() -> None:
    RAISED[:] = [Locked("locked")]
    result = SCHEMA.execute_sync(ASK.format(field="withConnection"))
    assert result.data is None
    assert [e.message for e in result.errors or []] == ["Unexpected error."]


def test_every_code_is_a_described_value_of_the_error_code_enum() -> None:
    enum = api_schema._schema.type_map["ErrorCode"]
    codes = [code for domain in DOMAIN_CODES for code in domain]
    assert sorted(enum.values) == sorted(code.name for code in codes)
    for code in codes:
        assert code.value in enum.values[code.name].description
    assert WefactCode.IP_NOT_WHITELISTED.name in enum.values


def test_every_blocking_selection_problem_has_an_error_code() -> None:
    for problem in ProblemCode:
        if problem not in WARNINGS:
            assert problem_error_code(problem).name == problem.name
