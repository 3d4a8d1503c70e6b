"""The map's filters from the URL (the page and the API read the same parameters)."""

from datetime import date

from arena.dates import is_supported
from arena.errors import NotFound
from arena.expertise import services as expertise
from arena.network.graph import SHARED, NetworkFilter
from arena.organisations import services as organisations
from arena.organisations.models import ORGANISATION_KINDS


def _date(value: str) -> date | None:
    """A date within the years Arena supports, else None (a later year overflows a day's
    arithmetic)."""
    try:
        found = date.fromisoformat(value)
    except ValueError:
        return None
    return found if is_supported(found) else None


def _theme(slug: str):
    try:
        return expertise.get_area(slug)
    except NotFound:
        return None


def filter_from_args(args) -> tuple[NetworkFilter, dict[str, str]]:
    """The filters from the URL; values that do not exist are left out and named by their
    parameter."""
    chosen, ignored = {}, {}
    if number := args.get("municipality"):
        found = next((m for m in organisations.municipalities() if m.number == number), None)
        chosen["municipality"] = found
        if found is None:
            ignored["municipality"] = number
    if kind := args.get("kind"):
        if kind in ORGANISATION_KINDS:
            chosen["kind"] = kind
        else:
            ignored["kind"] = kind
    if slug := args.get("theme"):
        chosen["theme"] = _theme(slug)
        if chosen["theme"] is None:
            ignored["theme"] = slug
    for key, attribute in (("from", "start"), ("to", "end")):
        if value := args.get(key):
            chosen[attribute] = _date(value)
            if chosen[attribute] is None:
                ignored[key] = value
    if chosen.get("start") and chosen.get("end") and chosen["start"] > chosen["end"]:
        ignored["to"] = f"{chosen.pop('start')} – {chosen.pop('end')}"  # a period ending first
    if shared := args.get("shared"):
        if shared in SHARED:
            chosen["shared"] = shared
        else:
            ignored["shared"] = shared
    return NetworkFilter(**chosen), ignored
