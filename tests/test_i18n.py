"""Bokmål, nynorsk and English: choosing the language, complete catalogues, nothing left unmarked,
and dates in Norwegian convention."""

import ast
import re
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from arena.dates import format_datetime, format_month, format_range, format_time
from arena.extensions import db

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("nn", "en")


def test_language_from_query_is_remembered(client):
    assert '<html lang="nn"' in client.get("/?lang=nn").get_data(as_text=True)
    html = client.get("/organisations").get_data(as_text=True)
    assert '<html lang="nn"' in html and "Organisasjonar" in html


def test_language_from_browser_when_nothing_chosen(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en"' in html and "Log in" in html
    html = client.get("/", headers={"Accept-Language": "no,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="nb"' in html and "Logg inn" in html


def test_member_preference_wins_over_browser(client, make_member, login_as):
    login_as(make_member(preferred_language="nn"))
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="nn"' in html and "Profilen min" in html


def test_switching_language_when_signed_in_lasts_the_session_and_writes_nothing(
    client, post_form, make_member, login_as
):
    member = login_as(make_member(preferred_language="nb"))
    client.get("/profile")  # the first visit makes the calendar link
    before = member.updated_at
    client.get("/profile?lang=en")
    db.session.refresh(member)
    assert member.preferred_language == "nb" and member.updated_at == before  # a GET never writes
    assert '<html lang="en"' in client.get("/").get_data(as_text=True)
    # Saving the profile's language makes it the member's, for this session too.
    fields = {"name": member.name, "preferred_language": "nn"}
    post_form("/profile", fields, token_from="/profile")
    db.session.refresh(member)
    assert member.preferred_language == "nn"
    assert '<html lang="nn"' in client.get("/").get_data(as_text=True)


def test_unknown_language_falls_back_to_bokmal(client):
    html = client.get("/?lang=de", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="nb"' in html


def test_switcher_on_every_page_links_to_the_same_page(client):
    html = client.get("/ambassadors?kind=kommune").get_data(as_text=True)
    assert 'href="/ambassadors?kind=kommune&amp;lang=nn"' in html
    assert 'href="/ambassadors?kind=kommune&amp;lang=en"' in html


def test_form_errors_come_in_the_users_language(client, post_form):
    client.get("/?lang=nn")
    response = post_form("/auth/register", {"email": "x"}, token_from="/auth/register")
    html = response.get_data(as_text=True)
    assert "Må fyllast ut." in html and "Skjemaet har feil som må rettast" in html
    client.get("/?lang=en")
    html = post_form("/auth/register", {"email": "x"}, token_from="/auth/register").get_data(
        as_text=True
    )
    assert "Required." in html and "The form has errors that must be corrected" in html


def test_api_errors_follow_accept_language(client):
    response = client.get("/api/v1/me", headers={"Accept-Language": "en"})
    assert response.get_json()["error"]["message"].startswith("Missing a valid API token")


# --- catalogues -------------------------------------------------------------------------------


def test_catalogues_have_every_extracted_string(tmp_path):
    """Fails when a marked string lacks a nynorsk or English translation (run `make messages`)."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            Path(sys.executable).parent / "pybabel",
            "--quiet",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as f:
        template = read_po(f)
    for lang in LANGUAGES:
        path = ROOT / "arena" / "translations" / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as f:
            catalogue = read_po(f, locale=lang)
        problems = []
        for message in template:
            if not message.id:
                continue
            translated = catalogue.get(message.id)
            strings = translated.string if translated else None
            if isinstance(strings, tuple):
                strings = all(strings) and strings
            if not strings or (translated and translated.fuzzy):
                problems.append(message.id)
        assert not problems, f"{lang}: missing or fuzzy translations: {problems[:10]}"


ALLOWED_LITERALS = {"Arena", "JSON", "Bokmål", "Nynorsk", "English", "OpenAPI"}
TRANSLATABLE_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_data(self, data):
        self.found.append(data)

    def handle_starttag(self, tag, attrs):
        self.found += [value or "" for name, value in attrs if name in TRANSLATABLE_ATTRIBUTES]


@pytest.mark.parametrize(
    "template", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.*"))
)
def test_templates_have_no_unmarked_text(template):
    source = (ROOT / template).read_text()
    # Jinja code and comments become a neutral mark; what is left is literal text.
    source = re.sub(r"<(/?)\{\{.*?\}\}", r"<\1tag", source)  # tag names chosen in Jinja
    stripped = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "§", source, flags=re.S)
    collector = _TextCollector()
    collector.feed(stripped)
    for text in collector.found:
        words = re.findall(r"[^\W\d_]{2,}", text)
        unmarked = [w for w in words if w not in ALLOWED_LITERALS]
        assert not unmarked, f"{template}: text not marked for translation: {text.strip()!r}"


USER_FACING_CALLS = {
    "flash",
    "ServiceError",
    "ValidationFailed",
    "PermissionDenied",
    "NotFound",
    "Conflict",
    "json_error",
}


def is_prose(node) -> bool:
    """A literal string with words in it, as opposed to a code or a key."""
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and " " in node.value
        and re.search(r"[^\W\d_]{3,}", node.value) is not None
    )


def test_python_user_facing_strings_are_marked():
    problems = []
    for path in (ROOT / "arena").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            arguments = list(node.args) + [
                k.value for k in node.keywords if k.arg in ("message", "label", "description")
            ]
            if not (name in USER_FACING_CALLS or name.endswith("Field") or name == "Select"):
                continue
            if name == "Field":  # pydantic: the API's OpenAPI document, written for developers
                continue
            for argument in arguments:
                if is_prose(argument):
                    problems.append(f"{path.name}:{node.lineno}: {argument.value!r}")
    assert not problems, "unmarked user-facing strings:\n" + "\n".join(problems)


# --- dates -------------------------------------------------------------------------------------


def test_dates_in_norwegian_convention():
    moment = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)  # 14.00 in Oslo (winter time)
    assert format_datetime(moment, "nb") == "torsdag 26. november 2026 kl. 14.00"
    assert format_datetime(moment, "nn") == "torsdag 26. november 2026 kl. 14.00"
    assert format_datetime(moment, "en") == "Thursday 26 November 2026, 14:00"
    summer = datetime(2027, 6, 3, 7, 30, tzinfo=UTC)  # 09.30 in Oslo (summer time)
    assert format_time(summer, "nb") == "kl. 09.30"
    assert format_datetime(summer, "nn") == "torsdag 3. juni 2027 kl. 09.30"
    assert format_month(moment, "nb") == "november 2026"
    assert format_datetime(datetime(2027, 3, 1, 12, tzinfo=UTC), "nn") == (
        "måndag 1. mars 2027 kl. 13.00"
    )


def test_time_ranges_use_an_en_dash():
    start = datetime(2026, 11, 26, 13, 0, tzinfo=UTC)
    end = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
    assert format_range(start, end, "nb") == "torsdag 26. november 2026 kl. 14.00\u201315.30"
    assert format_range(start, end, "en") == "Thursday 26 November 2026, 14:00\u201315:30"
    next_day = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert format_range(start, next_day, "nb") == (
        "torsdag 26. november 2026 kl. 14.00 \u2013 fredag 27. november 2026 kl. 10.00"
    )
    assert format_range(start, None, "nb") == "torsdag 26. november 2026 kl. 14.00"


def test_template_texts_hold_no_markup_that_would_be_rendered():
    """In templates, gettext's result is marked safe: a «<key>» in a text would become a tag."""
    problems = []
    for path in (ROOT / "templates").rglob("*.html"):
        for text in re.findall(r"""_\((["'])(.*?)\1""", path.read_text()):
            if re.search(r"<[^ ]|&", text[1]):
                problems.append(f"{path.name}: {text[1][:80]}")
    assert not problems, problems
