"""Customer records to linkage features: the same person written the same way.

Pure (no Django, no I/O). Each normaliser takes an Arrow array and gives one, working on the
distinct values where the rule needs Python (names, cities and addresses repeat a lot) and
with Arrow compute where it does not (e-mail, the common French phone formats):

- **names** (:func:`names`): accents folded (é → e, œ → oe), lower case, apostrophes dropped
  (O'Brien → obrien), hyphens and spaces removed (Jean-Baptiste, Jean Baptiste →
  jeanbaptiste). :func:`name_keys` adds the full names a nickname stands for (Nico →
  nicolas, JB → jeanbaptiste, Bob → robert; Flo → florence and florian), from
  :data:`NICKNAMES`, French and English;
- **e-mail** (:func:`emails`): trimmed, lower case, the ``+tag`` of plus-addressing removed;
  at Gmail (gmail.com, googlemail.com) the dots of the local part too, since Gmail ignores
  them; :func:`email_locals` is the local part so normalised;
- **phone** (:func:`phones`): E.164 (+33612345678) with the ``phonenumbers`` package, the
  region FR unless a row's country says otherwise; ``06 12 34 56 78``, ``0612345678``,
  ``+33 6 12 34 56 78``, ``06.12.34.56.78``, ``0033 6…`` and ``+33 (0)6…`` are read by a
  vectorised fast path, anything else by ``phonenumbers``; an impossible number is null;
  :func:`phone_digits` is its digits in increasing order (the same for a number with two
  digits swapped);
- **address** (:func:`addresses`): folded, punctuation to spaces, street-type
  abbreviations spelled out (r./rue, av./avenue, bd/boulevard, rd/road…, :data:`STREET_WORDS`;
  ``st`` is *street* as the last word, *saint* elsewhere); :func:`street_numbers` is its first
  number, :func:`streets` the rest, and :func:`sorted_words` that rest's words in
  alphabetical order (parts of an address written the other way round);
- **postcode** (:func:`postcodes`): upper case without spaces or punctuation;
- **city** (:func:`cities`): folded, St/Ste → saint/sainte, hyphens and spaces removed,
  a trailing CEDEX and its number dropped (Saint-Étienne, St Etienne → saintetienne);
- **birth date** (:func:`birth_dates`): ISO text, and :func:`swapped_dates` the same date
  with day and month swapped (when that is a date and differs).

:func:`features` applies them all to a table in the customers import format.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "NICKNAMES",
    "STREET_WORDS",
    "addresses",
    "birth_dates",
    "cities",
    "email_locals",
    "emails",
    "features",
    "fold",
    "name_keys",
    "names",
    "phone_digits",
    "phones",
    "postcodes",
    "sorted_words",
    "soundex",
    "street_numbers",
    "streets",
    "swapped_dates",
]

#: Full first name -> the nicknames and short forms written for it (French and English).
#: Written as people write them; looked up after :func:`names` (so "Jean Luc", "Jean-Luc"
#: and "jeanluc" are one). A nickname may stand for several names (Flo: Florence, Florian).
NICKNAMES: dict[str, tuple[str, ...]] = {
    # French
    "Alexandre": ("Alex",),
    "Alexandra": ("Alex", "Sandra"),
    "Alexis": ("Alex",),
    "Amandine": ("Amande", "Mandy"),
    "Anne-Sophie": ("AS",),
    "Antoine": ("Toine", "Tonio"),
    "Aurélie": ("Aurel", "Lili"),
    "Aurélien": ("Aurel",),
    "Baptiste": ("Bat", "Titi"),
    "Béatrice": ("Béa",),
    "Benjamin": ("Ben", "Benji"),
    "Bénédicte": ("Béné",),
    "Bernard": ("Nanard",),
    "Caroline": ("Caro",),
    "Catherine": ("Cathy", "Cath", "Cathie", "Kate", "Katie"),
    "Charlotte": ("Charlie", "Lolotte"),
    "Christine": ("Chris", "Cricri", "Tina"),
    "Christophe": ("Chris", "Cricri"),
    "Clémence": ("Clem",),
    "Clément": ("Clem",),
    "Dominique": ("Dom", "Domi"),
    "Élisabeth": ("Babeth", "Lisa", "Élise", "Liz", "Beth"),
    "Élodie": ("Elo",),
    "Emmanuel": ("Manu",),
    "Emmanuelle": ("Manu",),
    "Florence": ("Flo",),
    "Florian": ("Flo",),
    "Françoise": ("Fanfan",),
    "François": ("Fanfan",),
    "Frédéric": ("Fred", "Fredo"),
    "Frédérique": ("Fred",),
    "Gabriel": ("Gaby", "Gab"),
    "Gabrielle": ("Gaby",),
    "Géraldine": ("Gégé",),
    "Gérard": ("Gégé",),
    "Grégoire": ("Greg",),
    "Grégory": ("Greg",),
    "Guillaume": ("Guigui", "Will"),
    "Isabelle": ("Isa", "Babette"),
    "Jacqueline": ("Jacky", "Jackie"),
    "Jacques": ("Jacky", "Jaco"),
    "Jean-Baptiste": ("JB",),
    "Jean-Charles": ("JC",),
    "Jean-Christophe": ("JC",),
    "Jean-Claude": ("JC",),
    "Jean-François": ("JF",),
    "Jean-Louis": ("JL",),
    "Jean-Luc": ("JL",),
    "Jean-Marc": ("JM",),
    "Jean-Michel": ("JM",),
    "Jean-Philippe": ("JP",),
    "Jean-Pierre": ("JP",),
    "Jonathan": ("Jo", "Jon", "Johnny"),
    "Juliette": ("Juju",),
    "Julien": ("Juju",),
    "Laetitia": ("Laeti", "Leti"),
    "Laurence": ("Lolo",),
    "Laurent": ("Lolo",),
    "Marie-Christine": ("Marie-Chris",),
    "Mathieu": ("Matt", "Math"),
    "Matthieu": ("Matt", "Math"),
    "Maxime": ("Max",),
    "Maximilien": ("Max",),
    "Mélanie": ("Mel",),
    "Nathalie": ("Nath",),
    "Nicolas": ("Nico", "Colas", "Nick"),
    "Olivier": ("Oli",),
    "Patricia": ("Patty", "Pat", "Trish"),
    "Patrick": ("Pat", "Paddy"),
    "Philippe": ("Phil", "Filou"),
    "Pierre": ("Pierrot",),
    "Raphaël": ("Raph",),
    "Sandrine": ("Sandy",),
    "Sébastien": ("Seb",),
    "Stéphane": ("Steph",),
    "Stéphanie": ("Steph", "Fanny"),
    "Sylvain": ("Syl",),
    "Sylvie": ("Syl",),
    "Thibault": ("Thib",),
    "Thibaut": ("Thib",),
    "Thomas": ("Tom", "Tommy"),
    "Valentin": ("Val",),
    "Valérie": ("Val",),
    "Véronique": ("Véro",),
    "Virginie": ("Virgi", "Gigi"),
    # English
    "Abigail": ("Abby", "Abbie"),
    "Albert": ("Al", "Bert"),
    "Alexander": ("Alex", "Sandy"),
    "Alfred": ("Alf", "Alfie", "Fred"),
    "Amanda": ("Mandy",),
    "Andrew": ("Andy", "Drew"),
    "Anthony": ("Tony",),
    "Barbara": ("Barb", "Babs"),
    "Charles": ("Charlie", "Chuck"),
    "Christina": ("Chris", "Tina"),
    "Christopher": ("Chris", "Kit"),
    "Cynthia": ("Cindy",),
    "Daniel": ("Dan", "Danny", "Dany"),
    "Danielle": ("Dany",),
    "David": ("Dave", "Davy"),
    "Deborah": ("Debbie", "Deb"),
    "Donald": ("Don",),
    "Dorothy": ("Dot", "Dottie"),
    "Douglas": ("Doug",),
    "Edward": ("Ed", "Eddie", "Ted"),
    "Eleanor": ("Ellie", "Nell"),
    "Elizabeth": ("Liz", "Beth", "Betty", "Lizzie", "Eliza"),
    "Emily": ("Em", "Emmy"),
    "Frederick": ("Fred", "Freddie"),
    "Gerald": ("Gerry", "Jerry"),
    "Gregory": ("Greg",),
    "Harold": ("Harry", "Hal"),
    "Henry": ("Harry", "Hank"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Jennifer": ("Jen", "Jenny"),
    "Jessica": ("Jess", "Jessie"),
    "John": ("Johnny", "Jack"),
    "Joseph": ("Joe", "Joey"),
    "Josephine": ("Jo", "Josie"),
    "Judith": ("Judy",),
    "Katherine": ("Kate", "Kathy", "Katie"),
    "Kenneth": ("Ken", "Kenny"),
    "Kimberly": ("Kim",),
    "Lawrence": ("Larry",),
    "Madeline": ("Maddie",),
    "Margaret": ("Maggie", "Meg", "Peggy"),
    "Matthew": ("Matt",),
    "Melissa": ("Mel", "Missy"),
    "Michael": ("Mike", "Mick", "Mickey"),
    "Nathaniel": ("Nate", "Nat"),
    "Nicholas": ("Nick", "Nicky"),
    "Pamela": ("Pam",),
    "Peter": ("Pete",),
    "Phillip": ("Phil",),
    "Raymond": ("Ray",),
    "Rebecca": ("Becky", "Becca"),
    "Richard": ("Rick", "Dick", "Richie"),
    "Robert": ("Bob", "Rob", "Bobby", "Robbie"),
    "Ronald": ("Ron", "Ronnie"),
    "Samantha": ("Sam",),
    "Samuel": ("Sam", "Sammy"),
    "Sandra": ("Sandy",),
    "Stephen": ("Steve",),
    "Steven": ("Steve",),
    "Susan": ("Sue", "Susie"),
    "Theresa": ("Terry", "Tess"),
    "Timothy": ("Tim",),
    "Victoria": ("Vicky", "Vic"),
    "Walter": ("Walt", "Wally"),
    "William": ("Bill", "Will", "Billy", "Liam"),
    "Zachary": ("Zach", "Zack"),
}

#: Street words as written (folded, lower case, without the dot) -> spelled out.
STREET_WORDS: dict[str, str] = {
    "r": "rue",
    "av": "avenue",
    "ave": "avenue",
    "avn": "avenue",
    "bd": "boulevard",
    "bld": "boulevard",
    "blvd": "boulevard",
    "boul": "boulevard",
    "pl": "place",
    "all": "allee",
    "ch": "chemin",
    "chem": "chemin",
    "imp": "impasse",
    "rte": "route",
    "q": "quai",
    "qu": "quai",
    "crs": "cours",
    "fbg": "faubourg",
    "sq": "square",
    "pass": "passage",
    "res": "residence",
    "lot": "lotissement",
    "ste": "sainte",
    "gal": "general",
    "gen": "general",
    "mal": "marechal",
    "pdt": "president",
    # English
    "rd": "road",
    "dr": "drive",
    "ln": "lane",
    "ct": "court",
    "cres": "crescent",
    "cr": "crescent",
    "cct": "circuit",
    "hwy": "highway",
    "pde": "parade",
    "tce": "terrace",
    "cl": "close",
}

_APOSTROPHES = "'’ʼ`´"
_SEPARATORS = re.compile(r"[^0-9a-z]+")
_NON_LETTERS = re.compile(r"[^a-z]+")
_CEDEX = re.compile(r"\s+cedex(\s+\d+)?\s*$")


def fold(text: str) -> str:
    """``text`` lower case without accents: Œuvre, Éloïse → oeuvre, eloise."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _per_distinct(values: pa.Array, rule: Callable[[str], str | None]) -> pa.Array:
    """``rule`` applied once per distinct value of a string array (nulls stay null, and so
    does an empty result)."""
    values = _as_string(values)
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    distinct = [rule(v) if v is not None else None for v in encoded.dictionary.to_pylist()]
    mapped = pa.array([v or None for v in distinct], pa.string())
    return mapped.take(encoded.indices)


def _as_string(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_string(values.type):
        values = pc.cast(values, pa.string())
    return values


# ------------------------------------------------------------------------------ names


@lru_cache(maxsize=200_000)
def name_key(text: str) -> str:
    """One name as compared: folded, letters only, no spaces (``Jean-Baptiste`` →
    ``jeanbaptiste``, ``O'Brien`` → ``obrien``)."""
    folded = fold(text)
    for mark in _APOSTROPHES:
        folded = folded.replace(mark, "")
    return _NON_LETTERS.sub("", folded)


def _nickname_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, set[str]] = {}
    for full, nicks in NICKNAMES.items():
        canonical = name_key(full)
        for nick in nicks:
            key = name_key(nick)
            if key != canonical:
                index.setdefault(key, set()).add(canonical)
    return {k: tuple(sorted(v)) for k, v in index.items()}


_NICK_INDEX = _nickname_index()


def names(values: pa.Array) -> pa.Array:
    """Names as compared (:func:`name_key`); null when nothing is left."""
    return _per_distinct(values, name_key)


def name_keys(normalised: pa.Array) -> pa.Array:
    """For each normalised first name, the name and the full names it may be short for
    (``nico`` → ``[nico, nicolas]``, ``flo`` → ``[flo, florence, florian]``); two first names
    are the same by nickname when their lists share a name."""
    normalised = _as_string(normalised)
    encoded = pc.dictionary_encode(normalised)
    distinct = encoded.dictionary.to_pylist()
    lists = [[v, *_NICK_INDEX.get(v, ())] if v else None for v in distinct]
    return pa.array(lists, pa.list_(pa.string())).take(encoded.indices)


_SOUNDEX_CODES = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


@lru_cache(maxsize=200_000)
def _soundex(name: str) -> str:
    """American Soundex (the US National Archives' rules, with h and w not separating
    letters of the same code) of a normalised name."""
    if not name:
        return ""
    out = [name[0].upper()]
    last = _SOUNDEX_CODES.get(name[0], "")
    for ch in name[1:]:
        code = _SOUNDEX_CODES.get(ch, "")
        if code and code != last:
            out.append(code)
        if ch not in "hw":
            last = code
        if len(out) == 4:
            break
    return "".join(out).ljust(4, "0")


def soundex(normalised: pa.Array) -> pa.Array:
    """Soundex code of each normalised name (``robert``, ``rupert`` → ``R163``)."""
    return _per_distinct(normalised, _soundex)


# ------------------------------------------------------------------------------ e-mail

_GMAIL = ("gmail.com", "googlemail.com")


def emails(values: pa.Array) -> pa.Array:
    """E-mail addresses as compared: trimmed, lower case, without a ``+tag``; Gmail's local
    part without dots and googlemail.com as gmail.com. Null unless it has one ``@`` with
    text on both sides."""
    text = pc.utf8_lower(pc.utf8_trim_whitespace(_as_string(values)))
    valid = pc.match_substring_regex(text, r"^[^@\s]+@[^@\s]+$")
    local = pc.replace_substring_regex(text, r"^([^@+]*)(\+[^@]*)?@.*$", r"\1")
    domain = pc.replace_substring_regex(text, r"^[^@]*@", "")
    gmail = pc.is_in(domain, value_set=pa.array(_GMAIL))
    local = pc.if_else(gmail, pc.replace_substring(local, ".", ""), local)
    domain = pc.if_else(gmail, pa.scalar("gmail.com"), domain)
    joined = pc.binary_join_element_wise(local, domain, "@")
    ok = pc.and_(valid, pc.greater(pc.utf8_length(local), 0))
    return pc.if_else(ok, joined, pa.scalar(None, pa.string()))


def email_locals(normalised: pa.Array) -> pa.Array:
    """The local part (before ``@``) of normalised e-mail addresses."""
    return pc.replace_substring_regex(_as_string(normalised), r"@.*$", "")


# ------------------------------------------------------------------------------ phone

#: A country column's values that name a phone region other than by its ISO code.
_COUNTRY_NAMES = {
    "france": "FR",
    "belgique": "BE",
    "belgium": "BE",
    "suisse": "CH",
    "switzerland": "CH",
    "luxembourg": "LU",
    "monaco": "MC",
    "canada": "CA",
    "united kingdom": "GB",
    "royaume-uni": "GB",
    "uk": "GB",
    "germany": "DE",
    "allemagne": "DE",
    "spain": "ES",
    "espagne": "ES",
    "italy": "IT",
    "italie": "IT",
    "australia": "AU",
    "australie": "AU",
    "united states": "US",
    "etats-unis": "US",
    "usa": "US",
}


def _region(country: str | None, default: str) -> str:
    import phonenumbers

    if not country:
        return default
    text = country.strip()
    if text.upper() in phonenumbers.SUPPORTED_REGIONS:
        return text.upper()
    return _COUNTRY_NAMES.get(fold(text), default)


@lru_cache(maxsize=100_000)
def phone_e164(text: str, region: str = "FR") -> str | None:
    """One phone number in E.164 (``+33612345678``), read with ``phonenumbers`` in
    ``region`` unless it starts with ``+`` or ``00``; None when it cannot be a number."""
    import phonenumbers

    raw = text.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def phones(values: pa.Array, *, region: str = "FR", countries: pa.Array | None = None) -> pa.Array:
    """Phone numbers in E.164. Rows read in ``region`` unless ``countries`` (a country
    column: an ISO code such as BE or a name such as Belgique) names another. French numbers
    in the usual formats take a vectorised path; the others are parsed one distinct value at
    a time."""
    text = _as_string(values)
    n = len(text)
    region = region.upper()
    regions = (
        _per_distinct(countries, lambda c: _region(c, region))
        if countries is not None
        else pa.array([region] * n, pa.string())
    )
    regions = pc.fill_null(regions, region)
    # "+33 (0)6 12…": the (0) is the national prefix, written for people in France
    cleaned = pc.replace_substring_regex(text, r"\(0\)", "")
    digits = pc.replace_substring_regex(cleaned, r"[^0-9+]", "")
    digits = pc.replace_substring_regex(digits, r"^00", "+")
    national = pc.and_(
        pc.equal(regions, "FR"), pc.match_substring_regex(digits, r"^0[1-9][0-9]{8}$")
    )
    international = pc.match_substring_regex(digits, r"^\+33[1-9][0-9]{8}$")
    fast = pc.if_else(
        national,
        pc.binary_join_element_wise(pa.scalar("+33"), pc.utf8_slice_codeunits(digits, 1), ""),
        pc.if_else(international, digits, pa.scalar(None, pa.string())),
    )
    needs_parsing = pc.and_(pc.is_null(fast), pc.is_valid(text))
    rows = pc.indices_nonzero(pc.fill_null(needs_parsing, False)).to_pylist()
    if not rows:
        return fast
    out = fast.to_pylist()
    raw, where = text.to_pylist(), regions.to_pylist()
    for i in rows:
        out[i] = phone_e164(raw[i], where[i])
    return pa.array(out, pa.string())


def phone_digits(e164: pa.Array) -> pa.Array:
    """The digits of each E.164 number in increasing order (``+33612345678`` →
    ``12333456678``): two numbers that differ by swapped digits have the same."""
    return _per_distinct(e164, lambda v: "".join(sorted(c for c in v if c.isdigit())))


# ------------------------------------------------------------------------------ address


@lru_cache(maxsize=500_000)
def address_key(text: str) -> str:
    """One address as compared: folded, words separated by single spaces, abbreviations
    spelled out (``12, R. du Gal de Gaulle`` → ``12 rue du general de gaulle``)."""
    folded = fold(text)
    for mark in _APOSTROPHES:
        folded = folded.replace(mark, " ")
    words = _SEPARATORS.sub(" ", folded).split()
    out: list[str] = []
    for i, word in enumerate(words):
        if word == "st":
            out.append("street" if i == len(words) - 1 else "saint")
        else:
            out.append(STREET_WORDS.get(word, word))
    return " ".join(out)


def addresses(values: pa.Array) -> pa.Array:
    """Addresses as compared (:func:`address_key`)."""
    return _per_distinct(values, address_key)


def street_numbers(normalised: pa.Array) -> pa.Array:
    """The first number of each normalised address (``12 bis rue…`` → ``12``)."""
    text = _as_string(normalised)
    has = pc.match_substring_regex(text, r"(^|\s)[0-9]+")
    number = pc.replace_substring_regex(text, r"^\D*?(?:^|\s)([0-9]+).*$", r"\1")
    return pc.if_else(has, number, pa.scalar(None, pa.string()))


def streets(normalised: pa.Array) -> pa.Array:
    """Normalised addresses without their numbers (the street and what follows)."""
    text = _as_string(normalised)
    rest = pc.replace_substring_regex(text, r"\b[0-9]+[a-z]?(\s+(bis|ter|quater))?\b", "")
    rest = pc.utf8_trim_whitespace(rest)
    rest = pc.replace_substring_regex(rest, r"\s+", " ")
    return pc.if_else(pc.equal(rest, ""), pa.scalar(None, pa.string()), rest)


def sorted_words(values: pa.Array) -> pa.Array:
    """The words of each value in alphabetical order, so that two parts of an address
    written the other way round compare equal (``hawker place chippendale`` →
    ``chippendale hawker place``)."""
    return _per_distinct(values, lambda v: " ".join(sorted(v.split())))


# ------------------------------------------------------------------------------ place


def postcodes(values: pa.Array) -> pa.Array:
    """Postcodes as compared: upper case, letters and digits only (``75 001`` → ``75001``,
    ``sw1a 1aa`` → ``SW1A1AA``)."""
    text = pc.utf8_upper(_as_string(values))
    code = pc.replace_substring_regex(text, r"[^0-9A-Z]", "")
    return pc.if_else(pc.equal(code, ""), pa.scalar(None, pa.string()), code)


@lru_cache(maxsize=100_000)
def city_key(text: str) -> str:
    """One city as compared: folded, CEDEX dropped, St/Ste spelled out, no spaces or hyphens
    (``St-Étienne``, ``Saint Etienne`` → ``saintetienne``)."""
    folded = fold(text)
    for mark in _APOSTROPHES:
        folded = folded.replace(mark, " ")
    spaced = " ".join(_SEPARATORS.sub(" ", folded).split())
    spaced = _CEDEX.sub("", spaced)
    words = [{"st": "saint", "ste": "sainte"}.get(w, w) for w in spaced.split()]
    return "".join(words)


def cities(values: pa.Array) -> pa.Array:
    """Cities as compared (:func:`city_key`)."""
    return _per_distinct(values, city_key)


# ------------------------------------------------------------------------------ birth date


def birth_dates(values: pa.Array) -> pa.Array:
    """Birth dates as ISO text (``1984-03-07``); dates or ISO text in."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        values = pc.cast(pc.utf8_trim_whitespace(values), pa.date32())
    if pa.types.is_timestamp(values.type):
        values = pc.cast(values, pa.date32())
    return pc.strftime(pc.cast(values, pa.timestamp("s")), format="%Y-%m-%d")


def swapped_dates(iso: pa.Array) -> pa.Array:
    """The ISO date with day and month swapped (``1984-03-07`` → ``1984-07-03``); null when
    the day is over 12 or equals the month."""
    text = _as_string(iso)
    day = pc.utf8_slice_codeunits(text, 8, 10)
    month = pc.utf8_slice_codeunits(text, 5, 7)
    year = pc.utf8_slice_codeunits(text, 0, 4)
    swapped = pc.binary_join_element_wise(year, day, month, "-")
    possible = pc.and_(pc.less_equal(day, "12"), pc.not_equal(day, month))
    return pc.if_else(possible, swapped, pa.scalar(None, pa.string()))


# ------------------------------------------------------------------------------ all

#: The feature columns :func:`features` makes, in order, after ``unique_id``.
FEATURES = (
    "first_name",
    "first_name_keys",
    "last_name",
    "last_name_soundex",
    "email",
    "email_local",
    "phone",
    "phone_digits",
    "address",
    "street_number",
    "street",
    "street_words",
    "postcode",
    "city",
    "birth_date",
    "birth_date_swapped",
)


def features(
    records: pa.Table,
    *,
    ids: Sequence[str] | pa.Array | None = None,
    region: str = "FR",
) -> pa.Table:
    """The linkage features of records in the customers import format (any of its columns
    may be missing): ``unique_id`` (``ids``, else ``customer_id``) then :data:`FEATURES`.
    ``region``: the phone region of rows whose ``country`` names none."""
    n = records.num_rows

    def column(name: str) -> pa.Array:
        if name in records.column_names:
            col = records.column(name)
            return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        return pa.nulls(n, pa.string())

    unique_id = _as_string(pa.array(ids) if ids is not None else column("customer_id"))
    first = names(column("first_name"))
    last = names(column("last_name"))
    email = emails(column("email"))
    address = addresses(column("address"))
    street = streets(address)
    birth_col = column("birth_date")
    birth = birth_dates(birth_col) if birth_col.null_count < n else pa.nulls(n, pa.string())
    country = column("country") if "country" in records.column_names else None
    phone = phones(column("phone"), region=region, countries=country)
    data: Mapping[str, pa.Array] = {
        "unique_id": unique_id,
        "first_name": first,
        "first_name_keys": name_keys(first),
        "last_name": last,
        "last_name_soundex": soundex(last),
        "email": email,
        "email_local": email_locals(email),
        "phone": phone,
        "phone_digits": phone_digits(phone),
        "address": address,
        "street_number": street_numbers(address),
        "street": street,
        "street_words": sorted_words(street),
        "postcode": postcodes(column("postcode")),
        "city": cities(column("city")),
        "birth_date": birth,
        "birth_date_swapped": swapped_dates(birth),
    }
    return pa.table(dict(data))
