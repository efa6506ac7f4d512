"""A parent's or childminder's role takes no territory (issue 13, part 1 follow-up): these
roles are over one's own records wherever they are, so a territory would limit nothing; the
user page and ``kitaplan user`` (both through ``check_scope``) refuse one."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from kitaplan.web.administration import services as administration
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from tests.web.factories import PASSWORD, make_city

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.PARENT, Role.CHILDMINDER])
def test_a_personal_role_takes_no_territory(client, role):
    dresden = make_city("dresden")
    user = User.objects.create_user("jemand")
    with pytest.raises(administration.SetupRefused) as refused:
        administration.assign_role(actor=SYSTEM, user=user, role=role, territory=dresden.territory)
    assert refused.value.code == administration.RefusalCode.TERRITORY_NOT_FOR_ROLE
    assert not RoleAssignment.objects.filter(user=user).exists()
    administration.assign_role(actor=SYSTEM, user=user, role=role, territory=None)
    assert RoleAssignment.objects.get(user=user).territory is None
    # the user page refuses it too
    admin = User.objects.create_superuser("chefin", password=PASSWORD)
    client.force_login(admin)
    other = User.objects.create_user("andere")
    url = reverse("administration:user-role-add", args=[other.pk])
    response = client.post(url, {"role": role.value, "territory": "dresden"})
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user=other).exists()
