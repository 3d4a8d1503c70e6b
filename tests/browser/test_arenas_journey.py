"""Rule 10 in Chromium, in each language: create an arena proposing a colleague as owner -> the
colleague accepts -> a monthly meeting -> a follower subscribes (the feed is fetched and checked
by ical-check) -> the owner moves one occurrence -> the follower gets the email and the feed shows
the change; axe checks every page on the way."""

import re
import urllib.request
from datetime import date, datetime, timedelta

import pytest
from test_calendar import ical_check

from .conftest import (
    ADMIN_EMAIL,
    LANGUAGES,
    MEMBER_EMAIL,
    assert_accessible,
    click_and_load,
    save_language,
    text_of,
    translator,
)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:  # noqa: S310 - our own server on loopback
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        return response.read()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_propose_accept_meet_subscribe_move_and_notify(
    member_page, admin_page, live_mail, tmp_path, lang
):
    _ = translator(lang)
    inbox, _port = live_mail
    name, path = f"Reisereglement-forum {lang}", f"/arenas/reisereglement-forum-{lang}"
    member_page.goto(f"/?lang={lang}")  # the choice sticks while browsing
    save_language(admin_page, lang)  # and the admin's emails come in it too

    # The admin registers an arena and proposes the test member as owner.
    admin_page.goto("/arenas/new")
    admin_page.fill("#name", name)
    admin_page.fill("#purpose", "Felles regler for tjenestereiser")
    admin_page.fill("#owner_email", MEMBER_EMAIL)
    click_and_load(admin_page)
    if admin_page.locator("#similar-heading").count():  # the other languages' forums
        click_and_load(admin_page)  # «save anyway»
    assert admin_page.url.endswith(path)
    assert _("arena uten ansvarlig") in admin_page.locator("main").inner_text()
    assert_accessible(admin_page)
    assert any(name in m["Subject"] for m in inbox.wait_for(MEMBER_EMAIL))

    # The colleague accepts and adds a monthly meeting.
    member_page.goto("/arenas")
    assert_accessible(member_page)
    click_and_load(
        member_page,
        member_page.locator("li", has_text=name).get_by_role(
            "button", name=re.compile(_("Bekreft ansvar"))
        ),
    )
    member_page.goto(path)
    assert "Nettleser Testesen" in member_page.locator(".facts").inner_text()
    start = date.today() + timedelta(days=1)
    click_and_load(member_page, f"text={_('Nytt møte')}")
    member_page.fill("#title", "Månedsmøte")
    member_page.fill("#day", start.isoformat())
    member_page.fill("#start", "09:00")
    member_page.fill("#end", "10:00")
    member_page.select_option("#repeat", "monthly_nth")
    member_page.fill("#repeat_count", "4")
    assert_accessible(member_page)
    click_and_load(member_page)
    assert member_page.url.endswith(path)
    assert_accessible(member_page)

    # The admin follows and subscribes: the personal feed has the series and passes ical-check.
    admin_page.goto(path)
    click_and_load(admin_page, f"main button:has-text('{_('Følg')}')")
    admin_page.goto("/profile")
    assert_accessible(admin_page)
    feed_url = admin_page.locator("#personal-feed-url").inner_text()
    body = fetch(feed_url)
    unfolded = body.replace(b"\r\n ", b"")
    assert f"{path}#meeting-".encode() in unfolded and b"RRULE:FREQ=MONTHLY" in unfolded
    ical_check(tmp_path, body)

    # The owner moves the first occurrence (tomorrow): the follower is emailed, the feed changes.
    before = len(inbox.messages)
    member_page.goto(path)
    member_page.locator(".occurrence-change").first.locator("summary").click()
    form = member_page.locator(".occurrence-change").first.locator("form.stack")
    form.locator("input[name=start]").fill("13:00")
    form.locator("input[name=end]").fill("14:00")
    click_and_load(member_page, form.get_by_role("button", name=_("Flytt dette møtet")))
    assert _("Møtet er flyttet.") in member_page.locator(".ds-alert").first.inner_text()
    assert_accessible(member_page)
    mails = inbox.wait_for(ADMIN_EMAIL, since=before)
    # In the language the admin saved on their profile.
    new_time = {"nb": "kl. 13.00", "nn": "kl. 13.00", "en": ", 13:00"}[lang]
    assert mails and new_time in text_of(mails[0])
    why = _(
        "Du får denne e-posten fordi du følger arenaen, og fordi kalenderen din "
        "kanskje ikke rekker å oppdatere seg."
    )
    assert why in text_of(mails[0])
    moved = fetch(feed_url)
    original = datetime.combine(start, datetime.min.time()).replace(hour=9)
    recurrence_id = f"RECURRENCE-ID;TZID=Europe/Oslo:{original:%Y%m%dT%H%M%S}".encode()
    assert moved.count(recurrence_id) == body.count(recurrence_id) + 1
    ical_check(tmp_path, moved)
    save_language(admin_page, "nb")
