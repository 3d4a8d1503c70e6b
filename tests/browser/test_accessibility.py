"""Every page, in bokmål, nynorsk and English: zero axe violations and reflow at 320 px."""

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from .conftest import LANGUAGES, MEMBER_EMAIL, assert_accessible, assert_reflows, click_and_load

ANONYMOUS_PAGES = [
    "/",
    "/declaration",
    "/ambassadors",
    "/ambassadors?q=ingen+treff+her&kind=akademia",
    "/organisations",
    "/organisations?kind=kommune",
    "/organisations/skien-kommune",
    "/auth/login",
    "/auth/register",
    "/auth/forgot",
    "/auth/reset/ugyldig-lenke",
    "/auth/register/sent",
    "/auth/confirm/ugyldig-lenke",
    "/unsubscribe/ugyldig-lenke",
    "/answer/ugyldig-lenke",
    "/privacy",
    "/accessibility",
    "/finnes-ikke",
    "/initiatives",
    "/initiatives?q=klimatilpasningen&status=ongoing&status=planned",
    "/initiatives?theme=finnes-ikke",
    "/initiatives/1",
    "/areas/klimatilpasning",
    "/arenas",
    "/arenas/klimanettverket-i-grenland",
    "/arenas/reiselivsnettverket-vest-telemark",
    "/network",
    "/network?municipality=4003&org=skien-kommune",
    "/network?kind=robot&theme=klimatilpasning&shared=initiatives",
]
MEMBER_PAGES = [
    "/profile",
    "/profile/tokens",
    "/profile/delete",
    "/profile/delete/ugyldig",  # a link that is not theirs: back to the page above, with why
    "/profile/notifications",
    "/members/{member_id}",
    "/declaration",
    "/organisations/skien-kommune",
    "/initiatives/new",
    "/overview",
    "/initiatives/1",
    "/experts",
    "/experts?q=klimatilpasningen",
    "/experts?q=skogbrann+klima",
    "/members/1/contact",
    "/profile/contact-requests",
    "/areas/klimatilpasning",
    "/arenas",
    "/arenas/new",
    "/arenas/arbeidsgruppe-for-innkjop",
    "/arenas/calendar",
    "/arenas/calendar?view=week",
    "/network?org=universitetet-i-sorost-norge",
]
ADMIN_PAGES = [
    "/admin",
    "/admin/members",
    "/memberships",
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/organisations/skien-kommune/edit",
    "/admin/organisations/skien-kommune/merge",
    "/initiatives/1/edit",
    "/admin/areas",
    "/admin/areas/hydrogen/edit",
    "/admin/areas/hydrogen/merge",
    "/admin/import",
    "/arenas/klimanettverket-i-grenland",
    "/arenas/klimanettverket-i-grenland/edit",
    "/arenas/klimanettverket-i-grenland/meetings/new",
    "/meetings/1/edit",
    "/admin/outbox",
    "/admin/outbox?status=queued",
    "/admin/outbox/1",
]
#: An email as its recipient sees it: in the message's language, whatever the admin reads.
EMAIL_PAGE = "/admin/outbox/{message_id}/preview"
#: A newcomer whose organisation has not confirmed them yet sees these differently.
UNVERIFIED_PAGES = ["/profile", "/members/{member_id}", "/experts?q=klimatilpasningen", "/arenas"]
#: Pages that are not HTML for people: machine endpoints and downloads.
NOT_PAGES = {
    "static",
    "main.healthz",
    "main.favicon",
    "accounts.export_data",
    "initiatives.feed",
    # iCalendar feeds, checked by tests/test_calendar.py with real calendar consumers
    "calendar.arena_feed",
    "calendar.organisation_feed",
    "calendar.all_feed",
    "calendar.meeting_feed",
    "calendar.personal_feed",
    # Single sign-on: redirects to and from the provider; the page between them (a newcomer
    # choosing the organisation) is checked by tests/browser/test_sso_journey.py
    "accounts.sso_start",
    "accounts.sso_callback",
    "accounts.sso_finish",
}


def with_language(path: str, lang: str) -> str:
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


def check(page, path, lang):
    page.goto(with_language(path, lang))
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)
    assert_reflows(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_public_pages(page, lang):
    for path in ANONYMOUS_PAGES:
        check(page, path, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_member_pages(member_page, live_server, lang):
    member_id = live_server.query("SELECT id FROM members WHERE email = :e", e=MEMBER_EMAIL)[0][0]
    for path in MEMBER_PAGES:
        check(member_page, path.format(member_id=member_id), lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_of_a_member_not_yet_verified(unverified_page, live_server, lang):
    member_id = live_server.query("SELECT id FROM members WHERE email = :e", e=MEMBER_EMAIL)[0][0]
    for path in UNVERIFIED_PAGES:
        check(unverified_page, path.format(member_id=member_id), lang)
    unverified_page.goto(with_language("/profile", lang))
    assert unverified_page.locator("#membership-organisation_id").is_visible()
    unverified_page.goto(f"/members/{member_id}")
    assert MEMBER_EMAIL not in unverified_page.locator("main").inner_text()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_admin_pages(admin_page, lang):
    for path in ADMIN_PAGES:
        check(admin_page, path, lang)


def test_emails_as_their_recipients_see_them(admin_page, live_server):
    """The HTML part of an email (the demo's first in bokmål and first in nynorsk) passes axe
    and reflows; its language is the recipient's."""
    for language in ("nb", "nn"):
        message_id, subject = live_server.query(
            "SELECT id, subject FROM outbox_messages WHERE language = :language"
            " ORDER BY id LIMIT 1",
            language=language,
        )[0]
        admin_page.goto(EMAIL_PAGE.format(message_id=message_id))
        assert admin_page.locator("html").get_attribute("lang") == language
        assert admin_page.title() == subject
        assert_accessible(admin_page)
        assert_reflows(admin_page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_forms_with_errors(page, lang):
    """The error summary and the messages next to fields are accessible too."""
    page.goto(with_language("/auth/register", lang))
    click_and_load(page)
    summary = page.locator(".ds-error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('ds-error-summary')")
    assert_accessible(page)
    assert_reflows(page)


@pytest.fixture
def nordic_network(live_server):
    """More organisations than a menu or a list of checkboxes can offer, removed afterwards."""
    from arena.organisations.models import Organisation
    from arena.organisations.services import MENU_LIMIT

    engine = sa.create_engine(live_server.database_url)
    rows = [
        {"name": f"Nordisk partner {n:04d}", "slug": f"nordisk-partner-{n:04d}", "kind": "annet"}
        for n in range(MENU_LIMIT + 1)
    ]
    with engine.begin() as connection:
        connection.execute(Organisation.__table__.insert().values(approved=True), rows)
    yield
    with engine.begin() as connection:
        connection.execute(
            Organisation.__table__.delete().where(Organisation.slug.like("nordisk-partner-%"))
        )
    engine.dispose()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_organisations_typed_by_name_in_a_nordic_network(member_page, nordic_network, lang):
    """With too many organisations to tick, forms take names: accessible, with and without
    errors."""
    check(member_page, "/arenas/new", lang)
    assert member_page.locator("textarea#organisation_ids").input_value() == "Skien kommune"
    check(member_page, "/initiatives/new", lang)
    member_page.fill("#partner_ids", "Nordisk partner 0007\nNordisk partner 9999")
    click_and_load(member_page)
    error = member_page.locator("#partner_ids-error")
    assert "Nordisk partner 9999" in error.inner_text()
    assert "Nordisk partner 0007" not in error.inner_text()
    assert_accessible(member_page)


def test_every_page_of_the_app_is_checked(app):
    """A new page must be added to one of the lists above."""
    adapter = app.url_map.bind("localhost")
    visited = set()
    for path in ANONYMOUS_PAGES + MEMBER_PAGES + ADMIN_PAGES + [EMAIL_PAGE]:
        try:
            endpoint, _args = adapter.match(path.format(member_id=1, message_id=1).split("?")[0])
        except NotFound:
            continue
        visited.add(endpoint)
    pages = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.rule.startswith("/api/")
    }
    missing = pages - visited - NOT_PAGES
    assert not missing, f"pages without an accessibility check: {sorted(missing)}"
