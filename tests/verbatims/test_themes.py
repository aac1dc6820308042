"""Theme discovery, bilingual pairing, assignment, rules, merges and splits (pure)."""

from __future__ import annotations

import numpy as np
import pytest

from cxpilot.verbatims.normalise import Featuriser, fold, words
from cxpilot.verbatims.themes import (
    ThemeSpec,
    assign,
    clause_units,
    compile_rule,
    discover,
    reconcile,
)

pytestmark = pytest.mark.pure

DELIVERY_FR = [
    "Livraison en retard de {n} jours",
    "colis arrivé en retard, livreur injoignable",
    "Ma livraison a encore du retard",
    "le colis est arrivé avec {n} jours de retard",
]
DELIVERY_EN = [
    "Late delivery, {n} days after the promised date",
    "the parcel arrived {n} days late",
    "delivery was late again",
    "courier late, parcel delivered after {n} days",
]
STAFF_FR = [
    "Vendeuse très aimable en magasin",
    "personnel accueillant et souriant au magasin",
    "le vendeur était désagréable",
    "conseiller aimable, merci au personnel du magasin {n}",
]
STAFF_EN = [
    "friendly staff in the store",
    "the salesperson in store {n} was rude",
    "staff welcoming and friendly",
    "rude staff at the store",
]
PRICE_FR = [
    "prix trop chers",
    "les prix ont augmenté de {n} euros",
    "tarifs trop élevés",
    "prix cher",
]
PRICE_EN = [
    "prices too expensive",
    "the price went up by {n} euros",
    "expensive prices",
    "overpriced",
]


def corpus(copies: int = 40) -> tuple[list[str], list[str], list[str]]:
    texts, langs, truth = [], [], []
    for i in range(copies):
        for topic, fr, en in (
            ("delivery", DELIVERY_FR, DELIVERY_EN),
            ("staff", STAFF_FR, STAFF_EN),
            ("price", PRICE_FR, PRICE_EN),
        ):
            texts.append(fr[i % 4].format(n=i % 7 + 2))
            langs.append("fr")
            truth.append(topic)
            texts.append(en[i % 4].format(n=i % 7 + 2))
            langs.append("en")
            truth.append(topic)
    return texts, langs, truth


def test_words_fold_accents_case_and_elisions():
    assert fold("Élan Œuvre ÇA") == "elan oeuvre ca"
    assert words("L'arrivée du colis n'était PAS prévue") == [
        "arrivee",
        "du",
        "colis",
        "etait",
        "pas",
        "prevue",
    ]


def test_english_contractions_are_undone_and_french_elisions_cut():
    from cxpilot.verbatims.normalise import tokens

    assert words("I don't like it, I've tried, it doesn't work") == [
        "i", "do", "not", "like", "it", "i", "have", "tried", "it", "does", "not", "work",
    ]  # fmt: skip
    assert words("We'll see: can't, won't, couldn't, it's, I'm, you'd, they're") == [
        "we", "will", "see", "can", "not", "will", "not", "could", "not", "it", "i", "am",
        "you", "would", "they", "are",
    ]  # fmt: skip
    assert tokens("Qu'il dise jusqu'à aujourd'hui que l'accueil d'hier n'était pas top") == [
        "il", "dise", "à", "aujourd'hui", "que", "accueil", "hier", "était", "pas", "top",
    ]  # fmt: skip
    # no fragment of a contraction is a theme word, in either language's featuriser
    for language in ("en", "fr"):
        features = Featuriser().features(
            "I don't know, I've never, it doesn't, we'll, they'd", language
        )
        assert not {f.split(":")[-1] for f in features} & {"don", "ve", "doesn", "ll", "d", "t"}, (
            features
        )


def test_theme_words_keep_their_accents():
    f = Featuriser(remember=True)
    f.features("La livraison par l’équipe, quelle fidélité ! Fidélité récompensée.", "fr")
    shown = {w for counts in f.surface["fr"].values() for w in counts}
    assert {"équipe", "fidélité", "récompensée"} <= shown
    assert not {"equipe", "fidelite"} & shown


def test_the_pieces_of_english_contractions_are_no_theme_words():
    # "I’ll" and "we’ve" with a typographic apostrophe split into "ll" and "ve": a theme once
    # read "store · ll · refund"
    features = Featuriser().features("I’ll ask for a refund, we’ve waited, they're late", "en")
    assert not {"ll", "ve", "re"} & set(features), features
    assert "c:refund" in features and "c:wait" in features, features


def test_french_and_english_words_of_a_concept_share_a_feature():
    f = Featuriser()
    fr = f.features("Livraison en retard", "fr")
    en = f.features("late delivery", "en")
    assert set(fr) == set(en) == {"c:delivery", "c:late"}


def test_discovery_finds_the_themes_and_pairs_the_languages():
    texts, langs, truth = corpus()
    f = Featuriser(remember=True)
    docs = f.batch(texts, langs)
    vocab, found = discover(docs, langs, f, themes=3, min_df=3)
    assert len(found) == 3
    assert all(t.languages == ("fr", "en") for t in found)  # each paired across languages
    by_label = {t.labels["en"].split(" · ")[0]: t for t in found}
    delivery = next(t for t in found if "livraison" in t.keywords["fr"])
    assert "delivery" in delivery.keywords["en"]
    assert "late" in delivery.keywords["en"] and "retard" in delivery.keywords["fr"]
    specs = [ThemeSpec(id=i + 1, terms=t.terms) for i, t in enumerate(found)]
    a = assign(docs, texts, vocab, specs, threshold=0.2, top=1)
    # every verbatim of a topic lands in that topic's theme (purity 1)
    theme_of = {}
    for d, t in zip(a.doc.tolist(), a.theme.tolist(), strict=True):
        theme_of.setdefault(truth[d], set()).add(t)
    assert all(len(v) == 1 for v in theme_of.values())
    assert len({next(iter(v)) for v in theme_of.values()}) == 3
    assert len(set(a.doc.tolist())) == len(texts)
    assert by_label  # labels are real words


def test_labels_are_phrases_customers_wrote_with_their_accents():
    texts, langs, _ = corpus()
    f = Featuriser(remember=True)
    units = clause_units(texts, langs, f)
    _, found = discover(units.docs, units.language, f, themes=3, min_df=3, texts=units.text)
    written = {
        lang: " ".join(t.lower() for t, x in zip(texts, langs, strict=True) if x == lang)
        for lang in ("fr", "en")
    }
    for theme in found:
        for lang in theme.languages:
            for phrase in theme.labels[lang].split(" · "):
                assert phrase in written[lang], (lang, phrase)  # as written, accents kept
                assert all(len(w) > 2 for w in phrase.split()), phrase  # no "ll", "ve"
    keywords = {w for t in found for w in t.keywords["fr"]}
    assert {"désagréable", "élevés", "arrivé"} <= keywords, keywords  # accents kept
    delivery = next(t for t in found if max(t.terms, key=t.terms.get) == "c:delivery")
    assert set(delivery.labels["fr"].split(" · ")) == {"retard", "livraison"}
    assert set(delivery.labels["en"].split(" · ")) == {"late", "delivery"}


def test_themes_are_found_clause_by_clause():
    """A verbatim naming two things in two clauses carries both themes, and each mention has
    the polarity of its own clause."""
    from cxpilot.verbatims.pipeline import analyse
    from cxpilot.verbatims.sentiment import SentimentModel

    texts, langs, truth = corpus()
    f = Featuriser(remember=True)
    units = clause_units(texts, langs, f)
    vocab, found = discover(units.docs, units.language, f, themes=3, min_df=3, texts=units.text)
    specs = [ThemeSpec(id=i + 1, terms=t.terms) for i, t in enumerate(found)]
    delivery = next(
        i + 1 for i, t in enumerate(found) if max(t.terms, key=t.terms.get) == "c:delivery"
    )
    staff = next(i + 1 for i, t in enumerate(found) if "c:staff" in list(t.terms)[:2])
    result = analyse(
        ["Livraison rapide, mais le vendeur était désagréable."],
        ["fr"],
        vocab=vocab,
        themes=specs,
        model=SentimentModel.lexicon_only(),
    )
    got = dict(zip(result.mentions.theme.tolist(), result.mention_sentiment.tolist(), strict=True))
    assert got == {delivery: 1, staff: -1}, got


def test_discovery_is_deterministic():
    texts, langs, _ = corpus()
    runs = []
    for _ in range(2):
        f = Featuriser(remember=True)
        runs.append(discover(f.batch(texts, langs), langs, f, themes=3, min_df=3)[1])
    assert [t.terms for t in runs[0]] == [t.terms for t in runs[1]]


def test_reconcile_pairs_the_same_themes_one_to_one():
    stored = [{"c:delivery": 1.0, "c:late": 0.8}, {"c:price": 1.0}]
    found = [
        {"c:price": 0.9, "c:expensive": 0.1},
        {"c:staff": 1.0},
        {"c:late": 1.0, "c:delivery": 0.7},
    ]
    assert reconcile(stored, found) == {0: 1, 2: 0}


def test_rules_match_whole_words_prefixes_and_ignore_accents():
    rule = compile_rule("livr*")
    assert rule.search(fold("Livrée hier"))
    assert rule.search("la livraison")
    assert not rule.search("delivre")
    assert compile_rule("en retard").search(fold("colis EN   retard"))
    assert not compile_rule("retard").search("retardataire")
    with pytest.raises(ValueError):
        compile_rule("   ")


def test_rules_merges_and_splits():
    f = Featuriser()
    texts = [
        "colis abîmé à la livraison",
        "livraison en retard",
        "prix trop chers",
        "rien à voir",
    ]
    langs = ["fr"] * 4
    docs = f.batch(texts, langs)
    idf = {feat: 1.0 for d in docs for feat in d}
    from cxpilot.verbatims.themes import Vocabulary

    vocab = Vocabulary(idf)
    specs = [
        ThemeSpec(id=1, terms={"c:delivery": 1.0, "c:late": 0.5}),
        ThemeSpec(id=2, terms={"c:price": 1.0}),
        ThemeSpec(id=3, terms={"c:damaged": 1.0}, merged_into=1),
        ThemeSpec(id=4, terms={}, rules=["abim*"], split_from=1),
        ThemeSpec(id=5, terms={}, rules=["rien a voir"]),
    ]
    a = assign(docs, texts, vocab, specs, threshold=0.3)
    got = {(int(d), int(t)) for d, t in zip(a.doc, a.theme, strict=True)}
    # doc 0: delivery (1) and damaged merged into 1 -> split child 4 takes it from 1
    assert (0, 4) in got and (0, 1) not in got
    assert (1, 1) in got and (1, 4) not in got
    assert (2, 2) in got
    assert (3, 5) in got
    assert not any(t == 3 for _, t in got)  # merged theme counts for its target


def test_empty_input():
    f = Featuriser(remember=True)
    vocab, found = discover([], [], f)
    assert found == [] and vocab.idf == {}
    a = assign([], [], vocab, [])
    assert a.doc.size == 0
    assert isinstance(a.score, np.ndarray)
