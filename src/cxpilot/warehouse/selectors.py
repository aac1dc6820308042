"""Reads for the warehouse domain: known touchpoints, a data file validated as it is."""

from __future__ import annotations

from pathlib import Path

from cxpilot.kernel.errors import ValidationError
from cxpilot.organisation.models import Touchpoint
from cxpilot.warehouse import survey_tools
from cxpilot.warehouse.files import read_file, read_mapping
from cxpilot.warehouse.schema import table as table_spec
from cxpilot.warehouse.validate import Validated, validate


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
) -> Validated:
    """Read and validate a file in a table's import format, writing nothing.

    With ``touchpoints=None`` the file is taken as it is (no organisation model needed): this
    is how analysis commands read ``--file FILE``.

    With ``survey_tool`` (qualtrics, surveymonkey, typeform, google-forms) the file is that
    tool's CSV export, read into ``responses`` rows (``mapping_path`` is then a survey
    mapping); the plan of what each column became is ``survey_tools.plan_of(result)``.
    """
    spec = table_spec(table)
    if survey_tool is not None:
        survey_tools.check_tool(survey_tool)
        if spec.name != "responses":
            raise ValidationError(
                f"a survey tool's export holds survey answers: import it into responses, not {table}",
                where="--from",
            )
        survey_mapping = survey_tools.read_survey_mapping(mapping_path) if mapping_path else None
        export = survey_tools.read_export(
            path, tool=survey_tool, mapping=survey_mapping, touchpoints=touchpoints
        )
        checked = validate(
            export,
            spec,
            default_source=source or survey_tool,
            touchpoints=touchpoints,
            add_touchpoints=add_touchpoints,
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
    )


def inbox_pending() -> int:
    """How many collected records wait in the inbox to be flushed to the warehouse."""
    from cxpilot.warehouse.models import InboxItem

    return InboxItem.objects.filter(flushed_at__isnull=True).count()
