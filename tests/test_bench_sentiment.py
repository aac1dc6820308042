"""The rules of bench/bench_sentiment.py that its figures depend on: how corpora are read,
how scores become labels and how neutral predictions are counted. No download, no peer."""

from __future__ import annotations

import importlib.util
import io
import json
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

PATH = Path(__file__).resolve().parents[1] / "bench" / "bench_sentiment.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_sentiment", PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_vader_ground_truth_labels_with_the_neutral_band(bench):
    data = "1\t2.1\tLove it &amp; more\r\n2\t-0.49\tmeh\r\n3\t-0.5\tbad\r\n4\t0.5\tok\r\n"
    rows = bench._vader_truth(data.encode())
    assert rows == [("Love it & more", 1), ("meh", 0), ("bad", -1), ("ok", 1)]


def test_uci_json_drops_the_empty_item_and_maps_classes(bench):
    data = json.dumps([{"text": "Great.", "class": 1}, {"text": "Bad.", "class": 0}, {}])
    assert bench._uci_json(data.encode()) == [("Great.", 1), ("Bad.", -1)]


def test_pattern_csv_reads_either_column_order(bench):
    assert bench._pattern_csv(1, 0)(b'"1","good film "\n"-1","dull"\n') == [
        ("good film", 1),
        ("dull", -1),
    ]
    assert bench._pattern_csv(0, 1)('\ufeff"Très bien","1"\n'.encode()) == [("Très bien", 1)]


def test_halves_are_deterministic_and_split_the_texts(bench):
    texts = [f"avis {i}" for i in range(400)]
    halves = [bench._half(t) for t in texts]
    assert halves == [bench._half(t) for t in texts]
    assert 150 < halves.count("dev") < 250


def test_binary_corpus_counts_neutral_as_wrong(bench):
    y = np.array([1, 1, -1, -1])
    p = np.array([1, 0, -1, 0])
    m = bench.metrics(y, p, None)
    assert m["accuracy"] == 0.5
    assert m["share_predicted_neutral"] == 0.5
    assert m["accuracy_when_not_neutral"] == 1.0
    # two classes, each precision 1 and recall 0.5
    assert m["macro_f1"] == pytest.approx(2 / 3, abs=1e-4)


def test_peer_cut_offs(bench):
    vader = bench.Peer("vader", "vaderSentiment", "en", "", cut=0.05)
    blob = bench.Peer("textblob", "textblob", "en", "", inclusive=False)
    s = np.array([0.05, 0.049, -0.05, 0.0, 0.001, -0.001])
    assert vader.labels(s).tolist() == [1, 0, -1, 0, 0, 0]
    assert blob.labels(s).tolist() == [1, 1, -1, 0, 1, -1]


def test_reads_a_member_of_an_archive_inside_an_archive(bench, tmp_path):
    def tgz(name: str, payload: bytes) -> bytes:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
        return buf.getvalue()

    outer = tmp_path / "pkg.tar.gz"
    outer.write_bytes(tgz("pkg/data.tar.gz", tgz("data/truth.txt", b"1\t1.0\tfine\n")))
    assert bench.read_member(outer, "pkg/data.tar.gz::data/truth.txt") == b"1\t1.0\tfine\n"


def test_cache_directory_is_configurable(bench, monkeypatch, tmp_path):
    monkeypatch.setenv("CXPILOT_BENCH_CACHE", str(tmp_path))
    assert bench.cache_dir() == tmp_path
    monkeypatch.delenv("CXPILOT_BENCH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert bench.cache_dir() == tmp_path / "xdg" / "cxpilot-bench"


def test_tuning_refuses_evaluation_corpora(bench):
    evaluation = [c for c in bench.CORPORA if c.role == "evaluation"]
    assert {c.key for c in evaluation} >= {"en-pang-lee-sentences", "en-vader-tweets"}
    with pytest.raises(SystemExit, match="refuses evaluation"):
        bench.tune([(evaluation[0], [("good", 1)])])
    with pytest.raises(SystemExit, match="refuses evaluation"):
        bench.main(["--tune", "en-uci-amazon", "en-vader-tweets"])  # before any download


def test_nyt_snippets_are_development_and_movie_snippets_absent(bench):
    roles = {c.key: c.role for c in bench.CORPORA}
    assert roles["en-vader-nyt"] == "development"
    assert not any("movieReview" in c.member for c in bench.CORPORA)  # overlaps Pang & Lee


def test_tuning_grid_picks_the_best_mean_on_development_rows(bench):
    amazon = next(c for c in bench.CORPORA if c.key == "en-uci-amazon")
    rows = [("great", 1), ("awful", -1), ("fine I guess", 1), ("meh", -1)]
    result = bench.tune([(amazon, rows)])
    assert len(result["grid"]) == len(bench.TUNE_ALPHAS) * len(bench.TUNE_THRESHOLDS)
    best = max(c["mean_macro_f1"] for c in result["grid"])
    assert result["best"]["mean_macro_f1"] == best
    cell = result["grid"][0]
    assert cell["cut"] == pytest.approx(
        cell["threshold"] * np.sqrt(cell["alpha"] / (1 - cell["threshold"] ** 2)), abs=1e-4
    )
