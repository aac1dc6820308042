"""Themes discovered, stored and edited; irritants and drivers from the warehouse and files."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.verbatims import selectors, services
from cxpilot.verbatims.models import TextModel, Theme
from cxpilot.verbatims.normalise import fold
from cxpilot.verbatims.selectors import Scope
from tests.verbatims.conftest import answers

pytestmark = pytest.mark.warehouse

runner = CliRunner()


def delivery_theme() -> Theme:
    return next(t for t in Theme.objects.filter(active=True) if "livraison" in t.keywords_fr)


def test_discovery_stores_a_bilingual_taxonomy_and_analyses_every_verbatim(analysed):
    assert analysed["verbatims"] == 280 and analysed["analysed"] == 280
    assert analysed["new"] == 3 and analysed["themes"] == 3
    theme = delivery_theme()
    assert "delivery" in theme.keywords_en and theme.languages == "fr,en"
    assert TextModel.current().analysed_at is not None


def test_irritants_rank_the_detractors_theme_first_with_the_contract_fields(analysed):
    result = runner.invoke(app, ["irritants", "--touchpoint", "website", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [
        set(r)
        >= {
            "theme",
            "keywords",
            "touchpoint",
            "mentions",
            "share",
            "nps_with",
            "nps_without",
            "impact",
            "ci_low",
            "ci_high",
            "examples",
        }
        for r in rows
    ] == [True] * len(rows)
    top = rows[0]
    assert top["theme_id"] == delivery_theme().pk
    # 520 NPS answers; the 80 naming delivery are all detractors; the other 440 hold 24
    # detractors (the quiet answers) -> impact = 100 · 80/520 · (1 − 24/440) = 14.55
    assert top["mentions"] == 80
    assert top["share"] == pytest.approx(80 / 520, abs=1e-4)
    assert top["nps_with"] == -100.0
    assert top["impact"] == pytest.approx(14.55, abs=0.01)
    assert top["ci_low"] < top["impact"] < top["ci_high"]
    assert top["touchpoint"] == "website"
    assert len(top["examples"]) == 3
    said = [" ".join(e.casefold().split()).rstrip(".!?… ") for e in top["examples"]]
    assert len(set(said)) == 3  # distinct texts, not the same complaint three times
    # each example says the theme's label in so many words (in its own language)
    theme = delivery_theme()
    phrases = [
        fold(p).strip() for label in (theme.label_fr, theme.label_en) for p in label.split("·")
    ]
    for example in top["examples"]:
        assert any(p in fold(example) for p in phrases), (example, phrases)
    assert rows[-1]["impact"] < 0  # the staff theme (all promoters) is a strength


def test_irritants_by_language_and_by_touchpoint(analysed):
    for language in ("fr", "en"):
        rows = selectors.irritants(scope=Scope(language=language))
        assert rows[0]["theme_id"] == delivery_theme().pk
        assert rows[0]["mentions"] == 40
    each = selectors.irritants(each_touchpoint=True)
    assert {r["touchpoint"] for r in each} == {"website"}


def test_trend_per_month(analysed):
    points = selectors.irritant_trend(theme_ids=[delivery_theme().pk])
    assert [p["month"] for p in points] == ["2026-01", "2026-02"]
    assert sum(p["mentions"] for p in points) == 80


def test_edits_survive_a_new_discovery(analysed, django_user_model):
    theme = delivery_theme()
    services.theme_rename(
        actor=None, pk=theme.pk, label_en="Late delivery", label_fr="Retard de livraison"
    )
    services.theme_rule_add(actor=None, pk=theme.pk, pattern="injoignable")
    found = services.themes_discover(themes=3)
    assert found["new"] == 0 and found["updated"] == 3
    theme.refresh_from_db()
    assert (theme.label_en, theme.label_fr, theme.active) == (
        "Late delivery",
        "Retard de livraison",
        True,
    )
    assert list(theme.rules.values_list("pattern", flat=True)) == ["injoignable"]
    rows = selectors.irritants(language="en")
    assert rows[0]["theme"] == "Late delivery"


def test_merge_and_split_apply_at_the_next_analysis(analysed):
    theme = delivery_theme()
    other = Theme.objects.exclude(pk=theme.pk).filter(active=True).first()
    services.theme_merge(actor=None, pk=other.pk, into=theme.pk)
    assert TextModel.current().stale
    services.verbatims_analyse(full=True)
    assert not TextModel.current().stale
    merged = {r["theme_id"]: r for r in selectors.irritants()}
    assert other.pk not in merged and merged[theme.pk]["mentions"] == 160
    child = services.theme_split(
        actor=None, pk=theme.pk, label_en="Parcel", label_fr="Colis", keywords="colis, parcel"
    )
    services.verbatims_analyse(full=True)
    rows = {r["theme_id"]: r for r in selectors.irritants()}
    assert rows[child.pk]["mentions"] > 0
    assert rows[child.pk]["mentions"] + rows[theme.pk]["mentions"] == 160


def test_bad_edits_are_refused_and_change_nothing(analysed):
    from cxpilot.kernel.errors import NotFound, ValidationError

    theme = delivery_theme()
    with pytest.raises(ValidationError):
        services.theme_merge(actor=None, pk=theme.pk, into=theme.pk)
    other = Theme.objects.exclude(pk=theme.pk).first()
    services.theme_merge(actor=None, pk=other.pk, into=theme.pk)
    with pytest.raises(ValidationError, match="loop"):
        services.theme_merge(actor=None, pk=theme.pk, into=other.pk)
    with pytest.raises(ValidationError):
        services.theme_rename(actor=None, pk=theme.pk, label_en="", label_fr="x")
    with pytest.raises(ValidationError):
        services.theme_split(actor=None, pk=theme.pk, label_en="a", label_fr="b", keywords=" , ")
    with pytest.raises(NotFound):
        services.theme_pin(actor=None, pk=999999, pinned=True)
    # a rule that would match every verbatim, or nothing a person could read
    for pattern in ("*", "**", "a*", "ab*", "li*vr", "!!!", "  "):
        with pytest.raises(ValidationError):
            services.theme_rule_add(actor=None, pk=theme.pk, pattern=pattern)
    with pytest.raises(ValidationError, match="at most 100"):
        services.theme_rule_add(
            actor=None, pk=theme.pk, pattern=",".join(f"word{i}" for i in range(101))
        )
    with pytest.raises(ValidationError, match="one line"):
        services.theme_rename(actor=None, pk=theme.pk, label_en="late\ndelivery", label_fr="x")
    assert theme.rules.count() == 0
    theme.refresh_from_db()
    assert theme.merged_into_id is None and theme.splits.count() == 0


def test_discovery_needs_verbatims(org):
    from cxpilot.kernel.errors import ValidationError

    with pytest.raises(ValidationError, match="at least 50"):
        services.themes_discover()
    with pytest.raises(ValidationError, match="discover them first"):
        services.verbatims_analyse()
    assert Theme.objects.count() == 0


def test_new_answers_are_analysed_incrementally(analysed):
    from cxpilot.warehouse.ingest import load_arrow

    load_arrow(table="responses", data=answers(copies=4, touchpoint="store"))
    done = services.verbatims_analyse(full=False)
    assert done["analysed"] == 64
    assert selectors.irritants(scope=Scope(touchpoint="store"), min_mentions=1)


def test_irritants_of_a_file_without_a_stored_taxonomy(org, tmp_path):
    path = tmp_path / "answers.csv"
    data = answers()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(data.column_names)
        for row in data.to_pylist():
            row["timestamp"] = row["timestamp"].isoformat()
            writer.writerow([row[c] if row[c] is not None else "" for c in data.column_names])
    result = runner.invoke(app, ["irritants", "--file", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert (
        rows[0]["mentions"] == 80
        and "livraison" in rows[0]["keywords"] + [rows[0]["theme"]]
        or ("delivery" in rows[0]["keywords"])
    )
    assert Theme.objects.count() == 0  # nothing stored


def test_cli_bad_input_exits_2(analysed, tmp_path):
    for args in (
        ["irritants", "--language", "de"],
        ["irritants", "--from", "2026-02-01", "--to", "2026-01-01"],
        ["irritants", "--from", "yesterday"],
        ["irritants", "--min-mentions", "0"],
        ["drivers", "--outcome", "happiness"],
        ["themes", "merge", "1", "--into", "1"],
        ["themes", "discover", "--themes", "1"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
    bad = tmp_path / "bad.csv"
    bad.write_text("response_id,score\nx,12\n", encoding="utf-8")
    result = runner.invoke(app, ["irritants", "--file", str(bad)])
    assert result.exit_code == 2
    assert "bad.csv" in result.output or "line" in result.output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(
        "response_id,customer_id,touchpoint,timestamp,metric,score\n"
        "r1,c1,website,2026-01-01,nps,11\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["irritants", "--file", str(wrong)])
    assert result.exit_code == 2
    # the file is analysed, not imported: no advice to use an import option
    assert "not analysed" in result.output and "--skip-invalid" not in result.output


def test_themes_commands(analysed):
    listed = runner.invoke(app, ["themes", "list", "--format", "json"])
    rows = json.loads(listed.stdout)
    assert len(rows) == 3 and sum(r["mentions"] for r in rows) >= 240
    theme = delivery_theme()
    assert (
        runner.invoke(
            app, ["themes", "rename", str(theme.pk), "--en", "Late", "--fr", "Retard"]
        ).exit_code
        == 0
    )
    assert runner.invoke(app, ["themes", "pin", str(theme.pk)]).exit_code == 0
    assert (
        runner.invoke(app, ["themes", "rule", str(theme.pk), "injoignable, livr*"]).exit_code == 0
    )
    split = runner.invoke(
        app,
        [
            "themes",
            "split",
            str(theme.pk),
            "--en",
            "Parcel",
            "--fr",
            "Colis",
            "--keywords",
            "colis",
            "--format",
            "json",
        ],
    )
    assert split.exit_code == 0
    analysed_again = runner.invoke(app, ["themes", "analyse", "--format", "json"])
    assert json.loads(analysed_again.stdout)["analysed"] == 280
    theme.refresh_from_db()
    assert theme.pinned and theme.label_en == "Late" and theme.rules.count() == 2


def test_drivers_by_theme(analysed):
    result = runner.invoke(app, ["drivers", "--outcome", "nps", "--format", "json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["outcome"] == "nps" and out["n"] == 280
    shares = [p["lmg_share"] for p in out["predictors"]]
    assert sum(shares) == pytest.approx(100, abs=0.5)
    assert sum(p["relative_weight_share"] for p in out["predictors"]) == pytest.approx(100, abs=0.5)
    assert 0 < out["r_squared"] <= 1
    assert {p["quadrant"] for p in out["predictors"]} <= {
        "maintain",
        "fix_first",
        "secondary",
        "keep_watch",
    }


def test_answers_collected_live_are_analysed_when_flushed(analysed):
    from cxpilot.warehouse.connection import warehouse
    from cxpilot.warehouse.inbox import inbox_flush, inbox_receive

    record = {
        "response_id": "live-1",
        "customer_id": "c-live",
        "touchpoint": "website",
        "timestamp": "2026-02-20T10:00:00",
        "metric": "nps",
        "score": 1,
        "verbatim": "Livraison en retard, colis arrivé avec 6 jours de retard",
        "language": "fr",
    }
    inbox_receive(table="responses", records=[record], source="api")
    inbox_flush()
    inbox_flush()  # a second flush adds nothing
    with warehouse() as con:
        rows = (
            con.table("verbatim_analysis").filter(lambda t: t.response_id == "live-1").to_pandas()
        )
        themes = (
            con.table("verbatim_themes").filter(lambda t: t.response_id == "live-1").to_pandas()
        )
    assert len(rows) == 1 and rows["language"][0] == "fr" and rows["sentiment"][0] == -1
    assert list(themes["theme_id"]) == [delivery_theme().pk]


def test_http_api(analysed, django_user_model):
    from django.test import Client

    from cxpilot.kernel.tokens import token_create
    from cxpilot.organisation.users import user_upsert

    user_upsert(username="bot", role="viewer", password="a-long-test-password")
    token = token_create(username="bot", name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    c = Client()
    rows = c.get("/api/v1/irritants?touchpoint=website&language=en", **auth).json()
    assert rows[0]["theme_id"] == delivery_theme().pk and rows[0]["mentions"] == 40
    drivers = c.get("/api/v1/drivers?outcome=nps", **auth).json()
    assert drivers["n"] == 280
    bad = c.get("/api/v1/irritants?language=xx", **auth)
    assert bad.status_code == 422 and bad.json()["where"] == "--language"
    assert c.get("/api/v1/irritants").status_code == 401


def test_an_irritants_examples_are_distinct_texts(org, tmp_path):
    """A complaint many customers wrote word for word is shown once among the examples."""
    path = tmp_path / "answers.csv"
    data = answers()
    rows = data.to_pylist()
    same = 0
    for row in rows:
        text = str(row["verbatim"] or "").lower()
        if row["score"] is not None and row["score"] <= 6 and ("livr" in text or "deliver" in text):
            row["verbatim"] = (
                "Livraison en retard, colis abîmé."
                if same % 2
                else "Livraison en retard, colis abîmé"
            )
            row["language"] = "fr"
            same += 1
    assert same >= 20
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(data.column_names)
        for row in rows:
            row["timestamp"] = row["timestamp"].isoformat()
            writer.writerow([row[c] if row[c] is not None else "" for c in data.column_names])
    result = runner.invoke(
        app, ["irritants", "--file", str(path), "--examples", "3", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    for row in json.loads(result.stdout):
        said = [" ".join(e.casefold().split()).rstrip(".!?… ") for e in row["examples"]]
        assert len(said) == len(set(said)), row["examples"]
