"""Recall and precision of theme assignment, on the demo company at several sizes and seeds and
on real review text.

Run: ``python bench/eval_themes.py`` (prints, and writes bench/results/themes.json); add
``--real`` to also score the hand-checked sample of real text (needs the corpora of
``bench/bench_sentiment.py``, fetched once from the registries into its cache).

How it measures
- Demo: ``generate(customers, seed)`` for each size and seed. Every demo verbatim is built
  around one *core* phrase of one topic (``cxpilot.demo.phrases.CORES``), so its true theme is
  known: the topic (``THEME_OF_TOPIC``) whose core it contains. Themes are discovered on all
  verbatims and assigned (``discover`` then ``pipeline.analyse``, exactly as
  ``cxpilot themes discover`` does, with the defaults). Each discovered theme stands for the
  true theme most of its verbatims have; per true theme, **recall** is the share of its
  verbatims that carry a theme standing for it, **precision** the share of the verbatims
  carrying such a theme that are truly about it. The *delivery theme* is the theme whose heaviest
  term is the glossary's delivery concept (livraison, delivery…; the planted incident's theme);
  its recall and precision are against the demo's documented delivery pattern.
- Top irritant: on the website's NPS answers from 2026-03-01 (the incident's start), the
  themes ranked by NPS points at stake (``cxpilot.verbatims.stats.impact``, as the irritants
  page); the delivery theme must come first.
- Real text (``--real``): 60 texts drawn at random (seed 13) from each of two evaluation
  corpora of bench_sentiment.py that nobody read to build the themes (VADER's Amazon review
  snippets in English, the evaluation half of Pattern's French Amazon book reviews). Themes
  are discovered in each corpus on its own and assigned, as for a file. A person read each
  text and its themes and wrote which assigned themes are right and which themes of the
  corpus's list it plainly speaks of but did not get (``--make-sample`` writes the working
  files with the texts into bench/data/, not committed; the judgements, without the texts,
  are ``bench/judged/themes_real.csv``). Precision = right / assigned; recall = right /
  (right + missed). ``rows_assigned_otherwise_now`` says how many judged rows the current
  code would theme differently (0: the figures are the current code's).
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "themes.json"
RUNS = [(2_000, 1), (2_000, 7), (5_000, 3), (5_000, 11), (20_000, 42), (20_000, 5)]
INCIDENT = "2026-03-01"


def _norm(text: str) -> str:
    from cxpilot.verbatims.normalise import fold

    return re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()


def _cores() -> list[tuple[str, str]]:
    from cxpilot.demo.phrases import CORES, THEME_OF_TOPIC

    pairs = {
        (_norm(core), THEME_OF_TOPIC[topic])
        for topic, langs in CORES.items()
        for bank in langs.values()
        for cores in bank.values()
        for core in cores
    }
    return sorted(pairs, key=lambda p: -len(p[0]))


def true_theme(text: str, cores: list[tuple[str, str]]) -> str | None:
    padded = f" {_norm(text)} "
    return next((theme for core, theme in cores if f" {core} " in padded), None)


def demo_run(customers: int, seed: int) -> dict[str, Any]:
    from cxpilot.demo.generator import generate
    from cxpilot.kernel import language as lang_detect
    from cxpilot.verbatims.normalise import Featuriser
    from cxpilot.verbatims.pipeline import analyse
    from cxpilot.verbatims.sentiment import SentimentModel
    from cxpilot.verbatims.stats import impact
    from cxpilot.verbatims.themes import ThemeSpec, clause_units, discover

    data = generate(customers=customers, seed=seed)
    r = data.responses
    v = r.filter(pc.is_valid(r["verbatim"]))
    texts: list[str] = v["verbatim"].to_pylist()
    declared = v["language"].to_pylist()
    cores = _cores()
    truth = [true_theme(t, cores) for t in texts]
    started = time.perf_counter()
    languages = lang_detect.detect(texts, declared)
    featuriser = Featuriser(remember=True)
    units = clause_units(texts, languages, featuriser)
    vocab, found = discover(units.docs, units.language, featuriser, texts=units.text)
    seconds = time.perf_counter() - started
    specs = [ThemeSpec(id=i + 1, terms=t.terms) for i, t in enumerate(found)]
    result = analyse(
        texts, declared, vocab=vocab, themes=specs, model=SentimentModel.lexicon_only()
    )
    m = result.mentions
    by_theme: dict[int, Counter[str | None]] = defaultdict(Counter)
    for d, t in zip(m.doc.tolist(), m.theme.tolist(), strict=True):
        by_theme[t][truth[d]] += 1
    stands_for = {t: c.most_common(1)[0][0] for t, c in by_theme.items()}
    carried: dict[str | None, set[int]] = defaultdict(set)
    for d, t in zip(m.doc.tolist(), m.theme.tolist(), strict=True):
        carried[stands_for[t]].add(d)
    per_theme = {}
    for name in sorted({t for t in truth if t}):
        relevant = {i for i, t in enumerate(truth) if t == name}
        got = carried.get(name, set())
        hit = len(relevant & got)
        per_theme[name] = {
            "verbatims": len(relevant),
            "themes": sum(1 for s in stands_for.values() if s == name),
            "recall": round(hit / len(relevant), 3),
            "precision": round(hit / len(got), 3) if got else None,
        }
    delivery = [i + 1 for i, t in enumerate(found) if max(t.terms, key=t.terms.get) == "c:delivery"]
    out: dict[str, Any] = {
        "customers": customers,
        "seed": seed,
        "verbatims": len(texts),
        "themes": len(found),
        "discover_seconds": round(seconds, 2),
        "with_a_theme": round(len(set(m.doc.tolist())) / len(texts), 3),
        "macro_recall": round(float(np.mean([p["recall"] for p in per_theme.values()])), 3),
        "macro_precision": round(
            float(np.mean([p["precision"] or 0.0 for p in per_theme.values()])), 3
        ),
        "per_theme": per_theme,
        "delivery_themes": len(delivery),
    }
    if len(delivery) == 1:
        mine = {
            d for d, t in zip(m.doc.tolist(), m.theme.tolist(), strict=True) if t == delivery[0]
        }
        relevant = {i for i, t in enumerate(truth) if t == "delivery"}
        out["delivery_recall"] = round(len(mine & relevant) / len(relevant), 3)
        out["delivery_precision"] = round(len(mine & relevant) / len(mine), 3) if mine else None
        out["delivery_label"] = {k: found[delivery[0] - 1].labels[k] for k in ("fr", "en")}
    # top irritant of the website from the incident's start
    ts = v["timestamp"].to_pylist()
    sel = [
        i
        for i in range(len(texts))
        if v["touchpoint"][i].as_py() == "website"
        and v["metric"][i].as_py() == "nps"
        and str(ts[i]) >= INCIDENT
    ]
    nps_all = r.filter(
        pc.and_(
            pc.and_(pc.equal(r["touchpoint"], "website"), pc.equal(r["metric"], "nps")),
            pc.greater_equal(pc.cast(r["timestamp"], "string"), INCIDENT),
        )
    )
    scores_all = np.asarray(nps_all["score"].to_numpy(zero_copy_only=False), dtype=float)
    n_total = scores_all.size
    detractors_total = int((scores_all <= 6).sum())
    promoters_total = int((scores_all >= 9).sum())
    where = set(sel)
    score_of = v["score"].to_pylist()
    ranking = []
    for t in {int(x) for x in m.theme.tolist()}:
        docs = {d for d, th in zip(m.doc.tolist(), m.theme.tolist(), strict=True) if th == t}
        docs &= where
        if len(docs) < 5:
            continue
        res = impact(
            mentions=[len(docs)],
            promoters=[sum(1 for d in docs if score_of[d] >= 9)],
            detractors=[sum(1 for d in docs if score_of[d] <= 6)],
            total=[n_total],
            total_promoters=[promoters_total],
            total_detractors=[detractors_total],
        )
        ranking.append((float(res.impact[0]), t, len(docs)))
    ranking.sort(reverse=True)
    top = ranking[0][1] if ranking else None
    out["website_from_march"] = {
        "nps_answers": n_total,
        "top_theme_label_en": found[top - 1].labels["en"] if top else None,
        "top_is_delivery": bool(delivery) and top == delivery[0],
        "top_impact": round(ranking[0][0], 2) if ranking else None,
    }
    return out


# ---------------------------------------------------------------------------- real text

#: The working files a person fills in (texts included; bench/data is not committed: the
#: corpora's texts stay in the downloaded archives).
SAMPLE = ROOT / "bench" / "data" / "themes_real_sample.csv"
THEMES_LIST = ROOT / "bench" / "data" / "themes_real_themes.csv"
#: The judgements, committed without the texts: corpus, row, assigned, correct, missing.
JUDGED = ROOT / "bench" / "judged" / "themes_real.csv"
#: corpus key of bench_sentiment.CORPORA -> texts sampled for the hand check
REAL = {"en-vader-amazon": 60, "fr-amazon-books-eval": 60}


def _real_corpora() -> dict[str, tuple[str, list[str]]]:
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_sentiment

    cache = bench_sentiment.cache_dir()
    return {
        c.key: (c.language, [t for t, _ in c.load(cache)])
        for c in bench_sentiment.CORPORA
        if c.key in REAL
    }


def real_run(language: str, texts: list[str]) -> tuple[list[Any], Any]:
    """Themes discovered in a corpus on its own and assigned to its texts, as
    ``cxpilot irritants --file`` does for a file when no themes are stored."""
    from cxpilot.kernel import language as lang_detect
    from cxpilot.verbatims.normalise import Featuriser
    from cxpilot.verbatims.pipeline import analyse
    from cxpilot.verbatims.sentiment import SentimentModel
    from cxpilot.verbatims.themes import ThemeSpec, clause_units, discover

    declared = [language] * len(texts)
    languages = lang_detect.detect(texts, declared)
    featuriser = Featuriser(remember=True)
    units = clause_units(texts, languages, featuriser)
    vocab, found = discover(units.docs, units.language, featuriser, texts=units.text)
    specs = [ThemeSpec(id=i + 1, terms=t.terms) for i, t in enumerate(found)]
    result = analyse(
        texts, declared, vocab=vocab, themes=specs, model=SentimentModel.lexicon_only()
    )
    return found, result


def make_sample() -> None:
    """Write the texts to check by hand and the themes they may have (judgements empty)."""
    import csv
    import random

    SAMPLE.parent.mkdir(parents=True, exist_ok=True)
    with (
        SAMPLE.open("w", newline="", encoding="utf-8") as fh,
        THEMES_LIST.open("w", newline="", encoding="utf-8") as th,
    ):
        out = csv.writer(fh)
        out.writerow(["corpus", "row", "text", "assigned", "correct", "missing"])
        tl = csv.writer(th)
        tl.writerow(["corpus", "label", "keywords", "texts"])
        for key, (language, texts) in _real_corpora().items():
            found, result = real_run(language, texts)
            m = result.mentions
            labels = [t.labels[language] for t in found]
            for i, t in enumerate(found):
                n = int((m.theme == i + 1).sum())
                tl.writerow([key, labels[i], " ".join(t.keywords[language][:8]), n])
            rng = random.Random(13)
            for row in sorted(rng.sample(range(len(texts)), REAL[key])):
                given = [
                    labels[int(t) - 1] for d, t in zip(m.doc, m.theme, strict=True) if d == row
                ]
                out.writerow([key, row, texts[row], " | ".join(given), "", ""])
    print(f"written {SAMPLE.relative_to(ROOT)} and {THEMES_LIST.relative_to(ROOT)}")


def score_sample() -> dict[str, Any]:
    """Precision and recall of the hand-checked sample, and the share of each corpus's texts
    that get a theme."""
    import csv

    out: dict[str, Any] = {}
    rows = list(csv.DictReader(JUDGED.open(encoding="utf-8")))
    for key in REAL:
        mine = [r for r in rows if r["corpus"] == key]
        split = lambda v: [x.strip() for x in v.split("|") if x.strip()]  # noqa: E731
        assigned = sum(len(split(r["assigned"])) for r in mine)
        correct = sum(len(split(r["correct"])) for r in mine)
        missing = sum(len(split(r["missing"])) for r in mine)
        out[key] = {
            "texts": len(mine),
            "mentions": assigned,
            "judged_right": correct,
            "judged_missing": missing,
            "precision": round(correct / assigned, 3) if assigned else None,
            "recall": round(correct / (correct + missing), 3) if correct + missing else None,
        }
    for key, (language, texts) in _real_corpora().items():
        found, result = real_run(language, texts)
        m = result.mentions
        labels = [t.labels[language] for t in found]
        now = {
            (key, str(row)): " | ".join(
                labels[int(t) - 1] for d, t in zip(m.doc, m.theme, strict=True) if d == row
            )
            for row in range(len(texts))
        }
        stale = [
            r["row"] for r in rows if r["corpus"] == key and now[(key, r["row"])] != r["assigned"]
        ]
        out[key]["rows_assigned_otherwise_now"] = len(stale)
        out[key]["corpus_texts"] = len(texts)
        out[key]["themes"] = len(found)
        out[key]["with_a_theme"] = round(len(set(result.mentions.doc.tolist())) / len(texts), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small run only")
    parser.add_argument("--make-sample", action="store_true", help="write the real-text sample")
    parser.add_argument("--real", action="store_true", help="also score the real-text sample")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if args.make_sample:
        make_sample()
        return
    real = score_sample() if args.real else None
    if real:
        for key, r in real.items():
            print(f"{key}: {r}")
    runs = [demo_run(c, s) for c, s in (RUNS[:1] if args.quick else RUNS)]
    for run in runs:
        w = run["website_from_march"]
        print(
            f"{run['customers']:>6} customers seed {run['seed']:>2}: {run['themes']} themes, "
            f"macro recall {run['macro_recall']:.2f} precision {run['macro_precision']:.2f}, "
            f"delivery recall {run.get('delivery_recall')} precision "
            f"{run.get('delivery_precision')}, website top irritant from March: "
            f"{w['top_theme_label_en']!r} (delivery: {w['top_is_delivery']})"
        )
    if not args.quick:
        OUT.write_text(
            json.dumps(
                {
                    "command": "python bench/eval_themes.py",
                    "machine": platform.processor() or platform.machine(),
                    "demo": runs,
                    "real": real,
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
        print(f"written {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
