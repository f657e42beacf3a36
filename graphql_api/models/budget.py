"""The WeFact call budget shared by every process: one row per endpoint (``call_budgets``).

The rules live in two SQL functions (migration ``0015_budget``) so that taking a call and
feeding an answer's headers are one atomic statement each: ``call_budget_take`` and
``call_budget_settle``. ``graphql_api.budget`` calls them; this model exists so the table is
part of the metadata (emptied between tests, checked against the migrations).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Double, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from graphql_api.models.base import Base


class CallBudget(Base):
    """What is left of WeFact's per-minute and per-hour budget at one endpoint (per egress)."""

    __tablename__ = "call_budgets"

    endpoint: Mapped[str] = mapped_column(String(500), primary_key=True)
    minute_reset_at: Mapped[float] = mapped_column(
        Double, server_default=text("0"), comment="When the minute window ends (Unix seconds)."
    )
    minute_remaining: Mapped[int] = mapped_column(
        BigInteger, comment="Calls we may still send in the minute window."
    )
    minute_low: Mapped[int | None] = mapped_column(
        BigInteger, comment="The lowest Remaining-Minute WeFact reported in the window."
    )
    hour_reset_at: Mapped[float] = mapped_column(Double, server_default=text("0"))
    hour_remaining: Mapped[int] = mapped_column(BigInteger)
    hour_low: Mapped[int | None] = mapped_column(BigInteger)
    pending: Mapped[int] = mapped_column(
        BigInteger, server_default=text("0"), comment="Calls taken whose answer we have not seen."
    )
    first_waiting_until: Mapped[float] = mapped_column(
        Double,
        server_default=text("0"),
        comment="Until then a FIRST-priority call waits: BACKGROUND calls hold back.",
    )
    granted: Mapped[int] = mapped_column(
        BigInteger, server_default=text("0"), comment="Calls taken in all (a statistic)."
    )
    updated_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
