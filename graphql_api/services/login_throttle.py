"""Login throttling per account and per client address, kept in PostgreSQL.

Every process sees the same counts, so a second API process is no second chance. Each
attempt is counted *before* the password is checked (and forgiven when it was right): a
burst of concurrent guesses cannot slip past the limit while argon2 is busy with the first.
Past the limit, login refuses without checking the password until the block ends, and says
when that is.

Blocking an account also blocks its owner for the window (the price of a per-account limit,
which is what stops a password being guessed from many addresses); the per-address limit is
higher so an office behind one address is not blocked by one colleague's typos.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import case, delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from graphql_api.errors import AuthCode, Code, InvalidInput
from graphql_api.models import LoginThrottle
from graphql_api.settings import Settings


class LoginThrottled(InvalidInput):
    """Too many failed logins: ``retry_at`` says when login works again.

    An invalid input by class, so it is the ``InvalidInputError`` that login's result
    offers for every refusal (with its own code).
    """

    default_code: ClassVar[Code] = AuthCode.TOO_MANY_ATTEMPTS

    def __init__(self, message: str, retry_at: dt.datetime) -> None:
        super().__init__(message, field=None)
        self.retry_at = retry_at


@dataclass(frozen=True)
class Throttle:
    """The limits and the caller's address, for one login attempt."""

    sessionmaker: async_sessionmaker[AsyncSession]
    max_failures: int
    max_failures_per_address: int
    window: dt.timedelta
    address: str | None

    @classmethod
    def for_request(
        cls,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        address: str | None,
    ) -> Throttle:
        return cls(
            sessionmaker=sessionmaker,
            max_failures=settings.login_max_failures,
            max_failures_per_address=settings.login_max_failures_per_address,
            window=dt.timedelta(seconds=settings.login_window_seconds),
            address=address,
        )

    async def admit(self, email: str) -> None:
        """Count the attempt; raise ``LoginThrottled`` when the account or address is over."""
        now = dt.datetime.now(dt.UTC)
        limits = {_account_key(email): ("account", self.max_failures)}
        if self.address:
            limits[_address_key(self.address)] = ("address", self.max_failures_per_address)
        blocked: list[tuple[dt.datetime, str]] = []
        async with self.sessionmaker() as session, session.begin():
            for key, (what, maximum) in limits.items():
                until = await self._count(session, key, maximum, now)
                if until is not None and until > now:
                    blocked.append((until, what))
        if blocked:
            retry_at, what = max(blocked)
            raise LoginThrottled(_message(what, retry_at, now), retry_at)

    async def forgive(self, email: str) -> None:
        """The password was right: the account starts afresh; the address gets its try back."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                delete(LoginThrottle).where(LoginThrottle.key == _account_key(email))
            )
            if self.address:
                await session.execute(
                    update(LoginThrottle)
                    .where(LoginThrottle.key == _address_key(self.address))
                    .values(failures=func.greatest(LoginThrottle.failures - 1, 0))
                )

    async def _count(
        self, session: AsyncSession, key: str, maximum: int, now: dt.datetime
    ) -> dt.datetime | None:
        """One more attempt for ``key`` (a new window when the last one is over); the end of
        its block, if it is (or now becomes) blocked."""
        table = LoginThrottle.__table__
        stale = table.c.window_started_at <= now - self.window
        failures = case((stale, 1), else_=table.c.failures + 1)
        statement = (
            insert(LoginThrottle)
            .values(key=key, failures=1, window_started_at=now, blocked_until=None)
            .on_conflict_do_update(
                index_elements=[LoginThrottle.key],
                set_={
                    "failures": failures,
                    "window_started_at": case((stale, now), else_=table.c.window_started_at),
                    "blocked_until": case(
                        (table.c.blocked_until > now, table.c.blocked_until),
                        (failures > maximum, now + self.window),
                        else_=None,
                    ),
                },
            )
            .returning(LoginThrottle.failures, LoginThrottle.blocked_until)
        )
        _, blocked_until = (await session.execute(statement)).one()
        return blocked_until


async def forget_stale(
    sessionmaker: async_sessionmaker[AsyncSession], window: dt.timedelta
) -> int:
    """Delete rows whose window and block are both over (periodic maintenance)."""
    now = dt.datetime.now(dt.UTC)
    async with sessionmaker() as session, session.begin():
        result = await session.execute(
            delete(LoginThrottle).where(
                LoginThrottle.window_started_at <= now - window,
                (LoginThrottle.blocked_until.is_(None)) | (LoginThrottle.blocked_until <= now),
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)


def _message(what: str, retry_at: dt.datetime, now: dt.datetime) -> str:
    minutes = max(1, math.ceil((retry_at - now).total_seconds() / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return (
        f"Too many failed logins for this {what}. Try again in {minutes} {unit} "
        f"(after {retry_at:%H:%M} UTC)."
    )


def _account_key(email: str) -> str:
    normalised = email.strip().lower().encode("utf-8", "surrogatepass")
    return hashlib.sha256(b"account:" + normalised).hexdigest()


def _address_key(address: str) -> str:
    return hashlib.sha256(b"address:" + address.encode("utf-8", "surrogatepass")).hexdigest()
