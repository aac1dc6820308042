"""Fixtures of the maturity tests: the campaigns' lead, campaigns answered through the service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

import pytest

from cxpilot.maturity import services
from cxpilot.maturity.catalog import model_load
from cxpilot.maturity.models import Campaign
from cxpilot.organisation.models import Department


@pytest.fixture
def lead_user(make_user):
    """The CX lead who runs the campaigns (the root ``lead`` fixture is a logged-in client)."""
    return make_user("cx_lead", username="lea")


Answered = Callable[..., Campaign]


@pytest.fixture
def answered(org, lead_user) -> Answered:
    """A campaign where each (department, rating) pair is one respondent rating every practice
    the same; ``close`` closes it."""

    def make(
        respondents: Sequence[tuple[str, int]],
        *,
        name: str = "2025",
        starts_on: dt.date = dt.date(2025, 11, 1),
        close: bool = True,
        picks: Mapping[str, Sequence[str]] | None = None,
    ) -> Campaign:
        campaign = services.campaign_create(
            actor=lead_user,
            name=name,
            starts_on=starts_on,
            ends_on=starts_on + dt.timedelta(days=30),
        )
        practices = list(model_load().practices)
        for dept_key, rating in respondents:
            department = Department.objects.get(key=dept_key)
            [(_, invitation)] = services.campaign_invite(
                actor=lead_user, campaign=campaign, department=department, count=1
            )
            services.response_save(
                token=invitation.token,
                ratings=dict.fromkeys(practices, rating),
                current=list((picks or {}).get("current", [])),
                desired=list((picks or {}).get("desired", [])),
                submit=True,
            )
        if close:
            campaign = services.campaign_close(actor=lead_user, campaign=campaign)
        return campaign

    return make
