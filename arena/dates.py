"""Time in one place: the clock (UTC, replaceable in tests) and display in Europe/Oslo."""

from collections.abc import Callable
from datetime import UTC, date, datetime

import sqlalchemy as sa


def _system_clock() -> datetime:
    return datetime.now(UTC)


#: Tests replace this to freeze or move time; code asks utcnow().
clock: Callable[[], datetime] = _system_clock


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return clock()


class UTCDateTime(sa.TypeDecorator):
    """Stores aware datetimes as UTC and gives them back aware, on SQLite and PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


OSLO = "Europe/Oslo"

#: The years a typed date or time may have: wider than any real meeting, narrow enough that a
#: week or a time zone on either side stays within what Python's dates hold (year 1-9999).
FIRST_YEAR, LAST_YEAR = 1900, 2199


def is_supported(value: date) -> bool:
    """Whether a date (or datetime) lies within FIRST_YEAR-LAST_YEAR."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "nb")


def to_local(value: datetime, tz: str = OSLO) -> datetime:
    """A UTC time as wall-clock time in Norway (or the given zone)."""
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(tz))


def format_date(value: datetime, locale: str | None = None) -> str:
    """«torsdag 26. november 2026» (English: «Thursday 26 November 2026»)."""
    from babel.dates import get_day_names, get_month_names

    locale = locale or _locale()
    local = to_local(value) if isinstance(value, datetime) and value.tzinfo else value
    weekday = get_day_names("wide", locale=locale)[local.weekday()]
    month = get_month_names("wide", locale=locale)[local.month]
    if locale == "en":
        return f"{weekday} {local.day} {month} {local.year}"
    return f"{weekday} {local.day}. {month} {local.year}"


def format_month(value: datetime, locale: str | None = None) -> str:
    """«november 2026»."""
    from babel.dates import get_month_names

    locale = locale or _locale()
    return f"{get_month_names('wide', locale=locale)[value.month]} {value.year}"


def format_time(value: datetime, locale: str | None = None) -> str:
    """«kl. 14.00» (English: «14:00»)."""
    locale = locale or _locale()
    local = to_local(value) if value.tzinfo else value
    if locale == "en":
        return f"{local.hour:02d}:{local.minute:02d}"
    return f"kl. {local.hour:02d}.{local.minute:02d}"


def format_datetime(value: datetime | None, locale: str | None = None) -> str:
    """«torsdag 26. november 2026 kl. 14.00», shown in Europe/Oslo."""
    if value is None:
        return ""
    locale = locale or _locale()
    separator = ", " if locale == "en" else " "
    return format_date(value, locale) + separator + format_time(value, locale)


def format_range(start: datetime, end: datetime | None, locale: str | None = None) -> str:
    """«torsdag 26. november 2026 kl. 14.00–15.30»; across days both ends in full."""
    locale = locale or _locale()
    if end is None:
        return format_datetime(start, locale)
    local_start, local_end = to_local(start), to_local(end)
    if local_start.date() == local_end.date():
        end_time = format_time(end, locale).removeprefix("kl. ")
        return f"{format_datetime(start, locale)}\u2013{end_time}"
    return f"{format_datetime(start, locale)} \u2013 {format_datetime(end, locale)}"
