"""The roadmap exports: CSV columns, and a valid PDF holding the action names with accents."""

from __future__ import annotations

import csv
import io
import re
import zlib

from django.urls import reverse
from django.utils import translation

from cxpilot.kernel.pdftext import latin1
from cxpilot.maturity.exports import roadmap_csv, roadmap_pdf


def pdf_text(data: bytes) -> str:
    """The text drawn in a PDF made by fpdf2 (its content streams, inflated), as Latin-1."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(match.group(1)))
        except zlib.error:
            out.append(match.group(1))
    return b"".join(out).decode("latin-1")


def test_pdf_is_valid_and_holds_the_actions():
    row = {"priority": 1, "owner": "Direction", "impact": 5, "effort": 1, "quick_win": True}
    data = roadmap_pdf(
        title="Feuille de route CX : été",
        subtitle="Les gains rapides d’abord",
        headers={"name": "Action", "owner": "Responsable", "impact": "Impact", "effort": "Effort"},
        groups=[
            ("30 jours", [{**row, "name": "Nommer un sponsor", "quick_win_label": "gain rapide"}]),
            ("12 mois", [{**row, "priority": 2, "name": "Réduire l’œuvre", "quick_win": False,
                          "quick_win_label": ""}]),
        ],
    )  # fmt: skip
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
    text = pdf_text(data)
    assert "Nommer un sponsor \\(gain rapide\\)" in text
    assert "été" in text  # é is in Latin-1: drawn as is by the core font
    assert "Réduire l'oeuvre" in text  # ’ and œ are not: written as ' and oe
    assert latin1("plus d’un — 5 €") == "plus d'un - 5 ?"


def test_csv_columns():
    body = roadmap_csv(
        [
            {"horizon": "30 days", "priority": 1, "action": "a", "name": "A", "dimension": "d",
             "impact": 5, "effort": 1, "quick_win": True, "owner": "HR", "prerequisites": ""},
        ]
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows == [
        {"horizon": "30 days", "priority": "1", "action": "a", "name": "A", "dimension": "d",
         "impact": "5", "effort": "1", "quick_win": "yes", "owner": "HR", "prerequisites": ""}
    ]  # fmt: skip


def test_roadmap_downloads_in_french(answered, lead):
    campaign = answered([("service", 1)] * 5)  # every dimension at 0: every action triggered
    with translation.override("fr"):
        response = lead.get(
            reverse("maturity_roadmap_pdf", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="fr"
        )
    text = pdf_text(response.content)
    assert response["Content-Type"] == "application/pdf"
    assert "Feuille de route CX" in text and "30 jours" in text
    assert "Nommer un sponsor CX au comité de direction" in text
    response = lead.get(
        reverse("maturity_roadmap_csv", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 26 and rows[0]["quick_win"] == "yes"
    # owners mapped to the organisation: customer service → the "service" department
    owners = {r["action"]: r["owner"] for r in rows}
    assert owners["close_the_loop"] == "Service client"
