"""Sentiment: the lexicon's negation, intensifier and contrast rules on hand-checked
verbatims, label_from_score, clause splitting, the fitted model (fallback, serialisation),
hostile inputs, and floors on the hand-labelled set."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import f1_score

from cxpilot.verbatims.sentiment import (
    CAPS_INCR,
    EXCLAIM_INCR,
    NO_LABEL,
    QUESTION_INCR,
    QUESTION_MAX,
    THRESHOLD,
    SentimentModel,
    key_hashes,
    label_from_score,
    labels_from_scores,
    lexicon,
    lexicon_scores,
    lexicon_sums,
    split_clauses,
)
from tests.hostile import HOSTILE, HOSTILE_RAW

pytestmark = pytest.mark.pure

DATA = Path(__file__).parent / "data"


def _lex(texts: list[str], lang: str) -> np.ndarray:
    return lexicon_scores(texts, lang)


# ---------------------------------------------------------------------------- label table


@pytest.mark.parametrize(
    ("metric", "scores", "labels"),
    [
        # NPS 5-6 teach no label; the passives 7-8 are neutral, never negative
        ("nps", range(0, 11), [-1] * 5 + [None, None] + [0, 0] + [1, 1]),
        ("csat", range(1, 6), [-1, -1, 0, 1, 1]),
        ("ces", range(1, 8), [-1, -1, -1, 0, 1, 1, 1]),
    ],
)
def test_label_from_score_table(metric: str, scores: range, labels: list[int | None]) -> None:
    assert [label_from_score(metric, s) for s in scores] == labels
    assert labels_from_scores([metric] * len(scores), list(scores)).tolist() == [
        NO_LABEL if label is None else label for label in labels
    ]


def test_label_from_score_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        label_from_score("nps", 11)
    with pytest.raises(ValueError):
        label_from_score("ces", 0)
    with pytest.raises(ValueError):
        label_from_score("stars", 3)
    with pytest.raises(ValueError):
        labels_from_scores(["nps", "stars"], [3, 3])
    assert label_from_score("NPS", 9) == 1


# ------------------------------------------------------------------------------- lexicon


def test_polar_words_fr_en() -> None:
    fr = _lex(["Livraison rapide", "Livraison en retard", "Vendeuse impeccable"], "fr")
    en = _lex(["Fast delivery", "Late delivery", "Disappointed"], "en")
    assert fr[0] > 0.3 and fr[1] < -0.3 and fr[2] > 0.3
    assert en[0] > 0.3 and en[1] < -0.3 and en[2] < -0.3


@pytest.mark.parametrize(
    ("plain", "negated", "lang"),
    [
        ("Livraison rapide", "Livraison pas rapide", "fr"),
        ("Je suis satisfait", "Je ne suis pas satisfait", "fr"),
        ("Déçu", "Jamais déçu", "fr"),
        ("Problème", "Sans problème particulier", "fr"),
        ("Ça fonctionne", "Ça ne fonctionne plus", "fr"),
        ("Happy", "Not happy", "en"),
        ("I liked it", "I didn't like it", "en"),
        ("Helpful staff", "Staff were never helpful", "en"),
        ("Disappointed", "Never disappointed", "en"),
    ],
)
def test_negation_flips_polarity(plain: str, negated: str, lang: str) -> None:
    a, b = _lex([plain, negated], lang)
    assert a != 0 and b != 0
    assert np.sign(a) == -np.sign(b)


def test_plus_negates_only_after_ne() -> None:
    a, b = _lex(["Livraison plus rapide que prévu", "Ne marche plus"], "fr")
    assert a > 0 and b < 0


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("Je n'ai pas reçu ma commande", -1),
        ("Je n'ai toujours pas reçu mon colis", -1),
        ("Le colis n'est jamais arrivé", -1),
        ("Je n'ai pas de réponse", -1),
        ("On n'a aucune nouvelle", -1),
        ("Je n'ai aucun problème avec ce magasin", 1),
        ("Je n'ai eu aucun souci", 1),
        ("Je ne suis pas satisfait", -1),
        ("Je n'ai pas eu de problème", 1),
        ("C'est pas terrible du tout", -1),
    ],
)
def test_a_phrase_holding_its_negation_is_not_turned_round_again_by_ne(
    text: str, sign: int
) -> None:
    # "ne ... pas reçu": "pas reçu" already says the negation; the "ne" before it must not
    # flip it back to positive
    score = float(_lex([text], "fr")[0])
    assert score * sign >= THRESHOLD, (text, score)


def test_never_so_emphasises_rather_than_negates() -> None:
    # VADER's "never so" rule, in both languages; "not as good" stays a negation
    fr = _lex(["Je n'ai jamais été aussi déçu", "Je n'ai jamais été aussi bien servi"], "fr")
    assert fr[0] < -THRESHOLD and fr[1] > THRESHOLD, fr
    en = _lex(["I have never been so happy", "not as good as expected"], "en")
    assert en[0] > THRESHOLD and en[1] < -THRESHOLD, en


def test_phrases_beat_word_rules() -> None:
    fr = _lex(["Colis jamais reçu", "Pas de réponse du SAV", "Pas mal du tout", "Pas cher"], "fr")
    en = _lex(["Never received my parcel", "No reply to my emails", "Not bad", "No problem"], "en")
    assert fr[0] < -0.3 and fr[1] < -0.3 and fr[2] > 0 and fr[3] > 0
    assert en[0] < -0.3 and en[1] < -0.3 and en[2] > 0 and en[3] > 0


def test_intensifiers_and_diminishers() -> None:
    plain, strong, weak = _lex(["C'est cher", "C'est très cher", "C'est un peu cher"], "fr")
    assert strong < plain < weak < 0
    plain, strong, weak = _lex(["Slow", "Really slow", "A bit slow"], "en")
    assert strong < plain < weak < 0


# ------------------------------------------------------------------ VADER's general rules


def test_emoticons_count_in_english_and_french() -> None:
    # VADER's ratings x 0.75: ":)" 2.0 -> 1.5, ":(" -1.9 -> -1.42, "<3" 1.9 -> 1.42, ":-/" -1.2
    # -> -0.9; an emoticon counts when it stands between spaces, as in VADER
    en = lexicon_sums(["Delivered on time", "Delivered on time :)", "Delivered on time :-/"], "en")
    assert en[1] - en[0] == pytest.approx(1.5)
    assert en[2] - en[0] == pytest.approx(-0.9)
    fr = lexicon_sums(
        ["Colis reçu", "Colis reçu :)", "Colis reçu :(", "Merci <3", "Voir (page 2)"], "fr"
    )
    assert fr[0] == 0 and fr[4] == 0
    assert fr[1] == pytest.approx(1.5) and fr[2] == pytest.approx(-1.42)
    assert fr[3] - lexicon_sums(["Merci"], "fr")[0] == pytest.approx(1.42)
    labels, _ = SentimentModel.lexicon_only().predict(["Commande reçue :D", "Livraison :("], "fr")
    assert labels.tolist() == [1, -1]
    # ":D" is read in any case, and a word glued to it is no emoticon
    assert lexicon_sums(["ok :D", "ok :d", "ok:)"], "en").tolist() == pytest.approx(
        [lexicon_sums(["ok"], "en")[0] + 1.72] * 2 + [lexicon_sums(["ok"], "en")[0]]
    )


def test_capitals_add_emphasis_unless_the_whole_text_is_in_capitals() -> None:
    plain, caps, shout, neg = lexicon_sums(
        ["The staff was good", "The staff was GOOD", "THE STAFF WAS GOOD", "The food was BAD"],
        "en",
    )
    bad = lexicon_sums(["The food was bad"], "en")[0]
    assert CAPS_INCR == pytest.approx(0.733 * 0.75)
    assert caps - plain == pytest.approx(CAPS_INCR)
    assert shout == pytest.approx(plain)
    assert neg - bad == pytest.approx(-CAPS_INCR)
    fr = lexicon_sums(["Livreur très AIMABLE", "Livreur très aimable"], "fr")
    assert fr[0] > fr[1] > 0


def test_exclamation_marks_amplify_in_the_direction_of_the_sum() -> None:
    good, one, three, many, bad, bad2, none = lexicon_sums(
        ["Good", "Good!", "Good!!!", "Good!!!!!!!", "Bad", "Bad!!", "Hello!!!"], "en"
    )
    assert one - good == pytest.approx(EXCLAIM_INCR) and EXCLAIM_INCR == pytest.approx(0.219)
    assert three - good == pytest.approx(3 * EXCLAIM_INCR)
    assert many - good == pytest.approx(4 * EXCLAIM_INCR)  # four at most
    assert bad2 - bad == pytest.approx(-2 * EXCLAIM_INCR)
    assert none == 0


def test_questions_stay_neutral_and_only_repeated_marks_amplify() -> None:
    good, q1, q2, q3, q5 = lexicon_sums(
        ["It is good", "Is it good?", "Is it good??", "Is it good???", "Is it good?????"], "en"
    )
    assert q1 == pytest.approx(good)  # one "?" adds nothing
    assert q2 - good == pytest.approx(2 * QUESTION_INCR)
    assert q3 - good == pytest.approx(3 * QUESTION_INCR)
    assert q5 - good == pytest.approx(QUESTION_MAX)
    labels, scores = SentimentModel.lexicon_only().predict(
        ["Where is my order???", "Où est ma commande ?", "Any news on my parcel??"],
        ["en", "fr", "en"],
    )
    assert scores.tolist() == [0.0, 0.0, 0.0] and labels.tolist() == [0, 0, 0]


def test_accents_and_case_do_not_matter() -> None:
    a = _lex(["Très déçue", "TRES DECUE", "tres decue"], "fr")
    assert a[0] == pytest.approx(a[1]) == pytest.approx(a[2]) and a[0] < 0


def test_contrast_weighs_the_second_clause() -> None:
    fr = _lex(["Produit de qualité mais livraison en retard"], "fr")[0]
    en = _lex(["Good product but delivery was very late"], "en")[0]
    en_rev = _lex(["Delivery was late but the product is excellent"], "en")[0]
    assert fr < 0 and en < 0 and en_rev > 0


def test_no_polar_word_is_zero() -> None:
    assert _lex(["J'ai commandé une lampe", "I ordered a lamp"], "fr").tolist() == [0.0, 0.0]


# ------------------------------------------------------------------------------- clauses


def test_split_clauses() -> None:
    assert split_clauses(
        "Livraison rapide. Mais le produit est cassé! Par contre le SAV est top; prix 4.5 euros"
    ) == ["Livraison rapide", "le produit est cassé", "le SAV est top", "prix 4.5 euros"]
    assert split_clauses("Fast delivery but the box was damaged, however support was great") == [
        "Fast delivery",
        "the box was damaged",
        "support was great",
    ]
    assert split_clauses("Good although slow\nsecond line") == ["Good", "slow", "second line"]
    assert split_clauses("Maison Lumière") == ["Maison Lumière"]  # "mais" inside a word
    assert split_clauses("") == [] and split_clauses(None) == [] and split_clauses("...") == []


# --------------------------------------------------------------------------------- model


def _toy_corpus(n: int) -> tuple[list[str], list[str], np.ndarray]:
    rng = np.random.default_rng(0)
    pos = ["Livraison rapide, merci", "Great staff, very helpful", "Parfait, je recommande"]
    neu = ["J'ai commandé une table", "I bought a lamp", "Commande retirée en magasin"]
    neg = ["Colis jamais reçu", "Rude staff and late delivery", "Remboursement toujours attendu"]
    texts, langs, labels = [], [], []
    for _ in range(n):
        k = int(rng.integers(0, 3))
        bank = (neg, neu, pos)[k]
        t = bank[int(rng.integers(0, 3))]
        texts.append(t)
        langs.append("en" if t[0] in "GIR" and not t.startswith("Remb") else "fr")
        labels.append(k - 1)
    return texts, langs, np.array(labels)


def test_fit_predict_and_round_trip() -> None:
    texts, langs, y = _toy_corpus(300)
    model = SentimentModel.fit(texts, langs, y)
    assert model.fitted and model.n_train == 300
    labels, scores = model.predict(texts, langs)
    assert labels.dtype == np.int8 and scores.dtype == np.float64
    assert (labels == y).mean() > 0.95
    assert scores.min() >= -1 and scores.max() <= 1
    again = SentimentModel.from_bytes(model.to_bytes())
    l2, s2 = again.predict(texts, langs)
    assert (l2 == labels).all() and np.allclose(s2, scores)


def test_fallback_to_lexicon() -> None:
    texts, langs, y = _toy_corpus(150)
    small = SentimentModel.fit(texts, langs, y)
    assert not small.fitted and "150" in small.reason
    texts, langs, y = _toy_corpus(300)
    y = np.where(y == 0, 1, y)
    two = SentimentModel.fit(texts, langs, y)
    assert not two.fitted and "no neutral text to learn from" in two.reason
    lex = SentimentModel.lexicon_only()
    assert np.array_equal(two.predict(texts, langs)[0], lex.predict(texts, langs)[0])
    restored = SentimentModel.from_bytes(lex.to_bytes())
    assert not restored.fitted


def test_from_bytes_rejects_other_pickles() -> None:
    import pickle

    with pytest.raises(ValueError):
        SentimentModel.from_bytes(pickle.dumps({"x": 1}))


def test_fit_validates_labels() -> None:
    with pytest.raises(ValueError):
        SentimentModel.fit(["a", "b"], "fr", [1])
    with pytest.raises(ValueError):
        SentimentModel.fit(["a", "b"], "fr", [1, 2])


def test_hostile_inputs() -> None:
    texts = [
        None,
        "",
        "   ",
        "!!!???...",
        "\x00\x01\x02 pas \x01 rapide",
        "très " * 50_000 + "déçu",
        "line one\nline two is terrible",
        f"{HOSTILE} très mauvais",
        *HOSTILE_RAW,
    ]
    labels, scores = SentimentModel.lexicon_only().predict(texts, ["fr"] * len(texts))
    assert labels.shape == scores.shape == (len(texts),)
    assert labels[:4].tolist() == [0, 0, 0, 0] and scores[:4].tolist() == [0.0] * 4
    assert labels[7] == -1
    assert np.isfinite(scores).all()
    fitted = SentimentModel.fit(*_toy_corpus(300))
    labels, scores = fitted.predict(texts, None)
    assert labels[:4].tolist() == [0, 0, 0, 0] and np.isfinite(scores).all()
    assert split_clauses("mais " * 10_000) == []


def test_unknown_language_uses_both_lexicons() -> None:
    s = lexicon_scores(["Livraison rapide", "Fast delivery", "Muy bien"], ["es", None, "other"])
    assert s[0] > 0 and s[1] > 0


# ----------------------------------------------------------------------- labelled floor


def test_lexicon_floor_on_the_hand_labelled_set() -> None:
    with open(DATA / "rated_verbatims.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 300
    y = np.array([int(r["label"]) for r in rows])
    pred, _ = SentimentModel.lexicon_only().predict(
        [r["text"] for r in rows], [r["language"] for r in rows]
    )
    # measured accuracy 0.809, macro-F1 0.790 (bench/eval_text.py) with the neutral band
    # chosen on the development corpora of bench/bench_sentiment.py (ALPHA 2, THRESHOLD 0.05;
    # 0.856 / 0.852 with the former 4 / 0.3: a narrower band calls fewer texts neutral)
    assert (pred == y).mean() >= 0.79
    assert f1_score(y, pred, average="macro") >= 0.77


@pytest.mark.parametrize(
    ("text", "language", "sign"),
    [
        # the words and phrases an outside test found missing or misread (issue examples)
        ("I hate movies like that.", "en", -1),
        ("Thank you for wasting my money.", "en", -1),
        ("Not recommended.", "en", -1),
        ("Highly recommended.", "en", 1),
        ("Boring.", "en", -1),
        ("It was tasty.", "en", 1),
        ("Unfortunately it broke.", "en", -1),
        ("That sucked.", "en", -1),
        ("Won't go back.", "en", -1),
        ("Un livre ennuyeux.", "fr", -1),
        ("Un roman passionnant.", "fr", 1),
        ("J'attendais mieux.", "fr", -1),
        ("It looks like a lamp.", "en", 0),  # "like" that compares is no praise
    ],
)
def test_words_of_real_reviews(text: str, language: str, sign: int) -> None:
    score = float(lexicon_scores([text], language)[0])
    if sign == 0:
        assert abs(score) < THRESHOLD, score
    else:
        assert score * sign >= THRESHOLD, score


def test_vader_words_fill_what_the_cx_lexicon_lacks_and_never_override_it() -> None:
    from cxpilot.verbatims.sentiment import _rows

    vader = {row[0]: float(row[1]) for row in _rows("vader_en.tsv")}
    own = {row[0]: float(row[1]) for row in _rows("lexicon_en.tsv")}
    assert len(vader) > 7000 and vader["hate"] < 0 < vader["delicious"]
    both = [w for w in own if w in vader and " " not in w]
    assert both  # some words are in both lists: CX Pilot's value wins
    word = both[0]
    assert lexicon("en").words[word][0] == own[word]


# -------------------------------------------------------------------------- cross-fitting


def _keys(n: int, prefix: str = "r") -> np.ndarray:
    return key_hashes(["eshop"] * n, [f"{prefix}{i}" for i in range(n)])


def _memorisable(pairs: int = 150) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Pairs of texts, each pair with a word of its own and a random label, both texts of a
    pair in the same fold: a model that saw a pair predicts it perfectly, one that did not
    can only guess."""
    rng = np.random.default_rng(0)
    texts: list[str] = []
    ids: list[str] = []
    labels: list[int] = []
    for p in range(pairs):
        label = int(rng.integers(-1, 2))
        word = "zq" + "".join("abcdefghij"[int(c)] for c in str(p)) + "x"
        first = f"{p}-a"
        fold = int(key_hashes(["s"], [first])[0] % 5)
        j = 0
        while int(key_hashes(["s"], [f"{p}-b{j}"])[0] % 5) != fold:
            j += 1
        for rid in (first, f"{p}-b{j}"):
            texts.append(f"{word} commande")
            ids.append(rid)
            labels.append(label)
    return texts, np.array(labels), key_hashes(["s"] * len(texts), ids)


def test_key_hashes_are_stable() -> None:
    a = key_hashes(["eshop", "crm"], ["r1", "r1"])
    assert a.dtype == np.uint64 and a[0] != a[1]
    assert np.array_equal(a, key_hashes(["eshop", "crm"], ["r1", "r1"]))
    # the fold of an answer is written down here: a change of hash would move every answer
    assert int(key_hashes(["eshop"], ["r1"])[0] % 5) == int(
        int.from_bytes(
            __import__("hashlib").blake2b(b"eshop\x1fr1", digest_size=8).digest(), "little"
        )
        % 5
    )


def test_no_prediction_on_a_fitted_text_is_in_sample() -> None:
    texts, y, keys = _memorisable()
    model = SentimentModel.cross_fit(texts, "fr", y, keys)
    assert model.fitted and len(model.fold_models) == 5
    in_sample, _ = model.predict(texts, "fr")  # no keys: the model fitted on all
    out_of_fold, scores = model.predict(texts, "fr", keys)
    assert (in_sample == y).mean() == 1.0  # it learnt every pair by heart
    assert (out_of_fold == y).mean() < 0.5  # a pair it did not see: a guess
    report = model.report
    assert report is not None and report.model == "fitted" and report.folds == 5
    assert report.accuracy == round(float((out_of_fold == y).mean()), 4)
    assert report.macro_f1 == round(float(f1_score(y, out_of_fold, average="macro")), 4)
    assert report.texts == 300 and report.negative + report.neutral + report.positive == 300
    # each text's figure is the one of the model fitted without its fold
    fold = (keys % np.uint64(5)).astype(int)
    for j, fold_model in enumerate(model.fold_models):
        rows = np.flatnonzero(fold == j)
        labels_j, scores_j = fold_model.predict([texts[i] for i in rows], "fr")
        assert np.array_equal(labels_j, out_of_fold[rows])
        assert np.allclose(scores_j, scores[rows])
        assert fold_model.n_train == 300 - rows.size
    # a text the model was not fitted on gets the model fitted on all
    other = key_hashes(["s"] * len(texts), [f"new-{i}" for i in range(len(texts))])
    assert np.array_equal(model.predict(texts, "fr", other)[0], in_sample)


def test_cross_fitting_is_deterministic_and_round_trips() -> None:
    texts, langs, y = _toy_corpus(300)
    keys = _keys(300)
    a = SentimentModel.cross_fit(texts, langs, y, keys)
    b = SentimentModel.cross_fit(texts, langs, y, keys)
    assert a.report == b.report
    pa_, sa = a.predict(texts, langs, keys)
    pb, sb = b.predict(texts, langs, keys)
    assert np.array_equal(pa_, pb) and np.array_equal(sa, sb)
    again = SentimentModel.from_bytes(a.to_bytes())
    p2, s2 = again.predict(texts, langs, keys)
    assert np.array_equal(p2, pa_) and np.allclose(s2, sa)


def test_texts_without_a_label_are_not_learnt_from() -> None:
    texts, langs, y = _toy_corpus(300)
    y = y.copy()
    y[:40] = NO_LABEL
    model = SentimentModel.cross_fit(texts, langs, y, _keys(300))
    assert model.report is not None
    assert model.report.texts == 260 and model.report.unlabelled == 40
    assert model.n_train == 260
    # not fitted on, so never out-of-fold: the model fitted on all scores them
    assert model.folds_of(_keys(300)[:40], 40).tolist() == [-1] * 40


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        (
            lambda y: np.where(y == 0, 1, y),
            "missing_labels",
            "only negative and positive answers: no neutral text to learn from",
        ),
        (lambda y: np.where(y == -1, NO_LABEL, y), "missing_labels", "no negative text"),
        (lambda y: y[:150], "few_texts", "fewer than 200 texts with a clear label"),
        (
            lambda y: np.where((y == 0) & (np.arange(y.size) > 20), 1, y),
            "few_per_label",
            "neutral texts: at least 10 of each label",
        ),
    ],
    ids=["no neutral", "no negative", "too few", "few neutral"],
)
def test_the_fall_back_says_why(change, code: str, words: str) -> None:
    texts, langs, y = _toy_corpus(500)
    y = change(y)
    n = y.size
    model = SentimentModel.cross_fit(texts[:n], langs[:n], y, _keys(n))
    assert not model.fitted and not model.fold_models
    report = model.report
    assert report is not None and report.model == "lexicon" and report.reason_code == code
    assert words in report.reason and words in model.reason
    assert report.accuracy is None and report.lexicon_accuracy is not None
    lex = SentimentModel.lexicon_only()
    assert np.array_equal(
        model.predict(texts[:n], langs[:n], _keys(n))[0], lex.predict(texts[:n], langs[:n])[0]
    )


def test_language_names_written_out_are_read() -> None:
    from cxpilot.verbatims.sentiment import language_key

    assert [language_key(x) for x in ("anglais", "Français", "en-GB", "fr_FR", "es", None)] == [
        "en",
        "fr",
        "en",
        "fr",
        "other",
        "other",
    ]
