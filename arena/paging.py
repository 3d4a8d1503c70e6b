"""One page of a longer list, for the registers that page."""

from dataclasses import dataclass

from flask_babel import gettext as _

from arena.errors import ValidationFailed

#: No list has this many pages; a larger number is a typing mistake or an attack (beyond 64 bits
#: the database cannot even take it as an offset).
MAX_PAGE = 100_000


def page_number(args) -> int:
    """The page a request asks for with ?page= (1 when absent or not a number)."""
    page = args.get("page", 1, type=int) or 1
    if page > MAX_PAGE:
        message = _("Det finnes ikke så mange sider.")
        raise ValidationFailed(message, {"page": message})
    return max(page, 1)


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
