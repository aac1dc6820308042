"""The board as PDF (fpdf2: the headline, then each chart drawn by vl-convert from the same
Vega-Lite spec as the page, with its numbers as a table beneath, then the sections as tables)
and each chart as PNG.

The PDF uses fpdf2's core Helvetica font, which covers Latin-1: every French accent renders;
the few characters outside it (’ – — … œ ▲ ▼ and the narrow spaces of French numbers) are
written with Latin-1 equivalents first (:func:`cxpilot.kernel.pdftext.latin1`)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext, override

from cxpilot.board import display
from cxpilot.board.charts import board_charts, chart_title, for_export, voice_kpis
from cxpilot.board.kpis import GROUPS, Board
from cxpilot.kernel import pdftext
from cxpilot.kernel.pdftext import latin1

#: How much finer than the page the charts are drawn (PNG pixels per Vega pixel).
SCALE = 2.0

Table = tuple[str, Sequence[str], Sequence[Sequence[str]]]


def board_png(spec: Mapping[str, Any], *, scale: float = SCALE) -> bytes:
    """A chart of the board (its Vega-Lite spec, as the page draws it) as PNG."""
    import vl_convert as vlc

    return bytes(vlc.vegalite_to_png(for_export(dict(spec)), scale=scale))


def text(value: Any) -> str:
    return latin1(str(value).replace("▲", "(+)").replace("▼", "(-)").replace("\u2009", " "))


def _change(change: dict[str, Any]) -> str:
    return f"{change['text']} {change['mark']}".strip()


def kpi_table(rows: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """The headers and rows of a table of KPIs (rows of :func:`display.kpi_row`)."""
    headers = [
        gettext("KPI"),
        gettext("Value"),
        # xgettext:no-python-format
        gettext("95 % interval"),
        gettext("Change on the month before"),
        gettext("Change on a year before"),
        gettext("Target"),
        gettext("Status"),
    ]
    body = [
        [
            r["label"],
            r["value"] if r["available"] else r["note"] or gettext("not available"),
            r["interval"],
            _change(r["change"]),
            _change(r["year_change"]),
            r["target"],
            r["status_text"],
        ]
        for r in rows
    ]
    return headers, body


def section_tables(board: Board) -> list[Table]:
    """The sections of the board beyond the KPIs, as tables (those with rows)."""
    tables: list[Table] = []
    if board.irritants:
        tables.append(
            (
                gettext("Top irritants"),
                [gettext("Irritant"), gettext("Touchpoint"), gettext("Mentions"),
                 gettext("NPS points at stake"), gettext("Initiative")],
                [
                    [str(i["label"]), str(i.get("touchpoint") or ""), i["n_label"],
                     i["points_label"], str(i.get("initiative") or "—")]
                    for i in display.irritant_rows(board)
                ],
            )
        )  # fmt: skip
    if board.moments:
        tables.append(
            (
                gettext("Moments of truth"),
                [gettext("Journey"), gettext("Stage"), gettext("Touchpoint"), gettext("Effect")],
                [
                    [str(m.get("journey", "")), str(m.get("stage", "")),
                     str(m.get("touchpoint", "")), _effect(m)]
                    for m in display.moment_rows(board)
                ],
            )
        )  # fmt: skip
    if board.alerts:
        tables.append(
            (
                gettext("Alerts raised"),
                [gettext("Touchpoint"), gettext("Metric"), gettext("Period"), gettext("Change")],
                [
                    [str(a.get("touchpoint", "")), str(a.get("metric", "")).upper(),
                     str(a.get("period", "")), display.number(a.get("delta"), "nps", sign=True)]
                    for a in board.alerts
                ],
            )
        )  # fmt: skip
    if board.initiatives:
        tables.append(
            (
                gettext("Initiatives and their measured effects"),
                [gettext("Initiative"), gettext("Status"), gettext("Effect"),
                 gettext("ROI (percentage of the cost)")],
                [
                    [str(i.get("name", "")), i["status_label"], _effect(i), i["roi_label"]]
                    for i in display.initiative_rows(board)
                ],
            )
        )  # fmt: skip
    if board.departments:
        tables.append(
            (
                gettext("Each department's share of the efforts"),
                [gettext("Department"), gettext("Cases closed"), gettext("Initiatives"),
                 gettext("Share")],
                [
                    [str(d["name"]), d["cases_label"], d["initiatives_label"], d["share_label"]]
                    for d in display.department_rows(board)
                ],
            )
        )  # fmt: skip
    return tables


def _effect(row: Mapping[str, Any]) -> str:
    if row.get("effect") is None:
        return "—"
    effect = display.number(row["effect"], "score7", sign=True)
    if row.get("ci_low") is not None and row.get("ci_high") is not None:
        low = display.number(row["ci_low"], "score7")
        high = display.number(row["ci_high"], "score7")
        effect += f" ({low} – {high})"
    return effect


def summary_lines(board: Board) -> list[str]:
    """The loop, maturity and governance sections in a sentence each."""
    lines = []
    if board.loop:
        lines.append(
            gettext(
                "Closed loop: %(opened)s cases opened, %(closed)s closed, %(within)s within "
                "SLA (%(pct)s), median time to close %(hours)s."
            )
            % {
                "opened": display.number(board.loop.get("opened"), "count"),
                "closed": display.number(board.loop.get("closed"), "count"),
                "within": display.number(board.loop.get("within_sla"), "count"),
                "pct": display.number(board.loop.get("within_sla_pct"), "percent"),
                "hours": display.number(board.loop.get("median_hours_to_close"), "hours"),
            }
        )
    if board.maturity:
        lines.append(
            gettext("Maturity: level %(level)s (%(label)s), campaign %(campaign)s.")
            % {k: board.maturity.get(k, "") for k in ("level", "label", "campaign")}
        )
    gm = display.governance(board)
    if gm:
        lines.append(
            gettext("Governance model: %(chosen)s chosen (recommended: %(recommended)s).")
            % {
                "chosen": gm["chosen"] or gettext("not chosen yet"),
                "recommended": gm["recommended"] or "—",
            }
        )
    return lines


def board_pdf(board: Board, *, language: str) -> bytes:
    """The board of ``board.month`` as a portrait A4 PDF in ``language``."""
    with override(language):
        return _pdf(board)


def _pdf(board: Board) -> bytes:
    from fpdf import FPDF
    from PIL import Image

    title = gettext("Executive board: %(month)s") % {"month": display.month_text(board.month)}
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_title(text(title))
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(words: str, size: int = 12) -> None:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(0, 7, text(words), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)

    def paragraph(words: str) -> None:
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(0, 5, text(words), new_x="LMARGIN", new_y="NEXT")

    def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        pdf.set_font("Helvetica", "", 8)
        pdftext.table(pdf, headers, rows, first=55.0, text=text)

    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, text(title), new_x="LMARGIN", new_y="NEXT")
    paragraph(
        gettext("Against %(previous)s and %(year)s. ▲▼ marks a significant change (5 %%).")
        % {
            "previous": display.month_text(board.previous_month),
            "year": display.month_text(board.year_before_month),
        }
    )
    if board.comment:
        heading(gettext("The CX lead's comment"), 11)
        paragraph(board.comment)
    heading(gettext("Headline"))
    table(*kpi_table([display.kpi_row(k) for k in display.headline_keys(board)]))
    specs = board_charts(board)
    for group in GROUPS:
        kpis = board.group(group)
        if not kpis:
            continue
        heading(str(display.GROUP_TEXT[group]))
        if group == "voice":
            for name in ("voice_nps", "voice_ces", "voice_csat"):
                if name in specs:
                    _chart(pdf, Image, chart_title(name), board_png(specs[name]), width)
                    metric = name.removeprefix("voice_")
                    table(*kpi_table([display.kpi_row(k) for k in voice_kpis(board, metric)]))
            shown = {k.kpi for m in ("nps", "ces", "csat") for k in voice_kpis(board, m)}
            rest = [k for k in kpis if k.kpi not in shown]
            if rest:
                table(*kpi_table([display.kpi_row(k) for k in rest]))
        else:
            table(*kpi_table([display.kpi_row(k) for k in kpis]))
    for name in ("irritants", "departments"):
        if name in specs:
            _chart(pdf, Image, chart_title(name), board_png(specs[name]), width)
    for words, headers, rows in section_tables(board):
        heading(words, 11)
        table(headers, rows)
    lines = summary_lines(board)
    if lines:
        heading(gettext("Maturity and governance"), 11)
        for line in lines:
            paragraph(line)
    heading(gettext("How the status is set"), 11)
    paragraph(display.rule_text(board))
    return bytes(pdf.output())


def _chart(pdf: Any, image_module: Any, title: str, image: bytes, width: float) -> None:
    """``image`` under ``title``, scaled to the page width (at most a third of a page high);
    on a new page when it does not fit what is left."""
    with image_module.open(io.BytesIO(image)) as im:
        w_px, h_px = im.size
    w = width
    h = w * h_px / w_px
    if h > (pdf.h - pdf.t_margin - pdf.b_margin) / 2.5:
        h = (pdf.h - pdf.t_margin - pdf.b_margin) / 2.5
        w = h * w_px / h_px
    if pdf.get_y() + h + 10 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.image(io.BytesIO(image), x=pdf.l_margin, w=w, h=h)
    pdf.ln(1)
