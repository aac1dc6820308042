"""Writes of the survey domain: definitions, settings, public keys, submissions, contacts.

Keyword-only, one transaction each, roles checked here. Surveys are edited by the CX lead and
the admin. A submission (hosted page, widget or API) becomes ``responses`` records committed to
the inbox with ``actor=None`` (the system): it returns only once they are committed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from cxpilot.kernel import roles
from cxpilot.kernel.errors import (
    IdempotencyConflict,
    PermissionDenied,
    ProblemList,
    SurveyClosed,
    SurveyFatigued,
    Unauthorized,
    ValidationError,
    field_problems,
)
from cxpilot.kernel.groupcommit import GroupCommit
from cxpilot.kernel.ratelimit import rate_limit_hit
from cxpilot.kernel.roles import Actor
from cxpilot.kernel.sql import insert_rows
from cxpilot.organisation.models import JourneyStage, Touchpoint
from cxpilot.surveys import fatigue
from cxpilot.surveys.models import (
    PUBLIC_KEY_PREFIX,
    SCORED_KINDS,
    ContactEvent,
    ContactLog,
    Language,
    Question,
    QuestionKind,
    Submission,
    Survey,
    SurveySettings,
    new_public_key,
)
from cxpilot.warehouse.connection import TEST_CHANNEL
from cxpilot.warehouse.inbox import inbox_add, inbox_rows
from cxpilot.warehouse.schema import METRIC_RANGES

#: Roles that create and edit surveys (others read them).
VIEW_PERM = "organisation.view_analytics"
CHANNELS = ("hosted", "widget", "api", TEST_CHANNEL)  # a test answer: the survey's preview
LANGUAGES: tuple[str, ...] = tuple(Language.values)
SOURCE = "survey"

MAX_QUESTIONS = 30
MAX_CHOICES = 20
MAX_TITLE = 200
MAX_INTRO = 2000
MAX_QUESTION_TEXT = 500
MAX_CHOICE_LABEL = 200
MAX_VERBATIM = 5000
MAX_RECONTACT_DAYS = 3650
MAX_IDEMPOTENCY_KEY = 200
MAX_CUSTOMER_ID = 120

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_CONTROL = re.compile(r"[\x00-\x1f]")
_DEFINITION_FIELDS = {
    "key",
    "title",
    "intro",
    "thanks",
    "default_language",
    "touchpoints",
    "stage",
    "sampling_rate",
    "recontact_days",
    "is_active",
    "questions",
}
_QUESTION_FIELDS = {"key", "kind", "text", "choices", "show_if"}


# --- Roles ---------------------------------------------------------------------------------


def can_edit(actor: Actor) -> bool:
    """Whether ``actor`` may create, edit or delete surveys (``None`` is the system)."""
    return roles.may(actor, "surveys.change_survey")


def require_editor(actor: Actor) -> None:
    if not can_edit(actor):
        raise PermissionDenied("only the CX lead and the admin edit surveys")


# --- Definitions ---------------------------------------------------------------------------


class _Problems(ProblemList):
    """Problems found in a definition, by path (``title.en``, ``questions.2.show_if.min``)."""

    def at(self, path: str) -> bool:
        return any(p.where == path for p in self.items)

    def raise_if_any(self, detail: str, *, where: str | None = None) -> None:
        super().raise_if_any(
            lambda count, first: (
                gettext("%(detail)s: %(count)d problem(s); %(where)s: %(reason)s")
                % {"detail": detail, "count": count, "where": first.where, "reason": first.reason}
            )
        )


def _texts(
    value: Any,
    path: str,
    problems: _Problems,
    *,
    default: str,
    required: bool,
    max_length: int,
) -> dict[str, str]:
    if value is None or value == "":
        value = {}
    if isinstance(value, str):
        value = {default: value}
    if not isinstance(value, Mapping):
        problems.add(path, gettext("must map a language (en, fr) to a text"))
        return {}
    out: dict[str, str] = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            problems.add(
                path, gettext("unknown language “%(lang)s”: use en or fr") % {"lang": lang}
            )
            continue
        if text is None:
            continue
        if not isinstance(text, str):
            problems.add(f"{path}.{lang}", gettext("must be text"))
            continue
        text = text.strip()
        if len(text) > max_length:
            problems.add(
                f"{path}.{lang}",
                gettext("is longer than %(max)d characters") % {"max": max_length},
            )
        elif text:
            out[lang] = text
    if required and default not in out:
        problems.add(f"{path}.{default}", gettext("is required in the survey’s default language"))
    return out


def _whole(value: Any) -> int | None:
    """An integer from an int or a string of digits; None for anything else (bools too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,6}\s*", value):
        return int(value)
    return None


def _touchpoints(value: Any, problems: _Problems) -> list[Touchpoint]:
    items = list(value) if isinstance(value, list | tuple | set) else [value] if value else []
    if not items:
        problems.add("touchpoints", gettext("choose at least one touchpoint"))
        return []
    keys = [t.key if isinstance(t, Touchpoint) else str(t).strip().lower() for t in items]
    found = {t.key: t for t in Touchpoint.objects.filter(key__in=keys)}
    unknown = [k for k in keys if k not in found]
    if unknown:
        problems.add(
            "touchpoints",
            gettext("unknown touchpoint(s): %(keys)s") % {"keys": ", ".join(unknown)},
        )
    return [found[k] for k in dict.fromkeys(keys) if k in found]


def _stage(value: Any, problems: _Problems) -> JourneyStage | None:
    if value in (None, ""):
        return None
    if isinstance(value, JourneyStage):
        return value
    stage = None
    if isinstance(value, int) and not isinstance(value, bool):
        stage = JourneyStage.objects.filter(pk=value).first()
    elif isinstance(value, str) and "/" in value:
        journey, _, key = value.partition("/")
        stage = JourneyStage.objects.filter(journey__key=journey.strip(), key=key.strip()).first()
    if stage is None:
        problems.add("stage", gettext("is not a journey stage (use journey/stage keys)"))
    return stage


def _question(
    item: Any,
    i: int,
    earlier: Mapping[str, str],
    taken: set[str],
    problems: _Problems,
    default: str,
) -> dict[str, Any] | None:
    path = f"questions.{i}"
    if not isinstance(item, Mapping):
        problems.add(path, gettext("a question is a mapping"))
        return None
    for name in sorted(set(item) - _QUESTION_FIELDS):
        problems.add(path, gettext("unknown field “%(name)s”") % {"name": name})
    kind = str(item.get("kind") or "").strip().lower()
    if kind not in QuestionKind.values:
        problems.add(
            f"{path}.kind",
            gettext("choose a question type: %(kinds)s")
            % {"kinds": ", ".join(QuestionKind.values)},
        )
    key = str(item.get("key") or "").strip().lower()
    if not key:
        base, n = kind or "q", 2
        key = base
        while key in taken:
            key, n = f"{base}_{n}", n + 1
    if len(key) > 40 or not _SLUG.match(key):
        problems.add(
            f"{path}.key",
            gettext("use lower-case letters, digits, - and _ (at most 40 characters)"),
        )
    elif key in taken:
        problems.add(f"{path}.key", gettext("another question already has this id"))
    taken.add(key)
    text = _texts(
        item.get("text"),
        f"{path}.text",
        problems,
        default=default,
        required=True,
        max_length=MAX_QUESTION_TEXT,
    )
    choices: list[dict[str, Any]] = []
    raw_choices = item.get("choices") or []
    if kind in ("single", "multiple"):
        if not isinstance(raw_choices, list):
            problems.add(f"{path}.choices", gettext("must be a list"))
            raw_choices = []
        if len(raw_choices) < 2 or len(raw_choices) > MAX_CHOICES:
            problems.add(
                f"{path}.choices",
                gettext("a choice question needs from 2 to %(max)d choices") % {"max": MAX_CHOICES},
            )
        values: set[str] = set()
        for j, choice in enumerate(raw_choices):
            cpath = f"{path}.choices"
            if not isinstance(choice, Mapping):
                problems.add(cpath, gettext("choice %(n)d must be a mapping") % {"n": j + 1})
                continue
            value = str(choice.get("value") or "").strip().lower()
            if not value or len(value) > 40 or not _SLUG.match(value):
                problems.add(
                    cpath,
                    gettext("choice %(n)d: the value uses lower-case letters, digits, - and _")
                    % {"n": j + 1},
                )
            elif value in values:
                problems.add(
                    cpath, gettext("choice value “%(value)s” is repeated") % {"value": value}
                )
            values.add(value)
            label = _texts(
                choice.get("label"),
                cpath,
                problems,
                default=default,
                required=True,
                max_length=MAX_CHOICE_LABEL,
            )
            choices.append({"value": value, "label": label})
    elif raw_choices:
        problems.add(f"{path}.choices", gettext("only choice questions have choices"))
    show_if = item.get("show_if") or None
    condition: dict[str, Any] = {"question": "", "min": None, "max": None}
    if show_if is not None:
        if not isinstance(show_if, Mapping):
            problems.add(f"{path}.show_if", gettext("must be a mapping"))
        else:
            ref = str(show_if.get("question") or "").strip().lower()
            low, high = show_if.get("min"), show_if.get("max")
            if ref not in earlier or earlier[ref] not in SCORED_KINDS:
                problems.add(
                    f"{path}.show_if.question",
                    gettext("name an earlier NPS, CES or CSAT question"),
                )
            else:
                scale_low, scale_high = METRIC_RANGES[earlier[ref]]
                for name, bound in (("min", low), ("max", high)):
                    number = _whole(bound) if bound not in (None, "") else None
                    if bound not in (None, "") and number is None:
                        problems.add(f"{path}.show_if.{name}", gettext("must be a whole number"))
                    elif number is not None and not scale_low <= number <= scale_high:
                        problems.add(
                            f"{path}.show_if.{name}",
                            gettext("must be within the scale of %(ref)s (%(low)d–%(high)d)")
                            % {"ref": ref, "low": scale_low, "high": scale_high},
                        )
                    condition[name] = number
                if condition["min"] is None and condition["max"] is None:
                    problems.add(f"{path}.show_if.min", gettext("give a score range"))
                elif (
                    condition["min"] is not None
                    and condition["max"] is not None
                    and condition["min"] > condition["max"]
                ):
                    problems.add(
                        f"{path}.show_if.max", gettext("must not be below the lower bound")
                    )
                condition["question"] = ref
    return {"key": key, "kind": kind, "text": text, "choices": choices, "show_if": condition}


def _definition(definition: Any, *, survey: Survey | None) -> dict[str, Any]:
    """Check and normalise a survey definition; raise ValidationError listing every problem."""
    problems = _Problems()
    if not isinstance(definition, Mapping):
        raise ValidationError("a survey definition is a mapping", where="survey")
    for name in sorted(set(definition) - _DEFINITION_FIELDS):
        problems.add("survey", gettext("unknown field “%(name)s”") % {"name": name})
    out: dict[str, Any] = {}

    key = str(definition.get("key") or (survey.key if survey else "")).strip().lower()
    if not key or len(key) > 60 or not _SLUG.match(key):
        problems.add(
            "key", gettext("use lower-case letters, digits, - and _ (at most 60 characters)")
        )
    elif survey is not None and key != survey.key:
        problems.add("key", gettext("a survey’s key cannot change once it collects answers"))
    elif Survey.objects.filter(key=key).exclude(pk=survey.pk if survey else None).exists():
        problems.add("key", gettext("another survey already has this key"))
    out["key"] = key

    default = str(definition.get("default_language") or Language.EN)
    if default not in LANGUAGES:
        problems.add("default_language", gettext("use en or fr"))
        default = Language.EN
    out["default_language"] = default
    out["title"] = _texts(
        definition.get("title"),
        "title",
        problems,
        default=default,
        required=True,
        max_length=MAX_TITLE,
    )
    for name in ("intro", "thanks"):
        out[name] = _texts(
            definition.get(name),
            name,
            problems,
            default=default,
            required=False,
            max_length=MAX_INTRO,
        )
    out["touchpoints"] = _touchpoints(definition.get("touchpoints"), problems)
    out["stage"] = _stage(definition.get("stage"), problems)

    rate: Any = definition.get("sampling_rate", 1.0)
    try:
        rate = float(rate if not isinstance(rate, bool) else "x")
    except (TypeError, ValueError):
        rate = None
    if rate is None or not 0 <= rate <= 1 or rate != rate:
        problems.add("sampling_rate", gettext("must be a number from 0 to 1"))
        rate = 1.0
    out["sampling_rate"] = rate

    days = definition.get("recontact_days")
    if days in (None, ""):
        out["recontact_days"] = None
    else:
        number = _whole(days)
        if number is None or not 0 <= number <= MAX_RECONTACT_DAYS:
            problems.add(
                "recontact_days",
                gettext("must be a whole number of days from 0 to %(max)d")
                % {"max": MAX_RECONTACT_DAYS},
            )
        out["recontact_days"] = number
    out["is_active"] = bool(definition.get("is_active", True))

    raw_questions = definition.get("questions") or []
    if not isinstance(raw_questions, list):
        problems.add("questions", gettext("must be a list"))
        raw_questions = []
    if len(raw_questions) > MAX_QUESTIONS:
        problems.add("questions", gettext("at most %(max)d questions") % {"max": MAX_QUESTIONS})
    questions: list[dict[str, Any]] = []
    earlier: dict[str, str] = {}
    taken: set[str] = set()
    for i, item in enumerate(raw_questions):
        question = _question(item, i, earlier, taken, problems, default)
        if question is not None:
            questions.append(question)
            earlier[question["key"]] = question["kind"]
    scored = [q for q in questions if q["kind"] in SCORED_KINDS]
    if not scored:
        problems.add("questions", gettext("a survey needs at least one NPS, CES or CSAT question"))
    elif scored[0]["show_if"]["question"]:
        index = questions.index(scored[0])
        problems.add(
            f"questions.{index}.show_if.question",
            gettext("the first scored question is always asked: it cannot be conditional"),
        )
    out["questions"] = questions
    problems.raise_if_any(gettext("the survey definition is not valid"))
    return out


def _save(survey: Survey, data: Mapping[str, Any]) -> Survey:
    for name in (
        "key",
        "title",
        "intro",
        "thanks",
        "default_language",
        "stage",
        "sampling_rate",
        "recontact_days",
        "is_active",
    ):
        setattr(survey, name, data[name])
    survey.full_clean(exclude=["key", "public_key", "touchpoints"])
    survey.save()
    survey.touchpoints.set(data["touchpoints"])
    survey.questions.all().delete()
    Question.objects.bulk_create(
        [
            Question(
                survey=survey,
                position=position,
                key=q["key"],
                kind=q["kind"],
                text=q["text"],
                choices=q["choices"],
                show_if_question=q["show_if"]["question"],
                show_if_min=q["show_if"]["min"],
                show_if_max=q["show_if"]["max"],
            )
            for position, q in enumerate(data["questions"], start=1)
        ]
    )
    return survey


@transaction.atomic
def survey_create(*, actor: Actor, definition: Mapping[str, Any]) -> Survey:
    """Create a survey from its definition (see ``docs/surveys.md``). All or nothing."""
    require_editor(actor)
    data = _definition(definition, survey=None)
    return _save(Survey(), data)


@transaction.atomic
def survey_update(*, actor: Actor, survey: Survey, definition: Mapping[str, Any]) -> Survey:
    """Replace a survey's definition (its questions too); its key and public key stay."""
    require_editor(actor)
    data = _definition(definition, survey=survey)
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    return _save(locked, data)


@transaction.atomic
def survey_delete(*, actor: Actor, survey: Survey) -> None:
    """Delete a survey; its answers already collected stay in the warehouse."""
    require_editor(actor)
    survey.delete()


@transaction.atomic
def survey_key_rotate(*, actor: Actor, survey: Survey) -> Survey:
    """Give the survey a new public key; the old one stops working at once."""
    require_editor(actor)
    survey.public_key = new_public_key()
    survey.key_rotated_at = timezone.now()
    survey.save(update_fields=["public_key", "key_rotated_at", "updated_at"])
    return survey


@transaction.atomic
def survey_settings_update(*, actor: Actor, recontact_days: Any) -> SurveySettings:
    """Set the global recontact period (days; 0 means no limit)."""
    require_editor(actor)
    days = _whole(recontact_days)
    if days is None or not 0 <= days <= MAX_RECONTACT_DAYS:
        raise ValidationError(
            gettext("must be a whole number of days from 0 to %(max)d")
            % {"max": MAX_RECONTACT_DAYS},
            where="recontact_days",
            problems=field_problems(
                {
                    "recontact_days": [
                        gettext("must be a whole number of days from 0 to %(max)d")
                        % {"max": MAX_RECONTACT_DAYS}
                    ]
                }
            ),
        )
    row, _ = SurveySettings.objects.update_or_create(pk=1, defaults={"recontact_days": days})
    return row


# --- Rate limits ---------------------------------------------------------------------------


def collect_authorize(*, public_key: str | None, client_ip: str) -> Survey:
    """The survey a write-only public key may post to, after the rate limits per IP address
    (first, so that guessing keys is slow too) and per key."""
    rate_limit_hit(bucket=f"ip:{client_ip}", limit=limit_per_ip(), where="client")
    survey = None
    if public_key and public_key.startswith(PUBLIC_KEY_PREFIX) and len(public_key) <= 64:
        survey = _survey_by_key(public_key)
    if survey is None or not hmac.compare_digest(survey.public_key, public_key or ""):
        raise Unauthorized(
            "a valid survey public key is required (header X-Survey-Key)", where="X-Survey-Key"
        )
    rate_limit_hit(bucket=f"survey:{survey.pk}", limit=limit_per_key(), where="X-Survey-Key")
    return survey


#: Surveys by public key, with the ``updated_at`` they were read at (as the database gives
#: it): a submission reads that one value (a plain query), and the whole survey only when it
#: changed. Every change to a survey saves it, so a new ``updated_at`` (a rotated key is not
#: found at all: it stops at once).
_by_key: dict[str, tuple[object, Survey]] = {}


def _survey_by_key(public_key: str) -> Survey | None:
    """The survey with this public key, asked of the database at every submission."""
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {quote('updated_at')} FROM {quote(Survey._meta.db_table)} "  # noqa: S608 - names from the model
        f"WHERE {quote('public_key')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [public_key])
        row = cursor.fetchone()
    if row is None:
        _by_key.pop(public_key, None)
        return None
    known = _by_key.get(public_key)
    if known is not None and known[0] == row[0]:
        return known[1]
    survey = Survey.objects.filter(public_key=public_key).first()
    if survey is not None:
        if len(_by_key) > 10_000:
            _by_key.clear()
        _by_key[public_key] = (row[0], survey)
    return survey


def limit_per_ip() -> int:
    """Submissions per minute from one IP address (setting ``CXPILOT_SURVEY_RATE_PER_IP``)."""
    return int(settings.CXPILOT_SURVEY_RATE_PER_IP)  # type: ignore[misc]


def limit_per_key() -> int:
    """Submissions per minute to one survey key (setting ``CXPILOT_SURVEY_RATE_PER_KEY``)."""
    return int(settings.CXPILOT_SURVEY_RATE_PER_KEY)  # type: ignore[misc]


# --- Contacts and submissions --------------------------------------------------------------


def recontact_days(survey: Survey) -> int:
    row = SurveySettings.objects.filter(pk=1).first()
    global_days = row.recontact_days if row is not None else SurveySettings().recontact_days
    return fatigue.recontact_period(survey_days=survey.recontact_days, global_days=global_days)


def _contacts(survey: Survey, customer_id: str, days: int, now: datetime) -> list[fatigue.Contact]:
    if days <= 0:
        return []
    rows = ContactLog.objects.filter(
        survey=survey, customer_id=customer_id, at__gt=now - timedelta(days=days)
    ).values_list("at", "event")
    return [fatigue.Contact(at=at, answered=event == ContactEvent.ANSWERED) for at, event in rows]


def customer_may_answer(*, survey: Survey, customer_id: str, now: datetime | None = None) -> bool:
    """Whether a known customer may answer now (not answered within the recontact period)."""
    now = now or timezone.now()
    days = recontact_days(survey)
    return fatigue.may_answer(_contacts(survey, customer_id, days, now), now=now, days=days)


@transaction.atomic
def contact_record(*, survey: Survey, customer_id: str, channel: str) -> None:
    """Log that a known customer was shown the survey (the hosted page with ``?c=``)."""
    ContactLog.objects.create(
        survey=survey, customer_id=customer_id, event=ContactEvent.SHOWN, channel=channel
    )


@transaction.atomic
def contact_decide(
    *, survey: Survey, customer_id: str, channel: str, now: datetime | None = None
) -> str:
    """Decide whether to show (or invite) a known customer now; log it when shown.

    Returns ``fatigue.SHOW``, ``fatigue.FATIGUED`` or ``fatigue.SAMPLED_OUT``.
    """
    now = now or timezone.now()
    if not survey.is_active:
        return fatigue.FATIGUED
    days = recontact_days(survey)
    decision = fatigue.decide(
        _contacts(survey, customer_id, days, now),
        survey_key=survey.key,
        customer_id=customer_id,
        rate=survey.sampling_rate,
        now=now,
        days=days,
    )
    if decision == fatigue.SHOW:
        _contact_log(survey, customer_id, ContactEvent.SHOWN, channel, now)
    return decision


def _contact_log(survey: Survey, customer_id: str, event: str, channel: str, now: datetime) -> None:
    ContactLog.objects.create(
        survey=survey, customer_id=customer_id, event=event, channel=channel, at=now
    )


@dataclass(frozen=True)
class SubmissionResult:
    submission_id: str
    survey: str
    response_ids: list[str]
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The acknowledgement body (the same for a replay of the same idempotency key)."""
        return {
            "submission_id": self.submission_id,
            "survey": self.survey,
            "response_ids": list(self.response_ids),
        }


def shown_questions(questions: Sequence[Question], answers: Mapping[str, Any]) -> list[Question]:
    """The questions a respondent sees given their answers: a conditional question shows when
    the question it depends on shows and its score is in range."""
    shown: list[Question] = []
    scores: dict[str, Any] = {}
    for q in questions:
        if not q.is_shown(scores):
            continue
        shown.append(q)
        if q.is_scored and q.key in answers:
            scores[q.key] = answers[q.key]
    return shown


def check_answers(
    questions: Sequence[Question], answers: Any, *, strict: bool = False
) -> dict[str, Any]:
    """Check answers (by question id) against the questions; return them typed, in order.

    Only the first scored question is required; answers to later questions may be missing
    (a partial response is kept). Raise ValidationError listing every problem otherwise.
    ``strict`` (the JSON API): a score must be a JSON number, not text such as ``"5"`` (a
    form's fields are text, so the hosted page is not strict).
    """
    if not isinstance(answers, Mapping):
        raise ValidationError(
            "answers must be an object mapping question ids to answers", where="answers"
        )
    problems = _Problems()
    by_key = {q.key: q for q in questions}
    for key in answers:
        if key not in by_key:
            problems.add(
                f"answers.{str(key)[:60]}",
                gettext("is not a question of this survey (its questions: %(keys)s)")
                % {"keys": ", ".join(by_key)},
            )
    clean: dict[str, Any] = {}
    for q in questions:
        value = answers.get(q.key)
        if value is None or value == "" or value == []:
            continue
        path = f"answers.{q.key}"
        if q.scale is not None:
            low, high = q.scale
            score = None if strict and isinstance(value, str) else _whole(value)
            if score is None:
                problems.add(path, gettext("must be a whole number"))
            elif not low <= score <= high:
                problems.add(
                    path,
                    gettext("is out of range for %(metric)s (%(low)d–%(high)d)")
                    % {"metric": q.kind.upper(), "low": low, "high": high},
                )
            else:
                clean[q.key] = score
        elif q.kind == QuestionKind.TEXT:
            if not isinstance(value, str):
                problems.add(path, gettext("must be text"))
            elif "\x00" in value:
                problems.add(path, gettext("may not hold the NUL character"))
            elif len(value) > MAX_VERBATIM:
                problems.add(
                    path, gettext("is longer than %(max)d characters") % {"max": MAX_VERBATIM}
                )
            elif value.strip():
                clean[q.key] = value.strip()
        else:
            allowed = [v for v, _ in q.choice_labels(q.survey.default_language)]
            picked = [value] if isinstance(value, str) else value
            if not isinstance(picked, list) or not all(isinstance(v, str) for v in picked):
                problems.add(path, gettext("must be a choice value or a list of them"))
                continue
            if q.kind == QuestionKind.SINGLE and len(picked) != 1:
                problems.add(path, gettext("takes one choice"))
                continue
            wrong = [v for v in picked if v not in allowed]
            if wrong:
                problems.add(
                    path,
                    gettext("unknown choice(s) %(wrong)s; expected %(allowed)s")
                    % {"wrong": ", ".join(wrong[:5]), "allowed": ", ".join(allowed)},
                )
                continue
            chosen = list(dict.fromkeys(picked))
            clean[q.key] = chosen[0] if q.kind == QuestionKind.SINGLE else chosen
    shown = {q.key for q in shown_questions(questions, clean)}
    for key in list(clean):
        q = by_key[key]
        if key not in shown:
            problems.add(
                f"answers.{key}",
                gettext("is asked only when %(ref)s is from %(low)s to %(high)s")
                % {
                    "ref": q.show_if_question,
                    "low": q.show_if_min if q.show_if_min is not None else "…",
                    "high": q.show_if_max if q.show_if_max is not None else "…",
                },
            )
    first = next((q for q in questions if q.is_scored), None)
    if first is not None and first.key not in clean and not problems.at(f"answers.{first.key}"):
        problems.add(f"answers.{first.key}", gettext("is required"))
    problems.raise_if_any(gettext("the answers are not valid"))
    return clean


def _text_field(value: Any, name: str, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be text", where=name)
    value = value.strip()
    if len(value) > max_length:
        raise ValidationError(f"{name} is longer than {max_length} characters", where=name)
    if _CONTROL.search(value):
        raise ValidationError(f"{name} contains control characters", where=name)
    return value


def resolve_touchpoint(survey: Survey, value: str | None) -> str:
    """The survey touchpoint named by ``value`` (key or name, any case); by default the first
    of the survey's touchpoints by key."""
    touchpoints = survey_shape(survey).touchpoints
    if not touchpoints:
        raise ValidationError(f"survey {survey.key!r} has no touchpoint", where="touchpoint")
    if not value:
        return touchpoints[0][0]
    wanted = value.strip().lower()
    for key, name in touchpoints:
        if wanted in (key.lower(), name.lower()):
            return key
    raise ValidationError(
        f"{value!r} is not a touchpoint of survey {survey.key!r}; "
        f"expected one of {', '.join(key for key, _name in touchpoints)}",
        where="touchpoint",
    )


# --- What a submission is checked against, kept in memory ---------------------------------


@dataclass(frozen=True)
class SurveyShape:
    """What a submission to a survey is checked against: its questions in order and its
    touchpoints ``(key, name)`` by key."""

    questions: tuple[Question, ...]
    touchpoints: tuple[tuple[str, str], ...]


#: Shapes by survey, with the survey's ``updated_at`` they were read at and when. Every edit
#: through the services saves the survey (a new ``updated_at``, seen by every process); a
#: change to a question or touchpoint made otherwise in this process clears the memory (see
#: :func:`forget_shapes`), and an entry is read again after :data:`SHAPE_SECONDS` anyway.
_shapes: dict[int, tuple[datetime | None, float, SurveyShape]] = {}
SHAPE_SECONDS = 30.0


def survey_shape(survey: Survey) -> SurveyShape:
    """The questions and touchpoints of ``survey``, from memory when it has not changed."""
    known = _shapes.get(survey.pk)
    clock = time.monotonic()
    if known is not None and known[0] == survey.updated_at and clock - known[1] < SHAPE_SECONDS:
        return known[2]
    shape = SurveyShape(
        questions=tuple(survey.questions.select_related("survey").order_by("position")),
        touchpoints=tuple(
            sorted((t.key, t.name) for t in Touchpoint.objects.filter(surveys=survey))
        ),
    )
    _shapes[survey.pk] = (survey.updated_at, clock, shape)
    return shape


def forget_shapes(**_kwargs: Any) -> None:
    """Forget every survey shape kept in memory (on a change to a question or touchpoint)."""
    _shapes.clear()


def _records(
    *,
    survey: Survey,
    questions: Sequence[Question],
    clean: Mapping[str, Any],
    uid: str,
    customer_id: str,
    touchpoint: str,
    language: str,
    channel: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """One ``responses`` record per scored answer; open text goes to the verbatim of the score
    it follows up (its condition), else of the main (first) score; choices become attributes."""
    scored = [q for q in questions if q.is_scored and q.key in clean]
    main = scored[0].key
    texts: dict[str, list[str]] = defaultdict(list)
    extras: dict[str, str] = {}
    for q in questions:
        if q.key not in clean:
            continue
        if q.kind == QuestionKind.TEXT:
            target = q.show_if_question if q.show_if_question in clean else main
            texts[target].append(clean[q.key])
        elif q.kind == QuestionKind.SINGLE:
            extras[f"q_{q.key}"] = clean[q.key]
        elif q.kind == QuestionKind.MULTIPLE:
            extras[f"q_{q.key}"] = ";".join(clean[q.key])
    records = []
    for q in scored:
        record: dict[str, Any] = {
            "response_id": f"{uid}-{q.key}",
            "customer_id": customer_id or f"anonymous-{uid}",
            "touchpoint": touchpoint,
            "timestamp": now.isoformat(),
            "metric": q.kind,
            "score": clean[q.key],
            "survey": survey.key,
            "source": SOURCE,
            "channel": channel,
            "language": language,
            "question": q.key,
            "submission": uid,
            **extras,
        }
        if texts.get(q.key):
            record["verbatim"] = "\n\n".join(texts[q.key])
        records.append(record)
    return records


def submission_create(
    *,
    survey: Survey,
    answers: Any,
    channel: str,
    customer_id: str | None = None,
    touchpoint: str | None = None,
    language: str | None = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    strict: bool = False,
) -> SubmissionResult:
    """Turn one submission into ``responses`` records and commit them to the inbox.

    Returns once committed (acknowledge only then). The same ``idempotency_key`` again returns
    the same result and stores nothing; with a different submission it is refused. A known
    customer who answered this survey within its recontact period is refused (SurveyFatigued)
    and nothing is stored. ``strict``: see :func:`check_answers`.

    Everything that needs no lock is checked here, in the caller's thread; the writes of
    concurrent submissions are then made together, one transaction for a batch
    (:data:`submissions_committer`), with the idempotency and recontact checks inside it.
    """
    if channel not in CHANNELS:
        raise ValidationError(f"unknown channel {channel!r}", where="channel")
    if not survey.is_active:
        raise SurveyClosed(f"survey {survey.key!r} is closed", where="survey")
    now = now or timezone.now()
    customer = _text_field(customer_id, "customer_id", MAX_CUSTOMER_ID)
    idem = _text_field(idempotency_key, "Idempotency-Key", MAX_IDEMPOTENCY_KEY)
    lang = language or survey.default_language
    if lang not in LANGUAGES:
        raise ValidationError(f"language must be one of {', '.join(LANGUAGES)}", where="language")
    tp = resolve_touchpoint(survey, touchpoint)
    questions = survey_shape(survey).questions
    clean = check_answers(questions, answers, strict=strict)
    fingerprint = hashlib.sha256(
        json.dumps(
            {"a": clean, "c": customer, "t": tp, "l": lang, "ch": channel},
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()
    uid = uuid.uuid4().hex
    records = _records(
        survey=survey,
        questions=questions,
        clean=clean,
        uid=uid,
        customer_id=customer,
        touchpoint=tp,
        language=lang,
        channel=channel,
        now=now,
    )
    rows = inbox_rows(
        table="responses", records=records, source=SOURCE, where="answers", touchpoints={tp: tp}
    )
    return submissions_committer.submit(
        _Pending(
            survey=survey,
            uid=uid,
            idem=idem,
            fingerprint=fingerprint,
            channel=channel,
            customer=customer,
            touchpoint=tp,
            language=lang,
            rows=rows,
            now=now,
        )
    )


@dataclass(frozen=True)
class _Pending:
    """A checked submission waiting for its batch to be written."""

    survey: Survey
    uid: str
    idem: str
    fingerprint: str
    channel: str
    customer: str
    touchpoint: str
    language: str
    rows: list[dict[str, Any]]
    now: datetime


def _submissions_write(batch: Sequence[_Pending]) -> list[SubmissionResult | BaseException]:
    """Write a batch of submissions in one transaction; one outcome per submission.

    In order, as if one after the other: a submission whose idempotency key is already used
    (before, or earlier in the batch) gets the first one's answer (or a conflict); a known
    customer who answered within the recontact period (before, or earlier in the batch) is
    refused; the others are stored, with their inbox rows, submission and contact log rows.
    """
    outcomes: list[SubmissionResult | BaseException | None] = [None] * len(batch)
    with transaction.atomic():
        survey_ids = sorted({p.survey.pk for p in batch})
        if connection.features.has_select_for_update:
            # one writer per survey at a time, across processes (SQLite has one writer for
            # the whole database already)
            list(
                Survey.objects.select_for_update()
                .filter(pk__in=survey_ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        used = _idempotency_used(batch, survey_ids)
        contacts, days = _recent_contacts(batch, survey_ids)
        accepted: list[_Pending] = []
        for i, p in enumerate(batch):
            if p.idem:
                previous = used.get((p.survey.pk, p.idem))
                if previous is not None:
                    uid, fingerprint, ids = previous
                    outcomes[i] = (
                        SubmissionResult(uid, p.survey.key, ids, replayed=True)
                        if fingerprint == p.fingerprint
                        else IdempotencyConflict(
                            "this Idempotency-Key was already used for a different submission",
                            where="Idempotency-Key",
                        )
                    )
                    continue
            if p.customer:
                period = days[p.survey.pk]
                known = contacts.setdefault((p.survey.pk, p.customer), [])
                recent = [c for c in known if c.at > p.now - timedelta(days=period)]
                if period > 0 and not fatigue.may_answer(recent, now=p.now, days=period):
                    outcomes[i] = SurveyFatigued(
                        "this customer already answered this survey recently", where="customer_id"
                    )
                    continue
                known.append(fatigue.Contact(at=p.now, answered=True))
            ids = [str(row["response_id"]) for row in p.rows]
            if p.idem:
                used[(p.survey.pk, p.idem)] = (p.uid, p.fingerprint, ids)
            outcomes[i] = SubmissionResult(p.uid, p.survey.key, ids)
            accepted.append(p)
        if accepted:
            inbox_add(table="responses", rows=[row for p in accepted for row in p.rows])
            insert_rows(
                Submission,
                [
                    {
                        "survey_id": p.survey.pk,
                        "uid": p.uid,
                        "idempotency_key": p.idem,
                        "fingerprint": p.fingerprint,
                        "channel": p.channel,
                        "customer_id": p.customer,
                        "touchpoint": p.touchpoint,
                        "language": p.language,
                        "response_ids": [row["response_id"] for row in p.rows],
                        "created_at": p.now,
                    }
                    for p in accepted
                ],
            )
            insert_rows(
                ContactLog,
                [
                    {
                        "survey_id": p.survey.pk,
                        "customer_id": p.customer,
                        "event": str(ContactEvent.ANSWERED),
                        "channel": p.channel,
                        "at": p.now,
                    }
                    for p in accepted
                    if p.customer
                ],
            )
    return outcomes  # type: ignore[return-value]


def _idempotency_used(
    batch: Sequence[_Pending], survey_ids: list[int]
) -> dict[tuple[int, str], tuple[str, str, list[str]]]:
    """The submissions already stored under the batch's idempotency keys: (survey, key) ->
    (submission id, fingerprint, response ids)."""
    keys = {p.idem for p in batch if p.idem}
    if not keys:
        return {}
    # "not empty" repeats the condition of the unique index, so that the database uses it
    rows = (
        Submission.objects.filter(survey_id__in=survey_ids, idempotency_key__in=keys)
        .exclude(idempotency_key="")
        .order_by()
    )
    return {
        (survey_id, key): (uid, fingerprint, list(ids))
        for survey_id, key, uid, fingerprint, ids in rows.values_list(
            "survey_id", "idempotency_key", "uid", "fingerprint", "response_ids"
        )
    }


def _recent_contacts(
    batch: Sequence[_Pending], survey_ids: list[int]
) -> tuple[dict[tuple[int, str], list[fatigue.Contact]], dict[int, int]]:
    """The contact log of the batch's known customers within each survey's recontact period,
    by (survey, customer); and the period of each survey (days)."""
    known = [p for p in batch if p.customer]
    if not known:
        return {}, {}
    row = SurveySettings.objects.filter(pk=1).first()
    global_days = row.recontact_days if row is not None else SurveySettings().recontact_days
    days = {
        p.survey.pk: fatigue.recontact_period(
            survey_days=p.survey.recontact_days, global_days=global_days
        )
        for p in known
    }
    contacts: dict[tuple[int, str], list[fatigue.Contact]] = {}
    asking = [p for p in known if days[p.survey.pk] > 0]
    if asking:
        since = min(p.now - timedelta(days=days[p.survey.pk]) for p in asking)
        found = ContactLog.objects.filter(
            survey_id__in=survey_ids,
            customer_id__in={p.customer for p in asking},
            at__gt=since,
        )
        rows = found.order_by().values_list("survey_id", "customer_id", "at", "event")
        for survey_id, customer, at, event in rows:
            contacts.setdefault((survey_id, customer), []).append(
                fatigue.Contact(at=at, answered=event == ContactEvent.ANSWERED)
            )
    return contacts, days


#: Writes the submissions of concurrent requests together (see :mod:`cxpilot.kernel.groupcommit`).
submissions_committer: GroupCommit[_Pending, SubmissionResult] = GroupCommit(_submissions_write)


def submissions_erase(*, records: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Delete what the surveys keep of the customer ``records`` (``(source, customer_id)``)
    collected by CX Pilot's own surveys (source ``survey``): their submissions (the answers
    themselves are ``responses`` rows of the warehouse) and their contact log, in the
    caller's transaction (which must be open). An anonymous answer's record
    (``anonymous-<submission>``) takes its submission. Returns the rows deleted per table
    (``surveys.submission``, ``surveys.contactlog``)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("submissions_erase runs in the caller's transaction")
    ids = sorted({str(c) for s, c in records if s == SOURCE})
    anonymous = [c.removeprefix("anonymous-") for c in ids if c.startswith("anonymous-")]
    out = {"surveys.submission": 0, "surveys.contactlog": 0}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        out["surveys.submission"] += Submission.objects.filter(customer_id__in=part).delete()[0]
        out["surveys.contactlog"] += ContactLog.objects.filter(customer_id__in=part).delete()[0]
    for start in range(0, len(anonymous), 500):
        part = anonymous[start : start + 500]
        out["surveys.submission"] += Submission.objects.filter(uid__in=part).delete()[0]
    return out
