"""The form of the web import: a file, the table it goes to, and how to read it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cxpilot.organisation.models import Touchpoint
from cxpilot.warehouse.schema import TABLES
from cxpilot.warehouse.survey_tools import TOOLS

#: The largest file the web import takes (the CLI takes any size).
MAX_UPLOAD = 200 * 1024 * 1024
#: The largest survey tool's export the web import takes: an export is read whole, at about 70
#: times its size in memory (a 36 MB export of 200,000 respondents took 2.5 GB).
MAX_EXPORT_UPLOAD = 50 * 1024 * 1024


class ImportForm(forms.Form):
    table = forms.ChoiceField(
        label=_("Table"),
        choices=[(name, name) for name in TABLES],
        initial="responses",
        help_text=_("customers, interactions, responses or transactions: see the data model."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, Parquet or JSON Lines; at most 200 MB (the command line takes more)."),
    )
    survey_tool = forms.ChoiceField(
        label=_("Survey tool export"),
        choices=[("", _("No: a file in CX Pilot's import format"))]
        + [(key, name) for key, name in TOOLS.items()],
        required=False,
    )
    touchpoint = forms.ModelChoiceField(
        label=_("Touchpoint of the answers"),
        queryset=Touchpoint.objects.order_by("name"),
        to_field_name="key",
        required=False,
        help_text=_(
            "For a survey tool's export without a touchpoint column: the touchpoint of every "
            "answer that no question text or mapping places."
        ),
    )
    source = forms.CharField(
        label=_("Source system"),
        max_length=60,
        required=False,
        help_text=_("For rows without a source column (default: the survey tool, else import)."),
    )
    mapping = forms.FileField(
        label=_("Column mapping (optional)"),
        required=False,
        help_text=_("YAML or JSON: import_column: file_column; for a survey tool, its mapping."),
    )
    add_touchpoints = forms.BooleanField(
        label=_("Create the touchpoints the organisation does not know"), required=False
    )
    date_order = forms.ChoiceField(
        label=_("Dates written as"),
        choices=[
            ("ymd", _("2025-03-14 (ISO 8601)")),
            ("dmy", _("14/03/2025 (day first)")),
            ("mdy", _("03/14/2025 (month first)")),
        ],
        initial="ymd",
        required=False,
        help_text=_(
            "ISO 8601 dates are read whichever you choose. For a survey tool's export, "
            "2025-03-14 lets the dates tell their order."
        ),
    )
    keep_test_responses = forms.BooleanField(
        label=_("Keep the test, preview and spam responses"),
        required=False,
        help_text=_(
            "Qualtrics marks them in its Status column; they are left out unless you tick this."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("touchpoint") is not None and not data.get("survey_tool"):
            self.add_error(
                "touchpoint",
                _("A file in CX Pilot's import format names the touchpoint in its own column."),
            )
        upload = data.get("file")
        if data.get("survey_tool") and upload is not None and upload.size > MAX_EXPORT_UPLOAD:
            self.add_error(
                "file",
                _("A survey tool's export over 50 MB is imported with the command line."),
            )
        for name in ("file", "mapping"):
            upload = data.get(name)
            if upload is not None and upload.size > MAX_UPLOAD:
                self.add_error(name, _("The file is larger than 200 MB: use the command line."))
        return data
