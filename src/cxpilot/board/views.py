"""Pages of the executive board: the board of a month, its PDF and its charts as PNG, the CX
lead's comment, the targets and the mailing settings. Thin: forms shape the input, the board's
selectors read (and check the role), its services write (and check the role)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxpilot.board import display
from cxpilot.board.charts import board_charts, chart_title, voice_kpis
from cxpilot.board.forms import MONTH, CommentForm, MailingForm, MonthForm, TargetForm, shown
from cxpilot.board.kpis import GROUPS, Board
from cxpilot.kernel import roles, web
from cxpilot.kernel.errors import NotFound as NotFoundError

#: What the CX lead may change (the services check it again).
CHANGE_TARGET = "board.change_kpitarget"
CHANGE_COMMENT = "board.change_boardcomment"
CHANGE_MAILING = "board.change_boardmailing"


def _months() -> list[tuple[str, str]]:
    from cxpilot.board import selectors

    return [(m, display.month_text(m)) for m in selectors.board_months()]


def _may(request: HttpRequest) -> dict[str, bool]:
    return {
        "targets": roles.may(request.user, CHANGE_TARGET),
        "comment": roles.may(request.user, CHANGE_COMMENT),
        "mailing": roles.may(request.user, CHANGE_MAILING),
    }


def board_context(board: Board) -> dict[str, Any]:
    """What the board template shows of ``board``, written in the active language."""
    specs = board_charts(board)
    names = display.touchpoint_names()
    voice = []
    for metric in ("nps", "ces", "csat"):
        name = f"voice_{metric}"
        rows = [display.kpi_row(k) for k in voice_kpis(board, metric)]
        if rows:
            voice.append(
                {"name": name, "title": chart_title(name), "spec": specs.get(name), "rows": rows}
            )
    shown = {r["kpi"] for v in voice for r in v["rows"]}
    groups = []
    for group in GROUPS:
        kpis = [k for k in board.group(group) if group != "voice" or k.kpi not in shown]
        if kpis:
            groups.append(
                {
                    "group": group,
                    "title": display.GROUP_TEXT[group],
                    "rows": [display.kpi_row(k) for k in kpis],
                }
            )
    return {
        "board": board,
        "month_label": display.month_text(board.month),
        "previous_label": display.month_text(board.previous_month),
        "year_label": display.month_text(board.year_before_month),
        "headline": [display.kpi_row(k) for k in display.headline_keys(board)],
        "voice": voice,
        "groups": groups,
        "specs": specs,
        "irritants": display.irritant_rows(board),
        "departments": display.department_rows(board),
        "moments": [{**m, "effect_label": _effect(m)} for m in display.moment_rows(board)],
        "initiatives": [{**i, "effect_label": _effect(i)} for i in display.initiative_rows(board)],
        "governance": display.governance(board),
        "alerts": [
            {
                "touchpoint": names.get(a.get("touchpoint") or "", a.get("touchpoint") or ""),
                "metric": str(a.get("metric") or "").upper(),
                "period": a.get("period") or "",
                "change": display.number(a.get("delta"), "nps", sign=True),
            }
            for a in board.alerts
        ],
        "loop": board.loop,
        "loop_rows": _loop_rows(board.loop),
        "rule": display.rule_text(board),
    }


def _effect(row: dict[str, Any]) -> str:
    from cxpilot.board.exports import _effect as effect

    return effect(row)


def _loop_rows(loop: dict[str, Any]) -> list[tuple[str, str]]:
    if not loop:
        return []
    return [
        (gettext("Cases opened"), display.number(loop.get("opened"), "count")),
        (gettext("Cases closed"), display.number(loop.get("closed"), "count")),
        (gettext("Closed within SLA"), display.number(loop.get("within_sla"), "count")),
        (gettext("Share within SLA"), display.number(loop.get("within_sla_pct"), "percent")),
        (
            gettext("Median time to close"),
            display.number(loop.get("median_hours_to_close"), "hours"),
        ),
    ]


def _board_page(
    request: HttpRequest, month_form: MonthForm, month: str | None, status: int = 200, **extra: Any
) -> HttpResponse:
    from cxpilot.board import selectors
    from cxpilot.kernel.errors import ValidationError

    context: dict[str, Any] = {"month_form": month_form, "may": _may(request), **extra}
    try:
        board = selectors.board(actor=request.user, month=month)
    except ValidationError as exc:
        month_form.add_error(
            "month" if exc.where in (None, "month") else None,
            exc.detail,
        )
        return render(request, "board/board.html", context, status=400)
    context.update(board_context(board))
    if "comment_form" not in context and context["may"]["comment"]:
        context["comment_form"] = CommentForm(initial={"text": board.comment})
    return render(request, "board/board.html", context, status=status)


@require_GET
def board_page(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, "board.view_board")
    form = MonthForm({"month": request.GET.get("month", "")}, months=_months())
    if not form.is_valid():
        return render(
            request, "board/board.html", {"month_form": form, "may": _may(request)}, status=400
        )
    return _board_page(request, form, form.cleaned_data["month"] or None)


class NotFound(Exception):
    """A board address naming something there is none of; its message says what."""


def _not_found(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "404.html", {"reason": reason}, status=404)


def _month_or_404(month: str) -> str:
    if not MONTH.match(month) or month not in {m for m, _label in _months()}:
        raise NotFound(
            gettext("There is no board for the month %(month)s.") % {"month": shown(month)}
        )
    return month


@require_POST
def comment_save(request: HttpRequest, month: str) -> HttpResponse:
    from cxpilot.board import services

    roles.require(request.user, CHANGE_COMMENT)
    try:
        month = _month_or_404(month)
    except NotFound as exc:
        return _not_found(request, str(exc))
    form = CommentForm(request.POST)
    if form.is_valid():
        saved = web.form_call(
            form,
            lambda: (
                services.comment_set(
                    actor=request.user, month=month, text=form.cleaned_data["text"]
                )
                or True
            ),
        )
        if saved:
            messages.success(request, gettext("The comment was saved."))
            return redirect(f"{reverse('board:page')}?month={month}")
    month_form = MonthForm({"month": month}, months=_months())
    month_form.is_valid()
    return _board_page(request, month_form, month, status=400, comment_form=form)


@require_GET
def board_pdf(request: HttpRequest, month: str) -> HttpResponse:
    from cxpilot.board import selectors
    from cxpilot.board.exports import board_pdf as pdf

    roles.require(request.user, "board.view_board")
    try:
        month = _month_or_404(month)
    except NotFound as exc:
        return _not_found(request, str(exc))
    board = selectors.board(actor=request.user, month=month)
    response = HttpResponse(pdf(board, language=get_language()), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="board-{month}.pdf"'
    return response


@require_GET
def board_png(request: HttpRequest, month: str, chart: str) -> HttpResponse:
    from cxpilot.board import selectors
    from cxpilot.board.exports import board_png as png

    roles.require(request.user, "board.view_board")
    try:
        month = _month_or_404(month)
    except NotFound as exc:
        return _not_found(request, str(exc))
    board = selectors.board(actor=request.user, month=month)
    specs = board_charts(board)
    if chart not in specs:
        return _not_found(
            request,
            gettext("There is no chart named %(chart)s on this board; its charts are: %(names)s.")
            % {"chart": shown(chart), "names": ", ".join(specs) or "—"},
        )
    response = HttpResponse(png(specs[chart]), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="board-{month}-{chart}.png"'
    return response


def _target_forms(request: HttpRequest, board: Board, bound: TargetForm | None) -> list[Any]:
    rows = []
    for i, kpi in enumerate(board.kpis):
        if bound is not None and bound.data.get("kpi") == kpi.kpi:
            form = bound
        else:
            form = TargetForm(
                initial={"kpi": kpi.kpi, "target": kpi.target, "tolerance": kpi.tolerance or 0},
            )
        form.auto_id = f"id_t{i}_%s"  # one form per KPI on the page: ids of their own
        rows.append(
            {"kpi": display.kpi_row(kpi), "form": form, "has_target": kpi.target is not None}
        )
    return rows


@require_http_methods(["GET", "POST"])
def targets_page(request: HttpRequest) -> HttpResponse:
    from cxpilot.board import selectors, services

    roles.require(request.user, CHANGE_TARGET)
    board = selectors.board(actor=request.user, month=None)
    bound = None
    status = 200
    if request.method == "POST":
        bound = TargetForm(request.POST)
        status = 400
        known = {k.kpi for k in board.kpis}
        if bound.is_valid():
            kpi = bound.cleaned_data["kpi"]
            if kpi not in known:
                bound.add_error(None, gettext("There is no such KPI on the board."))
            elif request.POST.get("action") == "delete":
                try:
                    done = web.form_call(
                        bound, lambda: services.target_delete(actor=request.user, kpi=kpi) or True
                    )
                except NotFoundError:
                    messages.info(
                        request,
                        gettext("%(kpi)s had no target, so there was none to remove.")
                        % {"kpi": next(k.label for k in board.kpis if k.kpi == kpi)},
                    )
                    return redirect("board:targets")
                if done:
                    messages.success(request, gettext("The target was removed."))
                    return redirect("board:targets")
            else:
                data = bound.cleaned_data
                done = web.form_call(
                    bound,
                    lambda: (
                        services.target_set(
                            actor=request.user,
                            kpi=kpi,
                            target=data["target"],
                            tolerance=data["tolerance"] or 0,
                        )
                        or True
                    ),
                )
                if done:
                    messages.success(request, gettext("The target was saved."))
                    return redirect("board:targets")
    return render(
        request,
        "board/targets.html",
        {
            "rows": _target_forms(request, board, bound),
            "rule": display.rule_text(board),
            # the errors of a form sent for a KPI the page does not list
            "stray_errors": (
                [str(e) for errors in bound.errors.values() for e in errors]
                if bound is not None and bound.data.get("kpi") not in {k.kpi for k in board.kpis}
                else []
            ),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def mailing_page(request: HttpRequest) -> HttpResponse:
    from cxpilot.board import mailing, services

    roles.require(request.user, CHANGE_MAILING)
    row = mailing.mailing_get()
    status = 200
    if request.method == "POST":
        form = MailingForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            done = web.form_call(
                form,
                lambda: (
                    services.mailing_set(
                        actor=request.user,
                        recipients=form.recipient_list(),
                        day=data["day"],
                        language=data["language"],
                        enabled=data["enabled"],
                    )
                    or True
                ),
            )
            if done:
                messages.success(request, gettext("The mailing settings were saved."))
                return redirect("board:mailing")
    else:
        form = MailingForm(
            initial={
                "recipients": row.recipients,
                "day": row.day,
                "language": row.language,
                "enabled": row.enabled,
            }
        )
    return render(
        request,
        "board/mailing.html",
        {
            "form": form,
            "row": row,
            "last_sent": display.month_text(row.last_sent_month) if row.last_sent_month else "",
        },
        status=status,
    )
