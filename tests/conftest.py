"""Settings shared by every test: a fast password hasher and a scratch data directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LANGUAGE_CODE = "de"
    # django-axes needs the request in authenticate(); the test client's login() has none.
    # The lockout tests switch it on again (tests/web/core/test_login_security.py).
    settings.AXES_ENABLED = False
    # Background jobs run at once in the caller, through the same wrapper as the worker's
    # (tests/web/jobs/test_worker.py runs them once through a real worker on PostgreSQL).
    settings.KITAPLAN_JOBS_EAGER = True
