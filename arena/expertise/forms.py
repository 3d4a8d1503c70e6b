"""Forms for expertise on the profile, the colleague finder's contact form and area admin."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from arena.forms import Form, Select, choices, max_length, optional, required


def level_labels() -> dict[int, str]:
    return {1: _l("Interessert"), 2: _l("Erfaren"), 3: _l("Ekspert")}


def level_choices():
    return choices([(level, label) for level, label in level_labels().items()])


class AddExpertiseForm(Form):
    area = StringField(
        _l("Fagområde"),
        description=_l("Skriv og velg fra lista. Finnes det ikke, kan du foreslå det."),
        validators=[required(), max_length(100)],
    )
    area_id = HiddenField()
    propose = HiddenField()
    level = Select(_l("Nivå"), coerce=int, validators=[required()])
    note = StringField(
        _l("Merknad"),
        description=_l("Valgfritt: hva du har gjort, for eksempel «ledet ROS-analysen i 2024»."),
        validators=[optional(), max_length(300)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = level_choices()


class EditExpertiseForm(Form):
    level = Select(_l("Nivå"), coerce=int, validators=[required()])
    note = StringField(_l("Merknad"), validators=[optional(), max_length(300)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = level_choices()


class ContactForm(Form):
    subject = StringField(_l("Emne"), validators=[required(), max_length(150)])
    message = TextAreaField(
        _l("Melding"),
        description=_l("Fortell kort hva du trenger hjelp til. Svaret kommer til e-posten din."),
        validators=[required(), max_length(3000)],
    )


class AreaForm(Form):
    name = StringField(_l("Navn (bokmål)"), validators=[required(), max_length(100)])
    name_nn = StringField(
        _l("Navn (nynorsk)"),
        description=_l("Tomt hvis det er likt."),
        validators=[optional(), max_length(100)],
    )
    name_en = StringField(
        _l("Navn (engelsk)"),
        validators=[optional(), max_length(100)],
    )
    synonyms = TextAreaField(
        _l("Andre navn"),
        description=_l(
            "Synonymer, forkortelser, gamle navn og vanlige skrivefeil på alle språk, skilt med "
            "komma, for eksempel «KI, AI, maskinlæring»."
        ),
        validators=[optional(), max_length(1000)],
    )
    broader = StringField(
        _l("Bredere fagområder"),
        description=_l("Navn på fagområder dette er en del av, skilt med komma."),
        validators=[optional(), max_length(1000)],
    )
    related = StringField(
        _l("Beslektede fagområder"),
        description=_l(
            "Navn skilt med komma. Et søk på dette fagområdet finner også dem som kan de "
            "beslektede og de smalere fagområdene, litt lenger ned i lista."
        ),
        validators=[optional(), max_length(1000)],
    )


class MergeAreaForm(Form):
    target = Select(
        _l("Slå sammen med"),
        description=_l("Alle som har dette fagområdet, og alle initiativ med det, flyttes dit."),
        validators=[required()],
    )


class ImportForm(Form):
    file = FileField(
        _l("CSV-fil"),
        description=_l(
            "Overskrift: email,name,organisation,organisation_kind,municipality,title,"
            "expertise,ask_me_about. Kompetanse skrives som «Fagområde:nivå;Fagområde:nivå»."
        ),
    )
    confirm = BooleanField(_l("Jeg har sett forhåndsvisningen og vil importere"))
    content = HiddenField()
