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
    """Columns of journey events, appended block by block."""

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
            )
        )

    def columns(self) -> tuple[Array, ...]:
        cols = tuple(np.concatenate([b[i] for b in self.blocks]) for i in range(6))
        inside = (cols[1] >= 0) & (cols[1] < DAYS * DAY)
        return tuple(c[inside] for c in cols)


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


def draw_activity(
    rng: np.random.Generator, p: Persons, calls: Calls, cum_purchase: Array, cum_flat: Array
) -> Activity:
    end = np.minimum(p.churn, DAYS)
    incident = day_index(DELIVERY_INCIDENT_START)
    release = day_index(APP_RELEASE)
    log = EventLog()
    sv = SurveyLog([], [], [], [], [], [], [], [])

    # purchases
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
    tx = {
        "person": [person],
        "sec": [sec],
        "kind": [kind],
        "amount": [amount],
        "margin": [margin],
        "refund": [np.zeros(day.size, bool)],
    }

    def refund(idx: Array, at: Array, share: Array | float) -> None:
        tx["person"].append(person[idx])
        tx["sec"].append(at)
        tx["kind"].append(kind[idx])
        tx["amount"].append(-np.round(amount[idx] * share, 2))
        tx["margin"].append(-np.round(margin[idx] * share, 2))
        tx["refund"].append(np.ones(idx.size, bool))

    # pre-purchase visits (consideration)
    for k, tp, visited in ((_WEB, "website", 0.8), (_CC, "website", 0.8), (_APP, "app", 0.5)):
        idx = np.flatnonzero((kind == k) & (rng.random(kind.size) < visited))
        ahead = rng.integers(0, 3 * DAY, idx.size) + 600
        log.add(person[idx], sec[idx] - ahead, tp, "visit", ESHOP, 0.08)

    # online orders and home deliveries
    for k, tp in ((_WEB, "website"), (_APP, "app"), (_CC, "website")):
        idx = np.flatnonzero(kind == k)
        log.add(person[idx], sec[idx], tp, "order", ESHOP, 1.2 if k != _APP else 0.9)
    home = np.flatnonzero(kind <= _APP)
    after = day[home] >= incident
    is_web = kind[home] == _WEB
    late_p = np.where(is_web, np.where(after, LATE_RATE_AFTER, LATE_RATE_BEFORE), APP_LATE_RATE)
    lost_p = np.where(is_web, np.where(after, LOST_RATE_AFTER, LOST_RATE_BEFORE), APP_LOST_RATE)
    u = rng.random(home.size)
    lost = u < lost_p
    late = ~lost & (u < lost_p + late_p)
    delay = 1 + rng.poisson(1.2, home.size)
    delay = delay + np.where(
        late, rng.integers(LATE_EXTRA_DAYS[0], LATE_EXTRA_DAYS[1] + 1, home.size), 0
    )
    delivered_sec = (day[home] + delay) * DAY + hours(rng, H_DELIVERY, home.size)
    ok = ~lost
    log.add(
        person[home[ok]],
        delivered_sec[ok],
        "delivery",
        "delivery",
        ESHOP,
        np.where(late[ok], 10.5, 6.5),
    )
    lost_sec = (day[home] + rng.integers(10, 22, home.size)) * DAY + hours(rng, H_CALL, home.size)
    log.add(person[home[lost]], lost_sec[lost], "delivery", "lost_parcel", ESHOP, 25.0)
    refund(home[lost], lost_sec[lost] + rng.integers(1, 4, int(lost.sum())) * DAY, 1.0)
    # survey after delivery (or after the parcel is declared lost)
    survey_at = np.where(lost, lost_sec, delivered_sec)
    cause = np.where(
        lost,
        CAUSE_INDEX["delivery_lost"],
        np.where(late, CAUSE_INDEX["delivery_late"], CAUSE_INDEX["none"]),
    )
    bug_rate = np.where(
        is_web,
        WEBSITE_BUG_RATE,
        np.where(day[home] >= release, APP_BUG_RATE_AFTER, APP_BUG_RATE_BEFORE),
    )
    bug = (cause == CAUSE_INDEX["none"]) & (rng.random(home.size) < bug_rate)
    cause = np.where(bug, np.where(is_web, CAUSE_INDEX["website_bugs"], CAUSE_INDEX["app"]), cause)
    shift = np.where(lost, LOST_SHIFT, np.where(late, LATE_SHIFT, 0.0)) + np.where(
        bug, BUG_SHIFT, 0.0
    )
    for web_flag, survey in ((True, "post_livraison_web"), (False, "post_commande_app")):
        m = is_web == web_flag
        sv.add(
            rng,
            survey,
            person[home[m]],
            survey_at[m],
            (DAY // 4, 3 * DAY),
            ESHOP,
            p.effect,
            shift[m],
            cause[m],
        )

    # returns of delivered orders and of store purchases
    back = home[ok & (rng.random(home.size) < 0.07)]
    ret_sec = delivered_sec[np.searchsorted(home, back)] + rng.integers(2, 26, back.size) * DAY
    log.add(person[back], ret_sec, "returns", "return", ESHOP, 8.0)
    share = np.where(rng.random(back.size) < 0.5, 1.0, rng.uniform(0.3, 0.8, back.size))
    refund(back, ret_sec + rng.integers(2, 13, back.size) * DAY, share)
    sv.add(rng, "post_retour", person[back], ret_sec, (DAY, 4 * DAY), ESHOP, p.effect)
    store_back = np.flatnonzero((kind == _STORE) & (rng.random(kind.size) < 0.05))
    sret_sec = (day[store_back] + rng.integers(1, 21, store_back.size)) * DAY + hours(
        rng, H_STORE, store_back.size
    )
    log.add(person[store_back], sret_sec, "store", "return", CRM, 3.0)
    refund(store_back, sret_sec, 1.0)

    # click & collect pickups
    cc = np.flatnonzero(kind == _CC)
    pick_sec = (day[cc] + rng.integers(1, 4, cc.size)) * DAY + hours(rng, H_STORE, cc.size)
    log.add(person[cc], pick_sec, "click_collect", "pickup", ESHOP, 1.8)
    sv.add(rng, "post_retrait", person[cc], pick_sec, (3600, 2 * DAY), ESHOP, p.effect)

    # store and partner purchases
    st = np.flatnonzero(kind == _STORE)
    log.add(person[st], sec[st], "store", "purchase", CRM, 3.5)
    sv.add(rng, "post_achat_magasin", person[st], sec[st], (3600, 2 * DAY), CRM, p.effect)
    pa_ = np.flatnonzero(kind == _PARTNER)
    log.add(person[pa_], sec[pa_], "partner_reseller", "purchase", CRM, 1.0)
    sv.add(rng, "revendeur", person[pa_], sec[pa_], (DAY, 5 * DAY), CRM, p.effect)

    # product reviews, a month after a purchase
    rv = np.flatnonzero(rng.random(kind.size) < 0.2)
    rv_source = np.asarray(KIND_SOURCE, np.int8)[kind[rv]]
    answered, rv_sec = sv.add(
        rng, "avis_produit", person[rv], sec[rv], (30 * DAY, 46 * DAY), rv_source, p.effect
    )
    log.add(person[rv[answered]], rv_sec - 60, "product", "review", rv_source[answered], 0.05)

    # browsing, e-mails, social media, loyalty, chat
    eshop_start = np.where(p.eshop, np.maximum(p.start, p.eshop_since + 1), DAYS)
    vp, vd = poisson_days(rng, np.where(p.eshop, 2.0 / 365, 0.0), eshop_start, end, cum_purchase)
    on_app = rng.random(vp.size) < 0.3
    vsec = vd * DAY + hours(rng, H_WEB, vp.size)
    log.add(vp[~on_app], vsec[~on_app], "website", "visit", ESHOP, 0.08)
    log.add(vp[on_app], vsec[on_app], "app", "visit", ESHOP, 0.05)
    ep, ed = poisson_days(rng, np.where(p.optin, 1.5 / 365, 0.0), p.start, end, cum_purchase)
    esec = ed * DAY + hours(rng, H_WEB, ep.size)
    log.add(ep, esec, "email", "email_open", CRM, 0.01)
    click = rng.random(ep.size) < 0.3
    log.add(
        ep[click],
        esec[click] + rng.integers(5, 600, int(click.sum())),
        "email",
        "email_click",
        CRM,
        0.02,
    )
    sp, sd = poisson_days(rng, np.where(p.eshop, 0.5 / 365, 0.0), eshop_start, end, cum_purchase)
    log.add(sp, sd * DAY + hours(rng, H_WEB, sp.size), "social_media", "social_click", ESHOP, 0.35)
    lp, ld = poisson_days(rng, np.where(p.loyalty, 1.0 / 365, 0.0), p.start, end, cum_flat)
    lsec = ld * DAY + hours(rng, H_STORE, lp.size)
    log.add(lp, lsec, "loyalty_programme", "loyalty_reward", CRM, 1.5)
    sv.add(rng, "fidelite", lp, lsec, (DAY, 5 * DAY), CRM, p.effect)
    chat_rate = np.where(p.support & p.eshop, 0.8 / 365, 0.0)
    cp, cd = poisson_days(rng, chat_rate, eshop_start, end, cum_flat)
    csec = cd * DAY + hours(rng, H_WEB, cp.size)
    log.add(cp, csec, "chat", "chat", SUPPORT, 2.2)
    sv.add(rng, "post_chat", cp, csec, (60, 3600), SUPPORT, p.effect)

    # calls (already drawn) and their surveys
    log.add(calls.person, calls.sec, "call_centre", "call", SUPPORT, np.where(calls.bad, 9.0, 5.0))
    cause = np.where(calls.bad, CAUSE_INDEX["call"], CAUSE_INDEX["none"]).astype(np.int8)
    sv.add(
        rng, "post_appel", calls.person, calls.sec, (120, 6 * 3600), SUPPORT, p.effect,
        cause=cause, z=calls.z, nps=calls.nps, ces=calls.ces,
    )  # fmt: skip

    return Activity(
        tx_person=np.concatenate(tx["person"]),
        tx_sec=np.concatenate(tx["sec"]),
        tx_kind=np.concatenate(tx["kind"]),
        tx_amount=np.concatenate(tx["amount"]),
        tx_margin=np.concatenate(tx["margin"]),
        tx_refund=np.concatenate(tx["refund"]),
        log=log,
        survey=sv,
    )
