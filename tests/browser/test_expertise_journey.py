"""Rule 8 in Chromium: add expertise -> a member of another organisation finds you with an
inflected query -> sends a contact request -> you receive the email (real SMTP server)."""

import pytest

from .conftest import (
    ADMIN_EMAIL,
    LANGUAGES,
    MEMBER_EMAIL,
    assert_accessible,
    click_and_load,
    text_of,
)


def test_add_expertise_be_found_and_contacted(member_page, admin_page, live_mail):
    inbox, _port = live_mail
    before = len(inbox.messages)

    member_page.goto("/profile")
    member_page.fill("#area", "hydrogen")
    member_page.select_option("#level", "3")
    member_page.fill("#note", "Fyllestasjoner for tungtransport")
    click_and_load(member_page, member_page.get_by_role("button", name="Legg til", exact=True))
    assert (
        member_page.locator(".expertise-edit-list").get_by_role("link", name="Hydrogen").count()
        == 1
    )
    assert_accessible(member_page)

    # The admin works for the county authority, another organisation than Skien kommune.
    admin_page.goto("/experts?q=hydrogenet")
    result = admin_page.locator(".expert").filter(has_text="Nettleser Testesen")
    assert result.count() == 1
    assert "Hydrogen: Ekspert" in result.inner_text()
    assert_accessible(admin_page)
    click_and_load(admin_page, result.get_by_role("link", name="Ta kontakt"))
    admin_page.fill("#subject", "Hydrogen i Grenland")
    admin_page.fill("#message", "Kan vi ta en prat om fyllestasjoner?")
    assert_accessible(admin_page)
    click_and_load(admin_page)
    assert "Meldingen er sendt" in admin_page.locator(".ds-alert").first.inner_text()

    mails = inbox.wait_for(MEMBER_EMAIL, since=before)
    assert len(mails) == 1
    mail = mails[0]
    assert ADMIN_EMAIL in mail["Reply-To"]
    assert "Kan vi ta en prat om fyllestasjoner?" in text_of(mail)

    member_page.goto("/profile/contact-requests")
    assert member_page.get_by_role("heading", name="Hydrogen i Grenland").count() == 1
    click_and_load(member_page, "text=Merk som besvart")
    assert member_page.locator(".ds-tag", has_text="Besvart").count() >= 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_expertise_suggestions_are_accessible(member_page, lang):
    member_page.goto(f"/profile?lang={lang}")
    member_page.fill("#area", "utvikling")  # no label, but part of several
    click_and_load(member_page, "#expertise-heading ~ form.stack button[type=submit]")
    assert member_page.locator(".suggestion-list").count() == 1
    assert_accessible(member_page)


#: What a reader of each language reads on a concept's page: its name, where it belongs, and
#: one of its related concepts.
CONCEPT_PAGE = {
    "nb": ("Bosetting av flyktninger", "Del av", "Integrering", "Boligpolitikk"),
    "nn": ("Busetjing av flyktningar", "Del av", "Integrering", "Bustadpolitikk"),
    "en": ("Refugee settlement", "Part of", "Integration of immigrants", "Housing policy"),
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("width", [390, 1280])
def test_a_concept_reads_in_the_page_language_and_leads_to_its_neighbours(page, lang, width):
    name, part_of, broader, related = CONCEPT_PAGE[lang]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/areas/bosetting-av-flyktninger?lang={lang}")
    assert page.locator("h1").inner_text() == name
    links = page.locator(".concept-links")
    assert links.locator("dt").first.inner_text() == part_of
    assert links.get_by_role("link", name=broader, exact=True).count() == 1
    assert links.get_by_role("link", name=related, exact=True).count() == 1
    box = links.get_by_role("link", name=related, exact=True).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, "the link is on screen"
    assert_accessible(page)
    # The broader concept is one click away, named in the same language.
    click_and_load(page, links.get_by_role("link", name=broader, exact=True))
    assert page.locator("h1").inner_text() == broader
