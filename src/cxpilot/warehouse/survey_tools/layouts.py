"""Each tool's layout, by ``--from`` value."""

from __future__ import annotations

from cxpilot.warehouse.survey_tools import google_forms, qualtrics, surveymonkey, typeform
from cxpilot.warehouse.survey_tools.common import TOOLS, Layout

LAYOUTS: dict[str, Layout] = {
    "qualtrics": qualtrics.LAYOUT,
    "surveymonkey": surveymonkey.LAYOUT,
    "typeform": typeform.LAYOUT,
    "google-forms": google_forms.LAYOUT,
}
assert set(LAYOUTS) == set(TOOLS)
