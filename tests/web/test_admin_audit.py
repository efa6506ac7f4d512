"""Changes made in the administration pages land in the audit trail, passwords hidden."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.models import RoleAssignment

pytestmark = pytest.mark.django_db


def test_assigning_a_role_in_the_admin_is_audited(client):
    boss = User.objects.create_superuser("boss", password="pw-boss-123")
    worker = User.objects.create_user("worker", password="pw-worker-123")
    client.force_login(boss)
    response = client.post(
        reverse("admin:core_roleassignment_add"), {"user": worker.pk, "role": "planner"}
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=worker)
    event = AuditEvent.objects.get(action="admin.created")
    assert event.actor == boss and event.target_id == str(assignment.pk)
    assert event.after["role"] == "planner"


def test_a_password_change_is_audited_without_the_hash(client):
    boss = User.objects.create_superuser("boss", password="pw-boss-123")
    client.force_login(boss)
    client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "neu",
            "password1": "Sehr-geheim-42",
            "password2": "Sehr-geheim-42",
            "usable_password": "true",
        },
    )
    event = AuditEvent.objects.get(action="admin.created", target_type="auth.user")
    assert "password" not in event.after and "password" in event.personal_fields
    assert "Sehr-geheim-42" not in str(event.after)


def test_an_e_mail_address_changed_in_the_admin_is_audited_as_set_not_as_its_value(client):
    from kitaplan.web.substitutes.models import SubstituteProfile
    from tests.web.factories import make_city
    from tests.web.substitutes.helpers import childminder

    cm = childminder(make_city(), "T1")
    boss = User.objects.create_superuser("boss", password="pw-boss-123")
    client.force_login(boss)
    response = client.post(
        reverse("admin:substitutes_substituteprofile_add"),
        {
            "childminder": cm.pk,
            "model": SubstituteProfile._meta.get_field("model").default,
            "available": "on",
            "email": "tp0001@tagespflege.example.org",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(
        action="admin.created", target_type="substitutes.substituteprofile"
    )
    assert "email" not in event.after and event.personal_fields == ["email"]
    assert "tagespflege.example.org" not in str(event.after) + event.target_label
