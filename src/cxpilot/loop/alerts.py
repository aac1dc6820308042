"""Alerts on significant drops: when a metric on a touchpoint falls significantly from one
period to the next (the period tests of :mod:`cxpilot.analytics.metrics`, both periods with at least
the minimum sample), an alert is raised once, shown in the app, and sent by e-mail and to a
Slack-compatible webhook after the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.request
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from cxpilot.analytics.metrics import METRICS, metric_groups
from cxpilot.kernel import periods
from cxpilot.loop.models import Alert, LoopSettings

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
        rows = metric_groups(metric=metric, by=["touchpoint", period], end=end)
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
                    "metric": metric,
                    "touchpoint": row["touchpoint"],
                    "period_kind": period,
                    "period": row[period],
                    "previous_score": previous_score[prev_key],
                    "score": row["score"],
                    "delta": row["delta"],
                    "p_value": row["p_value"],
                    "n": row["n"],
                }
            )
    return found


def _previous_key(
    rows: list[dict[str, Any]], row: dict[str, Any], period: str
) -> tuple[str, str] | None:
    key = (row["touchpoint"], periods.previous_key(period, row[period]))
    return key if any((r["touchpoint"], r[period]) == key for r in rows) else None


def alerts_check(
    *, period: str = "month", as_of: dt.date | None = None, history: bool = False
) -> list[Alert]:
    """Raise an alert for each new significant drop (once: an alert already raised for the same
    metric, touchpoint and period is not raised again); notify after commit. Also retries the
    notifications of earlier alerts that failed."""
    raised = []
    for drop in drops(period=period, as_of=as_of, history=history):
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


def _message(alert: Alert) -> str:
    return (
        f"CX Pilot: {alert.metric.upper()} on {alert.touchpoint} dropped significantly in "
        f"{alert.period}: {alert.previous_score:.1f} → {alert.score:.1f} ({alert.delta:+.1f}, "
        f"p = {alert.p_value:.4f}, n = {alert.n})"
    )


def alerts_notify(*, alert_ids: list[int]) -> None:
    """Send each alert by e-mail and to the webhook; record what was sent and what failed."""
    loop = LoopSettings.current()
    recipients = [line.strip() for line in loop.alert_emails.splitlines() if line.strip()]
    for alert in Alert.objects.filter(pk__in=alert_ids):
        errors = []
        text = _message(alert)
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
                _post(loop.webhook_url, {"text": text, "alert": _payload(alert)})
                alert.webhook_at = timezone.now()
            except Exception as exc:  # noqa: BLE001 - any delivery failure is recorded and retried
                errors.append(f"webhook: {exc}")
        alert.last_error = "; ".join(errors)
        alert.save(update_fields=["emailed_at", "webhook_at", "last_error"])
        if errors:
            log.warning("alert %s not fully delivered: %s", alert.pk, alert.last_error)


def _payload(alert: Alert) -> dict[str, Any]:
    return {
        "metric": alert.metric,
        "touchpoint": alert.touchpoint,
        "period": alert.period,
        "previous_score": alert.previous_score,
        "score": alert.score,
        "delta": alert.delta,
        "p_value": alert.p_value,
        "n": alert.n,
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
