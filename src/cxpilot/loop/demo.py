"""The demo company's closed loop: follow-up cases for its last month of answers, and the
alerts of its history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cxpilot.loop.alerts import alerts_check
from cxpilot.loop.models import Alert, FollowUpCase
from cxpilot.loop.services import cases_open_from_warehouse


def demo_load(*, seed: int, period_end: dt.date) -> dict[str, Any]:
    """Open the cases of the month that ends the demo data and raise the alerts of its history
    (both methods: month to month, and the weekly CUSUM's sustained shifts).

    The cases and alerts of an earlier demo are removed first: they referred to answers the
    regeneration replaced.
    """
    FollowUpCase.objects.all().delete()
    Alert.objects.all().delete()
    opened = cases_open_from_warehouse(since=period_end.replace(day=1))
    day_after = period_end + dt.timedelta(days=1)
    alerts = alerts_check(period="month", as_of=day_after, history=True)
    return {"cases": opened, "alerts": len(alerts)}
