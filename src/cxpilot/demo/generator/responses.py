"""The responses table: one row per answered question, with verbatims on first answers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cxpilot.demo import phrases
from cxpilot.demo.generator.activity import Activity
from cxpilot.demo.generator.arrays import (
    Array,
    ascii_column,
    dictionary,
    draw,
    pick,
    timestamps,
    weights,
)
from cxpilot.demo.generator.calendar import time_order
from cxpilot.demo.generator.customers import Directory, id_column, reference_positions
from cxpilot.demo.generator.parameters import (
    APP_CES_MEAN_AFTER,
    APP_CES_MEAN_BEFORE,
    APP_RELEASE,
    CALL_BAD_TOPICS,
    CAUSE_MENTION_RATE,
    CRM,
    DAY,
    DAYS,
    LANGS,
    METRIC_MEANS,
    RELATION_ANSWER_RATE,
    RELATION_DRIVERS,
    RELATION_NOISE_SD,
    RELATION_NPS_MEAN,
    RELATION_SURVEY,
    RELATION_SURVEY_DAYS,
    RELATION_SURVEY_START,
    SOURCES,
    SURVEYS,
    TONES,
    TOUCHPOINT_CHANNELS,
    TOUCHPOINT_INDEX,
    TOUCHPOINTS,
    VERBATIM_RATE,
    day_index,
)
from cxpilot.demo.generator.persons import Persons
from cxpilot.demo.generator.surveys import draw_scores, tone_of
from cxpilot.demo.generator.verbatims import topic_cdfs, verbatim_texts

_METRICS = ("nps", "ces", "csat")


@dataclass
class _Questionnaires:
    """The answered questionnaires of the period, in time order."""

    person: Array
    sec: Array
    kind: Array  # index into SURVEYS
    source: Array
    z: Array
    cause: Array
    preset_nps: Array  # -1: draw
    preset_ces: Array


@dataclass
class _Answers:
    """One row per answer, grouped by questionnaire: questionnaire, slot, touchpoint, metric
    (index into _METRICS) and score."""

    q: Array
    slot: Array
    tp: Array
    metric: Array
    score: Array


def responses_table(
    rng: np.random.Generator,
    rng_text: np.random.Generator,
    rng_refs: np.random.Generator,
    p: Persons,
    act: Activity,
    d: Directory,
    rng_relation: np.random.Generator | None = None,
) -> pa.Table:
    """The answers of the questionnaires after events, then (with ``rng_relation``) those of
    the relationship survey (truth (f))."""
    qs = _questionnaires(act)
    a = _answers(rng, qs)
    verbatim = _verbatim_column(rng_text, p, qs, a)
    # "Q<questionnaire>-<question>": the answers of one questionnaire share the stem
    response_id = ascii_column(a.q + 1, 10, ("Q",), 0, ("-1", "-2", "-3"), a.slot)
    q = a.q
    pos = reference_positions(rng_refs, p, d, qs.person[q], qs.sec[q], qs.source[q])
    channels = sorted(set(TOUCHPOINT_CHANNELS.values()))
    tp_channel = np.array([channels.index(TOUCHPOINT_CHANNELS[t]) for t in TOUCHPOINTS])
    table = pa.table(
        {
            "response_id": response_id,
            "customer_id": id_column(d, pos),
            "touchpoint": dictionary(a.tp, TOUCHPOINTS),
            "timestamp": timestamps(qs.sec[q]),
            "metric": dictionary(a.metric, _METRICS),
            "score": pa.array(a.score.astype(np.int64)),
            "survey": dictionary(qs.kind[q], [s.key for s in SURVEYS]),
            "source": dictionary(qs.source[q], SOURCES),
            "channel": dictionary(tp_channel[a.tp], channels),
            "verbatim": verbatim,
            "language": dictionary(p.english[qs.person].astype(np.int64)[q], LANGS),
        }
    )
    if rng_relation is None:
        return table
    return pa.concat_tables([table, _relationship(rng_relation, p, qs, a, d, table.schema)])


#: Each metric's score on a 0–100 scale: (lowest score, range), as the analytics put it.
_SCALE = {"nps": (0.0, 10.0), "ces": (1.0, 6.0), "csat": (1.0, 4.0)}


def _relationship(
    rng: np.random.Generator,
    p: Persons,
    qs: _Questionnaires,
    a: _Answers,
    d: Directory,
    schema: pa.Schema,
) -> pa.Table:
    """The relationship survey's answers (truth (f)): one NPS per answering person, on their
    CRM record, made of :data:`RELATION_DRIVERS` applied to the person's standardised mean
    score on each driver touchpoint (answers before theirs, every source), plus noise."""
    first = day_index(RELATION_SURVEY_START)
    invited = np.flatnonzero((p.start <= first) & (p.churn > first))
    person = invited[rng.random(invited.size) < RELATION_ANSWER_RATE]
    sec = first * DAY + rng.integers(0, RELATION_SURVEY_DAYS * DAY, person.size)
    order = np.argsort(sec, kind="stable")
    person, sec = person[order], sec[order]
    slot = np.full(p.n, -1, np.int64)
    slot[person] = np.arange(person.size)
    low = np.array([_SCALE[m][0] for m in _METRICS])[a.metric]
    width = np.array([_SCALE[m][1] for m in _METRICS])[a.metric]
    scaled = (a.score - low) / width * 100.0
    who = slot[qs.person[a.q]]
    before = (who >= 0) & (qs.sec[a.q] < sec[np.maximum(who, 0)])
    z = RELATION_NOISE_SD * rng.standard_normal(person.size)
    for tp, weight in RELATION_DRIVERS.items():
        sel = before & (a.tp == TOUCHPOINT_INDEX[tp])
        count = np.bincount(who[sel], minlength=person.size)
        total = np.bincount(who[sel], weights=scaled[sel], minlength=person.size)
        has = count > 0
        if not has.any():
            continue
        mean = np.where(has, total / np.maximum(count, 1), 0.0)
        spread = float(mean[has].std()) or 1.0
        z += weight * np.where(has, (mean - mean[has].mean()) / spread, 0.0)
    score = draw_scores(rng, "nps", np.full(person.size, RELATION_NPS_MEAN), z)
    pos = reference_positions(rng, p, d, person, sec, np.full(person.size, CRM, np.int8))
    n = person.size
    return pa.table(
        {
            "response_id": ascii_column(np.arange(1, n + 1), 10, ("R",), 0, ("-1",), 0),
            "customer_id": id_column(d, pos),
            "touchpoint": dictionary(np.zeros(n, np.int64), ["relation"]),
            "timestamp": timestamps(sec),
            "metric": dictionary(np.zeros(n, np.int64), ["nps"]),
            "score": pa.array(score.astype(np.int64)),
            "survey": dictionary(np.zeros(n, np.int64), [RELATION_SURVEY]),
            "source": dictionary(np.zeros(n, np.int64), [SOURCES[CRM]]),
            "channel": dictionary(np.zeros(n, np.int64), [TOUCHPOINT_CHANNELS["relation"]]),
            "verbatim": pa.nulls(n, pa.string()),
            "language": dictionary(p.english[person].astype(np.int64), LANGS),
        }
    ).cast(schema)


def _questionnaires(act: Activity) -> _Questionnaires:
    sv = act.survey
    person: Array = np.concatenate(sv.person)
    sec: Array = np.concatenate(sv.sec)
    kind: Array = np.concatenate(sv.kind).astype(np.int64)
    source: Array = np.concatenate(sv.source).astype(np.int8)
    z: Array = np.concatenate(sv.z)
    cause: Array = np.concatenate(sv.cause).astype(np.int64)
    preset_nps = np.concatenate(sv.preset_nps)
    preset_ces = np.concatenate(sv.preset_ces)
    order = time_order(sec)
    order = order[sec[order] < DAYS * DAY]
    return _Questionnaires(
        *(c[order] for c in (person, sec, kind, source, z, cause, preset_nps, preset_ces))
    )


def _answers(rng: np.random.Generator, qs: _Questionnaires) -> _Answers:
    """Draw the scores of every question asked, then place each answer after the previous
    answers of its questionnaire (no sort needed)."""
    after_release = qs.sec >= day_index(APP_RELEASE) * DAY
    blocks: list[tuple[Array, int, str, str, Array]] = []  # (questionnaires, slot, tp, metric, s)
    for slot in range(3):
        for k, spec in enumerate(SURVEYS):
            if slot >= len(spec.questions):
                continue
            tp, metric, share = spec.questions[slot]
            sel = np.flatnonzero(qs.kind == k)
            if share < 1.0:
                sel = sel[rng.random(sel.size) < share]
            s = _scores(rng, qs, sel, tp, metric, after_release[sel])
            blocks.append((sel, slot, tp, metric, s))
    present = np.zeros((qs.person.size, 3), bool)
    for sel, slot, *_ in blocks:
        present[sel, slot] = True
    count = present.sum(axis=1)
    start = np.cumsum(count) - count
    rank = np.cumsum(present, axis=1) - 1
    total = int(count.sum())
    a = _Answers(*(np.empty(total, np.int64) for _ in range(5)))
    for sel, slot, tp, metric, s in blocks:
        at = start[sel] + rank[sel, slot]
        a.q[at], a.slot[at], a.score[at] = sel, slot, s
        a.tp[at], a.metric[at] = TOUCHPOINT_INDEX[tp], _METRICS.index(metric)
    return a


def _scores(
    rng: np.random.Generator,
    qs: _Questionnaires,
    sel: Array,
    tp: str,
    metric: str,
    after_release: Array,
) -> Array:
    """Scores of one question for the questionnaires ``sel``: the app is better after its
    release (truth (e)); a call survey reuses the scores drawn with the call."""
    mean = np.full(sel.size, METRIC_MEANS[tp, metric])
    if tp == "app" and metric == "ces":
        mean = np.where(after_release, APP_CES_MEAN_AFTER, APP_CES_MEAN_BEFORE)
    if tp == "app" and metric == "nps":
        mean = mean + np.where(after_release, 0.3, 0.0)
    s = draw_scores(rng, metric, mean, qs.z[sel])
    if metric == "nps":
        s = np.where(qs.preset_nps[sel] >= 0, qs.preset_nps[sel], s)
    if metric == "ces":
        s = np.where(qs.preset_ces[sel] >= 0, qs.preset_ces[sel], s)
    return s


def _verbatim_column(
    rng: np.random.Generator, p: Persons, qs: _Questionnaires, a: _Answers
) -> pa.Array:
    """Verbatims on the first answer of a questionnaire, their tone from that answer."""
    first = a.slot == 0
    tone = np.zeros(a.q.size, np.int64)
    for m, metric in enumerate(_METRICS):
        sel = first & (a.metric == m)
        tone[sel] = tone_of(metric, a.score[sel])
    rate = np.array([VERBATIM_RATE[t] for t in TONES])
    has_text = first & (rng.random(a.q.size) < rate[tone])
    rows = np.flatnonzero(has_text)
    topic = _verbatim_topics(rng, a.tp[rows], tone[rows], qs.cause[a.q[rows]])
    lang_q = p.english[qs.person].astype(np.int64)
    texts = verbatim_texts(rng, lang_q[a.q[rows]], tone[rows], topic)
    verbatim_idx = np.full(a.q.size, -1, np.int64)
    verbatim_idx[rows] = np.arange(rows.size)
    return texts.take(pa.array(verbatim_idx, mask=verbatim_idx < 0))


def _verbatim_topics(rng: np.random.Generator, tp: Array, tone: Array, cause: Array) -> Array:
    """The topic of each verbatim: mostly the cause of a bad experience, when there is one;
    else drawn from the touchpoint's usual topics."""
    neg_cdf, pos_cdf = topic_cdfs()
    u = rng.random(tp.size)
    random_topic = np.where(tone == 2, pick(u, pos_cdf, tp), pick(u, neg_cdf, tp))
    call_topic = np.array([phrases.TOPICS.index(t) for t in CALL_BAD_TOPICS])[
        draw(rng, weights(list(CALL_BAD_TOPICS.values())), tp.size)
    ]
    cause_topics = ("delivery_late", "delivery_lost", "website_bugs", "app")
    cause_topic = np.array([-1, *(phrases.TOPICS.index(c) for c in cause_topics), -2])[cause]
    cause_topic = np.where(cause_topic == -2, call_topic, cause_topic)
    use_cause = (tone < 2) & (cause_topic >= 0) & (rng.random(tp.size) < CAUSE_MENTION_RATE)
    return np.where(use_cause, cause_topic, random_topic)
