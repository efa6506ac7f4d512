from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChildmindingConfig(AppConfig):
    name = "kitaplan.web.childminding"
    label = "childminding"
    verbose_name = _("Childminding")
