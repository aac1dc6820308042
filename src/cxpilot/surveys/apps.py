from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "cxpilot.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from cxpilot.organisation.models import Touchpoint
        from cxpilot.surveys.models import Question, Survey
        from cxpilot.surveys.services import forget_shapes

        # the shapes of the surveys kept in memory follow a change made in this process
        for model in (Question, Touchpoint):
            post_save.connect(forget_shapes, sender=model, dispatch_uid=f"shapes-{model}")
            post_delete.connect(forget_shapes, sender=model, dispatch_uid=f"shapes-d-{model}")
        m2m_changed.connect(
            forget_shapes, sender=Survey.touchpoints.through, dispatch_uid="shapes-m2m"
        )
