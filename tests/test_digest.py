"""The weekly digest and «someone needs your competence», with a real SMTP server and a clock
moved through several weeks: nothing missed, nothing twice, nothing when nothing happened, an
interrupted run resumed, in three languages."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import body_of, to_of

from arena.arenas import meetings
from arena.arenas import services as arenas
from arena.arenas.meetings import MeetingInput
from arena.arenas.services import ArenaInput
from arena.expertise import services as expertise
from arena.expertise.models import ContactRequest, ExpertiseArea
from arena.extensions import db
from arena.initiatives import following, news
from arena.initiatives import services as initiatives
from arena.initiatives.models import CompetenceNotice
from arena.initiatives.services import InitiativeInput
from arena.notifications import digest
from arena.outbox import jobs, schedule
from arena.outbox.models import NotificationSetting, OutboxJob, OutboxMessage

#: Mondays 07:00 in Oslo (winter time: 06:00 UTC).
MONDAY = datetime(2027, 1, 4, 6, 0, tzinfo=UTC)


def week(n: int) -> datetime:
    return MONDAY + timedelta(weeks=n)


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture
def network(make_member, make_organisation, clock):
    """Skien registers initiatives; Kari in Porsgrunn follows the theme «Klima»."""
    clock.now = week(0) - timedelta(days=3)
    klima = ExpertiseArea(name="Klima", slug="klima", approved=True)
    hydrogen = ExpertiseArea(name="Hydrogen", slug="hydrogen", approved=True)
    db.session.add_all([klima, hydrogen])
    db.session.commit()
    skien = make_organisation(name="Skien kommune")
    porsgrunn = make_organisation(name="Porsgrunn kommune")
    author = make_member(org=skien, name="Sara Skien", email="sara@skien.kommune.no")
    kari = make_member(org=porsgrunn, name="Kari Nordmann", email="kari@porsgrunn.kommune.no")
    following.follow(kari, "theme", klima.id)
    return {
        "klima": klima,
        "hydrogen": hydrogen,
        "author": author,
        "kari": kari,
        "skien": skien,
        "porsgrunn": porsgrunn,
    }


def register(network, title, themes=(), wanted=()):
    return initiatives.create_initiative(
        network["author"],
        InitiativeInput(
            title=title,
            summary="Om " + title,
            theme_ids=[a.id for a in themes],
            wanted_ids=[a.id for a in wanted],
        ),
    )


def digests_to(smtp_server, address):
    return [m for m in smtp_server if to_of(m) == address and "nytt" in m["Subject"]]


def test_weeks_of_digests_miss_nothing_and_repeat_nothing(network, smtp_server, clock):
    kari = network["kari"].email
    register(network, "Klimatilpasning i Skien", themes=[network["klima"]])
    register(network, "Hydrogen i havna", themes=[network["hydrogen"]])  # not followed
    clock.now = week(0)
    assert digest.send_digests() == 1
    (first,) = digests_to(smtp_server, kari)
    text = body_of(first)
    assert "Klimatilpasning i Skien (Skien kommune)" in text and "Hydrogen" not in text
    assert digest.send_digests() == 0  # the same week again: nothing more
    clock.now = week(0) + timedelta(hours=5)
    assert digest.send_digests() == 0

    clock.now = week(1)  # nothing happened
    assert digest.send_digests() == 0
    assert len(digests_to(smtp_server, kari)) == 1

    clock.now = week(1) + timedelta(days=2)
    register(network, "Flomsikring", themes=[network["klima"]])
    clock.now = week(2) - timedelta(seconds=1)  # just before the slot: still last week's
    assert digest.send_digests() == 0
    clock.now = week(2)
    assert digest.send_digests() == 1
    second = digests_to(smtp_server, kari)[1]
    assert "Flomsikring" in body_of(second) and "Klimatilpasning" not in body_of(second)


def test_an_interrupted_run_resumes_without_repeating(
    network, smtp_server, clock, make_member, monkeypatch
):
    others = [
        make_member(org=network["porsgrunn"], email=f"p{n}@porsgrunn.kommune.no") for n in range(3)
    ]
    for member in others:
        following.follow(member, "theme", network["klima"].id)
    register(network, "Klimatilpasning i Skien", themes=[network["klima"]])
    clock.now = week(0)
    real_compose, calls = digest.compose, []

    def failing_on_the_third_batch(members, cutoff, context):
        calls.append(members[0].id)
        if len(calls) == 3:
            raise RuntimeError("the worker was stopped")
        return real_compose(members, cutoff, context)

    monkeypatch.setattr(digest, "compose", failing_on_the_third_batch)
    with pytest.raises(RuntimeError):
        digest.send_digests(batch=1)
    db.session.rollback()
    monkeypatch.setattr(digest, "compose", real_compose)
    assert digest.send_digests(batch=1) == 3  # the three not yet done (Kari had hers)
    receivers = sorted(to_of(m) for m in smtp_server)
    followers = sorted([network["kari"].email] + [m.email for m in others])
    assert receivers == followers  # each once


def klima_followers(network, make_member, count):
    others = [
        make_member(org=network["porsgrunn"], email=f"p{n}@porsgrunn.kommune.no")
        for n in range(count)
    ]
    for member in others:
        following.follow(member, "theme", network["klima"].id)
    register(network, "Klimatilpasning i Skien", themes=[network["klima"]])
    return sorted([network["kari"].email] + [m.email for m in others])


def test_the_worker_sends_digests_batch_by_batch_and_the_next_worker_finishes_a_killed_run(
    network, smtp_server, clock, make_member, monkeypatch
):
    """Each batch is a job of its own (email goes out between them, SIGTERM is heard between
    them); a worker killed in the middle of a batch leaves that batch to the next worker."""
    followers = klima_followers(network, make_member, 4)
    clock.now = week(0) + timedelta(minutes=1)
    assert schedule.run_due("digests") == ["weekly-digest"]
    job = db.session.scalar(sa.select(OutboxJob).where(OutboxJob.name == "weekly-digest"))
    job.payload = {**job.payload, "batch": 2}
    db.session.commit()

    # The first batch: Sara (nothing new for her) and Kari; the next batch queued.
    assert jobs.run_next_job()
    queued = db.session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.kind == "digest"))
    assert len(list(queued)) == 1
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                OutboxJob.name == "weekly-digest", OutboxJob.status == "queued"
            )
        )
        == 1
    )
    real_compose = digest.compose

    def killed(*args):
        raise SystemExit("the worker's process was killed")

    monkeypatch.setattr(digest, "compose", killed)
    with pytest.raises(SystemExit):
        jobs.run_next_job()
    db.session.rollback()  # the process is gone: its transaction never committed
    monkeypatch.setattr(digest, "compose", real_compose)

    # The next worker (reading the inbox runs its jobs and delivery rounds).
    assert sorted(to_of(m) for m in smtp_server) == followers  # each once
    assert schedule.run_due("digests") == []


def test_two_digest_runs_at_once_send_each_member_one_digest(
    app, network, smtp_server, clock, make_member
):
    followers = klima_followers(network, make_member, 7)
    clock.now = week(0)
    errors = []

    def run():
        with app.app_context():
            try:
                digest.send_digests(batch=2)
            except Exception as error:  # pragma: no cover - shown by the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()
    assert errors == []
    assert sorted(to_of(m) for m in smtp_server) == followers


def test_the_digest_in_nynorsk_with_meetings_orphans_and_what_waits(
    network, smtp_server, clock, make_member
):
    kari = network["kari"]
    kari.preferred_language = "nn"
    db.session.commit()
    clock.now = week(0) - timedelta(days=2)
    owner = make_member(org=network["porsgrunn"], email="eier@porsgrunn.kommune.no")
    forum, _ = arenas.create_arena(owner, ArenaInput(name="Klimaforum"))
    arenas.follow_arena(kari, forum)
    series = meetings.create_meeting(
        owner,
        forum,
        MeetingInput(
            title="Klimamøte", starts_at=datetime(2027, 1, 5, 9), rrule="FREQ=WEEKLY;COUNT=3"
        ),
    )
    meetings.change_occurrence(owner, series, datetime(2027, 1, 12, 9), "cancel")
    meetings.change_occurrence(
        owner, series, datetime(2027, 1, 5, 9), "move", new_starts_at=datetime(2027, 1, 6, 13)
    )
    orphan, _ = arenas.create_arena(
        owner,
        ArenaInput(
            name="Innkjøpsnettverket",
            owner_email=network["author"].email,
            organisation_ids=[network["porsgrunn"].id],
        ),
    )
    db.session.add(
        ContactRequest(
            sender_id=network["author"].id,
            expert_id=kari.id,
            subject="Hei",
            message="Kan vi snakke?",
        )
    )
    db.session.commit()
    clock.now = week(0)
    assert digest.send_digests() >= 1
    (mail,) = digests_to(smtp_server, kari.email) or [
        m for m in smtp_server if to_of(m) == kari.email
    ]
    text = body_of(mail)
    assert mail["Subject"].startswith("Arena: nytt i nettverket sidan")
    assert "Møte dei neste to vekene" in text
    assert "onsdag 6. januar 2027 kl. 13.00: Klimamøte, Klimaforum (flytta)" in text
    assert "5. januar" not in text
    assert "tysdag 12. januar 2027 kl. 09.00: Klimamøte, Klimaforum (avlyst)" in text
    assert "1 førespurnad frå kollegaer er ikkje svart på" in text
    html = html_of(mail)
    assert '<html lang="nn">' in html and "<h2" in html
    assert re.search(r'<a href="[^"]+/arenas/klimaforum"[^>]*>onsdag 6\. januar', html)
    assert len(mail.as_bytes()) < 100_000
    assert mail["List-Unsubscribe"] and mail["List-Unsubscribe-Post"]
    assert (
        "Innkjøpsnettverket – ta ansvar" in text
        and "Arenaer i Porsgrunn kommune utan ansvarleg" in text
    )


def test_a_digest_stays_under_gmails_clip(network, smtp_server, clock):
    for n in range(60):
        register(
            network,
            f"Klimatiltak nummer {n} med en lang tittel " + "x" * 150,
            themes=[network["klima"]],
        )
    clock.now = week(0)
    digest.send_digests()
    (mail,) = digests_to(smtp_server, network["kari"].email)
    assert len(mail.as_bytes()) < 100_000
    assert body_of(mail).count("Klimatiltak nummer") == digest.MAX_ITEMS
    assert "45 til:" in body_of(mail)


def test_unsubscribing_stops_the_digest(app, network, smtp_server, clock):
    register(network, "Klimatilpasning i Skien", themes=[network["klima"]])
    clock.now = week(0)
    digest.send_digests()
    (mail,) = digests_to(smtp_server, network["kari"].email)
    url = re.fullmatch(r"<(\S+)>", mail["List-Unsubscribe"]).group(1)
    app.test_client().post(url.split(app.config["BASE_URL"], 1)[1])
    assert db.session.get(NotificationSetting, (network["kari"].id, "digest")).value == "off"
    register(network, "Flomsikring", themes=[network["klima"]])
    clock.now = week(1)
    assert digest.send_digests() == 0


def test_the_preview_is_what_is_sent(network, smtp_server, clock, client, login_as):
    register(network, "Klimatilpasning i Skien", themes=[network["klima"]])
    clock.now = week(0)
    login_as(network["kari"])
    page = client.get("/profile/notifications").get_data(as_text=True)
    shown = re.search(r'<pre class="email-text" id="digest-preview"[^>]*>(.*?)</pre>', page, re.S)
    digest.send_digests()
    (mail,) = digests_to(smtp_server, network["kari"].email)
    from html import unescape

    preview_text = unescape(shown.group(1)).split("\n\n", 1)[1]
    assert body_of(mail).replace("\r\n", "\n").startswith(preview_text.rstrip("\n"))
    assert "Klimatilpasning i Skien" in preview_text


def test_the_preview_says_when_there_is_nothing(client, login_as, make_member):
    login_as(make_member())
    page = client.get("/profile/notifications").get_data(as_text=True)
    assert 'id="digest-preview-empty"' in page


def test_send_digests_command_twice_in_a_week_sends_nothing_more(
    network, runner, clock, smtp_server
):
    register(network, "Klimatilpasning i Skien", themes=[network["klima"]])
    clock.now = week(0) + timedelta(hours=3)
    assert "weekly-digest: 1" in runner.invoke(args=["send-digests"]).output
    assert "weekly-digest: not due" in runner.invoke(args=["send-digests"]).output


# --- someone needs your competence --------------------------------------------------------------


@pytest.fixture
def experts(network, make_member, make_organisation):
    hydrogen = network["hydrogen"]
    usn = make_organisation(name="USN")
    people = {
        "expert": make_member(org=usn, name="Eva Ekspert", email="eva@usn.no"),
        "beginner": make_member(org=usn, name="Ny Nybegynner", email="ny@usn.no"),
        "colleague": make_member(org=network["skien"], name="Kollega", email="k@skien.kommune.no"),
        "later": make_member(
            org=network["porsgrunn"], name="Lise Later", email="lise@porsgrunn.kommune.no"
        ),
        "off": make_member(org=usn, name="Olav Av", email="olav@usn.no"),
    }
    for key, level in (("expert", 3), ("beginner", 1), ("colleague", 3), ("later", 2), ("off", 3)):
        expertise.set_expertise(people[key], people[key], hydrogen, level)
    for key, value in (
        ("expert", "immediately"),
        ("later", "digest"),
        ("off", "off"),
        ("colleague", "immediately"),
        ("beginner", "immediately"),
    ):
        db.session.merge(
            NotificationSetting(member_id=people[key].id, kind="competence_wanted", value=value)
        )
    db.session.commit()
    return people


def test_competence_wanted_reaches_other_organisations_level_two_and_up_once(
    network, experts, smtp_server, clock
):
    initiative = register(network, "Hydrogen i havna", wanted=[network["hydrogen"]])
    told = [to_of(m) for m in smtp_server if "trenger kompetansen din" in m["Subject"]]
    assert told == ["eva@usn.no"]  # not level 1, not the same organisation, not turned off
    # Wanting one more field later tells nobody twice about the same initiative.
    initiatives.update_initiative(
        network["author"],
        initiative,
        InitiativeInput(
            title=initiative.title,
            summary=initiative.summary,
            wanted_ids=[network["hydrogen"].id, network["klima"].id],
            lead_organisation_id=initiative.lead_organisation_id,
        ),
        initiative.version,
    )
    assert [to_of(m) for m in smtp_server if "trenger" in m["Subject"]] == ["eva@usn.no"]
    # Lise chose the digest: it tells her on Monday.
    clock.now = week(0)
    digest.send_digests()
    (mail,) = [m for m in smtp_server if to_of(m) == "lise@porsgrunn.kommune.no"]
    assert "Hydrogen i havna (Skien kommune) ønsker Hydrogen" in body_of(mail)
    notice = db.session.get(CompetenceNotice, (experts["later"].id, initiative.id))
    assert notice.told_by == "digest"
    clock.now = week(1)
    digest.send_digests()
    assert len([m for m in smtp_server if to_of(m) == "lise@porsgrunn.kommune.no"]) == 1


def test_at_most_three_competence_emails_a_week_the_rest_in_the_digest(
    network, experts, smtp_server, clock
):
    for n in range(5):
        register(network, f"Hydrogenprosjekt {n}", wanted=[network["hydrogen"]])
    emails = [m for m in smtp_server if to_of(m) == "eva@usn.no"]
    assert len(emails) == news.WEEKLY_CAP
    waiting = db.session.scalars(
        sa.select(CompetenceNotice).filter_by(member_id=experts["expert"].id, told_by=None)
    ).all()
    assert len(waiting) == 2
    # Eva chose «immediately»: the two past the cap come in her digest, not never.
    clock.now = week(0)
    digest.send_digests()
    (weekly,) = digests_to(smtp_server, "eva@usn.no")
    assert "Hydrogenprosjekt 3" in body_of(weekly) and "Hydrogenprosjekt 4" in body_of(weekly)


def test_two_workers_telling_at_once_keep_the_weekly_cap(app, network, experts, smtp_server, clock):
    for n in range(2):
        register(network, f"Hydrogenprosjekt {n}", wanted=[network["hydrogen"]])
    assert len([m for m in smtp_server if to_of(m) == "eva@usn.no"]) == 2
    for n in range(2, 4):  # queued, not yet run
        register(network, f"Hydrogenprosjekt {n}", wanted=[network["hydrogen"]])

    def worker():
        with app.app_context():
            try:
                jobs.run_next_job()
            finally:
                db.session.remove()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    clock.advance(hours=1)  # a job that met the other's lock is retried
    assert len([m for m in smtp_server if to_of(m) == "eva@usn.no"]) == news.WEEKLY_CAP


def test_an_update_reaches_followers_at_once_or_in_the_digest(
    network, smtp_server, clock, make_member
):
    initiative = register(network, "Klimatilpasning i Skien", themes=[network["klima"]])
    now_person = make_member(email="straks@example.no")
    following.follow(now_person, "initiative", initiative.id)
    db.session.add(
        NotificationSetting(member_id=now_person.id, kind="initiative_updates", value="immediately")
    )
    following.follow(network["kari"], "initiative", initiative.id)  # default: in the digest
    db.session.commit()
    initiatives.post_update(network["author"], initiative, "Vi har fått midler!")
    (mail,) = [m for m in smtp_server if "Ny oppdatering" in m["Subject"]]
    assert to_of(mail) == "straks@example.no" and "Vi har fått midler!" in body_of(mail)
    clock.now = week(0)
    digest.send_digests()
    (kari_digest,) = digests_to(smtp_server, network["kari"].email)
    assert "Oppdateringer på initiativ du følger" in body_of(kari_digest)


def test_the_settings_api_has_the_digest_kinds(client, make_member):
    from arena.accounts.services import issue_api_token

    token = {"Authorization": f"Bearer {issue_api_token(make_member(), 't')}"}
    got = client.get("/api/v1/me/notifications", headers=token).get_json()
    assert got["digest"] == "weekly"
    assert got["initiative_updates"] == got["competence_wanted"] == "digest"
    assert (
        client.patch("/api/v1/me/notifications", json={"digest": "off"}, headers=token).get_json()[
            "digest"
        ]
        == "off"
    )
    wrong = client.patch("/api/v1/me/notifications", json={"digest": "immediately"}, headers=token)
    assert wrong.status_code == 422 and "digest" in wrong.get_json()["error"]["fields"]


def test_the_digest_in_english_reads_in_english(network, smtp_server, clock):
    network["kari"].preferred_language = "en"
    db.session.commit()
    register(network, "Klimatilpasning i Skien", themes=[network["klima"]])
    clock.now = week(0)
    digest.send_digests()
    (mail,) = [m for m in smtp_server if to_of(m) == network["kari"].email]
    assert mail["Subject"] == "Arena: new in the network since Monday 28 December 2026"
    text = body_of(mail)
    assert "New initiatives in what you follow and know" in text and "Hei" not in text[:3]
    html = html_of(mail)
    assert '<html lang="en">' in html
    assert re.search(r'<a href="[^"]+/initiatives/\d+"[^>]*>Klimatilpasning i Skien \(Skien', html)
