"""The linkage model on small synthetic customer files: the right pairs, both ways round,
the same on every run, its parameters as plain data, and dedupe's clusters."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter

import pyarrow as pa
import pytest

from cxpilot.customers import linkage
from cxpilot.customers.linkage import HOUSEHOLD_WEIGHT, dedupe, link

pytestmark = pytest.mark.pure

FIRST = [
    "Nicolas",
    "Marie",
    "Jean-Baptiste",
    "Sophie",
    "Thomas",
    "Camille",
    "Julien",
    "Léa",
    "Philippe",
    "Isabelle",
    "Antoine",
    "Chloé",
    "Frédéric",
    "Manon",
    "Sébastien",
    "Emma",
]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Durand",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Girard",
    "Roux",
    "Fournier",
    "Morel",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "Faure",
]
STREETS = [
    "rue des Lilas",
    "avenue Victor Hugo",
    "boulevard Voltaire",
    "place de la Mairie",
    "rue Jean Jaurès",
    "allée des Tilleuls",
    "chemin du Moulin",
    "impasse des Roses",
]
PLACES = [
    ("42000", "Saint-Étienne"),
    ("75016", "Paris"),
    ("69003", "Lyon"),
    ("13008", "Marseille"),
    ("33000", "Bordeaux"),
    ("31000", "Toulouse"),
]
SHORT = {
    "Nicolas": "Nico",
    "Jean-Baptiste": "JB",
    "Philippe": "Phil",
    "Frédéric": "Fred",
    "Sébastien": "Seb",
    "Isabelle": "Isa",
    "Antoine": "Toine",
    "Thomas": "Tom",
}
ABBR = {
    "rue": "r.",
    "avenue": "av.",
    "boulevard": "bd",
    "place": "pl.",
    "allée": "all.",
    "chemin": "ch.",
    "impasse": "imp.",
}


def persons(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        postcode, city = rng.choice(PLACES)
        out.append(
            {
                "customer_id": f"p{i}",
                "first_name": first,
                "last_name": last,
                "email": f"{first.lower().replace('é', 'e')}.{last.lower()}{i}@example.fr",
                "phone": f"06{rng.randrange(10**8):08d}",
                "address": f"{rng.randrange(1, 200)} {rng.choice(STREETS)}",
                "postcode": postcode,
                "city": city,
                "birth_date": dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25_000)),
            }
        )
    return out


def noisy(person: dict, rng: random.Random, new_id: str) -> dict:
    """The same person as another system writes them: formats, abbreviations, one or two
    changes (a nickname, a typo, swapped names, a missing e-mail, day and month swapped)."""
    r = dict(person, customer_id=new_id)
    p = r["phone"]
    r["phone"] = rng.choice(
        [
            f"+33 {p[1]} {p[2:4]} {p[4:6]} {p[6:8]} {p[8:]}",
            ".".join(p[i : i + 2] for i in range(0, 10, 2)),
        ]
    )
    words = r["address"].split(" ", 2)
    r["address"] = " ".join([words[0], ABBR.get(words[1], words[1]), *words[2:]])
    r["city"] = r["city"].replace("Saint-", "St-").upper()
    r["email"] = r["email"].upper().replace("@", "+shop@")
    change = rng.randrange(6)
    if change == 0 and r["first_name"] in SHORT:
        r["first_name"] = SHORT[r["first_name"]]
    elif change == 1:
        name = r["last_name"]
        r["last_name"] = name[:2] + name[3] + name[2] + name[4:]
    elif change == 2:
        r["first_name"], r["last_name"] = r["last_name"], r["first_name"]
    elif change == 3:
        r["email"] = None
    elif change == 4 and r["birth_date"].day <= 12:
        d = r["birth_date"]
        r["birth_date"] = dt.date(d.year, d.day, d.month)
    return r


@pytest.fixture(scope="module")
def files():
    rng = random.Random(7)
    people = persons(200, seed=3)
    a = people[:150]  # 150 in A; B has 100 of them (noisy) and 50 others
    b = [noisy(p, rng, f"b{i}") for i, p in enumerate(people[50:])]
    return pa.Table.from_pylist(a), pa.Table.from_pylist(b)


def truth(pairs: pa.Table) -> tuple[int, int]:
    rows = pairs.to_pylist()
    right = sum(int(r["id_a"][1:]) - 50 == int(r["id_b"][1:]) for r in rows)
    return right, len(rows) - right


@pytest.fixture(scope="module")
def linked(files):
    return link(*files, 0.5)


def test_link_finds_the_same_persons_across_files(linked):
    result = linked
    assert result.pairs.column_names == ["id_a", "id_b", "match_probability"]
    right, wrong = truth(result.pairs)
    assert right >= 97 and wrong <= 1, (right, wrong)  # 100 true links
    probs = result.pairs.column("match_probability").to_pylist()
    assert probs == sorted(probs, reverse=True) and min(probs) >= 0.5
    assert result.pairs_scored >= result.pairs.num_rows


def test_link_names_each_file_on_its_side_and_is_the_same_on_every_run(files, linked):
    a, b = files
    first, again = linked, link(a, b, 0.5)
    assert first.pairs.equals(again.pairs)
    assert first.model.as_dict() == again.model.as_dict()
    swapped = link(b, a, 0.5)
    assert set(zip(swapped.pairs["id_a"].to_pylist(), swapped.pairs["id_b"].to_pylist())) == set(
        zip(first.pairs["id_b"].to_pylist(), first.pairs["id_a"].to_pylist())
    )


def test_model_parameters_are_plain_data(linked):
    model = linked.model.as_dict()
    names = [c["name"] for c in model["comparisons"]]
    assert names == [
        "first_name",
        "last_name",
        "birth_date",
        "email",
        "phone",
        "address",
        "place",
        "household",
    ]
    first = model["comparisons"][0]["levels"]
    assert [lv["label"] for lv in first][:4] == [
        "missing",
        "Exact match on first_name",
        "first and last names swapped (Jaro-Winkler >= 0.9 each)",
        "same by nickname",
    ]
    assert first[0]["is_null_level"] and first[0]["match_weight"] is None
    exact = first[1]
    assert exact["match_weight"] > 0 and 0 < exact["m_probability"] <= 1
    assert (
        model["comparisons"][-2]["levels"][-1]["match_weight"] < 0
    )  # "else" weighs against (place)
    assert 0 < model["probability_two_random_records_match"] < 1
    import json

    json.dumps(model)  # saves as it is


def test_a_field_empty_in_one_file_is_not_compared(files):
    a, b = files
    b = b.drop_columns(["email", "phone"])
    result = link(a, b, 0.5)
    names = [c.name for c in result.model.comparisons]
    assert "email" not in names and "phone" not in names
    right, wrong = truth(result.pairs)
    assert right >= 90 and wrong <= 2


def test_threshold_out_of_range_is_refused(files):
    with pytest.raises(ValueError):
        link(*files, 1.5)


def test_dedupe_clusters_records_across_and_within_sources():
    rng = random.Random(11)
    people = persons(120, seed=5)
    crm = [dict(p, source="crm") for p in people]
    # the e-shop knows 60 of them; the CRM has 20 of them twice
    shop = [dict(noisy(p, rng, f"s{i}"), source="eshop") for i, p in enumerate(people[:60])]
    twice = [dict(noisy(p, rng, f"p{i}-2"), source="crm") for i, p in enumerate(people[60:80], 60)]
    records = pa.Table.from_pylist(crm + shop + twice)
    result = dedupe(records, 0.5)
    assert result.clusters.num_rows == records.num_rows
    cluster = {
        (r["source"], r["customer_id"]): r["cluster_id"] for r in result.clusters.to_pylist()
    }
    together = sum(cluster[("crm", f"p{i}")] == cluster[("eshop", f"s{i}")] for i in range(60))
    within = sum(cluster[("crm", f"p{i}")] == cluster[("crm", f"p{i}-2")] for i in range(60, 80))
    assert together >= 57 and within >= 19, (together, within)
    assert len(set(cluster.values())) <= 120 + 3
    assert result.pairs.column_names == [
        "source_l",
        "customer_id_l",
        "source_r",
        "customer_id_r",
        "match_probability",
    ]


def test_no_level_keeps_an_m_so_small_it_vetoes_every_pair():
    from types import SimpleNamespace

    from cxpilot.customers.linkage import M_FLOOR, _floor_m

    def level(m, null=False):
        return SimpleNamespace(is_null_level=null, m_probability=m)

    address = SimpleNamespace(
        comparison_levels=[level(None, null=True), level(0.6), level(0.4 - 1e-44), level(1e-44)]
    )
    untouched = SimpleNamespace(comparison_levels=[level(0.7), level(0.2), level(0.1)])
    _floor_m([address, untouched])
    ms = [lv.m_probability for lv in address.comparison_levels[1:]]
    assert ms[2] == M_FLOOR
    assert sum(ms) == pytest.approx(1.0)
    assert ms[0] / ms[1] == pytest.approx(0.6 / 0.4)  # the others keep their proportions
    assert [lv.m_probability for lv in untouched.comparison_levels] == [0.7, 0.2, 0.1]
    # the weight of the floored level: strong evidence against, not a veto
    assert math.log2(M_FLOOR / 0.99) == pytest.approx(-9.95, abs=0.01)


def test_a_household_is_not_one_person(files):
    """Spouses: one last name, address, phone and place, other first names and birth dates
    or e-mails. Without the household rule they outscore most true matches."""
    a, b = files
    rng = random.Random(11)
    spouses = []
    for i, p in enumerate(a.to_pylist()[:40]):
        other = next(f for f in rng.sample(FIRST, len(FIRST)) if f[0] != p["first_name"][0])
        spouse = noisy(p, rng, f"s{i}")
        spouse["first_name"] = other
        if i % 2:  # half by their birth date, half by their e-mail
            spouse["birth_date"] = p["birth_date"] + dt.timedelta(days=3000 + i)
        else:
            spouse["email"] = f"{other.lower()}.{i}@example.net"
            spouse["birth_date"] = None
        spouses.append(spouse)
    b_more = pa.concat_tables([b, pa.Table.from_pylist(spouses, schema=b.schema)])
    found = link(a, b_more, 0.5)
    ids = found.pairs.column("id_b").to_pylist()
    assert not [i for i in ids if i.startswith("s")]
    right, wrong = truth(
        found.pairs.filter(pa.compute.invert(pa.compute.starts_with(found.pairs["id_b"], "s")))
    )
    assert right >= 95 and wrong == 0
    levels = {c.name: c.levels for c in found.model.comparisons}
    (rule,) = [lv for lv in levels["household"] if not lv.is_null_level and lv.m_probability < 1]
    assert rule.match_weight == pytest.approx(HOUSEHOLD_WEIGHT)


def test_exact_u_from_the_counts_of_the_values():
    # one table: values a a a b c -> 3*2 pairs agree out of 5*4 (ordered pairs)
    table = pa.table({"email": ["a", "a", "a", "b", "c", None]})
    assert linkage._exact_u([table], "email", link=False) == pytest.approx(6 / 20)
    # all distinct: one pair's worth, not zero
    distinct = pa.table({"email": ["a", "b", "c", "d"]})
    assert linkage._exact_u([distinct], "email", link=False) == pytest.approx(2 / 12)
    # two files: a*b pairs agree out of Na*Nb
    other = pa.table({"email": ["a", "b", "b", "z"]})
    assert linkage._exact_u([table, other], "email", link=True) == pytest.approx((3 + 2) / 20)


def test_an_exact_level_the_u_sample_misses_gets_u_from_the_values(monkeypatch):
    # a sample of a few pairs holds no two records with one e-mail: without a u of its own,
    # Splink's default (about 1e-3) would stand for the same e-mail; the counts give it
    rng = random.Random(3)
    people = persons(120, seed=5)
    crm = [dict(p, source="crm") for p in people]
    shop = [dict(noisy(p, rng, f"s{i}"), source="eshop") for i, p in enumerate(people[:60])]
    records = pa.Table.from_pylist(crm + shop)
    monkeypatch.setattr(linkage, "U_PAIRS", 5)
    model = dedupe(records, 0.5, cluster=False).model
    (email,) = [c for c in model.comparisons if c.name == "email"]
    exact = email.levels[1]
    assert exact.label.lower().startswith("exact match")
    emails = [r["email"].lower().replace("+shop", "") for r in records.to_pylist() if r["email"]]
    n, shared = len(emails), sum(c * (c - 1) for c in Counter(emails).values())
    assert exact.u_probability == pytest.approx(shared / (n * (n - 1)), rel=0.2)


def test_a_level_training_never_met_shows_the_u_splink_scores_with():
    from cxpilot.customers.linkage import NOT_OBSERVED, _parameters

    settings = {
        "comparisons": [
            {
                "output_column_name": "phone",
                "comparison_levels": [
                    {"label_for_charts": "missing", "is_null_level": True},
                    {
                        "label_for_charts": "Damerau-Levenshtein distance of phone <= 1",
                        "m_probability": 0.0155,
                        "u_probability": "level not observed in training dataset",
                    },
                ],
            }
        ]
    }
    (level,) = [lv for lv in _parameters(settings).comparisons[0].levels if not lv.is_null_level]
    assert level.u_probability == NOT_OBSERVED
    assert level.match_weight == pytest.approx(math.log2(0.0155 / 1e-6))
