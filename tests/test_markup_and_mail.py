"""Safe Markdown rendering and email delivery (SMTP in tests, the log in development)."""

import logging
from html.parser import HTMLParser

import pytest
from conftest import body_of

from arena.mail import mailbox, send_mail
from arena.markup import render_markdown


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        '<img src=x onerror="alert(1)">',
        "![bilde](https://tracker.example/p.png)",
        '<a href="https://x" onclick="alert(1)">x</a>',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_markdown_renders_nothing_executable(source):
    elements = parse(str(render_markdown(source)))
    for tag, attrs in elements:
        assert tag not in {"script", "img", "iframe", "object", "style"}
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            if name in {"href", "src"}:
                assert value.startswith(("https://", "http://", "mailto:")), value


def parse(html: str) -> list[tuple[str, list]]:
    """Every element of a fragment with its attributes, as a browser would see them."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_markdown_keeps_ordinary_formatting_and_safe_links():
    html = str(render_markdown("**Fet** og *kursiv*\n\n- punkt\n\n[USN](https://www.usn.no)"))
    assert "<strong>Fet</strong>" in html and "<em>kursiv</em>" in html and "<li>punkt</li>" in html
    assert 'href="https://www.usn.no"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_mail_goes_through_smtp(app, smtp_server):
    send_mail("ola@example.no", "Hei æøå", "Innhold med æøå", reply_to=mailbox("kari@example.no"))
    assert len(smtp_server) == 1
    mail = smtp_server[0]
    assert mail["Subject"] == "Hei æøå" and mail["Reply-To"] == "kari@example.no"
    assert body_of(mail).strip() == "Innhold med æøå"


def test_mail_without_server_is_logged(app, caplog):
    with caplog.at_level(logging.INFO):
        send_mail("ola@example.no", "Logget", "Dette står i loggen")
    assert "Dette står i loggen" in caplog.text
