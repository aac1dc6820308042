"""Alerts on drops, by two methods side by side:

- ``period``: a metric on a touchpoint falls significantly from one period to the next (the
  period tests of :mod:`cxpilot.analytics.metrics`, both periods with at least the minimum
  sample);
- ``cusum``: a sustained shift, found week by week by the lower CUSUM of
  :mod:`cxpilot.loop.stats` (a drop that builds over weeks or straddles two periods).

Each alert is raised once, shown in the app, and sent by e-mail and to a Slack-compatible
webhook after the transaction commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import urllib.request
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from cxpilot.analytics.metrics import METRICS, metric_groups, metric_sums
from cxpilot.kernel import periods
from cxpilot.loop import stats
from cxpilot.loop.models import Alert, AlertMethod, LoopSettings

log = logging.getLogger("cxpilot.alerts")
PERIODS = periods.GRAINS


def drops(
    *, period: str = "month", as_of: dt.date | None = None, history: bool = False
) -> list[dict[str, Any]]:
    """Significant drops per metric and touchpoint: in the last complete period, or in every
    period with ``history``."""
    if period not in PERIODS:
        from cxpilot.kernel.errors import ValidationError

        raise ValidationError(f"the period is month or week, not {period!r}", where="--period")
    loop = LoopSettings.current()
    _, end, label = periods.last_complete(period, as_of or timezone.localdate())
    found = []
    for metric in METRICS:
        rows = metric_groups(metric=metric, by=["touchpoint", period], end=end, customers=False)
        previous_n = {(r["touchpoint"], r[period]): r["n"] for r in rows}
        previous_score = {(r["touchpoint"], r[period]): r["score"] for r in rows}
        for row in rows:
            p_value = row.get("p_value")
            if p_value is None or p_value >= loop.alert_alpha or (row.get("delta") or 0) >= 0:
                continue
            if not history and row[period] != label:
                continue
            prev_key = _previous_key(rows, row, period)
            if prev_key is None:
                continue
            if min(row["n"], previous_n[prev_key]) < loop.alert_min_sample:
                continue
            found.append(
                {
                    "method": AlertMethod.PERIOD,
                    "metric": metric,
                    "touchpoint": row["touchpoint"],
                    "period_kind": period,
                    "period": row[period],
                    "detected_on": periods.period_bounds(period, row[period])[1],
                    "previous_score": previous_score[prev_key],
                    "score": row["score"],
                    "delta": row["delta"],
                    "p_value": row["p_value"],
                    "n": row["n"],
                    "evidence": {
                        "test": _TESTS[metric],
                        "alpha": loop.alert_alpha,
                        "previous_period": prev_key[1],
                        "previous_n": previous_n[prev_key],
                        "min_sample": loop.alert_min_sample,
                    },
                }
            )
    return found


_TESTS = {
    "nps": "z-test of two NPS",
    "ces": "Welch t-test of two means",
    "csat": "two-proportion z-test of % satisfied",
}


def shifts(
    *,
    as_of: dt.date | None = None,
    since: dt.date | None = None,
    params: stats.Cusum = stats.CUSUM,
) -> list[dict[str, Any]]:
    """Sustained drops per metric and touchpoint, found by the lower CUSUM over the complete
    weeks before ``as_of`` (today by default); those detected from ``since`` on (all without
    it). The warehouse sums each week; :func:`cxpilot.loop.stats.detect_shifts` does the rest."""
    loop = LoopSettings.current()
    params = dataclasses.replace(params, min_answers=loop.alert_min_sample)
    last_day = periods.week_start(as_of or timezone.localdate()) - dt.timedelta(days=1)
    found = []
    for metric in METRICS:
        series: dict[str, list[dict[str, Any]]] = {}
        for row in metric_sums(metric=metric, by=["touchpoint", "week"], end=last_day):
            if row["touchpoint"] is not None and row["week"] is not None:
                series.setdefault(row["touchpoint"], []).append(row)
        for touchpoint, rows in sorted(series.items()):
            weeks = [dt.date.fromisoformat(r["week"]) for r in rows]
            sums = {name: [r[name] for r in rows] for name in stats.SUMS}
            for shift in stats.detect_shifts(metric=metric, weeks=weeks, sums=sums, params=params):
                if since is not None and shift.detected_on < since:
                    continue
                found.append(_shift_alert(metric, touchpoint, shift, params))
    return found


def _shift_alert(
    metric: str, touchpoint: str, shift: stats.Shift, params: stats.Cusum
) -> dict[str, Any]:
    return {
        "method": AlertMethod.CUSUM,
        "metric": metric,
        "touchpoint": touchpoint,
        "period_kind": "week",
        "period": shift.detected_week.isoformat(),
        "detected_on": shift.detected_on,
        "previous_score": round(shift.baseline, 4),
        "score": round(shift.score, 4),
        "delta": round(shift.delta, 4),
        "p_value": None,
        "n": shift.n,
        "evidence": {
            "statistic": round(shift.statistic, 3),
            "threshold": shift.threshold,
            "k": shift.k,
            "shift_start": shift.start.isoformat(),
            "weeks": shift.weeks,
            "z": round(shift.z, 2),
            "sd": round(shift.sd, 4),
            "baseline_n": shift.baseline_n,
            "reference_start": shift.reference_start.isoformat(),
            "reference_end": shift.reference_end.isoformat(),
            "min_answers": params.min_answers,
        },
    }


def _previous_key(
    rows: list[dict[str, Any]], row: dict[str, Any], period: str
) -> tuple[str, str] | None:
    key = (row["touchpoint"], periods.previous_key(period, row[period]))
    return key if any((r["touchpoint"], r[period]) == key for r in rows) else None


def alerts_check(
    *, period: str = "month", as_of: dt.date | None = None, history: bool = False
) -> list[Alert]:
    """Raise an alert for each new drop, by both methods: the significant drops from one
    period to the next, and the sustained shifts of the weekly CUSUM (detected in the last
    complete period or since, or at any time with ``history``). Once: an alert already
    raised for the same method, metric, touchpoint and period is not raised again, nor a shift
    that a stored one already reported. Notify after commit; also retry the notifications of
    earlier alerts that failed."""
    day = as_of or timezone.localdate()
    found = drops(period=period, as_of=day, history=history)  # checks ``period`` first
    since = None if history else periods.last_complete(period, day)[0]
    found += shifts(as_of=day, since=since)
    raised = []
    for drop in found:
        if drop["method"] == AlertMethod.CUSUM and _already_reported(drop):
            continue
        try:
            with transaction.atomic():
                alert = Alert.objects.create(**drop)
        except IntegrityError:
            continue
        raised.append(alert)
    pending = [
        a.pk for a in Alert.objects.filter(acknowledged_at__isnull=True).exclude(last_error="")
    ]
    ids = [a.pk for a in raised] + pending
    if ids:
        transaction.on_commit(lambda: alerts_notify(alert_ids=ids))
    return raised


def _already_reported(shift: dict[str, Any]) -> bool:
    """Whether a stored CUSUM alert of the same series lies within the pause the detector
    keeps after a signal: then it reported this shift (on data that has since changed, say
    answers imported late), and the detector cannot have signalled twice so close."""
    pause = dt.timedelta(weeks=stats.CUSUM.min_reference_weeks)
    day: dt.date = shift["detected_on"]
    return Alert.objects.filter(
        method=AlertMethod.CUSUM,
        metric=shift["metric"],
        touchpoint=shift["touchpoint"],
        detected_on__gt=day - pause,
        detected_on__lt=day + pause,
    ).exists()


def _fmt(alert: Alert, value: float, sign: bool = False) -> str:
    digits = 1 if alert.measure != "mean" else 2
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def message(alert: Alert) -> str:
    """The one-line text of an alert, as sent by e-mail and to the webhook."""
    change = (
        f"{_fmt(alert, alert.previous_score)} → {_fmt(alert, alert.score)} "
        f"({_fmt(alert, alert.delta, sign=True)}"
    )
    if alert.method == AlertMethod.CUSUM:
        evidence = alert.evidence
        return (
            f"CX Pilot: {alert.metric.upper()} on {alert.touchpoint} has dropped since "
            f"{evidence.get('shift_start')} (sustained shift, CUSUM, detected on "
            f"{alert.detected_on}): {change}, n = {alert.n}, "
            f"S = {evidence.get('statistic', 0):.1f} > {evidence.get('threshold')})"
        )
    p_value = f"p = {alert.p_value:.4f}, " if alert.p_value is not None else ""
    return (
        f"CX Pilot: {alert.metric.upper()} on {alert.touchpoint} dropped significantly in "
        f"{alert.period}: {change}, {p_value}n = {alert.n})"
    )


def alerts_notify(*, alert_ids: list[int]) -> None:
    """Send each alert by e-mail and to the webhook; record what was sent and what failed."""
    loop = LoopSettings.current()
    recipients = [line.strip() for line in loop.alert_emails.splitlines() if line.strip()]
    for alert in Alert.objects.filter(pk__in=alert_ids):
        errors = []
        text = message(alert)
        if recipients and alert.emailed_at is None:
            try:
                send_mail(
                    f"[CX Pilot] {alert.metric.upper()} drop on {alert.touchpoint}",
                    text,
                    None,
                    recipients,
                )
                alert.emailed_at = timezone.now()
            except Exception as exc:  # noqa: BLE001 - any mail failure is recorded and retried
                errors.append(f"e-mail: {exc}")
        if loop.webhook_url and alert.webhook_at is None:
            try:
                _post(loop.webhook_url, {"text": text, "alert": alert_row(alert)})
                alert.webhook_at = timezone.now()
            except Exception as exc:  # noqa: BLE001 - any delivery failure is recorded and retried
                errors.append(f"webhook: {exc}")
        alert.last_error = "; ".join(errors)
        alert.save(update_fields=["emailed_at", "webhook_at", "last_error"])
        if errors:
            log.warning("alert %s not fully delivered: %s", alert.pk, alert.last_error)


def evidence_text(alert: Alert) -> str:
    """The evidence of an alert in a few words: the p-value, or the CUSUM past its threshold
    and the estimated start of the shift."""
    if alert.method == AlertMethod.CUSUM:
        e = alert.evidence
        return (
            f"S = {e.get('statistic', 0):.1f} > {e.get('threshold', 0):g} "
            f"since {e.get('shift_start')}"
        )
    return f"p = {alert.p_value:.2g}" if alert.p_value is not None else ""


def alert_row(alert: Alert) -> dict[str, Any]:
    """An alert as a row of stable snake_case keys (the CLI's JSON, the webhook's payload)."""
    return {
        "id": alert.pk,
        "method": alert.method,
        "metric": alert.metric,
        "touchpoint": alert.touchpoint,
        "period_kind": alert.period_kind,
        "period": alert.period,
        "detected_on": alert.detected_on.isoformat() if alert.detected_on else None,
        "measure": alert.measure,
        "previous_score": alert.previous_score,
        "score": alert.score,
        "delta": alert.delta,
        "p_value": alert.p_value,
        "n": alert.n,
        "evidence": alert.evidence,
        "raised_at": alert.raised_at.isoformat(timespec="seconds") if alert.raised_at else None,
        "acknowledged": alert.acknowledged_at is not None,
    }


def _post(url: str, body: dict[str, Any]) -> None:
    if not url.startswith(("http://", "https://")):
        raise ValueError("the webhook must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        if response.status >= 300:
            raise OSError(f"HTTP {response.status}")
