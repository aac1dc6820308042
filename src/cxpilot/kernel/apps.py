from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KernelConfig(AppConfig):
    name = "cxpilot.kernel"
    label = "kernel"
    verbose_name = _("CX Pilot")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cxpilot.kernel import roles

        post_migrate.connect(roles.on_post_migrate, sender=self)
