"""The collaboration map in Chromium, in bokmål, nynorsk and English at 390 and 1280 px: open it,
filter by a municipality, select an organisation by keyboard, follow a link it shares; what the
page says (counts, names, the table) agrees with the picture, under axe and reflow."""

import re

import pytest

from .conftest import LANGUAGES, assert_accessible, assert_reflows, click_and_load, translator


def drawn_links(page) -> dict[frozenset, int]:
    found = {}
    for line in page.locator(".network-links line").all():
        pair = frozenset((line.get_attribute("data-source"), line.get_attribute("data-target")))
        found[pair] = int(line.get_attribute("data-weight"))
    return found


def table_links(page) -> dict[frozenset, int]:
    found = {}
    for row in page.locator("#network-table tbody tr").all():
        row_id = row.get_attribute("data-id")
        for partner in row.locator("[data-partner]").all():
            pair = frozenset((row_id, partner.get_attribute("data-partner")))
            found[pair] = int(partner.get_attribute("data-weight"))
    return found


@pytest.mark.parametrize("width", (390, 1280))
@pytest.mark.parametrize("lang", LANGUAGES)
def test_open_filter_select_and_follow(page, lang, width):
    _ = translator(lang)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/network?lang={lang}")
    assert page.locator("h1").inner_text() == _("Samarbeidskartet")
    summary = page.locator("#map-summary").inner_text()
    links_said = int(re.findall(r"\d+", summary)[1])
    assert links_said == len(drawn_links(page)) > 0  # every link of the demo network is drawn
    assert table_links(page) == drawn_links(page)
    assert_accessible(page)
    assert_reflows(page)

    # Filter by a municipality with the form.
    page.select_option("#municipality", "4003")  # Skien
    click_and_load(page, "form.filters button[type=submit]")
    assert "municipality=4003" in page.url
    assert table_links(page) == drawn_links(page)
    skien_nodes = page.locator(".network-node").count()
    assert 0 < skien_nodes < 39

    # Select Skien kommune by keyboard: its partners and shared work are listed.
    node = page.locator('.network-node[aria-label^="Skien kommune:"]')
    node.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#selected-heading").inner_text() == "Skien kommune"
    partners = page.locator("#selected-partners > li")
    assert partners.count() == page.locator(".network-links line.is-selected").count() > 0
    first = partners.first.inner_text()
    assert re.search(r": \d+ \w+", first), first  # «Porsgrunn kommune: 2 initiativ, 1 arena»
    assert_accessible(page)
    assert_reflows(page)

    # Follow the first shared initiative or arena: its page has that title.
    link = page.locator("#selected-partners li li a").first
    title = link.inner_text()
    click_and_load(page, link)
    assert page.locator("h1").inner_text() == title
