from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerbatimsConfig(AppConfig):
    name = "cxpilot.verbatims"
    label = "verbatims"
    verbose_name = _("Verbatim analytics")

    def ready(self) -> None:
        from cxpilot.warehouse.inbox import records_flushed

        records_flushed.connect(_analyse, dispatch_uid="text-analyse-verbatims")


def _analyse(sender: str, records: list[dict[str, Any]], **kwargs: Any) -> None:
    """Answers collected live get their language, themes and sentiment as they land."""
    if sender == "responses":
        from cxpilot.verbatims.services import verbatims_analyse_records

        verbatims_analyse_records(records=records)
