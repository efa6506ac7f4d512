from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "kitaplan.web.payments"
    label = "payments"
    verbose_name = _("Childminder payments")

    def ready(self) -> None:
        from kitaplan.web.core.navigation import NavEntry, register
        from kitaplan.web.payments import erasure
        from kitaplan.web.payments.jobs import register_payment_jobs
        from kitaplan.web.payments.selectors import can_use_payments

        erasure.connect()
        register_payment_jobs()

        register(NavEntry("payments:overview", _("Payments"), 100, visible=can_use_payments))
