"""Meeting times: wall-clock checks across daylight-saving changes, and repetitions as rules
(the form's choices and the words on pages: repetitions.py).

A repetition is one RFC 5545 RRULE in a strict grammar (no rule sets, nothing finer than a day)
and its occurrences are found within a fixed horizon. dateutil walks a rule that never matches
(`FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30`) day by day to the year 9999, seconds of work for one
request; here the work is bounded by the horizon whatever the rule says: at most
`MAX_YEARS` of periods, each with at most a year's days.
"""

import calendar
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from arena.dates import (
    FIRST_YEAR,
    LAST_YEAR,
    format_clock,
    format_plain_date,
    is_supported,
)
from arena.errors import ValidationFailed

MAX_OCCURRENCES = 500
MAX_YEARS = 5
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
#: The parts of a rule, in the order they are written (icalendar's canonical order).
PARTS = ("FREQ", "UNTIL", "COUNT", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST")
MAX_INTERVAL = 99
#: The most days any expansion may look at: a daily rule over the whole horizon.
EXPANSION_BUDGET = 366 * (MAX_YEARS + 1)

_BYDAY = re.compile(r"([+-]?)(\d{0,2})(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z")
_NUMBER = re.compile(r"[+-]?\d{1,3}")

#: Days examined by expansions in this context (a request, a command), so tests can bound the
#: work a request does.
days_examined: ContextVar[int] = ContextVar("days_examined", default=0)


def wall_clock_problem(moment: datetime, tzid: str) -> str | None:
    """Why a wall-clock time cannot be used in the zone: it does not exist, happens twice, or
    lies outside the years Arena accepts."""
    if not is_supported(moment):
        return _(
            "Velg et tidspunkt mellom år %(first)d og %(last)d.", first=FIRST_YEAR, last=LAST_YEAR
        )
    zone = ZoneInfo(tzid)
    local = moment.replace(tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != moment:
        return _(
            "Klokka %(time)s finnes ikke %(date)s (klokka stilles fram). Velg et annet tidspunkt.",
            time=format_clock(moment),
            date=format_plain_date(moment),
        )
    if (
        moment.replace(tzinfo=zone, fold=0).utcoffset()
        != moment.replace(tzinfo=zone, fold=1).utcoffset()
    ):
        return _(
            "Klokka %(time)s finnes to ganger %(date)s (klokka stilles tilbake). Velg et annet "
            "tidspunkt.",
            time=format_clock(moment),
            date=format_plain_date(moment),
        )
    return None


def to_utc(moment: datetime, tzid: str) -> datetime:
    """A checked wall-clock time in UTC."""
    return moment.replace(tzinfo=ZoneInfo(tzid)).astimezone(UTC)


# --- the rule ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One RRULE of the grammar Arena accepts; str() is the text stored and published."""

    freq: str
    until: datetime | None = None
    count: int | None = None
    interval: int = 1
    #: (ordinal, weekday): ordinal 0 for every such weekday, 1 for the first, -1 for the last.
    by_day: tuple[tuple[int, int], ...] = ()
    by_month_day: tuple[int, ...] = ()
    by_month: tuple[int, ...] = ()
    by_set_pos: tuple[int, ...] = ()
    week_start: int = 0

    def __str__(self) -> str:
        parts = {"FREQ": self.freq}
        if self.until is not None:
            parts["UNTIL"] = self.until.strftime("%Y%m%dT%H%M%SZ")
        if self.count is not None:
            parts["COUNT"] = str(self.count)
        if self.interval != 1:
            parts["INTERVAL"] = str(self.interval)
        if self.by_day:
            parts["BYDAY"] = ",".join(f"{n or ''}{WEEKDAYS[d]}" for n, d in self.by_day)
        for key, values in (
            ("BYMONTHDAY", self.by_month_day),
            ("BYMONTH", self.by_month),
            ("BYSETPOS", self.by_set_pos),
        ):
            if values:
                parts[key] = ",".join(str(v) for v in values)
        if self.week_start != 0:
            parts["WKST"] = WEEKDAYS[self.week_start]
        return ";".join(f"{key}={parts[key]}" for key in PARTS if key in parts)


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, {"recurrence": message})


def _numbers(value: str, low: int, high: int, name: str) -> tuple[int, ...]:
    """A comma-separated list of whole numbers within ±low..high (no zero)."""
    found = []
    for item in value.split(","):
        if not _NUMBER.fullmatch(item) or not low <= abs(int(item)) <= high:
            raise _invalid(_("%(part)s har en ugyldig verdi: «%(value)s».", part=name, value=item))
        found.append(int(item))
    if len(set(found)) != len(found):
        raise _invalid(_("%(part)s nevner samme verdi to ganger.", part=name))
    return tuple(sorted(found))


def _weekday(value: str) -> int:
    if value not in WEEKDAYS:
        raise _invalid(_("WKST må være en ukedag (MO-SU)."))
    return WEEKDAYS.index(value)


@lru_cache(maxsize=4096)  # views expand every series they show; refusals are not kept
def parse_rule(text: str) -> Rule:
    """The one RRULE in `text`, or ValidationFailed saying what is wrong with it."""
    text = (text or "").strip().upper().removeprefix("RRULE:")
    if not text or len(text) > 300 or not re.fullmatch(r"[A-Z0-9=;,+-]+", text):
        raise _invalid(
            _("Gjentakelsen er ugyldig: skriv én RRULE, for eksempel FREQ=WEEKLY;COUNT=10.")
        )
    fields: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if not sep or not value:
            raise _invalid(_("Gjentakelsen er ugyldig: «%(part)s» mangler en verdi.", part=part))
        if key not in PARTS:
            raise _invalid(_("Gjentakelsen kan ikke bruke %(part)s.", part=key))
        if key in fields:
            raise _invalid(_("%(part)s står to ganger i gjentakelsen.", part=key))
        fields[key] = value
    freq = fields.get("FREQ")
    if freq not in FREQUENCIES:
        raise _invalid(_("FREQ må være DAILY, WEEKLY, MONTHLY eller YEARLY."))
    if ("COUNT" in fields) == ("UNTIL" in fields):
        raise _invalid(_("Gjentakelsen må ha en slutt: enten COUNT eller UNTIL."))
    count = until = None
    if "COUNT" in fields:
        (count,) = _numbers(fields["COUNT"], 1, MAX_OCCURRENCES, "COUNT")
        if count < 1:
            raise _invalid(_("COUNT må være et positivt tall."))
    else:
        match = _UNTIL.fullmatch(fields["UNTIL"])
        if not match:
            raise _invalid(_("UNTIL må være en tid i UTC, for eksempel 20271231T225959Z."))
        try:
            until = datetime(*(int(g) for g in match.groups()), tzinfo=UTC)
        except ValueError:
            raise _invalid(_("UNTIL er ikke en gyldig tid.")) from None
    interval = 1
    if "INTERVAL" in fields:
        (interval,) = _numbers(fields["INTERVAL"], 1, MAX_INTERVAL, "INTERVAL")
        if interval < 1:
            raise _invalid(_("INTERVAL må være et positivt tall."))
    by_day = ()
    if "BYDAY" in fields:
        days = []
        for item in fields["BYDAY"].split(","):
            match = _BYDAY.fullmatch(item)
            if not match:
                raise _invalid(_("BYDAY har en ugyldig verdi: «%(value)s».", value=item))
            sign, number, weekday = match.groups()
            ordinal = int(number or 0) * (-1 if sign == "-" else 1)
            limit = 5 if freq == "MONTHLY" or "BYMONTH" in fields else 53
            if (sign and not number) or (number and not 1 <= int(number) <= limit):
                raise _invalid(_("BYDAY har en ugyldig verdi: «%(value)s».", value=item))
            if ordinal and freq in ("DAILY", "WEEKLY"):
                raise _invalid(_("Nummererte ukedager (som 1TU) passer bare månedlig og årlig."))
            days.append((ordinal, WEEKDAYS.index(weekday)))
        if len(set(days)) != len(days):
            raise _invalid(_("%(part)s nevner samme verdi to ganger.", part="BYDAY"))
        if len({ordinal == 0 for ordinal, _day in days}) > 1:
            raise _invalid(_("BYDAY kan ikke blande nummererte og vanlige ukedager."))
        by_day = tuple(sorted(days, key=lambda d: (d[1], d[0])))
    by_month_day = ()
    if "BYMONTHDAY" in fields:
        if freq == "WEEKLY":
            raise _invalid(_("BYMONTHDAY passer ikke med FREQ=WEEKLY."))
        by_month_day = _numbers(fields["BYMONTHDAY"], 1, 31, "BYMONTHDAY")
    by_month = ()
    if "BYMONTH" in fields:
        by_month = _numbers(fields["BYMONTH"], 1, 12, "BYMONTH")
        if min(by_month) < 1:
            raise _invalid(_("BYMONTH må være 1-12."))
    by_set_pos = ()
    if "BYSETPOS" in fields:
        if not (by_day or by_month_day or by_month):
            raise _invalid(_("BYSETPOS trenger BYDAY, BYMONTHDAY eller BYMONTH."))
        by_set_pos = _numbers(fields["BYSETPOS"], 1, 366, "BYSETPOS")
    week_start = _weekday(fields["WKST"]) if "WKST" in fields else 0
    return Rule(
        freq, until, count, interval, by_day, by_month_day, by_month, by_set_pos, week_start
    )


# --- occurrences ------------------------------------------------------------------------------


def _with_defaults(rule: Rule, first: date) -> Rule:
    """A rule without a day part repeats the first meeting's day (RFC 5545 3.3.10, as dateutil
    reads it): its weekday weekly, its day of the month monthly, its date yearly."""
    if rule.by_day or rule.by_month_day:
        return rule
    if rule.freq == "WEEKLY":
        return replace(rule, by_day=((0, first.weekday()),))
    if rule.freq == "MONTHLY":
        return replace(rule, by_month_day=(first.day,))
    if rule.freq == "YEARLY":
        return replace(rule, by_month=rule.by_month or (first.month,), by_month_day=(first.day,))
    return rule


def _days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _periods(rule: Rule, first: date, last: date) -> Iterator[list[date]]:
    """Every day of each period of the rule (a day, week, month or year), from the period that
    holds `first` to the one that begins after `last`."""
    if rule.freq == "DAILY":
        day = first
        while day <= last:
            yield [day]
            day += timedelta(days=rule.interval)
    elif rule.freq == "WEEKLY":
        week = first - timedelta(days=(first.weekday() - rule.week_start) % 7)
        while week <= last:
            yield _days_between(week, week + timedelta(days=6))
            week += timedelta(days=7 * rule.interval)
    elif rule.freq == "MONTHLY":
        month = first.replace(day=1)
        while month <= last:
            yield _days_between(month, _month_end(month))
            index = month.month - 1 + rule.interval
            month = month.replace(year=month.year + index // 12, month=index % 12 + 1)
    else:
        year = first.year
        while year <= last.year:
            yield _days_between(date(year, 1, 1), date(year, 12, 31))
            year += rule.interval


def _nth_weekdays(days: list[date], by_day) -> set[date]:
    """The days among `days` (a month or a year, in order) that numbered weekdays name."""
    chosen = set()
    for ordinal, weekday in by_day:
        matching = [d for d in days if d.weekday() == weekday]
        if 0 < abs(ordinal) <= len(matching):
            chosen.add(matching[ordinal - 1 if ordinal > 0 else ordinal])
    return chosen


def _matching(days: list[date], rule: Rule) -> list[date]:
    """The days of one period the rule keeps: every BY-part limits the others (as dateutil,
    which most calendar programs agree with for these parts)."""
    if rule.by_month:
        days = [d for d in days if d.month in rule.by_month]
    if rule.by_month_day:
        days = [
            d
            for d in days
            if d.day in rule.by_month_day
            or d.day - calendar.monthrange(d.year, d.month)[1] - 1 in rule.by_month_day
        ]
    if rule.by_day and rule.by_day[0][0] == 0:
        weekdays = {weekday for _ordinal, weekday in rule.by_day}
        days = [d for d in days if d.weekday() in weekdays]
    elif rule.by_day:
        # Numbered weekdays count within the month, or within the year when a yearly rule
        # names no month.
        if rule.freq == "YEARLY" and not rule.by_month:
            named = _nth_weekdays(days, rule.by_day)
        else:
            named = set()
            for month in sorted({(d.year, d.month) for d in days}):
                named |= _nth_weekdays(
                    _days_between(date(*month, 1), _month_end(date(*month, 1))), rule.by_day
                )
        days = [d for d in days if d in named]
    if rule.by_set_pos:
        days = sorted(
            {
                days[p - 1 if p > 0 else p]
                for p in rule.by_set_pos
                if -len(days) <= p <= len(days) and p
            }
        )
    return days


def occurrence_starts(rule: str | Rule, start: datetime, tzid: str) -> list[datetime]:
    """Every wall-clock start of a series whose first meeting is `start`; ValidationFailed if
    the rule is bad, gives no meeting at `start`, or goes on past MAX_YEARS or MAX_OCCURRENCES."""
    if not rule:
        return [start]
    rule = _with_defaults(parse_rule(rule) if isinstance(rule, str) else rule, start.date())
    zone = ZoneInfo(tzid)
    horizon = min(start.date() + timedelta(days=366 * MAX_YEARS), date(LAST_YEAR, 12, 31))
    starts: list[datetime] = []
    examined = 0
    ended = False
    for days in _periods(rule, start.date(), horizon):
        examined += len(days)
        for day in _matching(days, rule):
            moment = datetime.combine(day, start.time())
            if moment < start or day > horizon:
                continue
            if rule.until is not None and moment.replace(tzinfo=zone) > rule.until:
                ended = True
                break
            starts.append(moment)
            if len(starts) == rule.count:
                ended = True
                break
        if ended or examined > EXPANSION_BUDGET:
            break
    days_examined.set(days_examined.get() + examined)
    if rule.until is not None and rule.until.date() <= horizon:
        ended = True
    if not starts or starts[0] != start:
        raise _invalid(
            _("Gjentakelsen passer ikke med første møte: det må være ett av møtene i serien.")
        )
    if not ended or len(starts) > MAX_OCCURRENCES:
        raise _invalid(
            _(
                "En serie kan vare høyst %(years)d år og ha høyst %(n)d møter.",
                years=MAX_YEARS,
                n=MAX_OCCURRENCES,
            )
        )
    return starts
