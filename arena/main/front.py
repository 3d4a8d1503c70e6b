"""The front page for everyone: the network in numbers, each the count of the list it links to,
the public meetings of the coming seven days, and the newest initiatives."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from arena.arenas import calendar_rows, meetings
from arena.arenas import services as arenas
from arena.declaration import services as declaration
from arena.initiatives import listing
from arena.organisations import services as organisations

#: How far ahead the front page lists public meetings.
COMING_DAYS = 7


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
    register = arenas.arena_register(reader)
    return NetworkNumbers(
        organisations=organisations.count_organisations(),
        ambassadors=declaration.count_public_ambassadors(),
        ongoing_initiatives=listing.list_initiatives(ongoing, reader, per_page=1).total,
        arenas_with_owner=register.page.total - register.orphaned_total,
    )


def coming_public_meetings(now: datetime) -> list[meetings.Occurrence]:
    """Occurrences of public arenas' meetings from now (wall clock) to COMING_DAYS ahead,
    cancelled ones included (marked on the page), earliest first."""
    until = now + timedelta(days=COMING_DAYS)
    rows = calendar_rows.feed_meetings(calendar_rows.public_arena_ids(), since=now, until=until)
    return meetings.occurrences(rows, now, until)
