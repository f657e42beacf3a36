"""The ``graphql-api`` command as a user runs it: real processes, real database."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graphql_api.logs import JsonFormatter
from graphql_api.settings import SettingsError, load_settings
from tests.conftest import GraphQLClient


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "graphql_api.cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_create_workspace_prints_a_working_token(
    database_url: str, gql: GraphQLClient
) -> None:
    result = _run(
        ["create-workspace", "Initech", "--owner-email", "boss@initech.test", "--password", "pw"],
        {"DATABASE_URL": database_url, "SECRET_KEY": "k"},
    )
    assert result.returncode == 0, result.stderr
    last_line = result.stdout.strip().splitlines()[-1]
    payload = json.loads(last_line)
    assert payload["workspace"] == "Initech"
    data = await gql.data("{ me { email workspace { name } } }", token=payload["token"])
    assert data["me"] == {"email": "boss@initech.test", "workspace": {"name": "Initech"}}
    # The token is printed once for the user, never logged.
    assert payload["token"] not in result.stderr


def test_create_workspace_refuses_a_taken_email(database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "SECRET_KEY": "k"}
    first = _run(["create-workspace", "A", "--owner-email", "dup@x.test"], env)
    assert first.returncode == 0, first.stderr
    second = _run(["create-workspace", "B", "--owner-email", "dup@x.test"], env)
    assert second.returncode == 1
    assert "already exists" in second.stderr


def test_embedded_database_start_is_quiet(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path / "data"), "LOG_FORMAT": "text", "DATABASE_URL": ""}
    full_env = {key: value for key, value in {**os.environ, **env}.items() if key != "XDG_RUNTIME_DIR"}
    result = subprocess.run(
        [sys.executable, "-m", "graphql_api.cli", "migrate"],
        env=full_env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    # initdb ran (a fresh DATA_DIR), but neither its output nor platformdirs' warning shows.
    assert "XDG_RUNTIME_DIR" not in result.stderr
    assert "initdb" not in result.stderr.lower()
    assert "The files belonging to this database system" not in result.stderr
    assert result.stderr.count("\n") <= 2, result.stderr
    assert result.stdout == "database is up to date\n"


def test_migrate_is_idempotent(database_url: str) -> None:
    result = _run(["migrate"], {"DATABASE_URL": database_url, "SECRET_KEY": "k"})
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/db"),
        ("RUN_WAIT_SECONDS", "-3"),
        ("ALLOW_PRIVATE_INTEGRATION_URLS", "maybe"),
        ("WEFACT_API_URL", "ftp://example.com"),
    ],
)
def test_bad_setting_stops_start_up_naming_the_variable(variable: str, value: str) -> None:
    env = {"DATABASE_URL": "postgresql://u@h/db", "SECRET_KEY": "k", variable: value}
    result = _run(["serve", "--port", "1"], env)
    assert result.returncode == 2
    assert variable in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("REQUEST_TIMEOUT_SECONDS", "0"),
        ("REQUEST_TIMEOUT_SECONDS", "3"),  # not longer than RUN_WAIT_SECONDS (5)
        ("MAX_BODY_BYTES", "ten"),
        ("GRAPHQL_MAX_COST", "0"),
        ("GRAPHQL_MAX_DEPTH", "-1"),
        ("GRAPHQL_INTROSPECTION", "perhaps"),
        ("LOG_FORMAT", "xml"),
        ("LOGIN_MAX_FAILURES", "0"),
        ("IDEMPOTENCY_TTL_HOURS", "0"),
        ("TESTING_CRASH_POINT", "somewhere"),
    ],
)
def test_bad_limit_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", "k")
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_secret_key_is_required_with_an_external_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings()


def test_egress_ips_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEFACT_EGRESS_IPS", "198.51.100.1, 198.51.100.2")
    monkeypatch.setenv("SECRET_KEY", "k")
    assert load_settings().wefact_egress_ips == ["198.51.100.1", "198.51.100.2"]


def test_logs_never_carry_tokens_or_keys() -> None:
    formatter = JsonFormatter()
    record = logging.makeLogRecord(
        {
            "msg": "call with Authorization: Bearer tt_abcdefghijklmnop and api_key=SECRETKEY123",
            "levelname": "INFO",
            "name": "x",
        }
    )
    line = formatter.format(record)
    assert "tt_abcdefghijklmnop" not in line
    assert "SECRETKEY123" not in line
    assert json.loads(line)["message"].count("[redacted]") == 2
