"""CLI tables in an 80-column terminal: no cell cut to "c…", what does not fit named."""

from __future__ import annotations

import pytest

from cxpilot.kernel.output import Format, emit

pytestmark = pytest.mark.pure

ROWS = [
    {
        "touchpoint": "loyalty_programme",
        "month": f"2026-{m:02d}",
        "metric": "nps",
        "n": 1234,
        "score": -12.345,
        "se": 3.21,
        "ci_low": -18.7,
        "ci_high": -6.0,
        "previous": 10.5,
        "delta": -22.8,
        "p_value": 0.0001,
        "significant": True,
        "examples": "La livraison est arrivée avec trois jours de retard et personne ne répond",
    }
    for m in range(1, 4)
]


def test_a_wide_table_fits_80_columns_without_cutting_a_cell(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    emit(ROWS, Format.table, title="NPS")
    out, err = capsys.readouterr()
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    for value in ("loyalty_programme", "2026-03", "1234", "-12.35"):
        assert value in out  # the row's name and its figures, whole
    assert "more column(s) do not fit in 80 characters" in err
    assert "--format csv" in err and "examples" in err


def test_a_wide_terminal_shows_every_column(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "400")
    emit(ROWS, Format.table)
    out, err = capsys.readouterr()
    assert "p_value" in out and "examples" in out and err == ""


def test_json_writes_nan_and_infinities_null(capsys):
    """NaN and infinities are not JSON: an undefined figure is written null."""
    import json
    import math

    emit({"a": math.nan, "b": [1.5, math.inf, {"c": -math.inf}], "d": "x"}, Format.json)
    out = json.loads(capsys.readouterr().out)
    assert out == {"a": None, "b": [1.5, None, {"c": None}], "d": "x"}


def test_csv_and_table_write_nan_and_infinities_empty(capsys):
    """An undefined figure is an empty cell in CSV and in the table, never "nan" or "inf"."""
    import math

    import numpy as np

    emit([{"a": math.nan, "b": np.float64("inf"), "c": 2.5}], Format.csv)
    out = capsys.readouterr().out.splitlines()
    assert out == ["a,b,c", ",,2.50"]
    emit([{"a": math.nan, "b": -math.inf, "c": 3.0}], Format.table)
    out = capsys.readouterr().out
    assert "nan" not in out and "inf" not in out and "3" in out
