"""Workspaces (tenants), their users, bearer tokens and invitations to join."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from graphql_api.models.base import Base, IdMixin, Money, TimestampMixin, WorkspaceMixin, str_enum


class Role(enum.Enum):
    """What a user may do in their workspace."""

    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    MEMBER = "MEMBER"


ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})


class TokenKind(enum.Enum):
    """A login session or a named token for partner integrations."""

    SESSION = "SESSION"
    API = "API"


class Workspace(IdMixin, TimestampMixin, Base):
    """The tenant: every business row hangs off one workspace."""

    __tablename__ = "workspaces"

    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), server_default="EUR")
    mileage_rate: Mapped[Decimal] = mapped_column(Money, server_default=text("0.23"))


class User(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """A person in one workspace."""

    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_lower", func.lower(text("email")), unique=True),)

    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    hourly_rate: Mapped[Decimal | None] = mapped_column(Money)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(server_default=text("true"))

    workspace: Mapped[Workspace] = relationship(lazy="raise")


class ApiToken(IdMixin, WorkspaceMixin, Base):
    """An opaque bearer token, stored as a SHA-256 hash (tokens are random, not guessable)."""

    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[TokenKind] = mapped_column(str_enum(TokenKind))
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class InvitationStatus(enum.Enum):
    """Where an invitation is; derived from its timestamps, never stored."""

    PENDING = "PENDING"
    EXPIRED = "EXPIRED"
    ACCEPTED = "ACCEPTED"
    REVOKED = "REVOKED"


OPEN_INVITATION = text("accepted_at IS NULL AND revoked_at IS NULL")
"""Not accepted and not revoked (expired ones included): at most one per address and
workspace, so inviting the address again replaces its token."""


class Invitation(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """An invitation to join a workspace: its token is shown once and stored as a SHA-256
    hash (tokens are random, not guessable), like a bearer token."""

    __tablename__ = "invitations"
    __table_args__ = (
        Index(
            "uq_invitations_open_email",
            "workspace_id",
            func.lower(text("email")),
            unique=True,
            postgresql_where=OPEN_INVITATION,
        ),
    )

    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    hourly_rate: Mapped[Decimal | None] = mapped_column(Money)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    invited_by_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    accepted_at: Mapped[datetime | None]
    accepted_user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None]

    def status_at(self, now: datetime) -> InvitationStatus:
        """Accepted, revoked, expired (at ``now``) or still pending."""
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= now:
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING
