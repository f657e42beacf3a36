"""Health endpoints, limits, masking, schema and migration drift."""

from __future__ import annotations

import httpx
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from graphql import GraphQLError

from graphql_api.app import AppState
from graphql_api.composition import build_app
from graphql_api.models import Base
from graphql_api.settings import Settings
from schema.schema import SDL_PATH, _should_mask, export_sdl, schema
from tests.conftest import GraphQLClient


async def test_healthz_and_readyz(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok"}


async def test_readyz_reports_unreachable_database(settings: Settings) -> None:
    broken = AppState.create(settings, "postgresql://nobody@127.0.0.1:1/none")
    app = build_app(broken, close_state_on_shutdown=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/healthz")).status_code == 200
        response = await c.get("/readyz")
    await broken.close()
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


async def test_graphiql_served_on_get(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_depth_limit(gql: GraphQLClient, state: AppState) -> None:
    query = "{ me { workspace { name } } }"
    assert (await gql.data(query))["me"]["workspace"]["name"] == "Acme"
    # The same operation with a lower limit (GRAPHQL_MAX_DEPTH) is refused before any
    # resolver runs.
    state.settings.graphql_max_depth = 1
    body = await gql.post(query)
    assert body["data"] is None
    assert body["errors"][0]["message"] == "The query nests 2 levels deep; at most 1 are allowed."
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_alias_limit(gql: GraphQLClient) -> None:
    query = "{ " + " ".join(f"a{i}: me {{ email }}" for i in range(31)) + " }"
    body = await gql.post(query)
    assert "aliases" in body["errors"][0]["message"]


def test_server_faults_are_masked_client_errors_are_not() -> None:
    fault = GraphQLError("boom", original_error=RuntimeError("db password=secret"))
    client = GraphQLError("Authentication required", original_error=GraphQLError("auth"))
    assert _should_mask(fault)
    assert not _should_mask(client)
    assert not _should_mask(GraphQLError("syntax"))


def test_schema_snapshot_is_current() -> None:
    assert SDL_PATH.read_text() == export_sdl(), "run `make schema` and commit schema.graphql"


def test_every_type_and_field_has_a_description() -> None:
    graphql_schema = schema._schema
    missing = []
    for name, gtype in graphql_schema.type_map.items():
        if name.startswith("__") or name in {"String", "Boolean", "Int", "Float", "ID"}:
            continue
        if not gtype.description:
            missing.append(name)
        for field_name, field in getattr(gtype, "fields", {}).items():
            if not field.description:
                missing.append(f"{name}.{field_name}")
    assert missing == []


async def test_models_and_migrations_do_not_drift(state: AppState) -> None:
    async with state.engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
            )
        )
    # procrastinate's own tables are installed by a migration but are not our models.
    ours = [d for d in diff if not _is_procrastinate(d)]
    assert ours == [], f"models and migrations differ: {ours}"


def _is_procrastinate(diff: object) -> bool:
    text = repr(diff)
    return "procrastinate" in text
