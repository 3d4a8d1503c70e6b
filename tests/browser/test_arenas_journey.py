"""Rule 10 in Chromium: create an arena proposing a colleague as owner -> the colleague accepts
-> a monthly meeting -> a follower subscribes (the feed is fetched and checked by ical-check)
-> the owner moves one occurrence -> the follower gets the email and the feed shows the change."""

import re
import urllib.request
from datetime import date, datetime, timedelta

from test_calendar import ical_check

from .conftest import ADMIN_EMAIL, MEMBER_EMAIL, assert_accessible, click_and_load


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:  # noqa: S310 - our own server on loopback
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        return response.read()


def test_propose_accept_meet_subscribe_move_and_notify(
    member_page, admin_page, live_server, live_mail, tmp_path
):
    inbox, _port = live_mail
    # The admin registers an arena and proposes the test member as owner.
    admin_page.goto("/arenas/new")
    admin_page.fill("#name", "Reisereglement-forum")
    admin_page.fill("#purpose", "Felles regler for tjenestereiser")
    admin_page.fill("#owner_email", MEMBER_EMAIL)
    click_and_load(admin_page)
    if admin_page.locator("#similar-heading").count():
        click_and_load(admin_page, "text=Lagre likevel")
    admin_page.wait_for_url(re.compile(r"/arenas/reisereglement-forum$"))
    assert "arena uten ansvarlig" in admin_page.locator("main").inner_text()
    assert any(
        m["To"] == MEMBER_EMAIL and "Reisereglement-forum" in m["Subject"] for m in inbox.messages
    )

    # The colleague accepts and adds a monthly meeting.
    member_page.goto("/arenas")
    click_and_load(
        member_page,
        member_page.locator("li", has_text="Reisereglement-forum").get_by_role(
            "button", name=re.compile("Bekreft ansvar")
        ),
    )
    member_page.goto("/arenas/reisereglement-forum")
    assert "Nettleser Testesen" in member_page.locator(".facts").inner_text()
    start = date.today() + timedelta(days=1)
    click_and_load(member_page, "text=Nytt møte")
    member_page.fill("#title", "Månedsmøte")
    member_page.fill("#day", start.isoformat())
    member_page.fill("#start", "09:00")
    member_page.fill("#end", "10:00")
    member_page.select_option("#repeat", "monthly_nth")
    member_page.fill("#repeat_count", "4")
    click_and_load(member_page)
    assert_accessible(member_page)

    # The admin follows and subscribes: the personal feed has the series and passes ical-check.
    admin_page.goto("/arenas/reisereglement-forum")
    click_and_load(admin_page, "main button:has-text('Følg')")
    admin_page.goto("/profile")
    feed_url = admin_page.locator("#personal-feed-url").inner_text()
    body = fetch(feed_url)
    assert b"M\xc3\xa5nedsm\xc3\xb8te" in body and b"RRULE:FREQ=MONTHLY" in body
    ical_check(tmp_path, body)

    # The owner moves the first occurrence (tomorrow): the follower is emailed, the feed changes.
    before = len(inbox.messages)
    member_page.goto("/arenas/reisereglement-forum")
    member_page.locator(".occurrence-change").first.locator("summary").click()
    form = member_page.locator(".occurrence-change").first.locator("form.stack")
    form.locator("input[name=start]").fill("13:00")
    form.locator("input[name=end]").fill("14:00")
    click_and_load(member_page, form.get_by_role("button", name="Flytt dette møtet"))
    assert "Møtet er flyttet" in member_page.locator(".ds-alert").first.inner_text()
    mails = [m for m in inbox.messages[before:] if m["To"] == ADMIN_EMAIL]
    assert mails and "kl. 13.00" in mails[0].get_body().get_content()
    moved = fetch(feed_url)
    original = datetime.combine(start, datetime.min.time()).replace(hour=9)
    assert f"RECURRENCE-ID;TZID=Europe/Oslo:{original:%Y%m%dT%H%M%S}".encode() in moved
    ical_check(tmp_path, moved)
