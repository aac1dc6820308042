"""The survey fatigue rule and the sampling decision: pure functions, no Django, no I/O.

Each survey is asked of a known customer at most once per *recontact period*: the survey's own
period when it sets one, else the global one. Periods are per survey, so an NPS survey and a
CES survey run side by side, each at most every N days for the same customer.

- An **answer** is refused when the customer answered the same survey within the period.
- The **widget** (or an invitation) is not shown when the customer was shown or answered the
  same survey within the period, nor when the customer falls outside the sample.

Sampling is deterministic: a hash of (survey, customer, period number) against the sampling
rate, so the same customer gets the same decision throughout a period, and a new draw the next.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SHOW, FATIGUED, SAMPLED_OUT = "show", "fatigued", "sampled_out"
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Contact:
    """One entry of a customer's contact log for one survey."""

    at: datetime
    answered: bool


def recontact_period(*, survey_days: int | None, global_days: int) -> int:
    """The period in days that applies to a survey: its own when set, else the global one."""
    return global_days if survey_days is None else survey_days


def last_contact(contacts: Iterable[Contact], *, answered_only: bool) -> datetime | None:
    times = [c.at for c in contacts if c.answered or not answered_only]
    return max(times) if times else None


def may_answer(contacts: Iterable[Contact], *, now: datetime, days: int) -> bool:
    """False when the customer answered within the last ``days`` days (0 days: no limit)."""
    last = last_contact(contacts, answered_only=True)
    return days <= 0 or last is None or now - last >= timedelta(days=days)


def may_show(contacts: Iterable[Contact], *, now: datetime, days: int) -> bool:
    """False when the customer was shown or answered the survey within ``days`` days."""
    last = last_contact(contacts, answered_only=False)
    return days <= 0 or last is None or now - last >= timedelta(days=days)


def in_sample(*, survey_key: str, customer_id: str, rate: float, now: datetime, days: int) -> bool:
    """Whether the customer is in the sample of this survey for the current period."""
    if rate >= 1:
        return True
    if rate <= 0:
        return False
    period = (now - _EPOCH).days // max(days, 1)
    digest = hashlib.sha256(f"{survey_key}\x1f{customer_id}\x1f{period}".encode()).digest()
    draw = int.from_bytes(digest[:8], "big") / 2**64
    return draw < rate


def decide(
    contacts: Iterable[Contact],
    *,
    survey_key: str,
    customer_id: str,
    rate: float,
    now: datetime,
    days: int,
) -> str:
    """SHOW, FATIGUED or SAMPLED_OUT for showing a survey to a known customer now."""
    if not may_show(contacts, now=now, days=days):
        return FATIGUED
    if not in_sample(survey_key=survey_key, customer_id=customer_id, rate=rate, now=now, days=days):
        return SAMPLED_OUT
    return SHOW
