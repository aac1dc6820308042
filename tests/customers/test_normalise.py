"""The normalisers of linkage features: each rule on the values people really write."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from cxpilot.customers import normalise as n

pytestmark = pytest.mark.pure


def values(arr: pa.Array) -> list:
    return arr.to_pylist()


def test_names_fold_accents_case_hyphens_apostrophes_and_spaces():
    got = n.names(pa.array(["Jean-Baptiste", "JEAN BAPTISTE", "O'Brien", "Élodie", "Lefèvre"]))
    assert values(got) == ["jeanbaptiste", "jeanbaptiste", "obrien", "elodie", "lefevre"]
    assert values(n.names(pa.array(["  ", None, "-", "Œdipe"]))) == [None, None, None, "oedipe"]


@pytest.mark.parametrize(
    ("nickname", "full"),
    [
        ("Nico", "nicolas"),
        ("JB", "jeanbaptiste"),
        ("J.B.", "jeanbaptiste"),
        ("Bob", "robert"),
        ("Steph", "stephanie"),
        ("Bill", "william"),
        ("Véro", "veronique"),
        ("Marie-Chris", "mariechristine"),
    ],
)
def test_a_nickname_keys_to_its_full_name(nickname, full):
    (keys,) = values(n.name_keys(n.names(pa.array([nickname]))))
    assert keys[0] == n.name_key(nickname) and full in keys


def test_an_ambiguous_nickname_keys_to_every_name_and_a_full_name_to_itself():
    keys = values(n.name_keys(n.names(pa.array(["Flo", "Florence", "Florian", None]))))
    assert keys == [["flo", "florence", "florian"], ["florence"], ["florian"], None]


def test_every_nickname_of_the_demo_generator_is_known():
    from cxpilot.demo.banks import NICKNAMES as DEMO

    for full, nick in DEMO.items():
        if n.name_key(nick) == n.name_key(full):  # "Jean Luc": the same once normalised
            continue
        (keys,) = values(n.name_keys(n.names(pa.array([nick]))))
        assert n.name_key(full) in keys, (full, nick)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("robert", "R163"),
        ("rupert", "R163"),
        ("ashcraft", "A261"),
        ("tymczak", "T522"),
        ("lee", "L000"),
    ],
)
def test_soundex_follows_the_national_archives_rules(name, code):
    assert values(n.soundex(pa.array([name]))) == [code]


def test_emails_lower_case_trimmed_without_plus_tag_and_gmail_dots():
    got = n.emails(
        pa.array(
            [
                " Nicolas.Martin+shop@Example.FR ",
                "n.i.c.o+promo@googlemail.com",
                "Nico@GMail.com",
                "not an address",
                "@example.fr",
                "a@b@c.fr",
                None,
            ]
        )
    )
    assert values(got) == [
        "nicolas.martin@example.fr",
        "nico@gmail.com",
        "nico@gmail.com",
        None,
        None,
        None,
        None,
    ]
    assert values(n.email_locals(got))[:2] == ["nicolas.martin", "nico"]


@pytest.mark.parametrize(
    "written",
    [
        "06 12 34 56 78",
        "0612345678",
        "+33 6 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "0033 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "+33612345678",
    ],
)
def test_french_phone_formats_to_e164(written):
    assert values(n.phones(pa.array([written]))) == ["+33612345678"]


def test_phones_other_regions_and_impossible_numbers():
    got = n.phones(
        pa.array(["02 9876 5432", "02 9876 5432", "+44 20 7946 0958", "12", "", None]),
        countries=pa.array(["AU", "Australia", None, None, None, None]),
    )
    assert values(got) == ["+61298765432", "+61298765432", "+442079460958", None, None, None]
    # the region of rows without a country is the default one
    assert values(n.phones(pa.array(["(02) 9876 5432"]), region="AU")) == ["+61298765432"]


def test_addresses_spell_out_abbreviations_and_split_number_and_street():
    got = n.addresses(
        pa.array(
            [
                "12, R. du Gal de Gaulle",
                "12 rue du Général-de-Gaulle",
                "3 av. Victor Hugo",
                "8 bd Voltaire",
                "8 Stanley St",
                "5 St Michel pl.",
                "12 bis all. des Lilas",
            ]
        )
    )
    assert values(got) == [
        "12 rue du general de gaulle",
        "12 rue du general de gaulle",
        "3 avenue victor hugo",
        "8 boulevard voltaire",
        "8 stanley street",
        "5 saint michel place",
        "12 bis allee des lilas",
    ]
    assert values(n.street_numbers(got))[-1] == "12"
    assert values(n.streets(got))[-1] == "allee des lilas"
    assert values(n.sorted_words(pa.array(["hawker place chippendale"]))) == [
        "chippendale hawker place"
    ]


def test_postcodes_and_cities():
    assert values(n.postcodes(pa.array(["75 001", " sw1a 1aa", "", None]))) == [
        "75001",
        "SW1A1AA",
        None,
        None,
    ]
    cities = ["St-Étienne", "SAINT ETIENNE", "Saint-Étienne Cedex 2", "Ste-Geneviève", "L'Haÿ"]
    assert values(n.cities(pa.array(cities))) == [
        "saintetienne",
        "saintetienne",
        "saintetienne",
        "saintegenevieve",
        "lhay",
    ]


def test_birth_dates_as_iso_text_and_day_month_swapped():
    dates = n.birth_dates(
        pa.array([dt.date(1984, 3, 7), dt.date(1990, 12, 25), dt.date(1984, 3, 3), None])
    )
    assert values(dates) == ["1984-03-07", "1990-12-25", "1984-03-03", None]
    # 25/12 has no swapped date; 3/3 swapped is itself
    assert values(n.swapped_dates(dates)) == ["1984-07-03", None, None, None]
    assert values(n.birth_dates(pa.array(["1984-03-07", None]))) == ["1984-03-07", None]


def test_features_of_a_table_with_columns_missing():
    table = pa.table({"customer_id": ["c1", "c2"], "first_name": ["Nico", None]})
    got = n.features(table)
    assert got.column_names == ["unique_id", *n.FEATURES]
    assert got.column("unique_id").to_pylist() == ["c1", "c2"]
    assert got.column("first_name_keys").to_pylist() == [["nico", "nicolas"], None]
    assert got.column("phone").null_count == 2 and got.column("birth_date").null_count == 2
