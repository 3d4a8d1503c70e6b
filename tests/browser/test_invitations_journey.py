"""Who is coming, in Chromium, in bokmål, nynorsk and English: a member answers «Kommer» and then
«Kommer ikke» on an arena's page, and a recipient opens the link from an invitation without
signing in; what each page says is read, at 390 and 1280 px, under axe."""

import re

import pytest
from itsdangerous import URLSafeSerializer

from .conftest import (
    LANGUAGES,
    MEMBER_EMAIL,
    assert_accessible,
    assert_reflows,
    click_and_load,
    translator,
)

ARENA = "/arenas/klimanettverket-i-grenland"


def _first_answer_form(page):
    form = page.locator("form.answer-form").first
    action = form.get_attribute("action")
    occurrence = form.locator("input[name=occurrence]").get_attribute("value")
    return form, int(re.search(r"/meetings/(\d+)/answer", action).group(1)), occurrence


@pytest.mark.parametrize("width", (390, 1280))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_member_answers_on_the_arena_page(member_page, lang, width):
    _ = translator(lang)
    member_page.set_viewport_size({"width": width, "height": 900})
    member_page.goto(f"{ARENA}?lang={lang}")
    form, _meeting, _occurrence = _first_answer_form(member_page)
    assert form.locator("button").all_inner_texts()[0].startswith(_("Kommer"))
    click_and_load(member_page, form.locator("button[value=yes]"))
    coming = _("Kommer")
    assert (
        _("Svaret ditt er lagret: %(answer)s.") % {"answer": coming}
        in member_page.locator(".ds-alert").inner_text()
    )
    form, _meeting, _occurrence = _first_answer_form(member_page)
    assert form.locator(".answer-status").inner_text() == _("Du har svart: %(answer)s") % {
        "answer": coming
    }
    assert form.locator("button[value=yes]").get_attribute("aria-pressed") == "true"
    assert form.locator("button[value=yes]").is_visible()
    assert_accessible(member_page)
    assert_reflows(member_page)
    click_and_load(member_page, form.locator("button[value=no]"))  # replaces the answer
    form, _meeting, _occurrence = _first_answer_form(member_page)
    assert form.locator(".answer-status").inner_text() == _("Du har svart: %(answer)s") % {
        "answer": _("Kommer ikke")
    }
    assert form.locator("button[value=yes]").get_attribute("aria-pressed") == "false"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_link_in_an_invitation_asks_then_answers(member_page, page, live_server, lang):
    _ = translator(lang)
    member_page.goto(f"{ARENA}?lang={lang}")
    _form, meeting_id, occurrence = _first_answer_form(member_page)
    ((member_id,),) = live_server.query("SELECT id FROM members WHERE email = :e", e=MEMBER_EMAIL)
    ((title,),) = live_server.query("SELECT title FROM meetings WHERE id = :i", i=meeting_id)
    token = URLSafeSerializer("browser-tests", salt="meeting-answer").dumps(
        {"m": member_id, "t": meeting_id, "o": occurrence, "a": "yes"}
    )
    page.goto(f"/answer/{token}?lang={lang}")
    assert page.locator("h1").inner_text() == _("Svar på invitasjonen")
    assert title in page.locator("#answer-meeting").inner_text()
    confirm = _("Bekreft: %(answer)s") % {"answer": _("Kommer")}
    assert page.locator("#answer-confirm").inner_text() == confirm
    assert_accessible(page)
    assert_reflows(page)
    click_and_load(page, "#answer-confirm")
    done = _("Takk! Svaret ditt er registrert: %(answer)s.") % {"answer": _("Kommer")}
    assert page.locator("#answer-done").inner_text() == done
    assert_accessible(page)
    ((answer,),) = live_server.query(
        "SELECT answer FROM meeting_answers WHERE member_id = :m AND meeting_id = :t",
        m=member_id,
        t=meeting_id,
    )
    assert answer == "yes"
