"""No stored sentiment is in-sample: the model is cross-fitted, each answer it learnt from
keeps the polarity of the model fitted without its fold; the fit's cross-validated figures
are stored and shown; a fall-back to the lexicon says why."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.verbatims import services
from cxpilot.verbatims.models import TextModel
from cxpilot.verbatims.sentiment import SentimentModel, key_hashes
from tests.verbatims.conftest import answers

runner = CliRunner()


def stored() -> tuple[dict[str, list], SentimentModel]:
    """The stored analysis joined with the verbatims, and the stored model."""
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        a = con.table("verbatim_analysis")
        r = con.table("responses").select("source", "response_id", "verbatim")
        rows = a.join(r, ["source", "response_id"]).order_by("response_id").to_pyarrow()
    current = TextModel.current()
    assert current is not None
    return rows.to_pydict(), SentimentModel.from_bytes(bytes(current.sentiment))


def test_every_stored_sentiment_comes_from_the_model_fitted_without_its_fold(analysed):
    rows, model = stored()
    assert model.fitted and len(model.fold_models) == 5
    keys = key_hashes(rows["source"], rows["response_id"])
    fold = (keys % np.uint64(5)).astype(int)
    polarity = np.asarray(rows["polarity"])
    sentiment = np.asarray(rows["sentiment"])
    differs = 0
    for j, fold_model in enumerate(model.fold_models):
        sel = np.flatnonzero(fold == j)
        assert sel.size  # every fold holds answers
        texts = [rows["verbatim"][i] for i in sel]
        langs = [rows["language"][i] for i in sel]
        labels, scores = fold_model.predict(texts, langs)
        assert np.allclose(scores, polarity[sel]) and np.array_equal(labels, sentiment[sel])
        differs += int((~np.isclose(model.predict(texts, langs)[1], scores)).sum())
    assert differs  # the model fitted on all would have given other figures
    current = TextModel.current()
    assert current.sentiment_model == "fitted" and current.sentiment_folds == 5
    assert current.sentiment_texts == 280 and current.sentiment_unlabelled == 0
    # conftest: delivery detractors (NPS 2), staff promoters (10), price (7) and plain (8)
    assert current.sentiment_labels == {"negative": 80, "neutral": 120, "positive": 80}
    assert 0 <= current.sentiment_accuracy <= 1 and 0 <= current.sentiment_macro_f1 <= 1
    assert current.lexicon_accuracy is not None and current.sentiment_reason == ""


def test_a_full_analysis_again_gives_the_same_figures(analysed):
    before, _ = stored()
    services.verbatims_analyse(full=True)
    after, _ = stored()
    assert before["polarity"] == after["polarity"]
    services.themes_discover(themes=3)
    services.verbatims_analyse(full=True)
    again, _ = stored()
    assert np.allclose(before["polarity"], again["polarity"])


def test_a_live_answer_gets_the_model_fitted_on_all(analysed):
    from cxpilot.warehouse.inbox import inbox_flush, inbox_receive

    text = "Livraison en retard, colis arrivé avec 6 jours de retard"
    record = {
        "response_id": "live-1",
        "customer_id": "c-live",
        "touchpoint": "website",
        "timestamp": "2026-02-20T10:00:00",
        "metric": "nps",
        "score": 1,
        "verbatim": text,
        "language": "fr",
    }
    inbox_receive(table="responses", records=[record], source="api")
    inbox_flush()
    rows, model = stored()
    i = rows["response_id"].index("live-1")
    assert rows["polarity"][i] == pytest.approx(float(model.predict([text], ["fr"])[1][0]))


def test_clauses_are_scored_by_their_verbatims_fold_model(analysed):
    from cxpilot.verbatims.pipeline import analyse
    from cxpilot.verbatims.services import _specs
    from cxpilot.verbatims.themes import Vocabulary

    calls: list[tuple[int, object]] = []

    class Recording(SentimentModel):
        def predict(self, texts, languages, keys=None):  # type: ignore[override]
            calls.append((len(texts), keys))
            return np.zeros(len(texts), np.int8), np.zeros(len(texts))

    texts = ["Livraison en retard mais vendeur très aimable", "prix trop chers"]
    keys = key_hashes(["eshop", "eshop"], ["a", "b"])
    analyse(
        texts,
        ["fr", "fr"],
        vocab=Vocabulary(dict(TextModel.current().idf)),
        themes=_specs(),
        model=Recording(),
        keys=keys,
    )
    assert len(calls) == 2  # the verbatims, then the clauses of the one with two themes
    assert calls[0][1] is keys
    assert calls[1][0] == 2 and list(calls[1][1]) == [keys[0], keys[0]]


def _extremes() -> pa.Table:
    """The conftest answers with every NPS at 0 or 10: no neutral text to learn from."""
    data = answers()
    score = data["score"]
    extreme = pc.if_else(pc.less_equal(score, 6), 0, 10)
    return data.set_column(data.schema.get_field_index("score"), "score", extreme)


@pytest.fixture
def extremes(org) -> None:
    from cxpilot.warehouse.ingest import load_arrow

    load_arrow(table="responses", data=_extremes())


REASON = "only negative and positive answers: no neutral text to learn from"


def test_the_fall_back_to_the_lexicon_says_why_everywhere(extremes, client_as):
    result = runner.invoke(app, ["themes", "discover", "--themes", "3", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["sentiment_model"] == "lexicon"
    assert out["sentiment_fallback_reason"] == REASON
    assert out["sentiment_cv_accuracy"] is None and out["sentiment_folds"] == 0
    assert out["sentiment_texts"] == 280 and out["sentiment_neutral"] == 0
    assert f"fell back to the shipped lexicon: {REASON}" in result.stderr
    current = TextModel.current()
    assert current.sentiment_model == "lexicon" and current.sentiment_reason == REASON
    assert current.sentiment_reason_code == "missing_labels"
    # the stored sentiment is the lexicon's
    rows, model = stored()
    assert not model.fitted
    lexicon = SentimentModel.lexicon_only().predict(rows["verbatim"], rows["language"])[1]
    assert np.allclose(lexicon, rows["polarity"])
    table = runner.invoke(app, ["themes", "discover", "--themes", "3"])
    assert table.exit_code == 0 and "shipped lexicon" in " ".join(table.stdout.split())
    client = client_as("viewer")
    for url in ("/text/themes/", "/text/irritants/"):
        page = client.get(url).content.decode()
        assert "Sentiment comes from the shipped lexicon" in page and REASON in page
    client.cookies["django_language"] = "fr"
    page = client.get("/text/themes/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "aucun texte neutre" in page and "lexique" in page


def test_the_pages_and_the_command_show_the_cross_validated_figures(verbatims, client_as):
    result = runner.invoke(app, ["themes", "discover", "--themes", "3", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    current = TextModel.current()
    assert out["sentiment_model"] == "fitted" and out["sentiment_fallback_reason"] is None
    assert out["sentiment_cv_accuracy"] == current.sentiment_accuracy
    assert out["sentiment_cv_macro_f1"] == current.sentiment_macro_f1
    assert out["sentiment_folds"] == 5 and out["sentiment_texts"] == 280
    assert out["sentiment_negative"] + out["sentiment_neutral"] + out["sentiment_positive"] == 280
    table = runner.invoke(app, ["themes", "discover", "--themes", "3"])
    assert "cross-validated accuracy" in " ".join(table.stdout.split())
    assert f"{current.sentiment_accuracy:.4f}" in table.stdout  # not rounded to 2 places
    accuracy = f"{100 * current.sentiment_accuracy:.1f}"
    client = client_as("viewer")
    for url in ("/text/themes/", "/text/irritants/"):
        page = client.get(url).content.decode()
        assert "Cross-validated" in page and f"{accuracy} %" in page
        assert "5-fold cross-fitting" in page


def test_a_model_fitted_before_the_figures_were_recorded_says_so(analysed, client_as):
    TextModel.objects.update(sentiment_model="")
    page = client_as("viewer").get("/text/themes/").content.decode()
    assert "fitted before its cross-validation was recorded" in page
