"""The demo's planted app release (docs/demo-data.md, (e)): app CES 3.96 → 5.44 from
2025-09-15. An initiative "new app" on the ``app`` touchpoint started that day recovers it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cxpilot.cli import app

pytestmark = pytest.mark.slow
runner = CliRunner()


def test_the_new_app_initiative_recovers_the_planted_ces_change(transactional_db) -> None:
    from cxpilot.demo.services import demo_generate

    demo_generate(customers=20_000, seed=42)
    added = runner.invoke(
        app,
        [
            "initiatives", "add", "--name", "new app", "--touchpoint", "app",
            "--metric", "ces", "--start", "2025-09-15", "--format", "json",
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    pk = json.loads(added.stdout)["id"]
    out = runner.invoke(app, ["initiatives", "effect", str(pk), "--format", "json"])
    assert out.exit_code == 0, out.output
    found = json.loads(out.stdout)
    assert found["method"] == "did"
    assert 1.0 <= found["effect"] <= 1.8
    assert found["ci_low"] > 0
    # the comparison touchpoints moved together with the app before the release
    assert found["parallel_trends"]["holds"]
    # its return, valued from the demo's customer values (computed by the demo)
    assert found["basis"] == "data", found["basis_note"]
    assert found["customers_basis"] == "data" and found["customers_reached"] > 1000
    assert found["return"] is not None
    assert found["return_ci_low"] < found["return"] < found["return_ci_high"]
    # the demo plants no link from the app's experience to churn (only a bad call drives
    # churn, docs/demo-data.md (b)): the relation holds 0, and so does the return
    valuation = found["valuation"]
    assert valuation["slope_ci_low"] < 0 < valuation["slope_ci_high"]
    assert found["return_ci_low"] < 0 < found["return_ci_high"]
    # where the demo does plant it, on the call centre, a CES point is worth money
    from cxpilot.value.selectors import kpi_point_value
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        call = kpi_point_value(con, metric="ces", touchpoints=["call_centre"])
    assert call.slope.ci_high < 0  # an easier call, less churn
    assert call.value.ci_low > 0
