"""Forms of the journeys pages: a target journey and its steps, its YAML import, the
conformance report's filters. They shape the input; :mod:`cxpilot.journeys.targets` checks
the definition (one set of rules for the form, the YAML and the commands)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cxpilot.journeys.targets import MAX_STEPS, MAX_YAML_BYTES, Definition
from cxpilot.kernel.errors import CxPilotError
from cxpilot.organisation.forms import PeriodSegmentForm

CASE_CHOICES = [
    ("person", _("Person (a unified customer)")),
    ("journey", _("Journey id (of the interactions' attributes)")),
]
ACTIVITY_CHOICES = [("touchpoint", _("Touchpoint")), ("type", _("Event type"))]
#: What the "after" field takes to say "no step needs to come before".
NO_STEP = "-"


def _split(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class TargetForm(forms.Form):
    key = forms.SlugField(label=_("Key"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    journey = forms.ChoiceField(label=_("Journey of the organisation model"), required=False)
    case = forms.ChoiceField(
        label=_("A case is"),
        choices=CASE_CHOICES,
        help_text=_("Whose path is held against the target: a customer's, or one journey id's."),
    )
    activity = forms.ChoiceField(
        label=_("A step's activities are"),
        choices=ACTIVITY_CHOICES,
        help_text=_("Touchpoints, or the interactions' event types (visit, order…)."),
    )
    allow_other = forms.BooleanField(
        label=_("Other activities are allowed"),
        required=False,
        help_text=_("Unticked: an event whose activity is in no step is a deviation."),
    )
    cases_with = forms.CharField(
        label=_("Only the cases with"),
        required=False,
        max_length=2000,
        help_text=_(
            "Activities, separated by commas: only the cases with one of them are held against the target. Empty: every case."
        ),
    )

    def __init__(self, *args: Any, journeys: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["journey"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("None")), *journeys]


class StepForm(forms.Form):
    key = forms.CharField(label=_("Key"), max_length=60, required=False)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    touchpoints = forms.MultipleChoiceField(
        label=_("Touchpoints"), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    other = forms.CharField(
        label=_("Event types or other activities"), max_length=2000, required=False
    )
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    after = forms.CharField(label=_("After"), max_length=2000, required=False)
    within_hours = forms.FloatField(label=_("Within hours"), required=False)

    def __init__(self, *args: Any, touchpoints: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["touchpoints"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = touchpoints

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any(
            data.get(k) for k in ("key", "name", "touchpoints", "other", "after", "within_hours")
        )


class BaseStepFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(self, *args: Any, touchpoints: list[tuple[str, str]], **kwargs: Any) -> None:
        self.touchpoints = touchpoints
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {"touchpoints": self.touchpoints}


StepFormSet = forms.formset_factory(
    StepForm,
    formset=BaseStepFormSet,
    extra=4,
    max_num=MAX_STEPS,
    validate_max=True,
    absolute_max=MAX_STEPS + 10,
)


def definition_data(form: TargetForm, formset: Any) -> tuple[dict[str, Any], list[int]]:
    """The definition a valid form and formset describe, as :func:`targets.parse` reads it,
    and the formset row of each step (blank rows are left out)."""
    data = form.cleaned_data
    out: dict[str, Any] = {
        "key": data["key"],
        "name": data["name"],
        "description": data["description"],
        "journey": data["journey"] or None,
        "case": data["case"],
        "activity": data["activity"],
        "allow_other": data["allow_other"],
        "cases_with": _split(data["cases_with"]),
    }
    steps, rows = [], []
    for i, step_form in enumerate(formset.forms):
        if step_form.is_blank():
            continue
        s = step_form.cleaned_data
        item: dict[str, Any] = {
            "key": s["key"],
            "name": s["name"],
            "activities": [*s["touchpoints"], *_split(s["other"])],
            "required": bool(s["required"]),
        }
        after = (s["after"] or "").strip()
        if after == NO_STEP:
            item["after"] = []
        elif after:
            item["after"] = _split(after)
        if s["within_hours"] is not None:
            item["within_hours"] = s["within_hours"]
        steps.append(item)
        rows.append(i)
    out["steps"] = steps
    return out, rows


def initial_data(
    definition: Definition, touchpoint_keys: set[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The form's and the formset's initial values for a stored definition."""
    form = {
        "key": definition.key,
        "name": definition.name,
        "description": definition.description,
        "journey": definition.journey or "",
        "case": definition.case,
        "activity": definition.activity,
        "allow_other": definition.allow_other,
        "cases_with": ", ".join(definition.cases_with),
    }
    steps = []
    previous: str | None = None
    for s in definition.steps:
        default = (previous,) if previous else ()
        if s.after == default:
            after = ""
        elif not s.after:
            after = NO_STEP
        else:
            after = ", ".join(s.after)
        steps.append(
            {
                "key": s.key,
                "name": s.name,
                "touchpoints": [a for a in s.activities if a in touchpoint_keys],
                "other": ", ".join(a for a in s.activities if a not in touchpoint_keys),
                "required": s.required,
                "after": after,
                "within_hours": s.within_hours,
            }
        )
        previous = s.key
    return form, steps


_STEP_WHERE = re.compile(r"^steps\[(\d+)\](?: \([^)]*\))?\.(\w+)")
_STEP_FIELDS = {"activities": "other"}


def put_errors(exc: CxPilotError, form: TargetForm, formset: Any, rows: list[int]) -> None:
    """The problems of a refused definition on the fields they name: a step's on its row of
    the formset, the others on the form."""
    for where, messages in exc.by_where().items():
        for message in messages:
            found = _STEP_WHERE.match(where)
            if found and int(found[1]) - 1 < len(rows):
                step_form = formset.forms[rows[int(found[1]) - 1]]
                name = _STEP_FIELDS.get(found[2], found[2])
                if name in step_form.fields:
                    step_form.add_error(name, message)
                    continue
            top = where.split("[")[0].split(".")[0]
            if top in form.fields:
                form.add_error(top, message)
            else:
                form.add_error(None, f"{where}: {message}")


class ImportForm(forms.Form):
    text = forms.CharField(
        label=_("YAML"),
        required=False,
        max_length=MAX_YAML_BYTES,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
    )
    upload = forms.FileField(label=_("Or a YAML file"), required=False)
    replace = forms.BooleanField(
        label=_("Replace the target journey of the same key"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("text") and not data.get("upload"):
            raise forms.ValidationError(_("Paste the YAML or choose a file."))
        upload = data.get("upload")
        if upload is not None and upload.size > MAX_YAML_BYTES:
            self.add_error("upload", _("The file is larger than 100,000 bytes."))
        return data


#: The conformance report's filters: a period and a segment.
ReportForm = PeriodSegmentForm


#: The flow view's cases: a person, or a purchase (the interactions' journey id).
MAP_CASE_CHOICES = [("person", _("Person")), ("journey", _("Purchase (journey id)"))]


class JourneyMapForm(PeriodSegmentForm):
    """The map's filters (a GET form; every field optional): the journey, the period, the
    segment and channel (as the warehouse knows them), the flow's case and score targets."""

    def __init__(self, data: Any, *, journeys: list[tuple[str, str]], choices: Any) -> None:
        super().__init__(data)
        self.fields["journey"] = forms.ChoiceField(
            label=_("Journey"), required=False, choices=journeys
        )
        self.fields["segment"].choices = [("", _("All segments")), *choices.segments]
        self.fields["channel"] = forms.ChoiceField(
            label=_("Channel"),
            required=False,
            choices=[("", _("All channels")), *choices.channels],
        )
        self.fields["case"] = forms.ChoiceField(
            label=_("Flow: one case per"), required=False, choices=MAP_CASE_CHOICES
        )
        for metric, label in (("nps", _("NPS")), ("csat", _("CSAT")), ("ces", _("CES"))):
            self.fields[f"target_{metric}"] = forms.FloatField(
                label=_("%(metric)s target") % {"metric": label},
                required=False,
                help_text=_("Empty: the best touchpoint of the journey."),
            )
        self.order_fields(["journey", "from", "to", "segment", "channel", "case"])
        self.default_journey = journeys[0][0] if journeys else ""

    def clean(self) -> dict[str, Any]:
        from cxpilot.journeys.opportunities import check_target

        data = super().clean()
        for metric in ("nps", "csat", "ces"):
            value = data.get(f"target_{metric}")
            if value is not None:
                try:
                    check_target(metric, value, f"target_{metric}")
                except CxPilotError as error:
                    self.add_error(f"target_{metric}", error.detail)
        return data

    def chosen(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "journey": data.get("journey") or self.default_journey,
            "start": data.get("from"),
            "end": data.get("to"),
            "segment": data.get("segment") or None,
            "channel": data.get("channel") or None,
            "case": data.get("case") or "person",
            "targets": {
                m: data[f"target_{m}"]
                for m in ("nps", "csat", "ces")
                if data.get(f"target_{m}") is not None
            },
        }
