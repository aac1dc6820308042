from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoopConfig(AppConfig):
    name = "cxpilot.loop"
    label = "loop"
    verbose_name = _("Closing the loop")

    def ready(self) -> None:
        from cxpilot.warehouse.inbox import records_flushed

        records_flushed.connect(_open_cases, dispatch_uid="loop-open-cases")


def _open_cases(sender: str, records: list[dict[str, Any]], **kwargs: Any) -> None:
    """Answers collected live (hosted page, widget, API) open their follow-up cases."""
    if sender == "responses":
        from cxpilot.loop.services import cases_open

        cases_open(records=records)
