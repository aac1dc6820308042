"""A survey mapping file (``--mapping`` with ``--from``): what the user says about the columns
when detection is not enough."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.textfiles import read_text, yaml_load
from cxpilot.warehouse.survey_tools.common import METRICS, shown
from cxpilot.warehouse.survey_tools.scales import ScaleRule, read_scale_rules

#: What a mapping may say a column is.
QUESTION_ROLES = (*METRICS, "verbatim_of:<column>", "attribute", "ignore")
#: The keys of a mapping file, with what they do (documented in docs/importing.md).
MAPPING_KEYS: dict[str, str] = {
    "questions": "column -> nps | ces | csat | verbatim_of:<column> | attribute | ignore",
    "touchpoint": "touchpoint of every answer (key or name) when nothing more precise is known",
    "touchpoint_column": "column holding each respondent's touchpoint",
    "customer_id_column": "column holding the customer id",
    "respondent_id_column": "column holding the respondent (response) id",
    "timestamp_column": "column holding when the respondent answered",
    "language": "language code of every answer (fr, en…)",
    "language_column": "column holding each respondent's language",
    "channel": "channel of every answer",
    "channel_column": "column holding each respondent's channel",
    "survey": "name of the export's survey (default: the file's name); each scored question is "
    "stored as its own survey, <survey> · <question key>: <question text>",
    "date_order": "dmy or mdy, for dates such as 05/03/2024",
    "ignore": "list of columns to drop (not kept in attributes)",
    "scales": "scored column -> {scale: 1-5, convert: linear or {point: score}, labels: {label: score or skip}}",
}


@dataclass(frozen=True)
class QuestionRule:
    """What a mapping says a column is."""

    role: str  # nps | ces | csat | verbatim | attribute | ignore
    verbatim_of: str | None = None
    touchpoint: str | None = None


@dataclass
class SurveyMapping:
    """A survey mapping file (``--mapping`` with ``--from``)."""

    where: str
    questions: dict[str, QuestionRule] = field(default_factory=dict)
    touchpoint: str | None = None
    touchpoint_column: str | None = None
    customer_id_column: str | None = None
    respondent_id_column: str | None = None
    timestamp_column: str | None = None
    language: str | None = None
    language_column: str | None = None
    channel: str | None = None
    channel_column: str | None = None
    survey: str | None = None
    date_order: str | None = None
    ignore: list[str] = field(default_factory=list)
    #: who gave ``touchpoint``: the mapping, or the command's ``--touchpoint``
    touchpoint_why: str = "mapping"
    scales: dict[str, ScaleRule] = field(default_factory=dict)


def read_survey_mapping(path: Path) -> SurveyMapping:
    """Read a survey mapping (YAML or JSON); see ``MAPPING_KEYS``."""
    where = str(path)
    data = _mapping_data(path)
    mapping = SurveyMapping(where=where)
    _read_texts(mapping, data, where)
    mapping.ignore = _read_ignore(data, where)
    mapping.scales = read_scale_rules(data.get("scales"), f"{where}:scales")
    questions = data.get("questions") or {}
    if not isinstance(questions, dict):
        raise ValidationError(
            "questions must map columns to nps, ces, csat, verbatim_of:<column>, attribute or ignore",
            where=f"{where}:questions",
        )
    for column, rule in questions.items():
        mapping.questions[str(column).strip()] = _question_rule(rule, f"{where}:questions.{column}")
    return mapping


def _mapping_data(path: Path) -> dict[Any, Any]:
    """The file's object, its keys checked."""
    where = str(path)
    if not path.exists():
        raise ValidationError("no such mapping file", where=where)
    try:
        data = yaml_load(read_text(path, kind="YAML or JSON"))
    except yaml.YAMLError as exc:
        raise ValidationError(f"not valid YAML or JSON: {exc}", where=where) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError(
            f"a survey mapping is a YAML object with keys {', '.join(MAPPING_KEYS)}", where=where
        )
    unknown = [str(k) for k in data if k not in MAPPING_KEYS]
    if unknown:
        raise ValidationError(
            f"unknown key(s) {', '.join(unknown)}; a survey mapping takes {', '.join(MAPPING_KEYS)}",
            where=where,
        )
    return data


def _read_texts(mapping: SurveyMapping, data: dict[Any, Any], where: str) -> None:
    """The keys that take one text (every key but questions and ignore)."""
    for key in MAPPING_KEYS:
        if key in ("questions", "ignore", "scales") or key not in data or data[key] is None:
            continue
        value = data[key]
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValidationError(f"{key} must be a text", where=f"{where}:{key}")
        setattr(mapping, key, str(value).strip())
    if mapping.date_order is not None and mapping.date_order.lower() not in ("dmy", "mdy"):
        raise ValidationError(
            f"date_order must be dmy (05/03/2024 is 5 March) or mdy (3 May); got {mapping.date_order!r}",
            where=f"{where}:date_order",
        )
    if mapping.date_order:
        mapping.date_order = mapping.date_order.lower()


def _read_ignore(data: dict[Any, Any], where: str) -> list[str]:
    ignore = data.get("ignore") or []
    if isinstance(ignore, str):
        ignore = [ignore]
    if not isinstance(ignore, list) or not all(isinstance(v, str) for v in ignore):
        raise ValidationError("ignore must be a list of columns", where=f"{where}:ignore")
    return [v.strip() for v in ignore]


def _question_rule(value: object, where: str) -> QuestionRule:
    touchpoint = None
    if isinstance(value, dict):
        allowed = {"metric", "verbatim_of", "touchpoint", "role"}
        if set(value) - allowed or not value:
            raise ValidationError(
                "a question given as an object takes metric (or role), touchpoint or verbatim_of",
                where=where,
            )
        touchpoint = str(value["touchpoint"]).strip() if value.get("touchpoint") else None
        if value.get("verbatim_of"):
            value = f"verbatim_of:{value['verbatim_of']}"
        else:
            value = value.get("metric") or value.get("role")
    if not isinstance(value, str):
        raise ValidationError(
            f"expected one of {', '.join(QUESTION_ROLES)}; got {shown(value)}", where=where
        )
    text = value.strip()
    lowered = text.lower()
    if lowered.startswith("verbatim_of:"):
        target = text.split(":", 1)[1].strip()
        if not target:
            raise ValidationError("verbatim_of: names the scored column", where=where)
        return QuestionRule("verbatim", verbatim_of=target)
    if lowered not in (*METRICS, "attribute", "ignore"):
        raise ValidationError(
            f"expected one of {', '.join(QUESTION_ROLES)}; got {shown(value)}", where=where
        )
    if touchpoint and lowered not in METRICS:
        raise ValidationError("only a scored question takes a touchpoint", where=where)
    return QuestionRule(lowered, touchpoint=touchpoint)
