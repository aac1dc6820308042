"""Responses that are no customer's answer: the test, preview and spam responses a tool marks
in its export, left out of an import unless the user keeps them.

Only Qualtrics marks them. Its ``Status`` column (Response Type) holds, as text or as a
number (numeric-values exports), ``IP Address`` (0) for a response taken through a
distribution, ``Survey Preview`` (1) for one taken in the survey's preview, ``Survey Test``
(2) for one made by *Generate test responses*, ``Spam`` (8) for one its spam check flagged,
and ``Offline`` (4) or ``Imported`` (16) for real responses taken offline or imported; its
``DistributionChannel`` says ``preview`` or ``test`` for the first two. SurveyMonkey,
Typeform and Google Forms put no such mark in their exports (Typeform and SurveyMonkey do not
record a preview; a Google Forms response sent from the preview is an ordinary row).
"""

from __future__ import annotations

from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.survey_tools.common import Export, ExportColumn, LeftOut, SurveyPlan

#: What leaves a response out, in the order they are told.
KINDS = ("test", "preview", "spam")
#: Qualtrics's Status values (lower-cased text, or number): what the response is; None: real.
QUALTRICS_STATUS: dict[str, str | None] = {
    "ip address": None,
    "0": None,
    "survey preview": "preview",
    "1": "preview",
    "survey test": "test",
    "2": "test",
    "offline": None,
    "4": None,
    "spam": "spam",
    "8": "spam",
    "imported": None,
    "16": None,
}
#: Qualtrics's DistributionChannel values that mark a response as no customer's.
QUALTRICS_CHANNELS: dict[str, str] = {"preview": "preview", "test": "test"}
KEEP_OPTION = "--keep-test-responses"


def screen_export(export: Export, plan: SurveyPlan, *, keep: bool) -> None:
    """Mark in ``plan`` the respondents that are tests, previews or spam (left out unless
    ``keep``), with a note saying how many and why."""
    if export.tool != "qualtrics":
        return
    status = _column(export, "status", "Status")
    channel = _column(export, "distributionChannel", "DistributionChannel")
    if status is None and channel is None:
        return
    counts: dict[tuple[str, str], int] = {}
    rows: set[int] = set()
    for i, (row, line) in enumerate(zip(export.rows, export.lines, strict=True)):
        found = _status_kind(export, status, row, line, keep) if status is not None else None
        if found is None and channel is not None:
            kind = QUALTRICS_CHANNELS.get(row[channel.index].strip().lower())
            found = (kind, channel.name) if kind else None
        if found is not None:
            counts[found] = counts.get(found, 0) + 1
            rows.add(i)
    plan.left_out = [
        LeftOut(kind, column, counts[kind, column])
        for column in (c.name for c in (status, channel) if c is not None)
        for kind in KINDS
        if (kind, column) in counts
    ]
    plan.test_responses_kept = keep
    if keep:
        if plan.left_out:
            plan.notes.append(f"{_told(plan.left_out, 'kept')}, as {KEEP_OPTION} asks")
        return
    plan.left_out_rows = rows
    note = left_out_note(plan)
    if note:
        plan.notes.append(note)
    for col in (status, channel):
        if col is not None and col.name in plan.whys:
            plan.whys[col.name] += "; test, preview and spam responses left out"
        elif col is not None:
            plan.whys[col.name] = "test, preview and spam responses left out"


def left_out_note(plan: SurveyPlan | None) -> str | None:
    """What an import leaves out, in a sentence (None: nothing)."""
    if plan is None or plan.test_responses_kept or not plan.left_out:
        return None
    return left_out_sentence(plan.left_out)


def left_out_sentence(left_out: list[LeftOut]) -> str:
    """'75 test responses and 1 preview response left out (Status): --keep-test-responses
    keeps them'."""
    return f"{_told(left_out, 'left out')}: {KEEP_OPTION} keeps them"


def _column(export: Export, import_id: str, name: str) -> ExportColumn | None:
    """The column of a Qualtrics field, by its ImportId (else by its usual name)."""
    for col in export.columns:
        if col.import_id == import_id:
            return col
    return next((c for c in export.columns if c.name == name), None)


def _status_kind(
    export: Export, status: ExportColumn, row: list[str], line: int, keep: bool
) -> tuple[str, str] | None:
    value = row[status.index].strip()
    if not value:
        return None
    lowered = value.lower()
    if lowered not in QUALTRICS_STATUS:
        if keep:
            return None
        raise ValidationError(
            f"the Status {value!r} is not a response type CX Pilot knows (IP Address, Survey "
            "Preview, Survey Test, Spam, Offline, Imported, or 0, 1, 2, 8, 4, 16): it cannot tell "
            f"whether this is a customer's response; {KEEP_OPTION} imports every response "
            "whatever its Status",
            where=f"{export.path}:line {line}:{status.name}",
        )
    kind = QUALTRICS_STATUS[lowered]
    return (kind, status.name) if kind else None


def _told(left_out: list[LeftOut], done: str) -> str:
    """'75 test responses and 1 preview response left out (Status)', a part per column."""
    by_column: dict[str, list[str]] = {}
    for item in left_out:
        noun = "response" if item.respondents == 1 else "responses"
        by_column.setdefault(item.column, []).append(f"{item.respondents} {item.kind} {noun}")
    parts = []
    for column, items in by_column.items():
        listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
        parts.append(f"{listed} {done} ({column})")
    return "; ".join(parts)
