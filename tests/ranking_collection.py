"""A judged test collection for «Finn en kollega»: a generated directory of 150 members with known
expertise (the ground truth) written in varied Norwegian (bokmål, nynorsk, inflections, synonyms),
and queries of the kinds people type, each judged by which concepts it asks for.

The grades come from the generator's truth, never from the ranking: a member's grade for a query
is their declared level (1-3) in a wanted field, or 1 when they only mention it in «spør meg om»
or their job title."""

import random
from dataclasses import dataclass, field

from arena.demo.people import FIRST_NAMES, LAST_NAMES

# concept: (area name, nynorsk name, synonyms, phrases for «spør meg om» in varied forms)
CONCEPTS = {
    "klima": (
        "Klimatilpasning",
        "Klimatilpassing",
        "overvann, flom, klimarisiko",
        ["klimatilpasningen i kommunen", "tilpassing til klimaendringar", "overvannshåndtering"],
    ),
    "areal": (
        "Arealplanlegging",
        "",
        "arealplan, reguleringsplan",
        ["arealplanene våre", "reguleringsplaner for boligfelt"],
    ),
    "kplan": (
        "Kommuneplanlegging",
        "",
        "kommuneplan, samfunnsdel",
        ["kommuneplanens samfunnsdel", "planstrategien"],
    ),
    "innkjop": (
        "Offentlige anskaffelser",
        "Offentlege innkjøp",
        "innkjøp, anbud",
        ["anbudsprosesser", "offentlege innkjøp av IKT", "innkjøpsavtaler"],
    ),
    "ki": (
        "Kunstig intelligens",
        "",
        "KI, AI, maskinlæring",
        ["KI i saksbehandlingen", "maskinlæring på kartdata"],
    ),
    "medvirk": (
        "Innbyggerinvolvering",
        "Innbyggjarinvolvering",
        "medvirkning, medverknad",
        ["innbyggjarinvolvering i planarbeid", "medvirkning med ungdom"],
    ),
    "baer": (
        "Bærekraftig omstilling",
        "Berekraftig omstilling",
        "bærekraft",
        ["bærekraftsmålene i kommuneplanen", "berekraftig drift"],
    ),
    "gronn": (
        "Grønn omstilling",
        "",
        "det grønne skiftet",
        ["grønn omstilling i industrien", "det grønne skiftet for bedrifter"],
    ),
    "naering": (
        "Næringsutvikling",
        "",
        "bedriftsutvikling, etablerer",
        ["næringsutvikling i distriktet", "hjelp til etablerere"],
    ),
    "eu": (
        "EU-prosjekter",
        "",
        "Interreg, Horisont Europa",
        ["EU-prosjekter og Interreg-søknader", "søknader til Horisont Europa"],
    ),
    "hydrogen": (
        "Hydrogen",
        "",
        "grønt hydrogen, ammoniakk",
        ["hydrogenfyllestasjoner", "grønt hydrogen til tungtransport"],
    ),
    "reiseliv": (
        "Reiseliv",
        "",
        "turisme, destinasjonsutvikling",
        ["reiselivet i fjellregionen", "helårsturisme"],
    ),
    "folkehelse": (
        "Folkehelse",
        "",
        "levekår, fysisk aktivitet",
        ["folkehelsearbeidet", "levekårsundersøkelser"],
    ),
    "digital": (
        "Digitalisering",
        "",
        "digitale tjenester",
        ["digitaliseringen av byggesak", "digitale tjenester for innbyggerne"],
    ),
    "hogskole": (
        "Høgskolesamarbeid",
        "Høgskulesamarbeid",
        "studentoppgaver, praksisplasser",
        ["samarbeid med høgskolen om studentoppgaver"],
    ),
    "beredskap": (
        "Samfunnssikkerhet og beredskap",
        "Samfunnstryggleik og beredskap",
        "beredskap, ROS-analyse",
        ["ROS-analyser", "beredskapsplanen"],
    ),
}
TITLES = {
    "klima": "Rådgiver klimatilpasning",
    "areal": "Arealplanlegger",
    "kplan": "Kommuneplanlegger",
    "innkjop": "Innkjøpsrådgiver",
    "naering": "Næringssjef",
    "reiseliv": "Reiselivskoordinator",
    "folkehelse": "Folkehelsekoordinator",
    "digital": "Digitaliseringsleder",
}
ORGANISATIONS = [
    ("Skien kommune", "kommune"),
    ("Nome kommune", "kommune"),
    ("Porsgrunn kommune", "kommune"),
    ("Tinn kommune", "kommune"),
    ("Vestfold og Telemark fylkeskommune", "fylkeskommune"),
    ("Statsforvalteren", "statlig"),
    ("USN", "akademia"),
    ("Telemarksforsking", "akademia"),
    ("Telemark Næringshage", "naeringshage"),
    ("Herøya Industripark", "naeringsliv"),
    ("KS", "interesseorganisasjon"),
    ("Frivilligsentralen", "frivillighet"),
]
FIRST = FIRST_NAMES[:15]
LAST = LAST_NAMES[:10]


@dataclass
class GeneratedMember:
    name: str
    organisation: str
    title: str
    #: concept -> declared level
    levels: dict[str, int]
    #: concepts mentioned only in «spør meg om»
    mentions: set[str]
    ask_me_about: str
    bio: str = ""


def generate_directory(seed: int = 8) -> list[GeneratedMember]:
    rng = random.Random(seed)
    concepts = list(CONCEPTS)
    members = []
    for n in range(150):
        declared = rng.sample(concepts, k=rng.choice([1, 2, 2, 3]))
        levels = {c: rng.choice([1, 2, 3]) for c in declared}
        mentioned = {c for c in rng.sample(concepts, k=2) if c not in levels and rng.random() < 0.4}
        phrases = [rng.choice(CONCEPTS[c][3]) for c in list(levels)[:1] + sorted(mentioned)]
        ask = " ".join(f"Spør meg om {p}." for p in phrases)
        main = max(levels, key=levels.get)
        title = TITLES.get(main, "Rådgiver") if rng.random() < 0.5 else "Rådgiver"
        members.append(
            GeneratedMember(
                name=f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]} {n}",
                organisation=ORGANISATIONS[n % len(ORGANISATIONS)][0],
                title=title,
                levels=levels,
                mentions=mentioned,
                ask_me_about=ask,
            )
        )
    return members


@dataclass
class Query:
    text: str
    #: the concepts the searcher wants
    wants: set[str]
    #: words that add a grade when the member's «spør meg om» has them too (several-word queries)
    bonus: set[str] = field(default_factory=set)


QUERIES = [
    # inflections
    Query("klimatilpasningen", {"klima"}),
    Query("klimatilpasninger", {"klima"}),
    Query("Klimatilpasning", {"klima"}),
    Query("arealplaner", {"areal"}),
    Query("kommuneplanen", {"kplan"}),
    Query("reiselivet", {"reiseliv"}),
    # compound parts
    Query("planlegging", {"areal", "kplan"}),
    Query("omstilling", {"baer", "gronn"}),
    Query("samarbeid med høgskole", {"hogskole"}),
    # synonyms and abbreviations
    Query("KI", {"ki"}),
    Query("maskinlæring", {"ki"}),
    Query("innkjøp", {"innkjop"}),
    Query("anskaffelser", {"innkjop"}),
    Query("turisme", {"reiseliv"}),
    Query("ROS-analyse", {"beredskap"}),
    Query("Interreg", {"eu"}),
    Query("medvirkning", {"medvirk"}),
    # nynorsk and bokmål
    Query("innbyggjarinvolvering", {"medvirk"}),
    Query("innbyggerinvolvering", {"medvirk"}),
    Query("offentlege innkjøp", {"innkjop"}),
    Query("klimatilpassing", {"klima"}),
    Query("berekraftig omstilling", {"baer"}),
    Query("samfunnstryggleik", {"beredskap"}),
    # æøå typed as ae/oe/aa or a/o
    Query("baerekraftig omstilling", {"baer"}),
    Query("naeringsutvikling", {"naering"}),
    Query("hogskolesamarbeid", {"hogskole"}),
    Query("gronn omstilling", {"gronn"}),
    # case, punctuation, hyphens
    Query("EU-prosjekter", {"eu"}),
    Query("eu prosjekter", {"eu"}),
    Query("HYDROGEN!", {"hydrogen"}),
    Query("folkehelse.", {"folkehelse"}),
    # several words: all matter
    Query("klimatilpasning overvann", {"klima"}, bonus={"overvannshåndtering"}),
    Query("digitalisering byggesak", {"digital"}, bonus={"byggesak"}),
    Query("hydrogen tungtransport", {"hydrogen"}, bonus={"tungtransport"}),
]


def grade(member: GeneratedMember, query: Query) -> int:
    """The judged relevance (0-3) of a member for a query, from the generator's truth."""
    best = max((member.levels.get(c, 0) for c in query.wants), default=0)
    if not best and (query.wants & member.mentions):
        best = 1
    if not best and any(TITLES.get(c) == member.title for c in query.wants):
        best = 1
    if best and query.bonus and any(b in member.ask_me_about for b in query.bonus):
        best = min(3, best + 1)
    return best
