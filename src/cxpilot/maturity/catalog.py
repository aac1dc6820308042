"""The maturity model, the culture values and the action catalogue, read from YAML and checked.

Pure: no Django. Each file is validated as a whole; the first problem raises
:class:`~cxpilot.kernel.errors.ValidationError` naming the file, the line and the key
(``model.yaml:line 42: dimensions[3].practices[1].weight: must be a positive number``).

The shipped files live in ``cxpilot/maturity/data/``; a custom maturity model is chosen with
the ``CXPILOT_MATURITY_MODEL`` setting (:mod:`cxpilot.config`) or the CLI's ``--model FILE``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cxpilot import config
from cxpilot.kernel.errors import ValidationError

DATA = Path(__file__).parent / "data"
MODEL_FILE = DATA / "model.yaml"
VALUES_FILE = DATA / "values.yaml"
ACTIONS_FILE = DATA / "actions.yaml"
LANGS = ("en", "fr")
STANDARD_DIMENSIONS = (
    "strategy",
    "customer_understanding",
    "journey_design",
    "measurement",
    "governance",
    "culture",
    "leadership",
    "employee_engagement",
)
LENSES = ("current", "desired")
POSITIVE, LIMITING = "positive", "limiting"

Texts = Mapping[str, str]


def text(texts: Texts, lang: str | None) -> str:
    """The text in ``lang`` (``fr-ca`` counts as ``fr``), else the English one."""
    code = (lang or "en")[:2]
    return str(texts.get(code) or texts.get("en") or "")


# --- Reading YAML with line numbers ---------------------------------------------------------


class _Map(dict[str, Any]):
    line: int = 0


class _Loader(yaml.SafeLoader):
    """A safe loader whose mappings remember the line they start on."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    out = _Map({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


class _Where:
    """Builds ``file:line N: path`` for the errors of one file."""

    def __init__(self, source: str) -> None:
        self.source = source

    def __call__(self, node: Any, path: str) -> str:
        line = getattr(node, "line", 0)
        return f"{self.source}:line {line}: {path}" if line else f"{self.source}: {path}"


def read_yaml(path: Path | str, *, text_: str | None = None) -> Any:
    """Parse a YAML file (or ``text_``) into mappings that know their line."""
    source = Path(path).name
    if text_ is None:
        try:
            text_ = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationError(
                f"cannot read the file: {exc.strerror}", where=str(path)
            ) from None
        except UnicodeDecodeError:
            raise ValidationError("the file is not UTF-8 text", where=str(path)) from None
    try:
        return yaml.load(text_, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:line {mark.line + 1}" if mark else source
        raise ValidationError(
            f"not valid YAML ({getattr(exc, 'problem', exc)})", where=where
        ) from None


def _plain(value: Any) -> Any:
    """The parsed YAML as plain dicts and lists (for JSON snapshots)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# --- Field checks ----------------------------------------------------------------------------


def _mapping(node: Any, path: str, where: _Where, parent: Any = None) -> Mapping[str, Any]:
    if not isinstance(node, dict):
        raise ValidationError("must be a mapping", where=where(parent or node, path))
    return node


def _items(
    parent: Mapping[str, Any], key: str, path: str, where: _Where
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The mappings listed under ``key``, each with its own path (``key[i].``)."""
    for i, node in enumerate(_seq(parent, key, path, where)):
        item = f"{path}{key}[{i}]."
        yield item, _mapping(node, item, where, parent)


def _seq(node: Any, key: str, path: str, where: _Where, *, min_len: int = 1) -> Sequence[Any]:
    value = node.get(key)
    if not isinstance(value, list) or len(value) < min_len:
        raise ValidationError(
            f"must be a list of at least {min_len} item(s)", where=where(node, f"{path}{key}")
        )
    return value


def _key(node: Mapping[str, Any], path: str, where: _Where, name: str = "key") -> str:
    value = node.get(name)
    if not isinstance(value, str) or not value.replace("_", "").isalnum() or not value.islower():
        raise ValidationError(
            "must be a lowercase key (letters, digits and _)", where=where(node, f"{path}{name}")
        )
    return value


def _number(
    node: Mapping[str, Any], name: str, path: str, where: _Where, *, low: float, high: float
) -> float:
    value = node.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValidationError(
            f"must be a number from {low:g} to {high:g}", where=where(node, f"{path}{name}")
        )
    return float(value)


def _texts(node: Mapping[str, Any], path: str, where: _Where, name: str | None = None) -> Texts:
    """``{en: ..., fr: ...}`` either inline (``en:``/``fr:`` keys) or under ``name``."""
    holder = node if name is None else node.get(name)
    label = path if name is None else f"{path}{name}."
    if not isinstance(holder, dict):
        raise ValidationError("must give en and fr texts", where=where(node, f"{path}{name}"))
    out: dict[str, str] = {}
    for lang in LANGS:
        value = holder.get(lang)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError("must be a non-empty text", where=where(holder, f"{label}{lang}"))
        out[lang] = value.strip()
    return out


def _unique(keys: Sequence[str], what: str, where: str) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValidationError(f"{what} {key!r} is defined twice", where=where)
        seen.add(key)


# --- The maturity model ----------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    rating: int
    key: str
    name: Texts


@dataclass(frozen=True)
class Level:
    level: int
    key: str
    min_score: float
    name: Texts
    description: Texts


@dataclass(frozen=True)
class Practice:
    key: str
    dimension: str
    weight: float
    question: Texts


@dataclass(frozen=True)
class Dimension:
    key: str
    weight: float
    name: Texts
    practices: tuple[Practice, ...]


@dataclass(frozen=True)
class Model:
    name: Texts
    scale: tuple[Step, ...]
    levels: tuple[Level, ...]
    dimensions: tuple[Dimension, ...]
    centricity: tuple[str, ...]
    data: Mapping[str, Any] = field(repr=False, compare=False)

    @functools.cached_property
    def practices(self) -> dict[str, Practice]:
        return {p.key: p for d in self.dimensions for p in d.practices}

    @functools.cached_property
    def dimension(self) -> dict[str, Dimension]:
        return {d.key: d for d in self.dimensions}

    @functools.cached_property
    def step_by_key(self) -> dict[str, int]:
        """Rating of each step name, in every language (``ad hoc``, ``ad_hoc``, ``Ponctuel``)."""
        out: dict[str, int] = {}
        for step in self.scale:
            for name in (step.key, *step.name.values()):
                out[name.lower().replace(" ", "_")] = step.rating
        return out

    def level_for(self, score: float) -> Level:
        """The highest level whose ``min_score`` is at most ``score``."""
        found = self.levels[0]
        for level in self.levels:
            if score >= level.min_score:
                found = level
        return found


def model_from_data(data: Any, *, source: str = "model.yaml") -> Model:
    """Check a parsed maturity model and build it; the first problem raises ValidationError."""
    where = _Where(source)
    root = _mapping(data, "(top)", where)
    scale = []
    for path, node in _items(root, "scale", "", where):
        rating = int(_number(node, "rating", path, where, low=1, high=4))
        scale.append(Step(rating, _key(node, path, where), _texts(node, path, where)))
    if [s.rating for s in scale] != [1, 2, 3, 4]:
        raise ValidationError(
            "must list the ratings 1, 2, 3 and 4 in order", where=where(root, "scale")
        )

    levels = []
    for path, node in _items(root, "levels", "", where):
        levels.append(
            Level(
                level=int(_number(node, "level", path, where, low=1, high=10)),
                key=_key(node, path, where),
                min_score=_number(node, "min_score", path, where, low=0, high=100),
                name=_texts(node, path, where),
                description=_texts(node, path, where, "description"),
            )
        )
    if len(levels) != 5 or [lv.level for lv in levels] != [1, 2, 3, 4, 5]:
        raise ValidationError(
            "must define the five levels 1 to 5 in order", where=where(root, "levels")
        )
    if levels[0].min_score != 0:
        raise ValidationError(
            "the first level must start at min_score 0", where=where(root, "levels[0].min_score")
        )
    for prev, cur in zip(levels, levels[1:], strict=False):
        if cur.min_score <= prev.min_score:
            raise ValidationError(
                "min_score must rise from one level to the next",
                where=where(root, f"levels[{cur.level - 1}].min_score"),
            )

    dimensions = []
    for path, node in _items(root, "dimensions", "", where):
        dkey = _key(node, path, where)
        practices = []
        for ppath, pnode in _items(node, "practices", path, where):
            practices.append(
                Practice(
                    key=_key(pnode, ppath, where),
                    dimension=dkey,
                    weight=_positive(pnode, ppath, where),
                    question=_texts(pnode, ppath, where),
                )
            )
        dimensions.append(
            Dimension(
                key=dkey,
                weight=_positive(node, path, where),
                name=_texts(node, path, where),
                practices=tuple(practices),
            )
        )
    _unique([d.key for d in dimensions], "dimension", where(root, "dimensions"))
    _unique([p.key for d in dimensions for p in d.practices], "practice", where(root, "dimensions"))

    cc = root.get("customer_centricity")
    cc_node = _mapping(cc, "customer_centricity", where, root)
    cc_dims = _seq(cc_node, "dimensions", "customer_centricity.", where)
    known = {d.key for d in dimensions}
    for k in cc_dims:
        if k not in known:
            raise ValidationError(
                f"{k!r} is not a dimension of this model",
                where=where(cc_node, "customer_centricity.dimensions"),
            )
    return Model(
        name=_texts(root, "", where, "name"),
        scale=tuple(scale),
        levels=tuple(levels),
        dimensions=tuple(dimensions),
        centricity=tuple(str(k) for k in cc_dims),
        data=_plain(root),
    )


def _positive(node: Mapping[str, Any], path: str, where: _Where) -> float:
    value = node.get("weight", 1)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValidationError("must be a positive number", where=where(node, f"{path}weight"))
    return float(value)


def model_load(path: Path | str | None = None) -> Model:
    """The maturity model in ``path``, else the setting ``CXPILOT_MATURITY_MODEL``, else the
    shipped one."""
    configured = config.read("CXPILOT_MATURITY_MODEL")
    chosen = Path(path or (configured if isinstance(configured, Path) else MODEL_FILE))
    if chosen == MODEL_FILE:
        return _shipped_model()
    return model_from_data(read_yaml(chosen), source=chosen.name)


@functools.cache
def _shipped_model() -> Model:
    return model_from_data(read_yaml(MODEL_FILE), source=MODEL_FILE.name)


# --- Culture values --------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    key: str
    kind: str
    name: Texts

    @property
    def limiting(self) -> bool:
        return self.kind == LIMITING


def values_from_data(data: Any, *, source: str = "values.yaml") -> dict[str, Value]:
    where = _Where(source)
    root = _mapping(data, "(top)", where)
    out: dict[str, Value] = {}
    for path, node in _items(root, "values", "", where):
        key = _key(node, path, where)
        kind = node.get("kind")
        if kind not in (POSITIVE, LIMITING):
            raise ValidationError("must be positive or limiting", where=where(node, f"{path}kind"))
        if key in out:
            raise ValidationError(
                f"value {key!r} is defined twice", where=where(node, f"{path}key")
            )
        out[key] = Value(key, str(kind), _texts(node, path, where))
    return out


@functools.cache
def values_load() -> dict[str, Value]:
    """The shipped values catalogue, by key."""
    return values_from_data(read_yaml(VALUES_FILE), source=VALUES_FILE.name)


# --- Actions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    key: str
    dimension: str
    max_score: float
    impact: int
    effort: int
    owner: str
    prerequisites: tuple[str, ...]
    name: Texts


@dataclass(frozen=True)
class Horizon:
    key: str
    days: int
    effort_budget: float | None
    name: Texts


@dataclass(frozen=True)
class ActionCatalogue:
    actions: tuple[Action, ...]
    horizons: tuple[Horizon, ...]
    owners: Mapping[str, Texts]
    owner_departments: Mapping[str, tuple[str, ...]]


def actions_from_data(data: Any, *, source: str = "actions.yaml") -> ActionCatalogue:
    where = _Where(source)
    root = _mapping(data, "(top)", where)
    horizons = []
    for path, node in _items(root, "horizons", "", where):
        budget = node.get("effort_budget")
        if budget is not None:
            budget = _number(node, "effort_budget", path, where, low=1, high=1000)
        horizons.append(
            Horizon(
                key=_key(node, path, where),
                days=int(_number(node, "days", path, where, low=1, high=3650)),
                effort_budget=budget,
                name=_texts(node, path, where),
            )
        )
    if horizons[-1].effort_budget is not None:
        raise ValidationError(
            "the last horizon takes what is left: its effort_budget must be null",
            where=where(root, f"horizons[{len(horizons) - 1}].effort_budget"),
        )
    owners_node = _mapping(root.get("owners"), "owners", where, root)
    owners = {str(k): _texts(v, f"owners.{k}.", where) for k, v in owners_node.items()}
    dept_node = _mapping(root.get("owner_departments", {}), "owner_departments", where, root)
    owner_departments = {
        str(k): tuple(str(x) for x in (v or [])) for k, v in dept_node.items() if k in owners
    }
    actions = []
    for path, node in _items(root, "actions", "", where):
        trigger = _mapping(node.get("trigger"), f"{path}trigger", where, node)
        owner = node.get("owner")
        if owner not in owners:
            raise ValidationError(
                f"{owner!r} is not one of the owners ({', '.join(owners)})",
                where=where(node, f"{path}owner"),
            )
        prereq = node.get("prerequisites") or []
        if not isinstance(prereq, list):
            raise ValidationError(
                "must be a list of action keys", where=where(node, f"{path}prerequisites")
            )
        dimension = node.get("dimension")
        if not isinstance(dimension, str):
            raise ValidationError("must be a dimension key", where=where(node, f"{path}dimension"))
        actions.append(
            Action(
                key=_key(node, path, where),
                dimension=dimension,
                max_score=_number(trigger, "max_score", f"{path}trigger.", where, low=0, high=100),
                impact=int(_number(node, "impact", path, where, low=1, high=5)),
                effort=int(_number(node, "effort", path, where, low=1, high=5)),
                owner=str(owner),
                prerequisites=tuple(str(p) for p in prereq),
                name=_texts(node, path, where),
            )
        )
    keys = [a.key for a in actions]
    _unique(keys, "action", where(root, "actions"))
    for i, action in enumerate(actions):
        for pre in action.prerequisites:
            if pre not in keys:
                raise ValidationError(
                    f"{pre!r} is not an action of this catalogue",
                    where=where(root["actions"][i], f"actions[{i}].prerequisites"),
                )
    _acyclic(actions, where(root, "actions"))
    return ActionCatalogue(tuple(actions), tuple(horizons), owners, owner_departments)


def _acyclic(actions: Sequence[Action], where: str) -> None:
    prereq = {a.key: a.prerequisites for a in actions}
    state: dict[str, int] = {}

    def visit(key: str, chain: list[str]) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            raise ValidationError(
                f"prerequisites go round in a circle: {' → '.join([*chain, key])}", where=where
            )
        state[key] = 1
        for pre in prereq[key]:
            visit(pre, [*chain, key])
        state[key] = 2

    for key in prereq:
        visit(key, [])


@functools.cache
def actions_load() -> ActionCatalogue:
    """The shipped action catalogue."""
    return actions_from_data(read_yaml(ACTIONS_FILE), source=ACTIONS_FILE.name)
