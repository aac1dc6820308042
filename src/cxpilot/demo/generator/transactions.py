"""The transactions table: purchases and refunds, in time order."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from cxpilot.demo.generator.activity import KIND_CHANNEL, KIND_SOURCE, Activity
from cxpilot.demo.generator.arrays import ascii_column, dictionary, timestamps
from cxpilot.demo.generator.calendar import time_order
from cxpilot.demo.generator.customers import Directory, id_column, reference_positions
from cxpilot.demo.generator.parameters import CRM, DAY, DAYS, SOURCES
from cxpilot.demo.generator.persons import Persons


def transactions_table(
    rng: np.random.Generator, p: Persons, act: Activity, d: Directory
) -> pa.Table:
    inside = (act.tx_sec >= 0) & (act.tx_sec < DAYS * DAY)
    person, sec, kind = act.tx_person[inside], act.tx_sec[inside], act.tx_kind[inside]
    amount, margin, refund = act.tx_amount[inside], act.tx_margin[inside], act.tx_refund[inside]
    order = time_order(sec)
    person, sec, kind, amount, margin, refund = (
        c[order] for c in (person, sec, kind, amount, margin, refund)
    )
    source = np.asarray(KIND_SOURCE, np.int8)[kind]
    pos = reference_positions(rng, p, d, person, sec, source)
    # ids: till receipts (TCK) in the CRM, order numbers (CMD) in the e-shop; refunds are
    # credit notes (AVT) in the CRM and reimbursements (RMB) in the e-shop
    prefix = np.where(refund, np.where(source == CRM, 2, 3), np.where(source == CRM, 0, 1))
    channels = sorted(set(KIND_CHANNEL))
    return pa.table(
        {
            "transaction_id": ascii_column(
                np.arange(person.size) + 1, 10, ("TCK", "CMD", "AVT", "RMB"), prefix
            ),
            "customer_id": id_column(d, pos),
            "timestamp": timestamps(sec),
            "amount": pa.array(amount),
            "source": dictionary(source, SOURCES),
            "margin": pa.array(margin),
            "channel": dictionary(
                np.array([channels.index(c) for c in KIND_CHANNEL])[kind], channels
            ),
        }
    )
