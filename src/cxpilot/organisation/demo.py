"""The demo company's organisation: Maison Lumière's departments, journey, touchpoints,
segments and brand promises (``data/demo.yaml``)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from cxpilot.organisation.services import org_load


def demo_organisation() -> dict[str, Any]:
    """The demo company's organisation, as the mapping ``org_load`` takes."""
    text = resources.files("cxpilot.organisation").joinpath("data/demo.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def demo_load(*, seed: int, period_end: Any = None) -> dict[str, Any]:
    """Load (or refresh) the demo organisation; the seed does not change it."""
    return org_load(data=demo_organisation(), source="demo organisation")
