from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VocConfig(AppConfig):
    name = "cxpilot.voc"
    label = "voc"
    verbose_name = _("Voice of the customer")
