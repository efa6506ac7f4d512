from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubstitutesConfig(AppConfig):
    name = "kitaplan.web.substitutes"
    label = "substitutes"
    verbose_name = _("Substitute care")
