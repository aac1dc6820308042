"""Pages of the customer-value domain. Thin: selectors read, services write."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cxpilot.kernel import roles
from cxpilot.kernel.errors import ValidationError

VALUE_PERMISSION = "value.view_value"

# --- churn risk


def _churn_csv(rows: list[dict[str, Any]], has_clv: bool, has_cases: bool) -> HttpResponse:
    import io

    from cxpilot.kernel import csvcells

    out = io.StringIO()
    writer = csvcells.writer(out)
    header = ["customer", "risk", "segment"]
    header += ["clv"] if has_clv else []
    header += ["nps_last"]
    header += ["open_cases"] if has_cases else []
    header += ["reason_1", "reason_2", "reason_3"]
    writer.writerow(header)
    for row in rows:
        cells: list[Any] = [row["customer"], f"{row['risk']:.4f}", row["segment"] or ""]
        if has_clv:
            cells.append("" if row["clv"] is None else f"{row['clv']:.2f}")
        cells.append("" if row["nps_last"] is None else row["nps_last"])
        if has_cases:
            cells.append(row["open_cases"])
        words = [r["words"] for r in row["reasons"]]
        cells += (words + ["", "", ""])[:3]
        writer.writerow(cells)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="churn-risk.csv"'
    return response


@require_GET
def churn_page(request: HttpRequest) -> HttpResponse:
    """The persons ranked by churn risk, with their top reasons; the model's AUC and
    calibration curve."""
    from cxpilot.value.churn import calibration_chart, churn_risk_list

    roles.require(request.user, VALUE_PERMISSION)
    segment = request.GET.get("segment", "").strip() or None
    export = request.GET.get("format") == "csv"
    context: dict[str, Any] = {"result": None, "problem": "", "segment": segment or ""}
    try:
        found = churn_risk_list(actor=request.user, segment=segment, limit=None if export else 200)
    except ValidationError as exc:
        context["problem"] = exc.detail
        return render(request, "value/churn.html", context, status=400 if segment else 200)
    if export:
        return _churn_csv(found.rows, found.has_clv, found.has_cases)
    calibration = found.model.get("calibration") or []
    context.update(
        {
            "result": found,
            "model": found.model,
            "calibration": calibration,
            "chart": calibration_chart(calibration) if calibration else None,
            "has_customer_page": roles.may(request.user, "customer360.view_customer"),
        }
    )
    return render(request, "value/churn.html", context)
