"""Pages as a phone (390 px) and a laptop (1280 px) show them, in bokmål, nynorsk and English:
every column of every table on screen, nothing cut off, and the list right after the search."""

import pytest

from .conftest import LANGUAGES, assert_accessible

WIDTHS = (390, 1280)
#: Pages with tables or calendars, and who sees them.
TABLE_PAGES = [
    ("member", "/arenas"),
    ("member", "/arenas/calendar?date=2026-11-28"),
    ("member", "/organisations"),
    ("member", "/profile/tokens"),
    ("admin", "/admin/members"),
    ("admin", "/admin/organisations"),
    ("admin", "/admin/areas"),
]

#: Cells whose box leaves the screen, or whose text is wider than its box (cut off).
OUTSIDE_OR_CUT = """() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  for (const cell of document.querySelectorAll('main td, main th')) {
    const box = cell.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(cell).display === 'none') continue;
    if (cell.closest('details:not([open])')) continue;
    const head = cell.closest('thead');
    if (head && head.getBoundingClientRect().width <= 1) continue;  // for screen readers only
    const text = cell.innerText.slice(0, 40);
    if (box.left < -1 || box.right > width + 1) problems.push('outside: ' + text);
    if (cell.scrollWidth > cell.clientWidth + 1) problems.push('cut: ' + text);
  }
  return problems;
}"""


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_column_is_on_screen(member_page, admin_page, lang, width):
    pages = {"member": member_page, "admin": admin_page}
    for who, path in TABLE_PAGES:
        page = pages[who]
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(path + ("&" if "?" in path else "?") + f"lang={lang}")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} at {width}px: {overflow}px sideways"
        assert page.evaluate(OUTSIDE_OR_CUT) == [], f"{path} at {width}px"
        assert_accessible(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_list_comes_right_after_the_search_on_a_phone(page, lang):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/initiatives?lang={lang}")
    first = page.locator(".initiative-card").first.bounding_box()
    assert first["y"] < 844, f"the first initiative starts at {first['y']}px"
    assert not page.locator("#theme").is_visible()  # the filters wait behind «Filtre»
    page.locator(".more-filters summary").click()
    assert page.locator("#theme").is_visible()
    page.goto(f"/initiatives?lang={lang}&status=ongoing")  # a filter in use: they stay open
    assert page.locator("#status-ongoing").is_visible()
    assert_accessible(page)
