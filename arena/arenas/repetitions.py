"""Repetitions as people say them: the meeting form's choices («every second week») made into
a rule, and a stored rule put back into words on pages (the rules themselves: recurrence.py)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from arena.arenas.recurrence import WEEKDAYS, parse_rule
from arena.dates import format_plain_date, weekday_names
from arena.errors import ValidationFailed


def describe(rule: str, tzid: str) -> str:
    """A stored repetition in words, for the patterns the meeting form makes («every second week
    on Tuesday, 10 times»); any other rule as it is written."""
    parsed = parse_rule(rule)
    weekdays = weekday_names()
    ordinals = {
        1: _("første"),
        2: _("andre"),
        3: _("tredje"),
        4: _("fjerde"),
        -1: _("siste"),
    }
    pattern = None
    if len(parsed.by_day) == 1 and not (
        parsed.by_month_day or parsed.by_month or parsed.by_set_pos
    ):
        (nth, weekday), every = parsed.by_day[0], parsed.interval
        day = weekdays[weekday]
        if parsed.freq == "WEEKLY" and not nth and every in (1, 2):
            pattern = (
                _("hver uke på %(weekday)s", weekday=day)
                if every == 1
                else _("annenhver uke på %(weekday)s", weekday=day)
            )
        elif parsed.freq == "MONTHLY" and nth in ordinals and every in (1, 3):
            pattern = (
                _("%(nth)s %(weekday)s i måneden", nth=ordinals[nth], weekday=day)
                if every == 1
                else _("%(nth)s %(weekday)s hver tredje måned", nth=ordinals[nth], weekday=day)
            )
    if pattern is None:
        return rule
    if parsed.count:
        return _("%(pattern)s, %(n)d ganger", pattern=pattern, n=parsed.count)
    last_day = parsed.until.astimezone(ZoneInfo(tzid))
    return _("%(pattern)s, til og med %(date)s", pattern=pattern, date=format_plain_date(last_day))


@dataclass
class Recurrence:
    """A repetition as the meeting form offers it."""

    #: "none", "weekly", "biweekly" or "monthly_nth"
    pattern: str = "none"
    until: date | None = None
    count: int | None = None


def rrule_from_form(recurrence: Recurrence, start: datetime, tzid: str) -> str:
    """The RRULE for «weekly on Monday», «every second week», «monthly on the first Tuesday»."""
    if recurrence.pattern == "none":
        return ""
    weekday = WEEKDAYS[start.weekday()]
    parts = {
        "weekly": f"FREQ=WEEKLY;BYDAY={weekday}",
        "biweekly": f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}",
        "monthly_nth": f"FREQ=MONTHLY;BYDAY={_nth(start)}{weekday}",
    }
    if recurrence.pattern not in parts:
        raise ValidationFailed(_("Velg en gyldig gjentakelse."), {"repeat": _("Ukjent valg.")})
    rule = parts[recurrence.pattern]
    if recurrence.count:
        return f"{rule};COUNT={recurrence.count}"
    if recurrence.until:
        # UNTIL in UTC, at the end of the chosen day in the meeting's zone (RFC 5545 3.3.10).
        end_of_day = datetime.combine(recurrence.until, time(23, 59, 59))
        until = end_of_day.replace(tzinfo=ZoneInfo(tzid)).astimezone(UTC)
        return f"{rule};UNTIL={until:%Y%m%dT%H%M%SZ}"
    raise ValidationFailed(
        _("En gjentakelse må ha en sluttdato eller et antall ganger."),
        {"repeat_until": _("Skriv en sluttdato eller et antall.")},
    )


def _nth(start: datetime) -> str:
    """The weekday's number within the month: 1 for the first Tuesday, -1 for the fifth."""
    n = (start.day - 1) // 7 + 1
    return "-1" if n == 5 else str(n)
