"""Every helper that shows a date names the date's own weekday and month, in bokmål, nynorsk and
English, for any date Arena accepts; checked against names written out here by hand (not
against Babel, whose day list starts on Sunday)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from arena import dates

WEEKDAYS = {
    "nb": ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"],
    "nn": ["måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "søndag"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
NORWEGIAN_MONTHS = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august"]
NORWEGIAN_MONTHS += ["september", "oktober", "november", "desember"]
ENGLISH_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August"]
ENGLISH_MONTHS += ["September", "October", "November", "December"]
MONTHS = {"nb": NORWEGIAN_MONTHS, "nn": NORWEGIAN_MONTHS, "en": ENGLISH_MONTHS}
LANGUAGES = st.sampled_from(["nb", "nn", "en"])
DAYS = st.dates(min_value=date(dates.FIRST_YEAR, 1, 1), max_value=date(dates.LAST_YEAR, 12, 31))
SETTINGS = settings(max_examples=300, derandomize=True, deadline=None, database=None)


def named(text: str, day: date, lang: str) -> None:
    weekday, month = WEEKDAYS[lang][day.weekday()], MONTHS[lang][day.month - 1]
    assert text.startswith(weekday + " "), (text, day)
    day_part = f" {day.day}. {month}" if lang != "en" else f" {day.day} {month}"
    assert day_part in text, (text, day)
    others = [w for w in WEEKDAYS[lang] if w != weekday and w not in weekday]
    assert not any(w in text for w in others), (text, day)


@SETTINGS
@given(day=DAYS, lang=LANGUAGES)
def test_dates_name_their_own_weekday_and_month(day, lang):
    named(dates.format_date(day, lang), day, lang)
    assert dates.format_date(day, lang).endswith(f" {day.year}")
    named(dates.format_day(day, lang), day, lang)
    assert dates.format_plain_date(day, lang).endswith(f"{MONTHS[lang][day.month - 1]} {day.year}")
    assert dates.format_month(day, lang) == f"{MONTHS[lang][day.month - 1]} {day.year}"
    short = dates.format_short_day(day, lang)
    assert WEEKDAYS[lang][day.weekday()].lower().startswith(short.split()[0].rstrip(".").lower())
    assert short.split()[1].rstrip(".") == str(day.day)


@SETTINGS
@given(
    moment=st.datetimes(min_value=datetime(1901, 1, 1), max_value=datetime(2198, 12, 31)),
    lang=LANGUAGES,
)
def test_times_are_shown_on_the_oslo_wall_clock_with_the_oslo_date(moment, lang):
    aware = moment.replace(tzinfo=UTC)
    local = aware.astimezone(ZoneInfo("Europe/Oslo"))
    text = dates.format_datetime(aware, lang)
    named(text, local.date(), lang)
    clock = f"{local:%H.%M}" if lang != "en" else f"{local:%H:%M}"
    assert text.endswith(("kl. " if lang != "en" else ", ") + clock), text
    later = aware + timedelta(minutes=90)
    span = dates.format_range(aware, later, lang)
    if later.astimezone(ZoneInfo("Europe/Oslo")).date() != local.date():
        first, last = span.split(" \u2013 ")  # across midnight both ends in full
        named(first, local.date(), lang)
        named(last, later.astimezone(ZoneInfo("Europe/Oslo")).date(), lang)
    else:
        named(span, local.date(), lang)


def test_weekday_names_start_on_monday_in_every_language():
    for lang, names in WEEKDAYS.items():
        assert dates.weekday_names(lang) == names


def test_a_period_and_an_open_period():
    assert dates.format_period(date(2026, 7, 7), date(2027, 7, 7), "nb") == (
        "7. juli 2026 \u2013 7. juli 2027"
    )
    assert dates.format_period(date(2026, 7, 7), None, "en") == "7 July 2026 \u2013"
    assert dates.format_period(None, date(2027, 7, 7), "nn") == "\u2013 7. juli 2027"
