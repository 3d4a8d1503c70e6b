"""Signing in with the organisation's account, in bokmål, nynorsk and English: the button, the
provider's own pages (a real OpenID provider), back in Arena signed in and verified, the linked
sign-in on the profile, and signing out of both."""

import pytest

from .conftest import LANGUAGES, assert_accessible, click_and_load, translator


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sign_in_with_the_organisations_account(page, live_server, lang):
    _ = translator(lang)
    email = f"sso-{lang}@skien.kommune.no"
    page.goto(f"/auth/login?lang={lang}")
    button = page.get_by_role("link", name=_("Logg inn med %(provider)s") % {"provider": "Feide"})
    assert button.is_visible()
    assert page.locator("#sso-heading").inner_text() == _("Med organisasjonens innlogging")
    assert_accessible(page)

    click_and_load(page, button)  # the provider's sign-in page, not Arena's
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "hva-som-helst")
    click_and_load(page, "button[type=submit]")
    click_and_load(page, "button[type=submit]")  # agree to share name and address
    assert page.url.startswith(live_server)
    assert page.locator("html").get_attribute("lang") == lang
    assert _("Logg ut") in page.locator("header").inner_text()

    page.goto(f"/profile?lang={lang}")
    sign_ins = page.locator("#sign-ins-heading + ul").inner_text()
    assert _("%(provider)s som %(email)s") % {"provider": "Feide", "email": email} in sign_ins
    # Skien kommune's address domain made the new member a verified member at once.
    assert _("Du venter på at") not in page.locator("main").inner_text()
    assert_accessible(page)

    click_and_load(page, page.get_by_role("button", name=_("Logg ut"), exact=True))
    click_and_load(page, "button[autofocus], form button")  # the provider asks: sign out there too
    assert _("Logg inn") in page.locator("header").inner_text()
    assert page.goto("/profile").url.endswith("/auth/login?next=%2Fprofile")


def sign_in_at_provider(page, email):
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "hva-som-helst")
    click_and_load(page, "button[type=submit]")
    click_and_load(page, "button[type=submit]")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_newcomer_arena_cannot_place_chooses_the_organisation(page, live_server, lang):
    _ = translator(lang)
    page.goto(f"/auth/register?lang={lang}")
    button = page.get_by_role("link", name=_("Logg inn med %(provider)s") % {"provider": "Feide"})
    assert_accessible(page)
    click_and_load(page, button)
    sign_in_at_provider(page, f"ny-{lang}@gmail.com")
    assert page.url == f"{live_server}/auth/sso/finish"
    assert page.locator("h1").inner_text() == _("Velg organisasjonen din")
    assert f"ny-{lang}@gmail.com" in page.locator("main").inner_text()
    assert_accessible(page)
    click_and_load(page)  # nothing chosen: the error summary says so
    assert page.locator(".ds-error-summary").is_visible()
    assert_accessible(page)
    page.select_option("#organisation_id", label="Porsgrunn kommune")
    click_and_load(page)
    assert page.url.startswith(f"{live_server}/profile")
    waiting = _(
        "Du venter på at %(organisation)s bekrefter at du hører til der. Til da kan du fylle ut "
        "profilen din og følge det som skjer, men ikke handle på vegne av organisasjonen eller "
        "se kollegaers kontaktinformasjon."
    ) % {"organisation": "Porsgrunn kommune"}
    assert waiting in page.locator("main").inner_text()
    click_and_load(page, page.get_by_role("button", name=_("Logg ut"), exact=True))
