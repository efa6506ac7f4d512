from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "kitaplan.web.api"
    label = "api"

    def ready(self) -> None:
        from django.db.models.signals import post_save
        from knox.models import AuthToken

        from kitaplan.web.api import schema  # noqa: F401 - registers the OpenAPI extension
        from kitaplan.web.api.tokens import give_every_token_a_label

        # Tokens made elsewhere (knox's own views, the shell, tests) get their number as well,
        # so that every token can be listed and revoked on the API page.
        post_save.connect(give_every_token_a_label, sender=AuthToken, dispatch_uid="api-label")

        from kitaplan.web.core.access import is_staff_user
        from kitaplan.web.core.navigation import NavEntry, register

        register(NavEntry("api-docs", _("API"), 130, visible=is_staff_user))
