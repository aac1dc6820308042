"""The plan of what each column of an export becomes: detection, then the mapping's overrides.

The steps, in order: the columns with a fixed role (response id, date, touchpoint, language,
channel, customer id); the columns the mapping ignores or gives a rule; the scored questions
and the open-text ones; the verbatim of each scored question; touchpoints and languages;
what is left goes to attributes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.schema import RESPONSES
from cxpilot.warehouse.survey_tools.common import (
    METRICS,
    TOOLS,
    Export,
    ExportColumn,
    Layout,
    ScoredQuestion,
    SurveyPlan,
)
from cxpilot.warehouse.survey_tools.dates import date_order as read_order
from cxpilot.warehouse.survey_tools.detection import (
    CHANNEL_NAMES,
    CUSTOMER_NAMES,
    LANGUAGE_NAMES,
    TOUCHPOINT_NAMES,
    detect_metric,
    guess_language,
    is_open_text,
    is_other_text,
    squash,
    touchpoint_in_text,
)
from cxpilot.warehouse.survey_tools.layouts import LAYOUTS
from cxpilot.warehouse.survey_tools.mapping import QuestionRule, SurveyMapping
from cxpilot.warehouse.survey_tools.surveymonkey import GENERIC_SUB_LABELS

#: The mapping's rule of a column, with the reference the mapping used for it, by column name.
Rules = dict[str, tuple[QuestionRule, str]]


def plan_export(
    export: Export,
    *,
    mapping: SurveyMapping | None = None,
    touchpoints: Mapping[str, str] | None = None,
    date_order: str | None = None,
) -> SurveyPlan:
    """Decide what each column becomes: detection, then the mapping's overrides.
    ``date_order`` (dmy, mdy), given with the import, overrides the mapping's."""
    layout = LAYOUTS[export.tool]
    mapping = mapping or SurveyMapping(where="--mapping")
    roles = _Roles.of(export, mapping, layout)
    ignored, rules = _ignored_and_rules(export, mapping, roles.taken_as())
    ignored_names = {c.name for c, _ in ignored}
    nps_groups = _nps_groups(export, rules, ignored, ignored_names)
    taken = set(roles.taken_as())
    questions = _Questions.of(export, taken | ignored_names, rules, nps_groups)
    roles.notes.extend(questions.undecided)
    claimed = _mapped_verbatims(export, mapping, rules, questions.by_name)
    _detected_verbatims(export, rules, questions, claimed, roles.notes)
    _touchpoints(export, mapping, roles, questions.scored, touchpoints)
    _languages(questions.scored)
    survey = _surveys(export, mapping, questions.scored, roles.notes)

    used = taken | ignored_names | set(questions.by_name) | claimed
    used.discard(roles.fallback.name if roles.fallback else "")
    order, order_why = read_order(
        export,
        [c for c in (roles.timestamp, roles.fallback) if c],
        mapping.date_order,
        layout,
        date_order,
    )
    return SurveyPlan(
        tool=export.tool,
        path=export.path,
        respondents=len(export.rows),
        questions=questions.scored,
        respondent_id=roles.respondent,
        timestamp=roles.timestamp,
        timestamp_fallback=roles.fallback,
        date_order=order,
        date_order_why=order_why,
        customer_id=roles.customer,
        customer_id_why=roles.customer_why,
        customer_id_strict=roles.customer_strict,
        touchpoint_column=roles.touchpoint,
        touchpoint=mapping.touchpoint,
        language_column=roles.language,
        language=mapping.language,
        channel_column=roles.channel,
        channel=mapping.channel,
        survey=survey,
        touchpoint_why=mapping.touchpoint_why,
        attributes=_attributes(export, used),
        ignored=ignored,
        columns=export.columns,
        whys=roles.whys,
        notes=roles.notes,
    )


# --------------------------------------------------------------------------- finding columns


def find_column(export: Export, ref: str, where: str) -> ExportColumn:
    """A column named by a mapping: by name, question key or question text (any case)."""
    wanted = ref.strip().lower()
    for attribute in ("name", "key", "text"):
        found = [c for c in export.columns if getattr(c, attribute).lower() == wanted]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValidationError(
                f"{ref!r} names several columns ({', '.join(c.name for c in found)}); use the column name",
                where=where,
            )
    listed = ", ".join(
        f"{c.key} ({c.name[:40]})" if c.key != c.name else c.name for c in export.columns
    )
    raise ValidationError(
        f"the export has no column {ref!r}; its columns are: {listed}", where=where
    )


def _named(export: Export, names: tuple[str, ...]) -> ExportColumn | None:
    """The first of ``names`` (in their order) that the export has."""
    by_name = {c.name: c for c in export.columns}
    return next((by_name[n] for n in names if n in by_name), None)


def _squashed(export: Export, names: set[str]) -> ExportColumn | None:
    """The first column whose name, squashed (customer_id -> customerid), is in ``names``."""
    return next((c for c in export.columns if squash(c.name) in names), None)


# --------------------------------------------------------------------------- fixed roles


@dataclass
class _Roles:
    """The columns with a fixed role, how each was recognised, and notes for the user."""

    export: Export
    mapping: SurveyMapping
    whys: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timestamp: ExportColumn = field(init=False)  # set by of(): every plan has one
    fallback: ExportColumn | None = None
    respondent: ExportColumn | None = None
    touchpoint: ExportColumn | None = None
    language: ExportColumn | None = None
    channel: ExportColumn | None = None
    customer: ExportColumn | None = None
    customer_why: str = ""
    customer_strict: bool = False

    @classmethod
    def of(cls, export: Export, mapping: SurveyMapping, layout: Layout) -> _Roles:
        roles = cls(export, mapping)
        roles.respondent = roles.chosen("respondent_id_column", layout.respondent_id)
        roles.timestamp, roles.fallback = roles.timestamps(layout)
        roles.touchpoint = roles.chosen("touchpoint_column", (), TOUCHPOINT_NAMES)
        if not mapping.language:
            roles.language = roles.chosen("language_column", layout.language, LANGUAGE_NAMES)
        if not mapping.channel:
            roles.channel = roles.chosen("channel_column", layout.channel, CHANNEL_NAMES)
        roles.customer_strict = bool(mapping.customer_id_column)
        if roles.customer_strict:
            roles.customer = roles.chosen("customer_id_column", ())
            roles.customer_why = "mapping: customer_id_column"
        else:
            roles.customer, roles.customer_why = roles.detected_customer(layout)
        return roles

    @property
    def tool_column(self) -> str:
        return f"{TOOLS[self.export.tool]} column"

    def chosen(
        self, key: str, defaults: tuple[str, ...], generic: set[str] | None = None
    ) -> ExportColumn | None:
        """The column the mapping names at ``key``, else one with a ``generic`` name, else the
        first of the tool's ``defaults``."""
        ref = getattr(self.mapping, key)
        if ref:
            found = find_column(self.export, ref, f"{self.mapping.where}:{key}")
            self.whys[found.name] = f"mapping: {key}"
            return found
        col = _squashed(self.export, generic) if generic else None
        if col is None:
            col = _named(self.export, defaults)
            if col is not None:
                self.whys[col.name] = self.tool_column
        else:
            self.whys[col.name] = "column name"
        return col

    def timestamps(self, layout: Layout) -> tuple[ExportColumn, ExportColumn | None]:
        """The date column, and the one used where it is empty."""
        if self.mapping.timestamp_column:
            ref = self.mapping.timestamp_column
            timestamp = find_column(self.export, ref, f"{self.mapping.where}:timestamp_column")
            self.whys[timestamp.name] = "mapping: timestamp_column"
            return timestamp, None
        present = [c for c in (_named(self.export, (n,)) for n in layout.timestamps) if c]
        if not present:
            raise ValidationError(
                f"no date column ({' or '.join(layout.timestamps)}); name it with timestamp_column "
                "in --mapping",
                where=f"{self.export.path}:line 1",
            )
        timestamp, fallback = present[0], (present[1] if len(present) > 1 else None)
        self.whys[timestamp.name] = self.tool_column
        if timestamp.time_zone:
            self.whys[timestamp.name] += f" (times in {timestamp.time_zone}, converted to UTC)"
        if fallback is not None:
            self.whys[fallback.name] = f"{self.tool_column} (for unfinished responses)"
        return timestamp, fallback

    def detected_customer(self, layout: Layout) -> tuple[ExportColumn | None, str]:
        """The first customer column with values (a generic name, then the tool's), and why."""
        generic = _squashed(self.export, CUSTOMER_NAMES)
        candidates = ([generic] if generic else []) + [
            c for c in (_named(self.export, (n,)) for n in layout.customer_id) if c
        ]
        for col in candidates:
            if any(self.export.values(col)):
                self.whys[col.name] = (
                    "column name" if col is generic else self.tool_column
                ) + "; the respondent id where it is empty"
                return col, self.whys[col.name]
        self.notes.append(
            "no customer id column with values: the respondent id is used as customer_id "
            "(name the column with customer_id_column in --mapping)"
        )
        return None, "no customer column with values: each respondent stands for a customer"

    def taken_as(self) -> dict[str, str]:
        """The role of each column with a fixed role, by name (the first role named wins)."""
        roles = (
            ("response id", self.respondent),
            ("date", self.timestamp),
            ("touchpoint", self.touchpoint),
            ("language", self.language),
            ("channel", self.channel),
            ("customer id", self.customer),
        )
        return {col.name: role for role, col in reversed(roles) if col is not None}


# --------------------------------------------------------------------------- the mapping's rules


def _ignored_and_rules(
    export: Export, mapping: SurveyMapping, taken_as: dict[str, str]
) -> tuple[list[tuple[ExportColumn, str]], Rules]:
    """The columns the mapping ignores (with why), and its rules by column."""
    mwhere = mapping.where
    ignored: list[tuple[ExportColumn, str]] = []
    for ref in mapping.ignore:
        col = find_column(export, ref, f"{mwhere}:ignore")
        ignored.append((col, "mapping: ignore"))
    rules: Rules = {}
    for ref, rule in mapping.questions.items():
        col = find_column(export, ref, f"{mwhere}:questions.{ref}")
        if col.name in taken_as:
            raise ValidationError(
                f"{col.name!r} is already the {taken_as[col.name]} column",
                where=f"{mwhere}:questions.{ref}",
            )
        rules[col.name] = (rule, ref)
        if rule.role == "ignore":
            ignored.append((col, "mapping: questions"))
    return ignored, rules


def _nps_groups(
    export: Export,
    rules: Rules,
    ignored: list[tuple[ExportColumn, str]],
    ignored_names: set[str],
) -> dict[str, ExportColumn]:
    """Companion NPS group columns (Qualtrics), by the name of their question; they mark it as
    NPS and are ignored (added to ``ignored`` and ``ignored_names``)."""
    nps_groups: dict[str, ExportColumn] = {}
    for col in export.columns:
        if col.name.endswith("_NPS_GROUP") and col.name not in rules:
            base = col.name[: -len("_NPS_GROUP")]
            nps_groups[base] = col
            if col.name not in ignored_names:
                ignored.append((col, f"NPS group of {base} (derived from the score)"))
                ignored_names.add(col.name)
    return nps_groups


# --------------------------------------------------------------------------- questions


@dataclass
class _Questions:
    """The scored questions, the open-text ones (with why) and notes on undecided ones."""

    scored: list[ScoredQuestion] = field(default_factory=list)
    open_text: dict[str, str] = field(default_factory=dict)
    undecided: list[str] = field(default_factory=list)

    @property
    def by_name(self) -> dict[str, ScoredQuestion]:
        return {q.column.name: q for q in self.scored}

    @classmethod
    def of(
        cls,
        export: Export,
        skipped: set[str],
        rules: Rules,
        nps_groups: dict[str, ExportColumn],
    ) -> _Questions:
        found = cls()
        for col in export.columns:
            if col.name in skipped:
                continue
            rule_ref = rules.get(col.name)
            if rule_ref is not None:
                found.add_mapped(col, *rule_ref)
            elif col.name in nps_groups:
                why = f"NPS question ({nps_groups[col.name].name})"
                found.scored.append(ScoredQuestion(col, "nps", why, guess_language(col.text)))
            elif col.question:
                found.add_detected(export, col)
        if not found.scored:
            listed = "; ".join(f"{c.key}: {c.text[:50]}" for c in export.columns if c.question)
            raise ValidationError(
                "no NPS, CES or CSAT question recognised"
                + (f" among the questions ({listed})" if listed else "")
                + "; say which is which in --mapping (questions: {Q1: nps})",
                where=export.path,
            )
        return found

    def add_mapped(self, col: ExportColumn, rule: QuestionRule, ref: str) -> None:
        if rule.role not in METRICS:
            return
        question = ScoredQuestion(
            col, rule.role, f"mapping: questions.{ref}", guess_language(col.text)
        )
        if rule.touchpoint:
            question.touchpoint = rule.touchpoint
            question.touchpoint_why = "mapping"
        self.scored.append(question)

    def add_detected(self, export: Export, col: ExportColumn) -> None:
        values = export.values(col)
        if col.group_width > 1 or (col.import_id or "").endswith("_TEXT"):
            # one of a question's columns: its comment or "Other" text is text, whatever the
            # question's text says (a "Why?" under "Would you recommend us, and why?")
            is_open, open_why = is_open_text(export, col, values)
            if is_open:
                self.open_text[col.name] = open_why
                return
        metric, why, metric_notes = detect_metric(col.text, values)
        if metric:
            self.scored.append(ScoredQuestion(col, metric, why, guess_language(col.text)))
            return
        is_open, open_why = is_open_text(export, col, values)
        if is_open:
            self.open_text[col.name] = open_why
            return
        for note in metric_notes:
            self.undecided.append(f"{col.key} ({col.text[:60]}): {note}")


# --------------------------------------------------------------------------- verbatims


def _mapped_verbatims(
    export: Export, mapping: SurveyMapping, rules: Rules, by_name: dict[str, ScoredQuestion]
) -> set[str]:
    """Give each scored question the verbatim the mapping names; the columns so claimed."""
    claimed: set[str] = set()
    for name, (rule, ref) in rules.items():
        if rule.role != "verbatim" or rule.verbatim_of is None:
            continue
        where = f"{mapping.where}:questions.{ref}"
        target = find_column(export, rule.verbatim_of, where)
        question = by_name.get(target.name)
        if question is None:
            raise ValidationError(
                f"verbatim_of names {rule.verbatim_of!r}, which is not a scored question",
                where=where,
            )
        if question.verbatim is not None:
            raise ValidationError(
                f"{question.column.key} already has the verbatim {question.verbatim.name!r}",
                where=where,
            )
        question.verbatim = next(c for c in export.columns if c.name == name)
        question.verbatim_why = f"mapping: questions.{ref}"
        claimed.add(name)
    return claimed


#: The most questions a score's verbatim may come after it: "Why?" follows its score, maybe
#: after a question or two; an open question further on is about something else.
VERBATIM_REACH = 3


def _detected_verbatims(
    export: Export, rules: Rules, questions: _Questions, claimed: set[str], notes: list[str]
) -> None:
    """Give each scored question still without a verbatim its own comment column (a column
    of the same question: SurveyMonkey's comment field, Qualtrics's QIDn_TEXT), else the first
    open question among the ``VERBATIM_REACH`` questions after it (before the next scored
    one; never an "Other" column, which is its choice question's). Add the columns so
    claimed to ``claimed``; note an open question left because it is too far."""
    by_name = questions.by_name

    def free(col: ExportColumn) -> bool:
        return col.name in questions.open_text and col.name not in claimed and col.name not in rules

    for question in questions.scored:
        group = question.column.group
        if question.verbatim is not None or group is None:
            continue
        own = next(
            (
                c
                for c in export.columns
                if c.group == group and c is not question.column and free(c)
            ),
            None,
        )
        if own is not None:
            question.verbatim = own
            question.verbatim_why = (
                f"{questions.open_text[own.name]}, a column of {question.column.key}"
            )
            claimed.add(own.name)

    units = _question_units(export, rules, claimed)
    for position, unit in enumerate(units):
        scored = [by_name[c.name] for c in unit if c.name in by_name]
        waiting = [q for q in scored if q.verbatim is None]
        if not waiting:
            continue
        for distance, later in enumerate(units[position + 1 :], start=1):
            if any(c.name in by_name for c in later):
                break  # the next scored question: what follows is its
            found = next((c for c in later if free(c) and not is_other_text(c)), None)
            if found is None:
                continue
            question = waiting[-1]
            if distance > VERBATIM_REACH:
                notes.append(
                    f"{question.column.key}: the open question {found.key} ({found.text[:50]}) "
                    f"comes {distance} questions after it: not taken as its verbatim (if it "
                    f"is, say so with questions: {{{found.key}: verbatim_of:{question.column.key}}} "
                    "in --mapping)"
                )
                break
            question.verbatim = found
            question.verbatim_why = (
                f"{questions.open_text[found.name]}, the first after {question.column.key}"
            )
            claimed.add(found.name)
            break


def _question_units(export: Export, rules: Rules, claimed: set[str]) -> list[list[ExportColumn]]:
    """The export's questions in file order, each as its columns (a multi-column question is
    one unit), leaving out metadata and the columns already claimed or given a rule."""
    units: list[list[ExportColumn]] = []
    for col in export.columns:
        if (
            not col.question
            or col.name in claimed
            or (col.name in rules and not _scored_rule(rules[col.name][0]))
        ):
            continue
        if units and col.group is not None and units[-1][-1].group == col.group:
            units[-1].append(col)
        else:
            units.append([col])
    return units


def _scored_rule(rule: QuestionRule) -> bool:
    return rule.role in METRICS


# --------------------------------------------------------------------------- the rest


def _touchpoints(
    export: Export,
    mapping: SurveyMapping,
    roles: _Roles,
    scored: list[ScoredQuestion],
    touchpoints: Mapping[str, str] | None,
) -> None:
    """The touchpoint a question's text names; every answer needs a touchpoint from somewhere."""
    for question in scored:
        if question.touchpoint is None:
            key, why = touchpoint_in_text(question.column.text, touchpoints)
            if key:
                question.touchpoint, question.touchpoint_why = key, why
    missing = [q for q in scored if q.touchpoint is None]
    if missing and roles.touchpoint is None and not mapping.touchpoint:
        listed = ", ".join(f"{q.column.key} ({q.metric})" for q in missing)
        raise ValidationError(
            f"no touchpoint for {listed}: give --touchpoint KEY for the whole file (or, in "
            "--mapping, touchpoint: KEY, touchpoint_column: COLUMN, or questions: {Q1: "
            "{metric: nps, touchpoint: KEY}})",
            where=export.path,
        )


#: What the tools add to an export's file name after the survey's name: Qualtrics's date and
#: time ("_May 1, 2024_09.23"), Google Forms' sheet ("(Responses) - Form responses 1").
_FILE_NAME_SUFFIXES = (
    re.compile(r"_[A-Z][a-z]+ \d{1,2}, \d{4}_\d{1,2}\.\d{2}$"),
    re.compile(r"\s*\((?:responses|réponses)\)(?:\s*-\s*.*)?$", re.IGNORECASE),
)
SURVEY_MAX = 120  # the survey column's length


def _surveys(
    export: Export, mapping: SurveyMapping, scored: list[ScoredQuestion], notes: list[str]
) -> str:
    """Name each scored question's survey ``<survey> · <key>: <question text>``, so that two
    questions of one export (an NPS per product) are never pooled into one figure; return the
    export's survey name (the mapping's, else the file's name without the tool's suffixes)."""
    base = (mapping.survey or "").strip()
    if not base:
        base = Path(export.path).stem
        for suffix in _FILE_NAME_SUFFIXES:
            base = suffix.sub("", base).strip() or base
        notes.append(
            f"survey name “{base}” taken from the file's name: give survey: NAME in --mapping "
            "so that later exports of the same survey keep the same name"
        )
    base = " ".join(base.split())[: SURVEY_MAX // 2]
    for question in scored:
        text = question.column.text
        label = question.column.sub_label or ""
        if label.lower() in GENERIC_SUB_LABELS and text.endswith(f" - {label}"):
            text = text[: -len(label) - 3]  # SurveyMonkey's "… - Response": the question's
        name = f"{base} · {question.column.key}: {' '.join(text.split())}"
        question.survey = name if len(name) <= SURVEY_MAX else name[: SURVEY_MAX - 1] + "…"
    if len(scored) > 1:
        notes.append(
            f"{len(scored)} scored questions: each is stored as its own survey "
            "(<survey> · <question key>: <text>), so that cxpilot metrics --by survey keeps them apart"
        )
    return base


def _languages(scored: list[ScoredQuestion]) -> None:
    """A question whose text tells no language takes the survey's, if its questions agree."""
    languages = {q.language for q in scored if q.language}
    survey_language = languages.pop() if len(languages) == 1 else None
    for question in scored:
        question.language = question.language or survey_language


def _attributes(export: Export, used: set[str]) -> list[tuple[ExportColumn, str]]:
    """The columns not used otherwise, with their key in attributes (prefixed by the tool
    where the name is a column of ``responses``)."""
    known = set(RESPONSES.column_names) | {"attributes"}
    attributes = []
    for col in export.columns:
        if col.name in used:
            continue
        key = col.name if col.name.lower() not in known else f"{export.tool}_{col.name}"
        attributes.append((col, key))
    return attributes
