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
    THRESHOLD,
    SentimentModel,
    label_from_score,
    labels_from_scores,
    lexicon,
    lexicon_scores,
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
        ("nps", range(0, 11), [-1] * 7 + [0, 0] + [1, 1]),
        ("csat", range(1, 6), [-1, -1, 0, 1, 1]),
        ("ces", range(1, 8), [-1, -1, -1, 0, 1, 1, 1]),
    ],
)
def test_label_from_score_table(metric: str, scores: range, labels: list[int]) -> None:
    assert [label_from_score(metric, s) for s in scores] == labels
    assert labels_from_scores([metric] * len(scores), list(scores)).tolist() == labels


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
    assert not two.fitted and "[0]" in two.reason
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
    # measured accuracy 0.874, macro-F1 0.870 (bench/eval_text.py): a regression fails
    assert (pred == y).mean() >= 0.83
    assert f1_score(y, pred, average="macro") >= 0.83


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
