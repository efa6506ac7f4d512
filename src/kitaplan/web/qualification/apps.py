from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationConfig(AppConfig):
    name = "kitaplan.web.qualification"
    label = "qualification"
    verbose_name = _("Qualification and training")
