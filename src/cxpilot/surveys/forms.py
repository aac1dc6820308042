"""Forms of the survey pages. They check input and shape it; the services decide and write.

- ``SurveyForm`` + ``QuestionFormSet``: the survey editor (one form row per question, each
  text once per language), turned into the definition mapping the services take.
- ``AnswerForm``: the questions of one step of the hosted survey page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cxpilot.kernel.errors import ValidationError
from cxpilot.surveys import selectors, services
from cxpilot.surveys.models import Language, Question, QuestionKind

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

LANGS: tuple[str, ...] = tuple(Language.values)


def _text_box(label: str | _StrPromise) -> forms.CharField:
    """An optional text of a few lines."""
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SurveyForm(forms.Form):
    key = forms.SlugField(
        label=_("Key"),
        max_length=60,
        help_text=_(
            "Lower-case letters, digits, - and _. It makes the survey’s address: the key "
            "nps-web gives /s/nps-web/."
        ),
    )
    default_language = forms.ChoiceField(
        label=_("Default language"), choices=Language.choices, initial=Language.EN
    )
    title_en = forms.CharField(label=_("Title (English)"), required=False, max_length=200)
    title_fr = forms.CharField(label=_("Title (French)"), required=False, max_length=200)
    intro_en = _text_box(_("Introduction (English)"))
    intro_fr = _text_box(_("Introduction (French)"))
    thanks_en = _text_box(_("Thank-you message (English)"))
    thanks_fr = _text_box(_("Thank-you message (French)"))
    touchpoints = forms.ModelMultipleChoiceField(
        label=_("Touchpoints"),
        queryset=selectors.touchpoint_choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Where the survey is asked. Without ?t=, answers go to the first by key."),
    )
    stage = forms.ModelChoiceField(
        label=_("Journey stage"),
        queryset=selectors.stage_choices(),
        required=False,
    )
    sampling_rate = forms.FloatField(
        label=_("Sampling rate"),
        min_value=0,
        max_value=1,
        initial=1.0,
        help_text=_("Share of known customers shown the widget or invited, from 0 to 1."),
    )
    recontact_days = forms.IntegerField(
        label=_("Recontact period (days)"),
        required=False,
        min_value=0,
        max_value=services.MAX_RECONTACT_DAYS,
        help_text=_("Leave empty to use the global period. 0 means no limit."),
    )
    is_active = forms.BooleanField(label=_("Open for answers"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = _("The key cannot change once the survey exists.")


def _parse_choices(text: str) -> list[dict[str, Any]]:
    """``value | English | French`` per line; a line with one part is an English label."""
    choices = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) == 1:
            parts = [slugify(parts[0]).replace("-", "_"), parts[0]]
        if len(parts) > 3 or not parts[0]:
            raise forms.ValidationError(
                gettext("line %(n)d: write value | English label | French label") % {"n": number}
            )
        label = {lang: text for lang, text in zip(LANGS, parts[1:], strict=False) if text}
        choices.append({"value": parts[0].lower(), "label": label})
    return choices


def choices_text(choices: Sequence[Mapping[str, Any]]) -> str:
    lines = []
    for c in choices:
        label = c.get("label") or {}
        lines.append(" | ".join([str(c.get("value", "")), *(label.get(x, "") for x in LANGS)]))
    return "\n".join(line.rstrip(" |") for line in lines)


class QuestionForm(forms.Form):
    key = forms.CharField(
        label=_("Question id"),
        max_length=40,
        required=False,
        help_text=_("Names the answer in the API; made from the type when empty."),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=QuestionKind.choices)
    text_en = _text_box(_("Text (English)"))
    text_fr = _text_box(_("Text (French)"))
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Choice questions: one per line, value | English label | French label."),
    )
    show_if_question = forms.CharField(
        label=_("Shown only if question"),
        max_length=40,
        required=False,
        help_text=_("Id of an earlier NPS, CES or CSAT question; empty: always shown."),
    )
    show_if_min = forms.IntegerField(label=_("scores from"), required=False)
    show_if_max = forms.IntegerField(label=_("to"), required=False)

    def clean_choices(self) -> list[dict[str, Any]]:
        return _parse_choices(self.cleaned_data.get("choices") or "")


QuestionFormSet = forms.formset_factory(
    QuestionForm,
    extra=3,
    can_order=True,
    can_delete=True,
    max_num=services.MAX_QUESTIONS,
    validate_max=True,
)


def _texts(data: Mapping[str, Any], name: str) -> dict[str, str]:
    return {lang: data.get(f"{name}_{lang}") or "" for lang in LANGS}


#: The fields a person fills in a question row; the type and the order always have a value.
_FILLED = ("key", "text_en", "text_fr", "choices", "show_if_question", "show_if_min", "show_if_max")


def _blank(question: forms.Form) -> bool:
    data = question.cleaned_data
    return not any(data.get(name) not in (None, "", []) for name in _FILLED)


def definition_from_forms(
    form: SurveyForm, formset: forms.BaseFormSet[Any]
) -> tuple[dict[str, Any], list[forms.Form]]:
    """The definition mapping for the services, and the question forms in its order."""
    data = form.cleaned_data
    # a row left empty is skipped, whatever its type select says (it always says something)
    question_forms = [q for q in formset.ordered_forms if not _blank(q)]
    definition = {
        "key": data["key"],
        "default_language": data["default_language"],
        "title": _texts(data, "title"),
        "intro": _texts(data, "intro"),
        "thanks": _texts(data, "thanks"),
        "touchpoints": [t.key for t in data["touchpoints"]],
        "stage": data["stage"],
        "sampling_rate": data["sampling_rate"],
        "recontact_days": data["recontact_days"],
        "is_active": data["is_active"],
        "questions": [
            {
                "key": q.cleaned_data["key"],
                "kind": q.cleaned_data["kind"],
                "text": _texts(q.cleaned_data, "text"),
                "choices": q.cleaned_data["choices"],
                "show_if": (
                    {
                        "question": q.cleaned_data["show_if_question"],
                        "min": q.cleaned_data["show_if_min"],
                        "max": q.cleaned_data["show_if_max"],
                    }
                    if q.cleaned_data["show_if_question"]
                    or q.cleaned_data["show_if_min"] is not None
                    or q.cleaned_data["show_if_max"] is not None
                    else None
                ),
            }
            for q in question_forms
        ],
    }
    return definition, question_forms


def initial_from_definition(
    definition: Mapping[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Initial values of the editor's form and question rows for an existing survey."""
    survey: dict[str, Any] = {
        "key": definition["key"],
        "default_language": definition["default_language"],
        "sampling_rate": definition["sampling_rate"],
        "recontact_days": definition["recontact_days"],
        "is_active": definition["is_active"],
        "touchpoints": list(
            selectors.touchpoint_choices().filter(key__in=definition["touchpoints"])
        ),
    }
    for name in ("title", "intro", "thanks"):
        for lang in LANGS:
            survey[f"{name}_{lang}"] = definition[name].get(lang, "")
    questions = []
    for position, q in enumerate(definition["questions"], start=1):
        show_if = q["show_if"] or {}
        questions.append(
            {
                "key": q["key"],
                "kind": q["kind"],
                **{f"text_{lang}": q["text"].get(lang, "") for lang in LANGS},
                "choices": choices_text(q["choices"]),
                "show_if_question": show_if.get("question", ""),
                "show_if_min": show_if.get("min"),
                "show_if_max": show_if.get("max"),
                "ORDER": position,
            }
        )
    return survey, questions


def place_problems(
    exc: ValidationError, form: forms.Form, question_forms: Sequence[forms.Form]
) -> None:
    """Put the problems a service found (by path) on the form fields they concern."""
    for path, messages in exc.by_where().items():
        target: forms.Form = form
        field: str | None = str(path).replace(".", "_")
        parts = str(path).split(".")
        if parts[0] == "questions" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(question_forms):
                target = question_forms[index]
                field = "_".join(parts[2:]) or None
        if field not in target.fields:
            field = None
        for message in messages:
            target.add_error(field, message)


class SurveySettingsForm(forms.Form):
    recontact_days = forms.IntegerField(
        label=_("Recontact period (days)"),
        min_value=0,
        max_value=services.MAX_RECONTACT_DAYS,
        help_text=_(
            "A known customer is asked the same survey at most once in this many days, "
            "unless the survey sets its own period. 0 means no limit."
        ),
    )


# --- The hosted survey page ----------------------------------------------------------------

#: The words at both ends of each scale.
SCALE_ANCHORS = {
    "nps": (_("Not at all likely"), _("Extremely likely")),
    "ces": (_("Strongly disagree"), _("Strongly agree")),
    "csat": (_("Very dissatisfied"), _("Very satisfied")),
}


class AnswerForm(forms.Form):
    """The questions of one step of the hosted page; field ``q_<id>`` per question.

    Only ``required_key`` (the first scored question) is required.
    """

    def __init__(
        self,
        *args: Any,
        questions: Sequence[Question],
        language: str,
        required_key: str | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.language = language
        required_message = gettext("Please answer this question.")
        for q in self.questions:
            name = f"q_{q.key}"
            label = q.label(language)
            field: forms.Field
            if q.scale is not None:
                low, high = q.scale
                field = forms.TypedChoiceField(
                    label=label,
                    choices=[(str(v), str(v)) for v in range(low, high + 1)],
                    coerce=int,
                    required=q.key == required_key,
                    widget=forms.RadioSelect,
                    error_messages={"required": required_message},
                )
            elif q.kind == QuestionKind.TEXT:
                field = forms.CharField(
                    label=label,
                    required=False,
                    max_length=services.MAX_VERBATIM,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )
            elif q.kind == QuestionKind.SINGLE:
                field = forms.ChoiceField(
                    label=label,
                    choices=q.choice_labels(language),
                    required=False,
                    widget=forms.RadioSelect,
                )
            else:
                field = forms.MultipleChoiceField(
                    label=label,
                    choices=q.choice_labels(language),
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
            self.fields[name] = field

    def answers(self) -> dict[str, Any]:
        """The answers given on this step, by question id (empty answers left out)."""
        out: dict[str, Any] = {}
        for q in self.questions:
            value = self.cleaned_data.get(f"q_{q.key}")
            if value is None or value == "" or value == []:
                continue
            out[q.key] = value
        return out

    def items(self, *, hidden: set[str] | frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        """What the template needs to draw each question (hand-written, accessible markup)."""
        items = []
        for q in self.questions:
            bound = self[f"q_{q.key}"]
            value = bound.value()
            selected = {str(v) for v in value} if isinstance(value, list) else {str(value)}
            options = []
            if q.scale is not None:
                low, high = q.scale
                options = [(str(v), str(v)) for v in range(low, high + 1)]
            elif q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                options = q.choice_labels(self.language)
            anchors = SCALE_ANCHORS.get(q.kind)
            items.append(
                {
                    "question": q,
                    "name": bound.html_name,
                    "id": f"q-{q.key}",
                    "kind": q.kind,
                    "label": q.label(self.language),
                    "required": bound.field.required,
                    "errors": bound.errors,
                    "value": value if isinstance(value, str) else "",
                    "options": [
                        {"value": v, "label": label, "checked": v in selected, "index": i}
                        for i, (v, label) in enumerate(options)
                    ],
                    "input": "checkbox" if q.kind == QuestionKind.MULTIPLE else "radio",
                    "low": options[0][0] if q.scale else "",
                    "high": options[-1][0] if q.scale else "",
                    "anchors": anchors,
                    "hidden": q.key in hidden,
                    "condition": (
                        {
                            "question": q.show_if_question,
                            "min": q.show_if_min,
                            "max": q.show_if_max,
                        }
                        if q.show_if_question
                        else None
                    ),
                }
            )
        return items
