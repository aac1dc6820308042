"""The board's pages through HTTP, with the board's selectors and services replaced by the
hand-built board of ``conftest``: the sections in order, the month picker and its error, the
comment, the targets and the mailing forms with their errors, the roles, the downloads."""

from __future__ import annotations

import pytest

from cxpilot.board.models import BoardMailing
from tests.board import conftest
from tests.hostile import HOSTILE, HOSTILE_ESCAPED

pytestmark = pytest.mark.django_db


def test_the_board_shows_every_section_in_order(fake_board, viewer) -> None:
    page = viewer.get("/board/")
    assert page.status_code == 200
    html = page.content.decode()
    headings = [
        'id="comment-heading"', 'id="headline-heading"', 'id="voice-heading"',
        'id="group-outcome"', 'id="group-effort"', 'id="group-loop"', 'id="irritants-heading"',
        'id="moments-heading"', 'id="alerts-heading"', 'id="maturity-heading"',
        'id="initiatives-heading"', 'id="rule-heading"',
    ]  # fmt: skip
    positions = [html.index(h) for h in headings]
    assert positions == sorted(positions)
    assert "March 2026" in html
    # the headline: value, interval, change with its marker, target and the status in words
    assert "31.2" in html and "27.0 – 35.4" in html and "−5.3" in html and "▼" in html
    assert "Off target" in html and "Close to target" in html and "On target" in html
    # a KPI without a value shows its note
    assert "Pas de modèle d’attrition" in html or "Pas de mod&egrave;le" in html
    assert "Délais de livraison" in html and "6.4" in html
    assert "Vert si la cible est atteinte" in html
    # the charts and their numbers, the downloads
    for name in ("voice_nps", "voice_ces", "voice_csat", "irritants", "departments"):
        assert f'id="spec-{name}"' in html
        assert f"/board/2026-03/{name}.png" in html
    assert "/board/2026-03.pdf" in html
    assert 'href="/board/"' in html  # the menu entry
    # a viewer reads the comment and has no form nor the CX lead's links
    assert "Le site web a reculé" in html
    assert "/board/2026-03/comment/" not in html and "/board/targets/" not in html


def test_a_month_is_picked_and_a_bad_one_is_a_form_error(fake_board, viewer) -> None:
    page = viewer.get("/board/?month=2026-02")
    assert page.status_code == 200 and "February 2026" in page.content.decode()
    for bad in ("2031-13", "nonsense", HOSTILE, "2025-01"):
        page = viewer.get("/board/", {"month": bad})
        assert page.status_code == 400
        html = page.content.decode()
        assert 'id="month-error"' in html and "pick one of the months listed" in html
        assert HOSTILE not in html


def test_a_selector_refusal_is_shown_on_the_form(fake_board, viewer) -> None:
    from cxpilot.kernel.errors import ValidationError

    fake_board["fail"] = ValidationError("the warehouse holds no answer yet", where="month")
    page = viewer.get("/board/")
    assert page.status_code == 400
    assert "the warehouse holds no answer yet" in page.content.decode()


def test_without_the_role_the_board_is_refused(fake_board, client_as) -> None:
    nobody = client_as(None)
    assert nobody.get("/board/").status_code == 403
    assert nobody.get("/board/2026-03.pdf").status_code == 403
    assert nobody.get("/board/1999-01.pdf").status_code == 403  # not even which months exist
    assert nobody.get("/board/2026-03/voice_nps.png").status_code == 403


def test_the_cx_lead_writes_the_comment_and_it_is_escaped(fake_board, lead, viewer) -> None:
    html = lead.get("/board/").content.decode()
    assert 'action="/board/2026-03/comment/"' in html
    saved = lead.post("/board/2026-03/comment/", {"text": f"{HOSTILE} Très bien"})
    assert saved.status_code == 302 and saved["Location"] == "/board/?month=2026-03"
    assert fake_board["comments"]["2026-03"] == f"{HOSTILE} Très bien"
    html = viewer.get("/board/").content.decode()
    assert HOSTILE_ESCAPED in html and HOSTILE not in html
    too_long = lead.post("/board/2026-03/comment/", {"text": "x" * 5001})
    assert too_long.status_code == 400
    assert fake_board["comments"]["2026-03"] == f"{HOSTILE} Très bien"


def test_a_viewer_cannot_write_a_comment_or_targets(fake_board, viewer) -> None:
    assert viewer.post("/board/2026-03/comment/", {"text": "no"}).status_code == 403
    assert viewer.get("/board/targets/").status_code == 403
    assert viewer.post("/board/targets/", {"kpi": "nps", "target": "1"}).status_code == 403
    assert viewer.get("/board/mailing/").status_code == 403
    assert fake_board["calls"] == []


def test_the_comment_of_an_unknown_month_is_refused(fake_board, lead) -> None:
    assert lead.post("/board/1999-01/comment/", {"text": "x"}).status_code == 404
    assert fake_board["calls"] == []


def test_targets_are_set_and_their_errors_shown_per_field(fake_board, lead) -> None:
    page = lead.get("/board/targets/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('name="target"') == len(conftest.make_board().kpis)
    assert "Vert si la cible est atteinte" in html
    saved = lead.post("/board/targets/", {"kpi": "ces", "target": "5.2", "tolerance": "0.1"})
    assert saved.status_code == 302
    assert fake_board["targets"]["ces"] == (5.2, 0.1)
    bad = lead.post("/board/targets/", {"kpi": "ces", "target": "abc", "tolerance": "-1"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Enter a number." in html and "greater than or equal to 0" in html
    missing = lead.post("/board/targets/", {"kpi": "nps", "target": "", "tolerance": "1"})
    assert missing.status_code == 400 and "Enter the target." in missing.content.decode()
    unknown = lead.post("/board/targets/", {"kpi": "nope", "target": "1"})
    assert unknown.status_code == 400 and "no such KPI" in unknown.content.decode()
    assert fake_board["targets"] == {"ces": (5.2, 0.1)}
    removed = lead.post("/board/targets/", {"kpi": "ces", "action": "delete"})
    assert removed.status_code == 302 and fake_board["targets"] == {}


def test_the_mailing_settings(fake_board, lead) -> None:
    assert lead.get("/board/mailing/").status_code == 200
    data = {"recipients": "a@example.com\nb@example.com", "day": "5", "language": "fr",
            "enabled": "on"}  # fmt: skip
    assert lead.post("/board/mailing/", data).status_code == 302
    row = BoardMailing.current()
    assert (row.recipients, row.day, row.language, row.enabled) == (
        "a@example.com\nb@example.com", 5, "fr", True,
    )  # fmt: skip
    bad = lead.post("/board/mailing/", {**data, "recipients": "not-an-address", "day": "6"})
    assert bad.status_code == 400 and "not an e-mail address" in bad.content.decode()
    assert lead.post("/board/mailing/", {**data, "day": "31"}).status_code == 400
    row.refresh_from_db()
    assert row.day == 5 and row.recipients == "a@example.com\nb@example.com"


def test_the_pdf_and_the_pngs_download(fake_board, viewer) -> None:
    pdf = viewer.get("/board/2026-03.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert (
        pdf.content.startswith(b"%PDF")
        and 'filename="board-2026-03.pdf"' in pdf["Content-Disposition"]
    )
    png = viewer.get("/board/2026-03/voice_nps.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert viewer.get("/board/2026-03/nope.png").status_code == 404
    assert viewer.get("/board/1999-01.pdf").status_code == 404


def test_the_page_in_french(fake_board, viewer) -> None:
    viewer.cookies["django_language"] = "fr"
    html = viewer.get("/board/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Tableau de bord de direction" in html and "mars 2026" in html
    assert "31,2" in html and "Hors cible" in html


def test_bad_addresses_say_what_was_wrong(fake_board, viewer, lead) -> None:
    pdf = viewer.get("/board/2024-13.pdf")
    assert pdf.status_code == 404
    assert "There is no board for the month 2024-13." in pdf.content.decode()
    png = viewer.get("/board/2026-03/x.png")
    html = png.content.decode()
    assert png.status_code == 404 and "There is no chart named x on this board" in html
    assert "voice_nps, voice_ces, voice_csat, irritants, departments" in html
    long = viewer.get("/board/" + "9" * 300 + ".pdf").content.decode()
    reason = long.split('id="not-found-reason"', 1)[1].split("</p>", 1)[0]
    assert "9" * 39 + "…" in reason and "9" * 41 not in reason
    # a target that is not there: a message on the targets page, not a 404 page
    gone = lead.post("/board/targets/", {"kpi": "nps", "action": "delete"}, follow=True)
    assert gone.status_code == 200 and "had no target, so there was none to remove" in (
        gone.content.decode()
    )
    # the month typed in the address is echoed cut short and without control characters
    echoed = viewer.get("/board/", {"month": "2024-13" + "x" * 5000 + "\x01\x7f"})
    text = echoed.content.decode().split('id="month-error"', 1)[1].split("</div>", 1)[0]
    assert echoed.status_code == 400 and "x" * 40 not in text and "\x01" not in text
    assert "2024-13" + "x" * 32 + "…" in text
