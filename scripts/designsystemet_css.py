"""Writes static/vendor/designsystemet.css: Designsystemet's base and only the components Arena's
templates use, in the package's own order and cascade layers (half the size of its index.css,
which a phone on 4G must fetch and apply before it can draw anything).

    python3 scripts/designsystemet_css.py   (run by `make static`)

A component a template starts using must be added to COMPONENTS; the browser tests (axe, the
Nu HTML checker, layout at 390 and 1280 px) then show it styled.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "node_modules" / "@digdir" / "designsystemet-css" / "dist" / "src"
TARGET = ROOT / "static" / "vendor" / "designsystemet.css"

#: The ds-* components the templates use (ds-sr-only, headings, labels and paragraphs are base).
COMPONENTS = [
    "alert",
    "button",
    "card",
    "data-size-workaround",
    "details",
    "error-summary",
    "field",
    "fieldset",
    "input",
    "link",
    "list",
    "skip-link",
    "table",
    "tag",
    "validation-message",
]


def build() -> str:
    index = (SOURCE / "index.css").read_text()
    declaration, base_start = "@layer ds.theme, ds.base, ds.components;", "@layer ds.base{"
    components_start = index.index("@layer ds.components{")
    if not index.startswith(declaration + base_start):
        raise SystemExit("Designsystemet's index.css changed its layers: update this script")
    base = index[len(declaration) + len(base_start) : components_start].removesuffix("}")
    layer = index[components_start + len("@layer ds.components{") :].removesuffix("}")
    found = []
    for name in COMPONENTS:
        text = (SOURCE / f"{name}.css").read_text().strip()
        at = layer.find(text)
        if at < 0:
            raise SystemExit(f"{name}.css is not part of index.css: update this script")
        found.append((at, text))
    components = "".join(text for _at, text in sorted(found))
    return f"{declaration}{base_start}{base}}}@layer ds.components{{{components}}}\n"


def missing_components(css: str) -> list[str]:
    """ds-* classes the templates use that the CSS does not style."""
    templates = " ".join(p.read_text() for p in ROOT.glob("templates/**/*.html"))
    return sorted(c for c in set(re.findall(r"\bds-[a-z-]+", templates)) if f".{c}" not in css)


def main() -> None:
    css = build()
    if missing := missing_components(css):
        sys.exit(f"templates use {missing}, which the built CSS lacks: add them to COMPONENTS")
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(css)


if __name__ == "__main__":
    main()
