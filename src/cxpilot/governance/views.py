"""Pages of governance: the RACI grid and its warnings, the councils, the CX leader's
reporting line, the interim CX champion, the governance model. Thin: forms check, services write, selectors read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxpilot.governance import engine, selectors, services
from cxpilot.governance.forms import (
    CRITERION_LABELS,
    KIND_LABELS,
    ActionForm,
    ChampionSettingsForm,
    CouncilForm,
    CouncilPartForm,
    DecisionForm,
    GovernanceModelForm,
    MeetingForm,
    MemberForm,
    RaciImportForm,
    ReportingLineForm,
    ThresholdsForm,
    WeightsForm,
)
from cxpilot.governance.models import (
    ActionStatus,
    GovernanceModel,
    GovernanceSettings,
    ReportingLine,
)
from cxpilot.kernel import errors, roles
from cxpilot.kernel.textfiles import decode_text
from cxpilot.kernel.web import form_call

VIEW, EDIT = selectors.VIEW, selectors.EDIT
StrOrPromise = str | Promise

PROBLEM_LABELS = {
    "unknown_code": gettext_lazy("Unknown code"),
    "duplicate_activity": gettext_lazy("Activity listed twice"),
    "no_accountable": gettext_lazy("No Accountable"),
    "multiple_accountable": gettext_lazy("Several Accountables"),
    "no_responsible": gettext_lazy("No Responsible"),
    "too_many_consulted": gettext_lazy("Too many Consulted"),
    "too_many_informed": gettext_lazy("Too many Informed"),
    "nobody_consulted_or_informed": gettext_lazy("Nobody Consulted or Informed"),
    "overloaded_department": gettext_lazy("Overloaded department"),
    "idle_department": gettext_lazy("Idle department"),
}


def problem_text(problem: engine.Problem, grid: selectors.Grid) -> str:
    """The problem worded in the active language, with display names."""
    data = problem.data
    if problem.code == "unknown_code":
        return _("“%(value)s” is not a RACI code: use R, A, C, I or a combination such as A/R.") % {
            "value": data.get("value", "")
        }
    if problem.code == "duplicate_activity":
        first = str(data.get("first", ""))
        return _(
            "The same activity is already listed as “%(first)s”: two rows for one activity give "
            "redundant or conflicting roles."
        ) % {"first": grid.activity_names.get(first, first)}
    if problem.code == "no_accountable":
        return _("Nobody is Accountable: exactly one department should answer for it.")
    if problem.code == "multiple_accountable":
        names = [grid.department_names.get(d, d) for d in data.get("departments", [])]
        return _(
            "%(count)s departments are Accountable (%(departments)s): exactly one should be."
        ) % {"count": data.get("count"), "departments": ", ".join(names)}
    if problem.code == "no_responsible":
        return _("Nobody is Responsible: no department does the work.")
    if problem.code == "too_many_consulted":
        return _("%(count)s departments are Consulted (more than %(limit)s).") % dict(data)
    if problem.code == "too_many_informed":
        return _("%(count)s departments are Informed (more than %(limit)s).") % dict(data)
    if problem.code == "nobody_consulted_or_informed":
        return _("No department is Consulted or Informed.")
    if problem.code == "overloaded_department":
        return _("Responsible or Accountable for %(count)s activities (more than %(limit)s).") % (
            dict(data)
        )
    if problem.code == "idle_department":
        return _(
            "Responsible or Accountable for no activity: is this department's part in the "
            "customer experience clear?"
        )
    return problem.detail


def _tabs(current: str) -> dict[str, str]:
    return {"gov_tab": current}


def _posted(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[], Any],
    to: str | Callable[[Any], str],
    message: str = "",
) -> HttpResponse | None:
    """A valid POSTed ``form``, saved by ``save`` (whose ValidationError becomes form errors):
    the success ``message`` and a redirect ``to`` a URL name (or one made from what was saved).
    None when the form is to be shown again."""
    if request.method != "POST" or not form.is_valid():
        return None
    saved = form_call(form, save)
    if saved is None:
        return None
    if message:
        messages.success(request, message)
    return redirect(to(saved) if callable(to) else to)


def _form_page(request: HttpRequest, form: forms.BaseForm, tab: str, **page: Any) -> HttpResponse:
    """The page of one form under ``tab``; ``page`` gives its title, intro and cancel_url."""
    return render(request, "governance/form.html", {"form": form, **page, **_tabs(tab)})


# --------------------------------------------------------------------------- RACI


def _cell_name(activity_pk: int, department_pk: int) -> str:
    return f"cell-{activity_pk}-{department_pk}"


def _raci_page(
    request: HttpRequest,
    *,
    submitted: dict[str, str] | None = None,
    cell_errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    grid = selectors.raci_grid(actor=request.user)
    rows = []
    for row in grid.rows:
        cells = []
        for cell in row.cells:
            name = _cell_name(row.activity.pk, cell.department.pk)
            cells.append(
                {
                    "name": name,
                    "department": cell.department,
                    "code": (submitted or {}).get(name, cell.code),
                    "warnings": [problem_text(p, grid) for p in cell.problems],
                    "error": (cell_errors or {}).get(name),
                    "column_flagged": bool(grid.column_problems.get(cell.department.key)),
                }
            )
        rows.append(
            {
                "activity": row.activity,
                "cells": cells,
                "warnings": [problem_text(p, grid) for p in row.problems],
            }
        )
    columns = [
        {
            "department": d,
            "warnings": [problem_text(p, grid) for p in grid.column_problems.get(d.key, [])],
        }
        for d in grid.departments
    ]
    listed = [
        {
            "label": PROBLEM_LABELS.get(p.code, p.code),
            "code": p.code,
            "activity": grid.activity_names.get(p.activity or "", p.activity),
            "department": grid.department_names.get(p.department or "", p.department),
            "text": problem_text(p, grid),
        }
        for p in grid.problems
    ]
    return render(
        request,
        "governance/raci.html",
        {
            "grid": grid,
            "rows": rows,
            "columns": columns,
            "problems": listed,
            "cell_errors": cell_errors or {},
            "may_edit": roles.may(request.user, EDIT),
            **_tabs("raci"),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def raci(request: HttpRequest) -> HttpResponse:
    """The RACI grid: one form for the whole grid (works without JavaScript)."""
    roles.require(request.user, VIEW)
    if request.method != "POST":
        return _raci_page(request)
    roles.require(request.user, EDIT)
    grid = selectors.raci_grid(actor=request.user)
    cells: dict[tuple[str, str], str] = {}
    submitted: dict[str, str] = {}
    names: dict[tuple[str, str], str] = {}
    for row in grid.rows:
        for cell in row.cells:
            name = _cell_name(row.activity.pk, cell.department.pk)
            if name in request.POST:
                value = request.POST[name]
                submitted[name] = value
                cells[(row.activity.key, cell.department.key)] = value
                names[(row.activity.key, cell.department.key)] = name
    try:
        changed = services.raci_cells_set(actor=request.user, cells=cells)
    except errors.ValidationError as exc:
        bad = exc.by_where()
        cell_errors = {}
        for key in bad:
            activity, _sep, department = key.partition("|")
            if (activity, department) in names:
                cell_errors[names[(activity, department)]] = _(
                    "“%(value)s” is not a RACI code: use R, A, C, I or a combination such as A/R."
                ) % {"value": submitted[names[(activity, department)]]}
        messages.error(request, _("Some cells are not valid: nothing was saved."))
        return _raci_page(request, submitted=submitted, cell_errors=cell_errors, status=422)
    messages.success(request, _("RACI saved (%(count)s cell(s) changed).") % {"count": changed})
    return redirect("governance_raci")


@require_POST
def catalogue_sync(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, EDIT)
    added = services.catalogue_sync(actor=request.user)
    messages.success(
        request, _("%(count)s activity(ies) added from the catalogue.") % {"count": added}
    )
    return redirect("governance_raci")


@require_GET
def raci_export(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, VIEW)
    response = HttpResponse(
        engine.raci_csv_write(selectors.raci_table()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="raci.csv"'
    return response


@require_http_methods(["GET", "POST"])
def raci_import(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, EDIT)
    form = RaciImportForm(request.POST or None, request.FILES or None)
    problems: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read(5_000_001)
        if len(raw) > 5_000_000:
            form.add_error("file", _("The file is larger than 5 MB."))
        else:
            try:
                text = decode_text(raw, where=upload.name, kind="CSV")
                report = services.raci_import(text=text, source=upload.name, actor=request.user)
            except errors.ValidationError as exc:
                form.add_error(None, str(exc))
                problems = [p.as_dict() for p in exc.problems]
            else:
                messages.success(
                    request,
                    _(
                        "RACI imported: %(activities)s activities, %(changed)s cell(s) changed, "
                        "%(added)s activity(ies) added."
                    )
                    % {
                        "activities": report["activities"],
                        "changed": report["cells_changed"],
                        "added": report["activities_added"],
                    },
                )
                return redirect("governance_raci")
    return render(
        request,
        "governance/raci_import.html",
        {"form": form, "problems": problems[:200], **_tabs("raci")},
    )


@require_http_methods(["GET", "POST"])
def thresholds(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, EDIT)
    current = GovernanceSettings.current()
    form = ThresholdsForm(request.POST or None, instance=current)

    def save() -> Any:
        values = {name: form.cleaned_data[name] for name in ThresholdsForm.Meta.fields}
        return services.settings_update(actor=request.user, **values)

    done = _posted(request, form, save, "governance_raci", _("Thresholds saved."))
    return done or _form_page(
        request,
        form,
        "raci",
        title=_("RACI thresholds"),
        intro=_("A warning shows when a count is more than its threshold."),
        cancel_url=reverse("governance_raci"),
    )


# --------------------------------------------------------------------------- council

GARTNER_LABELS = {
    "ceo": ReportingLine.CEO.label,
    "coo": ReportingLine.COO.label,
    "cmo": ReportingLine.CMO.label,
}


@require_GET
def council_list(request: HttpRequest) -> HttpResponse:
    councils = selectors.council_list(actor=request.user)
    gov = GovernanceSettings.current()
    reference = [
        {
            "line": GARTNER_LABELS[line],
            "cxo": selectors.GARTNER_2019["cxo"][line],
            "cco": selectors.GARTNER_2019["cco"][line],
            "ours": gov.reporting_line == line,
        }
        for line in ("ceo", "coo", "cmo")
    ]
    return render(
        request,
        "governance/council_list.html",
        {
            "councils": councils,
            "settings": gov,
            "reporting_line_label": ReportingLine(gov.reporting_line).label
            if gov.reporting_line
            else "",
            "reference": reference,
            "ours_in_reference": gov.reporting_line in ("ceo", "coo", "cmo"),
            "may_edit": roles.may(request.user, EDIT),
            **_tabs("council"),
        },
    )


@require_http_methods(["GET", "POST"])
def reporting_line(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, EDIT)
    gov = GovernanceSettings.current()
    form = ReportingLineForm(
        request.POST or None,
        initial={
            "reporting_line": gov.reporting_line,
            "reporting_line_note": gov.reporting_line_note,
        },
    )

    def save() -> Any:
        return services.settings_update(actor=request.user, **form.cleaned_data)

    done = _posted(request, form, save, "governance_council_list", _("Reporting line saved."))
    return done or _form_page(
        request,
        form,
        "council",
        title=_("The CX leader's reporting line"),
        cancel_url=reverse("governance_council_list"),
    )


def _council_url(council: Any) -> str:
    return reverse("governance_council_detail", args=[council.pk])


@require_http_methods(["GET", "POST"])
def council_create(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, EDIT)
    form = CouncilForm(request.POST or None)

    def save() -> Any:
        return services.council_create(actor=request.user, **form.cleaned_data)

    done = _posted(request, form, save, _council_url)
    return done or _form_page(
        request,
        form,
        "council",
        title=_("New council"),
        cancel_url=reverse("governance_council_list"),
    )


@require_http_methods(["GET", "POST"])
def council_update(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require(request.user, EDIT)
    council = selectors.council_get(actor=request.user, pk=pk)
    form = CouncilForm(request.POST or None, instance=council)

    def save() -> Any:
        data = {k: form.cleaned_data[k] for k in ("name", "cadence", "purpose")}
        council.refresh_from_db()  # validating the form changed it
        return services.council_update(actor=request.user, council=council, **data)

    done = _posted(request, form, save, _council_url)
    return done or _form_page(
        request,
        form,
        "council",
        title=_("Edit council"),
        cancel_url=_council_url(council),
    )


#: What the forms of a council's page add, by kind: the form, the service, the message.
COUNCIL_PARTS: dict[str, tuple[type[CouncilPartForm], Callable[..., Any], StrOrPromise]] = {
    "member": (MemberForm, services.council_member_add, gettext_lazy("Member added.")),
    "meeting": (MeetingForm, services.meeting_add, gettext_lazy("Meeting recorded.")),
    "decision": (DecisionForm, services.decision_add, gettext_lazy("Decision recorded.")),
    "action": (ActionForm, services.council_action_add, gettext_lazy("Action added.")),
}


def _council_page(
    request: HttpRequest,
    council: Any,
    *,
    forms_: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    given = forms_ or {}
    overdue = selectors.overdue_actions(council=council, today=today)
    return render(
        request,
        "governance/council_detail.html",
        {
            "council": council,
            "members": council.members.select_related("user", "department"),
            "meetings": council.meetings.prefetch_related("attendees"),
            "decisions": council.decisions.select_related("meeting"),
            "actions": council.actions.select_related("department"),
            "overdue": overdue,
            "overdue_ids": {a.pk for a in overdue},
            "today": today,
            "may_edit": roles.may(request.user, EDIT),
            **{
                f"{kind}_form": given.get(kind) or form(council=council)
                for kind, (form, _add, _done) in COUNCIL_PARTS.items()
            },
            **_tabs("council"),
        },
        status=status,
    )


@require_GET
def council_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _council_page(request, selectors.council_get(actor=request.user, pk=pk))


@require_POST
def council_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Add to a council what one form of its page gives: a ``kind`` of ``COUNCIL_PARTS``."""
    form_class, add, message = COUNCIL_PARTS[kind]
    roles.require(request.user, EDIT)
    council = selectors.council_get(actor=request.user, pk=pk)
    form = form_class(request.POST, council=council)

    def save() -> Any:
        return add(actor=request.user, council=council, **form.cleaned_data)

    done = _posted(request, form, save, _council_url(council), str(message))
    return done or _council_page(request, council, forms_={kind: form}, status=422)


@require_POST
def member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    roles.require(request.user, EDIT)
    council = selectors.council_get(actor=request.user, pk=pk)
    member = council.members.filter(pk=member_pk).first()
    if member is None:
        raise errors.NotFound(f"no member {member_pk}")
    services.council_member_remove(actor=request.user, member=member)
    messages.success(request, _("Member removed."))
    return redirect("governance_council_detail", pk=pk)


@require_POST
def action_status(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    roles.require(request.user, EDIT)
    council = selectors.council_get(actor=request.user, pk=pk)
    action = services.council_action_get(council=council, pk=action_pk)
    status = request.POST.get("status", "")
    try:
        services.council_action_status_set(actor=request.user, action=action, status=status)
    except errors.ValidationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("Action marked done.") if status == ActionStatus.DONE else _("Action reopened."),
        )
    return redirect("governance_council_detail", pk=pk)


# --------------------------------------------------------------------------- champion


def _entered(given: dict[str, dict[str, Any]], key: str, criterion: str, score: Any) -> Any:
    """The value a score input shows: what was submitted, else the whole-number score."""
    if key in given and criterion in given[key]:
        return given[key][criterion]
    return None if score is None else round(score)


def _champion_page(
    request: HttpRequest,
    *,
    weights_form: WeightsForm | None = None,
    settings_form: ChampionSettingsForm | None = None,
    score_errors: dict[str, list[str]] | None = None,
    submitted: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    view = selectors.champion_view(actor=request.user)
    given = submitted or {}
    gov = GovernanceSettings.current()
    criteria = [
        {"key": c, "label": CRITERION_LABELS[c], "weight": view.weights[c]}
        for c in engine.CHAMPION_CRITERIA
    ]
    rows = [
        {
            "department": row.department,
            "kind": given.get(row.department.key, {}).get("kind", row.kind),
            "kind_label": KIND_LABELS.get(row.kind, row.kind),
            "saved": row.saved,
            "rank": row.ranked.rank,
            "total": row.ranked.total,
            "reasoning": [
                {
                    "label": CRITERION_LABELS[c],
                    "key": c,
                    "score": row.scores.get(c),
                    "entered": _entered(given, row.department.key, c, row.scores.get(c)),
                    "weight": view.weights[c],
                    "contribution": row.ranked.contributions.get(c),
                    "editable": c in selectors.MANUAL_CRITERIA,
                }
                for c in engine.CHAMPION_CRITERIA
            ],
        }
        for row in view.rows
    ]
    return render(
        request,
        "governance/champion.html",
        {
            "view": view,
            "rows": rows,
            "criteria": criteria,
            "manual_criteria": [
                {"key": c, "label": CRITERION_LABELS[c]} for c in selectors.MANUAL_CRITERIA
            ],
            "kinds": list(KIND_LABELS.items()),
            "weights_form": weights_form
            or WeightsForm(initial={f"w_{c}": view.weights[c] for c in engine.CHAMPION_CRITERIA}),
            "settings_form": settings_form
            or ChampionSettingsForm(
                initial={"has_cx_team": gov.has_cx_team, "business_model": gov.business_model}
            ),
            "business_model_label": dict(
                ChampionSettingsForm.base_fields["business_model"].choices
            ).get(  # type: ignore[attr-defined]
                gov.business_model, ""
            ),
            "score_errors": score_errors or {},
            "may_edit": roles.may(request.user, EDIT),
            **_tabs("champion"),
        },
        status=status,
    )


@require_GET
def champion(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, VIEW)
    return _champion_page(request)


@require_POST
def champion_weights(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, EDIT)
    form = WeightsForm(request.POST)

    def save() -> Any:
        return services.champion_weights_set(actor=request.user, weights=form.weights())

    message = _("Weights saved: the ranking is recomputed.")
    done = _posted(request, form, save, "governance_champion", message)
    return done or _champion_page(request, weights_form=form, status=422)


@require_POST
def champion_settings(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, EDIT)
    form = ChampionSettingsForm(request.POST)

    def save() -> Any:
        return services.settings_update(actor=request.user, **form.cleaned_data)

    done = _posted(request, form, save, "governance_champion", _("Saved."))
    return done or _champion_page(request, settings_form=form, status=422)


@require_POST
def champion_scores(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, EDIT)
    view = selectors.champion_view(actor=request.user)
    scores: dict[str, dict[str, Any]] = {}
    bad: dict[str, list[str]] = {}
    for row in view.rows:
        key = row.department.key
        values: dict[str, Any] = {"kind": request.POST.get(f"kind-{key}", row.kind)}
        for criterion in selectors.MANUAL_CRITERIA:
            raw = request.POST.get(f"score-{key}-{criterion}", "").strip()
            try:
                values[criterion] = int(raw)
            except ValueError:
                values[criterion] = raw
                bad[f"{key}|{criterion}"] = [_("a score is a whole number from 0 to 5")]
        scores[key] = values
    if not bad:
        try:
            services.champion_scores_set(actor=request.user, scores=scores)
        except errors.ValidationError as exc:
            bad = exc.by_where()
    if bad:
        messages.error(request, _("Some scores are not valid: nothing was saved."))
        return _champion_page(request, score_errors=bad, submitted=scores, status=422)
    messages.success(request, _("Scores saved: the ranking is recomputed."))
    return redirect("governance_champion")


# --------------------------------------------------------------------------- governance model


def reason_text(reason: engine.Reason, view: selectors.ModelView) -> str:
    """A reason of the governance-model recommendation, worded in the active language."""
    data = dict(reason.data)
    level_names = view.level_names
    if reason.code == "low_maturity":
        return _(
            "Maturity level %(level)s, %(name)s (score %(score)s), is low: progress depends on "
            "the executives' leadership. A CX leader or team leads, with strong executive "
            "sponsorship so that every department contributes."
        ) % {**data, "name": level_names.get(data["level"], ""), "score": _num(data["score"])}
    if reason.code == "high_maturity":
        return _(
            "Maturity level %(level)s, %(name)s (score %(score)s), is high: CX is part of the "
            "strategy and of everyone's daily work; departments align and coordinate "
            "themselves, and decentralising gains speed and eases decisions."
        ) % {**data, "name": level_names.get(data["level"], ""), "score": _num(data["score"])}
    if reason.code == "intermediate_maturity":
        return _(
            "Maturity level %(level)s, %(name)s (score %(score)s), is intermediate, where most "
            "organisations are: a hybrid model with a clear lead, dedicated CX resources for "
            "tactical and operational work, and regular communication of CX's strategic role "
            "to every level and department."
        ) % {**data, "name": level_names.get(data["level"], ""), "score": _num(data["score"])}
    if reason.code == "alignment_unknown":
        return _(
            "The alignment between departments is not known: fewer than two departments had "
            "enough respondents to be shown."
        )
    if reason.code in ("large_alignment_gap", "departments_aligned"):
        values = {
            "gap": _num(data["gap"]),
            "dimension": view.dimension_names.get(data["dimension"], data["dimension"]),
            "limit": _num(data["limit"]),
        }
        if reason.code == "large_alignment_gap":
            return (
                _(
                    "Departments are %(gap)s points apart on %(dimension)s (more than "
                    "%(limit)s): they do not see CX alike, so someone must hold the lead."
                )
                % values
            )
        return (
            _(
                "Departments are at most %(gap)s points apart on any dimension (%(limit)s or "
                "less): they see CX alike."
            )
            % values
        )
    if reason.code == "governance_unknown":
        return _("The governance dimension has no score in this campaign.")
    if reason.code == "weak_governance":
        return (
            _(
                "The governance dimension is at level %(level)s (up to %(up_to)s is weak): roles, "
                "council and decision rights are not organised across departments yet."
            )
            % data
        )
    if reason.code == "governance_in_place":
        return (
            _(
                "The governance dimension is at level %(level)s: roles and decision rights are "
                "organised across departments."
            )
            % data
        )
    if reason.code == "keep_a_clear_lead":
        return _(
            "Decentralising relies on departments being aligned and on governance being in "
            "place: until the campaign shows both, keep a hybrid model with a clear lead."
        )
    if reason.code == "centralise":
        return _(
            "Departments far apart and a weak governance dimension together call for a "
            "centralised lead, with executive sponsorship, until roles and alignment are built."
        )
    if reason.code == "no_cx_team":
        return _(
            "No dedicated CX team is recorded: the interim CX champion can hold the lead until "
            "there is one."
        )
    return reason.detail


def _num(value: Any) -> str:
    from django.utils.formats import number_format

    return str(number_format(value, decimal_pos=1)) if value is not None else "—"


MODEL_LABELS = dict(GovernanceModel.choices)


@require_http_methods(["GET", "POST"])
def governance_model(request: HttpRequest) -> HttpResponse:
    """The governance model recommended by the latest maturity campaign, beside the one the
    CX lead recorded (and its history); the CX lead records a choice here."""
    roles.require(request.user, VIEW)
    form = GovernanceModelForm(request.POST or None)
    status = 200
    if request.method == "POST":
        roles.require(request.user, EDIT)

        def save() -> Any:
            return services.governance_model_record(actor=request.user, **form.cleaned_data)

        done = _posted(request, form, save, "governance_model", _("Governance model recorded."))
        if done is not None:
            return done
        status = 422
    view = selectors.governance_model_view(actor=request.user)
    recommendation = view.recommendation
    return render(
        request,
        "governance/model.html",
        {
            "view": view,
            "recommended_label": MODEL_LABELS.get(recommendation.model, "")
            if recommendation
            else "",
            "reasons": [reason_text(r, view) for r in recommendation.reasons]
            if recommendation
            else [],
            "facts": recommendation.facts if recommendation else None,
            "level_name": view.level_names.get(recommendation.facts.level, "")
            if recommendation
            else "",
            "gap_dimension": view.dimension_names.get(
                recommendation.facts.alignment_gap_dimension or "",
                recommendation.facts.alignment_gap_dimension or "",
            )
            if recommendation
            else "",
            "current_label": MODEL_LABELS.get(view.current.model, "") if view.current else "",
            "history": [
                {
                    "choice": c,
                    "label": MODEL_LABELS.get(c.model, c.model),
                    "recommended": MODEL_LABELS.get(c.recommended, ""),
                }
                for c in view.history
            ],
            "thresholds": {
                "centralised_up_to": engine.CENTRALISED_UP_TO_LEVEL,
                "decentralised_from": engine.DECENTRALISED_FROM_LEVEL,
                "large_gap": engine.LARGE_ALIGNMENT_GAP,
                "weak_governance_up_to": engine.WEAK_GOVERNANCE_UP_TO_LEVEL,
            },
            "form": form,
            "may_edit": roles.may(request.user, EDIT),
            **_tabs("model"),
        },
        status=status,
    )
