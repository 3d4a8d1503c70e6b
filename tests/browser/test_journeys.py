"""Journeys through the app in Chromium: the declaration, languages, and keyboard-only sign-up."""

import re

from .conftest import assert_accessible, click_and_load, register_and_confirm

PASSWORD = "en-lang-og-trygg-setning"  # noqa: S105 - a throw-away test account


def test_sign_the_declaration_appear_and_withdraw(page, live_mail):
    inbox, _port = live_mail
    register_and_confirm(
        page, inbox, "journey@nome.kommune.no", "Journey Jensen", "Nome kommune", PASSWORD
    )
    assert (
        "Du er bekreftet som medlem av Nome kommune" in page.locator(".ds-alert").first.inner_text()
    )
    click_and_load(page, "header button:has-text('Logg ut')")
    page.goto("/declaration")
    click_and_load(page, "text=Logg inn for å signere")
    page.fill("#email", "journey@nome.kommune.no")
    page.fill("#password", PASSWORD)
    click_and_load(page)
    assert page.url.endswith("/declaration")

    assert page.locator("#public_consent").is_checked()
    click_and_load(page, "text=Signer erklæringen")
    assert page.locator(".ds-alert").first.inner_text().startswith("Takk!")
    assert_accessible(page)

    page.goto("/ambassadors?q=journey")
    assert page.locator("main").get_by_text("Journey Jensen, Rådgiver").is_visible()
    assert_accessible(page)

    page.goto("/declaration")
    click_and_load(page, "text=Trekk tilbake signaturen min")
    page.goto("/ambassadors?q=journey")
    assert page.locator("main").get_by_text("Journey Jensen").count() == 0


def test_switch_language_to_nynorsk_and_english(page):
    page.goto("/declaration")
    click_and_load(page, "header a[hreflang=nn]")
    assert page.locator("html").get_attribute("lang") == "nn"
    assert page.locator("h1").inner_text() == "Samarbeidserklæringa «Jobbe smartare saman»"
    # The choice sticks while browsing.
    click_and_load(page, "header >> text=Ambassadørar")
    assert page.locator("h1").inner_text() == "Ambassadørar"
    click_and_load(page, "header a[hreflang=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Ambassadors"
    assert_accessible(page)


def focus_by_tab(page, selector, limit=80):
    """Presses Tab until the element is focused, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_keyboard_only_sign_up(page):
    page.goto("/auth/register")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('ds-skip-link')")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    focus_by_tab(page, "#email")
    page.keyboard.type("tastatur@nome.kommune.no")
    page.keyboard.press("Tab")
    page.keyboard.type("Tastatur Bruker")
    focus_by_tab(page, "#organisation_id")
    page.keyboard.type("Nome kommune")
    focus_by_tab(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/auth/register/sent$"))
    assert page.locator("h1").inner_text() == "Se i innboksen din"
    assert "tastatur@nome.kommune.no" in page.locator("main").inner_text()
