"""Purchases, the journey events around them and the surveys they trigger."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxpilot.demo.generator.arrays import Array, draw_rows
from cxpilot.demo.generator.calendar import H_CALL, H_DELIVERY, H_STORE, H_WEB, hours, poisson_days
from cxpilot.demo.generator.calls import Calls
from cxpilot.demo.generator.parameters import (
    APP_BUG_RATE_AFTER,
    APP_BUG_RATE_BEFORE,
    APP_LATE_RATE,
    APP_LOST_RATE,
    APP_RELEASE,
    BUG_SHIFT,
    CAUSE_INDEX,
    CRM,
    DAY,
    DAYS,
    DELIVERY_INCIDENT_START,
    ESHOP,
    EVENT_INDEX,
    LATE_EXTRA_DAYS,
    LATE_RATE_AFTER,
    LATE_RATE_BEFORE,
    LATE_SHIFT,
    LOST_RATE_AFTER,
    LOST_RATE_BEFORE,
    LOST_SHIFT,
    SEGMENTS,
    START_D,
    SUPPORT,
    TOUCHPOINT_INDEX,
    WEBSITE_BUG_RATE,
    day_index,
)
from cxpilot.demo.generator.persons import Persons
from cxpilot.demo.generator.surveys import SurveyLog


class EventLog:
    """Columns of journey events, appended block by block. ``journey`` is the index of the
    purchase an event belongs to (the visit before an online order, the order, its delivery,
    pickup or return), −1 for an event of no purchase (browsing, e-mails, calls…)."""

    def __init__(self) -> None:
        self.blocks: list[tuple[Array, ...]] = []

    def add(
        self,
        person: Array,
        sec: Array,
        tp: str,
        kind: str,
        source: Array | int,
        cost: Array | float,
        journey: Array | None = None,
    ) -> None:
        n = person.size
        src = np.broadcast_to(np.asarray(source, dtype=np.int8), (n,))
        self.blocks.append(
            (
                person.astype(np.int32),
                sec.astype(np.int32),
                np.full(n, TOUCHPOINT_INDEX[tp], np.int8),
                np.full(n, EVENT_INDEX[kind], np.int8),
                src,
                np.broadcast_to(np.asarray(cost, dtype=np.float64), (n,)),
                np.full(n, -1, np.int64) if journey is None else journey.astype(np.int64),
            )
        )

    def columns(self) -> tuple[Array, ...]:
        cols = tuple(np.concatenate([b[i] for b in self.blocks]) for i in range(7))
        inside = (cols[1] >= 0) & (cols[1] < DAYS * DAY)
        return tuple(c[inside] for c in cols)


# purchase kinds
_WEB, _APP, _CC, _STORE, _PARTNER = 0, 1, 2, 3, 4
KIND_CHANNEL = ("web", "app", "web", "store", "partner")
KIND_SOURCE = (ESHOP, ESHOP, ESHOP, CRM, CRM)
_KIND_FACTOR = np.array([1.1, 0.9, 1.0, 1.0, 1.3])


@dataclass
class Activity:
    tx_person: Array
    tx_sec: Array
    tx_kind: Array
    tx_amount: Array
    tx_margin: Array
    tx_refund: Array
    log: EventLog
    survey: SurveyLog


@dataclass
class _Purchases:
    """One row per purchase, persons in order."""

    person: Array
    day: Array
    kind: Array  # _WEB, _APP, _CC, _STORE or _PARTNER
    sec: Array
    amount: Array
    margin: Array


@dataclass
class _Deliveries:
    """Home deliveries (web and app orders): indices into the purchases and their fate."""

    home: Array
    is_web: Array
    late: Array
    lost: Array
    delivered_sec: Array
    lost_sec: Array


def draw_activity(
    rng: np.random.Generator, p: Persons, calls: Calls, cum_purchase: Array, cum_flat: Array
) -> Activity:
    """Purchases and refunds, the journey events and the answered surveys of every person."""
    end = np.minimum(p.churn, DAYS)
    journeys = _Journeys(rng, p, _draw_purchases(rng, p, end, cum_purchase))
    journeys.visits_before_purchase()
    deliveries = journeys.home_deliveries()
    journeys.delivery_surveys(deliveries)
    journeys.returns(deliveries)
    journeys.pickups_and_shop_purchases()
    journeys.product_reviews()
    journeys.contacts(end, cum_purchase, cum_flat)
    journeys.calls(calls)
    return journeys.activity()


def _draw_purchases(
    rng: np.random.Generator, p: Persons, end: Array, cum_purchase: Array
) -> _Purchases:
    person, day = poisson_days(rng, p.purchase_rate, p.start, end, cum_purchase)
    web_ok = p.eshop[person] & (day >= p.eshop_since[person])
    cdfs = np.cumsum(np.array([[0.36, 0.16, 0.10, 0.33, 0.05], [0, 0, 0, 0.85, 0.15]]), axis=1)
    kind = draw_rows(rng, cdfs, np.where(web_ok, 0, 1))
    online = kind <= _CC
    sec = day * DAY + np.where(online, hours(rng, H_WEB, day.size), hours(rng, H_STORE, day.size))
    seg = p.segment[person]
    median = np.array([s.basket_median for s in SEGMENTS])[seg] * _KIND_FACTOR[kind]
    month = (START_D + day).astype("datetime64[M]").astype(np.int64) % 12 + 1
    median = median * np.where(month == 12, 1.15, 1.0)
    amount = np.round(median * rng.lognormal(0.0, 0.75, day.size), 2)
    amount = np.maximum(amount, 2.5)
    rate = np.array([s.margin_rate for s in SEGMENTS])[seg] + rng.normal(0, 0.05, day.size)
    rate = np.clip(rate - np.where(kind == _PARTNER, 0.08, 0.0), 0.05, 0.6)
    margin = np.round(amount * rate, 2)
    return _Purchases(person, day, kind, sec, amount, margin)


class _Journeys:
    """The events, surveys and transactions around the purchases, drawn step by step.

    The steps must run in the order of :func:`draw_activity`: each draws from the one stream.
    """

    def __init__(self, rng: np.random.Generator, p: Persons, purchases: _Purchases) -> None:
        self.rng = rng
        self.p = p
        self.b = purchases
        self.log = EventLog()
        self.sv = SurveyLog([], [], [], [], [], [], [], [])
        b = purchases
        self.tx: list[tuple[Array, ...]] = [
            (b.person, b.sec, b.kind, b.amount, b.margin, np.zeros(b.day.size, bool))
        ]

    def refund(self, idx: Array, at: Array, share: Array | float) -> None:
        """Refund ``share`` of the purchases ``idx`` at ``at`` (seconds)."""
        b = self.b
        self.tx.append(
            (
                b.person[idx],
                at,
                b.kind[idx],
                -np.round(b.amount[idx] * share, 2),
                -np.round(b.margin[idx] * share, 2),
                np.ones(idx.size, bool),
            )
        )

    def visits_before_purchase(self) -> None:
        """Visits of the website or app in the days before an online order (consideration)."""
        rng, b = self.rng, self.b
        for k, tp, visited in ((_WEB, "website", 0.8), (_CC, "website", 0.8), (_APP, "app", 0.5)):
            idx = np.flatnonzero((b.kind == k) & (rng.random(b.kind.size) < visited))
            ahead = rng.integers(0, 3 * DAY, idx.size) + 600
            self.log.add(b.person[idx], b.sec[idx] - ahead, tp, "visit", ESHOP, 0.08, idx)

    def home_deliveries(self) -> _Deliveries:
        """Online orders, then the home deliveries: late or lost ones (planted truth (a))."""
        rng, b, log = self.rng, self.b, self.log
        for k, tp in ((_WEB, "website"), (_APP, "app"), (_CC, "website")):
            idx = np.flatnonzero(b.kind == k)
            log.add(b.person[idx], b.sec[idx], tp, "order", ESHOP, 1.2 if k != _APP else 0.9, idx)
        home = np.flatnonzero(b.kind <= _APP)
        after = b.day[home] >= day_index(DELIVERY_INCIDENT_START)
        is_web = b.kind[home] == _WEB
        late_p = np.where(is_web, np.where(after, LATE_RATE_AFTER, LATE_RATE_BEFORE), APP_LATE_RATE)
        lost_p = np.where(is_web, np.where(after, LOST_RATE_AFTER, LOST_RATE_BEFORE), APP_LOST_RATE)
        u = rng.random(home.size)
        lost = u < lost_p
        late = ~lost & (u < lost_p + late_p)
        delay = 1 + rng.poisson(1.2, home.size)
        delay = delay + np.where(
            late, rng.integers(LATE_EXTRA_DAYS[0], LATE_EXTRA_DAYS[1] + 1, home.size), 0
        )
        delivered_sec = (b.day[home] + delay) * DAY + hours(rng, H_DELIVERY, home.size)
        ok = ~lost
        log.add(
            b.person[home[ok]],
            delivered_sec[ok],
            "delivery",
            "delivery",
            ESHOP,
            np.where(late[ok], 10.5, 6.5),
            home[ok],
        )
        lost_sec = (b.day[home] + rng.integers(10, 22, home.size)) * DAY + hours(
            rng, H_CALL, home.size
        )
        log.add(
            b.person[home[lost]], lost_sec[lost], "delivery", "lost_parcel", ESHOP, 25.0, home[lost]
        )
        self.refund(home[lost], lost_sec[lost] + rng.integers(1, 4, int(lost.sum())) * DAY, 1.0)
        return _Deliveries(home, is_web, late, lost, delivered_sec, lost_sec)

    def delivery_surveys(self, d: _Deliveries) -> None:
        """Surveys after a delivery (or after the parcel is declared lost), with the cause of
        a bad experience: the delivery, or a bug of the website or of the app (truth (e))."""
        rng, b = self.rng, self.b
        survey_at = np.where(d.lost, d.lost_sec, d.delivered_sec)
        cause = np.where(
            d.lost,
            CAUSE_INDEX["delivery_lost"],
            np.where(d.late, CAUSE_INDEX["delivery_late"], CAUSE_INDEX["none"]),
        )
        bug_rate = np.where(
            d.is_web,
            WEBSITE_BUG_RATE,
            np.where(
                b.day[d.home] >= day_index(APP_RELEASE), APP_BUG_RATE_AFTER, APP_BUG_RATE_BEFORE
            ),
        )
        bug = (cause == CAUSE_INDEX["none"]) & (rng.random(d.home.size) < bug_rate)
        cause = np.where(
            bug, np.where(d.is_web, CAUSE_INDEX["website_bugs"], CAUSE_INDEX["app"]), cause
        )
        shift = np.where(d.lost, LOST_SHIFT, np.where(d.late, LATE_SHIFT, 0.0)) + np.where(
            bug, BUG_SHIFT, 0.0
        )
        for web_flag, survey in ((True, "post_livraison_web"), (False, "post_commande_app")):
            m = d.is_web == web_flag
            self.sv.add(
                rng,
                survey,
                b.person[d.home[m]],
                survey_at[m],
                (DAY // 4, 3 * DAY),
                ESHOP,
                self.p.effect,
                shift[m],
                cause[m],
            )

    def returns(self, d: _Deliveries) -> None:
        """Returns of delivered orders (with a survey) and of store purchases, refunded."""
        rng, b, log, sv = self.rng, self.b, self.log, self.sv
        back = d.home[~d.lost & (rng.random(d.home.size) < 0.07)]
        ret_sec = (
            d.delivered_sec[np.searchsorted(d.home, back)] + rng.integers(2, 26, back.size) * DAY
        )
        log.add(b.person[back], ret_sec, "returns", "return", ESHOP, 8.0, back)
        share = np.where(rng.random(back.size) < 0.5, 1.0, rng.uniform(0.3, 0.8, back.size))
        self.refund(back, ret_sec + rng.integers(2, 13, back.size) * DAY, share)
        sv.add(rng, "post_retour", b.person[back], ret_sec, (DAY, 4 * DAY), ESHOP, self.p.effect)
        store_back = np.flatnonzero((b.kind == _STORE) & (rng.random(b.kind.size) < 0.05))
        sret_sec = (b.day[store_back] + rng.integers(1, 21, store_back.size)) * DAY + hours(
            rng, H_STORE, store_back.size
        )
        log.add(b.person[store_back], sret_sec, "store", "return", CRM, 3.0, store_back)
        self.refund(store_back, sret_sec, 1.0)

    def pickups_and_shop_purchases(self) -> None:
        """Click & collect pickups, store and partner purchases, and their surveys."""
        rng, b, log, sv, effect = self.rng, self.b, self.log, self.sv, self.p.effect
        cc = np.flatnonzero(b.kind == _CC)
        pick_sec = (b.day[cc] + rng.integers(1, 4, cc.size)) * DAY + hours(rng, H_STORE, cc.size)
        log.add(b.person[cc], pick_sec, "click_collect", "pickup", ESHOP, 1.8, cc)
        sv.add(rng, "post_retrait", b.person[cc], pick_sec, (3600, 2 * DAY), ESHOP, effect)
        st = np.flatnonzero(b.kind == _STORE)
        log.add(b.person[st], b.sec[st], "store", "purchase", CRM, 3.5, st)
        sv.add(rng, "post_achat_magasin", b.person[st], b.sec[st], (3600, 2 * DAY), CRM, effect)
        pa_ = np.flatnonzero(b.kind == _PARTNER)
        log.add(b.person[pa_], b.sec[pa_], "partner_reseller", "purchase", CRM, 1.0, pa_)
        sv.add(rng, "revendeur", b.person[pa_], b.sec[pa_], (DAY, 5 * DAY), CRM, effect)

    def product_reviews(self) -> None:
        """Product reviews, a month after a purchase."""
        rng, b = self.rng, self.b
        rv = np.flatnonzero(rng.random(b.kind.size) < 0.2)
        rv_source = np.asarray(KIND_SOURCE, np.int8)[b.kind[rv]]
        answered, rv_sec = self.sv.add(
            rng,
            "avis_produit",
            b.person[rv],
            b.sec[rv],
            (30 * DAY, 46 * DAY),
            rv_source,
            self.p.effect,
        )
        self.log.add(
            b.person[rv[answered]],
            rv_sec - 60,
            "product",
            "review",
            rv_source[answered],
            0.05,
            rv[answered],
        )

    def contacts(self, end: Array, cum_purchase: Array, cum_flat: Array) -> None:
        """Browsing, e-mails, social media, loyalty rewards and chats."""
        rng, p, log, sv = self.rng, self.p, self.log, self.sv
        eshop_start = np.where(p.eshop, np.maximum(p.start, p.eshop_since + 1), DAYS)
        vp, vd = poisson_days(
            rng, np.where(p.eshop, 2.0 / 365, 0.0), eshop_start, end, cum_purchase
        )
        on_app = rng.random(vp.size) < 0.3
        vsec = vd * DAY + hours(rng, H_WEB, vp.size)
        log.add(vp[~on_app], vsec[~on_app], "website", "visit", ESHOP, 0.08)
        log.add(vp[on_app], vsec[on_app], "app", "visit", ESHOP, 0.05)
        ep, ed = poisson_days(rng, np.where(p.optin, 1.5 / 365, 0.0), p.start, end, cum_purchase)
        esec = ed * DAY + hours(rng, H_WEB, ep.size)
        log.add(ep, esec, "email", "email_open", CRM, 0.01)
        click = rng.random(ep.size) < 0.3
        click_sec = esec[click] + rng.integers(5, 600, int(click.sum()))
        log.add(ep[click], click_sec, "email", "email_click", CRM, 0.02)
        sp, sd = poisson_days(
            rng, np.where(p.eshop, 0.5 / 365, 0.0), eshop_start, end, cum_purchase
        )
        ssec = sd * DAY + hours(rng, H_WEB, sp.size)
        log.add(sp, ssec, "social_media", "social_click", ESHOP, 0.35)
        lp, ld = poisson_days(rng, np.where(p.loyalty, 1.0 / 365, 0.0), p.start, end, cum_flat)
        lsec = ld * DAY + hours(rng, H_STORE, lp.size)
        log.add(lp, lsec, "loyalty_programme", "loyalty_reward", CRM, 1.5)
        sv.add(rng, "fidelite", lp, lsec, (DAY, 5 * DAY), CRM, p.effect)
        chat_rate = np.where(p.support & p.eshop, 0.8 / 365, 0.0)
        cp, cd = poisson_days(rng, chat_rate, eshop_start, end, cum_flat)
        csec = cd * DAY + hours(rng, H_WEB, cp.size)
        log.add(cp, csec, "chat", "chat", SUPPORT, 2.2)
        sv.add(rng, "post_chat", cp, csec, (60, 3600), SUPPORT, p.effect)

    def calls(self, calls: Calls) -> None:
        """The calls (already drawn) and their surveys, which reuse the calls' scores."""
        cost = np.where(calls.bad, 9.0, 5.0)
        self.log.add(calls.person, calls.sec, "call_centre", "call", SUPPORT, cost)
        cause = np.where(calls.bad, CAUSE_INDEX["call"], CAUSE_INDEX["none"]).astype(np.int8)
        self.sv.add(
            self.rng, "post_appel", calls.person, calls.sec, (120, 6 * 3600), SUPPORT,
            self.p.effect, cause=cause, z=calls.z, nps=calls.nps, ces=calls.ces,
        )  # fmt: skip

    def activity(self) -> Activity:
        person, sec, kind, amount, margin, refund = (
            np.concatenate([block[i] for block in self.tx]) for i in range(6)
        )
        return Activity(person, sec, kind, amount, margin, refund, self.log, self.sv)
