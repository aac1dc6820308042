"""Reads for the warehouse domain: known touchpoints, a data file validated as it is, the
preview of an import."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxpilot.kernel import roles
from cxpilot.kernel.errors import ValidationError, WarehouseBusy
from cxpilot.kernel.roles import Actor
from cxpilot.organisation.models import Touchpoint
from cxpilot.warehouse import survey_tools
from cxpilot.warehouse.files import read_file, read_mapping
from cxpilot.warehouse.ingest import count_present
from cxpilot.warehouse.schema import table as table_spec
from cxpilot.warehouse.validate import Validated, check_date_order, validate


def file_read(*, path: Path) -> Any:
    """A CSV, Parquet or JSON Lines file read as imports read it (``files.read_file``: its
    encodings, delimiters and errors), its columns as text, with where each row comes from
    (``RawTable``). For other domains that read a user's file without importing it."""
    return read_file(Path(path))


def touchpoint_lookup() -> dict[str, str]:
    """Lower-cased touchpoint keys and names -> key."""
    lookup: dict[str, str] = {}
    for key, name in Touchpoint.objects.values_list("key", "name"):
        lookup[name.lower()] = key
        lookup[key.lower()] = key
    return lookup


def file_validated(
    *,
    table: str,
    path: Path,
    mapping_path: Path | None = None,
    source: str | None = None,
    touchpoints: dict[str, str] | None = None,
    add_touchpoints: bool = False,
    survey_tool: str | None = None,
    date_order: str = "ymd",
    touchpoint: str | None = None,
    keep_test_responses: bool = False,
) -> Validated:
    """Read and validate a file in a table's import format, writing nothing.

    With ``touchpoints=None`` the file is taken as it is (no organisation model needed): this
    is how analysis commands read ``--file FILE``.

    With ``survey_tool`` (qualtrics, surveymonkey, typeform, google-forms) the file is that
    tool's CSV export, read into ``responses`` rows (``mapping_path`` is then a survey
    mapping); the plan of what each column became is ``survey_tools.plan_of(result)``;
    ``touchpoint`` is the touchpoint of the answers that nothing more precise places (it
    takes the place of the mapping's). There ``date_order`` dmy or mdy reads its day/month
    dates in that order (ymd: the mapping or the dates tell), and its test, preview and spam
    responses are left out unless ``keep_test_responses``.
    """
    spec = table_spec(table)
    check_date_order(date_order)
    if touchpoint is not None and survey_tool is None:
        raise ValidationError(
            "--touchpoint goes with --from (a survey tool's export); a file in the import "
            "format names each answer's touchpoint in its touchpoint column",
            where="--touchpoint",
        )
    if survey_tool is not None:
        survey_tools.check_tool(survey_tool)
        if spec.name != "responses":
            raise ValidationError(
                f"a survey tool's export holds survey answers: import it into responses, not {table}",
                where="--from",
            )
        survey_mapping = (
            survey_tools.read_survey_mapping(mapping_path)
            if mapping_path
            else survey_tools.SurveyMapping(where="--mapping")
        )
        if touchpoint is not None:
            survey_mapping.touchpoint = _touchpoint_given(touchpoint, touchpoints, add_touchpoints)
            survey_mapping.touchpoint_why = "--touchpoint"
        export = survey_tools.read_export(
            path,
            tool=survey_tool,
            mapping=survey_mapping,
            touchpoints=touchpoints,
            date_order=date_order if date_order in ("dmy", "mdy") else None,
            keep_test_responses=keep_test_responses,
        )
        checked = validate(
            export,
            spec,
            default_source=source or survey_tool,
            touchpoints=touchpoints,
            add_touchpoints=add_touchpoints,
            date_order=None,  # the tool's reader reads its own dates
        )
        survey_tools.relocate_problems(checked)
        return checked
    mapping = read_mapping(mapping_path) if mapping_path else None
    raw = read_file(path, mapping=mapping)
    return validate(
        raw,
        spec,
        default_source=source or "file",
        touchpoints=touchpoints,
        add_touchpoints=add_touchpoints,
        date_order=date_order,
    )


def _touchpoint_given(given: str, touchpoints: dict[str, str] | None, add_touchpoints: bool) -> str:
    """The touchpoint key ``--touchpoint`` names (a key or a name, any case)."""
    text = given.strip()
    if not text:
        raise ValidationError("name a touchpoint (its key or name)", where="--touchpoint")
    if touchpoints is None:
        return text
    key = touchpoints.get(text.lower())
    if key is not None:
        return key
    if add_touchpoints:
        return text
    known = ", ".join(sorted(set(touchpoints.values()))) or "none yet"
    shown = text if len(text) <= 60 else text[:59] + "…"
    raise ValidationError(
        f"unknown touchpoint {shown!r}; the organisation's touchpoints are: {known} "
        "(or add it with --add-touchpoints)",
        where="--touchpoint",
    )


@dataclass
class ImportPreview:
    """What importing a file would do, written nowhere: the rows, their problems, with a survey
    tool's export the plan of what each column becomes, and the first rows as they would be
    imported."""

    table: str
    path: str
    rows: int
    rows_rejected: int
    touchpoints_added: list[str]
    problem_count: int
    problems: list[dict[str, Any]]
    survey: dict[str, Any] | None  # the plan's summary (survey tool's export), else None
    mapping: list[dict[str, str]] | None  # what each column becomes (survey tool's export)
    preview: list[dict[str, Any]]  # the first rows, as they would be imported
    #: valid rows already in the warehouse (same source and id), which an import skips; None
    #: when the warehouse cannot be read now (held by a running server)
    rows_already_present: int | None = None
    plan: survey_tools.SurveyPlan | None = field(default=None, repr=False)
    validated: Validated | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of ``cxpilot import --dry-run`` (stable keys)."""
        return {
            "dry_run": True,
            "table": self.table,
            "path": self.path,
            "rows": self.rows,
            "rows_rejected": self.rows_rejected,
            "touchpoints_added": self.touchpoints_added,
            "problem_count": self.problem_count,
            "problems": self.problems,
            "survey": self.survey,
            "mapping": self.mapping,
            "preview": self.preview,
            "rows_already_present": self.rows_already_present,
        }

    def raise_if_bad(self) -> None:
        """Raise the error importing the file would raise (with its ``problems``)."""
        if self.validated is not None:
            self.validated.raise_if_bad()


def import_preview(
    *,
    table: str,
    path: Path,
    mapping_path: Path | None = None,
    source: str | None = None,
    add_touchpoints: bool = False,
    survey_tool: str | None = None,
    actor: Actor = None,
    date_order: str = "ymd",
    touchpoint: str | None = None,
    keep_test_responses: bool = False,
) -> ImportPreview:
    """Read and validate a file as ``table_import`` would (against the organisation's
    touchpoints), writing nothing. ``source`` defaults to the survey tool, else ``import``."""
    roles.require(actor, "organisation.import_data")
    checked = file_validated(
        table=table,
        path=path,
        mapping_path=mapping_path,
        source=source or survey_tool or "import",
        touchpoints=touchpoint_lookup(),
        add_touchpoints=add_touchpoints,
        survey_tool=survey_tool,
        date_order=date_order,
        touchpoint=touchpoint,
        keep_test_responses=keep_test_responses,
    )
    plan = survey_tools.plan_of(checked)
    try:
        present: int | None = count_present(table=table, data=checked.good)
    except WarehouseBusy:
        present = None
    return ImportPreview(
        table=table,
        path=str(path),
        rows=checked.raw.num_rows,
        rows_rejected=int(checked.bad.sum()),
        touchpoints_added=checked.new_touchpoints,
        problem_count=checked.problem_count,
        problems=[p.as_dict() for p in checked.problems],
        survey=plan.summary() if plan else None,
        mapping=plan.mapping_rows() if plan else None,
        preview=survey_tools.preview_rows(checked.data),
        rows_already_present=present,
        plan=plan,
        validated=checked,
    )


def inbox_pending() -> int:
    """How many collected records wait in the inbox to be flushed to the warehouse."""
    from cxpilot.warehouse.models import InboxItem

    return InboxItem.objects.filter(flushed_at__isnull=True).count()
