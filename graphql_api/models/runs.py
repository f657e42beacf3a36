"""Runs: the record of a background job (customer import, invoice run, status sync)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from graphql_api.models.base import Base, IdMixin, TimestampMixin, WorkspaceMixin, str_enum


class RunKind(enum.Enum):
    """What a run does."""

    CUSTOMER_IMPORT = "CUSTOMER_IMPORT"
    CUSTOMER_DETAILS = "CUSTOMER_DETAILS"
    INVOICE = "INVOICE"
    STATUS_SYNC = "STATUS_SYNC"


class RunStatus(enum.Enum):
    """Where a run is; PARTIAL means some items succeeded and some failed."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    PARTIAL = "PARTIAL"


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class Run(IdMixin, WorkspaceMixin, TimestampMixin, Base):
    """Progress, counts and per-item problems of one background job."""

    __tablename__ = "runs"
    __table_args__ = (
        # At most one customer import queued or running per workspace.
        Index(
            "uq_runs_one_active_import",
            "workspace_id",
            unique=True,
            postgresql_where=text("kind = 'CUSTOMER_IMPORT' AND status IN ('QUEUED', 'RUNNING')"),
        ),
    )

    kind: Mapped[RunKind] = mapped_column(str_enum(RunKind))
    status: Mapped[RunStatus] = mapped_column(
        str_enum(RunStatus), server_default=RunStatus.QUEUED.name
    )
    progress_done: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    progress_total: Mapped[int | None] = mapped_column(Integer)
    counts: Mapped[dict[str, int]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    problems: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb")
    )
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    started_by_user_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id"))
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    waiting_until: Mapped[dt.datetime | None] = mapped_column(
        comment="Set while the run waits for WeFact's shared call budget: about when it goes on."
    )
    waiting_reason: Mapped[str | None] = mapped_column(
        String(300), comment="Why the run waits, in words for the user."
    )
