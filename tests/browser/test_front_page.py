"""The front page in Chromium, in bokmål, nynorsk and English at 390 and 1280 px: each number is
the count of the list its link opens, each coming meeting's weekday belongs to its date, under
axe and reflow."""

import re
from datetime import date

import pytest

from .conftest import LANGUAGES, assert_accessible, assert_reflows, click_and_load, translator
from .test_arenas_pages import WEEKDAYS

MONTHS = {
    "nb": "januar februar mars april mai juni juli august september oktober november desember",
    "nn": "januar februar mars april mai juni juli august september oktober november desember",
    "en": "January February March April May June July August September October November December",
}


def _count_on(page, which: str) -> int:
    """The count the list page states for what the front page counted."""
    if which == "arenas":
        return int(re.search(r"\d+", page.locator("#owner-counts").inner_text()).group(0))
    status = page.locator("main [role=status]").last.inner_text()
    numbers = [int(n) for n in re.findall(r"\d+", status)]
    return numbers[-1] if which == "ambassadors" else numbers[0]  # «n found (of N in all)»


@pytest.mark.parametrize("width", (390, 1280))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_front_page_says_what_the_lists_say(page, lang, width):
    _ = translator(lang)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/?lang={lang}")
    assert page.locator("#numbers-heading").inner_text() == _("Nettverket i tall")
    assert page.locator("#coming-heading").inner_text() == _(
        "Åpne møter de neste %(days)d dagene"
    ) % {"days": 7}
    assert_accessible(page)
    assert_reflows(page)
    # The coming meetings: each weekday is the weekday of its date, in the page's language.
    times = page.locator("#coming-meetings .meeting-time").all_inner_texts()
    assert times, "the demo's weekly arena meets within a week"
    for text in times:
        _weekday_matches(text, lang)
    # Each number, followed: the list behind it says the same.
    for which in ("organisations", "ambassadors", "initiatives", "arenas"):
        page.goto(f"/?lang={lang}")
        link = page.locator(f"#number-{which}")
        shown = int(link.locator(".number").inner_text())
        assert shown > 0, which
        click_and_load(page, link)
        assert _count_on(page, which) == shown, which


def _weekday_matches(text: str, lang: str) -> None:
    weekday, day, month, year = re.match(
        r"(\w+) (\d+)\.? (\w+) (\d{4})", text.replace(",", "")
    ).groups()
    when = date(int(year), MONTHS[lang].split().index(month) + 1, int(day))
    assert weekday.lower() == WEEKDAYS[lang][when.weekday()].lower(), text


def test_signed_in_the_members_own_part_comes_first(member_page):
    """The member follows the arena of the week's first public meeting; their front page then
    lists that meeting first among their own, in each language, at both widths."""
    page = member_page
    page.goto("/")
    first = page.locator("#coming-meetings li a").first
    title = first.inner_text()
    click_and_load(page, first)
    click_and_load(page, "main form[action$='/follow'] button")
    try:
        for lang in LANGUAGES:
            _ = translator(lang)
            for width in (390, 1280):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"/?lang={lang}")
                headings = page.locator("main h2").all_inner_texts()
                assert headings[0] == _("Dine neste møter")  # before the network's numbers
                assert headings.index(_("Nettverket i tall")) > 2
                mine = page.locator("#my-meetings li")
                assert title in mine.first.inner_text()
                for text in page.locator("#my-meetings .meeting-time").all_inner_texts():
                    _weekday_matches(text, lang)
                assert_accessible(page)
                assert_reflows(page)
    finally:
        page.goto("/")
        click_and_load(page, page.locator("#my-meetings li a").first)
        click_and_load(page, "main form[action$='/follow'] button")
