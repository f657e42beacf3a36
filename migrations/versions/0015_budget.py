"""one WeFact call budget for the fleet, and runs that say they wait for it

``call_budgets`` keeps, per WeFact endpoint (one per egress address), what is left of the
minute and hour windows, the calls in flight and whether a FIRST-priority call waits. Two
functions change it atomically, one statement per call (the row is locked for the statement
only): ``call_budget_take`` counts one call or says how long to wait; ``call_budget_settle``
feeds the ``API-RateLimit-*`` headers of an answer. ``runs`` get ``waiting_until`` and
``waiting_reason`` for a run that waits for the budget.

Revision ID: 0015_budget
Revises: 0014_webhooks
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_budget"
down_revision: str | None = "0014_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rules (README "Limits"):
# - A window that is over by our clock (plus p_grace, for skew between our clock and WeFact's)
#   starts again at the configured limit; the first answer in it corrects that from WeFact's
#   own count. The next reset is guessed a whole number of windows on.
# - A call is taken while more than p_*_keep calls remain in both windows: the safety margin,
#   plus (for BACKGROUND calls) the reserve kept for FIRST calls. BACKGROUND calls are also
#   spread evenly over each window (the line below), and wait while a FIRST call waits
#   (first_waiting_until), so after a reset the FIRST calls that waited go before the imports.
# - Returned: wait = 0 (taken) or the seconds until asking again, and why (minute, hour,
#   priority).
_TAKE = """
CREATE FUNCTION call_budget_take(
    p_endpoint text, p_now double precision, p_first boolean,
    p_minute_limit bigint, p_hour_limit bigint, p_minute_keep bigint, p_hour_keep bigint,
    p_grace double precision, p_first_hold double precision,
    OUT wait double precision, OUT reason text
) LANGUAGE plpgsql AS $$
DECLARE
    b call_budgets%ROWTYPE;
    minute_line double precision := p_minute_keep;
    hour_line double precision := p_hour_keep;
BEGIN
    wait := 0;
    reason := NULL;
    INSERT INTO call_budgets (endpoint, minute_remaining, hour_remaining)
    VALUES (p_endpoint, p_minute_limit, p_hour_limit) ON CONFLICT DO NOTHING;
    SELECT * INTO b FROM call_budgets WHERE endpoint = p_endpoint FOR UPDATE;
    IF p_now >= b.minute_reset_at + p_grace THEN
        b.minute_reset_at := b.minute_reset_at + 60 * (floor((p_now - b.minute_reset_at) / 60) + 1);
        b.minute_remaining := p_minute_limit;
        b.minute_low := NULL;
        -- Calls still counted as in flight belonged to the window that ended (or were lost).
        b.pending := 0;
    END IF;
    IF p_now >= b.hour_reset_at + p_grace THEN
        b.hour_reset_at := b.hour_reset_at + 3600 * (floor((p_now - b.hour_reset_at) / 3600) + 1);
        b.hour_remaining := p_hour_limit;
        b.hour_low := NULL;
    END IF;
    IF NOT p_first THEN
        -- BACKGROUND calls keep to an even spread over the window: they may not run ahead
        -- of the line from the whole limit (at the window's start) down to their keep (at
        -- its end), so whatever they leave is there for FIRST calls at any moment.
        minute_line := p_minute_keep + greatest(p_minute_limit - p_minute_keep, 0)
            * least(greatest(b.minute_reset_at - p_now, 0), 60) / 60;
        hour_line := p_hour_keep + greatest(p_hour_limit - p_hour_keep, 0)
            * least(greatest(b.hour_reset_at - p_now, 0), 3600) / 3600;
    END IF;
    IF NOT p_first AND b.first_waiting_until > p_now THEN
        wait := b.first_waiting_until - p_now;
        reason := 'priority';
    ELSIF b.minute_remaining > minute_line AND b.hour_remaining > hour_line THEN
        b.minute_remaining := b.minute_remaining - 1;
        b.hour_remaining := b.hour_remaining - 1;
        b.pending := b.pending + 1;
        b.granted := b.granted + 1;
    ELSE
        IF b.minute_remaining <= p_minute_keep THEN
            wait := b.minute_reset_at + p_grace - p_now;
            reason := 'minute';
        ELSIF b.minute_remaining <= minute_line THEN
            -- Until the line has come down to what remains.
            wait := greatest(b.minute_reset_at - p_now - (b.minute_remaining - p_minute_keep)
                * 60.0 / (p_minute_limit - p_minute_keep), 0.01);
            reason := 'minute';
        END IF;
        IF b.hour_remaining <= p_hour_keep AND b.hour_reset_at + p_grace - p_now > wait THEN
            wait := b.hour_reset_at + p_grace - p_now;
            reason := 'hour';
        ELSIF b.hour_remaining > p_hour_keep AND b.hour_remaining <= hour_line THEN
            IF greatest(b.hour_reset_at - p_now - (b.hour_remaining - p_hour_keep)
                    * 3600.0 / (p_hour_limit - p_hour_keep), 0.01) > wait THEN
                wait := greatest(b.hour_reset_at - p_now - (b.hour_remaining - p_hour_keep)
                    * 3600.0 / (p_hour_limit - p_hour_keep), 0.01);
                reason := 'hour';
            END IF;
        END IF;
        IF p_first THEN
            b.first_waiting_until := greatest(b.first_waiting_until, p_now + wait + p_first_hold);
        END IF;
    END IF;
    UPDATE call_budgets SET
        minute_reset_at = b.minute_reset_at, minute_remaining = b.minute_remaining,
        minute_low = b.minute_low, hour_reset_at = b.hour_reset_at,
        hour_remaining = b.hour_remaining, hour_low = b.hour_low, pending = b.pending,
        first_waiting_until = b.first_waiting_until, granted = b.granted, updated_at = now()
    WHERE endpoint = p_endpoint;
END
$$
"""

# Feeding the headers of p_answers answers (their newest count per window; NULL: not
# reported), per window (call_budget_window):
# - Those calls are no longer in flight.
# - WeFact's counts only fall within a window, so the lowest Remaining seen is its newest
#   count; what we may still send is that count minus the calls in flight (some of them may
#   be in it already: counting them again errs on the safe side). A higher Remaining (an
#   answer overtaken by a later one) or an earlier window's says nothing new.
# - A reset later than ours: WeFact started a window we had not rolled to yet; its count wins.
_WINDOW = """
CREATE FUNCTION call_budget_window(
    reset_at double precision, low bigint, remaining bigint, pending bigint,
    reported bigint, reported_reset double precision,
    OUT new_reset_at double precision, OUT new_low bigint, OUT new_remaining bigint
) LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    new_reset_at := reset_at;
    new_low := low;
    new_remaining := remaining;
    IF reported IS NULL THEN
        RETURN;
    END IF;
    IF reported_reset > reset_at + 0.5 THEN
        new_reset_at := reported_reset;
        new_low := reported;
        new_remaining := reported - pending;
    ELSIF reported_reset >= reset_at - 0.5 AND (low IS NULL OR reported <= low) THEN
        new_low := reported;
        new_remaining := reported - pending;
    END IF;
END
$$
"""

_SETTLE = """
CREATE FUNCTION call_budget_settle(
    p_endpoint text, p_answers bigint, p_minute_remaining bigint,
    p_minute_reset double precision, p_hour_remaining bigint, p_hour_reset double precision
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    b call_budgets%ROWTYPE;
BEGIN
    SELECT * INTO b FROM call_budgets WHERE endpoint = p_endpoint FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    b.pending := greatest(b.pending - p_answers, 0);
    SELECT w.new_reset_at, w.new_low, w.new_remaining
    INTO b.minute_reset_at, b.minute_low, b.minute_remaining
    FROM call_budget_window(b.minute_reset_at, b.minute_low, b.minute_remaining, b.pending,
                            p_minute_remaining, p_minute_reset) AS w;
    SELECT w.new_reset_at, w.new_low, w.new_remaining
    INTO b.hour_reset_at, b.hour_low, b.hour_remaining
    FROM call_budget_window(b.hour_reset_at, b.hour_low, b.hour_remaining, b.pending,
                            p_hour_remaining, p_hour_reset) AS w;
    UPDATE call_budgets SET
        minute_reset_at = b.minute_reset_at, minute_remaining = b.minute_remaining,
        minute_low = b.minute_low, hour_reset_at = b.hour_reset_at,
        hour_remaining = b.hour_remaining, hour_low = b.hour_low, pending = b.pending,
        updated_at = now()
    WHERE endpoint = p_endpoint;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "call_budgets",
        sa.Column("endpoint", sa.String(length=500), nullable=False),
        sa.Column("minute_reset_at", sa.Double(), server_default=sa.text("0"), nullable=False,
                  comment="When the minute window ends (Unix seconds)."),
        sa.Column("minute_remaining", sa.BigInteger(), nullable=False,
                  comment="Calls we may still send in the minute window."),
        sa.Column("minute_low", sa.BigInteger(), nullable=True,
                  comment="The lowest Remaining-Minute WeFact reported in the window."),
        sa.Column("hour_reset_at", sa.Double(), server_default=sa.text("0"), nullable=False),
        sa.Column("hour_remaining", sa.BigInteger(), nullable=False),
        sa.Column("hour_low", sa.BigInteger(), nullable=True),
        sa.Column("pending", sa.BigInteger(), server_default=sa.text("0"), nullable=False,
                  comment="Calls taken whose answer we have not seen."),
        sa.Column("first_waiting_until", sa.Double(), server_default=sa.text("0"),
                  nullable=False,
                  comment="Until then a FIRST-priority call waits: BACKGROUND calls hold back."),
        sa.Column("granted", sa.BigInteger(), server_default=sa.text("0"), nullable=False,
                  comment="Calls taken in all (a statistic)."),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.PrimaryKeyConstraint("endpoint", name=op.f("pk_call_budgets")),
    )
    op.execute(_TAKE)
    op.execute(_WINDOW)
    op.execute(_SETTLE)
    op.add_column("runs", sa.Column(
        "waiting_until", sa.DateTime(timezone=True), nullable=True,
        comment="Set while the run waits for WeFact's shared call budget: about when it goes on.",
    ))
    op.add_column("runs", sa.Column(
        "waiting_reason", sa.String(length=300), nullable=True,
        comment="Why the run waits, in words for the user.",
    ))


def downgrade() -> None:
    op.drop_column("runs", "waiting_reason")
    op.drop_column("runs", "waiting_until")
    op.execute("DROP FUNCTION call_budget_settle(text, bigint, bigint, double precision, bigint, "
               "double precision)")
    op.execute("DROP FUNCTION call_budget_window(double precision, bigint, bigint, bigint, "
               "bigint, double precision)")
    op.execute("DROP FUNCTION call_budget_take(text, double precision, boolean, bigint, bigint, "
               "bigint, bigint, double precision, double precision)")
    op.drop_table("call_budgets")
