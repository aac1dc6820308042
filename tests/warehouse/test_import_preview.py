"""The import preview (``selectors.import_preview``): what the dry run and a web page show."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.connection import counts
from cxpilot.warehouse.selectors import import_preview

FIXTURES = Path(__file__).parent / "fixtures" / "survey_tools"
KEYS = [
    "dry_run",
    "table",
    "path",
    "rows",
    "rows_rejected",
    "touchpoints_added",
    "problem_count",
    "problems",
    "survey",
    "mapping",
    "preview",
    "rows_already_present",
]


def test_preview_of_a_survey_export(org):
    path = FIXTURES / "qualtrics_en.csv"
    preview = import_preview(table="responses", path=path, survey_tool="qualtrics")
    shown = preview.as_dict()
    assert list(shown) == KEYS
    assert shown["dry_run"] is True and shown["table"] == "responses"
    assert shown["path"] == str(path)
    assert (preview.rows, preview.rows_rejected, preview.problem_count) == (11, 0, 0)
    assert preview.plan is not None and preview.survey == preview.plan.summary()
    assert preview.survey["respondents"] == 5
    mapping = {row["column"]: row["becomes"] for row in preview.mapping or []}
    assert mapping["Q2"] == "verbatim of Q1"
    assert len(preview.preview) == 5
    assert preview.preview[0]["response_id"] == "R_1a2B3c4D5e6F7g8:Q1"
    assert preview.preview[0]["source"] == "qualtrics"  # the tool is the default source
    preview.raise_if_bad()  # nothing wrong: no error
    assert counts()["responses"] == 0


def test_preview_of_a_plain_file_with_problems(org, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(
        "response_id,customer_id,touchpoint,timestamp,metric,score\n"
        "r1,c1,website,2025-01-01,nps,9\n"
        "r2,c1,nowhere,2025-01-01,nps,19\n"
    )
    preview = import_preview(table="responses", path=path)
    assert (preview.rows, preview.rows_rejected) == (2, 1)
    assert preview.problem_count == len(preview.problems) >= 2
    assert {p["where"] for p in preview.problems} == {f"{path}:line 3"}
    assert preview.survey is None and preview.mapping is None and preview.plan is None
    assert preview.preview[0]["source"] == "import"
    with pytest.raises(ValidationError, match="nothing was imported"):
        preview.raise_if_bad()

    added = import_preview(table="responses", path=path, add_touchpoints=True, source="crm")
    assert added.touchpoints_added == ["nowhere"] and added.preview[0]["source"] == "crm"
    assert counts()["responses"] == 0
