"""Time in one place: the clock (UTC, replaceable in tests) and display in Europe/Oslo."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

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


# --- showing time ---------------------------------------------------------------------------
#
# Every date, time, weekday and month a person reads goes through the helpers below, which use
# Babel's CLDR data with one pattern per language (never a list of names indexed by position:
# CLDR's day names start on Sunday). Norwegian times are «kl. 14.00»; weeks start on Monday.

#: Babel patterns per language: Norwegian conventions in bokmål and nynorsk, British English.
PATTERNS = {
    "nb": {
        "date": "EEEE d. MMMM y",
        "day": "EEEE d. MMMM",
        "short_day": "EEE d.",
        "plain_date": "d. MMMM y",
        "time": "'kl.' HH.mm",
        "bare_time": "HH.mm",
        "month": "LLLL y",
        "datetime_separator": " ",
    },
    "en": {
        "date": "EEEE d MMMM y",
        "day": "EEEE d MMMM",
        "short_day": "EEE d",
        "plain_date": "d MMMM y",
        "time": "HH:mm",
        "bare_time": "HH:mm",
        "month": "LLLL y",
        "datetime_separator": ", ",
    },
}
PATTERNS["nn"] = PATTERNS["nb"]
BABEL_LOCALES = {"nb": "nb_NO", "nn": "nn_NO", "en": "en_GB"}


def _locale(locale: str | None = None) -> str:
    if locale in PATTERNS:
        return locale
    from flask_babel import get_locale

    chosen = str(get_locale() or "nb")
    return chosen if chosen in PATTERNS else "nb"


def to_local(value: datetime, tz: str = OSLO) -> datetime:
    """A UTC time as wall-clock time in Norway (or the given zone)."""
    return value.astimezone(ZoneInfo(tz))


def _local(value):
    """Aware times are shown in Oslo; naive ones are Oslo wall-clock already; dates are dates."""
    return to_local(value) if isinstance(value, datetime) and value.tzinfo else value


def _pattern(value, name: str, locale: str | None) -> str:
    from babel.dates import format_date as babel_date
    from babel.dates import format_datetime as babel_datetime

    locale = _locale(locale)
    local, pattern = _local(value), PATTERNS[locale][name]
    render = babel_datetime if isinstance(local, datetime) else babel_date
    return render(local, pattern, locale=BABEL_LOCALES[locale])


def format_date(value: date, locale: str | None = None) -> str:
    """«torsdag 26. november 2026» (English: «Thursday 26 November 2026»)."""
    return _pattern(value, "date", locale)


def format_day(value: date, locale: str | None = None) -> str:
    """«mandag 30. november», for the days of a week view."""
    return _pattern(value, "day", locale)


def format_short_day(value: date, locale: str | None = None) -> str:
    """«man. 30.», for a day in a month calendar on a phone."""
    return _pattern(value, "short_day", locale)


def format_plain_date(value: date, locale: str | None = None) -> str:
    """«26. november 2026», where the weekday would only add noise (periods, review dates)."""
    return _pattern(value, "plain_date", locale)


def format_month(value: date, locale: str | None = None) -> str:
    """«november 2026»."""
    return _pattern(value, "month", locale)


def format_time(value: datetime, locale: str | None = None) -> str:
    """«kl. 14.00» (English: «14:00»)."""
    return _pattern(value, "time", locale)


def format_clock(value: datetime, locale: str | None = None) -> str:
    """«14.00» (English: «14:00»), where «kl.» is understood (a meeting in a calendar)."""
    return _pattern(value, "bare_time", locale)


def format_datetime(value: datetime | None, locale: str | None = None) -> str:
    """«torsdag 26. november 2026 kl. 14.00», shown in Europe/Oslo."""
    if value is None:
        return ""
    locale = _locale(locale)
    separator = PATTERNS[locale]["datetime_separator"]
    return format_date(value, locale) + separator + format_time(value, locale)


def format_range(start: datetime, end: datetime | None, locale: str | None = None) -> str:
    """«torsdag 26. november 2026 kl. 14.00–15.30»; across days both ends in full."""
    locale = _locale(locale)
    if end is None:
        return format_datetime(start, locale)
    if _local(start).date() == _local(end).date():
        return f"{format_datetime(start, locale)}\u2013{format_clock(end, locale)}"
    return f"{format_datetime(start, locale)} \u2013 {format_datetime(end, locale)}"


def format_period(start: date | None, end: date | None, locale: str | None = None) -> str:
    """«7. juli 2026 – 7. juli 2027»; an open end is left open («7. juli 2026 –»)."""
    first = format_plain_date(start, locale) if start else ""
    last = format_plain_date(end, locale) if end else ""
    return f"{first} \u2013 {last}".strip()


def weekday_names(locale: str | None = None) -> list[str]:
    """The names of the days of a Norwegian week, Monday first."""
    from babel.dates import get_day_names

    names = get_day_names("wide", locale=BABEL_LOCALES[_locale(locale)])
    return [names[weekday] for weekday in range(7)]  # by weekday number, never by position


def wall_clock_now() -> datetime:
    """Now as a naive Europe/Oslo wall-clock time, as meetings are stored."""
    return to_local(utcnow()).replace(tzinfo=None)


def wall_clock_in_oslo(moment: datetime | None) -> datetime | None:
    """A naive Europe/Oslo wall-clock time as an aware one, for the date formatters."""
    return moment.replace(tzinfo=ZoneInfo(OSLO)) if moment is not None else None


def week_number(value: date) -> int:
    """The ISO week number (Norwegian weeks are ISO weeks)."""
    return value.isocalendar()[1]
