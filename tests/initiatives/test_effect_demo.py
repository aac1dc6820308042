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
    # its return, valued from the demo's customer values (computed by the demo): a CES point
    # on the app keeps customers, each worth their 12-month margin
    assert found["basis"] == "data", found["basis_note"]
    assert found["customers_basis"] == "data" and found["customers_reached"] > 1000
    assert found["return"] is not None
    assert found["return_ci_low"] < found["return"] < found["return_ci_high"]
    print(json.dumps({k: v for k, v in found.items() if k != "series"}, indent=1, default=str))
