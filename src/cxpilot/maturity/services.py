"""Writes of the maturity domain. Keyword-only, one transaction each, roles checked here.

Respondents write through :func:`response_save` with their personal link's token (no login):
the token is unguessable (``secrets.token_urlsafe``, 192 bits), an answer set can be saved
and resumed until it is submitted, and then it is final.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from cxpilot.kernel import roles
from cxpilot.kernel.errors import SurveyClosed, ValidationError, field_problems
from cxpilot.maturity.catalog import Model, model_load, values_load
from cxpilot.maturity.models import Campaign, Invitation, Rating, ValuePick
from cxpilot.maturity.selectors import campaign_model
from cxpilot.maturity.stats import MAX_PICKS
from cxpilot.organisation.models import Department

ADD = "maturity.add_campaign"
CHANGE = "maturity.change_campaign"
MAX_INVITES = 1000
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


def _token() -> str:
    return secrets.token_urlsafe(24)


@transaction.atomic
def campaign_create(
    *,
    actor: Any,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    model: Model | None = None,
    is_demo: bool = False,
) -> Campaign:
    """Open a campaign on ``model`` (default: the configured maturity model)."""
    roles.require(actor, ADD)
    name = name.strip()
    if not name:
        raise ValidationError(
            "a campaign needs a name",
            where="name",
            problems=field_problems({"name": [gettext("A campaign needs a name.")]}),
        )
    if ends_on < starts_on:
        raise ValidationError(
            "the campaign ends before it starts",
            where="ends_on",
            problems=field_problems(
                {"ends_on": [gettext("The end date is before the start date.")]}
            ),
        )
    model = model or model_load()
    return Campaign.objects.create(
        name=name[:200],
        model_name=model.name["en"][:200],
        model=dict(model.data),
        starts_on=starts_on,
        ends_on=ends_on,
        is_demo=is_demo,
    )


def parse_emails(text: str) -> list[str]:
    """E-mail addresses separated by commas, semicolons, spaces or new lines (deduplicated)."""
    out: list[str] = []
    for item in re.split(r"[\s,;]+", text.strip()):
        if not item:
            continue
        if not EMAIL.match(item):
            raise ValidationError(
                f"{item!r} is not an e-mail address",
                where="emails",
                problems=field_problems(
                    {"emails": [gettext("“%(item)s” is not an e-mail address.") % {"item": item}]}
                ),
            )
        if item.lower() not in (e.lower() for e in out):
            out.append(item)
    return out


@transaction.atomic
def campaign_invite(
    *,
    actor: Any,
    campaign: Campaign,
    department: Department,
    emails: Sequence[str] = (),
    count: int = 0,
) -> list[tuple[str, Invitation]]:
    """Create one personal link per e-mail address (or ``count`` links) for a department.

    Returns (e-mail or "", invitation) pairs. The e-mail addresses are not stored: the links
    are shown once to be sent, so that answers cannot be traced back to a person.
    """
    roles.require(actor, CHANGE)
    if campaign.status != Campaign.Status.OPEN:
        raise SurveyClosed("the campaign is closed", where="campaign")
    if emails and count and int(count) != len(emails):
        message = gettext(
            "You gave %(emails)d e-mail addresses and asked for %(count)d links: give the "
            "addresses (one link each) or a number of links, not both."
        ) % {"emails": len(emails), "count": int(count)}
        raise ValidationError(
            f"{len(emails)} e-mail addresses but {int(count)} links asked for: give one or "
            "the other",
            where="count",
            problems=field_problems({"count": [message]}),
        )
    targets = list(emails) or [""] * int(count)
    if not targets:
        raise ValidationError(
            "give e-mail addresses or a number of links",
            where="emails",
            problems=field_problems(
                {"emails": [gettext("Give e-mail addresses or a number of links.")]}
            ),
        )
    if len(targets) > MAX_INVITES:
        raise ValidationError(
            f"at most {MAX_INVITES} links at a time",
            where="count",
            problems=field_problems(
                {"count": [gettext("At most %(n)d links at a time.") % {"n": MAX_INVITES}]}
            ),
        )
    out = []
    for email in targets:
        invitation = Invitation.objects.create(
            campaign=campaign, department=department, department_key=department.key, token=_token()
        )
        out.append((email, invitation))
    return out


@transaction.atomic
def campaign_close(*, actor: Any, campaign: Campaign) -> Campaign:
    """Close a campaign: no more answers; it joins the level history."""
    roles.require(actor, CHANGE)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.CLOSED:
        campaign.status = Campaign.Status.CLOSED
        campaign.closed_at = timezone.now()
        campaign.save(update_fields=["status", "closed_at"])
    return campaign


@transaction.atomic
def response_save(
    *,
    token: str,
    ratings: Mapping[str, int | None],
    current: Sequence[str],
    desired: Sequence[str],
    submit: bool,
) -> Invitation:
    """Save (and with ``submit``, finalise) the answer set of a personal link.

    Everything is checked first; a problem raises ValidationError with ``extra`` mapping the
    field (``practice key``, ``current``, ``desired``) to messages, and nothing is written.
    """
    try:
        invitation = (
            Invitation.objects.select_for_update().select_related("campaign").get(token=token)
        )
    except Invitation.DoesNotExist:
        from cxpilot.kernel.errors import NotFound

        raise NotFound("this link is not valid") from None
    if invitation.submitted_at is not None:
        raise SurveyClosed("these answers were already submitted", where="token")
    if invitation.campaign.status != Campaign.Status.OPEN:
        raise SurveyClosed("the campaign is closed", where="campaign")
    model = campaign_model(invitation.campaign)
    catalogue = values_load()
    problems: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    for practice, value in ratings.items():
        if practice not in model.practices:
            problems.setdefault(practice, []).append("Unknown practice.")
        elif value is not None:
            if not 1 <= int(value) <= 4:
                problems.setdefault(practice, []).append("Choose a rating from 1 to 4.")
            else:
                clean[practice] = int(value)
    picks = {"current": list(dict.fromkeys(current)), "desired": list(dict.fromkeys(desired))}
    for lens, chosen in picks.items():
        unknown = [v for v in chosen if v not in catalogue]
        if unknown:
            problems.setdefault(lens, []).append(f"Unknown value: {unknown[0]}.")
        if len(chosen) > MAX_PICKS:
            problems.setdefault(lens, []).append(
                f"Choose at most {MAX_PICKS} values (you chose {len(chosen)})."
            )
    if submit:
        for practice in model.practices:
            if practice not in clean and practice not in problems:
                problems.setdefault(practice, []).append("Rate this practice.")
    if problems:
        first = next(iter(problems))
        raise ValidationError(
            f"{len(problems)} answer(s) to check", where=first, problems=field_problems(problems)
        )
    invitation.ratings.all().delete()
    Rating.objects.bulk_create(
        Rating(invitation=invitation, practice=p, rating=r) for p, r in clean.items()
    )
    invitation.picks.all().delete()
    ValuePick.objects.bulk_create(
        ValuePick(invitation=invitation, lens=lens, value=v)
        for lens, chosen in picks.items()
        for v in chosen
    )
    now = timezone.now()
    invitation.saved_at = now
    if submit:
        invitation.submitted_at = now
    invitation.save(update_fields=["saved_at", "submitted_at"])
    return invitation
