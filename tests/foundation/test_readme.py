"""The README's example operations stay valid against the schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import parse, validate

from graphql_api.settings import Settings
from schema.schema import schema

README = Path(__file__).resolve().parents[2] / "README.md"


def _operations() -> list[str]:
    operations = []
    for block in re.findall(r"```graphql\n(.*?)```", README.read_text(), re.S):
        for chunk in re.split(r"\n\s*\n", block):
            lines = [line for line in chunk.splitlines() if not line.strip().startswith("#")]
            if "".join(lines).strip():
                operations.append("\n".join(lines))
    return operations


def test_readme_has_examples() -> None:
    assert len(_operations()) >= 5


@pytest.mark.parametrize("operation", _operations())
def test_readme_example_is_valid(operation: str) -> None:
    assert validate(schema._schema, parse(operation)) == []


def test_every_setting_is_in_the_configuration_table() -> None:
    """Each setting has its row (CORS_ORIGINS, RUN_WORKER_IN_PROCESS and the limits too), and
    every row is a setting (none left over from a removed one)."""
    table = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", table, re.M))
    settings = {name.upper() for name in Settings.model_fields}
    assert settings - documented == set()
    assert documented - settings == set()
    assert {"CORS_ORIGINS", "RUN_WORKER_IN_PROCESS", "MAX_BODY_BYTES"} <= documented
