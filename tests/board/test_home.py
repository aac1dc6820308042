"""The board's headline on the home page: tiles with value, change and status for whoever
may see the board; the home page still renders when the headline fails or is empty."""

from __future__ import annotations

import sys
import types

import pytest

from cxpilot.board.kpis import Kpi
from cxpilot.kernel.errors import ValidationError
from tests.board.conftest import make_board

pytestmark = pytest.mark.django_db


def _headline(monkeypatch, func) -> list:
    calls: list = []

    def headline(*, actor, month=None):
        calls.append((actor.username, month))
        return func()

    fake = types.ModuleType("cxpilot.board.selectors")
    fake.headline = headline  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cxpilot.board.selectors", fake)
    import cxpilot.board as package

    monkeypatch.setattr(package, "selectors", fake, raising=False)
    return calls


def _first_three() -> list[Kpi]:
    return [k for k in make_board().kpis if k.kpi in ("nps", "ces", "csat")]


def test_the_home_page_shows_the_headline(monkeypatch, viewer) -> None:
    calls = _headline(monkeypatch, _first_three)
    html = viewer.get("/").content.decode()
    assert calls == [("viewer", None)]
    assert 'id="board-headline-heading"' in html and 'href="/board/"' in html
    assert "31.2" in html and "−5.3" in html and "▼" in html
    assert "Off target" in html and "Close to target" in html and "On target" in html


def test_in_french(monkeypatch, viewer) -> None:
    _headline(monkeypatch, _first_three)
    viewer.cookies["django_language"] = "fr"
    html = viewer.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "31,2" in html and "Hors cible" in html and "Voir tout le tableau de bord" in html


@pytest.mark.parametrize(
    "failure",
    [ValidationError("no board yet", where="month"), RuntimeError("warehouse gone")],
    ids=["validation", "crash"],
)
def test_the_home_page_renders_when_the_headline_fails(monkeypatch, viewer, failure) -> None:
    def fail():
        raise failure

    _headline(monkeypatch, fail)
    page = viewer.get("/")
    assert page.status_code == 200
    assert 'id="board-headline-heading"' not in page.content.decode()


def test_no_headline_without_data(monkeypatch, viewer) -> None:
    _headline(monkeypatch, list)
    page = viewer.get("/")
    assert page.status_code == 200 and 'id="board-headline-heading"' not in page.content.decode()


def test_no_headline_without_the_role(monkeypatch, client_as) -> None:
    calls = _headline(monkeypatch, _first_three)
    page = client_as(None).get("/")
    assert page.status_code == 200 and 'id="board-headline-heading"' not in page.content.decode()
    assert calls == []
