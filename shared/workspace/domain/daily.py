"""When a tenant's day is planned: pure time arithmetic for the hourly scheduler tick.

The scheduler calls at the top of every UTC hour; a tenant is due when the tick's hour, in the
tenant's time zone, is its planning hour. Each local hour meets exactly one tick (half-hour zones
included), so a tenant is planned once a day with no stored state. Daylight saving: an hour skipped
by a spring-forward gap is planned at the first tick after it; an hour that occurs twice is due
twice, and the task's name, made from the local date, makes the second a no-op.
"""

from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.platform.errors import InvalidInput

HOUR = timedelta(hours=1)
# A tick outside these is no scheduler's hour; the bounds also keep every sum here (the half hour, the
# hour before, any zone's offset) far from datetime's year 1 and year 9999 limits.
EARLIEST_TICK = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_TICK = datetime(3000, 1, 1, tzinfo=UTC)


def tick_of(now: datetime) -> datetime:
    """The scheduler tick ``now`` belongs to: the nearest whole UTC hour, so a call a little early
    (clock skew) or late (delivery, retries) plans the same tenants as one made on time. ``now`` must be
    aware; one outside [EARLIEST_TICK, LATEST_TICK) is InvalidInput on ``tick``."""
    if not EARLIEST_TICK <= now < LATEST_TICK:  # compared before any arithmetic, which could overflow
        raise InvalidInput(
            f"tick must be a time from {EARLIEST_TICK:%Y-%m-%d} to before {LATEST_TICK:%Y-%m-%d}", ["tick"]
        )
    utc = now.astimezone(UTC) + HOUR / 2
    return utc.replace(minute=0, second=0, microsecond=0)


def zone_of(name: str) -> tzinfo | None:
    """The IANA zone called ``name``, or None when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: a malformed key such as "../x"
        return None


def planning_day(tick: datetime, zone: tzinfo, planning_hour: int) -> date | None:
    """The local date to plan at ``tick``, or None when the tenant's planning hour is not now."""
    local = tick.astimezone(zone)
    if local.hour == planning_hour:
        return local.date()
    # The wall-clock hours that a DST gap skipped since the previous tick (none, usually): the
    # planning hour among them is planned now, on its own date (a gap may cross midnight).
    skipped = _wall_hour((tick - HOUR).astimezone(zone)) + HOUR
    while skipped < _wall_hour(local):
        if skipped.hour == planning_hour:
            return skipped.date()
        skipped += HOUR
    return None


def _wall_hour(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None, minute=0, second=0, microsecond=0)
