"""Language detection: hand-checked short verbatims, the declared-language tie-break, hostile
inputs, and a floor on the labelled set."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cxpilot.kernel import language
from cxpilot.kernel.language import detect, detect_one, fold_words
from tests.hostile import HOSTILE, HOSTILE_RAW

pytestmark = pytest.mark.pure

DATA = Path(__file__).parent.parent / "verbatims" / "data"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Livraison rapide", "fr"),
        ("Colis jamais reçu", "fr"),
        ("colis jamais recu", "fr"),
        ("TRES DECU DE MA COMMANDE", "fr"),
        ("Très bien", "fr"),
        ("Pas de réponse du SAV", "fr"),
        ("Le personnel était adorable", "fr"),
        ("Fast delivery", "en"),
        ("Never received my parcel", "en"),
        ("NO ANSWER FROM SUPPORT", "en"),
        ("The staff were lovely", "en"),
        ("Very good", "en"),
        ("still waiting for my order", "en"),
        ("Muy bien", "other"),
        ("El pedido llegó tarde", "other"),
        ("Sehr gut, danke", "other"),
        ("Die Lieferung kam zu spät", "other"),
        ("Consegna in ritardo", "other"),
        ("Entrega rápida, obrigado", "other"),
        ("Het pakket kwam te laat", "other"),
        ("Отлично, спасибо", "other"),
        ("東京の店", "other"),
    ],
)
def test_short_verbatims(text: str, expected: str) -> None:
    assert detect_one(text) == expected


def test_blank_and_none_are_empty() -> None:
    assert detect(["", "   ", None, "\t\n"]) == ["", "", "", ""]
    assert detect([]) == []


def test_no_evidence_uses_declared_else_other() -> None:
    assert detect(["Top !", "10/10", "Top !"], ["fr", "en", None]) == ["fr", "en", "other"]
    assert detect(["ok"]) == ["other"]


def test_declared_breaks_ties_but_not_clear_evidence() -> None:
    # "super" is in no list with any weight that separates fr from en
    assert detect(["Super", "Super"], ["fr", "en"]) == ["fr", "en"]
    # one clear English word outweighs a French declaration, and the reverse
    assert detect(["Fast delivery", "Livraison rapide"], ["fr", "en"]) == ["en", "fr"]
    # regional codes and other languages are read by their first two letters
    assert detect(["Top", "Top"], ["fr-FR", "es"]) == ["fr", "other"]


def test_declared_must_match_in_length() -> None:
    with pytest.raises(ValueError):
        detect(["a", "b"], ["fr"])


def test_hostile_inputs_do_not_crash_or_shift_answers() -> None:
    texts = [
        *HOSTILE_RAW,
        "le colis \x00\x01\x02 est arrivé",
        "line one\nthe second line is English",
        f"{HOSTILE} livraison en retard",
        "",
        "Fast delivery",
    ]
    out = detect(texts)
    assert len(out) == len(texts) and all(isinstance(lang, str) for lang in out)
    assert out[-5:] == ["fr", "en", "fr", "", "en"]
    assert out[:-5] == [detect_one(t) for t in HOSTILE_RAW]


def test_batch_answers_equal_single_answers() -> None:
    texts = ["Livraison rapide", "Fast delivery", "Muy bien", "", None, "ok"]
    assert detect(texts) == [detect_one(t) for t in texts]


def test_fold_words() -> None:
    assert fold_words("L’Œuvre: Straße TRÈS élégante, n'est-ce pas?") == [
        "l",
        "oeuvre",
        "strasse",
        "tres",
        "elegante",
        "n",
        "est",
        "ce",
        "pas",
    ]


def test_scores_shape() -> None:
    s = language.scores(["Livraison rapide", "Fast delivery"])
    assert s.shape == (2, len(language.LANGUAGES) + 1)
    assert s[0, 0] > s[0, 1] and s[1, 1] > s[1, 0]


def test_accuracy_on_the_labelled_set() -> None:
    with open(DATA / "languages.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 300
    assert sum(r["language"] == "other" for r in rows) >= 60
    pred = detect([r["text"] for r in rows])
    accuracy = sum(p == r["language"] for p, r in zip(pred, rows, strict=True)) / len(rows)
    # measured 0.994 (bench/eval_text.py); a regression below 0.97 fails
    assert accuracy >= 0.97
