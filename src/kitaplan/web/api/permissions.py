"""Who may call which endpoint: thin DRF wrappers around :mod:`kitaplan.web.core.access`.

The permission classes only decide whether a user may use an endpoint at all; which rows the
user then sees is decided by the querysets (``access.facilities_visible_to``), never here.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from kitaplan.web.core import access
from kitaplan.web.core.access import AnyUser


class _AccessPredicate(BasePermission):
    """Authenticated, and the ``access`` predicate holds (else 401 without, 403 with a login)."""

    @staticmethod
    def allowed(user: AnyUser) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and self.allowed(user))


class IsStaffUser(_AccessPredicate):
    """Every staff role (city staff and facility managers); parents and users without a role not."""

    @staticmethod
    def allowed(user: AnyUser) -> bool:
        return access.is_staff_user(user)


class CanViewAreas(_AccessPredicate):
    """Areas, population and indicators (aggregate statistics)."""

    @staticmethod
    def allowed(user: AnyUser) -> bool:
        return access.can_view_areas(user)


class CanImportData(_AccessPredicate):
    """Bulk writes of city-wide data (planners and administrators)."""

    @staticmethod
    def allowed(user: AnyUser) -> bool:
        return access.can_import_data(user)
