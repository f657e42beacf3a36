"""Global ids and cursors: the bytes clients hold from earlier versions keep working."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strawberry.relay import GlobalID

from graphql_api.errors import InvalidInput, NotFound
from resolvers.ids import decode_cursor, decode_id, encode_cursor, global_id, parse_global_id

TYPE_NAMES = st.from_regex(r"[A-Z][A-Za-z]{0,30}", fullmatch=True)
PKS = st.integers(min_value=1, max_value=2**63 - 1)


def _urlsafe(type_name: str, pk: int) -> str:
    """How ids were encoded before strawberry.relay wrote them."""
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode()


@given(TYPE_NAMES, PKS)
def test_ids_are_the_bytes_issued_before(type_name: str, pk: int) -> None:
    gid = global_id(type_name, pk)
    assert gid == _urlsafe(type_name, pk) == str(GlobalID(type_name, str(pk)))
    assert parse_global_id(gid) == (type_name, pk)


@given(TYPE_NAMES, PKS)
def test_both_alphabets_and_missing_padding_decode(type_name: str, pk: int) -> None:
    standard = base64.b64encode(f"{type_name}:{pk}".encode()).decode()
    for value in (standard, _urlsafe(type_name, pk), standard.rstrip("=")):
        assert parse_global_id(value) == (type_name, pk)


@pytest.mark.parametrize(
    "value",
    [
        "", "not-an-id", "Q3VzdG9tZXI6", "Q3VzdG9tZXI6NDI=!", "Q3VzdG9tZXI6\u00e9",
        base64.b64encode(b"Customer:4 2").decode(), base64.b64encode(b"Customer:-1").decode(),
        base64.b64encode("Customer:\u0664\u0662".encode()).decode(),  # Arabic-Indic digits
        base64.b64encode(b":42").decode(), base64.b64encode(b"Customer42").decode(),
    ],
)
def test_anything_else_is_no_id(value: str) -> None:
    assert parse_global_id(value) is None
    with pytest.raises(NotFound) as caught:
        decode_id(value, "Customer", field="customerId")
    assert caught.value.field == "customerId"


def test_an_id_of_another_type_is_unknown() -> None:
    with pytest.raises(NotFound, match="No Project or Trip with id"):
        decode_id(global_id("Customer", 7), ("Project", "Trip"))


def test_cursors_keep_their_format() -> None:
    values = [dt.date(2026, 3, 2), 41]
    old = base64.urlsafe_b64encode(json.dumps(["2026-03-02", 41]).encode()).decode()
    assert encode_cursor(values) == old
    assert decode_cursor(old) == ["2026-03-02", 41]
    assert decode_cursor(old.rstrip("=")) == ["2026-03-02", 41]
    for bad in ("", "nope", base64.b64encode(b'{"a": 1}').decode()):
        with pytest.raises(InvalidInput) as caught:
            decode_cursor(bad)
        assert caught.value.field == "after"
