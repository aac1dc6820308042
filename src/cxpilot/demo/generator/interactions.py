"""The interactions table: journey events, in time order."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxpilot.demo.generator.activity import Activity
from cxpilot.demo.generator.arrays import ascii_column, dictionary, timestamps
from cxpilot.demo.generator.calendar import time_order
from cxpilot.demo.generator.customers import Directory, id_column, reference_positions
from cxpilot.demo.generator.parameters import (
    EVENT_TYPES,
    SOURCES,
    TOUCHPOINT_CHANNELS,
    TOUCHPOINTS,
)
from cxpilot.demo.generator.persons import Persons


def interactions_table(
    rng: np.random.Generator, p: Persons, act: Activity, d: Directory
) -> pa.Table:
    person, sec, tp, kind, source, cost, journey = act.log.columns()
    order = time_order(sec)
    person, sec, tp, kind, source, cost, journey = (
        c[order] for c in (person, sec, tp, kind, source, cost, journey)
    )
    pos = reference_positions(rng, p, d, person, sec, source)
    channels = sorted(set(TOUCHPOINT_CHANNELS.values()))
    tp_channel = np.array([channels.index(TOUCHPOINT_CHANNELS[t]) for t in TOUCHPOINTS])
    return pa.table(
        {
            "event_id": ascii_column(
                np.arange(person.size) + 1, 10, ("CRM-EV", "WEB-EV", "SAV-EV"), source
            ),
            "customer_id": id_column(d, pos),
            "touchpoint": dictionary(tp, TOUCHPOINTS),
            "timestamp": timestamps(sec),
            "source": dictionary(source, SOURCES),
            "channel": dictionary(tp_channel[tp], channels),
            "type": dictionary(kind, EVENT_TYPES),
            "cost": pa.array(cost),
            "attributes": journey_attributes(journey),
        }
    )


def journey_attributes(journey: np.ndarray) -> pa.Array:
    """``{"journey_id": "J000000042"}`` for the events of a purchase journey (the purchase's
    index, from 1), null for the others: what ``cxpilot journeys … --case journey`` reads."""
    ids = ascii_column(np.maximum(journey, 0) + 1, 10, ('{"journey_id": "J',), 0, ('"}',), 0)
    return pc.if_else(pa.array(journey >= 0), ids, pa.nulls(journey.size, ids.type))
