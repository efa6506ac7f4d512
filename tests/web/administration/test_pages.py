"""Setting up a Jugendamt on the administration pages: territories with levels, users, roles."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.core.roles import Role
from kitaplan.web.territory.models import AreaLevel, Territory
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Kita-Plan-2026!x"


@pytest.fixture
def admin(client):
    user = make_user("chefin", Role.ADMIN)
    client.login(username=user.username, password=PASSWORD)
    return user


def _levels(*rows, extra=2, initial=0):
    """The POST of the level formset: rows of (code, name, position[, level_id[, remove]])."""
    data = {
        "levels-TOTAL_FORMS": str(len(rows) + extra),
        "levels-INITIAL_FORMS": str(initial),
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "20",
    }
    for i, row in enumerate(rows):
        code, name, position, *rest = row
        data[f"levels-{i}-code"] = code
        data[f"levels-{i}-name"] = name
        data[f"levels-{i}-position"] = str(position)
        if rest:
            data[f"levels-{i}-level_id"] = str(rest[0])
        if len(rest) > 1 and rest[1]:
            data[f"levels-{i}-remove"] = "on"
    return data


def test_an_admin_sets_up_a_territory_with_levels_and_a_scoped_facility_manager(client, admin):
    response = client.post(
        reverse("administration:territory-create"),
        {
            "code": "dresden",
            "name": "Dresden",
            "official_code": "14612000",
            # given fine first: the positions decide the order
            **_levels(("stadtteil", "Stadtteil", 2), ("stadtbezirk", "Stadtbezirk", 1)),
        },
    )
    assert response.status_code == 302
    dresden = Territory.objects.get(code="dresden")
    assert list(dresden.levels.order_by("rank").values_list("code", "rank")) == [
        ("stadtbezirk", 1),
        ("stadtteil", 2),
    ]
    listing = client.get(reverse("administration:territory-list")).content.decode()
    assert "Dresden" in listing and "1. Stadtbezirk" in listing

    city = make_city()  # a territory with a provider to scope to
    response = client.post(
        reverse("administration:user-create"),
        {
            "username": "kita.leitung",
            "first_name": "Erika",
            "last_name": "Muster",
            "email": "erika@example.org",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="kita.leitung")
    assert user.check_password(NEW_PASSWORD) and user.is_active
    response = client.post(
        reverse("administration:user-role-add", args=[user.pk]),
        {"role": "facility_manager", "territory": "testcity", "provider": "P1"},
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role, assignment.provider, assignment.territory) == (
        "facility_manager",
        city.providers[0],
        city.territory,
    )
    # the new manager logs in and sees the provider's facilities only
    client.logout()
    assert client.login(username="kita.leitung", password=NEW_PASSWORD)
    page = client.get(reverse("facilities:facility-list"))
    assert {f.official_number for f in page.context["page_obj"]} == {"F1", "F2"}


def test_audit_events_name_the_changes_without_personal_values(client, admin):
    make_city()
    client.post(
        reverse("administration:user-create"),
        {
            "username": "geheim.name",
            "first_name": "Geheim",
            "last_name": "Person",
            "email": "geheim@example.org",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    user = User.objects.get(username="geheim.name")
    client.post(
        reverse("administration:user-role-add", args=[user.pk]),
        {"role": "planner", "territory": "testcity"},
    )
    events = AuditEvent.objects.filter(target_type="auth.user", target_id=str(user.pk))
    assert sorted(e.action for e in events) == ["admin.created", "user.role_assigned"]
    created = events.get(action="admin.created")
    assert created.target_label == f"user #{user.pk}"
    assert {"username", "first_name", "last_name", "email", "password"} <= set(
        created.personal_fields
    )
    role_event = events.get(action="user.role_assigned")
    assert role_event.details["role"] == "planner" and role_event.details["territory"] == "testcity"
    for event in AuditEvent.objects.all():
        text = f"{event.target_label} {event.before} {event.after} {event.details}"
        for value in ("geheim", "Geheim", "Person", NEW_PASSWORD):
            assert value not in text


def test_a_duplicate_territory_code_is_refused_and_nothing_changes(client, admin):
    make_city()
    response = client.post(
        reverse("administration:territory-create"),
        {"code": "testcity", "name": "Noch eine", **_levels(("bezirk", "Bezirk", 1))},
    )
    assert response.status_code == 200
    assert 'Eine Kommune mit dem Kürzel "testcity" gibt es schon' in html.unescape(
        response.content.decode()
    )
    assert Territory.objects.get(code="testcity").name == "Testcity"


def test_levels_with_stored_areas_keep_their_place_and_free_ones_change(client, admin):
    city = make_city()
    district, area = (
        AreaLevel.objects.get(territory=city.territory, code=c) for c in ("district", "area")
    )
    url = reverse("administration:territory-edit", args=[city.territory.pk])
    swapped = _levels(
        ("district", "District", 2, district.pk), ("area", "Area", 1, area.pk), initial=2
    )
    response = client.post(url, {"name": "Testcity", **swapped})
    assert response.status_code == 200
    assert "kann nicht an eine andere Stelle rücken" in response.content.decode()
    assert AreaLevel.objects.get(pk=district.pk).rank == 1
    renamed = _levels(
        ("district", "Stadtbezirk", 1, district.pk),
        ("area", "Stadtteil", 2, area.pk),
        ("block", "Block", 3),
        initial=2,
    )
    assert client.post(url, {"name": "Teststadt", **renamed}).status_code == 302
    assert list(city.territory.levels.order_by("rank").values_list("code", "name")) == [
        ("district", "Stadtbezirk"),
        ("area", "Stadtteil"),
        ("block", "Block"),
    ]
    block = AreaLevel.objects.get(territory=city.territory, code="block")
    removed = _levels(
        ("district", "Stadtbezirk", 1, district.pk),
        ("area", "Stadtteil", 2, area.pk),
        ("block", "Block", 3, block.pk, True),
        initial=3,
    )
    assert client.post(url, {"name": "Teststadt", **removed}).status_code == 302
    assert not AreaLevel.objects.filter(pk=block.pk).exists()
    assert (
        AuditEvent.objects.filter(action="admin.changed", target_type="territory.territory").count()
        == 2
    )


def test_the_user_list_searches_and_is_paginated(client, admin):
    for i in range(55):
        User.objects.create_user(username=f"nutzer{i:02d}", email=f"n{i}@example.org")
    page = client.get(reverse("administration:user-list"))
    assert len(page.context["page_obj"].object_list) == 50
    assert page.context["page_obj"].paginator.num_pages == 2
    found = client.get(reverse("administration:user-list") + "?q=N7@example")
    assert [u.username for u in found.context["page_obj"]] == ["nutzer07"]


def test_an_admin_cannot_remove_their_own_last_admin_role_nor_deactivate_themselves(client, admin):
    own = RoleAssignment.objects.get(user=admin)
    response = client.post(reverse("administration:user-role-remove", args=[own.pk]), follow=True)
    assert "Ihre eigene letzte Administrationsrolle" in response.content.decode()
    assert RoleAssignment.objects.filter(pk=own.pk).exists()
    response = client.post(
        reverse("administration:user-active", args=[admin.pk]), {"active": "0"}, follow=True
    )
    assert "Ihr eigenes Konto" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active
    # with a second admin role (another territory) the first one may go
    city = make_city()
    RoleAssignment.objects.create(user=admin, role="admin", territory=city.territory)
    client.post(reverse("administration:user-role-remove", args=[own.pk]))
    assert not RoleAssignment.objects.filter(pk=own.pk).exists()


def test_a_deactivated_user_cannot_log_in_and_is_kept(client, admin):
    other = make_user("ehemalig", Role.PLANNER)
    client.post(reverse("administration:user-active", args=[other.pk]), {"active": "0"})
    other.refresh_from_db()
    assert not other.is_active
    client.logout()
    assert not client.login(username="ehemalig", password=PASSWORD)
    assert AuditEvent.objects.filter(
        action="admin.changed", target_id=str(other.pk), after={"is_active": False}
    ).exists()


def test_a_facility_manager_needs_a_scope_of_the_chosen_territory(client, admin):
    make_city()
    other = make_user("ohne-rolle", None)
    url = reverse("administration:user-role-add", args=[other.pk])
    response = client.post(url, {"role": "facility_manager", "territory": "testcity"})
    assert "braucht einen Träger oder eine Einrichtung" in response.content.decode()
    response = client.post(
        url, {"role": "facility_manager", "territory": "testcity", "provider": "P9"}
    )
    assert "keinen Träger mit der Nummer" in response.content.decode()
    response = client.post(url, {"role": "planner", "facility": "F1"})
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user=other).exists()


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_only_administrators_open_the_pages_and_post(client, role):
    city = make_city()
    user = make_user(
        f"u-{role.value}",
        role,
        provider=city.providers[0] if role == Role.FACILITY_MANAGER else None,
    )
    client.login(username=user.username, password=PASSWORD)
    assert client.get(reverse("administration:territory-list")).status_code == 403
    response = client.post(
        reverse("administration:territory-create"),
        {"code": "neu", "name": "Neu", **_levels(("a", "A", 1))},
    )
    assert response.status_code == 403
    assert not Territory.objects.filter(code="neu").exists()
    response = client.post(
        reverse("administration:user-role-add", args=[user.pk]), {"role": "admin"}
    )
    assert response.status_code == 403
    assert not RoleAssignment.objects.filter(user=user, role="admin").exists()


def test_the_menu_shows_the_administration_to_administrators_only(client, admin):
    assert reverse("administration:territory-list") in client.get("/").content.decode()
    client.logout()
    planner = make_user("planerin", Role.PLANNER)
    client.login(username=planner.username, password=PASSWORD)
    assert reverse("administration:territory-list") not in client.get("/").content.decode()
