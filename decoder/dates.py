"""Dates as people read them: in the course run's time zone, in French (« mardi 1er décembre
2026 à 23 h 59 ») or English (« Tuesday 1 December 2026 at 11:59 PM »), never UTC or
microseconds. Babel (the CLDR's data) gives the day and month names (pure).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta

from .messages import known


def _local(moment: dt.datetime, zone: ZoneInfo | None) -> dt.datetime:
    if moment.tzinfo is None:  # the stores keep naive UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone) if zone is not None else moment


def when(moment: dt.datetime | None, language: str = "fr",
         zone: ZoneInfo | None = None) -> str:
    """A date and time (in ``zone``, else the moment's own), e.g. « lundi 1er février 2027 à
    9 h 05 »; « — » for none."""
    if moment is None:
        return "—"
    local = _local(moment, zone)
    if known(language) == "en":
        return format_datetime(local, "EEEE d MMMM y 'at' h:mm a", locale="en")
    time = format_datetime(local, "H 'h' mm", locale="fr")
    return f"{day(local, language)} à {time}"


def day(moment: dt.datetime | dt.date | None, language: str = "fr",
        zone: ZoneInfo | None = None) -> str:
    """A date without its time: « lundi 1er février 2027 », « Monday 1 February 2027 »."""
    if moment is None:
        return "—"
    if not isinstance(moment, dt.datetime):  # a calendar day (a run's first one)
        moment = dt.datetime.combine(moment, dt.time(12), tzinfo=zone or dt.UTC)
    local = _local(moment, zone)
    if known(language) == "en":
        return format_datetime(local, "EEEE d MMMM y", locale="en")
    number = "1er" if local.day == 1 else str(local.day)
    return (f"{format_datetime(local, 'EEEE', locale='fr')} {number} "
            f"{format_datetime(local, 'MMMM y', locale='fr')}")


def duration(seconds: float, language: str = "fr") -> str:
    """How long, roughly: « 3 heures », « 2 jours », « 5 minutes »."""
    return format_timedelta(dt.timedelta(seconds=max(seconds, 60)), threshold=1.2,
                            granularity="minute", locale=known(language))
