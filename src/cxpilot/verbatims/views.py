"""Pages of verbatim analytics: irritants, the theme explorer and the theme editor.

Thin: forms check the input, selectors read, services write. Every page works without
JavaScript (charts have their numbers in a table); verbatims are always escaped.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from cxpilot.analytics.charts import number
from cxpilot.kernel import errors, roles, web
from cxpilot.kernel.memo import Memo
from cxpilot.organisation.models import Touchpoint
from cxpilot.verbatims import charts, selectors, services
from cxpilot.verbatims.models import Theme
from cxpilot.verbatims.selectors import Scope

LANGUAGES = [
    ("", _("All languages")),
    ("fr", _("French")),
    ("en", _("English")),
    ("other", _("Other")),
]
SENTIMENTS = [
    ("", _("Any sentiment")),
    ("-1", _("Negative")),
    ("0", _("Neutral")),
    ("1", _("Positive")),
]
PAGE = 50


class ScopeForm(forms.Form):
    """Which answers (a GET form; every field optional)."""

    touchpoint = forms.ChoiceField(label=_("Touchpoint"), required=False)
    start = web.DateField(label=_("From"), required=False)
    end = web.DateField(label=_("To"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["touchpoint"]
        field.choices = [
            ("", _("All touchpoints")),
            *Touchpoint.objects.order_by("name").values_list("key", "name"),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", gettext("The end of the period is before its start."))
        return data

    def scope(self) -> Scope:
        if not self.is_valid():
            return Scope()
        d = self.cleaned_data
        return Scope(
            touchpoint=d.get("touchpoint") or "",
            start=d.get("start"),
            end=d.get("end"),
            language=d.get("language") or "",
        )


class SearchForm(ScopeForm):
    q = forms.CharField(label=_("Search the verbatims"), required=False, max_length=200)
    theme = forms.TypedChoiceField(label=_("Theme"), required=False, coerce=int, empty_value=None)
    sentiment = forms.TypedChoiceField(
        label=_("Sentiment"), choices=SENTIMENTS, required=False, coerce=int, empty_value=None
    )
    page = web.PageField(label=_("Page"), widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["theme"]
        field.choices = [("", _("All themes"))] + [
            (t.pk, t.label()) for t in Theme.objects.filter(active=True, merged_into__isnull=True)
        ]


def _query(scope: Scope, **extra: Any) -> str:
    params = {
        "touchpoint": scope.touchpoint,
        "start": scope.start.isoformat() if scope.start else "",
        "end": scope.end.isoformat() if scope.end else "",
        "language": scope.language,
        **extra,
    }
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _can_edit(request: HttpRequest) -> bool:
    return roles.may(request.user, "verbatims.edit_taxonomy")


#: Why the sentiment fell back to the shipped lexicon: the labels present -> the sentence.
MISSING_LABELS = {
    ("negative", "positive"): _(
        "only negative and positive answers: no neutral text to learn from"
    ),
    ("negative", "neutral"): _("only negative and neutral answers: no positive text to learn from"),
    ("neutral", "positive"): _("only neutral and positive answers: no negative text to learn from"),
    ("negative",): _("only negative answers: no neutral or positive text to learn from"),
    ("neutral",): _("only neutral answers: no negative or positive text to learn from"),
    ("positive",): _("only positive answers: no negative or neutral text to learn from"),
}
FEW_OF_LABEL = {
    "negative": _(
        "only %(n)d negative texts: at least %(min)d of each label are needed to learn from"
    ),
    "neutral": _(
        "only %(n)d neutral texts: at least %(min)d of each label are needed to learn from"
    ),
    "positive": _(
        "only %(n)d positive texts: at least %(min)d of each label are needed to learn from"
    ),
}


def _fallback_reason(report: dict[str, Any]) -> str:
    """Why the sentiment is the shipped lexicon's, in the page's language."""
    code, args = report.get("reason_code"), report.get("reason_args") or {}
    try:
        if code == "few_texts":
            return gettext("fewer than %(min)d texts with a clear label to learn from (%(n)d)") % {
                "min": int(args["min"]),
                "n": int(args["n"]),
            }
        if code == "missing_labels":
            return str(MISSING_LABELS[tuple(args["present"])])
        if code == "few_per_label":
            return str(FEW_OF_LABEL[args["label"]]) % {"n": int(args["n"]), "min": int(args["min"])}
    except (KeyError, TypeError, ValueError):
        pass
    return str(report.get("reason") or "")


def _sentiment(state: dict[str, Any]) -> dict[str, Any] | None:
    """How the stored sentiment was made, ready for ``verbatims/_sentiment_model.html``."""
    report = state.get("sentiment")
    if not report:
        return None
    shown = dict(report)
    if report["accuracy"] is not None:
        shown["accuracy_pct"] = round(100 * report["accuracy"], 1)
    if report["lexicon_accuracy"] is not None:
        shown["lexicon_accuracy_pct"] = round(100 * report["lexicon_accuracy"], 1)
    if report["model"] == "lexicon":
        shown["reason_text"] = _fallback_reason(report)
    return shown


@require_GET
def irritants_page(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, "organisation.view_analytics")
    form = ScopeForm(request.GET or None)
    scope = form.scope() if request.GET else Scope()
    state = selectors.model_state()
    valid = not request.GET or form.is_valid()
    figures: dict[str, Any] = {"rows": [], "specs": {}, "months": [], "trend_rows": []}
    if state["fitted"] and valid:
        # five people on this page share one computation while the data stays the same
        key = (scope.touchpoint, scope.start, scope.end, scope.language, get_language())
        version, rows = selectors.data_version()
        figures = IRRITANTS.get(key, version, lambda: _irritants(scope), drift=rows)
    return render(
        request,
        "verbatims/irritants.html",
        {
            "nav_current": "text_irritants",
            "form": form,
            "state": state,
            **figures,
            "touchpoint": Touchpoint.objects.filter(key=scope.touchpoint).first(),
            "can_edit": _can_edit(request),
            "sentiment": _sentiment(state),
        },
        status=400 if request.GET and not form.is_valid() else 200,
    )


#: The irritants page's figures by scope and language, while the data is the same; under a
#: stream of new answers, for up to 10 seconds (live collection does not make every view
#: compute them again). Any edit of the themes or new analysis computes them at once.
IRRITANTS: Memo[dict[str, Any]] = Memo(size=64, fresh=10.0)


def _irritants(scope: Scope) -> dict[str, Any]:
    """The figures of the irritants page: ranked themes, their trend, key drivers, charts."""
    rows = selectors.irritants(scope=scope, min_mentions=10, examples=2)
    trend: list[dict[str, Any]] = []
    specs: dict[str, Any] = {}
    top = [r for r in rows if (r["impact"] or 0) > 0][:5]
    if top:
        names = {r["theme_id"]: r["theme"] for r in top}
        trend = selectors.irritant_trend(scope=scope, theme_ids=list(names))
        specs["trend"] = charts.trend_chart(trend, names)
    shown = rows[:15]
    if shown:
        specs["impact"] = charts.irritants_chart(shown)
    for r in rows:
        r["href"] = reverse("text_themes") + "?" + _query(scope, theme=r["theme_id"])
        r["impact_label"] = number(r["impact"], "nps", signed=True)
        r["ci_label"] = f"{number(r['ci_low'], 'nps', True)} … {number(r['ci_high'], 'nps', True)}"
        r["with_label"] = number(r["nps_with"], "nps")
        r["without_label"] = number(r["nps_without"], "nps")
        r["share_pct"] = round(100 * (r["share"] or 0), 1)
    drivers = _drivers(scope) if rows else None
    if drivers:
        specs["drivers"] = charts.quadrant_chart(drivers["predictors"])
    months = sorted({p["month"] for p in trend})
    names = {r["theme_id"]: r["theme"] for r in rows}
    table: dict[int, dict[str, Any]] = {}
    for p in trend:
        table.setdefault(p["theme_id"], {})[p["month"]] = number(p["impact"], "nps", signed=True)
    trend_rows = [
        (names.get(t, t), [cells.get(m, "—") for m in months]) for t, cells in table.items()
    ]
    return {
        "rows": rows,
        "specs": specs,
        "months": months,
        "trend_rows": trend_rows,
        "drivers": drivers,
    }


QUADRANTS = {
    "fix_first": _("Fix first: important, low performance"),
    "maintain": _("Maintain: important, high performance"),
    "keep_watch": _("Keep watch: less important, high performance"),
    "secondary": _("Secondary: less important, low performance"),
}


def _drivers(scope: Scope) -> dict[str, Any] | None:
    """Key drivers of the NPS in this scope, or None when too few themes are named."""
    try:
        result = selectors.drivers(outcome="nps", scope=scope)
    except errors.ValidationError:
        return None
    for p in result["predictors"]:
        p["quadrant_label"] = str(QUADRANTS[p["quadrant"]])
    return result


def _named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Verbatim rows with their touchpoint's name, not its key."""
    names = dict(Touchpoint.objects.values_list("key", "name"))
    for row in rows:
        row["touchpoint_name"] = names.get(row["touchpoint"], row["touchpoint"])
    return rows


@require_GET
def themes_page(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, "organisation.view_analytics")
    form = SearchForm(request.GET or None)
    valid = not request.GET or form.is_valid()
    scope = form.scope() if request.GET else Scope()
    data = form.cleaned_data if request.GET and valid else {}
    page = data.get("page") or 1
    rows, total = [], 0
    state = selectors.model_state()
    if valid:
        rows, total = selectors.verbatim_search(
            query=data.get("q") or "",
            theme_id=data.get("theme"),
            scope=scope,
            sentiment=data.get("sentiment"),
            offset=(page - 1) * PAGE,
            limit=PAGE,
        )
        rows = _named(rows)
    summary = selectors.theme_summary(scope=scope) if state["fitted"] else []
    params = {k: v for k, v in request.GET.items() if k != "page"}
    return render(
        request,
        "verbatims/themes.html",
        {
            "nav_current": "text_themes",
            "form": form,
            "state": state,
            "summary": [s for s in summary if s["theme"].active],
            "retired": [s for s in summary if not s["theme"].active],
            "rows": rows,
            "total": total,
            "first": (page - 1) * PAGE + 1 if total else 0,
            "last": min(page * PAGE, total),
            "previous": urlencode({**params, "page": page - 1}) if page > 1 else "",
            "next": urlencode({**params, "page": page + 1}) if page * PAGE < total else "",
            "can_edit": _can_edit(request),
            "sentiment": _sentiment(state),
        },
        status=200 if valid else 400,
    )


class RenameForm(forms.Form):
    label_en = forms.CharField(label=_("English label"), max_length=200)
    label_fr = forms.CharField(label=_("French label"), max_length=200)


class MergeForm(forms.Form):
    into = forms.TypedChoiceField(label=_("Merge into"), coerce=int)

    def __init__(self, *args: Any, theme: Theme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["into"]
        field.choices = [
            (t.pk, t.label())
            for t in Theme.objects.filter(active=True, merged_into__isnull=True).exclude(
                pk=theme.pk
            )
        ]


class SplitForm(forms.Form):
    label_en = forms.CharField(label=_("English label of the new theme"), max_length=200)
    label_fr = forms.CharField(label=_("French label of the new theme"), max_length=200)
    keywords = forms.CharField(
        label=_("Its key words"),
        max_length=1000,
        help_text=_('Comma-separated; "abim*" also finds abîmé and abîmée.'),
    )


class RuleForm(forms.Form):
    pattern = forms.CharField(
        label=_("Key words"),
        max_length=1000,
        help_text=_('Comma-separated; "livr*" also finds livraison and livré.'),
    )


def theme_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The theme editor: rename, pin, merge, split, keyword rules."""
    roles.require(request.user, "organisation.view_analytics")
    theme = Theme.objects.filter(pk=pk).select_related("merged_into", "split_from").first()
    if theme is None:
        raise errors.NotFound(f"no theme {pk}", where="theme")
    forms_: dict[str, forms.Form] = {
        "rename": RenameForm(initial={"label_en": theme.label_en, "label_fr": theme.label_fr}),
        "merge": MergeForm(theme=theme),
        "split": SplitForm(),
        "rule": RuleForm(),
    }
    if request.method == "POST":
        roles.require(request.user, "verbatims.edit_taxonomy")
        action = request.POST.get("action", "")
        try:
            done = _edit(request, theme, action, forms_)
        except errors.ValidationError as exc:
            messages.error(request, f"{exc.where}: {exc.detail}" if exc.where else exc.detail)
            done = None
        if done is not None:
            messages.success(request, done)
            target = theme.pk
            if action == "split":
                target = (
                    Theme.objects.filter(split_from=theme)
                    .order_by("-pk")
                    .values_list("pk", flat=True)
                    .first()
                    or theme.pk
                )
            return redirect("text_theme", pk=target)
    return render(
        request,
        "verbatims/theme.html",
        {
            "nav_current": "text_themes",
            "theme": theme,
            "forms": forms_,
            "rules": list(theme.rules.all()),
            "merged": list(theme.merged.all()),
            "splits": list(theme.splits.all()),
            "examples": _named(selectors.verbatim_search(theme_id=theme.pk, limit=10)[0]),
            "can_edit": _can_edit(request),
            "state": selectors.model_state(),
        },
        status=400 if request.method == "POST" else 200,
    )


def _edit(request: HttpRequest, theme: Theme, action: str, forms_: dict[str, Any]) -> str | None:
    user = request.user
    form: forms.Form
    if action == "rename":
        form = forms_["rename"] = RenameForm(request.POST)
        if form.is_valid():
            services.theme_rename(actor=user, pk=theme.pk, **form.cleaned_data)
            return gettext("Theme renamed.")
    elif action in ("pin", "unpin"):
        services.theme_pin(actor=user, pk=theme.pk, pinned=action == "pin")
        return gettext("Theme pinned.") if action == "pin" else gettext("Theme unpinned.")
    elif action == "merge":
        form = forms_["merge"] = MergeForm(request.POST, theme=theme)
        if form.is_valid():
            services.theme_merge(actor=user, pk=theme.pk, into=form.cleaned_data["into"])
            return gettext("Theme merged. Apply the changes to the verbatims to see it.")
    elif action == "unmerge":
        services.theme_unmerge(actor=user, pk=theme.pk)
        return gettext("Theme separated again.")
    elif action == "split":
        form = forms_["split"] = SplitForm(request.POST)
        if form.is_valid():
            services.theme_split(actor=user, pk=theme.pk, **form.cleaned_data)
            return gettext("New theme created. Apply the changes to the verbatims to see it.")
    elif action == "rule":
        form = forms_["rule"] = RuleForm(request.POST)
        if form.is_valid():
            services.theme_rule_add(actor=user, pk=theme.pk, pattern=form.cleaned_data["pattern"])
            return gettext("Rule added. Apply the changes to the verbatims to see it.")
    elif action == "delete_rule":
        try:
            rule = int(request.POST.get("rule", ""))
        except ValueError:
            raise errors.ValidationError("no rule given", where="rule") from None
        if not theme.rules.filter(pk=rule).exists():
            raise errors.ValidationError("this theme has no such rule", where="rule")
        services.theme_rule_delete(actor=user, pk=rule)
        return gettext("Rule removed.")
    else:
        raise errors.ValidationError(f"unknown action {action[:40]!r}", where="action")
    return None


@require_POST
def themes_apply(request: HttpRequest) -> HttpResponse:
    """Re-analyse every verbatim with the current taxonomy (or discover the themes again)."""
    roles.require(request.user, "verbatims.edit_taxonomy")
    try:
        if request.POST.get("action") == "discover":
            found = services.themes_discover(actor=request.user)
            messages.success(
                request,
                gettext("%(themes)d themes (%(new)d new, %(retired)d retired).") % found,
            )
        result = services.verbatims_analyse(full=True)
        messages.success(
            request,
            gettext("%(analysed)d verbatims analysed, %(mentions)d theme mentions.") % result,
        )
    except errors.ValidationError as exc:
        messages.error(request, exc.detail)
    return redirect("text_themes")
