"""Rows that protect the service from careless and hostile clients, shared by all processes:
login throttling and stored answers of idempotent requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from graphql_api.models.base import Base, IdMixin


class LoginThrottle(Base):
    """Failed logins of one account or one client address in the current window.

    ``key`` is a SHA-256 of ``account:<e-mail>`` or ``address:<ip>``: attempted e-mail
    addresses (which may be typos of passwords) are not stored readable.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None]


class IdempotencyKey(IdMixin, Base):
    """One ``Idempotency-Key`` of one caller: what the request was and how it was answered.

    The row is written in the same transaction as the mutation's own writes, so it exists
    exactly when they committed. ``status`` is COMPLETED once the answer is stored; a
    mutation that commits before it answers (one that starts a run and waits for it) leaves
    COMMITTED with the run in ``resource_id`` until its answer is stored.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("scope", "key"),
        Index("ix_idempotency_keys_expires_at", "expires_at"),
    )

    scope: Mapped[str] = mapped_column(String(80))  # "user:<id>" or "address:<ip>"
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    response_status: Mapped[int | None] = mapped_column(Integer)
    # The answer, encrypted with SECRET_KEY (answers may hold tokens and customer data).
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    resource_kind: Mapped[str | None] = mapped_column(String(32))
    resource_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
