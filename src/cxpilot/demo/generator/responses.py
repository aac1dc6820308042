"""The responses table: one row per answered question, with verbatims on first answers."""

from __future__ import annotations

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
    DAY,
    DAYS,
    LANGS,
    METRIC_MEANS,
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


def responses_table(
    rng: np.random.Generator,
    rng_text: np.random.Generator,
    rng_refs: np.random.Generator,
    p: Persons,
    act: Activity,
    d: Directory,
) -> pa.Table:
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
    person, sec, kind, source, z, cause = (c[order] for c in (person, sec, kind, source, z, cause))
    preset_nps, preset_ces = preset_nps[order], preset_ces[order]
    release = day_index(APP_RELEASE)
    after_release = sec >= release * DAY

    # rows: (questionnaire, slot)
    q_idx: list[Array] = []
    slot_idx: list[Array] = []
    tp_idx: list[Array] = []
    metric_idx: list[Array] = []
    score: list[Array] = []
    metrics = ("nps", "ces", "csat")
    for slot in range(3):
        for k, spec in enumerate(SURVEYS):
            if slot >= len(spec.questions):
                continue
            tp, metric, share = spec.questions[slot]
            sel = np.flatnonzero(kind == k)
            if share < 1.0:
                sel = sel[rng.random(sel.size) < share]
            mean = np.full(sel.size, METRIC_MEANS[tp, metric])
            if tp == "app" and metric == "ces":
                mean = np.where(after_release[sel], APP_CES_MEAN_AFTER, APP_CES_MEAN_BEFORE)
            if tp == "app" and metric == "nps":
                mean = mean + np.where(after_release[sel], 0.3, 0.0)
            s = draw_scores(rng, metric, mean, z[sel])
            if metric == "nps":
                s = np.where(preset_nps[sel] >= 0, preset_nps[sel], s)
            if metric == "ces":
                s = np.where(preset_ces[sel] >= 0, preset_ces[sel], s)
            q_idx.append(sel)
            slot_idx.append(np.full(sel.size, slot))
            tp_idx.append(np.full(sel.size, TOUCHPOINT_INDEX[tp]))
            metric_idx.append(np.full(sel.size, metrics.index(metric)))
            score.append(s)
    # place each answer after the previous answers of its questionnaire (no sort needed)
    present = np.zeros((person.size, 3), bool)
    for sel, sl in zip(q_idx, slot_idx, strict=True):
        present[sel, sl[:1]] = True
    count = present.sum(axis=1)
    start = np.cumsum(count) - count
    rank = np.cumsum(present, axis=1) - 1
    total = int(count.sum())
    q, slot_, tp_, metric_, score_ = (np.empty(total, np.int64) for _ in range(5))
    for sel, sl, tp_i, m_i, sc in zip(q_idx, slot_idx, tp_idx, metric_idx, score, strict=True):
        at = start[sel] + rank[sel, sl[:1]]
        q[at], slot_[at], tp_[at], metric_[at], score_[at] = sel, sl, tp_i, m_i, sc

    # verbatims: on the first answer of a questionnaire, tone from that answer
    first = slot_ == 0
    tone = np.zeros(q.size, np.int64)
    for m, metric in enumerate(metrics):
        sel = first & (metric_ == m)
        tone[sel] = tone_of(metric, score_[sel])
    rate = np.array([VERBATIM_RATE[t] for t in TONES])
    has_text = first & (rng_text.random(q.size) < rate[tone])
    rows = np.flatnonzero(has_text)
    neg_cdf, pos_cdf = topic_cdfs()
    t_tp = tp_[rows]
    t_tone = tone[rows]
    t_cause = cause[q[rows]]
    u = rng_text.random(rows.size)
    random_topic = np.where(t_tone == 2, pick(u, pos_cdf, t_tp), pick(u, neg_cdf, t_tp))
    call_topics = list(CALL_BAD_TOPICS)
    call_topic = np.array([phrases.TOPICS.index(t) for t in call_topics])[
        draw(rng_text, weights(list(CALL_BAD_TOPICS.values())), rows.size)
    ]
    cause_topic = np.array(
        [
            -1,
            *(
                phrases.TOPICS.index(c)
                for c in ("delivery_late", "delivery_lost", "website_bugs", "app")
            ),
            -2,
        ]
    )[t_cause]
    cause_topic = np.where(cause_topic == -2, call_topic, cause_topic)
    use_cause = (
        (t_tone < 2) & (cause_topic >= 0) & (rng_text.random(rows.size) < CAUSE_MENTION_RATE)
    )
    topic = np.where(use_cause, cause_topic, random_topic)
    lang_q = p.english[person].astype(np.int64)
    texts = verbatim_texts(rng_text, lang_q[q[rows]], t_tone, topic)
    verbatim_idx = np.full(q.size, -1, np.int64)
    verbatim_idx[rows] = np.arange(rows.size)
    verbatim = texts.take(pa.array(verbatim_idx, mask=verbatim_idx < 0))

    # ids and references
    # "Q<questionnaire>-<question>": the answers of one questionnaire share the stem
    response_id = ascii_column(q + 1, 10, ("Q",), 0, ("-1", "-2", "-3"), slot_)
    pos = reference_positions(rng_refs, p, d, person[q], sec[q], source[q])
    channels = sorted(set(TOUCHPOINT_CHANNELS.values()))
    tp_channel = np.array([channels.index(TOUCHPOINT_CHANNELS[t]) for t in TOUCHPOINTS])
    return pa.table(
        {
            "response_id": response_id,
            "customer_id": id_column(d, pos),
            "touchpoint": dictionary(tp_, TOUCHPOINTS),
            "timestamp": timestamps(sec[q]),
            "metric": dictionary(metric_, metrics),
            "score": pa.array(score_.astype(np.int64)),
            "survey": dictionary(kind[q], [s.key for s in SURVEYS]),
            "source": dictionary(source[q], SOURCES),
            "channel": dictionary(tp_channel[tp_], channels),
            "verbatim": verbatim,
            "language": dictionary(lang_q[q], LANGS),
        }
    )
