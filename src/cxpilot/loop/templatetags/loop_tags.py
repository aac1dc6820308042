"""Template tags of the closed loop, for pages of other domains that show its figures (the VoC
dashboard): ``{% load loop_tags %}{% case_kpis_panel %}``."""

from __future__ import annotations

from typing import Any

from django import template

from cxpilot.kernel import roles
from cxpilot.loop.selectors import case_kpis

register = template.Library()


@register.inclusion_tag("loop/case_kpis_panel.html", takes_context=True)
def case_kpis_panel(context: dict[str, Any]) -> dict[str, Any]:
    """The case KPIs of the last 30 days and a link to the cases, for a user who may see them;
    nothing for the others."""
    user = context["request"].user
    if not roles.may(user, "loop.view_followupcase"):
        return {"kpis": None}
    return {"kpis": case_kpis(actor=user)}
