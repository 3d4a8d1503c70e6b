"""One registry of what each area does when a member, an organisation or a field of expertise
changes, is merged, exported or deleted.

The area that owns the subject announces the event; every area that keeps rows pointing at the
subject has said, table by table, what happens to them: a function that runs (`on`), or why
nothing needs to run (`declare`, e.g. the database's ON DELETE rule). tests/test_lifecycle.py walks
the foreign keys and fails when a table has no answer for one of its subject's events, so a new
table cannot silently lose data in a merge or keep a stale name.
"""

from collections.abc import Callable
from dataclasses import dataclass

from arena.extensions import db

#: The subjects, the table each lives in, and the events other areas must answer.
EVENTS = {
    "member": ("members", ("changed", "exported", "deleted")),
    "organisation": ("organisations", ("changed", "merged")),  # only a merge deletes one
    "expertise_area": ("expertise_areas", ("changed", "merged")),
}

#: Why a deletion needs nothing run: the foreign key's ON DELETE removes or clears the rows.
ON_DELETE = "the database's ON DELETE rule removes or clears the rows"


@dataclass(frozen=True)
class Handler:
    subject: str
    event: str
    tables: tuple[str, ...]
    run: Callable | None = None
    because: str = ""
    section: str | None = None  # for "exported": the key of what `run` returns


_handlers: list[Handler] = []


def _add(handler: Handler) -> None:
    if handler.event not in EVENTS[handler.subject][1]:
        raise ValueError(f"{handler.subject} has no event {handler.event!r}")
    _handlers.append(handler)


def on(subject: str, event: str, *tables: str, section: str | None = None):
    """Decorator: the function runs with the event's arguments and takes care of these tables.

    member changed: (members: list); member exported / deleted: (member); organisation changed:
    (organisation); organisation merged: (duplicate, kept); expertise_area alike. An "exported"
    handler names its `section` of the member's download and returns its content.
    """

    def register(run: Callable) -> Callable:
        if (event == "exported") != (section is not None):
            raise ValueError("an exported handler, and only one, names its section")
        _add(Handler(subject, event, tables, run=run, section=section))
        return run

    return register


def declare(subject: str, event: str, *tables: str, because: str) -> None:
    """These tables need nothing run on the event, and this is why."""
    _add(Handler(subject, event, tables, because=because))


def handlers(subject: str, event: str) -> list[Handler]:
    return [h for h in _handlers if h.subject == subject and h.event == event]


def announce(subject: str, event: str, *args) -> None:
    """Runs every area's part of the event, in the caller's transaction (the caller commits)."""
    db.session.flush()
    for handler in handlers(subject, event):
        if handler.run is not None:
            handler.run(*args)


def collect(member) -> dict:
    """Every area's section of a member's data export."""
    return {h.section: h.run(member) for h in handlers("member", "exported") if h.run}
