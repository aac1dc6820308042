"""Verbatim pipeline throughput: language, themes and sentiment, once fitted.

Data: the demo company's verbatims (20,000 customers, seed 42: about 22,700 verbatims in
French and English), repeated to 100,000. CX Pilot fits once (theme discovery and the
sentiment model, timed apart) and then analyses the 100,000 verbatims in one call of
:func:`cxpilot.verbatims.pipeline.analyse`. The peer is what a Python user would assemble by
hand: ``langdetect`` for the language (timed on 2,000 verbatims and scaled, since it runs
a few hundred a second) plus scikit-learn's ``TfidfVectorizer`` + ``NMF.transform`` for
the themes on the same 100,000 verbatims (no sentiment: the peer would need a model of its
own). Both in the same run, on the same machine.
"""

from __future__ import annotations

import os
import time
from typing import Any

N = 100_000


def run() -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxpilot.settings")
    import numpy as np
    import pyarrow.compute as pc

    from cxpilot.demo.generator import generate
    from cxpilot.kernel import language
    from cxpilot.verbatims import sentiment
    from cxpilot.verbatims.normalise import Featuriser
    from cxpilot.verbatims.pipeline import analyse
    from cxpilot.verbatims.themes import ThemeSpec, clause_units, discover

    data = generate(customers=20_000, seed=42).responses
    data = data.filter(pc.invert(pc.is_null(data["verbatim"])))
    base = data["verbatim"].to_pylist()
    declared = data["language"].to_pylist()
    metrics, scores = data["metric"].to_pylist(), data["score"].to_pylist()

    t0 = time.perf_counter()
    langs = language.detect(base, declared)
    featuriser = Featuriser(remember=True)
    units = clause_units(base, langs, featuriser)
    vocab, found = discover(units.docs, units.language, featuriser, texts=units.text)
    fit_themes = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = sentiment.SentimentModel.fit(base, langs, sentiment.labels_from_scores(metrics, scores))
    fit_sentiment = time.perf_counter() - t0
    specs = [ThemeSpec(id=i + 1, terms=t.terms) for i, t in enumerate(found)]

    reps = N // len(base) + 1
    texts = (base * reps)[:N]
    decl = (declared * reps)[:N]
    t0 = time.perf_counter()
    result = analyse(texts, decl, vocab=vocab, themes=specs, model=model)
    ours = time.perf_counter() - t0
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    detected = language.detect(texts, decl)
    stages["language"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model.predict(texts, detected)
    stages["sentiment"] = time.perf_counter() - t0

    # the peer
    import langdetect
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    langdetect.DetectorFactory.seed = 0
    sample = texts[:2000]
    t0 = time.perf_counter()
    for text in sample:
        try:
            langdetect.detect(text)
        except langdetect.LangDetectException:
            pass
    peer_lang = (time.perf_counter() - t0) * N / len(sample)
    vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=3, max_df=0.4)
    nmf = NMF(n_components=20, init="nndsvda", random_state=0, max_iter=300)
    nmf.fit(vectorizer.fit_transform(base))
    t0 = time.perf_counter()
    nmf.transform(vectorizer.transform(texts))
    peer_themes = time.perf_counter() - t0
    peer = peer_lang + peer_themes

    mentions = int(result.mentions.doc.size)
    return {
        "verbatims": N,
        "distinct_verbatims": len(base),
        "themes_found": len(found),
        "fit_themes_s": round(fit_themes, 2),
        "fit_sentiment_s": round(fit_sentiment, 2),
        "cxpilot_s": round(ours, 2),
        "cxpilot_verbatims_per_s": round(N / ours),
        "stage_language_s": round(stages["language"], 3),
        "stage_sentiment_s": round(stages["sentiment"], 3),
        "theme_mentions": mentions,
        "verbatims_with_a_theme_pct": round(100 * len(np.unique(result.mentions.doc)) / N, 1),
        "peer_langdetect_s_scaled": round(peer_lang, 2),
        "peer_sklearn_tfidf_nmf_s": round(peer_themes, 2),
        "peer_s": round(peer, 2),
        "peer_over_cxpilot": round(peer / ours, 1),
    }
