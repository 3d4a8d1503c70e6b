"""The front page for everyone: the network in numbers, each the count of the list it links to,
the public meetings of the coming seven days, and the newest initiatives."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from arena import changes
from arena.arenas import calendar_rows, meetings
from arena.arenas import services as arenas
from arena.declaration import services as declaration
from arena.initiatives import listing
from arena.keep import Kept
from arena.organisations import services as organisations

#: How far ahead the front page lists public meetings, and how many it names.
COMING_DAYS = 7
COMING_SHOWN = 10


@dataclass
class NetworkNumbers:
    organisations: int
    ambassadors: int
    ongoing_initiatives: int
    arenas_with_owner: int


def network_numbers(reader) -> NetworkNumbers:
    """Counted as the lists behind them count: the organisations list, the ambassador list, the
    initiatives with status «ongoing» and the arena register, as this reader sees them."""
    ongoing = listing.InitiativeFilter(statuses=["ongoing"])
    return NetworkNumbers(
        organisations=organisations.count_organisations(),
        ambassadors=declaration.count_public_ambassadors(),
        ongoing_initiatives=listing.count_initiatives(ongoing, reader),
        arenas_with_owner=arenas.arenas_with_owner(reader),
    )


#: The week's occurrences, worked out once an hour and again when an arena or meeting changes.
_kept_weeks = Kept()


def coming_public_meetings(now: datetime) -> list[meetings.Occurrence]:
    """Occurrences of public arenas' meetings from now (wall clock) to COMING_DAYS ahead,
    cancelled ones included (marked on the page), earliest first."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    version = (changes.numbers("arenas", "meetings"), hour)  # a new hour drops the last
    week = _kept_weeks.get(version, "week", lambda: _occurrences_from(hour))
    until = now + timedelta(days=COMING_DAYS)
    return [o for o in week if now <= o.starts_at < until]


def _occurrences_from(hour: datetime) -> list[meetings.Occurrence]:
    until = hour + timedelta(days=COMING_DAYS, hours=1)
    rows = calendar_rows.feed_meetings(calendar_rows.public_arena_ids(), since=hour, until=until)
    return meetings.occurrences(rows, hour, until)
