"""The default catalogue of CX activities (``data/activities.yaml``), read once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

PATH = Path(__file__).parent / "data" / "activities.yaml"


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    with PATH.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def close_loop_name(touchpoint: str, language: str) -> str:
    """“Closing the loop on <touchpoint>” in ``language`` (French, else English)."""
    template: str = load()["close_loop"]["fr" if language == "fr" else "en"]
    return template.format(touchpoint=touchpoint)
