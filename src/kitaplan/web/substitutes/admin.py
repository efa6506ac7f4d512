"""The Jugendamt's substitute settings (incl. the advisory service's phone named in the e-mails)
and the substitutes' profiles (model, availability, e-mail address) for administrators; every
change is audited. The settings and the e-mail address can also be changed on the pages
(``substitutes:settings``, ``substitutes:contacts``), which audit the address only as present
or not; so does the admin (``audit_redacted_fields``)."""

from django.contrib import admin

from kitaplan.web.audit.admin import AuditedAdmin
from kitaplan.web.substitutes.models import SubstituteProfile, SubstituteSettings


@admin.register(SubstituteSettings)
class SubstituteSettingsAdmin(AuditedAdmin):
    list_display = ("territory", "min_contacts", "contact_months", "max_distance_km")


@admin.register(SubstituteProfile)
class SubstituteProfileAdmin(AuditedAdmin):
    list_display = ("childminder", "model", "available")
    list_filter = ("model", "available")
    raw_id_fields = ("childminder",)
    audit_redacted_fields = frozenset({"email"})
