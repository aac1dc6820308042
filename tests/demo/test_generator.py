"""The pure generator: determinism, shapes, ranges, references, duplicates, verbatims."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import cast

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from cxpilot.demo import generator, phrases
from cxpilot.demo.banks import NICKNAMES, fold
from cxpilot.demo.generator import DemoData, generate
from cxpilot.demo.generator.persons import Persons
from cxpilot.demo.generator.records import draw_emails
from cxpilot.warehouse.ingest import conform
from cxpilot.warehouse.schema import METRIC_RANGES, TABLES

N = 4000


@pytest.fixture(scope="module")
def data() -> DemoData:
    return generate(customers=N, seed=2024)


@pytest.fixture(scope="module")
def sql(data: DemoData) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    for name, table in {**data.tables(), "truth": data.truth}.items():
        con.register(name, table)
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, query: str) -> tuple:
    row = con.sql(query).fetchone()
    assert row is not None
    return row


def test_same_seed_gives_identical_tables() -> None:
    a = generate(customers=500, seed=9)
    b = generate(customers=500, seed=9)
    for name in ("customers", "interactions", "responses", "transactions", "truth"):
        assert getattr(a, name).equals(getattr(b, name)), name


def test_another_seed_gives_other_tables() -> None:
    a = generate(customers=500, seed=9)
    b = generate(customers=500, seed=10)
    for name in ("customers", "interactions", "responses", "transactions", "truth"):
        assert not getattr(a, name).equals(getattr(b, name)), name


def test_progress_is_reported() -> None:
    steps: list[str] = []
    generate(customers=100, seed=1, progress=steps.append)
    assert steps[0].startswith("persons") and len(steps) >= 5


def test_tables_fit_the_warehouse_schema(data: DemoData) -> None:
    for name, table in data.tables().items():
        spec = TABLES[name]
        assert set(table.column_names) <= {*spec.column_names, "attributes"}, name
        typed = conform(name, table)
        for col in spec.columns:
            if col.required:
                assert typed.column(col.name).null_count == 0, (name, col.name)
        key = typed.select(["source", spec.key]).to_pandas()
        assert not key.duplicated().any(), name


def test_sizes(data: DemoData) -> None:
    rows = {name: t.num_rows for name, t in data.tables().items()}
    assert 1.8 * N < rows["customers"] < 2.1 * N
    assert 4.0 * N < rows["responses"] < 6.0 * N  # about five answers per person
    assert rows["interactions"] > rows["transactions"] > rows["responses"] / 2
    sources = pc.value_counts(data.customers["source"].combine_chunks().dictionary_decode())
    share = {v["values"]: v["counts"] / N for v in sources.to_pylist()}
    assert 1.0 < share["crm"] < 1.04  # everyone, plus a few duplicates
    assert 0.55 < share["eshop"] < 0.67
    assert 0.25 < share["support"] < 0.35


def test_the_true_person_is_only_in_the_truth(data: DemoData) -> None:
    for table in data.tables().values():
        assert "person_id" not in table.column_names
    assert data.truth.num_rows == data.customers.num_rows


def test_responses_respect_ranges_and_reference_known_things(
    data: DemoData, sql: duckdb.DuckDBPyConnection
) -> None:
    for metric, (low, high) in METRIC_RANGES.items():
        lo, hi, n = one(
            sql, f"select min(score), max(score), count(*) from responses where metric = '{metric}'"
        )
        assert n > 0 and low <= lo and hi <= high, metric
    assert set(data.responses["touchpoint"].unique().to_pylist()) <= set(generator.TOUCHPOINTS)
    journey = set(generator.TOUCHPOINTS) - {"relation"}  # the relationship survey is no event
    assert set(data.interactions["touchpoint"].unique().to_pylist()) == journey
    assert set(data.responses["language"].unique().to_pylist()) == {"fr", "en"}
    for table in ("responses", "interactions", "transactions"):
        (orphans,) = one(
            sql,
            f"select count(*) from {table} x anti join customers c using (source, customer_id)",
        )
        assert orphans == 0, table
    # the channel of a row is its touchpoint's, the source the system that records it
    bad = one(
        sql,
        """select count(*) from responses where
           (touchpoint in ('website', 'app', 'delivery', 'click_collect', 'returns') and source <> 'eshop')
           or (touchpoint in ('store', 'partner_reseller', 'loyalty_programme') and source <> 'crm')
           or (touchpoint in ('call_centre', 'chat') and source <> 'support')""",
    )
    assert bad == (0,)
    for tp, channel in generator.TOUCHPOINT_CHANNELS.items():
        (other,) = one(
            sql,
            f"select count(*) from interactions where touchpoint = '{tp}' and channel <> '{channel}'",
        )
        assert other == 0, tp
    (start, end) = one(sql, "select min(timestamp), max(timestamp) from interactions")
    assert str(start) >= "2024-11-01" and str(end) < "2026-11-01"


def test_verbatims_are_varied_bilingual_and_about_known_themes(
    sql: duckdb.DuckDBPyConnection,
) -> None:
    total, texts, distinct, french = one(
        sql,
        """select count(*), count(verbatim), count(distinct verbatim),
                  avg(case when language = 'fr' then 1.0 else 0 end) from responses""",
    )
    assert 0.15 < texts / total < 0.4
    assert distinct > 0.6 * texts
    assert 0.7 < french < 0.8
    rows = sql.sql("select verbatim, language from responses where verbatim is not null").fetchall()
    fr = [v for v, lang in rows if lang == "fr"]
    en = [v for v, lang in rows if lang == "en"]
    assert any("livraison" in v.lower() for v in fr) and any("delivery" in v.lower() for v in en)
    assert not any(re.search(r"\b(the|and|was)\b", v) for v in fr[:2000])
    for theme_words in (
        ("prix", "price"),
        ("attente", "hold"),
        ("rembours", "refund"),
        ("stock", "stock"),
    ):
        assert any(theme_words[0] in v.lower() for v in fr), theme_words
        assert any(theme_words[1] in v.lower() for v in en), theme_words


def test_only_delivery_phrases_use_delivery_words() -> None:
    words = re.compile(generator.DELIVERY_PATTERN)
    for topic, banks in phrases.CORES.items():
        for lang, by_tone in banks.items():
            for tone, texts in by_tone.items():
                for text in texts + phrases.DETAILS[topic][lang][tone]:
                    found = bool(words.search(text.lower()))
                    if not topic.startswith("delivery"):
                        assert not found, (topic, text)
                    elif tone == "neg" and text and text in texts:
                        assert found, (topic, text)
    for bank in (phrases.OPENERS, phrases.CLOSERS):
        for by_tone in bank.values():
            for texts in by_tone.values():
                assert not any(words.search(t.lower()) for t in texts)


def test_duplicates_across_sources_with_typos(
    data: DemoData, sql: duckdb.DuckDBPyConnection
) -> None:
    # one person, several records: same person in crm and eshop, with different ids
    (linked,) = one(
        sql,
        """select count(*) from truth a join truth b using (person_id)
           where a.source = 'crm' and b.source = 'eshop' and a.customer_id <> b.customer_id""",
    )
    assert linked > 0.5 * N
    (dups,) = one(sql, "select count(*) from truth where duplicate_in_source")
    assert 0.005 * N < dups < 0.04 * N
    # records of the same person differ in realistic ways
    pairs = sql.sql(
        """select c1.first_name, c2.first_name, c1.last_name, c2.last_name, c1.phone, c2.phone,
                  c1.email, c2.email, c1.address, c2.address, c2.source
           from truth a join truth b using (person_id)
           join customers c1 on c1.source = a.source and c1.customer_id = a.customer_id
           join customers c2 on c2.source = b.source and c2.customer_id = b.customer_id
           where a.source = 'crm' and not a.duplicate_in_source and b.source <> 'crm'"""
    ).fetchall()
    differs = [sum(x != y for x, y in zip(row[0:10:2], row[1:10:2], strict=True)) for row in pairs]
    assert sum(d > 0 for d in differs) > 0.5 * len(pairs)
    assert sum(d == 0 for d in differs) > 0.005 * len(pairs)  # some agree on everything
    changes = set()
    for value in data.truth["changes"].unique().to_pylist():
        changes.update(value.split(",") if value else [])
    assert changes == set(generator.CHANGES)
    # each kind of change can be seen in the data
    phones = [p for row in pairs for p in row[4:6] if p]
    assert any(re.fullmatch(r"\+33\d{9}", p) for p in phones)
    assert any(re.fullmatch(r"0\d{9}", p) for p in phones)
    assert any(re.fullmatch(r"0\d(\.\d\d){4}", p) for p in phones)
    assert any(re.fullmatch(r"0\d( \d\d){4}", p) for p in phones)
    emails = [e for row in pairs for e in row[6:8] if e]
    assert any(e != e.lower() for e in emails)
    addresses = [a for row in pairs for a in row[8:10] if a]
    assert any(re.search(r"\d,? (r\.|av\.|bd|pl\.|imp\.) ", a) for a in addresses)
    nicknames = {fold(v).lower() for v in NICKNAMES.values()}
    flagged = sql.sql(
        """select c.first_name, c.last_name, c.city, c.address, t.changes
           from truth t join customers c using (source, customer_id)
           where t.changes like '%nickname%' or t.changes like '%no_accents%'"""
    ).fetchall()
    assert flagged
    for first, last, city, address, change in flagged:
        if "nickname" in change.split(","):
            assert fold(first).lower() in nicknames, first
        if "no_accents" in change.split(","):
            for text in (first, last, city, address):
                assert text is None or text.isascii(), text
    (unique,) = one(
        sql,
        """select count(*) = count(distinct email) from customers join truth using (source, customer_id)
           where source = 'crm' and not duplicate_in_source and email is not null""",
    )
    assert unique


def test_ids_follow_each_source_scheme(sql: duckdb.DuckDBPyConnection) -> None:
    rows = sql.sql("select source, customer_id from customers").fetchall()
    scheme = {"crm": r"CRM-\d{8}", "eshop": r"WEB\d{9}", "support": r"SAV\d{8}"}
    assert all(re.fullmatch(scheme[s], i) for s, i in rows)


def test_churned_persons_stop_buying(sql: duckdb.DuckDBPyConnection) -> None:
    (after,) = one(
        sql,
        """select count(*) from transactions x join truth t using (source, customer_id)
           where x.amount > 0 and t.churned_on is not null and x.timestamp >= t.churned_on""",
    )
    assert after == 0


def test_generation_of_tiny_company_works() -> None:
    small = generate(customers=100, seed=0)
    assert small.customers.num_rows >= 100
    assert isinstance(small.responses, pa.Table)


def test_emails_of_namesakes_are_distinct_mailboxes_at_gmail_too() -> None:
    # 5,000 persons of one name: their addresses clash often and must all be told apart,
    # at Gmail without the dots of the local part (jean.dupont@ and jeandupont@ are one box)
    n = 5_000
    namesakes = cast(
        Persons,
        SimpleNamespace(
            first=np.zeros(n, np.int64),
            last=np.zeros(n, np.int64),
            birth=np.full(n, 7_000, np.int64),
        ),
    )
    rng = np.random.default_rng(7)
    emails = draw_emails(rng, namesakes, np.concatenate([np.arange(n), np.arange(n)])).to_pylist()
    assert len(set(emails)) == len(emails)
    local, domain = zip(*(e.split("@") for e in emails), strict=True)
    mailboxes = [
        (loc.replace(".", "") if dom == "gmail.com" else loc) + "@" + dom
        for loc, dom in zip(local, domain, strict=True)
    ]
    assert sum(d == "gmail.com" for d in domain) > 0.3 * len(emails)
    assert len(set(mailboxes)) == len(mailboxes)
