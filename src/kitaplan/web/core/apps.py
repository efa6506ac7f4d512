from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kitaplan.web.core"
    label = "core"

    def ready(self) -> None:
        from django.core import checks

        from kitaplan.web.core.checks import check_demo_secret_key

        checks.register(check_demo_secret_key, checks.Tags.security)

        from kitaplan.web.core import routers
        from kitaplan.web.core.health import register_check

        if routers.replica_configured():
            register_check("replica", routers.replica_reachable)
