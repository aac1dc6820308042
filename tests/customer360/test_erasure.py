"""The right to erasure (GDPR art. 17): a person erased from the warehouse and the app database
leaves no trace in any table of either; the others are untouched; the audit line holds no
personal data; only the CX lead and the admin may; bad input and a failure half-way change
nothing; the command line; a later resolution does not bring the person back."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest
from django.apps import apps
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.customer360 import services as erasure
from cxpilot.customer360.models import Erasure
from cxpilot.customers.models import LinkageRun
from cxpilot.customers.normalise import phone_e164
from cxpilot.customers.services import customers_resolve, pair_reject, records_merge
from cxpilot.kernel.errors import NotFound, PermissionDenied, ValidationError
from cxpilot.loop.models import FollowUpCase
from cxpilot.loop.services import case_note_add, cases_open_from_warehouse
from cxpilot.surveys import services as surveys
from cxpilot.verbatims.models import TextModel
from cxpilot.warehouse.connection import warehouse
from cxpilot.warehouse.ingest import load_arrow
from tests.surveys.test_surveys import survey_definition
from tests.verbatims.conftest import answers

runner = CliRunner()

# ------------------------------------------------------------------------- the customers

#: The person erased: three records (the CRM, the e-shop, the hosted survey), written their
#: own way each.
ZEPHYRINE = [
    {
        "source": "crm",
        "customer_id": "CRM-QZ-7001",
        "first_name": "Zéphyrine",
        "last_name": "Quarbonnel",
        "email": "Zephyrine.Quarbonnel@exemple.fr",
        "phone": "06 98 76 54 32",
        "address": "7 impasse des Ormeaux",
        "postcode": "35200",
        "city": "Rennes",
        "birth_date": dt.date(1981, 4, 5),
    },
    {
        "source": "eshop",
        "customer_id": "WEB-QZ-7002",
        "first_name": "ZEPHYRINE",
        "last_name": "QUARBONNEL",
        "email": "zephyrine.quarbonnel+shop@exemple.fr",
        "phone": "+33 6 98 76 54 32",
        "postcode": "35200",
        "city": "RENNES",
    },
    {
        "source": "survey",
        "customer_id": "SURV-QZ-7003",
        "first_name": "Zephyrine",
        "last_name": "Quarbonnel",
        "email": "zephyrine.quarbonnel@exemple.fr",
    },
]
BERTRAND = [
    {
        "source": "crm",
        "customer_id": "CRM-BO-8001",
        "first_name": "Bertrand",
        "last_name": "Ollivier",
        "email": "bertrand.ollivier@exemple.org",
        "phone": "07 11 22 33 44",
        "city": "Lyon",
    },
    {
        "source": "eshop",
        "customer_id": "WEB-BO-8002",
        "first_name": "Bertrand",
        "last_name": "Ollivier",
        "email": "b.ollivier@exemple.org",
        "phone": "0711223344",
        "city": "Lyon",
    },
]
CAPUCINE = [
    {
        "source": "support",
        "customer_id": "SAV-CM-9001",
        "first_name": "Capucine",
        "last_name": "Marchetti",
        "email": "capucine.marchetti@exemple.net",
        "phone": "05 55 66 77 88",
        "city": "Brive",
    }
]


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return text.encode("ascii", "ignore").decode("ascii")


def needles(records: list[dict[str, Any]]) -> set[str]:
    """Every way the person may be written: e-mails, phones as written, in E.164 and in one
    piece, first and last names, record ids, the street, the birth date; folded."""
    found: set[str] = set()
    for r in records:
        for name in ("first_name", "last_name", "email", "customer_id"):
            if r.get(name):
                found.add(fold(r[name]))
        if r.get("phone"):
            found.add(fold(r["phone"]))
            found.add("".join(c for c in r["phone"] if c.isdigit()))
            found.add(phone_e164(r["phone"]))
        if r.get("address"):
            found.add(fold(r["address"]))
        if r.get("birth_date"):
            found.add(r["birth_date"].isoformat())
    return found


OTHERS = BERTRAND + CAPUCINE
START = dt.datetime(2026, 3, 2, 10)
#: Her answers name her and give her phone, as customers do.
HER_VERBATIMS = [
    "Je suis Zéphyrine Quarbonnel : la livraison est arrivée en retard, rappelez-moi au "
    "0698765432.",
    "Livraison encore en retard. Zéphyrine Quarbonnel, cliente depuis dix ans.",
    "Colis abîmé et livraison en retard, signé Quarbonnel.",
]


def _customers() -> pa.Table:
    rows = []
    for i, r in enumerate(ZEPHYRINE + OTHERS):
        rows.append(
            {
                "address": None,
                "postcode": None,
                "city": None,
                "phone": None,
                "birth_date": None,
                "country": "FR",
                "segment": "familles",
                "created_at": START - dt.timedelta(days=100 + i),
                "attributes": json.dumps({"loyalty_card": f"LC-{r['customer_id']}"}),
                **r,
            }
        )
    return pa.Table.from_pylist(rows)


def _events() -> tuple[pa.Table, pa.Table, pa.Table]:
    """Interactions, answers and purchases of each record."""
    interactions, responses, purchases = [], [], []
    for n, r in enumerate(ZEPHYRINE + OTHERS):
        key = r["customer_id"]
        for i in range(2):
            interactions.append(
                {
                    "event_id": f"EV-{key}-{i}",
                    "customer_id": key,
                    "touchpoint": "website",
                    "timestamp": START + dt.timedelta(hours=n * 10 + i),
                    "source": r["source"],
                    "type": "visit",
                    "attributes": json.dumps({"email_hash_of": r["email"]}),
                }
            )
        purchases.append(
            {
                "transaction_id": f"TX-{key}",
                "customer_id": key,
                "timestamp": START + dt.timedelta(days=1, hours=n),
                "amount": 40.0 + n,
                "source": r["source"],
            }
        )
    theirs = ZEPHYRINE[:2] * 2
    for i, text in enumerate(HER_VERBATIMS):
        r = theirs[i]
        responses.append(
            {
                "response_id": f"R-{r['customer_id']}-{i}",
                "customer_id": r["customer_id"],
                "touchpoint": "website",
                "timestamp": START + dt.timedelta(days=2, hours=i),
                "metric": "nps",
                "score": 2,
                "source": r["source"],
                "verbatim": text,
                "language": "fr",
            }
        )
    for i, r in enumerate(OTHERS):
        responses.append(
            {
                "response_id": f"R-{r['customer_id']}",
                "customer_id": r["customer_id"],
                "touchpoint": "website",
                "timestamp": START + dt.timedelta(days=3, hours=i),
                "metric": "nps",
                "score": 1 if i == 0 else 9,
                "source": r["source"],
                "verbatim": "Livraison en retard, personne au téléphone." if i == 0 else None,
                "language": "fr",
            }
        )
    return (
        pa.Table.from_pylist(interactions),
        pa.Table.from_pylist(responses),
        pa.Table.from_pylist(purchases),
    )


def _person_of(key: tuple[str, str]) -> str:
    with warehouse() as con:
        t = con.table("customer_persons")
        rows = t.filter((t.source == key[0]) & (t.customer_id == key[1])).to_pyarrow()
    return str(rows.column("person_id")[0])


def build(*, text_model: bool = False) -> dict[str, str]:
    """The warehouse and app database of the three persons; returns each one's person id."""
    from cxpilot.verbatims.services import themes_discover, verbatims_analyse

    load_arrow(table="customers", data=_customers())
    interactions, responses, purchases = _events()
    load_arrow(table="interactions", data=interactions)
    load_arrow(table="responses", data=responses)
    load_arrow(table="transactions", data=purchases)
    customers_resolve()
    keys = [(r["source"], r["customer_id"]) for r in ZEPHYRINE]
    records_merge(actor=None, records=keys, reason="same e-mail")
    records_merge(
        actor=None, records=[(r["source"], r["customer_id"]) for r in BERTRAND], reason="same"
    )
    pair_reject(actor=None, a=keys[0], b=("crm", "CRM-BO-8001"), reason="not the same phone")
    # the detractors' cases, one with a note naming her
    cases_open_from_warehouse(since=START.date())
    case = FollowUpCase.objects.get(customer_id="CRM-QZ-7001", response_id="R-CRM-QZ-7001-0")
    case_note_add(actor=None, case=case, text="Rappelé Mme Quarbonnel au 06 98 76 54 32.")
    # an answer on the hosted survey, still in the inbox (not flushed)
    survey = surveys.survey_create(actor=None, definition=survey_definition())
    surveys.submission_create(
        survey=survey,
        answers={"nps": 3, "wrong": "Quarbonnel ici : toujours pas de réponse."},
        channel="hosted",
        customer_id="SURV-QZ-7003",
        language="fr",
    )
    if text_model:
        load_arrow(table="responses", data=answers(copies=20))
        themes_discover(themes=3)
        verbatims_analyse(full=True)
    ids = {"zephyrine": _person_of(keys[0])}
    ids["bertrand"] = _person_of(("crm", "CRM-BO-8001"))
    ids["capucine"] = _person_of(("support", "SAV-CM-9001"))
    assert len(set(ids.values())) == 3
    assert all(_person_of(k) == ids["zephyrine"] for k in keys)
    assert _person_of(("eshop", "WEB-BO-8002")) == ids["bertrand"]
    return ids


# ------------------------------------------------------------------------- both stores read


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "ignore")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def app_rows() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every row of every table of the app database: (model label, its fields)."""
    for model in apps.get_models(include_auto_created=True):
        names = [f.attname for f in model._meta.concrete_fields]
        for row in model._default_manager.values(*names).order_by("pk"):
            yield model._meta.label_lower, row


def warehouse_rows(*, memtables: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every row of every table of the warehouse: (table, its columns); with ``memtables``,
    the tables in memory that the connection registered too (the rows of earlier reads and
    imports)."""
    with warehouse() as con:
        for name in sorted(con.list_tables()):
            if not memtables and name.startswith("ibis_"):
                continue
            for row in con.table(name).to_pyarrow().to_pylist():
                yield name, row


def found_in(rows: Iterator[tuple[str, dict[str, Any]]], wanted: set[str]) -> dict[str, set]:
    """table -> the needles found in any of its columns (text, JSON, binary alike)."""
    hits: dict[str, set] = {}
    for table, row in rows:
        for value in row.values():
            text = fold(_text(value))
            for needle in wanted:
                if needle in text:
                    hits.setdefault(table, set()).add(needle)
    return hits


def snapshot() -> dict[str, list]:
    """Both stores whole: every row of every table, to compare before and after."""
    out: dict[str, list] = {}
    for table, row in warehouse_rows(memtables=False):
        out.setdefault(f"warehouse:{table}", []).append(_text(row))
    for label, row in app_rows():
        out.setdefault(f"app:{label}", []).append(_text(row))
    return {k: sorted(v) for k, v in out.items()}


def counts_of(records: list[dict[str, Any]]) -> dict[str, int]:
    """How many rows of both stores name one of ``records`` (by their ids)."""
    ids = {r["customer_id"] for r in records}
    out: dict[str, int] = {}
    for table, row in [*warehouse_rows(memtables=False), *app_rows()]:
        text = _text(row)
        if any(i in text for i in ids):
            out[table] = out.get(table, 0) + 1
    return out


def golden(person_id: str) -> dict[str, Any]:
    with warehouse() as con:
        g = con.table("customer_golden")
        return g.filter(g.person_id == person_id).to_pyarrow().to_pylist()[0]


# ------------------------------------------------------------------------------- the tests


@pytest.mark.warehouse
def test_erasure_leaves_no_trace_in_either_store(org, make_user):
    ids = build(text_model=True)
    hers, theirs = needles(ZEPHYRINE), needles(OTHERS)
    # before: she is everywhere, the text model included (her name is in her verbatims)
    before_wh = found_in(warehouse_rows(), hers)
    before_app = found_in(app_rows(), hers)
    assert {"customers", "interactions", "responses", "transactions", "customer_persons"} <= set(
        before_wh
    )
    assert {"customer_golden", "customer_pairs"} <= set(before_wh)
    assert {
        "loop.followupcase",
        "loop.casenote",
        "warehouse.inboxitem",
        "surveys.submission",
        "customers.pairdecision",
        "customers.personevent",
        "verbatims.textmodel",
    } <= set(before_app), before_app
    with warehouse() as con:
        analysed = con.table("verbatim_analysis").to_pyarrow()["response_id"].to_pylist()
    assert {f"R-CRM-QZ-7001-{i}" for i in (0, 2)} <= set(analysed)
    others_before = counts_of(OTHERS)
    goldens = {p: golden(ids[p]) for p in ("bertrand", "capucine")}
    lead = make_user("cx_lead")

    done = erasure.person_erase(
        actor=lead, person_id=ids["zephyrine"], reason="Request by letter of 2026-03-10."
    )

    assert done["person_id"] == ids["zephyrine"] and done["records"] == 3
    rows = done["rows"]
    assert rows["customers"] == 3 and rows["interactions"] == 6 and rows["transactions"] == 3
    assert rows["responses"] == 3 and rows["customer_golden"] == 1
    assert rows["customer_persons"] == 3 and rows["loop.followupcase"] == 3
    assert rows["loop.casenote"] == 1 and rows["warehouse.inboxitem"] == 1
    assert rows["surveys.submission"] == 1 and rows["customers.pairdecision"] >= 4
    assert rows["verbatim_analysis"] == 3 and rows["verbatims.textmodel_words"] >= 1
    # after: nowhere, in any column of any table of either store
    assert found_in(warehouse_rows(), hers) == {}
    assert found_in(app_rows(), hers) == {}
    with warehouse() as con:
        analysed = con.table("verbatim_analysis").to_pyarrow()["response_id"].to_pylist()
    assert not [r for r in analysed if "QZ" in r]
    # the others untouched, but for the decision on a pair of his record with one of hers,
    # and its audit event (their reason is free text that may name her: they go whole)
    after = counts_of(OTHERS)
    for label in ("customers.pairdecision", "customers.personevent"):
        assert after.pop(label) == others_before.pop(label) - 1
    assert after == others_before
    assert {p: golden(ids[p]) for p in goldens} == goldens
    assert set(found_in(warehouse_rows(), theirs)) >= {"customers", "customer_golden"}
    # the text model still works: the verbatims can be analysed again
    from cxpilot.verbatims.services import verbatims_analyse

    assert verbatims_analyse(full=True)["analysed"] > 0
    assert found_in(app_rows(), hers) == {} and found_in(warehouse_rows(), hers) == {}
    # the audit line: who, when, why, how many; none of her data
    line = Erasure.objects.get()
    assert (line.person_id, line.records, line.erased_by, line.erased_by_name) == (
        ids["zephyrine"],
        3,
        lead,
        "cx_lead",
    )
    assert line.rows == rows and line.reason == "Request by letter of 2026-03-10."
    assert found_in(iter([("erasure", Erasure.objects.values().get())]), hers) == {}
    # nor a stem of her names among the text model's features
    idf = TextModel.current().idf
    assert not [f for f in idf if "zephyrin" in f or "quarbonnel" in f]


def test_a_later_resolution_does_not_bring_the_person_back(org):
    ids = build()
    erasure.person_erase(actor=None, person_id=ids["zephyrine"], reason="asked by phone")
    summary = customers_resolve()
    assert summary["records"] == len(OTHERS)
    assert _person_of(("crm", "CRM-BO-8001")) == ids["bertrand"]
    assert _person_of(("support", "SAV-CM-9001")) == ids["capucine"]
    with warehouse() as con:
        persons = set(con.table("customer_golden").to_pyarrow()["person_id"].to_pylist())
    assert persons == {ids["bertrand"], ids["capucine"]}
    assert found_in(warehouse_rows(), needles(ZEPHYRINE)) == {}
    assert found_in(app_rows(), needles(ZEPHYRINE)) == {}
    assert LinkageRun.objects.count() == 2  # the run's model (Splink's m and u) names no one


def test_only_who_may_erase_and_nothing_changes_otherwise(org, make_user):
    ids = build()
    users = [make_user(role, username=f"user-{role}") for role in ROLES_REFUSED]
    before = snapshot()
    for user in users:
        with pytest.raises(PermissionDenied):
            erasure.person_erase(actor=user, person_id=ids["zephyrine"], reason="asked")
        with pytest.raises(PermissionDenied):
            erasure.erasure_checked(actor=user, person_id=ids["zephyrine"], reason="asked")
        assert snapshot() == before, user
    assert Erasure.objects.count() == 0


ROLES_REFUSED = ("viewer", "analyst", "department_owner", None)


def test_the_admin_may(org, make_user):
    ids = build()
    done = erasure.person_erase(
        actor=make_user("superuser"), person_id=ids["capucine"], reason="closed account"
    )
    assert done["records"] == 1 and Erasure.objects.get().erased_by_name == "superuser"
    assert found_in(warehouse_rows(), needles(CAPUCINE)) == {}
    assert found_in(app_rows(), needles(CAPUCINE)) == {}
    assert "customers" in found_in(warehouse_rows(), needles(ZEPHYRINE))


BAD_INPUT = [
    ("PER-99999999", "asked", NotFound, "person_id"),
    ("", "asked", ValidationError, "person_id"),
    ("zephyrine@exemple.fr", "asked", ValidationError, "person_id"),
    ("PER-1 OR 1=1", "asked", ValidationError, "person_id"),
    ("{zephyrine}", "", ValidationError, "reason"),
    ("{zephyrine}", "   \n ", ValidationError, "reason"),
    ("{zephyrine}", "x" * (erasure.MAX_REASON + 1), ValidationError, "reason"),
    ("{zephyrine}", "Mme QUARBONNEL asked by mail", ValidationError, "reason"),
    ("{zephyrine}", "asked by zephyrine.quarbonnel@exemple.fr", ValidationError, "reason"),
    ("{zephyrine}", "called back on +33 6 98 76 54 32", ValidationError, "reason"),
    ("{zephyrine}", "about WEB-QZ-7002", ValidationError, "reason"),
    ("{zephyrine}", "she lives 7 impasse des Ormeaux", ValidationError, "reason"),
    ("{zephyrine}", "moved from impasse des ormeaux", ValidationError, "reason"),
]


def test_bad_input_is_refused_and_changes_nothing(org):
    ids = build()
    before = snapshot()
    for person, reason, error, where in BAD_INPUT:
        with pytest.raises(error) as caught:
            erasure.person_erase(actor=None, person_id=person.format(**ids), reason=reason)
        assert caught.value.where == where, (person, reason)
        assert snapshot() == before, (person, reason)


def test_a_record_not_resolved_yet_stops_the_erasure(org):
    ids = build()
    load_arrow(
        table="customers",
        data=pa.Table.from_pylist(
            [{"source": "support", "customer_id": "SAV-QZ-7004", "last_name": "Quarbonnel"}]
        ),
    )
    before = snapshot()
    with pytest.raises(ValidationError, match="customers resolve") as caught:
        erasure.person_erase(actor=None, person_id=ids["zephyrine"], reason="asked")
    assert caught.value.where == "customers"
    assert snapshot() == before


FAILING = (
    "verbatims_erase",
    "resolution_erase",
    "records_erase",
    "cases_erase",
    "submissions_erase",
    "audit",
)


@pytest.mark.warehouse
def test_a_failure_half_way_leaves_both_stores_as_they_were(org, monkeypatch):
    ids = build()
    before = snapshot()

    def fail(**kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    class Broken:
        class objects:  # noqa: N801 - stands for the model's manager
            create = staticmethod(fail)

    for failing in FAILING:
        with monkeypatch.context() as patch:
            if failing == "audit":
                patch.setattr(erasure, "Erasure", Broken)
            else:
                real = getattr(erasure, failing)

                def after_the_real_one(real: Any = real, **kwargs: Any) -> Any:
                    real(**kwargs)  # its deletes are made, then it fails
                    fail()

                patch.setattr(erasure, failing, after_the_real_one)
            with pytest.raises(RuntimeError, match="disk full"):
                erasure.person_erase(actor=None, person_id=ids["zephyrine"], reason="asked")
        assert snapshot() == before, failing
    erasure.person_erase(actor=None, person_id=ids["zephyrine"], reason="asked")  # and again
    assert found_in(warehouse_rows(), needles(ZEPHYRINE)) == {}
    assert found_in(app_rows(), needles(ZEPHYRINE)) == {}


def test_no_flush_runs_while_an_erasure_holds_the_inbox(db):
    """An answer read from the inbox before an erasure must not reach the warehouse (or open a
    case) after it: the erasure holds the flush back, and a flush under way is waited for."""
    import threading

    from django.db import connection

    from cxpilot.warehouse import inbox

    done = threading.Event()

    def flush() -> None:
        try:
            inbox.inbox_flush()
            done.set()
        finally:
            connection.close()  # this thread's own connection

    with inbox.flush_paused():
        worker = threading.Thread(target=flush)
        worker.start()
        assert not done.wait(0.5)  # the flush waits for the erasure
    worker.join(30)
    assert done.is_set()


# ------------------------------------------------------------------------------ the CLI


def run(*args: str, input: str | None = None):
    return runner.invoke(app, ["customers", "erase", *args], input=input)


def test_cli_erases_with_yes_and_prints_rows_per_table(org, make_user):
    ids = build()
    make_user("cx_lead", username="lea")
    result = run(ids["zephyrine"], "--reason", "asked", "--by", "lea", "--yes", "-f", "json")
    assert result.exit_code == 0, result.output
    done = json.loads(result.stdout)
    assert set(done) == {"erasure", "person_id", "records", "rows", "erased_at"}
    assert done["person_id"] == ids["zephyrine"] and done["rows"]["customers"] == 3
    assert Erasure.objects.get().erased_by_name == "lea"
    result = run(ids["capucine"], "--reason", "asked", "--yes", "-f", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "person_id,store,table,rows"
    assert f"{ids['capucine']},warehouse,customers,1" in lines
    assert f"{ids['capucine']},app,loop.followupcase,0" in lines
    assert Erasure.objects.filter(erased_by_name="command line").count() == 1
    table = run(ids["bertrand"], "--reason", "asked", "--yes")
    assert table.exit_code == 0 and "customer_golden" in table.stdout


def test_cli_asks_on_a_terminal_and_refuses_when_piped(org, make_user, monkeypatch):
    ids = build()
    before = snapshot()
    piped = run(ids["zephyrine"], "--reason", "asked")
    assert piped.exit_code == 2 and "--yes" in piped.stderr
    assert "nothing was erased" in piped.stderr
    assert snapshot() == before
    from cxpilot.customer360 import cli

    monkeypatch.setattr(cli, "_interactive", lambda: True)
    declined = run(ids["zephyrine"], "--reason", "asked", input="n\n")
    assert declined.exit_code == 1 and "nothing was erased" in declined.stderr
    assert f"Erase person {ids['zephyrine']} and their 3 record(s)" in declined.stderr
    assert snapshot() == before
    accepted = run(ids["zephyrine"], "--reason", "asked", "-f", "json", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    printed = accepted.stdout
    assert json.loads(printed[printed.index("{") :])["records"] == 3  # after the echoed "y"


CLI_BAD_INPUT = [
    (["PER-99999999", "--reason", "asked", "--yes"], "person_id: no person PER-99999999"),
    (["PER-x", "--reason", "asked", "--yes"], "a person id is written"),
    (["{zephyrine}", "--yes"], "a reason is required"),
    (["{zephyrine}", "--reason", "asked", "--by", "nobody-here", "--yes"], "no user"),
    (["{zephyrine}", "--reason", "asked", "--by", "vic", "--yes"], "permission"),
]


def test_cli_bad_input_exits_2_and_erases_nothing(org, make_user):
    ids = build()
    make_user("viewer", username="vic")
    before = snapshot()
    for args, message in CLI_BAD_INPUT:
        result = run(*[a.format(**ids) for a in args])
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr.strip().splitlines()[-1].startswith("error: ")
        assert message in result.stderr and "Traceback" not in result.output, args
        assert snapshot() == before, args


def test_cli_erase_is_under_customers():
    result = runner.invoke(app, ["customers", "--help"])
    assert "erase" in result.output


def test_the_erasure_log_is_read_only_in_the_admin(org, client_as, make_user):
    ids = build()
    erasure.person_erase(actor=None, person_id=ids["capucine"], reason="asked")
    admin = client_as("superuser")
    page = admin.get("/admin/customer360/erasure/")
    assert page.status_code == 200 and ids["capucine"] in page.content.decode()
    line = Erasure.objects.get()
    assert admin.get(f"/admin/customer360/erasure/{line.pk}/change/").status_code == 200
    assert admin.get("/admin/customer360/erasure/add/").status_code == 403
    assert admin.post(f"/admin/customer360/erasure/{line.pk}/delete/").status_code == 403
    assert Erasure.objects.count() == 1


def test_the_app_database_overwrites_what_it_deletes(db):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's pragma; PostgreSQL's log is its administrator's (docs)")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1


@pytest.mark.warehouse
def test_the_stores_logs_are_flushed_after_an_erasure(org, monkeypatch):
    ids = build()
    flushed = []
    real = erasure._flush
    monkeypatch.setattr(erasure, "_flush", lambda con: flushed.append(con.name) or real(con))
    erasure.person_erase(actor=None, person_id=ids["zephyrine"], reason="asked by phone")
    assert flushed in (["duckdb"], ["postgres"], ["pyspark"])


def test_the_sqlite_log_is_emptied_outside_a_transaction(transactional_db):
    import os

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's log")
    Erasure.objects.create(
        erased_at=dt.datetime.now(dt.UTC), person_id="PER-00000001", records=1, rows={}, reason="x"
    )
    wal = connection.settings_dict["NAME"] + "-wal"
    assert os.path.getsize(wal) > 0
    erasure._flush(type("Other", (), {"name": "other"})())
    assert os.path.getsize(wal) == 0
