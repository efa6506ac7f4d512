"""WSGI entry point for production servers.

WSGI servers (gunicorn, uWSGI …) run no system checks, so the one check that must stop a server
runs here: the demo's published secret key while the app answers for a real host name
(``kitaplan.E001``, :func:`kitaplan.web.core.checks.check_demo_secret_key`).
"""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kitaplan.web.settings")
application = get_wsgi_application()

from kitaplan.web.core.checks import check_demo_secret_key  # noqa: E402 - needs the apps loaded

_refused = check_demo_secret_key()
if _refused:
    raise ImproperlyConfigured(f"{_refused[0].msg} {_refused[0].hint}")
