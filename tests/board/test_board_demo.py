"""The board of March 2026 on the demo company shows the planted delivery incident
(docs/demo-data.md, (a)): the website NPS and the delivery CSAT dropped significantly
against February."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cxpilot.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()


def test_the_march_2026_board_shows_the_delivery_incident(transactional_db) -> None:
    from cxpilot.demo.services import demo_generate

    demo_generate(customers=20_000, seed=42)
    out = runner.invoke(app, ["board", "--month", "2026-03", "--format", "json"])
    assert out.exit_code == 0, out.output
    found = json.loads(out.stdout)
    kpis = {k["kpi"]: k for k in found["kpis"]}
    website, delivery = kpis["nps.touchpoint.website"], kpis["csat.touchpoint.delivery"]
    assert website["significant"] is True and website["change"] < 0
    assert delivery["significant"] is True and delivery["change"] < 0
    # the size of the drops the demo documents: website NPS about +17 → −12, delivery CSAT
    # falling (a mean of 4.06 → 3.73; here the share satisfied)
    assert -35 < website["change"] < -10
    assert website["value"] < 0 < website["previous"]
    # the promise of a delivery in 48 h was kept less often
    promise = next(k for key, k in kpis.items() if key.startswith("promise.livraison"))
    assert promise["change"] < 0 and promise["significant"] is True
    # the alerts of the incident, and the website's top irritant: late deliveries
    assert {(a["metric"], a["touchpoint"]) for a in found["alerts"]} >= {("nps", "website")}
    top = next(r for r in found["irritants"] if r["touchpoint"] == "website")
    assert "deliver" in top["label"] or "livr" in top["label"]
    # what was known at the end of March 2026 only: the churn scores (as of the demo's last
    # month) come later, the equity history has a point before; the campaign of 2025-11
    assert kpis["churn.rate"]["value"] is None and "after this month" in kpis["churn.rate"]["note"]
    assert kpis["value.equity"]["value"] is not None
    assert found["maturity"]["level"] is not None and "2025-11" in found["maturity"]["campaign"]
    # the yearly relationship survey is apart from the overall NPS
    assert kpis["nps.relationship"]["value"] is None
    assert "nps.touchpoint.relation" not in kpis
    october = json.loads(runner.invoke(app, ["board", "--month", "2026-10", "-f", "json"]).stdout)
    relation = next(k for k in october["kpis"] if k["kpi"] == "nps.relationship")
    assert relation["value"] is not None and relation["n"] > 300
    assert relation["previous"] is None and "no answers in 2026-09" in relation["note"]
    # the JSON contract: each KPI carries the fields docs/board.md names
    contract = {"kpi", "value", "ci_low", "ci_high", "previous", "change", "significant"}
    assert all(contract | {"target", "status"} <= set(k) for k in found["kpis"])
    # the same board as a PDF, in French, drawn into images page by page
    _the_pdf_renders_as_images()


def _the_pdf_renders_as_images() -> None:
    import tempfile
    from pathlib import Path

    import numpy as np
    import pypdfium2 as pdfium

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "board.pdf"
        out = runner.invoke(
            app,
            ["board", "--month", "2026-03", "--format", "pdf", "--language", "fr", "-o", str(path)],
        )
        assert out.exit_code == 0, out.output
        pdf = pdfium.PdfDocument(str(path))
        try:
            assert len(pdf) >= 2
            text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
            assert "mars 2026" in text.lower() or "2026-03" in text
            assert "Site web" in text  # the touchpoints by their French names
            assert "Median time to close a case" not in text  # the labels in French
            assert "Green: the value meets" not in text
            for i in range(len(pdf)):
                image = np.asarray(pdf[i].render(scale=1).to_pil().convert("L"))
                assert image.shape[0] > 500 and image.shape[1] > 500
                assert image.min() < 128  # something is drawn on every page
        finally:
            pdf.close()
