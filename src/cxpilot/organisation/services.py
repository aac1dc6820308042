"""Writes to the organisation model. Keyword-only, one transaction each, roles checked here."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils.text import slugify

from cxpilot.kernel import csvcells, roles
from cxpilot.kernel.errors import ValidationError, field_problems
from cxpilot.kernel.roles import Actor
from cxpilot.kernel.textfiles import csv_error, read_text, yaml_load
from cxpilot.organisation.checks import check_touchpoints, promise_check
from cxpilot.organisation.models import (
    BrandPromise,
    Channel,
    Department,
    Journey,
    JourneyStage,
    Mode,
    Phase,
    Segment,
    Touchpoint,
)

ORG_KINDS = ("departments", "journeys", "segments", "touchpoints", "brand_promises")


def _text(item: Mapping[str, Any], name: str, where: str, *, required: bool = False) -> str:
    value = item.get(name)
    if value is None or str(value).strip() == "":
        if required:
            raise ValidationError(f"{name!r} is required", where=f"{where}.{name}")
        return ""
    if isinstance(value, dict | list):
        raise ValidationError(
            f"{name!r} must be text, not {type(value).__name__}", where=f"{where}.{name}"
        )
    return str(value).strip()


def _key(item: Mapping[str, Any], where: str, name: str = "key", fallback: str = "name") -> str:
    raw = _text(item, name, where) or _text(item, fallback, where, required=True)
    key = slugify(raw).replace("-", "_")
    if not key:
        raise ValidationError(f"{raw!r} does not make a usable key", where=f"{where}.{name}")
    return key


def _choice(item: Mapping[str, Any], name: str, where: str, choices: Any) -> str:
    value = _text(item, name, where).lower().replace(" ", "_")
    if value and value not in choices.values:
        raise ValidationError(
            f"{value!r} is not a known {name}; expected one of {', '.join(choices.values)}",
            where=f"{where}.{name}",
        )
    return value


def _list(data: Mapping[str, Any], kind: str, source: str) -> list[Mapping[str, Any]]:
    items = data.get(kind) or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValidationError(f"{kind!r} must be a list of mappings", where=f"{source}: {kind}")
    return items


@transaction.atomic
def org_load(
    *, data: Mapping[str, Any], actor: Actor = None, source: str = "organisation"
) -> dict[str, int]:
    """Create or update the organisation from a mapping (the YAML layout of ``docs/organisation.md``).

    Entities are matched by ``key``; nothing is deleted. All or nothing: the first problem
    raises ValidationError naming where it is, and nothing is written.
    """
    roles.require(actor, "organisation.change_touchpoint")
    if not isinstance(data, Mapping):
        raise ValidationError("the organisation must be a mapping of lists", where=source)
    unknown = set(data) - set(ORG_KINDS)
    if unknown:
        raise ValidationError(
            f"unknown section(s) {', '.join(sorted(map(str, unknown)))}; expected {', '.join(ORG_KINDS)}",
            where=source,
        )
    counts = dict.fromkeys(ORG_KINDS, 0)
    for i, item in enumerate(_list(data, "departments", source)):
        where = f"{source}: departments[{i}]"
        Department.objects.update_or_create(
            key=_key(item, where),
            defaults={
                "name": _text(item, "name", where, required=True),
                "description": _text(item, "description", where),
            },
        )
        counts["departments"] += 1
    for i, item in enumerate(_list(data, "journeys", source)):
        where = f"{source}: journeys[{i}]"
        journey, _ = Journey.objects.update_or_create(
            key=_key(item, where),
            defaults={
                "name": _text(item, "name", where, required=True),
                "description": _text(item, "description", where),
            },
        )
        stages = item.get("stages") or []
        if not isinstance(stages, list):
            raise ValidationError("'stages' must be a list", where=f"{where}.stages")
        keep = []
        # move existing stages out of the way so positions can be reassigned
        for stage in journey.stages.all():
            stage.position += 10_000
            stage.save(update_fields=["position"])
        for pos, stage_item in enumerate(stages, start=1):
            swhere = f"{where}.stages[{pos - 1}]"
            if isinstance(stage_item, str):
                stage_item = {"name": stage_item}
            if not isinstance(stage_item, dict):
                raise ValidationError("a stage is a name or a mapping", where=swhere)
            stage_obj, _ = JourneyStage.objects.update_or_create(
                journey=journey,
                key=_key(stage_item, swhere),
                defaults={
                    "name": _text(stage_item, "name", swhere, required=True),
                    "position": pos,
                    "phase": _choice(stage_item, "phase", swhere, Phase),
                },
            )
            keep.append(stage_obj.pk)
        for stage in journey.stages.exclude(pk__in=keep):
            stage.position = 100_000 + stage.pk
            stage.save(update_fields=["position"])
        counts["journeys"] += 1
    for i, item in enumerate(_list(data, "segments", source)):
        where = f"{source}: segments[{i}]"
        persona = item.get("persona", False)
        if isinstance(persona, str):
            persona = persona.strip().lower() in ("1", "true", "yes", "oui")
        Segment.objects.update_or_create(
            key=_key(item, where),
            defaults={
                "name": _text(item, "name", where, required=True),
                "is_persona": bool(persona),
                "description": _text(item, "description", where),
            },
        )
        counts["segments"] += 1
    for i, item in enumerate(_list(data, "touchpoints", source)):
        where = f"{source}: touchpoints[{i}]"
        department = None
        if dep_key := _text(item, "department", where):
            department = Department.objects.filter(key=slugify(dep_key).replace("-", "_")).first()
            if department is None:
                raise ValidationError(
                    f"unknown department {dep_key!r}", where=f"{where}.department"
                )
        stage = None
        if stage_key := _text(item, "stage", where):
            journey_key = _text(item, "journey", where, required=True)
            stage = JourneyStage.objects.filter(
                journey__key=slugify(journey_key).replace("-", "_"),
                key=slugify(stage_key).replace("-", "_"),
            ).first()
            if stage is None:
                raise ValidationError(
                    f"unknown stage {stage_key!r} of journey {journey_key!r}",
                    where=f"{where}.stage",
                )
        phase = _choice(item, "phase", where, Phase) or (stage.phase if stage else "")
        Touchpoint.objects.update_or_create(
            key=_key(item, where),
            defaults={
                "name": _text(item, "name", where, required=True),
                "channel": _choice(item, "channel", where, Channel),
                "mode": _choice(item, "mode", where, Mode),
                "phase": phase,
                "stage": stage,
                "department": department,
            },
        )
        counts["touchpoints"] += 1
    for i, item in enumerate(_list(data, "brand_promises", source)):
        where = f"{source}: brand_promises[{i}]"
        measure = _measure(item.get("measure"), f"{where}.measure")
        promise, _ = BrandPromise.objects.update_or_create(
            key=_key(item, where, fallback="statement"),
            defaults={
                "statement": _text(item, "statement", where, required=True),
                "measure": measure,
            },
        )
        tp_keys = item.get("touchpoints") or []
        if isinstance(tp_keys, str):
            tp_keys = [t for t in tp_keys.replace("|", ",").split(",") if t.strip()]
        touchpoints = []
        for tp_key in tp_keys:
            tp = Touchpoint.objects.filter(key=slugify(str(tp_key)).replace("-", "_")).first()
            if tp is None:
                raise ValidationError(
                    f"unknown touchpoint {tp_key!r}", where=f"{where}.touchpoints"
                )
            touchpoints.append(tp)
        promise.touchpoints.set(touchpoints)
        counts["brand_promises"] += 1
    return counts


def _measure(value: Any, where: str) -> dict[str, Any] | None:
    """A brand promise's measure (a mapping, or its YAML or JSON text in a CSV cell),
    normalised; the touchpoints it names must exist."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = yaml_load(value)
        except yaml.YAMLError:
            raise ValidationError("not a valid YAML or JSON mapping", where=where) from None
    measure = promise_check(value, where=where)
    for key in check_touchpoints(measure):
        if not Touchpoint.objects.filter(key=key).exists():
            raise ValidationError(f"unknown touchpoint {key!r}", where=where)
    return measure


def org_load_file(*, path: Path, kind: str | None = None, actor: Actor = None) -> dict[str, int]:
    """Load a YAML organisation file, or a CSV file of one ``kind`` of entity."""
    text = read_text(path, kind="YAML or CSV")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml_load(text) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
            raise ValidationError(
                f"not valid YAML: {getattr(exc, 'problem', exc)}", where=where
            ) from None
        return org_load(data=data, actor=actor, source=str(path))
    if path.suffix.lower() == ".csv":
        if kind not in ORG_KINDS:
            raise ValidationError(
                f"a CSV file holds one kind of entity; give --kind {'|'.join(ORG_KINDS)}",
                where=str(path),
            )
        items = _csv_items(text, kind, where=str(path))
        return org_load(data={kind: items}, actor=actor, source=str(path))
    raise ValidationError("expected a .yaml, .yml or .csv file", where=str(path))


def _csv_items(text: str, kind: str, *, where: str) -> list[dict[str, Any]]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise csv_error(exc, where=f"{where}:line {max(reader.reader.line_num, 1)}") from None
    rows = [
        {k: csvcells.restore(v) if isinstance(v, str) else v for k, v in row.items()}
        for row in rows
    ]
    if kind != "journeys":
        return [{k.strip(): v for k, v in row.items() if k} for row in rows]
    journeys: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = (row.get("journey") or "").strip()
        journey = journeys.setdefault(
            key, {"key": key, "name": row.get("journey_name") or key, "stages": []}
        )
        journey["stages"].append(
            {
                "key": row.get("stage"),
                "name": row.get("stage_name") or row.get("stage"),
                "phase": row.get("phase"),
            }
        )
    return list(journeys.values())


# --- Create, update and delete of single organisation entities (web app, API, scripts) ---
# ``entity_create``, ``entity_update`` and ``entity_delete`` serve every entity: they check the
# role (``organisation.<add|change|delete>_<model>``) and write in one transaction; what differs
# between entities is data (``_KINDS``). The ``<entity>_<verb>`` services name the arguments.


def _validated_save(obj: Any, *, where: str, exclude: list[str] | None = None) -> None:
    """Check ``obj`` against its model (fields, uniqueness), then save it.

    A problem raises ValidationError naming the field (``where``) and carrying every
    problem as ``{field: [messages]}`` in ``extra``.
    """
    try:
        obj.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        problems = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        name, messages = next(iter(problems.items()))
        field_where = where if name == "__all__" else f"{where}.{name}"
        raise ValidationError(
            messages[0], where=field_where, problems=field_problems(problems)
        ) from None
    obj.save()


@dataclass(frozen=True)
class _Kind:
    where: str  # the name its problems carry in ``where``
    fields: tuple[str, ...]  # the fields a create or update may set
    cascades: tuple[str, ...] = ()  # the related rows deleted with it


_KINDS: dict[type[models.Model], _Kind] = {
    Department: _Kind("department", ("key", "name", "description")),
    Touchpoint: _Kind(
        "touchpoint", ("key", "name", "channel", "mode", "phase", "stage", "department")
    ),
    Journey: _Kind("journey", ("key", "name", "description"), cascades=("stages",)),
    Segment: _Kind("segment", ("key", "name", "is_persona", "description")),
    BrandPromise: _Kind("brand_promise", ("key", "statement", "touchpoints", "measure")),
}
STAGE_FIELDS = ("key", "name", "phase")

M = TypeVar("M", bound=models.Model)


def _perm(model: type[models.Model] | models.Model, verb: str) -> str:
    return f"{model._meta.app_label}.{verb}_{model._meta.model_name}"


def _split(
    model: type[models.Model], data: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``data`` as its plain fields and its many-to-many ones, once every name is known."""
    kind = _KINDS[model]
    unknown = set(data) - set(kind.fields)
    if unknown:
        raise ValidationError(
            f"unknown field(s) {', '.join(sorted(unknown))}; expected {', '.join(kind.fields)}",
            where=kind.where,
        )
    many = {n for n in data if model._meta.get_field(n).many_to_many}
    return {n: v for n, v in data.items() if n not in many}, {n: data[n] for n in many}


def _created(actor: Actor, obj: M) -> M:
    """Save the new ``obj`` once the actor may add it and it is valid."""
    roles.require(actor, _perm(obj, "add"))
    _validated_save(obj, where=_KINDS[type(obj)].where)
    return obj


@transaction.atomic
def entity_create(*, actor: Actor, model: type[M], data: Mapping[str, Any]) -> M:
    """Create a department, touchpoint, journey (without stages), segment or brand promise
    from ``data``, its fields by name; many-to-many ones are set once it is saved."""
    roles.require(actor, _perm(model, "add"))
    plain, many = _split(model, data)
    obj = _created(actor, model(**plain))
    for name, values in many.items():
        getattr(obj, name).set(list(values))
    return obj


@transaction.atomic
def entity_update(*, actor: Actor, obj: M, data: Mapping[str, Any]) -> M:
    """Set the fields ``data`` gives of an organisation entity, then save it if it is valid."""
    roles.require(actor, _perm(obj, "change"))
    plain, many = _split(type(obj), data)
    for name, value in plain.items():
        setattr(obj, name, value)
    _validated_save(obj, where=_KINDS[type(obj)].where)
    for name, values in many.items():
        getattr(obj, name).set(list(values))
    return obj


@transaction.atomic
def entity_delete(*, actor: Actor, obj: models.Model) -> None:
    """Delete an organisation entity; the rows deleted with it need their delete permission."""
    roles.require(actor, _perm(obj, "delete"))
    for name in _KINDS[type(obj)].cascades:
        related = getattr(obj, name)
        if related.exists():
            roles.require(actor, _perm(related.model, "delete"))
    obj.delete()


@transaction.atomic
def department_create(*, actor: Actor, key: str, name: str, description: str = "") -> Department:
    return _created(actor, Department(key=key, name=name, description=description))


def department_update(
    *, actor: Actor, department: Department, data: Mapping[str, Any]
) -> Department:
    """Set the given fields (any of key, name, description) of ``department``."""
    return entity_update(actor=actor, obj=department, data=data)


def department_delete(*, actor: Actor, department: Department) -> None:
    """Delete ``department``; its touchpoints and members stay, without a department."""
    entity_delete(actor=actor, obj=department)


@transaction.atomic
def touchpoint_create(
    *,
    actor: Actor,
    key: str,
    name: str,
    channel: str = "",
    phase: str = "",
    stage: JourneyStage | None = None,
    department: Department | None = None,
    mode: str = "",
) -> Touchpoint:
    touchpoint = Touchpoint(
        key=key,
        name=name,
        channel=channel,
        mode=mode,
        phase=phase,
        stage=stage,
        department=department,
    )
    return _created(actor, touchpoint)


def touchpoint_update(
    *, actor: Actor, touchpoint: Touchpoint, data: Mapping[str, Any]
) -> Touchpoint:
    """Set the given fields (any of key, name, channel, mode, phase, stage, department)."""
    return entity_update(actor=actor, obj=touchpoint, data=data)


def touchpoint_delete(*, actor: Actor, touchpoint: Touchpoint) -> None:
    entity_delete(actor=actor, obj=touchpoint)


def _stages_write(*, actor: Actor, journey: Journey, stages: Sequence[Mapping[str, Any]]) -> None:
    """Make ``stages`` (in order) the stages of ``journey``; a stage given with the ``id`` of
    an existing stage keeps it (and its touchpoints), the existing stages not given are deleted.
    """
    existing = {stage.pk: stage for stage in journey.stages.all()}
    seen_keys: set[str] = set()
    kept: set[int] = set()
    planned: list[JourneyStage] = []
    for i, item in enumerate(stages):
        where = f"journey.stages[{i}]"
        unknown = set(item) - {"id", *STAGE_FIELDS}
        if unknown:
            raise ValidationError(f"unknown field(s) {', '.join(sorted(unknown))}", where=where)
        stage_id = item.get("id")
        if stage_id is not None:
            if stage_id not in existing or stage_id in kept:
                raise ValidationError(f"no stage with id {stage_id} in this journey", where=where)
            kept.add(stage_id)
            stage = existing[stage_id]
        else:
            stage = JourneyStage(journey=journey)
        for name in STAGE_FIELDS:
            if name in item:
                setattr(stage, name, item[name] if item[name] is not None else "")
        stage.position = i + 1
        try:
            stage.clean_fields(exclude=["journey"])
        except DjangoValidationError as exc:
            problems = {
                f"stages[{i}].{name}": [str(m) for m in msgs]
                for name, msgs in exc.message_dict.items()
            }
            first, messages = next(iter(problems.items()))
            raise ValidationError(
                messages[0], where=f"journey.{first}", problems=field_problems(problems)
            ) from None
        if stage.key in seen_keys:
            raise ValidationError(f"two stages have the key {stage.key!r}", where=f"{where}.key")
        seen_keys.add(stage.key)
        planned.append(stage)
    if kept != set(existing):
        roles.require(actor, "organisation.delete_journeystage")
    if any(stage.pk is None for stage in planned):
        roles.require(actor, "organisation.add_journeystage")
    if kept:
        roles.require(actor, "organisation.change_journeystage")
    JourneyStage.objects.filter(journey=journey).exclude(pk__in=kept).delete()
    # Move kept stages out of the way first: keys and positions are unique per journey.
    top = max((stage.position for stage in existing.values()), default=0) + len(planned) + 1
    for n, pk in enumerate(sorted(kept)):
        JourneyStage.objects.filter(pk=pk).update(key=f"-moving-{pk}", position=top + n)
    for stage in planned:
        stage.save()


@transaction.atomic
def journey_create(
    *,
    actor: Actor,
    key: str,
    name: str,
    description: str = "",
    stages: Sequence[Mapping[str, Any]] = (),
) -> Journey:
    """Create a journey and its ``stages`` (mappings of key, name, phase), in that order."""
    journey = _created(actor, Journey(key=key, name=name, description=description))
    if stages:
        _stages_write(actor=actor, journey=journey, stages=stages)
    return journey


@transaction.atomic
def journey_update(
    *,
    actor: Actor,
    journey: Journey,
    data: Mapping[str, Any],
    stages: Sequence[Mapping[str, Any]] | None = None,
) -> Journey:
    """Set the given fields of ``journey``; with ``stages``, make them its stages in that order
    (a stage mapping with the ``id`` of an existing stage updates it; stages left out are
    deleted, their touchpoints keep no stage)."""
    entity_update(actor=actor, obj=journey, data=data)
    if stages is not None:
        _stages_write(actor=actor, journey=journey, stages=stages)
    return journey


def journey_delete(*, actor: Actor, journey: Journey) -> None:
    """Delete ``journey`` and its stages; their touchpoints stay, without a stage."""
    entity_delete(actor=actor, obj=journey)


@transaction.atomic
def segment_create(
    *, actor: Actor, key: str, name: str, is_persona: bool = False, description: str = ""
) -> Segment:
    segment = Segment(key=key, name=name, is_persona=is_persona, description=description)
    return _created(actor, segment)


def segment_update(*, actor: Actor, segment: Segment, data: Mapping[str, Any]) -> Segment:
    """Set the given fields (any of key, name, is_persona, description)."""
    return entity_update(actor=actor, obj=segment, data=data)


def segment_delete(*, actor: Actor, segment: Segment) -> None:
    entity_delete(actor=actor, obj=segment)


def brand_promise_create(
    *,
    actor: Actor,
    key: str,
    statement: str,
    touchpoints: Iterable[Touchpoint] = (),
    measure: Mapping[str, Any] | None = None,
) -> BrandPromise:
    """A brand promise; ``measure`` is its check against the data (see ``checks``)."""
    data = {"key": key, "statement": statement, "touchpoints": touchpoints, "measure": measure}
    return entity_create(actor=actor, model=BrandPromise, data=data)


def brand_promise_update(
    *,
    actor: Actor,
    promise: BrandPromise,
    data: Mapping[str, Any],
    touchpoints: Iterable[Touchpoint] | None = None,
) -> BrandPromise:
    """Set the given fields (key, statement, measure); with ``touchpoints``, make them its
    touchpoints."""
    if touchpoints is not None:
        data = {**data, "touchpoints": touchpoints}
    return entity_update(actor=actor, obj=promise, data=data)


def brand_promise_delete(*, actor: Actor, promise: BrandPromise) -> None:
    entity_delete(actor=actor, obj=promise)
