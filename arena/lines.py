"""Fields people type: how long they may be, and one-line fields (names, titles, places).

A line break in one is never a person's intent, and in
an email it starts a paragraph of the sender's choosing (a fake «your account is locked» notice
under Arena's name), so one-line fields refuse them wherever text comes in: forms, the API,
imports. Text from elsewhere that Arena cannot refuse (a provider's name claim) is joined.
"""

import re

from flask_babel import gettext as _

#: Every character Unicode or an email client may take as the end of a line.
LINE_BREAK = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def has_line_break(text: str | None) -> bool:
    return bool(text) and LINE_BREAK.search(text) is not None


def one_line(text: str) -> str:
    """The text on one line, its breaks become spaces."""
    return " ".join(LINE_BREAK.sub(" ", text or "").split())


def check_one_line(data: dict, fields: tuple[str, ...], errors: dict[str, str]) -> None:
    """Adds an error for each of `fields` in `data` that holds a line break."""
    for field in fields:
        value = data.get(field)
        if isinstance(value, str) and has_line_break(value) and field not in errors:
            errors[field] = _("Skal stå på én linje, uten linjeskift.")


def too_long(value: str | None, limit: int) -> str | None:
    """The message for a field longer than `limit` characters (None: not too long)."""
    if len(value or "") > limit:
        return _("Kan ikke være lengre enn %(n)d tegn.", n=limit)
    return None


def check_length(errors: dict[str, str], field: str, value: str | None, limit: int) -> None:
    """Adds the field's error when it is too long (and has no error yet)."""
    message = too_long(value, limit)
    if message and field not in errors:
        errors[field] = message


def quoted(text: str) -> str:
    """What a member wrote, set apart in an email as a quotation: each line starts with «> », the
    plain-text convention, and the HTML part shows the lines as a quotation without links."""
    return "\n".join(f"> {line}".rstrip() for line in (text or "").strip().splitlines() or [""])
