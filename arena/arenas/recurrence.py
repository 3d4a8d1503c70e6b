"""Meeting times: wall-clock checks across daylight-saving changes, bounded RRULEs, occurrences."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from flask_babel import gettext as _

from arena.errors import ValidationFailed

MAX_OCCURRENCES = 500
MAX_YEARS = 5
ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def wall_clock_problem(moment: datetime, tzid: str) -> str | None:
    """Why a wall-clock time cannot be used in the zone: it does not exist or happens twice."""
    zone = ZoneInfo(tzid)
    local = moment.replace(tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != moment:
        return _(
            "Klokka %(time)s finnes ikke %(date)s (klokka stilles fram). Velg et annet tidspunkt.",
            time=moment.strftime("%H.%M"),
            date=moment.strftime("%d.%m.%Y"),
        )
    if (
        moment.replace(tzinfo=zone, fold=0).utcoffset()
        != moment.replace(tzinfo=zone, fold=1).utcoffset()
    ):
        return _(
            "Klokka %(time)s finnes to ganger %(date)s (klokka stilles tilbake). Velg et annet "
            "tidspunkt.",
            time=moment.strftime("%H.%M"),
            date=moment.strftime("%d.%m.%Y"),
        )
    return None


def to_utc(moment: datetime, tzid: str) -> datetime:
    """A checked wall-clock time in UTC."""
    return moment.replace(tzinfo=ZoneInfo(tzid)).astimezone(UTC)


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


def occurrence_starts(rule: str, start: datetime, tzid: str) -> list[datetime]:
    """Every wall-clock start of a series; ValidationFailed if the rule is bad or unbounded."""
    if not rule:
        return [start]
    problem = _("Gjentakelsen er ugyldig.")
    fields = {}
    for part in rule.upper().split(";"):
        key, _sep, value = part.partition("=")
        fields[key] = value
    if fields.get("FREQ") not in ALLOWED_FREQUENCIES or "DTSTART" in fields:
        raise ValidationFailed(problem, {"recurrence": problem})
    if "COUNT" not in fields and "UNTIL" not in fields:
        message = _("Gjentakelsen må ha en slutt (COUNT eller UNTIL).")
        raise ValidationFailed(message, {"recurrence": message})
    until_value = fields.get("UNTIL", "")
    if until_value and not until_value.endswith("Z"):
        message = _("UNTIL må være i UTC (slutte på Z).")
        raise ValidationFailed(message, {"recurrence": message})
    try:
        zone = ZoneInfo(tzid)
        aware = start.replace(tzinfo=zone)
        parsed = rrulestr(rule, dtstart=aware)
        limit = aware + timedelta(days=366 * MAX_YEARS)
        starts = []
        for occurrence in parsed:
            if occurrence > limit or len(starts) >= MAX_OCCURRENCES:
                message = _(
                    "En serie kan vare høyst %(years)d år og ha høyst %(n)d møter.",
                    years=MAX_YEARS,
                    n=MAX_OCCURRENCES,
                )
                raise ValidationFailed(message, {"recurrence": message})
            starts.append(occurrence.replace(tzinfo=None))
    except (ValueError, TypeError, OverflowError):
        raise ValidationFailed(problem, {"recurrence": problem}) from None
    if not starts:
        message = _("Gjentakelsen gir ingen møter.")
        raise ValidationFailed(message, {"recurrence": message})
    return starts
