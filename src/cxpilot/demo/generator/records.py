"""Source records: how each source (CRM, e-shop, support) stores a person, with its noise."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxpilot.demo import banks
from cxpilot.demo.generator.arrays import (
    Array,
    ascii_column,
    dictionary,
    draw,
    timestamps,
    weights,
    zero_padded,
)
from cxpilot.demo.generator.parameters import CHANGE_BIT, SEGMENT_KEYS, SourceNoise
from cxpilot.demo.generator.persons import FIRST_NAMES, LAST_NAMES, POSTCODES, Persons


def _variants(names: Sequence[str], forms: Sequence[Callable[[str], str]]) -> list[str]:
    """Flat bank: name x form x accents (kept, dropped) x case (as is, upper)."""
    out: list[str] = []
    for name in names:
        for form in forms:
            base = form(name)
            for folded in (base, banks.fold(base)):
                out.extend((folded, folded.upper()))
    return out


def _nick(name: str) -> str:
    return banks.NICKNAMES.get(name, name)


_FIRST_BANK = _variants(
    FIRST_NAMES, (str, _nick, lambda s: banks.swap_typo(s, 0), lambda s: banks.swap_typo(s, 1))
)
_LAST_BANK = _variants(
    LAST_NAMES,
    (str, lambda s: banks.swap_typo(s, 0), lambda s: banks.swap_typo(s, 1), banks.drop_typo),
)
_CITY_NAMES = [c for c, _, _ in banks.CITIES]
_CITY_BANK = _variants(_CITY_NAMES, (str, banks.abbreviate_city, lambda s: s.replace("-", " ")))
_STREET_NAME_BANK = _variants(banks.STREET_NAMES, (str,))
_STREET_TYPE_BANK = _variants([t for t, _, _ in banks.STREET_TYPES], (str,))
_STREET_ABBR_BANK = [a for _, abbrs, _ in banks.STREET_TYPES for a in abbrs]
_HAS_NICK = np.array([_nick(n) != n for n in FIRST_NAMES])
_FIRST_EMAIL = [banks.email_part(n) for n in FIRST_NAMES]
_LAST_EMAIL = [banks.email_part(n) for n in LAST_NAMES]
_DOMAINS = [d for d, _ in banks.EMAIL_DOMAINS]
_DOMAIN_W = weights([w for _, w in banks.EMAIL_DOMAINS])


_PARTS: list[str] = list(
    dict.fromkeys(["", *_FIRST_EMAIL, *(n[0] for n in _FIRST_EMAIL), *_LAST_EMAIL])
)
_PART_ID = {part: i for i, part in enumerate(_PARTS)}
_FIRST_PART = np.array([_PART_ID[n] for n in _FIRST_EMAIL])
_INITIAL_PART = np.array([_PART_ID[n[0]] for n in _FIRST_EMAIL])
_LAST_PART = np.array([_PART_ID[n] for n in _LAST_EMAIL])
#: local-part patterns: (A, separator, B) with A/B one of first, initial, last, nothing
_EMAIL_PATTERNS = (
    ("first", ".", "last", 30),
    ("first", "", "last", 12),
    ("initial", ".", "last", 10),
    ("last", ".", "first", 8),
    ("first", "_", "last", 12),
    ("last", "", "", 10),
    ("first", "-", "last", 8),
    ("initial", "", "last", 10),
)
_SEPARATORS = ("", ".", "_", "-")


def draw_emails(rng: np.random.Generator, p: Persons, who: Array) -> pa.Array:
    """A lower-case e-mail address for each person of ``who`` (may repeat), all distinct
    mailboxes (at Gmail, without the dots of the local part)."""
    n = who.size
    pattern = draw(rng, weights([w for *_, w in _EMAIL_PATTERNS]), n)
    parts = {
        "first": _FIRST_PART[p.first[who]],
        "initial": _INITIAL_PART[p.first[who]],
        "last": _LAST_PART[p.last[who]],
        "": np.zeros(n, np.int64),
    }
    a = np.zeros(n, np.int64)
    b = np.zeros(n, np.int64)
    sep = np.zeros(n, np.int64)
    for k, (pa_, sep_, pb, _) in enumerate(_EMAIL_PATTERNS):
        sel = pattern == k
        a[sel], b[sel], sep[sel] = parts[pa_][sel], parts[pb][sel], _SEPARATORS.index(sep_)
    u = rng.random(n)
    year = (p.birth[who] // 365 + 1970) % 100
    suffix = np.where(u < 0.35, rng.integers(1, 100, n), np.where(u < 0.55, year, -1))
    suffix = np.where(b == 0, rng.integers(10, 1000, n), suffix)  # "martin123"
    domain = draw(rng, _DOMAIN_W, n)
    for _ in range(50):  # a clash gets more digits until every address is distinct
        key = (((a * len(_PARTS) + b) * 4 + sep) * 100_001 + suffix + 1) * len(_DOMAINS) + domain
        order = np.argsort(key, kind="stable")
        same = np.flatnonzero(key[order][1:] == key[order][:-1]) + 1
        if same.size == 0:
            break
        clash = order[same]
        suffix[clash] = rng.integers(100, 100_000, clash.size)
    # Gmail ignores the dots of the local part: jean.dupont@ and jeandupont@ are one mailbox,
    # so two persons never hold both. The later address of such a pair gets a suffix of its
    # own (above any drawn one, so distinct everywhere), drawn without the generator, which
    # leaves every other value of the demo as it was.
    mailbox = (((a * len(_PARTS) + b) * 100_001 + suffix + 1) * len(_DOMAINS)) + domain
    gmail = np.flatnonzero(domain == _DOMAINS.index("gmail.com"))
    _, first = np.unique(mailbox[gmail], return_index=True)
    again = np.setdiff1d(gmail, gmail[first])
    suffix[again] = 100_000 + again
    texts = pa.array(_PARTS)
    suffix_text = pc.if_else(
        pa.array(suffix >= 0), pc.cast(pa.array(np.maximum(suffix, 0)), pa.string()), pa.scalar("")
    )
    return pc.binary_join_element_wise(
        texts.take(pa.array(a)),
        pa.array(np.asarray(_SEPARATORS)[sep]),
        texts.take(pa.array(b)),
        suffix_text,
        pa.scalar("@"),
        pa.array(_DOMAINS).take(pa.array(domain)),
        "",
    )


def _phone_strings(digits9: Array, fmt: Array) -> pa.Array:
    s = zero_padded(digits9, 9)

    def part(i: int, j: int) -> pa.Array:
        return pc.utf8_slice_codeunits(s, i, j)

    d0, d1, d2, d3, d4 = part(0, 1), part(1, 3), part(3, 5), part(5, 7), part(7, 9)
    zero, plus = pa.scalar("0"), pa.scalar("+33")
    f0 = pc.binary_join_element_wise(pc.binary_join_element_wise(zero, d0, ""), d1, d2, d3, d4, " ")
    f1 = pc.binary_join_element_wise(zero, s, "")
    f2 = pc.binary_join_element_wise(plus, d0, d1, d2, d3, d4, " ")
    f3 = pc.binary_join_element_wise(plus, s, "")
    f4 = pc.binary_join_element_wise(pc.binary_join_element_wise(zero, d0, ""), d1, d2, d3, d4, ".")
    return pc.choose(pa.array(fmt.astype(np.int8)), f0, f1, f2, f3, f4)


def _swap_digit(rng: np.random.Generator, x: Array) -> Array:
    k = 10 ** rng.integers(0, 7, x.size)
    a, b = (x // k) % 10, (x // (k * 10)) % 10
    return x - a * k - b * k * 10 + b * k + a * k * 10


class _Changes:
    """Draws the changes a source makes to the records of persons ``who``, and flags them."""

    def __init__(
        self, rng: np.random.Generator, p: Persons, who: Array, noise: SourceNoise
    ) -> None:
        self.rng, self.p, self.who, self.noise = rng, p, who, noise
        self.n = who.size
        self.flags = np.zeros(self.n, np.int64)

    def draw(self, rate: float) -> Array:
        """Which records get a change of probability ``rate``."""
        return self.rng.random(self.n) < rate

    def mark(self, name: str, mask: Array) -> None:
        """Flag the change ``name`` (one of :data:`CHANGES`) on the records of ``mask``."""
        self.flags = self.flags | np.where(mask, CHANGE_BIT[name], 0)


def source_records(
    rng: np.random.Generator,
    p: Persons,
    who: Array,
    noise: SourceNoise,
    email: pa.Array,
    other_email: pa.Array,
    created_sec: Array,
    with_segment: bool,
    country: Sequence[str | None],
) -> tuple[dict[str, pa.Array], Array]:
    """The customer columns of persons ``who`` as one source stores them, and change flags."""
    c = _Changes(rng, p, who, noise)
    fold = c.draw(noise.no_accents)
    upper_all = c.draw(noise.upper_case)
    upper_last = upper_all | c.draw(noise.upper_last_name)
    c.mark("no_accents", fold)
    c.mark("upper_case", upper_all)
    first_name, last_name = _names(c, fold, upper_all, upper_last)
    mail = _email(c, email, other_email)
    phone = _phone(c)
    address, no_addr = _street_address(c, fold, upper_all)
    postcode, city = _postcode_and_city(c, no_addr, fold, upper_all)
    birth_date = _birth_date(c)
    country_idx = rng.integers(0, len(country), c.n)
    columns = {
        "first_name": first_name,
        "last_name": last_name,
        "email": mail,
        "phone": phone,
        "address": address,
        "postcode": postcode,
        "city": pc.dictionary_encode(city),
        "country": dictionary(country_idx, country),
        "birth_date": birth_date,
        "segment": dictionary(p.segment[who], SEGMENT_KEYS)
        if with_segment
        else pa.nulls(c.n, pa.dictionary(pa.int8(), pa.string())),
        "created_at": timestamps(created_sec),
    }
    return columns, c.flags


def _names(
    c: _Changes, fold: Array, upper_all: Array, upper_last: Array
) -> tuple[pa.DictionaryArray, pa.DictionaryArray]:
    """First names (as is, nickname or a typo) and last names (as is or a typo)."""
    rng, n = c.rng, c.n
    first = c.p.first[c.who]
    nick = c.draw(c.noise.nickname) & _HAS_NICK[first]
    ftypo = ~nick & c.draw(c.noise.first_name_typo)
    fform = np.where(nick, 1, np.where(ftypo, 2 + rng.integers(0, 2, n), 0))
    c.mark("nickname", nick)
    c.mark("first_name_typo", ftypo)
    fi = ((first * 4 + fform) * 2 + fold) * 2 + upper_all
    ltypo = c.draw(c.noise.last_name_typo)
    lform = np.where(ltypo, 1 + rng.integers(0, 3, n), 0)
    c.mark("last_name_typo", ltypo)
    li = ((c.p.last[c.who] * 4 + lform) * 2 + fold) * 2 + upper_last
    return dictionary(fi, _FIRST_BANK), dictionary(li, _LAST_BANK)


def _email(c: _Changes, email: pa.Array, other_email: pa.Array) -> pa.Array:
    """The usual address, another one, a change of case, or none."""
    other = c.draw(c.noise.other_email)
    no_email = c.draw(c.noise.no_email)
    ecase = c.draw(c.noise.email_case)
    mail = pc.if_else(pa.array(other), other_email, email)
    cased = pc.if_else(pa.array(c.rng.random(c.n) < 0.5), pc.utf8_title(mail), pc.utf8_upper(mail))
    mail = pc.if_else(pa.array(ecase), cased, mail)
    mail = pc.if_else(pa.array(no_email), pa.scalar(None, pa.string()), mail)
    c.mark("other_email", other & ~no_email)
    c.mark("email_case", ecase & ~no_email)
    c.mark("no_email", no_email)
    return mail


def _phone(c: _Changes) -> pa.Array:
    """The phone number in one of the source's formats, with a typo, or none."""
    fmt = draw(c.rng, weights(c.noise.phone_formats), c.n)
    ptypo = c.draw(c.noise.phone_typo)
    phone = c.p.phone[c.who]
    digits = np.where(ptypo, _swap_digit(c.rng, phone), phone)
    no_phone = c.draw(c.noise.no_phone)
    text = pc.if_else(pa.array(no_phone), pa.scalar(None, pa.string()), _phone_strings(digits, fmt))
    c.mark("phone_format", (fmt != 0) & ~no_phone)
    c.mark("phone_typo", ptypo & ~no_phone)
    c.mark("no_phone", no_phone)
    return text


def _street_address(c: _Changes, fold: Array, upper_all: Array) -> tuple[pa.Array, Array]:
    """The street address (street type spelled out or abbreviated), or none; and which none."""
    rng, n, who = c.rng, c.n, c.who
    abbr = c.draw(c.noise.street_abbreviation)
    no_addr = c.draw(c.noise.no_address)
    tidx = c.p.street_type[who]
    ttext = pa.array(_STREET_TYPE_BANK).take(pa.array((tidx * 2 + fold) * 2 + upper_all))
    abbr_bank = _STREET_ABBR_BANK + [banks.fold(a) for a in _STREET_ABBR_BANK]
    atext = pa.array(abbr_bank).take(
        pa.array(tidx * 3 + rng.integers(0, 3, n) + fold * len(_STREET_ABBR_BANK))
    )
    atext = pc.if_else(pa.array(upper_all), pc.utf8_upper(atext), atext)
    stype = pc.if_else(pa.array(abbr), atext, ttext)
    sname = pa.array(_STREET_NAME_BANK).take(
        pa.array((c.p.street_name[who] * 2 + fold) * 2 + upper_all)
    )
    number = pc.cast(pa.array(c.p.street_no[who]), pa.string())
    comma = pc.if_else(pa.array(rng.random(n) < 0.2), pa.scalar(", "), pa.scalar(" "))
    address = pc.binary_join_element_wise(number, comma, stype, pa.scalar(" "), sname, "")
    address = pc.if_else(pa.array(no_addr), pa.scalar(None, pa.string()), address)
    c.mark("street_abbreviation", abbr & ~no_addr)
    c.mark("no_address", no_addr)
    return address, no_addr


def _postcode_and_city(
    c: _Changes, no_addr: Array, fold: Array, upper_all: Array
) -> tuple[pa.Array, pa.Array]:
    """Postcode (with a typo) and city (or a variant of its name); none without address."""
    pcode_idx = c.p.postcode[c.who]
    codes = np.array([int(code) for _, code in POSTCODES])[pcode_idx]
    ctypo = c.draw(c.noise.postcode_typo)
    codes = np.where(ctypo, _swap_digit(c.rng, codes) % 100_000, codes)
    postcode = pc.if_else(pa.array(no_addr), pa.scalar(None, pa.string()), zero_padded(codes, 5))
    c.mark("postcode_typo", ctypo & ~no_addr)
    cvar = c.draw(c.noise.city_variant)
    cform = np.where(cvar, 1 + c.rng.integers(0, 2, c.n), 0)
    city_idx = np.array([ci for ci, _ in POSTCODES])[pcode_idx]
    ci = ((city_idx * 3 + cform) * 2 + fold) * 2 + upper_all
    c.mark("city_variant", cvar & ~no_addr)
    city = pc.if_else(
        pa.array(no_addr),
        pa.scalar(None, pa.string()),
        dictionary(ci, _CITY_BANK).cast(pa.string()),
    )
    return postcode, city


def _birth_date(c: _Changes) -> pa.Array:
    """The birth date, with day and month swapped (when possible), or missing."""
    birth = c.p.birth[c.who].astype("datetime64[D]")
    months = birth.astype("datetime64[M]")
    dom = (birth - months).astype(np.int64) + 1
    moy = months.astype(np.int64) % 12 + 1
    swapped_date = (birth.astype("datetime64[Y]").astype("datetime64[M]") + (dom - 1)).astype(
        "datetime64[D]"
    ) + (moy - 1)
    swap = c.draw(c.noise.birth_date_swapped) & (dom <= 12) & (dom != moy)
    no_birth = c.draw(c.noise.no_birth_date)
    birth = np.where(swap, swapped_date, birth)
    c.mark("birth_date_swapped", swap & ~no_birth)
    c.mark("no_birth_date", no_birth)
    return pa.array(birth.astype("datetime64[D]"), mask=no_birth)


def source_ids(
    rng: np.random.Generator, n: int, prefix: str, width: int, multiplier: int
) -> pa.Array:
    """``n`` distinct ids ``prefix + digits``, in an order unrelated to the persons'."""
    rank = rng.permutation(n).astype(np.int64)
    modulus = 10**width
    value = (rank * multiplier + rng.integers(0, modulus)) % modulus
    return ascii_column(value, width, (prefix,))
