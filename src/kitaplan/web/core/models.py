"""Role assignments: which user acts in which role, and for which provider or facility."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kitaplan.web.core.roles import ROLE_CHOICES, Role


class RoleAssignment(models.Model):
    """A user acting in one role; a facility manager is scoped to a provider or facilities."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=32, choices=ROLE_CHOICES)
    territory = models.ForeignKey(
        "territory.Territory",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("territory"),
        help_text=_(
            "The territory this role is meant for; empty: every territory. The user sees and "
            "changes only the territories of their roles (an administrator: every one)."
        ),
    )
    provider = models.ForeignKey(
        "facilities.Provider",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("provider"),
        help_text=_("A facility manager of a provider sees all of its facilities."),
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("facility"),
        help_text=_("A facility manager of one facility sees only that facility."),
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                name="facility_manager_is_scoped",
                condition=~models.Q(role=Role.FACILITY_MANAGER.value)
                | models.Q(provider__isnull=False)
                | models.Q(facility__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        scope = self.provider or self.facility or self.territory
        return f"{self.user} – {Role(self.role).label}" + (f" ({scope})" if scope else "")


class DerivedVersion(models.Model):
    """The data version of a territory for the derived-data cache (``core.derived``): a new
    random token on every change of the inputs of balance, targets, monitoring …"""

    territory_id = models.BigIntegerField(primary_key=True)
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.territory_id}: {self.token}"
