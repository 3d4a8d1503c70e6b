"""Rule 4 in Chromium: register an initiative, see the similar-initiatives hint, publish, find it
by a filtered search and in the Atom feed, post an update, and a follower sees it."""

import re
import urllib.parse
import urllib.request

import feedparser
import pytest

from .conftest import LANGUAGES, assert_accessible, click_and_load, register_and_confirm


def test_register_find_update_and_follow(page, member_page, live_server, live_mail):
    member_page.goto("/initiatives/new")
    member_page.fill("#title", "Klimatilpasning i Siljan")
    member_page.fill("#summary", "Overvann og flom i Siljan sentrum")
    member_page.select_option("#status", "planned")
    member_page.check("text=Klimatilpasning >> nth=0")
    member_page.check("#municipality_ids >> text=Siljan")
    click_and_load(member_page)

    hint = member_page.locator("#similar-heading")
    assert hint.inner_text() == "Finnes dette allerede?"
    assert (
        member_page.locator(".similar-list").get_by_text("Klimatilpasning i Grenland").count() == 1
    )
    assert_accessible(member_page)
    click_and_load(member_page, "text=Lagre likevel")
    assert re.search(r"/initiatives/\d+$", member_page.url)
    initiative_path = urllib.parse.urlsplit(member_page.url).path
    assert member_page.locator("h1").inner_text() == "Klimatilpasning i Siljan"

    # Anyone finds it with an inflected query and a filter, and in the Atom feed.
    page.goto("/initiatives?q=klimatilpasningen&municipality=4010&status=planned")
    assert page.locator(".initiative-card").get_by_text("Klimatilpasning i Siljan").count() == 1
    feed_url = live_server + "/initiatives.atom?q=klimatilpasning&municipality=4010"
    with urllib.request.urlopen(feed_url) as feed:  # noqa: S310 - our own server on loopback
        entries = feedparser.parse(feed.read()).entries
    assert entries[0].title == "Klimatilpasning i Siljan"

    # A follower (a fresh member) follows it; the owner posts an update; the follower sees it.
    register_and_confirm(
        page, live_mail[0], "folger@skien.kommune.no", "Følger Følgesen", "Skien kommune"
    )
    page.goto(initiative_path)
    click_and_load(page, "main button:has-text('Følg')")
    page.goto("/overview")

    member_page.goto(initiative_path)
    member_page.fill("#body", "Oppstartsmøtet er holdt. Vi søker **hydrolog**.")
    click_and_load(member_page, "text=Publiser oppdatering")
    assert member_page.locator(".update strong").inner_text() == "hydrolog"
    assert_accessible(member_page)

    page.goto("/overview")
    changed = page.locator("section[aria-labelledby=changed-heading]")
    assert changed.get_by_text("Klimatilpasning i Siljan").count() == 1
    assert_accessible(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_initiative_form_with_errors_is_accessible(member_page, lang):
    member_page.goto(f"/initiatives/new?lang={lang}")
    member_page.fill("#starts_on", "2027-05-01")
    member_page.fill("#ends_on", "2027-04-01")
    click_and_load(member_page)
    assert member_page.locator(".ds-error-summary").is_visible()
    assert_accessible(member_page)
