"""The blocking rules pair each record with about as many others whatever the size of the
base: the demo's records of 1,000 and of 4,000 persons give about the same pairs per record
(a rule on a name alone, or on a postcode and a street number, would give four times as many
at four times the size), and neighbours are paired only in blocks of at most
``NEIGHBOURS_CAP`` records."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from cxpilot.customers import linkage
from cxpilot.customers.normalise import features
from cxpilot.demo.generator import iter_tables

pytestmark = pytest.mark.pure

NEIGHBOURS = {column for column, _, _ in linkage._NEIGHBOURS}


def _blocked(persons: int) -> tuple[float, duckdb.DuckDBPyConnection, int]:
    """Pairs per record of the rules other than the neighbours', and the features."""
    for name, table in iter_tables(customers=persons, seed=3):
        if name == "customers":
            break
    ids = pc.binary_join_element_wise(
        pc.cast(table["source"], pa.string()), pc.cast(table["customer_id"], pa.string()), "|"
    )
    feats = features(table, ids=ids)
    present = linkage._present([feats], each=False)
    (feats,) = linkage._neighbours([feats])
    con = duckdb.connect()
    con.register("f", feats)
    total = 0
    for rule in linkage._blocking(present):
        sql = rule.get_blocking_rule("duckdb").blocking_rule_sql
        if any(f'"{column}"' in sql for column in NEIGHBOURS):
            continue
        row = con.execute(
            f"SELECT count(*) FROM f l JOIN f r ON l.unique_id < r.unique_id AND ({sql})"
        ).fetchone()
        total += row[0]
    return total / feats.num_rows, con, feats.num_rows


def test_pairs_per_record_do_not_grow_with_the_records():
    small, _, _ = _blocked(1_000)
    large, con, n = _blocked(4_000)
    assert 1 < small < 10
    assert large < 1.2 * small, (small, large)
    for column in NEIGHBOURS:
        sizes = con.execute(
            f'SELECT count(*) FROM f WHERE "{column}" IS NOT NULL GROUP BY "{column}"'
        ).fetchall()
        assert sizes and max(s for (s,) in sizes) <= linkage.NEIGHBOURS_CAP
        assert sum(s for (s,) in sizes) < n


def test_names_alone_only_where_nothing_else_goes_with_them():
    def rules(present):
        return [r.get_blocking_rule("duckdb").blocking_rule_sql for r in linkage._blocking(present)]

    alone = 'l."first_name" = r."first_name" AND l."last_name" = r."last_name"'
    assert alone in rules({"first_name", "last_name"})
    assert alone in rules({"first_name", "last_name", "email"})
    assert alone not in rules({"first_name", "last_name", "postcode"})
