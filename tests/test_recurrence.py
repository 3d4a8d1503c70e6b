"""Repetitions: one RRULE in a strict grammar, found within a horizon, so no rule can stall a
request; the occurrences are the ones dateutil (and so the calendar programs) find."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from arena.accounts.services import issue_api_token
from arena.arenas import meetings, recurrence
from arena.arenas import services as arenas
from arena.arenas.models import Meeting
from arena.arenas.recurrence import EXPANSION_BUDGET, occurrence_starts, parse_rule
from arena.arenas.services import ArenaInput
from arena.errors import ValidationFailed
from arena.extensions import db

OSLO = "Europe/Oslo"
HYPOTHESIS = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

#: The attacks the review found, and their kin.
HOSTILE = [
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=1",
    "FREQ=DAILY;COUNT=1 RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=1",
    "FREQ=DAILY;COUNT=1\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;COUNT=1",
    "FREQ=DAILY;BYMINUTE=" + ",".join(str(n) for n in range(60)) + ";COUNT=499",
    "FREQ=DAILY;BYHOUR=1,2,3;COUNT=10",
    "FREQ=MINUTELY;COUNT=10",
    "FREQ=DAILY;BYSETPOS=2;BYMONTH=1;COUNT=1",
    "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31;COUNT=1",
    "FREQ=MONTHLY;BYDAY=5MO;BYMONTH=2;COUNT=3",
    "FREQ=DAILY;UNTIL=99991231T235959Z",
    "FREQ=DAILY;COUNT=99999999999999999999",
    "FREQ=WEEKLY;COUNT=3;EXDATE=20270308T090000",
    "FREQ=WEEKLY;COUNT=3;DTSTART=20270301T090000",
]


@pytest.mark.parametrize("rule", HOSTILE)
def test_hostile_rules_are_refused_quickly_with_a_reason(rule):
    recurrence.days_examined.set(0)
    with pytest.raises(ValidationFailed) as refused:
        occurrence_starts(rule, datetime(2027, 3, 1, 9), OSLO)
    assert refused.value.fields["recurrence"]
    assert recurrence.days_examined.get() <= EXPANSION_BUDGET


@pytest.mark.parametrize(
    "given_rule, stored",
    [
        ("freq=weekly;byday=mo;count=4", "FREQ=WEEKLY;COUNT=4;BYDAY=MO"),
        ("RRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=3", "FREQ=MONTHLY;COUNT=3;BYDAY=1MO"),
        ("FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=WE,MO;COUNT=4", "FREQ=WEEKLY;COUNT=4;BYDAY=MO,WE"),
    ],
)
def test_a_rule_is_stored_exactly_as_feeds_publish_it(client, make_member, given_rule, stored):
    owner = make_member()
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Arena"))
    meeting = meetings.create_meeting(
        owner,
        arena,
        meetings.MeetingInput(title="Møte", starts_at=datetime(2027, 3, 1, 9), rrule=given_rule),
    )
    assert meeting.rrule == stored
    feed = client.get(f"/arenas/{arena.slug}/calendar.ics").get_data(as_text=True)
    assert f"RRULE:{stored}\r\n" in feed


# Rules from the whole grammar and beyond it: parts Arena refuses, impossible days, huge
# numbers, rule sets and stray text.
number = st.one_of(st.integers(-400, 400), st.sampled_from([0, 10**20, -(10**20)]))
weekday = st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU", "XX"])
by_day_item = st.builds(lambda n, d: f"{n if n else ''}{d}", st.integers(-60, 60), weekday)
part = st.one_of(
    st.builds(
        lambda f: f"FREQ={f}",
        st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "SECONDLY"]),
    ),
    st.builds(lambda n: f"COUNT={n}", number),
    st.builds(lambda n: f"INTERVAL={n}", number),
    st.builds(
        lambda d: f"UNTIL={d}",
        st.sampled_from(["20270601T000000Z", "99991231T235959Z", "20270601", "x"]),
    ),
    st.builds(lambda xs: "BYDAY=" + ",".join(xs), st.lists(by_day_item, min_size=1, max_size=4)),
    st.builds(
        lambda xs: "BYMONTHDAY=" + ",".join(map(str, xs)), st.lists(number, min_size=1, max_size=3)
    ),
    st.builds(
        lambda xs: "BYMONTH=" + ",".join(map(str, xs)),
        st.lists(st.integers(-2, 14), min_size=1, max_size=3),
    ),
    st.builds(
        lambda xs: "BYSETPOS=" + ",".join(map(str, xs)), st.lists(number, min_size=1, max_size=2)
    ),
    st.builds(
        lambda p, xs: f"{p}=" + ",".join(map(str, xs)),
        st.sampled_from(["BYMINUTE", "BYHOUR", "BYSECOND", "BYYEARDAY", "BYWEEKNO"]),
        st.lists(st.integers(0, 60), min_size=1, max_size=60),
    ),
    st.sampled_from(
        ["WKST=SU", "WKST=XX", "RRULE:FREQ=DAILY", "EXRULE:FREQ=DAILY", "\n", " ", ";;"]
    ),
)
hostile_rule = st.builds(lambda parts: ";".join(parts), st.lists(part, min_size=1, max_size=6))


def test_no_rule_makes_a_request_do_unbounded_work(client, make_member):
    owner = make_member()
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Arena"))
    headers = {"Authorization": f"Bearer {issue_api_token(owner, 'regler')}"}

    @HYPOTHESIS
    @given(rule=hostile_rule, day=st.integers(0, 400))
    def attempt(rule, day):
        starts_at = (datetime(2027, 1, 1, 9) + timedelta(days=day)).isoformat(timespec="minutes")
        recurrence.days_examined.set(0)
        response = client.post(
            f"/api/v1/arenas/{arena.slug}/meetings",
            json={"title": "Møte", "starts_at": starts_at, "recurrence": rule},
            headers=headers,
        )
        assert response.status_code in (201, 422), (rule, response.get_json())
        # Work, counted in days looked at rather than in seconds: a handful of expansions.
        assert recurrence.days_examined.get() <= 3 * EXPANSION_BUDGET, rule
        if response.status_code == 201 and rule.strip():
            stored = db.session.get(Meeting, response.get_json()["id"])
            assert stored.rrule == str(parse_rule(stored.rrule))

    attempt()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) >= 1


# Rules Arena accepts, built around their first meeting so that it is one of their occurrences.
WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def synchronised_rule(draw):
    start = datetime(2026, 1, 1, draw(st.sampled_from([0, 9, 13, 23]))) + timedelta(
        days=draw(st.integers(0, 800))
    )
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}", f"COUNT={draw(st.integers(1, 12))}"]
    if (interval := draw(st.integers(1, 3))) > 1:
        parts.append(f"INTERVAL={interval}")
    own_day = WEEKDAY_CODES[start.weekday()]
    others = draw(st.lists(st.sampled_from(WEEKDAY_CODES), max_size=2))
    last = (start + timedelta(days=7)).month != start.month
    nth = draw(
        st.sampled_from([(start.day - 1) // 7 + 1, -1 if last else (start.day - 1) // 7 + 1])
    )
    by_day = draw(
        st.sampled_from(["", "plain", "nth"] if freq in ("MONTHLY", "YEARLY") else ["", "plain"])
    )
    if by_day == "plain":
        parts.append("BYDAY=" + ",".join(sorted({own_day, *others}, key=WEEKDAY_CODES.index)))
    if by_day == "nth":
        parts.append(f"BYDAY={nth}{own_day}")
    if freq != "WEEKLY" and draw(st.booleans()):
        month_end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        own = draw(st.sampled_from([start.day, start.day - month_end.day - 1]))
        extra = draw(st.lists(st.sampled_from([1, 15, 28, 31, -1]), max_size=2))
        parts.append("BYMONTHDAY=" + ",".join(str(d) for d in sorted({own, *extra})))
    if draw(st.booleans()):
        extra = draw(st.lists(st.integers(1, 12), max_size=3))
        parts.append("BYMONTH=" + ",".join(str(m) for m in sorted({start.month, *extra})))
    if by_day and draw(st.booleans()):
        parts.append(f"BYSETPOS={draw(st.sampled_from([1, 2, -1]))}")
    if freq == "WEEKLY" and draw(st.booleans()):
        parts.append("WKST=SU")
    return ";".join(parts), start


@HYPOTHESIS
@given(case=synchronised_rule())
def test_occurrences_are_the_ones_dateutil_finds(app, case):
    rule, start = case
    with app.test_request_context():
        try:
            ours = occurrence_starts(rule, start, OSLO)
        except ValidationFailed:
            assume(False)
    theirs = rrulestr(rule, dtstart=start.replace(tzinfo=ZoneInfo(OSLO)))
    expected = [d.replace(tzinfo=None) for d in itertools.islice(theirs, len(ours) + 1)]
    assert ours == expected, rule


@pytest.mark.parametrize(
    "rule, lang, words",
    [
        ("FREQ=WEEKLY;COUNT=4;BYDAY=MO", "nb", "hver uke på mandag, 4 ganger"),
        ("FREQ=WEEKLY;COUNT=10;INTERVAL=2;BYDAY=TU", "nn", "annakvar veke på tysdag, 10 gonger"),
        ("FREQ=MONTHLY;COUNT=10;BYDAY=1WE", "en", "the first Wednesday of the month, 10 times"),
        (
            "FREQ=MONTHLY;UNTIL=20271231T225959Z;BYDAY=-1FR",
            "nb",
            "siste fredag i måneden, til og med 31. desember 2027",
        ),
        (
            "FREQ=MONTHLY;COUNT=4;INTERVAL=3;BYDAY=2TH",
            "nb",
            "andre torsdag hver tredje måned, 4 ganger",
        ),
        ("FREQ=DAILY;COUNT=5", "nb", "FREQ=DAILY;COUNT=5"),  # no words for it: as written
    ],
)
def test_a_series_is_described_in_words(app, rule, lang, words):
    from flask_babel import force_locale

    from arena.arenas.repetitions import describe

    with app.test_request_context(), force_locale(lang):
        assert describe(rule, OSLO) == words
