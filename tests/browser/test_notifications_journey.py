"""A member chooses which emails they get, and a recipient turns one kind off with the link in
an email, without signing in; in bokmål, nynorsk and English."""

import re
import time

import pytest

from .conftest import (
    LANGUAGES,
    MEMBER_EMAIL,
    assert_accessible,
    assert_reflows,
    click_and_load,
    translator,
)

KINDS = ("contact_requests", "role_proposals", "meeting_changes", "review_reminders")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_settings_page_says_what_each_choice_means_and_keeps_it(member_page, lang):
    _ = translator(lang)
    member_page.goto(f"/profile/notifications?lang={lang}")
    assert member_page.locator("h1").inner_text() == _("Varslinger på e-post")
    legends = member_page.locator("main fieldset legend").all_inner_texts()
    assert legends == [
        _("Ukentlig oppsummering"),
        _("Oppdateringer på initiativ du følger"),
        _("Noen trenger kompetansen din"),
        _("Forespørsler fra kollegaer"),
        _("Forslag om ansvar for en arena"),
        _("Endringer i møter snart"),
        _("Påminnelser om å se over"),
        _("Møteinvitasjoner i kalenderen din"),
    ]
    for kind in KINDS:
        labels = member_page.locator(f"fieldset:has(#{kind}-off) label").all_inner_texts()
        assert labels == [_("Straks"), _("Av")]
    for kind in ("initiative_updates", "competence_wanted"):
        labels = member_page.locator(f"fieldset:has(#{kind}-off) label").all_inner_texts()
        assert labels == [_("Straks"), _("I oppsummeringen"), _("Av")]
    labels = member_page.locator("fieldset:has(#digest-off) label").all_inner_texts()
    assert labels == [_("Ukentlig"), _("Av")]
    labels = member_page.locator("fieldset:has(#meeting_invitations-off) label").all_inner_texts()
    assert labels == [_("På"), _("Av")]
    assert member_page.is_checked("#meeting_invitations-off")  # off unless chosen
    advice = member_page.locator("#invitations-advice").inner_text()
    assert advice.startswith(
        _(
            "Uten invitasjoner kan du abonnere på kalenderlenken din. Den oppdateres når "
            "kalenderprogrammet henter den, fra hver time til hvert døgn."
        )
    )
    # The preview says, in the page's language, what the digest would hold now.
    assert member_page.locator("#preview-heading").inner_text() == _(
        "Slik ser oppsummeringen din ut nå"
    )
    assert_accessible(member_page)
    assert_reflows(member_page)

    member_page.check("#meeting_changes-off")
    click_and_load(member_page)
    assert _("Varslingsinnstillingene er lagret.") in member_page.locator(".ds-alert").inner_text()
    assert member_page.is_checked("#meeting_changes-off")
    assert member_page.is_checked("#contact_requests-immediately")
    member_page.check("#meeting_changes-immediately")  # as it was, for the other tests
    click_and_load(member_page)
    assert member_page.is_checked("#meeting_changes-immediately")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_unsubscribe_link_in_an_email_turns_that_kind_off(page, live_mail, live_server, lang):
    _ = translator(lang)
    inbox, _port = live_mail
    # A review reminder the worker delivered to a demo member (queued when the server started).
    reminders = {
        message_id
        for (message_id,) in live_server.query(
            "SELECT message_id FROM outbox_messages WHERE kind = 'review_reminders'"
        )
    }
    deadline = time.monotonic() + 15
    while not any(m["Message-ID"] in reminders for m in inbox.messages):
        assert time.monotonic() < deadline, "the worker delivered no reminder"
        time.sleep(0.1)
    mail = next(m for m in inbox.messages if m["Message-ID"] in reminders)
    member = mail["To"].addresses[0].addr_spec
    assert member != MEMBER_EMAIL
    link = re.fullmatch(r"<(\S+)>", mail["List-Unsubscribe"]).group(1)
    page.goto(f"{link}?lang={lang}")
    kind = _("Påminnelser om å se over")
    assert f"«{kind}»" in page.locator("main").inner_text()
    assert_accessible(page)
    assert_reflows(page)
    click_and_load(page)
    done = _("Du får ikke lenger e-post om «%(kind)s».") % {"kind": kind}
    assert done in page.locator(".ds-alert").inner_text()
    assert_accessible(page)
    (value,) = live_server.query(
        "SELECT s.value FROM notification_settings s JOIN members m ON m.id = s.member_id "
        "WHERE m.email = :e AND s.kind = 'review_reminders'",
        e=member,
    )[0]
    assert value == "off"
