"""The front page for everyone (issue 18, first part): the network in numbers, counted by hand
and against the lists they link to, the public meetings of the coming seven days, and the newest
initiatives, as anonymous readers and members see them."""

import re
from datetime import datetime

from arena.arenas import meetings
from arena.arenas import services as arenas
from arena.arenas.meetings import MeetingInput
from arena.arenas.services import ArenaInput
from arena.declaration import services as declaration
from arena.initiatives import services as initiatives
from arena.initiatives.services import InitiativeInput


def number(page: str, name: str) -> int:
    found = re.search(rf'id="number-{name}"[^>]*><span class="number">(\d+)</span>', page)
    assert found, name
    return int(found.group(1))


def listed_count(page: str) -> int:
    """The count a list page states (its role=status line)."""
    return int(re.search(r'role="status">(\d+)', page).group(1))


def test_the_network_in_numbers_counts_what_the_lists_show(
    client, make_member, make_organisation, login_as, clock
):
    # Hand-counted: 3 approved organisations (and 1 waiting), 2 listed ambassadors (1 without
    # consent, 1 withdrawn), 2 ongoing public initiatives (1 planned, 1 ongoing members-only),
    # 2 arenas with an owner (1 without, 1 members-only with an owner).
    skien = make_organisation(name="Skien kommune")
    bamble = make_organisation(name="Bamble kommune")
    usn = make_organisation(name="Universitetet i Sørøst-Norge", kind="akademia")
    make_organisation(name="Venter AS", approved=False)
    kari = make_member(org=skien, name="Kari")
    per = make_member(org=bamble, name="Per")
    ola = make_member(org=usn, name="Ola")
    eva = make_member(org=usn, name="Eva")
    declaration.sign_declaration(kari, public_consent=True)
    declaration.sign_declaration(per, public_consent=True)
    declaration.sign_declaration(ola, public_consent=False)
    declaration.sign_declaration(eva, public_consent=True)
    declaration.withdraw_signature(eva)
    for title, status, public in (
        ("Overvann i Skien", "ongoing", True),
        ("Felles innkjøp", "ongoing", True),
        ("Hydrogen i havn", "planned", True),
        ("Intern plan", "ongoing", False),
    ):
        initiatives.create_initiative(
            kari, InitiativeInput(title=title, summary=title, status=status, is_public=public)
        )
    arenas.create_arena(kari, ArenaInput(name="Klimanettverket"))
    arenas.create_arena(per, ArenaInput(name="Næringsforum"))
    arenas.create_arena(per, ArenaInput(name="Uten eier", owner_email=ola.email))
    arenas.create_arena(kari, ArenaInput(name="Lukket forum", visibility="members"))

    page = client.get("/").get_data(as_text=True)
    assert number(page, "organisations") == 3
    assert number(page, "ambassadors") == 2
    assert number(page, "initiatives") == 2
    assert number(page, "arenas") == 2
    # Each number is the count its link's list shows.
    assert listed_count(client.get("/organisations").get_data(as_text=True)) == 3
    assert "av 2 i alt" in client.get("/ambassadors").get_data(as_text=True)
    assert listed_count(client.get("/initiatives?status=ongoing").get_data(as_text=True)) == 2
    register = client.get("/arenas").get_data(as_text=True)
    assert "Med ansvarlig: 2 · uten ansvarlig: 1" in register
    # A verified member also sees members-only initiatives and arenas, in the numbers too.
    login_as(kari)
    page = client.get("/").get_data(as_text=True)
    assert number(page, "initiatives") == 3 and number(page, "arenas") == 3
    assert listed_count(client.get("/initiatives?status=ongoing").get_data(as_text=True)) == 3
    assert "Med ansvarlig: 3 · uten ansvarlig: 1" in client.get("/arenas").get_data(as_text=True)


def test_public_meetings_of_the_coming_week_and_the_newest_initiatives(client, make_member, clock):
    clock.now = datetime.fromisoformat("2026-11-30T08:00:00+00:00")  # Monday 09:00 in Oslo
    owner = make_member(name="Kari")
    open_arena, _ = arenas.create_arena(owner, ArenaInput(name="Klimanettverket"))
    closed, _ = arenas.create_arena(owner, ArenaInput(name="Lukket", visibility="members"))
    weekly = meetings.create_meeting(
        owner,
        open_arena,
        MeetingInput(
            title="Ukemøte", starts_at=datetime(2026, 11, 25, 13), rrule="FREQ=WEEKLY;COUNT=4"
        ),
    )
    meetings.change_occurrence(owner, weekly, datetime(2026, 12, 2, 13), "cancel")
    meetings.create_meeting(
        owner, open_arena, MeetingInput(title="Om åtte dager", starts_at=datetime(2026, 12, 8, 9))
    )
    meetings.create_meeting(
        owner, closed, MeetingInput(title="Hemmelig", starts_at=datetime(2026, 12, 1, 9))
    )
    meetings.create_meeting(
        owner, open_arena, MeetingInput(title="Fredagsmøte", starts_at=datetime(2026, 12, 4, 10))
    )
    for n in range(7):
        initiatives.create_initiative(owner, InitiativeInput(title=f"Initiativ {n}", summary="x"))
        clock.advance(minutes=1)
    page = client.get("/").get_data(as_text=True)
    coming = re.search(r'<ul class="ds-list" id="coming-meetings">(.*?)</ul>', page, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", coming, re.S)
    # Wednesday's occurrence (cancelled, marked), Friday's meeting; not next Tuesday's (8 days
    # ahead), not the members-only arena's, not last week's.
    assert len(items) == 2
    assert "Ukemøte" in items[0] and "onsdag 2. desember 2026 kl. 13.00" in items[0]
    assert "avlyst" in items[0]
    assert "Fredagsmøte" in items[1] and "fredag 4. desember 2026 kl. 10.00" in items[1]
    assert "Hemmelig" not in page and "Om åtte dager" not in page
    newest = re.search(r'id="newest-initiatives">(.*?)</ul>', page, re.S).group(1)
    titles = re.findall(r">(Initiativ \d)</a>", newest)
    assert titles == ["Initiativ 6", "Initiativ 5", "Initiativ 4", "Initiativ 3", "Initiativ 2"]
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Public meetings in the next 7 days" in english
    assert "Wednesday 2 December 2026" in english and "cancelled" in english


def test_the_week_names_ten_meetings_and_shows_a_new_one_at_once(client, make_member, clock):
    clock.now = datetime.fromisoformat("2026-11-30T08:00:00+00:00")  # Monday 09:00 in Oslo
    owner = make_member(name="Kari")
    arena, _ = arenas.create_arena(owner, ArenaInput(name="Daglig forum"))
    daily = MeetingInput(
        title="Morgenmøte", starts_at=datetime(2026, 11, 30, 10), rrule="FREQ=DAILY;COUNT=20"
    )
    meetings.create_meeting(owner, arena, daily)

    def coming() -> list[str]:
        page = client.get("/").get_data(as_text=True)
        found = re.search(r'id="coming-meetings">(.*?)</ul>', page, re.S).group(1)
        return re.findall(r"<li>(.*?)</li>", found, re.S), page

    items, page = coming()
    assert len(items) == 7 and 'id="coming-more"' not in page  # Monday to Sunday at 10
    # Four more on Tuesday: the week is worked out again at once; ten are named, the latest
    # (Sunday's) is left for the calendar.
    clock.advance(minutes=1)
    for hour in (11, 12, 13, 14):
        meetings.create_meeting(
            owner, arena, MeetingInput(title=f"Kl. {hour}", starts_at=datetime(2026, 12, 1, hour))
        )
    items, page = coming()
    assert len(items) == 10 and "og 1 til." in page
    assert "Kl. 14" in items[5] and "søndag 6. desember" not in " ".join(items)
