from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "kitaplan.web.jobs"
    label = "jobs"

    def ready(self) -> None:
        from django.conf import settings

        from kitaplan.web.core.health import register_check
        from kitaplan.web.jobs.worker import worker_alive

        register_check("worker", worker_alive)
        if settings.KITAPLAN_JOB_TEST_KINDS:
            from kitaplan.web.jobs.testkinds import register_test_kinds

            register_test_kinds()
