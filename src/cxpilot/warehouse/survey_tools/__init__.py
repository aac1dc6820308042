"""Survey tools' CSV exports read as rows of the ``responses`` import format.

Qualtrics, SurveyMonkey, Typeform and Google Forms export one row per respondent and one
column per question, with their own header rows and metadata columns. :func:`read_export`
reads such an export and gives one row per answered scored question (NPS, CES or CSAT), with
the verbatim that goes with it, ready for :func:`cxpilot.warehouse.validate.validate`; every
row keeps the line of the export its respondent starts on.

Which column is which question is detected from the question texts (French and English) and
the answers, and can be overridden by a mapping (:func:`read_survey_mapping`). The plan of
what each column becomes (:class:`SurveyPlan`) is shown to the user before anything is
written. Pure code: no Django, no database.

One module a tool (``qualtrics``, ``surveymonkey``, ``typeform``, ``google_forms``: its
layout and the reader of its header rows); ``common`` holds what they share, ``detection``
how a column is recognised, ``mapping`` the mapping file, ``planning`` the plan, ``scales``
the scale and word labels of each scored question, ``dates`` and ``rows`` the rows,
``screening`` the test, preview and spam responses left out, ``reading`` the whole way from a
file to rows.
"""

from __future__ import annotations

from cxpilot.warehouse.survey_tools.common import (
    METRICS,
    TOOLS,
    Export,
    ExportColumn,
    Layout,
    LeftOut,
    ScoredQuestion,
    SurveyPlan,
    SurveyRaw,
)
from cxpilot.warehouse.survey_tools.dates import (
    ZONE_ABBREVIATIONS,
    DateProblem,
    ReadDate,
    convert_date,
    read_date,
)
from cxpilot.warehouse.survey_tools.detection import (
    CHANNEL_NAMES,
    CUSTOMER_NAMES,
    LANGUAGE_NAMES,
    METRIC_PATTERNS,
    OPEN_ENDED_LABELS,
    OPEN_TEXT_PATTERNS,
    SCALE_TOP,
    SCORE_LABELS,
    TOUCHPOINT_NAMES,
    guess_language,
    parse_score,
)
from cxpilot.warehouse.survey_tools.google_forms import METADATA as GOOGLE_FORMS_METADATA
from cxpilot.warehouse.survey_tools.layouts import LAYOUTS
from cxpilot.warehouse.survey_tools.mapping import (
    MAPPING_KEYS,
    QUESTION_ROLES,
    QuestionRule,
    SurveyMapping,
    read_survey_mapping,
)
from cxpilot.warehouse.survey_tools.planning import plan_export
from cxpilot.warehouse.survey_tools.qualtrics import METADATA as QUALTRICS_METADATA
from cxpilot.warehouse.survey_tools.reading import check_tool, load_export, read_export
from cxpilot.warehouse.survey_tools.rows import (
    PREVIEW_ROWS,
    export_rows,
    plan_of,
    preview_rows,
    relocate_problems,
)
from cxpilot.warehouse.survey_tools.screening import (
    QUALTRICS_STATUS,
    left_out_note,
    left_out_sentence,
    screen_export,
)
from cxpilot.warehouse.survey_tools.surveymonkey import GENERIC_SUB_LABELS
from cxpilot.warehouse.survey_tools.surveymonkey import METADATA as SURVEYMONKEY_METADATA
from cxpilot.warehouse.survey_tools.typeform import METADATA as TYPEFORM_METADATA

__all__ = [
    "CHANNEL_NAMES",
    "CUSTOMER_NAMES",
    "GENERIC_SUB_LABELS",
    "GOOGLE_FORMS_METADATA",
    "LANGUAGE_NAMES",
    "LAYOUTS",
    "MAPPING_KEYS",
    "METRICS",
    "METRIC_PATTERNS",
    "OPEN_ENDED_LABELS",
    "OPEN_TEXT_PATTERNS",
    "PREVIEW_ROWS",
    "QUALTRICS_METADATA",
    "QUALTRICS_STATUS",
    "QUESTION_ROLES",
    "SCALE_TOP",
    "SCORE_LABELS",
    "SURVEYMONKEY_METADATA",
    "TOOLS",
    "TOUCHPOINT_NAMES",
    "TYPEFORM_METADATA",
    "ZONE_ABBREVIATIONS",
    "DateProblem",
    "Export",
    "ExportColumn",
    "Layout",
    "LeftOut",
    "QuestionRule",
    "ReadDate",
    "ScoredQuestion",
    "SurveyMapping",
    "SurveyPlan",
    "SurveyRaw",
    "check_tool",
    "convert_date",
    "export_rows",
    "guess_language",
    "left_out_note",
    "left_out_sentence",
    "load_export",
    "parse_score",
    "plan_export",
    "plan_of",
    "preview_rows",
    "read_date",
    "read_export",
    "read_survey_mapping",
    "relocate_problems",
    "screen_export",
]
