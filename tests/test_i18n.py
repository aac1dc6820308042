"""The French translation is complete, and the committed .mo is compiled from the .po."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings

pytestmark = pytest.mark.pure

LOCALE = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES"
#: The project catalogue, then each domain's own (``<app>/locale``, made by running
#: ``django-admin makemessages -l fr`` inside the app's folder).
CATALOGUES = [LOCALE, *sorted(LOCALE.parents[2].glob("*/locale/fr/LC_MESSAGES"))]


def _entries(catalog: polib._BaseFile) -> dict[tuple[str | None, str], object]:
    out: dict[tuple[str | None, str], object] = {}
    for entry in catalog:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
            continue
        value = entry.msgstr_plural if entry.msgid_plural else entry.msgstr
        if isinstance(value, dict):
            value = {int(k): v for k, v in value.items()}
        out[(entry.msgctxt, entry.msgid)] = value
    return out


def test_the_project_catalogue_is_the_big_one() -> None:
    assert len(polib.pofile(str(LOCALE / "django.po"))) > 100


@pytest.mark.parametrize("locale", CATALOGUES, ids=lambda p: p.parents[2].name)
def test_every_french_entry_is_translated(locale: Path) -> None:
    po = polib.pofile(str(locale / "django.po"))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("locale", CATALOGUES, ids=lambda p: p.parents[2].name)
def test_committed_mo_matches_the_po(locale: Path) -> None:
    po = polib.pofile(str(locale / "django.po"))
    compiled = polib.mofile(po.to_binary())  # compiled in memory
    committed = polib.mofile(str(locale / "django.mo"))
    assert _entries(committed) == _entries(compiled)
    assert _entries(committed) == _entries(po)


def test_model_names_and_choices_are_french() -> None:
    from django.utils import translation

    from cxpilot.organisation.models import Channel, Department, Phase, Touchpoint

    with translation.override("fr"):
        assert str(Touchpoint._meta.verbose_name_plural) == "points de contact"
        assert str(Department._meta.verbose_name) == "département"
        assert str(Phase.BEFORE.label) == "Avant l’achat"
        assert str(Channel.STORE.label) == "Magasin"
