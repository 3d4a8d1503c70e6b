"""Rule 10 pages in Chromium: the similar-arena warning and meeting form errors, under axe."""

import pytest

from .conftest import LANGUAGES, assert_accessible, click_and_load


@pytest.mark.parametrize("lang", LANGUAGES)
def test_similar_arena_warning_and_meeting_errors_are_accessible(member_page, admin_page, lang):
    member_page.goto(f"/arenas/new?lang={lang}")
    member_page.fill("#name", "Klimanettverket i Grenland")
    click_and_load(member_page)
    assert member_page.locator("#similar-heading").count() == 1
    assert_accessible(member_page)

    admin_page.goto(f"/arenas/klimanettverket-i-grenland/meetings/new?lang={lang}")
    admin_page.fill("#title", "Nattmøte")
    admin_page.fill("#day", "2027-03-28")
    admin_page.fill("#start", "02:30")
    click_and_load(admin_page)
    assert admin_page.locator(".ds-error-summary").is_visible()
    the_day = {"nb": "28. mars 2027", "nn": "28. mars 2027", "en": "28 March 2027"}[lang]
    assert the_day in admin_page.locator(".ds-error-summary").inner_text()
    assert_accessible(admin_page)


WEEKDAYS = {
    "nb": ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"],
    "nn": ["måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "søndag"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
WEEK = {"nb": "Uke", "nn": "Veke", "en": "Week"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_calendar_headings_belong_to_the_days_under_them(member_page, lang):
    """Read as a person reads it: each month column's name is the weekday of every date in it,
    each week-view heading names its own date, and the week number is the dates' ISO week."""
    from datetime import date

    names = WEEKDAYS[lang]
    # A month that starts on a Sunday, one that starts on a Monday, and the spring DST change.
    for chosen in ("2026-11-28", "2027-02-10", "2027-03-28"):
        member_page.goto(f"/arenas/calendar?view=month&date={chosen}&lang={lang}")
        headers = member_page.locator("table.month-table thead th").all_inner_texts()
        assert [h.strip() for h in headers[1:]] == names, headers
        rows = member_page.locator("table.month-table tbody tr")
        assert rows.count() >= 4
        for r in range(rows.count()):
            row = rows.nth(r)
            cells = row.locator("td")
            days = [
                date.fromisoformat(d)
                for d in cells.evaluate_all("cs => cs.map(c => c.dataset.date)")
            ]
            assert [d.weekday() for d in days] == list(range(7)), days  # Monday to Sunday
            numbers = cells.locator(".day-number").all_inner_texts()
            assert [int(n) for n in numbers] == [d.day for d in days]
            assert row.locator("th").inner_text().strip() == str(days[0].isocalendar()[1])
        assert_accessible(member_page)

        member_page.goto(f"/arenas/calendar?view=week&date={chosen}&lang={lang}")
        heading = member_page.locator("main h2").first.inner_text()
        items = member_page.locator("li.week-day")
        days = [
            date.fromisoformat(d) for d in items.evaluate_all("ls => ls.map(l => l.dataset.date)")
        ]
        assert heading.startswith(f"{WEEK[lang]} {days[0].isocalendar()[1]},"), heading
        assert date.fromisoformat(chosen) in days and len(days) == 7
        for item_day, title in zip(days, items.locator("h3").all_inner_texts(), strict=True):
            assert title.startswith(names[item_day.weekday()] + " "), (title, item_day)
            assert f" {item_day.day}" in title
        assert_accessible(member_page)
