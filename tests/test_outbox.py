"""Emails people like to receive (text and HTML in their language, headers mail programs
understand), the settings that choose them, one-click unsubscribe, the admins' outbox and the
worker's timetable."""

import logging
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from conftest import body_of, deliver_everything_due

from arena.accounts.services import issue_api_token
from arena.arenas import ownership
from arena.arenas import services as arenas
from arena.arenas.services import ArenaInput
from arena.extensions import db
from arena.outbox import schedule
from arena.outbox.messages import queue_email
from arena.outbox.models import NotificationSetting, OutboxJob, OutboxMessage


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def propose(make_member, language=None):
    owner = make_member(email="eier@example.no")
    candidate = make_member(
        name="Kari Nordmann", email="kari@example.no", preferred_language=language
    )
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Planforum"))
    ownership.propose_role(owner, arena, "deputy", candidate.email)
    return candidate


def test_a_notification_is_text_and_html_in_the_recipients_language_with_list_headers(
    app, smtp_server, make_member
):
    propose(make_member, language="nn")
    (mail,) = smtp_server
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Subject"] == "Vil du vere stadfortredar for Planforum?"
    assert mail["Content-Language"] == "nn" and mail["Auto-Submitted"] == "auto-generated"
    assert mail["To"].addresses[0].display_name == "Kari Nordmann"
    host = app.config["BASE_URL"].split("//")[1].split(":")[0]
    assert re.fullmatch(rf"<[0-9a-f]{{32}}@{re.escape(host)}>", mail["Message-ID"])
    unsubscribe = re.fullmatch(r"<(https?://\S+/unsubscribe/\S+)>", mail["List-Unsubscribe"])
    assert unsubscribe and mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = body_of(mail), html_of(mail)
    assert "Planforum" in text and unsubscribe.group(1) in text
    assert '<html lang="nn">' in html and "Planforum" in html
    assert f'<a href="{unsubscribe.group(1)}"' in html
    assert "Vel kva for e-postar du får" in text  # the footer is in nynorsk too
    assert "Vel kva for e-postar du får" in html and "Velg hvilke" not in text + html


def test_account_emails_cannot_be_turned_off_and_carry_no_unsubscribe(
    client, post_form, smtp_server, make_member
):
    member = make_member(email="kari@example.no")
    for kind in ("contact_requests", "role_proposals", "meeting_changes", "review_reminders"):
        db.session.add(NotificationSetting(member_id=member.id, kind=kind, value="off"))
    db.session.commit()
    post_form("/auth/forgot", {"email": member.email}, token_from="/auth/forgot")
    (mail,) = smtp_server
    assert mail["Subject"] == "Nytt passord i Arena"
    assert mail["List-Unsubscribe"] is None and mail["Auto-Submitted"] == "auto-generated"
    assert "/auth/reset/" in body_of(mail)


def test_a_kind_turned_off_is_not_queued_and_other_kinds_still_are(
    client, post_form, smtp_server, make_member, login_as
):
    member = login_as(make_member(email="kari@example.no"))
    page = client.get("/profile/notifications").get_data(as_text=True)
    assert page.count('type="radio"') == 18 and page.count("checked") == 8
    saved = post_form(
        "/profile/notifications",
        {
            "digest": "weekly",
            "initiative_updates": "digest",
            "competence_wanted": "digest",
            "contact_requests": "immediately",
            "role_proposals": "off",
            "meeting_changes": "immediately",
            "review_reminders": "immediately",
            "meeting_invitations": "off",
        },
        token_from="/profile/notifications",
    )
    assert saved.status_code == 302
    assert 'id="role_proposals-off" name="role_proposals" value="off" checked' in client.get(
        "/profile/notifications"
    ).get_data(as_text=True)
    owner = make_member(email="eier@example.no")
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Planforum"))
    ownership.propose_role(owner, arena, "deputy", member.email)
    assert len(smtp_server) == 0
    assert ownership.proposals_for(member)  # still waiting in Arena

    login_as(make_member(email="spor@example.no"))
    page = f"/members/{member.id}/contact"
    post_form(page, {"subject": "Hei", "message": "Kan vi snakke?"}, token_from=page)
    assert [m["Subject"] for m in smtp_server] == [
        "Arena: Medlem Nummer3 vil gjerne snakke med deg"
    ]


def test_a_bad_choice_on_the_settings_page_is_named_and_saves_nothing(
    client, post_form, make_member, login_as
):
    login_as(make_member(preferred_language="en"))
    answer = post_form(
        "/profile/notifications",
        {"contact_requests": "off", "role_proposals": "sometimes"},
        token_from="/profile/notifications",
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Role proposals for an arena" in page or "Proposals" in page
    assert "Choose" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NotificationSetting)) == 0


def test_the_api_reads_and_changes_settings_and_names_unknown_kinds(client, make_member):
    member = make_member()
    token = issue_api_token(member, "test")
    read = client.get("/api/v1/me/notifications", headers=bearer(token))
    assert read.status_code == 200
    assert read.get_json() == {
        "digest": "weekly",
        "initiative_updates": "digest",
        "competence_wanted": "digest",
        "contact_requests": "immediately",
        "role_proposals": "immediately",
        "meeting_changes": "immediately",
        "review_reminders": "immediately",
        "meeting_invitations": False,
    }
    changed = client.patch(
        "/api/v1/me/notifications", json={"meeting_changes": "off"}, headers=bearer(token)
    )
    assert changed.status_code == 200 and changed.get_json()["meeting_changes"] == "off"
    assert changed.get_json()["contact_requests"] == "immediately"
    for body, field in (
        ({"digest_weekly": "off"}, "digest_weekly"),
        ({"meeting_changes": "sometimes"}, "meeting_changes"),
        ({"meeting_changes": None}, "meeting_changes"),
    ):
        refused = client.patch("/api/v1/me/notifications", json=body, headers=bearer(token))
        assert refused.status_code == 422, body
        assert field in refused.get_json()["error"]["fields"], refused.get_json()
    again = client.get("/api/v1/me/notifications", headers=bearer(token)).get_json()
    assert again["meeting_changes"] == "off"


def test_one_click_unsubscribe_needs_no_session_and_a_get_changes_nothing(
    app, smtp_server, make_member
):
    member = propose(make_member)
    (mail,) = smtp_server
    url = re.fullmatch(r"<(\S+)>", mail["List-Unsubscribe"]).group(1)
    path = url.split(app.config["BASE_URL"], 1)[1]
    anonymous = app.test_client()
    looked = anonymous.get(path)  # a link checker opening the link
    assert looked.status_code == 200 and "Slå av" in looked.get_data(as_text=True)
    assert db.session.get(NotificationSetting, (member.id, "role_proposals")) is None
    clicked = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})  # RFC 8058, no CSRF
    assert clicked.status_code == 200
    assert "Du får ikke lenger e-post om «Forslag om ansvar for en arena»" in clicked.get_data(
        as_text=True
    )
    assert db.session.get(NotificationSetting, (member.id, "role_proposals")).value == "off"
    assert db.session.get(NotificationSetting, (member.id, "contact_requests")) is None
    tampered = anonymous.post(path[:-3] + "xyz")
    assert tampered.status_code == 404
    assert anonymous.post("/unsubscribe/ikke-et-token").status_code == 404


def test_admins_read_the_outbox_resend_a_failed_message_and_never_see_account_links(
    client, post_form, make_member, login_as, smtp_server
):
    member = propose(make_member)
    post_form("/auth/forgot", {"email": member.email}, token_from="/auth/forgot")
    assert len(smtp_server) == 2
    proposal = db.session.scalar(sa.select(OutboxMessage).filter_by(kind="role_proposals"))
    reset = db.session.scalar(sa.select(OutboxMessage).filter_by(kind="account"))
    proposal.status = "failed"
    proposal.last_error = "550 5.1.1 No such user"
    db.session.commit()

    login_as(make_member(email="admin@example.no", is_admin=True))
    listing = client.get("/admin/outbox").get_data(as_text=True)
    assert "2 meldinger" in listing and "Kom ikke fram (1)" in listing and "Sendt (1)" in listing
    shown = client.get(f"/admin/outbox/{proposal.id}").get_data(as_text=True)
    assert "550 5.1.1 No such user" in shown and "Send på nytt" in shown
    preview = client.get(f"/admin/outbox/{proposal.id}/preview")
    assert preview.status_code == 200 and "Planforum" in preview.get_data(as_text=True)
    assert "style-src 'unsafe-inline'" in preview.headers["Content-Security-Policy"]
    hidden = client.get(f"/admin/outbox/{reset.id}").get_data(as_text=True)
    assert "/auth/reset/" not in hidden and "Innholdet vises ikke" in hidden
    assert client.get(f"/admin/outbox/{reset.id}/preview").status_code == 404

    resent = post_form(
        f"/admin/outbox/{proposal.id}/resend", token_from=f"/admin/outbox/{proposal.id}"
    )
    assert resent.status_code == 302
    assert len(smtp_server) == 3
    assert smtp_server[2]["Message-ID"] == smtp_server[0]["Message-ID"]  # recognisably the same
    db.session.expire_all()
    assert db.session.get(OutboxMessage, proposal.id).status == "sent"


def test_development_without_a_mail_server_writes_the_message_to_the_log(make_member, caplog):
    member = make_member(email="kari@example.no")
    queue_email(member, "account", "Logget", "Dette står i loggen")
    db.session.commit()
    with caplog.at_level(logging.INFO):
        deliver_everything_due()
    assert "Dette står i loggen" in caplog.text
    assert db.session.scalar(sa.select(OutboxMessage.status)) == "sent"


def test_the_timetable_queues_each_slot_once_at_oslo_wall_clock_times(clock):
    daily = schedule.SLOTS["arena-reviews"]
    weekly = schedule.SLOTS["orphan-list"]
    every_day = {name for name, slot in schedule.SLOTS.items() if slot.weekday is None}
    # Summer time: 07:00 in Oslo is 05:00 UTC; winter time: 06:00 UTC.
    summer = schedule.latest_slot(daily, datetime(2027, 6, 10, 5, 30, tzinfo=UTC))
    winter = schedule.latest_slot(daily, datetime(2027, 1, 10, 5, 30, tzinfo=UTC))
    assert summer == datetime(2027, 6, 10, 5, 0, tzinfo=UTC)
    assert winter == datetime(2027, 1, 9, 6, 0, tzinfo=UTC)  # not yet 07:00 in Oslo
    monday = schedule.latest_slot(weekly, datetime(2027, 1, 13, 12, tzinfo=UTC))  # a Wednesday
    assert monday == datetime(2027, 1, 11, 7, 0, tzinfo=UTC)  # Monday 08:00 in Oslo

    def queued():
        names = list(
            db.session.scalars(sa.select(OutboxJob.name).where(OutboxJob.status == "queued"))
        )
        db.session.execute(sa.update(OutboxJob).values(status="done"))
        db.session.commit()
        return sorted(names)

    clock.now = datetime(2027, 1, 13, 12, tzinfo=UTC)
    assert sorted(schedule.run_due()) == sorted(schedule.SLOTS) == queued()
    assert schedule.run_due() == []  # a second worker, or the same one a second later
    clock.now = datetime(2027, 1, 14, 5, 59, tzinfo=UTC)
    assert schedule.run_due() == []
    clock.now = datetime(2027, 1, 14, 6, 0, tzinfo=UTC)
    assert sorted(schedule.run_due()) == sorted(every_day) == queued()
    clock.now = datetime(2027, 1, 18, 6, 30, tzinfo=UTC)  # Monday 07:30 in Oslo
    assert sorted(schedule.run_due()) == sorted(every_day | {"weekly-digest"}) == queued()
    clock.now = datetime(2027, 1, 18, 7, 0, tzinfo=UTC)
    assert schedule.run_due() == ["orphan-list"]


def test_weekly_slots_come_every_week_across_daylight_saving_and_after_downtime(clock):
    """The weekly list went out «seven days after the last one»: after the spring change
    Monday 08:00 comes an hour sooner in UTC, and it was skipped that week."""
    clock.now = datetime(2027, 3, 22, 7, 0, 5, tzinfo=UTC)  # Monday 08:00:05 in Oslo (winter)
    assert "orphan-list" in schedule.run_due()
    clock.now = datetime(2027, 3, 29, 6, 0, 5, tzinfo=UTC)  # Monday 08:00:05 in Oslo (summer)
    assert "orphan-list" in schedule.run_due()
    # No worker ran for three weeks: the first to start does each slot once, not three times.
    clock.now = datetime(2027, 4, 21, 12, tzinfo=UTC)
    assert sorted(schedule.run_due()) == sorted(schedule.SLOTS)
    assert schedule.run_due() == []


def test_export_and_deletion_cover_settings_and_emails(
    client, post_form, make_member, login_as, smtp_server
):
    member = propose(make_member)
    assert len(smtp_server) == 1
    login_as(member)
    post_form(
        "/profile/notifications",
        {
            "digest": "weekly",
            "initiative_updates": "digest",
            "competence_wanted": "digest",
            "contact_requests": "off",
            "role_proposals": "off",
            "meeting_changes": "immediately",
            "review_reminders": "immediately",
            "meeting_invitations": "off",
        },
        token_from="/profile/notifications",
    )
    data = client.get("/profile/export").get_json()
    assert data["notification_settings"]["role_proposals"] == "off"
    (email,) = data["emails"]
    assert email["subject"] == "Vil du være stedfortreder for Planforum?"
    assert email["status"] == "sent" and "body" not in email
    member_id = member.id
    from arena.accounts import member_data

    member_data.delete_account(member, member, "riktig-hest-batteri-stift")
    for model in (OutboxMessage, NotificationSetting):
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        assert rows == 0, model
    assert member_id


def test_editing_a_meeting_soon_to_another_time_tells_followers_and_a_new_title_does_not(
    smtp_server, make_member, clock
):
    from arena.arenas import meetings
    from arena.arenas.meetings import MeetingInput

    clock.now = datetime(2027, 3, 1, 7, tzinfo=UTC)  # 08:00 in Oslo
    owner = make_member(email="eier@example.no")
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Planforum"))
    arenas.follow_arena(make_member(email="folger@example.no"), arena)
    tomorrow = datetime(2027, 3, 2, 9)
    meeting = meetings.create_meeting(owner, arena, MeetingInput(title="Møte", starts_at=tomorrow))
    meetings.update_meeting(owner, meeting, MeetingInput(title="Nytt navn", starts_at=tomorrow))
    assert len(smtp_server) == 0
    meetings.update_meeting(
        owner, meeting, MeetingInput(title="Nytt navn", starts_at=datetime(2027, 3, 2, 13))
    )
    (mail,) = smtp_server
    assert mail["Subject"] == "«Nytt navn» tirsdag 2. mars 2027 kl. 09.00 er flyttet"
    assert "er flyttet til tirsdag 2. mars 2027 kl. 13.00" in body_of(mail)


def test_what_members_wrote_is_escaped_in_the_html_part(smtp_server, make_member, clock):
    from arena.arenas import meetings
    from arena.arenas.meetings import MeetingInput

    clock.now = datetime(2027, 3, 1, 7, tzinfo=UTC)
    owner = make_member(email="eier@example.no")
    arena, _ = arenas.create_arena(owner, ArenaInput(name='Forum <img src=x onerror="alert(1)">'))
    arenas.follow_arena(make_member(email="folger@example.no"), arena)
    meeting = meetings.create_meeting(
        owner,
        arena,
        MeetingInput(title="<script>alert(1)</script>", starts_at=datetime(2027, 3, 2, 9)),
    )
    meetings.cancel_meeting(owner, meeting)
    (mail,) = smtp_server
    html = html_of(mail)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" in body_of(mail)  # plain text stays as written


def test_a_message_no_server_could_take_fails_at_once_and_the_rest_go_out(smtp_server, make_member):
    good = make_member(email="kari@example.no")
    broken = make_member(email="ola@example.no")
    queue_email(broken, "account", "Til Ola", "Innhold")
    queue_email(good, "account", "Til Kari", "Innhold")
    db.session.commit()
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.subject == "Til Ola")
        .values(to_address="ola@@example.no")
    )
    db.session.commit()
    assert [m["Subject"] for m in smtp_server] == ["Til Kari"]
    failed = db.session.scalar(sa.select(OutboxMessage).filter_by(status="failed"))
    assert failed.subject == "Til Ola" and failed.attempts == 1
