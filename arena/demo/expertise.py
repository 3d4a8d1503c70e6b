# ruff: noqa: E501 - one record a line reads best for demo data
"""The fields of expertise the demo uses, and what demo members of each kind of organisation
know and are asked about."""

# The fields of expertise demo members and initiatives use: labels of concepts in the shipped
# vocabulary (arena/data/vocabulary.csv).
AREAS = [
    "Klimatilpasning",
    "Arealplanlegging",
    "Kommuneplanlegging",
    "Næringsutvikling",
    "Reiseliv",
    "Hydrogen",
    "Kompetanseutvikling",
    "Digitalisering",
    "Kunstig intelligens",
    "Offentlige anskaffelser",
    "Innbyggerinvolvering",
    "Grønn omstilling",
    "Bærekraftig omstilling",
    "Sirkulærøkonomi",
    "Folkehelse",
    "Samferdsel",
    "Energi",
    "Landbruk",
    "Kultur",
    "Frivillighet",
    "EU-prosjekter",
    "Innovasjon",
    "Stedsutvikling",
    "Boligpolitikk",
    "Vann og avløp",
    "Samfunnssikkerhet og beredskap",
    "Utdanning",
    "Helse og omsorg",
    "Prosjektledelse",
    "Kommunikasjon",
    "Statistikk og analyse",
    "Forskning og utvikling",
    "Naturmangfold",
]


# Areas a member of each kind of organisation is likely to know.
AREAS_BY_KIND = {
    "kommune": [
        "Arealplanlegging",
        "Kommuneplanlegging",
        "Klimatilpasning",
        "Folkehelse",
        "Innbyggerinvolvering",
        "Vann og avløp",
        "Næringsutvikling",
        "Stedsutvikling",
        "Offentlige anskaffelser",
        "Helse og omsorg",
        "Samfunnssikkerhet og beredskap",
    ],
    "fylkeskommune": [
        "Næringsutvikling",
        "Samferdsel",
        "Utdanning",
        "Grønn omstilling",
        "EU-prosjekter",
        "Kommuneplanlegging",
        "Statistikk og analyse",
    ],
    "statlig": [
        "Samfunnssikkerhet og beredskap",
        "Klimatilpasning",
        "Kompetanseutvikling",
        "Innovasjon",
        "Digitalisering",
        "Statistikk og analyse",
        "Helse og omsorg",
    ],
    "akademia": [
        "Forskning og utvikling",
        "Statistikk og analyse",
        "Kunstig intelligens",
        "Bærekraftig omstilling",
        "Landbruk",
        "Naturmangfold",
        "Reiseliv",
    ],
    "naeringshage": ["Næringsutvikling", "Innovasjon", "EU-prosjekter", "Prosjektledelse"],
    "interesseorganisasjon": [
        "Kompetanseutvikling",
        "Næringsutvikling",
        "Kommunikasjon",
        "Offentlige anskaffelser",
    ],
    "naeringsliv": [
        "Hydrogen",
        "Energi",
        "Grønn omstilling",
        "Sirkulærøkonomi",
        "Prosjektledelse",
        "Digitalisering",
    ],
    "frivillighet": ["Frivillighet", "Folkehelse", "Naturmangfold", "Kommunikasjon"],
}
ASK_ME_ABOUT = {
    "Klimatilpasning": "Overvann og flomveier i eldre sentrumsområder.",
    "Arealplanlegging": "Hvordan vi lager arealplaner som tar vare på matjord og natur.",
    "Kommuneplanlegging": "Planstrategi og samfunnsdelen i små kommuner.",
    "Hydrogen": "Hva som skal til for å bygge fyllestasjoner for hydrogen.",
    "Offentlige anskaffelser": "Innovative anskaffelser og klimakrav i anbud.",
    "Kunstig intelligens": "Hvordan KI kan brukes trygt i saksbehandling.",
    "Innbyggerinvolvering": "Medvirkning med barn og unge i planarbeid.",
    "Reiseliv": "Helårsturisme og samarbeid mellom reiselivsbedrifter.",
    "EU-prosjekter": "Søknader til Interreg og Horisont Europa.",
    "Digitalisering": "Felles digitale løsninger for kommunene.",
    "Folkehelse": "Folkehelseoversikter og tiltak for fysisk aktivitet.",
    "Næringsutvikling": "Hvordan kommunen kan hjelpe nye bedrifter i gang.",
    "Statistikk og analyse": "Befolkningsframskrivinger og kunnskapsgrunnlag for planer.",
}

# name, kind, cadence, visibility, owner's organisation, participating organisations
