"""The customer 360 through HTTP: the search by every kind of key, one person whole (golden and
source records, the timeline across every source, the summary, the open cases), who may see
it, bad and hostile input, and the links between a case and its customer's 360."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest
from django.utils import timezone

from cxpilot.customer360 import selectors as c360
from cxpilot.customer360 import views
from cxpilot.customers import selectors as customers
from cxpilot.customers.models import EventKind, PersonEvent
from cxpilot.customers.normalise import name_key
from cxpilot.kernel.errors import NotFound, PermissionDenied, ValidationError
from cxpilot.loop.models import FollowUpCase
from cxpilot.warehouse.ingest import load_arrow
from tests.customer360.base import (
    GOLDEN,
    P1,
    P1_TIMELINE,
    P2,
    P3,
    P4,
    PERSONS,
    customer_base,
    persons_write,
)
from tests.hostile import HOSTILE, HOSTILE_ESCAPED


@pytest.fixture
def base(org):
    return customer_base()


def found(client, query: str) -> list[str]:
    page = client.get("/customers/", {"q": query})
    assert page.status_code == 200, page.content.decode()[:500]
    return [row["person_id"] for row in page.context["found"].rows]


@pytest.mark.parametrize(
    ("query", "persons"),
    [
        # person ids, any case
        ("PER-00000001", [P1]),
        (" per-00000003 ", [P3]),
        # a record, and a bare customer id of any source
        ("crm:CRM-001", [P1]),
        ("support:X-42", [P4]),
        ("WEB-001", [P1]),
        ("x-42", [P4, P3]),  # by golden name: Lœuillet, Martin
        # e-mails, normalised as the linkage compares them
        ("HELENE.DUPRE@gmail.com", [P1]),
        ("h.e.l.e.n.e.dupre+news@googlemail.com", [P1]),
        ("JB.Martin@Example.fr", [P2]),
        ("jbmartin@example.fr", []),  # dots count outside Gmail
        # phones, in E.164 as the linkage reads them
        ("06 12 34 56 78", [P1]),
        ("+33 6 12 34 56 78", [P1]),
        ("0033 (0)6.12.34.56.78", [P1]),
        ("01 23 45 67 89", [P2]),
        ("06 12 34 56 79", []),
        # names: accents and case aside, either order, the beginning is enough
        ("helene", [P1]),
        ("Hélène Dupré", [P1]),
        ("DUPRE helene", [P1]),
        ("dup hél", [P1]),
        ("martin", [P2, P3]),  # by golden name: Jean-Baptiste before Nicolas
        ("jean baptiste martin", [P2]),
        ("Martin, Jean-Baptiste", [P2]),
        ("nico", [P3]),  # Nicolas, and Nico on the e-shop: one person
        ("loeuillet", [P4]),
        ("LŒUILLET zoe", [P4]),
        ("zzz", []),
        ("\u202ehelene", [P1]),  # a bidirectional override is left out, not searched for
    ],
)
def test_the_search_finds_persons_by_every_kind_of_key(base, lead, query, persons):
    assert found(lead, query) == persons


def test_a_search_row_says_who_the_person_is(base, lead):
    page = lead.get("/customers/", {"q": "helene"})
    row = page.context["found"].rows[0]
    assert row["first_name"] == "Hélène" and row["city"] == "Lyon"
    assert row["segment_name"] == "Families" and row["records"] == 3
    body = page.content.decode()
    assert f'href="/customers/{P1}/"' in body and "crm, eshop, support" in body
    assert "searched as a customer id, a name" in body  # one word may be an id too


def test_who_may_see_a_customer(base, client, client_as):
    viewer = client_as("viewer")
    assert viewer.get("/customers/").status_code == 403
    assert viewer.get(f"/customers/{P1}/").status_code == 403
    assert viewer.get("/customers/", {"q": "martin"}).status_code == 403
    assert 'href="/customers/"' not in viewer.get("/").content.decode()
    anonymous = client.get(f"/customers/{P1}/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    for role in ("cx_lead", "analyst", "department_owner", "superuser"):
        user = client_as(role, username=f"u-{role}")
        assert user.get("/customers/", {"q": "martin"}).status_code == 200, role
        assert user.get(f"/customers/{P1}/").status_code == 200, role
        assert 'href="/customers/"' in user.get("/").content.decode(), role


def test_the_selectors_check_the_permission_too(base, make_user):
    viewer = make_user("viewer")
    with pytest.raises(PermissionDenied):
        c360.customers_search(actor=viewer, query="martin")
    with pytest.raises(PermissionDenied):
        c360.customer_get(actor=viewer, key=P1)
    with pytest.raises(PermissionDenied):
        c360.customer_timeline(actor=viewer, person_id=P1)
    analyst = make_user("analyst")
    assert [r["person_id"] for r in c360.customers_search(actor=analyst, query="x-42").rows] == [
        P4,
        P3,
    ]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"q": ""}, "type a name"),
        ({"q": "   "}, "type a name"),
        ({"q": "x" * 10_000}, "at most 200 characters, not 10000"),
        ({"q": "mar\x01tin"}, "control character U+0001"),
        ({"q": "a b c d e f g"}, "at most 6 words"),
        ({"q": "martin", "page": "abc"}, "whole number"),
        ({"q": "martin", "page": "0"}, "greater than or equal to 1"),
        ({"q": "martin", "page": str(10**12)}, "less than or equal to"),
    ],
)
def test_a_bad_search_says_why(base, lead, params, says):
    page = lead.get("/customers/", params)
    assert page.status_code == 400
    assert says in page.content.decode()


def test_hostile_searches_are_answered_and_escaped(base, lead, hostile):
    page = lead.get("/customers/", {"q": hostile})
    assert page.status_code in (200, 400)
    body = page.content.decode()
    assert HOSTILE not in body and "<img src=x" not in body


def test_the_search_pages_and_caps(base, lead, monkeypatch):
    many = {f"PER-0000{100 + i}": [("shop", f"S-{i:03d}")] for i in range(30)}
    golden = [
        {"person_id": pid, "first_name": f"Anne{chr(97 + i % 26)}", "last_name": "Martinez"}
        for i, pid in enumerate(many)
    ]

    load_arrow(
        table="customers",
        data=pa.Table.from_pylist(
            [
                {
                    "source": "shop",
                    "customer_id": c,
                    "first_name": g["first_name"],
                    "last_name": "Martinez",
                }
                for (_, [(_, c)]), g in zip(many.items(), golden, strict=True)
            ]
        ),
    )

    persons_write({**PERSONS, **many}, [*GOLDEN, *golden])
    first = lead.get("/customers/", {"q": "martinez"})
    assert first.context["found"].total == 30 and len(first.context["found"].rows) == 25
    assert "Persons 1–25 of 30" in first.content.decode()
    second = lead.get("/customers/", {"q": "martinez", "page": "2"})
    assert len(second.context["found"].rows) == 5
    assert {*second.context["found"].rows[0]} >= {"person_id", "segment_name"}
    past = lead.get("/customers/", {"q": "martinez", "page": "999"})
    assert past.status_code == 200 and past.context["page"] == 2
    assert len(past.context["found"].rows) == 5
    ids = [r["person_id"] for r in first.context["found"].rows + second.context["found"].rows]
    assert len(set(ids)) == 30  # every person once, across the pages
    monkeypatch.setattr(customers, "SEARCH_CAP", 10)
    capped = lead.get("/customers/", {"q": "martinez", "page": "1"})
    assert capped.context["found"].capped and capped.context["found"].total == 10
    assert "More persons match than the 10 listed" in capped.content.decode()
    past = lead.get("/customers/", {"q": "martinez", "page": "9"})
    assert past.context["page"] == 1 and len(past.context["found"].rows) == 10
    beyond = customers.persons_searched(query="martinez", limit=5, offset=8)
    assert len(beyond.rows) == 2 and beyond.capped  # no further than the cap
    assert customers.persons_searched(query="martinez", offset=10).rows == []


def test_persons_searched_checks_its_arguments(base):
    with pytest.raises(ValidationError, match="limit"):
        customers.persons_searched(query="martin", limit=0)
    with pytest.raises(ValidationError, match="offset"):
        customers.persons_searched(query="martin", offset=-1)
    assert customers.persons_searched(query="martin", limit=1, offset=1).rows[0]["person_id"] == P3
    assert customers.persons_searched(query="martin").kinds == ("customer_id", "name")


def test_names_are_folded_in_the_warehouse_as_the_linkage_folds_them(org):
    from cxpilot.warehouse.ingest import load_arrow

    names = ["Éloïse", "Œdipe", "Straße", "O'Brien", "Jean-Luc", "Ærø", "Łukasz", "Ștefan", "ÇA"]
    load_arrow(
        table="customers",
        data=pa.Table.from_pylist(
            [
                {"source": "s", "customer_id": str(i), "first_name": "Ann", "last_name": name}
                for i, name in enumerate(names)
            ]
        ),
    )
    persons_write(
        {f"PER-{i:08d}": [("s", str(i))] for i in range(len(names))},
        [{"person_id": f"PER-{i:08d}", "last_name": n} for i, n in enumerate(names)],
    )
    for i, name in enumerate(names):
        for query in (name, name_key(name), f"ann {name}"):
            hits = customers.persons_searched(query=query).rows
            assert f"PER-{i:08d}" in [r["person_id"] for r in hits], (name, query)


def test_a_person_whole(base, lead):
    page = lead.get(f"/customers/{P1}/")
    assert page.status_code == 200
    body = page.content.decode()
    customer = page.context["customer"]
    # the golden record beside each record, with its source
    assert [(r["source"], r["customer_id"]) for r in customer.records] == [
        ("crm", "CRM-001"),
        ("eshop", "WEB-001"),
        ("support", "SAV-001"),
    ]
    assert '<th scope="col">eshop<br>WEB-001</th>' in body
    email = next(values for label, _, values in page.context["fields"] if label == "E-mail")
    assert email == ["Helene.Dupre+shop@Gmail.com", "helenedupre@gmail.com", None]
    assert customer.segment == "Families" and "Segment: Families" in body
    # the timeline: every source record's events, newest first, not the test answer nor
    # another record's
    events = page.context["timeline"].events
    assert [(e["kind"], e["ref"]) for e in events] == P1_TIMELINE
    assert page.context["timeline"].total == 10
    # (as whole words: a random CSRF token may hold "i4")
    assert not re.search(r"\b(r5|i5|i4)\b", body)
    # the verbatim escaped
    assert HOSTILE not in body and f"{HOSTILE_ESCAPED} colis" in body
    assert "Refund: -30.00" in body and "Purchase: 120.50" in body
    # the summary, computed over everything
    summary = customer.summary
    assert (summary["first_seen"].isoformat(), summary["last_seen"].isoformat()) == (
        "2025-01-10T09:00:00+00:00",
        "2025-04-01T12:00:00+00:00",
    )
    assert summary["customer_since"].date().isoformat() == "2019-03-01"
    assert summary["answers"] == 4
    assert {m: a["score"] for m, a in summary["latest"].items()} == {"nps": 9, "ces": 2, "csat": 4}
    assert (summary["purchases"], summary["purchased"]) == (2, 200.5)
    assert (summary["refunds"], summary["refunded"], summary["net"]) == (1, -30.0, 170.5)
    assert customer.counts == {"interaction": 3, "answer": 4, "transaction": 3}
    # no value or churn slot until the customer-value work exists
    assert "churn" not in body.lower() and "lifetime" not in body.lower()


def test_the_open_cases_of_the_person_lead_to_the_case(base, lead, client_as):
    page = lead.get(f"/customers/{P1}/")
    cases = page.context["customer"].cases
    assert sorted(c.response_id for c in cases) == ["r2", "r3"]
    body = page.content.decode()
    for response in ("r2", "r3"):
        assert f'href="/voc/cases/{base[response].pk}/"' in body
    assert f'href="/voc/cases/{base["r6"].pk}/"' not in body  # another person's
    # a closed case is no longer listed

    FollowUpCase.objects.filter(pk=base["r3"].pk).update(status="closed")
    assert [c.response_id for c in lead.get(f"/customers/{P1}/").context["customer"].cases] == [
        "r2"
    ]
    # a department owner sees their department's cases only; an analyst no case at all
    owner = client_as("department_owner", department="service")
    FollowUpCase.objects.filter(pk=base["r3"].pk).update(status="open")
    mine = owner.get(f"/customers/{P1}/")
    assert [c.response_id for c in mine.context["customer"].cases] == ["r3"]
    assert "Those of your department" in mine.content.decode()
    analyst = client_as("analyst").get(f"/customers/{P1}/")
    assert analyst.context["customer"].cases is None
    assert "Open follow-up cases" not in analyst.content.decode()


def test_a_case_links_to_its_customers_360(base, lead, client_as):
    body = lead.get(f"/voc/cases/{base['r2'].pk}/").content.decode()
    assert f'href="/customers/{P1}/"' in body and "Customer 360" in body
    body = lead.get(f"/voc/cases/{base['r6'].pk}/").content.decode()
    assert f'href="/customers/{P2}/"' in body
    # a case whose record is not resolved into a person: no link
    persons_write({P1: [("crm", "CRM-001")]}, [{"person_id": P1, "last_name": "Dupré"}])
    body = lead.get(f"/voc/cases/{base['r2'].pk}/").content.decode()
    assert "Customer 360" not in body
    assert customers.person_of_record(source="crm", customer_id="CRM-001") == P1
    assert customers.person_of_record(source="eshop", customer_id="WEB-001") is None


def test_the_timeline_filters_and_pages(base, lead, monkeypatch):
    answers = lead.get(f"/customers/{P1}/", {"kind": "answer"})
    assert [e["ref"] for e in answers.context["timeline"].events] == ["r4", "r3", "r2", "r1"]
    assert 'value="answer" checked' in answers.content.decode()
    money = lead.get(f"/customers/{P1}/?kind=transaction&kind=interaction")
    assert [e["ref"] for e in money.context["timeline"].events] == [
        ref for kind, ref in P1_TIMELINE if kind != "answer"
    ]
    monkeypatch.setattr(views, "EVENTS_PER_PAGE", 4)
    pages = [lead.get(f"/customers/{P1}/", {"page": n}).context for n in (1, 2, 3)]
    assert [[(e["kind"], e["ref"]) for e in p["timeline"].events] for p in pages] == [
        P1_TIMELINE[0:4],
        P1_TIMELINE[4:8],
        P1_TIMELINE[8:10],
    ]
    assert pages[0]["pages"] == 3
    body = lead.get(f"/customers/{P1}/", {"page": 2}).content.decode()
    assert "page=3#timeline" in body and "page=1#timeline" in body
    past = lead.get(f"/customers/{P1}/", {"page": 999})
    assert past.status_code == 200 and past.context["page"] == 3
    for bad in ({"page": "abc"}, {"page": str(10**12)}, {"kind": "<script>"}):
        page = lead.get(f"/customers/{P1}/", bad)
        assert page.status_code == 400, bad
        assert len(page.context["timeline"].events) == 4  # the first page of every kind
        assert "<script>" not in page.content.decode().split("<main", 1)[1]
    with pytest.raises(ValidationError, match="kinds"):
        c360.customer_timeline(actor=None, person_id=P1, kinds=["refund"])
    with pytest.raises(ValidationError, match="limit"):
        c360.customer_timeline(actor=None, person_id=P1, limit=10_000)


def test_an_unknown_or_merged_person(base, lead):
    missing = lead.get("/customers/PER-00000077/")
    assert missing.status_code == 404
    assert "No person PER-00000077" in missing.content.decode()
    for hostile, status in (
        (HOSTILE.replace("/", ""), 404),
        ("PER-%00", 400),
        ("PER-\u202e1", 400),
        ("x" * 5000, 404),
    ):
        page = lead.get(f"/customers/{hostile}/")
        assert page.status_code == status, hostile
        assert "<script>" not in page.content.decode()
    # a record leads to its person
    record = lead.get("/customers/crm:CRM-001/", {"kind": "answer"})
    assert record.status_code == 302 and record["Location"] == f"/customers/{P1}/?kind=answer"
    # an id merged into another leads to the one it was merged into, even through two merges

    PersonEvent.objects.create(
        at=timezone.now(), kind=EventKind.MERGE, person_id="PER-00000009", others=["PER-00000008"]
    )
    PersonEvent.objects.create(
        at=timezone.now(), kind=EventKind.MERGE, person_id=P1, others=["PER-00000009"]
    )
    for old in ("PER-00000008", "PER-00000009"):
        moved = lead.get(f"/customers/{old}/")
        assert moved.status_code == 302 and moved["Location"] == f"/customers/{P1}/", old
    with pytest.raises(NotFound):
        c360.customer_get(actor=None, key="PER-00000077")


def test_the_pages_read_in_french(base, lead):
    lead.cookies["django_language"] = "fr"
    search = lead.get("/customers/", {"q": "martin"}).content.decode()
    assert "Clients" in search and "recherché comme un identifiant client, un nom" in search
    person = lead.get(f"/customers/{P1}/").content.decode()
    for text in (
        "Fiche de référence et fiches sources",
        "Chronologie",
        "Dossiers de suivi ouverts",
    ):
        assert text in person, text
    assert re.search(r"Remboursement\s*: -30,00", person)


def test_the_audit_trail_links_to_the_persons_360(base, client_as):
    PersonEvent.objects.create(at=timezone.now(), kind=EventKind.MERGE, person_id=P1, others=[])
    body = client_as("superuser").get("/admin/customers/personevent/").content.decode()
    assert f'href="/customers/{P1}/"' in body


def test_erasing_a_person_from_their_page(base, lead, client_as):
    analyst = client_as("analyst")
    assert "Erase this person" in lead.get(f"/customers/{P1}/").content.decode()
    assert "Erase this person" not in analyst.get(f"/customers/{P1}/").content.decode()
    assert analyst.get(f"/customers/{P1}/erase/").status_code == 403
    assert analyst.post(f"/customers/{P1}/erase/", {"reason": "asked"}).status_code == 403

    page = lead.get(f"/customers/{P1}/erase/")
    assert page.status_code == 200 and "crm:CRM-001" in page.content.decode()
    assert "Hélène Dupré" in page.content.decode()  # who goes, so as not to erase another
    # no reason, or one that names the person: refused, nothing erased
    assert lead.post(f"/customers/{P1}/erase/", {"reason": ""}).status_code == 422
    naming = lead.post(f"/customers/{P1}/erase/", {"reason": "Hélène Dupré asked"})
    assert naming.status_code == 422 and 'class="error"' in naming.content.decode()
    assert lead.get(f"/customers/{P1}/").status_code == 200

    done = lead.post(f"/customers/{P1}/erase/", {"reason": "request of 2 March, ticket 12"})
    assert done.status_code == 302 and done["Location"] == "/customers/"
    assert f"{P1} is erased" in lead.get("/customers/").content.decode()
    assert lead.get(f"/customers/{P1}/").status_code == 404
    assert found(lead, "Dupré") == []
    assert lead.get(f"/customers/{P2}/").status_code == 200


def test_the_person_page_names_segments_and_channels(base, lead):
    from django.utils import translation

    with translation.override("fr"):
        page = lead.get(f"/customers/{P1}/", HTTP_ACCEPT_LANGUAGE="fr")
    fields = {str(label): (golden, values) for label, golden, values in page.context["fields"]}
    golden, values = next(v for k, v in fields.items() if k in ("Segment", "Segment"))
    assert golden == "Families" and "families" not in values
    channels = {e["channel"] for e in page.context["timeline"].events}
    assert "web" not in channels and channels & {"Web", "Site web"}


def test_an_id_with_a_hidden_control_character_is_refused(base, lead):
    for url in (f"/customers/{P1}%00/", f"/customers/{P1}%E2%80%AE/erase/"):
        page = lead.get(url)
        assert page.status_code == 400 and b"control character" in page.content
