"""What mutations answer besides rows: small results the schema's types show as they are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from graphql_api import models


@dataclass(frozen=True)
class Deleted:
    """A deleted object, by GraphQL type name and primary key."""

    type_name: str
    pk: int


@dataclass(frozen=True)
class TimeEntryList:
    """The time entries a bulk create stored, in input order."""

    time_entries: list[models.TimeEntry]


@dataclass(frozen=True)
class LoggedIn:
    """A new login session: its secret token, its end and who logged in."""

    token: str
    expires_at: dt.datetime | None
    user: models.User


@dataclass(frozen=True)
class NewApiToken:
    """A new API token: the secret (shown once) and its record."""

    token: str
    api_token: models.ApiToken


@dataclass(frozen=True)
class ProductSync:
    """The product cache after a refresh, and the settings it belongs to."""

    count: int
    settings: models.WefactSettings
