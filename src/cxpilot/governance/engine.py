"""The pure computations of governance: RACI cells, the RACI defect check, the RACI CSV
layout, and the interim CX champion ranking. No Django, no I/O.

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
