"""Our clock against the provider's: both APIs read and write naive local times.

WeFact reports and filters on naive times in its own zone (Europe/Amsterdam); a self-hosted
HostFact may run in any zone. Filters on ``created``/``modified`` therefore start a margin
earlier than our own timestamp says: anything a little older is read again, nothing is
missed.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PROVIDER_ZONE = ZoneInfo("Europe/Amsterdam")

MARGIN = dt.timedelta(days=1)
"""How much earlier than our timestamp a provider-side filter starts (clock and zone)."""


def provider_time(moment: dt.datetime) -> dt.datetime:
    """Our (aware) time as WeFact's naive clock reads it."""
    return moment.astimezone(PROVIDER_ZONE).replace(tzinfo=None)


def provider_cutoff(moment: dt.datetime) -> dt.datetime:
    """The naive provider time to filter from so that nothing since ``moment`` is missed."""
    return provider_time(moment - MARGIN)
