"""The pure computations of governance: RACI cells, the RACI defect check, the RACI CSV
layout, the interim CX champion ranking, and the governance model that fits a maturity.
No Django, no I/O.

RACI (Responsible, Accountable, Consulted, Informed) is the responsibility-assignment matrix
of project management: for each activity, who does the work (R), who answers for it and
signs it off (A, exactly one), who is asked before (C) and who is told after (I). The
defects checked here are the classic ones (an activity without or with two Accountables,
without a Responsible; a department overloaded or idle; too many people consulted or
informed) plus the redundancy that CX governance guidance warns about: the same activity listed twice.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from cxpilot.kernel import csvcells
from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.textfiles import csv_error

#: The four RACI letters, in the order a combined code is written ("A/R", "A/R/C"…).
LETTERS = ("A", "R", "C", "I")
_SEPARATORS = "/,+;& "

#: Every problem code of :func:`raci_check`, in the order problems are listed.
PROBLEM_CODES = (
    "unknown_code",
    "duplicate_activity",
    "no_accountable",
    "multiple_accountable",
    "no_responsible",
    "too_many_consulted",
    "too_many_informed",
    "nobody_consulted_or_informed",
    "overloaded_department",
    "idle_department",
)


def parse_code(value: str | None) -> frozenset[str] | None:
    """The letters of a cell: ``"A/R"`` → {A, R}; blank → empty set; None if not valid.

    Letters may be joined by ``/``, ``,``, ``+``, ``;``, ``&`` or spaces, or written together
    (``"AR"``); case does not matter. A letter twice (``"R/R"``) is not valid.
    """
    text = (value or "").strip().upper()
    if not text:
        return frozenset()
    letters: list[str] = []
    for char in text:
        if char in _SEPARATORS:
            continue
        if char not in LETTERS:
            return None
        letters.append(char)
    if not letters or len(set(letters)) != len(letters):
        return None
    return frozenset(letters)


def format_code(letters: Iterable[str]) -> str:
    """The canonical way to write a cell: letters in the order A, R, C, I joined by ``/``."""
    chosen = set(letters)
    return "/".join(letter for letter in LETTERS if letter in chosen)


def normalise_code(value: str | None) -> str | None:
    """``"r/a"`` → ``"A/R"``; blank → ``""``; None when the value is not a valid code."""
    letters = parse_code(value)
    return None if letters is None else format_code(letters)


@dataclass(frozen=True)
class Thresholds:
    """When a RACI is judged overloaded or crowded (each "more than N")."""

    #: A department with more than this many R or A cells is overloaded.
    max_r_or_a_per_department: int = 8
    #: An activity with more than this many Consulted departments consults too many.
    max_consulted: int = 4
    #: An activity with more than this many Informed departments informs too many.
    max_informed: int = 6


@dataclass(frozen=True)
class RaciRow:
    """One activity of a RACI: its key, its name (optional) and its cells by department."""

    activity: str
    cells: Mapping[str, str]
    name: str = ""
    #: Where the row comes from (a CSV line number), named in the details when known.
    line: int | None = None


@dataclass(frozen=True)
class Problem:
    code: str
    activity: str | None
    department: str | None
    detail: str
    #: The numbers and names of the detail, for pages that word it in their own language.
    data: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "data"}


_NOT_WORD = re.compile(r"[\W_]+")


def activity_match_key(text: str) -> str:
    """What two activity keys or names must share to be the same activity to a reader: case,
    accents, spaces and punctuation do not count (``"Promesse de marque"``,
    ``" promesse-de-marque "`` and ``"PROMESSE DE MARQUÉ"`` are one). A text of punctuation
    only is compared as written."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in folded if not unicodedata.combining(char))
    words = " ".join(word for word in _NOT_WORD.split(bare) if word)
    return words or text.strip()


def _row_label(row: RaciRow) -> str:
    return f"line {row.line}" if row.line is not None else f"“{row.activity}”"


def raci_check(
    rows: Sequence[RaciRow], departments: Sequence[str], thresholds: Thresholds = Thresholds()
) -> list[Problem]:
    """Every defect of a RACI, activity by activity (in row order), then department by
    department (in column order).

    A cell whose code is not valid is reported (``unknown_code``) and otherwise ignored. An
    activity listed again (same key or same name, ignoring case, accents, spaces and
    punctuation: :func:`activity_match_key`) is reported on
    the repeated row (``duplicate_activity``) and that row is left out of the other checks,
    so one redundancy gives one problem. Cells of departments not in ``departments`` are
    ignored.
    """
    problems: list[Problem] = []
    seen_keys: dict[str, RaciRow] = {}
    seen_names: dict[str, RaciRow] = {}
    load = dict.fromkeys(departments, 0)
    for row in rows:
        letters_by_dept: dict[str, frozenset[str]] = {}
        for dept in departments:
            raw = row.cells.get(dept, "")
            letters = parse_code(raw)
            if letters is None:
                problems.append(
                    Problem(
                        "unknown_code",
                        row.activity,
                        dept,
                        f"“{raw}” is not a RACI code: use R, A, C, I or a combination such as A/R",
                        {"value": raw},
                    )
                )
                continue
            if letters:
                letters_by_dept[dept] = letters
        key = activity_match_key(row.activity)
        name_key = activity_match_key(row.name) if row.name.strip() else ""
        first = seen_keys.get(key) or (seen_names.get(name_key) if name_key else None)
        if first is not None:
            same = "key" if activity_match_key(first.activity) == key else "name"
            problems.append(
                Problem(
                    "duplicate_activity",
                    row.activity,
                    None,
                    f"the same activity (same {same}) is already listed at {_row_label(first)}: "
                    "two rows for one activity give conflicting or redundant roles",
                    {"first": first.activity, "same": same},
                )
            )
            continue
        seen_keys[key] = row
        if name_key:
            seen_names[name_key] = row
        problems.extend(_activity_problems(row.activity, letters_by_dept, departments, thresholds))
        for dept, letters in letters_by_dept.items():
            if letters & {"R", "A"}:
                load[dept] += 1
    for dept in departments:
        if load[dept] > thresholds.max_r_or_a_per_department:
            problems.append(
                Problem(
                    "overloaded_department",
                    None,
                    dept,
                    f"Responsible or Accountable for {load[dept]} activities (more than "
                    f"{thresholds.max_r_or_a_per_department})",
                    {"count": load[dept], "limit": thresholds.max_r_or_a_per_department},
                )
            )
        elif load[dept] == 0:
            problems.append(
                Problem(
                    "idle_department",
                    None,
                    dept,
                    "Responsible or Accountable for no activity: is this department's part in "
                    "the customer experience clear?",
                )
            )
    return problems


def _activity_problems(
    activity: str,
    letters_by_dept: Mapping[str, frozenset[str]],
    departments: Sequence[str],
    thresholds: Thresholds,
) -> list[Problem]:
    def holders(letter: str) -> list[str]:
        return [d for d in departments if letter in letters_by_dept.get(d, frozenset())]

    found: list[Problem] = []
    accountable, responsible = holders("A"), holders("R")
    consulted, informed = holders("C"), holders("I")
    if not accountable:
        found.append(Problem("no_accountable", activity, None, "nobody is Accountable"))
    elif len(accountable) > 1:
        found.append(
            Problem(
                "multiple_accountable",
                activity,
                None,
                f"{len(accountable)} departments are Accountable ({', '.join(accountable)}); "
                "exactly one should be",
                {"count": len(accountable), "departments": accountable},
            )
        )
    if not responsible:
        found.append(Problem("no_responsible", activity, None, "nobody is Responsible"))
    if len(consulted) > thresholds.max_consulted:
        found.append(
            Problem(
                "too_many_consulted",
                activity,
                None,
                f"{len(consulted)} departments are Consulted (more than "
                f"{thresholds.max_consulted})",
                {"count": len(consulted), "limit": thresholds.max_consulted},
            )
        )
    if len(informed) > thresholds.max_informed:
        found.append(
            Problem(
                "too_many_informed",
                activity,
                None,
                f"{len(informed)} departments are Informed (more than {thresholds.max_informed})",
                {"count": len(informed), "limit": thresholds.max_informed},
            )
        )
    if not consulted and not informed:
        found.append(
            Problem(
                "nobody_consulted_or_informed",
                activity,
                None,
                "no department is Consulted or Informed",
            )
        )
    return found


# --------------------------------------------------------------------------- CSV layout

#: Columns of a RACI CSV that are not departments.
ACTIVITY_COLUMN, NAME_COLUMN = "activity", "name"


@dataclass
class RaciTable:
    """A RACI read from CSV: its department columns and its activity rows."""

    departments: list[str]
    rows: list[RaciRow] = field(default_factory=list)


def raci_csv_read(text: str, *, source: str = "RACI") -> RaciTable:
    """Read the RACI CSV layout: a header ``activity[,name],<department key>…`` then one row
    per activity. Comma or semicolon separated (as the spreadsheet saved it).

    The layout must be right (an ``activity`` column, department columns, one value per
    column, an activity key on each row): anything else raises ValidationError naming the
    line and column. Cell codes are *not* judged here: :func:`raci_check` reports them.
    """
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise ValidationError(
            "the file is empty: expected a header row activity,<departments>…", where=source
        )
    first = next(line for line in lines if line.strip())
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    table = RaciTable(departments=[])
    activity_at = name_at = -1
    dept_at: list[tuple[int, str]] = []
    try:
        raws = [(reader.line_num, raw) for raw in reader]
    except csv.Error as exc:
        raise csv_error(exc, where=f"{source}:line {max(reader.line_num, 1)}") from None
    for line, cells in raws:
        raw = [csvcells.restore(cell) for cell in cells]  # as CX Pilot's export wrote them
        if not any(cell.strip() for cell in raw):
            continue
        if header is None:
            header = [cell.strip() for cell in raw]
            lowered = [h.lower() for h in header]
            if ACTIVITY_COLUMN not in lowered:
                raise ValidationError(
                    f"no “{ACTIVITY_COLUMN}” column in the header (found: "
                    f"{', '.join(header)[:200]})",
                    where=f"{source}:line {line}",
                )
            activity_at = lowered.index(ACTIVITY_COLUMN)
            name_at = lowered.index(NAME_COLUMN) if NAME_COLUMN in lowered else -1
            seen: dict[str, int] = {}
            for i, head in enumerate(header):
                if i in (activity_at, name_at):
                    continue
                if not head:
                    raise ValidationError(
                        "a column has no header: name the department (its key)",
                        where=f"{source}:line {line}, column {i + 1}",
                    )
                if head in seen:
                    raise ValidationError(
                        f"department “{head}” has two columns ({seen[head] + 1} and {i + 1})",
                        where=f"{source}:line {line}, column {i + 1}",
                    )
                seen[head] = i
                dept_at.append((i, head))
            if not dept_at:
                raise ValidationError(
                    "no department column: the header is activity,<department key>…",
                    where=f"{source}:line {line}",
                )
            table.departments = [head for _, head in dept_at]
            continue
        if len(raw) > len(header):
            raise ValidationError(
                f"{len(raw)} values for {len(header)} columns",
                where=f"{source}:line {line}, column {len(header) + 1}",
            )
        cells = raw + [""] * (len(header) - len(raw))
        activity = cells[activity_at].strip()
        if not activity:
            raise ValidationError(
                "no activity key", where=f"{source}:line {line}, column {ACTIVITY_COLUMN}"
            )
        table.rows.append(
            RaciRow(
                activity=activity,
                name=cells[name_at].strip() if name_at >= 0 else "",
                cells={head: cells[i].strip() for i, head in dept_at},
                line=line,
            )
        )
    if not table.rows:
        raise ValidationError("no activity row after the header", where=source)
    return table


def raci_csv_write(table: RaciTable) -> str:
    """The CSV layout :func:`raci_csv_read` reads (``activity,name,<departments>…``)."""
    out = io.StringIO()
    writer = csvcells.writer(out, lineterminator="\n")
    writer.writerow([ACTIVITY_COLUMN, NAME_COLUMN, *table.departments])
    for row in table.rows:
        writer.writerow(
            [row.activity, row.name, *(row.cells.get(d, "") for d in table.departments)]
        )
    return out.getvalue()


# --------------------------------------------------------------------------- champion

#: The criteria of the interim CX champion in display order.
CHAMPION_CRITERIA = (
    "customer_data",
    "brand_promise",
    "operational_kpis",
    "product_quality",
    "capacity",
    "maturity_fit",
    "business_model_fit",
)

#: Default weights, and why: marketing is "the natural choice" because it owns the
#: brand promise, personas and most customer data; customer service because it holds the
#: operational KPIs, customer data and much feedback; product when quality must be built in
#: from development; and whoever leads must be able to step partly back from current work
#: to coordinate (capacity). The weakest maturity dimensions and the business model decide
#: between them, so they weigh as much as the strongest ownership criterion.
DEFAULT_WEIGHTS: dict[str, float] = {
    "customer_data": 3.0,
    "brand_promise": 2.0,
    "operational_kpis": 2.0,
    "product_quality": 2.0,
    "capacity": 3.0,
    "maturity_fit": 3.0,
    "business_model_fit": 2.0,
}

#: Kinds of department the fit tables know (a department of the organisation is one of them).
DEPARTMENT_KINDS = (
    "marketing",
    "customer_service",
    "product",
    "sales",
    "operations",
    "it",
    "cx",
    "other",
)

#: How well each kind of department fits an organisation *weak* on a maturity dimension
#: (0–5): struggling to collect feedback and use the voice of the
#: customer (customer_understanding) and to map journeys call for the owner of customer data,
#: research and personas (marketing) or of feedback (customer service); cost-focused, weak
#: measurement calls for whoever holds the operational KPIs (customer service); quality to
#: build in from development (journey_design on products) calls for product; front-line
#: culture and engagement for the teams closest to the front line. Strategy and leadership
#: weaknesses depend on the executives' sponsorship more than on any department (at
#: low maturity, progress "depends heavily on the leaders"), so they barely separate departments.
WEAK_DIMENSION_FIT: dict[str, dict[str, int]] = {
    "customer_understanding": {"marketing": 5, "customer_service": 4, "product": 3, "cx": 5},
    "measurement": {"customer_service": 5, "marketing": 3, "it": 3, "cx": 5},
    "journey_design": {"product": 5, "marketing": 4, "customer_service": 3, "cx": 5},
    "strategy": {"marketing": 3, "product": 3, "cx": 4},
    "leadership": {"cx": 3},
    "governance": {"customer_service": 3, "marketing": 3, "cx": 5},
    "culture": {"customer_service": 4, "operations": 3, "cx": 4},
    "employee_engagement": {"customer_service": 4, "operations": 4, "cx": 4},
}
#: The score of a kind a dimension does not name.
WEAK_DIMENSION_DEFAULT = 2
#: How many of the weakest dimensions count.
WEAKEST_COUNT = 3

#: Business models and which kind of department fits them as interim champion (0–5):
#: consumer brands deliver on a brand promise (marketing); cost-focused, high-volume
#: service businesses start from customer service's KPIs; B2B SaaS and products that need a
#: high-quality experience start from product; B2B account businesses from sales and service.
BUSINESS_MODEL_FIT: dict[str, dict[str, int]] = {
    "b2c_brand": {"marketing": 5, "customer_service": 3, "product": 3, "cx": 5},
    "b2c_service": {"customer_service": 5, "operations": 4, "marketing": 3, "cx": 5},
    "b2b_saas": {"product": 5, "customer_service": 3, "marketing": 3, "cx": 5},
    "b2b_accounts": {"sales": 4, "customer_service": 4, "product": 3, "cx": 5},
    "b2b2c": {"marketing": 4, "sales": 4, "customer_service": 3, "cx": 5},
}
BUSINESS_MODEL_DEFAULT = 2


def weakest_dimensions(scores: Mapping[str, float], count: int = WEAKEST_COUNT) -> list[str]:
    """The ``count`` lowest-scoring dimensions, lowest first (ties by name)."""
    return [d for d, _ in sorted(scores.items(), key=lambda item: (item[1], item[0]))[:count]]


def maturity_fit(kind: str, weakest: Sequence[str]) -> float | None:
    """Mean fit (0–5) of a kind of department for the weakest dimensions; None if none."""
    if not weakest:
        return None
    values = [WEAK_DIMENSION_FIT.get(d, {}).get(kind, WEAK_DIMENSION_DEFAULT) for d in weakest]
    return sum(values) / len(values)


def business_model_fit(kind: str, model: str) -> float | None:
    """Fit (0–5) of a kind of department with the business model; None if no model is set."""
    if not model:
        return None
    return float(BUSINESS_MODEL_FIT.get(model, {}).get(kind, BUSINESS_MODEL_DEFAULT))


@dataclass(frozen=True)
class Candidate:
    key: str
    name: str
    #: criterion → score 0–5, or None when it cannot be scored (then it counts for nobody).
    scores: Mapping[str, float | None]


@dataclass(frozen=True)
class Ranked:
    key: str
    name: str
    rank: int
    #: Weighted mean of the scores, 0–5: Σ score × weight / Σ weight over the criteria scored.
    total: float
    #: criterion → score × weight (None when the criterion is not scored).
    contributions: dict[str, float | None]


def champion_rank(candidates: Sequence[Candidate], weights: Mapping[str, float]) -> list[Ranked]:
    """Rank departments as interim CX champion: highest weighted mean score first.

    ``total = Σ scoreᵢ × weightᵢ / Σ weightᵢ`` over the criteria with a score (a criterion
    unscored for a candidate is left out of both sums, so it neither helps nor hurts). Ties
    share a rank and are listed by name. Negative weights are refused.
    """
    bad = {c: w for c, w in weights.items() if w < 0}
    if bad:
        raise ValidationError(
            f"weights cannot be negative: {', '.join(sorted(bad))}", where="weights"
        )
    scored: list[tuple[float, str, Candidate, dict[str, float | None]]] = []
    for cand in candidates:
        contributions: dict[str, float | None] = {}
        total_weight = total = 0.0
        for criterion in CHAMPION_CRITERIA:
            score, weight = cand.scores.get(criterion), float(weights.get(criterion, 0.0))
            if score is None:
                contributions[criterion] = None
                continue
            contributions[criterion] = score * weight
            total += score * weight
            total_weight += weight
        mean = round(total / total_weight, 4) if total_weight else 0.0
        scored.append((mean, cand.name, cand, contributions))
    scored.sort(key=lambda item: (-item[0], item[1].lower()))
    ranked: list[Ranked] = []
    for i, (mean, _, cand, contributions) in enumerate(scored):
        rank = ranked[-1].rank if ranked and ranked[-1].total == mean else i + 1
        ranked.append(Ranked(cand.key, cand.name, rank, mean, contributions))
    return ranked


# --------------------------------------------------------------------------- governance model

#: The three governance models, from the most to the least centralised.
GOVERNANCE_MODELS = ("centralised", "hybrid", "decentralised")
#: Up to this overall maturity level (1 Investigate, 2 Initiate) the organisation is of low
#: CX maturity: a centralised model, led by a CX leader or team with strong executive
#: sponsorship.
CENTRALISED_UP_TO_LEVEL = 2
#: From this overall maturity level (4 Scale, 5 Embed) the organisation is mature: a
#: decentralised model, if departments are aligned and governance is in place.
DECENTRALISED_FROM_LEVEL = 4
#: An alignment gap (the largest difference between two departments' scores on one
#: dimension, 0–100) above this many points is large: one maturity level is 20 points wide
#: in the shipped model, so the departments see the same dimension more than a level apart.
LARGE_ALIGNMENT_GAP = 20.0
#: Up to this level the governance dimension is weak: roles, council and decision rights
#: are not organised across departments yet (level 3, Mobilise, is where they are).
WEAK_GOVERNANCE_UP_TO_LEVEL = 2
#: The key of the governance dimension in the maturity model.
GOVERNANCE_DIMENSION = "governance"


@dataclass(frozen=True)
class MaturityFacts:
    """What the governance-model rule reads from a maturity campaign's results."""

    #: Overall maturity level, 1–5.
    level: int
    #: Overall maturity score, 0–100.
    score: float
    #: Largest gap between departments' scores on one dimension (0–100); None when fewer
    #: than two departments have enough respondents to be shown.
    alignment_gap: float | None = None
    alignment_gap_dimension: str | None = None
    #: Level (1–5) and score (0–100) of the governance dimension; None when not scored.
    governance_level: int | None = None
    governance_score: float | None = None


@dataclass(frozen=True)
class Reason:
    code: str
    detail: str
    #: The numbers of the detail, for pages that word it in their own language.
    data: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail}


@dataclass(frozen=True)
class ModelRecommendation:
    #: The model recommended: one of GOVERNANCE_MODELS.
    model: str
    #: The model the overall level alone points to, before the alignment gap and the
    #: governance dimension are weighed.
    by_level: str
    reasons: tuple[Reason, ...]
    facts: MaturityFacts


def _number(value: Any, where: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"must be a number from {low:g} to {high:g}", where=where)
    if not math.isfinite(value) or not low <= value <= high:
        raise ValidationError(f"must be a number from {low:g} to {high:g}", where=where)
    return float(value)


def _level(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError("must be a maturity level, a whole number from 1 to 5", where=where)
    return value


def maturity_facts(report: Mapping[str, Any]) -> MaturityFacts | None:
    """The facts of a maturity report (:func:`cxpilot.maturity.stats.maturity_report`), or
    None when it has no overall level (fewer than 5 respondents: every score is hidden)."""
    if report.get("overall_level") is None or report.get("overall_score") is None:
        return None
    governance = next(
        (d for d in report.get("dimensions", []) if d.get("dimension") == GOVERNANCE_DIMENSION),
        None,
    )
    return MaturityFacts(
        level=report["overall_level"],
        score=report["overall_score"],
        alignment_gap=report.get("alignment_gap"),
        alignment_gap_dimension=report.get("alignment_gap_dimension"),
        governance_level=None if governance is None else governance.get("level"),
        governance_score=None if governance is None else governance.get("score"),
    )


def governance_model_recommend(
    facts: MaturityFacts, *, has_cx_team: bool | None = None
) -> ModelRecommendation:
    """The governance model that fits a maturity, with its reasoning (seed: *who is really
    responsible for the customer experience?*).

    1. The overall level points to a model: up to ``CENTRALISED_UP_TO_LEVEL`` **centralised**
       (low maturity depends on the executives' leadership: a CX leader or team leads, with
       strong executive sponsorship so that every department contributes); from
       ``DECENTRALISED_FROM_LEVEL`` **decentralised** (mature organisations rely on alignment
       and coordination between departments and decentralise for speed); in between
       **hybrid** with a clear lead (where most organisations are).
    2. Two facts argue for a clear lead: a **large alignment gap** (more than
       ``LARGE_ALIGNMENT_GAP`` points between two departments on a dimension) and a **weak
       governance dimension** (level up to ``WEAK_GOVERNANCE_UP_TO_LEVEL``). Decentralising
       relies on both being right, so *either* one (or not knowing it) keeps a mature
       organisation **hybrid**; an intermediate organisation is **centralised** only when
       *both* argue for it (one alone is what the hybrid model's clear lead is for).

    ``has_cx_team`` (when known and False) adds a note: the centralised and hybrid models
    need a CX leader or team, which the interim CX champion stands in for until there is one.
    Facts out of range raise ValidationError naming the fact.
    """
    level = _level(facts.level, "level")
    _number(facts.score, "score", low=0, high=100)
    gap = facts.alignment_gap
    if gap is not None:
        gap = _number(gap, "alignment_gap", low=0, high=100)
    gov_level = facts.governance_level
    if gov_level is not None:
        gov_level = _level(gov_level, "governance_level")
    if facts.governance_score is not None:
        _number(facts.governance_score, "governance_score", low=0, high=100)

    score = round(float(facts.score), 1)
    reasons: list[Reason] = []
    if level <= CENTRALISED_UP_TO_LEVEL:
        by_level = "centralised"
        reasons.append(
            Reason(
                "low_maturity",
                f"maturity level {level} (score {score:g}) is low: CX progress depends on the "
                "executives' leadership; a CX leader or team leads, with strong executive "
                "sponsorship so that every department contributes",
                {"level": level, "score": score, "up_to": CENTRALISED_UP_TO_LEVEL},
            )
        )
    elif level >= DECENTRALISED_FROM_LEVEL:
        by_level = "decentralised"
        reasons.append(
            Reason(
                "high_maturity",
                f"maturity level {level} (score {score:g}) is high: CX is part of the "
                "strategy and of everyone's work; departments align and coordinate "
                "themselves, and decentralising gains speed and eases decisions",
                {"level": level, "score": score, "from": DECENTRALISED_FROM_LEVEL},
            )
        )
    else:
        by_level = "hybrid"
        reasons.append(
            Reason(
                "intermediate_maturity",
                f"maturity level {level} (score {score:g}) is intermediate, where most "
                "organisations are: a hybrid model with a clear lead, dedicated CX resources "
                "for tactical and operational work, and regular communication of CX's "
                "strategic role to every level and department",
                {"level": level, "score": score},
            )
        )

    gap_text = None if gap is None else round(gap, 1)
    dimension = facts.alignment_gap_dimension or ""
    if gap is None:
        gap_reason = "unknown"
        reasons.append(
            Reason(
                "alignment_unknown",
                "the alignment between departments is not known: fewer than two departments "
                "had enough respondents to be shown",
            )
        )
    elif gap > LARGE_ALIGNMENT_GAP:
        gap_reason = "against"
        reasons.append(
            Reason(
                "large_alignment_gap",
                f"departments are {gap_text:g} points apart on {dimension or 'a dimension'} "
                f"(more than {LARGE_ALIGNMENT_GAP:g}): they do not see CX alike, so someone "
                "must hold the lead",
                {"gap": gap_text, "dimension": dimension, "limit": LARGE_ALIGNMENT_GAP},
            )
        )
    else:
        gap_reason = "for"
        reasons.append(
            Reason(
                "departments_aligned",
                f"departments are at most {gap_text:g} points apart on any dimension "
                f"({LARGE_ALIGNMENT_GAP:g} or less): they see CX alike",
                {"gap": gap_text, "dimension": dimension, "limit": LARGE_ALIGNMENT_GAP},
            )
        )

    if gov_level is None:
        gov_reason = "unknown"
        reasons.append(
            Reason(
                "governance_unknown",
                "the governance dimension has no score in this campaign",
            )
        )
    elif gov_level <= WEAK_GOVERNANCE_UP_TO_LEVEL:
        gov_reason = "against"
        gov_score = None if facts.governance_score is None else round(facts.governance_score, 1)
        reasons.append(
            Reason(
                "weak_governance",
                f"the governance dimension is at level {gov_level} (up to "
                f"{WEAK_GOVERNANCE_UP_TO_LEVEL}): roles, council and decision rights are not "
                "organised across departments yet",
                {"level": gov_level, "score": gov_score, "up_to": WEAK_GOVERNANCE_UP_TO_LEVEL},
            )
        )
    else:
        gov_reason = "for"
        reasons.append(
            Reason(
                "governance_in_place",
                f"the governance dimension is at level {gov_level}: roles and decision "
                "rights are organised across departments",
                {"level": gov_level, "up_to": WEAK_GOVERNANCE_UP_TO_LEVEL},
            )
        )

    model = by_level
    if by_level == "decentralised" and (gap_reason != "for" or gov_reason != "for"):
        model = "hybrid"
        reasons.append(
            Reason(
                "keep_a_clear_lead",
                "decentralising relies on departments being aligned and on governance being "
                "in place; until the campaign shows both, keep a hybrid model with a clear lead",
            )
        )
    elif by_level == "hybrid" and gap_reason == "against" and gov_reason == "against":
        model = "centralised"
        reasons.append(
            Reason(
                "centralise",
                "departments far apart and a weak governance dimension together call for a "
                "centralised lead, with executive sponsorship, until roles and alignment are "
                "built",
            )
        )
    if has_cx_team is False and model != "decentralised":
        reasons.append(
            Reason(
                "no_cx_team",
                "no dedicated CX team is recorded: the interim CX champion can hold the lead "
                "until there is one",
            )
        )
    return ModelRecommendation(model=model, by_level=by_level, reasons=tuple(reasons), facts=facts)
