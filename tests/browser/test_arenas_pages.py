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
    assert "28.03.2027" in admin_page.locator(".ds-error-summary").inner_text()
    assert_accessible(admin_page)
