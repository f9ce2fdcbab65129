"""The one time zone every date and time shown is in (``TIME_ZONE``, Asia/Shanghai by default).

Stored moments are UTC; pages, cards and commands turn them into this zone, and "today" is the
date in this zone (a server clock in UTC would date an evening in Beijing a day early).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"


def zone() -> ZoneInfo:
    """The configured zone (``TIME_ZONE``)."""
    name = current_app.config.get("TIME_ZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)


def local_now() -> dt.datetime:
    """Now in the configured zone."""
    return dt.datetime.now(zone())


def local_today() -> dt.date:
    """Today's date in the configured zone."""
    return local_now().date()


def local_time(moment: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored moment shown in the configured zone; naive values are UTC (SQLite)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone()).strftime(fmt)
