"""Turning input values into commands: ``UNSET`` for what was not sent, ids decoded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from graphql_api.services.commands import UNSET, Maybe
from resolvers.ids import decode_id

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
R = TypeVar("R")


class Sent(Protocol[T_co]):
    """What strawberry hands an input's ``Maybe`` field the client sent: ``Some(value)``
    (read-only here, so a ``Some[str]`` is a ``Sent[str | None]``)."""

    @property
    def value(self) -> T_co: ...


def given(value: Sent[T] | None) -> Maybe[T]:
    """An update field: its value when the client sent one (``null`` included), else UNSET."""
    return UNSET if value is None else value.value


def given_as(value: Sent[T] | None, convert: Callable[[T], R]) -> Maybe[R]:
    """An update field the command wants in another form (``convert`` the sent value)."""
    return UNSET if value is None else convert(value.value)


def given_id(value: Sent[str | None] | None, type_name: str, *, field: str) -> Maybe[int | None]:
    """An update field holding a global id: its primary key, ``None`` or UNSET."""
    if value is None:
        return UNSET
    if value.value is None:
        return None
    return decode_id(value.value, type_name, field=field)
