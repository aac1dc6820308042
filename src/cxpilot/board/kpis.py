"""What a board is made of: one :class:`Kpi` per figure and the :class:`Board` of a month.

Plain data, no Django: the selectors fill it, the page, the PDF, the e-mail and the JSON of
``cxpilot board`` render it. The JSON keys are a contract (``docs/board.md``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, NamedTuple

from django.utils.translation import gettext_noop

#: The sections of the board, in the order they are shown.
Group = Literal["voice", "outcome", "effort", "loop"]
GROUPS: tuple[Group, ...] = ("voice", "outcome", "effort", "loop")

#: How a KPI's value is read: an NPS (−100..100), a 1–7 or 1–5 score, a percentage (0..100),
#: a count, an amount of money, hours.
Unit = Literal["nps", "score7", "score5", "percent", "count", "money", "hours"]

Status = Literal["green", "amber", "red"]


@dataclass
class Kpi:
    """One figure of the board. ``kpi`` is its stable key: ``nps``, ``ces``, ``csat`` (over the
    touchpoints' answers), the same per touchpoint (``nps.touchpoint.website``), the
    relationship NPS (``nps.relationship``), the outcome KPIs (``awareness.reach``,
    ``traffic.visits``, ``conversion``, ``conversion.channel.<channel>``, ``churn.rate``,
    ``value.equity``), the effort KPIs (``effort.*``, ``promise.<key>``) and the closed loop's
    (``loop.*``, ``alerts.raised``).

    ``change`` is against the month before, ``year_change`` against the same month a year
    before; ``significant`` / ``year_significant`` say whether that change is significant at
    5 % (None when it cannot be tested: no interval, too few answers, no earlier value).
    ``status`` is against the CX lead's ``target`` (None without a target or a value).
    ``note`` says why a value is missing (e.g. no churn model) or how it is read."""

    kpi: str
    group: Group
    label: str
    unit: Unit
    higher_is_better: bool = True
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    previous: float | None = None
    change: float | None = None
    significant: bool | None = None
    #: the two-sided p-value of the test of ``change`` (None when not tested)
    p_value: float | None = None
    year_before: float | None = None
    year_change: float | None = None
    year_significant: bool | None = None
    year_p_value: float | None = None
    target: float | None = None
    tolerance: float | None = None
    status: Status | None = None
    touchpoint: str | None = None
    department: str | None = None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Board:
    """The board of ``month`` (``YYYY-MM``): the KPIs, then the sections that explain them.

    - ``irritants``: the month's top irritants, each ``{theme, label, touchpoint, n, share,
      points_at_stake, initiative}`` (``initiative``: the name of one addressing it, or None);
    - ``moments``: the moments of truth of the journeys, each ``{journey, stage, touchpoint,
      effect, ci_low, ci_high}``, empty where no journey was mapped;
    - ``alerts``: the alerts raised in the month (rows of the loop's alerts);
    - ``loop``: ``{opened, closed, within_sla, within_sla_pct, median_hours_to_close}``;
    - ``maturity``: ``{campaign, level, label, closed_at}`` of the latest campaign, or None;
    - ``initiatives``: each ``{id, name, status, metric, touchpoints, department, started,
      done, effect, ci_low, ci_high, method, roi}``;
    - ``departments``: each department's share of the month's efforts, ``{department, name,
      cases_closed, initiatives, share}``;
    - ``governance_model``: ``{recommended, chosen, chosen_on}`` or None;
    - ``rule``: the red/amber/green rule in words; ``comment``: the CX lead's, or "".
    """

    month: str
    previous_month: str
    year_before_month: str
    kpis: list[Kpi] = field(default_factory=list)
    irritants: list[dict[str, Any]] = field(default_factory=list)
    moments: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    loop: dict[str, Any] = field(default_factory=dict)
    maturity: dict[str, Any] | None = None
    initiatives: list[dict[str, Any]] = field(default_factory=list)
    departments: list[dict[str, Any]] = field(default_factory=list)
    governance_model: dict[str, Any] | None = None
    rule: str = ""
    comment: str = ""

    def kpi(self, key: str) -> Kpi | None:
        return next((k for k in self.kpis if k.kpi == key), None)

    def group(self, group: Group) -> list[Kpi]:
        return [k for k in self.kpis if k.group == group]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Spec(NamedTuple):
    """What a KPI key means: its section, label (English, translated when shown), unit and
    direction."""

    group: Group
    label: str
    unit: Unit
    higher_is_better: bool = True


#: The KPIs of fixed keys. The per-touchpoint, per-channel and per-promise ones follow the
#: :data:`PATTERNS` below.
CATALOGUE: dict[str, Spec] = {
    "nps": Spec("voice", gettext_noop("NPS"), "nps"),
    "ces": Spec("voice", gettext_noop("CES"), "score7"),
    "csat": Spec("voice", gettext_noop("CSAT (share satisfied)"), "percent"),
    "nps.relationship": Spec("voice", gettext_noop("Relationship NPS"), "nps"),
    "awareness.reach": Spec(
        "outcome", gettext_noop("Awareness: customer records reached"), "count"
    ),
    "traffic.visits": Spec("outcome", gettext_noop("Traffic: visits"), "count"),
    "conversion": Spec(
        "outcome", gettext_noop("Conversion: visits followed by an order"), "percent"
    ),
    "churn.rate": Spec(
        "outcome", gettext_noop("Churn: expected share of customers lost"), "percent", False
    ),
    "value.equity": Spec("outcome", gettext_noop("Customer equity"), "money"),
    "effort.irritants_addressed": Spec(
        "effort", gettext_noop("Irritants addressed by an initiative"), "count"
    ),
    "effort.points_addressed": Spec(
        "effort", gettext_noop("NPS points at stake of the irritants addressed"), "nps"
    ),
    "effort.initiatives_delivered": Spec("effort", gettext_noop("Initiatives delivered"), "count"),
    "effort.cases_within_sla": Spec(
        "effort", gettext_noop("Follow-up cases closed within the SLA"), "count"
    ),
    "loop.cases_opened": Spec("loop", gettext_noop("Cases opened"), "count", False),
    "loop.cases_closed": Spec("loop", gettext_noop("Cases closed"), "count"),
    "loop.within_sla_pct": Spec("loop", gettext_noop("Cases closed within the SLA"), "percent"),
    "loop.median_hours_to_close": Spec(
        "loop", gettext_noop("Median time to close a case"), "hours", False
    ),
    "alerts.raised": Spec("loop", gettext_noop("Alerts raised"), "count", False),
}

#: The families of keys that name a touchpoint, a channel or a brand promise:
#: ``<prefix><key>``.
PATTERNS: dict[str, Spec] = {
    "nps.touchpoint.": Spec("voice", gettext_noop("NPS"), "nps"),
    "ces.touchpoint.": Spec("voice", gettext_noop("CES"), "score7"),
    "csat.touchpoint.": Spec("voice", gettext_noop("CSAT (share satisfied)"), "percent"),
    "conversion.channel.": Spec("outcome", gettext_noop("Conversion"), "percent"),
    "promise.": Spec("effort", gettext_noop("Promise kept"), "percent"),
}


def spec_of(key: str) -> tuple[Spec, str | None] | None:
    """The spec of a KPI key and, for a pattern, the key it names (a touchpoint, a channel,
    a promise); None for a key of no known family."""
    if key in CATALOGUE:
        return CATALOGUE[key], None
    for prefix, spec in PATTERNS.items():
        if key.startswith(prefix) and len(key) > len(prefix):
            return spec, key[len(prefix) :]
    return None
