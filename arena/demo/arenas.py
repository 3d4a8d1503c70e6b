# ruff: noqa: E501 - one record a line reads best for demo data
"""Demo collaboration arenas: forums and networks of the region."""

ARENAS = [
    (
        "Klimanettverket i Grenland",
        "network",
        "monthly",
        "public",
        "Porsgrunn kommune",
        ["Skien kommune", "Bamble kommune", "Siljan kommune"],
    ),
    (
        "Næringsforum Vestfold",
        "forum",
        "quarterly",
        "public",
        "Vestfold og Telemark fylkeskommune",
        ["Tønsberg kommune", "Sandefjord kommune", "Larvik kommune", "NHO Vestfold og Telemark"],
    ),
    (
        "Planforum Telemark",
        "forum",
        "biweekly",
        "public",
        "Statsforvalteren i Vestfold og Telemark",
        ["Notodden kommune", "Tinn kommune", "Seljord kommune"],
    ),
    (
        "Arbeidsgruppe for innkjøp",
        "working_group",
        "weekly",
        "members",
        "Skien kommune",
        ["Porsgrunn kommune", "KS Vestfold og Telemark"],
    ),
    (
        "Reiselivsnettverket Vest-Telemark",
        "network",
        "monthly",
        "public",
        None,
        ["Vinje kommune", "Tokke kommune", "Kviteseid kommune"],
    ),
]
