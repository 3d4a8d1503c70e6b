"""Calendar invitations (issue 17): every kind of message parsed back from what reached a real SMTP
server (aiosmtpd), its calendar part through ical-check's consumers and khal, the order and
SEQUENCE of what a follower receives, who gets invitations and who gets CANCELs, and answers
(«Kommer» / «Kommer ikke») from the page and from signed links."""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import recurring_ical_events
import sqlalchemy as sa
from conftest import body_of, to_of
from icalendar import Calendar
from test_api import bearer
from test_calendar import ical_check, ical_check_report

from arena.accounts.services import issue_api_token
from arena.arenas import meetings, services
from arena.arenas.meetings import MeetingInput
from arena.arenas.models import MeetingAnswer, MeetingInvitation
from arena.arenas.services import ArenaInput
from arena.extensions import db
from arena.outbox import settings
from arena.outbox.models import OutboxJob

NO_REPLY = "ikke-svar@arena.localhost"


def invitations_on(member) -> None:
    settings.change_settings(member, member, {"meeting_invitations": "on"})


def parts(message) -> dict:
    """The invitation's MIME structure and its calendar, checked as mail programs read them."""
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    text, html, calendar = alternative.iter_parts()
    assert [text.get_content_type(), html.get_content_type()] == ["text/plain", "text/html"]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("charset").upper() == "UTF-8"
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_filename() == "invite.ics"
    body = calendar.get_payload(decode=True)
    assert attachment.get_payload(decode=True) == body  # the same object twice
    assert b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")  # CRLF lines
    parsed = Calendar.from_ical(body)
    method = str(parsed["METHOD"])
    assert calendar.get_param("method") == method  # METHOD in the Content-Type and the object
    return {"method": method, "calendar": parsed, "body": body, "text": text.get_content()}


def events(parsed) -> list:
    return [c for c in parsed.walk("VEVENT")]


def utc(value) -> datetime:
    return value.dt.astimezone(UTC).replace(tzinfo=None)


def test_a_series_and_every_change_reach_a_follower_in_order_with_rising_sequence(
    client, smtp_server, make_member, tmp_path
):
    owner = make_member(name="Kari Ansvarlig", email="kari@skien.kommune.no")
    arena, _ = services.create_arena(owner, ArenaInput(name="Klimanettverket"))
    follower = make_member(name="Per Følger", email="per@porsgrunn.kommune.no")
    invitations_on(follower)
    services.follow_arena(follower, arena)
    # Weekly at 09:00 across the spring DST change (28 March 2027).
    series = meetings.create_meeting(
        owner,
        arena,
        MeetingInput(
            title="Nettverksmøte",
            starts_at=datetime(2027, 3, 15, 9),
            ends_at=datetime(2027, 3, 15, 10, 30),
            rrule="FREQ=WEEKLY;COUNT=6",
            location="Skien rådhus",
        ),
    )
    # The worker runs between the changes (reading the inbox runs it), as it would within seconds.
    assert len(smtp_server) == 1
    meetings.change_occurrence(
        owner, series, datetime(2027, 4, 5, 9), "move", datetime(2027, 4, 6, 13)
    )
    assert len(smtp_server) == 2
    meetings.change_occurrence(owner, series, datetime(2027, 3, 22, 9), "cancel")
    assert len(smtp_server) == 3
    edited = MeetingInput(
        title="Nettverksmøte",
        starts_at=datetime(2027, 3, 15, 9),
        ends_at=datetime(2027, 3, 15, 10, 30),
        rrule="FREQ=WEEKLY;COUNT=6",
        location="Porsgrunn bibliotek",
    )
    meetings.update_meeting(owner, series, edited)
    assert len(smtp_server) == 4
    feed_after_edit = client.get(f"/meetings/{series.id}.ics").data
    meetings.cancel_meeting(owner, series)
    received = list(smtp_server)
    assert len(received) == 5 and all(to_of(m) == follower.email for m in received)

    found = [parts(m) for m in received]
    assert [f["method"] for f in found] == ["REQUEST", "REQUEST", "CANCEL", "REQUEST", "CANCEL"]
    assert [m["Subject"] for m in received] == [
        "Invitasjon: «Nettverksmøte»",
        "Flyttet: «Nettverksmøte» mandag 5. april 2027 kl. 09.00",
        "Avlyst: «Nettverksmøte» mandag 22. mars 2027 kl. 09.00",
        "Endret: «Nettverksmøte»",
        "Avlyst: «Nettverksmøte»",
    ]
    sequences = []
    for f in found:
        for event in events(f["calendar"]):
            assert str(event["UID"]) == series.uid
            assert event["ORGANIZER"].params["CN"] == "Kari Ansvarlig"
            assert str(event["ORGANIZER"]) == f"mailto:{NO_REPLY}"
            assert str(event["ATTENDEE"]) == f"mailto:{follower.email}"
            assert event["ATTENDEE"].params["CN"] == "Per Følger"
        sequences.append(max(int(e["SEQUENCE"]) for e in events(f["calendar"])))
    assert sequences == [0, 1, 2, 3, 4]  # strictly rising: each message outranks the last

    # The REQUEST of the whole series: 09:00 wall clock on both sides of the DST change.
    (master,) = events(found[0]["calendar"])
    assert str(master["DTSTART"].params["TZID"]) == "Europe/Oslo"
    starts = [
        utc(e["DTSTART"])
        for e in recurring_ical_events.of(found[0]["calendar"]).between(
            datetime(2027, 3, 1), datetime(2027, 5, 1)
        )
    ]
    assert starts[0] == datetime(2027, 3, 15, 8) and starts[-1] == datetime(2027, 4, 19, 7)
    # One occurrence moved: the series with that occurrence, by its RECURRENCE-ID, at its new
    # time (the series too, so a calendar that missed a message still gets it right).
    series_again, moved = events(found[1]["calendar"])
    assert "RRULE" in series_again and "RRULE" not in moved
    assert moved["RECURRENCE-ID"].dt.replace(tzinfo=None) == datetime(2027, 4, 5, 9)
    assert utc(moved["DTSTART"]) == datetime(2027, 4, 6, 11)  # 13:00 in summer time
    # One occurrence cancelled: a CANCEL naming it.
    (cancelled_one,) = events(found[2]["calendar"])
    assert cancelled_one["RECURRENCE-ID"].dt.replace(tzinfo=None) == datetime(2027, 3, 22, 9)
    assert str(cancelled_one["STATUS"]) == "CANCELLED"
    # The series edited: the whole series again, with its exceptions, at the new place.
    master, override = events(found[3]["calendar"])
    assert str(master["LOCATION"]) == "Porsgrunn bibliotek"
    assert [d.dt.replace(tzinfo=None) for d in master["EXDATE"].dts] == [datetime(2027, 3, 22, 9)]
    assert override["RECURRENCE-ID"].dt.replace(tzinfo=None) == datetime(2027, 4, 5, 9)
    # The feed says the same UID and SEQUENCE as the last REQUEST.
    feed_events = events(Calendar.from_ical(feed_after_edit))
    assert {(str(e["UID"]), int(e["SEQUENCE"])) for e in feed_events} == {(series.uid, 3)}
    # The whole series cancelled.
    (gone,) = events(found[4]["calendar"])
    assert str(gone["STATUS"]) == "CANCELLED" and "RECURRENCE-ID" not in gone

    # Seven consumers and khal take every message's calendar. The CANCEL of one occurrence is
    # the one exception, and only for ical.js's feed expansion: it must name the occurrence
    # without its series (RFC 5546 3.2.5; with the series it would cancel them all), which a
    # feed may not do. Every other consumer takes it.
    for n, f in enumerate(found):
        part = tmp_path / f"message-{n}"
        part.mkdir()
        if n != 2:
            ical_check(part, f["body"])
            continue
        code, report = ical_check_report(part, f["body"])
        assert code != 0
        failed = [line for line in report.splitlines() if line.startswith("FAIL")]
        assert failed == ["FAIL ical.js (Thunderbird): expand"], report
        assert "RECURRENCE-ID override without its series" in report
        assert report.count("PASS") == 6 and "PASS khal: import" in report
    # Text in the member's language, with the answer links and what replies do.
    assert "Kommer:" in found[0]["text"] and "blir ikke lest" in found[0]["text"]
    assert "Når: mandag 15. mars 2027 kl. 09.00" in found[0]["text"]


def test_the_autumn_change_and_the_followers_language(smtp_server, make_member):
    owner = make_member(name="Kari Ansvarlig")
    arena, _ = services.create_arena(owner, ArenaInput(name="Næringsforum"))
    follower = make_member(email="nynorsk@example.no", preferred_language="nn")
    invitations_on(follower)
    services.follow_arena(follower, arena)
    meetings.create_meeting(
        owner,
        arena,
        MeetingInput(
            title="Haustmøte",
            starts_at=datetime(2027, 10, 18, 9),
            ends_at=datetime(2027, 10, 18, 10),
            rrule="FREQ=WEEKLY;COUNT=3",
        ),
    )
    (mail,) = smtp_server
    found = parts(mail)
    starts = [
        utc(e["DTSTART"])
        for e in recurring_ical_events.of(found["calendar"]).between(
            datetime(2027, 10, 1), datetime(2027, 12, 1)
        )
    ]
    # 09:00 in Oslo each week: 07:00 UTC in summer time, 08:00 after 31 October.
    assert starts == [
        datetime(2027, 10, 18, 7),
        datetime(2027, 10, 25, 7),
        datetime(2027, 11, 1, 8),
    ]
    assert mail["Subject"] == "Invitasjon: «Haustmøte»"
    assert "Kjem du måndag 18. oktober 2027 kl. 09.00?" in found["text"]
    assert "blir ikkje lesne" in found["text"]


def test_who_gets_invitations_and_who_gets_cancels(smtp_server, make_member, clock):
    owner = make_member()
    arena, _ = services.create_arena(owner, ArenaInput(name="Planforum"))
    past = meetings.create_meeting(
        owner, arena, MeetingInput(title="Før", starts_at=datetime(2026, 10, 1, 9))
    )
    coming = meetings.create_meeting(
        owner, arena, MeetingInput(title="Snart", starts_at=datetime(2027, 1, 14, 9))
    )
    quiet = make_member(email="stille@example.no")  # follows, invitations off
    services.follow_arena(quiet, arena)
    eager = make_member(email="ivrig@example.no")
    invitations_on(eager)
    assert len(smtp_server) == 0  # on, but follows nothing yet
    services.follow_arena(eager, arena)
    (first,) = smtp_server
    assert to_of(first) == eager.email and parts(first)["method"] == "REQUEST"
    assert str(events(parts(first)["calendar"])[0]["UID"]) == coming.uid  # not the past one
    services.unfollow_arena(eager, arena)
    assert len(smtp_server) == 2
    assert parts(smtp_server[1])["method"] == "CANCEL"
    assert smtp_server[1]["Subject"] == "Fjernet fra kalenderen din: «Snart»"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingInvitation)) == 0
    # Following again, then turning invitations off: what Arena put there is taken out.
    services.follow_arena(eager, arena)
    assert len(smtp_server) == 3
    settings.change_settings(eager, eager, {"meeting_invitations": "off"})
    assert len(smtp_server) == 3  # once the choice has stood for a while
    clock.advance(minutes=5, seconds=1)
    assert [parts(m)["method"] for m in smtp_server] == ["REQUEST", "CANCEL", "REQUEST", "CANCEL"]
    # Nobody who never asked gets anything, and needs no job.
    assert all(to_of(m) == eager.email for m in smtp_server)
    jobs_before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxJob))
    meetings.update_meeting(
        owner, coming, MeetingInput(title="Snart, nytt navn", starts_at=datetime(2027, 1, 14, 9))
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxJob)) == jobs_before
    assert past.id and len(smtp_server) == 4


def test_turning_invitations_on_and_off_again_within_minutes_sends_nothing(
    smtp_server, make_member, clock
):
    """Two cycles used to send every coming meeting each time (262 emails)."""
    owner = make_member()
    arena, _ = services.create_arena(owner, ArenaInput(name="Planforum"))
    for day in (14, 21, 28):
        meetings.create_meeting(
            owner, arena, MeetingInput(title="Møte", starts_at=datetime(2027, 1, day, 9))
        )
    member = make_member(email="vinglete@example.no")
    services.follow_arena(member, arena)
    for _cycle in range(2):
        settings.change_settings(member, member, {"meeting_invitations": "on"})
        clock.advance(minutes=1)
        settings.change_settings(member, member, {"meeting_invitations": "off"})
        clock.advance(minutes=1)
    clock.advance(minutes=10)
    assert len(smtp_server) == 0
    waiting = sa.select(sa.func.count()).select_from(OutboxJob).filter_by(status="queued")
    assert db.session.scalar(waiting) == 0
    # A choice that stands is followed, once.
    settings.change_settings(member, member, {"meeting_invitations": "on"})
    clock.advance(minutes=5, seconds=1)
    assert len(smtp_server) == 3


def test_members_only_arenas_invite_only_verified_members(smtp_server, make_member):
    owner = make_member()
    arena, _ = services.create_arena(owner, ArenaInput(name="Lukket forum", visibility="members"))
    meetings.create_meeting(
        owner, arena, MeetingInput(title="Lukket møte", starts_at=datetime(2027, 2, 1, 9))
    )
    unverified = make_member(email="ny@example.no", verified=False)
    invitations_on(unverified)
    services.follow_arena(unverified, arena)
    verified = make_member(email="kjent@example.no")
    invitations_on(verified)
    services.follow_arena(verified, arena)
    assert [to_of(m) for m in smtp_server] == [verified.email]
    # The arena opens: the unverified follower now gets it; it closes again: a CANCEL.
    data = ArenaInput(name="Lukket forum", visibility="public")
    services.update_arena(owner, arena, data)
    assert [to_of(m) for m in smtp_server] == [verified.email, unverified.email]
    services.update_arena(owner, arena, ArenaInput(name="Lukket forum", visibility="members"))
    assert to_of(smtp_server[2]) == unverified.email and parts(smtp_server[2])["method"] == "CANCEL"


def _answer_links(text: str) -> dict[str, str]:
    found = re.findall(r"^(Kommer|Kommer ikke): (http\S+)$", text.replace("\r", ""), re.M)
    return {answer: urlsplit(url).path for answer, url in found}


def test_answers_from_the_page_and_from_signed_links(
    client, smtp_server, make_member, post_form, login_as
):
    owner = make_member(name="Kari Ansvarlig")
    token = issue_api_token(owner, "test")
    arena, _ = services.create_arena(owner, ArenaInput(name="Planforum"))
    guest = make_member(name="Gro Gjest", email="gro@example.no")
    invitations_on(guest)
    services.follow_arena(guest, arena)
    series = meetings.create_meeting(
        owner,
        arena,
        MeetingInput(
            title="Planmøte", starts_at=datetime(2027, 1, 11, 9), rrule="FREQ=WEEKLY;COUNT=3"
        ),
    )
    (mail,) = smtp_server
    links = _answer_links(body_of(mail))
    assert set(links) == {"Kommer", "Kommer ikke"}
    path = links["Kommer"]
    # Opening the link only asks; the button answers, for the person it was sent to.
    page = client.get(path)
    assert page.status_code == 200 and "Bekreft: Kommer" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingAnswer)) == 0
    done = post_form(path, {}, token_from=path)
    assert done.status_code == 200 and "Svaret ditt er registrert: Kommer" in done.get_data(
        as_text=True
    )
    # Changing the answer replaces it: one answer per member per occurrence.
    other = links["Kommer ikke"]
    post_form(other, {}, token_from=other)
    (row,) = db.session.scalars(sa.select(MeetingAnswer)).all()
    assert (row.member_id, row.occurrence, row.answer) == (guest.id, datetime(2027, 1, 11, 9), "no")
    # A link altered or made up is not found; someone else signed in cannot use it.
    assert client.get(path[:-3] + "abc").status_code == 404
    login_as(make_member(email="annen@example.no"))
    refused = client.get(path)
    assert refused.status_code == 403 and "Gro Gjest" in refused.get_data(as_text=True)
    # Signed in, the arena page has buttons for each occurrence.
    login_as(guest)
    post_form(
        f"/meetings/{series.id}/answer",
        {"occurrence": "2027-01-18T09:00:00", "answer": "yes"},
        token_from=f"/arenas/{arena.slug}",
    )
    page = client.get(f"/arenas/{arena.slug}").get_data(as_text=True)
    assert page.count("Du har svart: Kommer ikke") == 1 and page.count("Du har svart: Kommer<") == 1
    pressed = re.findall(r'name="answer" value="(yes|no)"[^>]*aria-pressed="true"', page)
    assert pressed == ["no", "yes"]  # the answers given, for the first two occurrences
    bad = post_form(
        f"/meetings/{series.id}/answer",
        {"occurrence": "2027-01-12T09:00:00", "answer": "yes"},
        token_from=f"/arenas/{arena.slug}",
    )
    assert bad.status_code == 302  # not an occurrence: told so, nothing written
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingAnswer)) == 2
    # The owner sees who is coming, on the page and in the API; others may not ask.
    answers = client.get(f"/api/v1/meetings/{series.id}/attendance", headers=bearer(token))
    assert answers.status_code == 200
    first, second, third = answers.get_json()["occurrences"]
    assert (first["coming_count"], first["not_coming_count"]) == (0, 1)
    assert first["not_coming"][0]["name"] == "Gro Gjest"
    assert (second["coming_count"], second["coming"][0]["name"]) == (1, "Gro Gjest")
    assert (third["coming_count"], third["not_coming_count"]) == (0, 0)
    guest_token = issue_api_token(guest, "gjest")
    assert (
        client.get(
            f"/api/v1/meetings/{series.id}/attendance", headers=bearer(guest_token)
        ).status_code
        == 403
    )
    login_as(owner)
    page = client.get(f"/arenas/{arena.slug}").get_data(as_text=True)
    assert "Kommer: 0 · Kommer ikke: 1" in page and "Kommer: 1 · Kommer ikke: 0" in page
    assert "Gro Gjest (" in page


def test_the_choice_is_explained_and_changed_in_the_api(client, make_member, login_as):
    member = make_member()
    token = issue_api_token(member, "test")
    login_as(member)
    page = client.get("/profile/notifications").get_data(as_text=True)
    assert "ser du hvert møte to ganger i Outlook" in page and "blir ikke lest" in page
    assert "kan du abonnere på kalenderlenken din" in page
    changed = client.patch(
        "/api/v1/me/notifications", json={"meeting_invitations": True}, headers=bearer(token)
    )
    assert changed.status_code == 200 and changed.get_json()["meeting_invitations"] is True
    page = client.get("/profile/notifications").get_data(as_text=True)
    assert "fjern det abonnementet i kalenderprogrammet" in page
    profile = client.get("/profile").get_data(as_text=True)
    assert "Abonner ikke på lenken over i tillegg" in profile
    wrong = client.patch(
        "/api/v1/me/notifications", json={"meeting_invitations": "kanskje"}, headers=bearer(token)
    )
    assert wrong.status_code == 422


def test_answers_to_members_only_meetings_stay_private(client, make_member, login_as, post_form):
    owner = make_member(name="Kari Ansvarlig")
    arena, _ = services.create_arena(owner, ArenaInput(name="Lukket", visibility="members"))
    closed = meetings.create_meeting(
        owner, arena, MeetingInput(title="Lukket møte", starts_at=datetime(2027, 2, 1, 9))
    )
    outsider = make_member(email="uverifisert@example.no", verified=False)
    login_as(outsider)
    refused = post_form(
        f"/meetings/{closed.id}/answer",
        {"occurrence": "2027-02-01T09:00:00", "answer": "yes"},
        token_from="/arenas",
    )
    assert refused.status_code == 404
    token = issue_api_token(outsider, "test")
    api = client.get(f"/api/v1/meetings/{closed.id}/attendance", headers=bearer(token))
    assert api.status_code == 404
    link = f"/answer/{attendance_token(outsider, closed, '2027-02-01T09:00:00')}"
    assert client.get(link).status_code == 404  # a link to it shows nothing either
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingAnswer)) == 0
    verified = make_member(email="kjent@example.no")
    login_as(verified)
    post_form(
        f"/meetings/{closed.id}/answer",
        {"occurrence": "2027-02-01T09:00:00", "answer": "yes"},
        token_from="/arenas",
    )
    owner_token = issue_api_token(owner, "eier")
    answers = client.get(f"/api/v1/meetings/{closed.id}/attendance", headers=bearer(owner_token))
    ((only,),) = [[o["coming"][0]["name"] for o in answers.get_json()["occurrences"]]]
    assert only == verified.name


def attendance_token(member, meeting, occurrence: str) -> str:
    from arena.arenas import attendance

    value = {"m": member.id, "t": meeting.id, "o": occurrence, "a": "yes"}
    return attendance._serializer().dumps(value)


def test_holding_an_arena_counts_as_following_it(smtp_server, make_member):
    owner = make_member(email="eier@example.no")
    invitations_on(owner)
    arena, _ = services.create_arena(owner, ArenaInput(name="Innkjøpsforum"))
    meetings.create_meeting(
        owner, arena, MeetingInput(title="Innkjøpsmøte", starts_at=datetime(2027, 2, 3, 10))
    )
    (mine,) = smtp_server
    assert to_of(mine) == owner.email and parts(mine)["method"] == "REQUEST"
    # Handing the arena over: the new owner (invitations on) gets it, named as ORGANIZER.
    successor = make_member(email="ny-eier@example.no")
    invitations_on(successor)
    from arena.arenas import ownership

    proposal = ownership.propose_role(owner, arena, "owner", successor.email)
    ownership.accept_proposal(successor, proposal.id)
    invited = [m for m in smtp_server if m["Subject"].startswith("Invitasjon")]
    assert [to_of(m) for m in invited] == [owner.email, successor.email]
    assert parts(invited[1])["method"] == "REQUEST"
    (event,) = events(parts(invited[1])["calendar"])
    assert event["ORGANIZER"].params["CN"] == successor.name


def test_a_deleted_meeting_is_cancelled_and_a_members_data_covers_answers_and_invitations(
    client, smtp_server, make_member, login_as
):
    from arena.accounts import member_data
    from arena.arenas import attendance

    owner = make_member(name="Kari Ansvarlig")
    arena, _ = services.create_arena(owner, ArenaInput(name="Planforum"))
    guest = make_member(email="gjest@example.no")
    invitations_on(guest)
    services.follow_arena(guest, arena)
    kept = meetings.create_meeting(
        owner, arena, MeetingInput(title="Blir", starts_at=datetime(2027, 1, 11, 9))
    )
    gone = meetings.create_meeting(
        owner, arena, MeetingInput(title="Går ut", starts_at=datetime(2027, 1, 12, 9))
    )
    assert len(smtp_server) == 2
    attendance.answer(guest, kept, datetime(2027, 1, 11, 9), "yes")
    uid, sequence = gone.uid, gone.sequence
    meetings.delete_meeting(owner, gone)
    cancel = parts(smtp_server[2])
    assert cancel["method"] == "CANCEL" and smtp_server[2]["Subject"] == "Avlyst: «Går ut»"
    (event,) = events(cancel["calendar"])
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (uid, sequence + 1)
    assert str(event["STATUS"]) == "CANCELLED"
    # The member's download holds their answer and what Arena put in their calendar.
    login_as(guest)
    mine = client.get("/profile/export").get_json()["meetings"]
    assert mine["answers"] == [
        {"meeting": kept.uid, "title": "Blir", "occurrence": "2027-01-11T09:00:00", "answer": "yes"}
    ]
    assert [i["meeting"] for i in mine["invitations_in_my_calendar"]] == [kept.uid]
    # Deleting the account removes both; the meeting and its arena stay.
    member_data.delete_account(guest, guest, "riktig-hest-batteri-stift")
    for model in (MeetingAnswer, MeetingInvitation):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
    assert db.session.get(type(kept), kept.id).title == "Blir"
