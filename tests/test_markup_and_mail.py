"""Safe Markdown rendering."""

from html.parser import HTMLParser

import pytest

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
