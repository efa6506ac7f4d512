"""API tokens are not managed in the Django admin.

django-rest-knox registers its ``AuthToken`` there, where tokens could be made and deleted
without an audit event (and listed by digest). The API page (``api/docs/``, for administrators
also ``api/tokens/``) is the one audited way to create and revoke them.
"""

from __future__ import annotations

from django.contrib import admin
from knox.models import AuthToken

if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)
