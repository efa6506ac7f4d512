"""The Django system check that keeps the demo's secret key off a reachable installation
(``kitaplan.E001``). The consistency checks of the data (``kitaplan check``) are
``facilities.checks``."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

#: Host names that only this machine (or Django's test client) uses.
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "testserver"})


def check_demo_secret_key(
    app_configs: object = None, **kwargs: object
) -> list[checks.CheckMessage]:
    """With DEBUG off, the demo's secret key is an error once the app answers beyond loopback.

    "Beyond loopback" means ALLOWED_HOSTS names any host other than ``LOCAL_HOSTS`` (``*``
    included). So the demo (``kitaplan demo --serve`` on 127.0.0.1) and the tests, which keep
    the default ALLOWED_HOSTS, work with the demo's key, while a server that accepts requests
    for its real name refuses to start (``migrate``, ``check``, ``runserver`` run system checks).
    Registered in ``CoreConfig.ready``; runs without ``--deploy`` too.
    """
    if settings.DEBUG or settings.SECRET_KEY != settings.DEMO_SECRET_KEY:
        return []
    beyond = [host for host in settings.ALLOWED_HOSTS if host.lower() not in LOCAL_HOSTS]
    if not beyond:
        return []
    return [
        checks.Error(
            _(
                "The demo's secret key is in use while ALLOWED_HOSTS accepts %(hosts)s: anyone "
                "who knows the key can forge sessions and signed links."
            )
            % {"hosts": ", ".join(beyond)},
            hint=_(
                "Set SECRET_KEY to a long random value of your own "
                "(docs/operations.md, Production settings)."
            ),
            id="kitaplan.E001",
        )
    ]
