"""Territory scope of the forms (issue 13, part 1 follow-up): the allocation round's territory
chooser, and the choosers of territory-bound records whose number a form posts (a course's
education provider), offer and accept only the user's territories."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from kitaplan.web.allocation.models import AllocationRound
from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.qualification.models import Course, EducationProvider
from tests.web.factories import PASSWORD, make_city
from tests.web.qualification.helpers import make_qhb

pytestmark = pytest.mark.django_db


def _user(username: str, role: Role, territory) -> User:  # type: ignore[no-untyped-def]
    user = User.objects.create_user(username=username, password=PASSWORD)
    RoleAssignment.objects.create(user=user, role=role.value, territory=territory)
    return user


def test_the_round_form_offers_only_the_users_territories(client):
    berlin, dresden = make_city("berlin"), make_city("dresden")
    user = _user("dd-office", Role.ALLOCATION_OFFICE, dresden.territory)
    client.login(username=user.username, password=PASSWORD)
    response = client.get(reverse("allocation:round-new"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'value="{dresden.territory.pk}"' in page and ">Dresden</option>" in page
    assert f'value="{berlin.territory.pk}"' not in page and ">Berlin</option>" not in page
    # a post naming Berlin creates no round (the scope answers 404 before the form)
    response = client.post(reverse("allocation:round-new"), {"territory": berlin.territory.pk})
    assert response.status_code == 404
    assert not AllocationRound.objects.exists()


def test_a_course_form_refuses_another_territorys_education_provider(client):
    berlin, dresden = make_city("berlin"), make_city("dresden")
    programme, _pre, _alongside = make_qhb(dresden.territory)
    theirs = EducationProvider.objects.create(territory=berlin.territory, name="Träger Berlin")
    ours = EducationProvider.objects.create(territory=dresden.territory, name="Träger Dresden")
    user = _user("dd-adviser", Role.CHILDMINDER_ADVISER, dresden.territory)
    client.login(username=user.username, password=PASSWORD)
    url = reverse("qualification:programme-list")
    offered = list(client.get(url).context["form"].fields["provider"].queryset)
    assert ours in offered and theirs not in offered
    data = {
        "course-programme": programme.pk,
        "course-provider": theirs.pk,
        "course-code": "K-1",
        "course-title": "Kurs",
        "course-start": "2026-03-02",
        "course-end": "2026-06-30",
        "course-units": "160",
        "course-places": "12",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and not Course.objects.exists()  # not a valid choice
    response = client.post(url, data | {"course-provider": ours.pk})
    assert response.status_code == 302 and Course.objects.get().provider == ours


def test_the_network_form_offers_only_the_users_territories(client):
    make_city("berlin")
    dresden = make_city("dresden")
    user = _user("dd-planner", Role.PLANNER, dresden.territory)
    client.login(username=user.username, password=PASSWORD)
    response = client.get(reverse("networks:network-create"))
    assert list(response.context["form"].fields["territory"].queryset) == [dresden.territory]


def test_the_inclusion_forms_offer_only_the_users_territorys_courses_and_territories(client):
    from tests.web.qualification.helpers import make_course

    berlin, dresden = make_city("berlin"), make_city("dresden")
    theirs, ours = make_course(berlin.territory), make_course(dresden.territory)
    user = _user("dd-planner", Role.PLANNER, dresden.territory)
    client.login(username=user.username, password=PASSWORD)
    enrol = client.get(reverse("inclusion:staff")).context["enrol_form"]
    courses = list(enrol.fields["course"].queryset)
    assert ours in courses and theirs not in courses
    pool = client.get(reverse("inclusion:pool")).context["form"]
    assert list(pool.fields["territory"].queryset) == [dresden.territory]
