from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cxpilot.core"
    label = "core"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from cxpilot.core import roles

        post_migrate.connect(roles.on_post_migrate, sender=self)
