"""Creating and editing networks and their working groups on pages: audited, errors at the
fields, working-group members only from the network's members with consent, refused for
everyone but planners and administrators."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.audit.services import AuditAction
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.networks import services
from kitaplan.web.networks.models import Meeting, Member, Network, WorkingGroup
from tests.web.factories import PASSWORD, make_city, make_user
from tests.web.networks.helpers import network_objects

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def objects(city):
    return network_objects(city)


def login(client, role, city, language="en"):
    provider = city.providers[0] if role == Role.FACILITY_MANAGER else None
    user = make_user(f"u-{role.value}", role, provider=provider)
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return user


def changes(change):
    return AuditEvent.objects.filter(action=AuditAction.NETWORK_CHANGED, details__change=change)


def test_a_planner_creates_a_network_on_a_page(client, city, objects):
    login(client, Role.PLANNER, city)
    listing = client.get(reverse("networks:network-list")).content.decode()
    assert reverse("networks:network-create") in listing
    url = reverse("networks:network-create")
    page = client.get(url).content.decode()
    assert page.count("<h1") == 1 and 'name="csrfmiddlewaretoken"' in page
    data = {
        "territory": city.territory.pk,
        "name": "  Netzwerk Frühprävention ",
        "description": "Frühe Hilfen im Stadtgebiet",
        "organiser_name": "Jugendamt",
        "organiser_email": "fruehe-hilfen@example.org",
        "source": "Entwicklungsbericht 2023",
    }
    response = client.post(url, data)
    network = Network.objects.get(territory=city.territory, name="Netzwerk Frühprävention")
    assert response.status_code == 302
    assert response["Location"] == reverse("networks:network-detail", args=[network.pk])
    assert (network.organiser_name, network.organiser_email, network.source) == (
        "Jugendamt",
        "fruehe-hilfen@example.org",
        "Entwicklungsbericht 2023",
    )
    event = changes("network_created").get(target_id=str(network.pk))
    assert event.actor_label == "u-planner"
    detail = client.get(response["Location"]).content.decode()
    assert "Frühe Hilfen im Stadtgebiet" in detail and "Jugendamt" in detail


def test_errors_are_shown_at_their_fields(client, city, objects):
    login(client, Role.PLANNER, city)
    url = reverse("networks:network-create")
    response = client.post(
        url,
        {"territory": city.territory.pk, "name": "Testnetzwerk", "organiser_email": "keine"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "organiser_email"}
    content = response.content.decode()
    assert "Please correct the marked fields." in content
    assert 'id="id_name_error"' in content and 'id="id_organiser_email_error"' in content
    assert 'aria-invalid="true"' in content
    assert 'aria-describedby="id_name_error"' in content
    assert "already has a network of this name" in content
    assert Network.objects.filter(name="Testnetzwerk").count() == 1
    response = client.post(url, {"territory": city.territory.pk, "name": ""})
    assert "name" in response.context["form"].errors


def test_the_labels_are_german_by_default(client, city, objects):
    login(client, Role.PLANNER, city, language="de")
    content = client.get(reverse("networks:network-create")).content.decode()
    assert "Kommune" in content and "Beschreibung" in content and "Quelle" in content
    assert "Abbrechen" in content


def test_a_planner_edits_a_network(client, city, objects):
    login(client, Role.ADMIN, city)
    url = reverse("networks:network-edit", args=[objects["network"]])
    page = client.get(url)
    assert page.context["form"].initial["organiser_email"] == "netzwerk@example.org"
    assert "territory" not in page.context["form"].fields
    response = client.post(
        url,
        {
            "name": "Netzwerk Qualitätsentwicklung",
            "description": "Erfunden für Tests",
            "organiser_name": "Amt für Kindertagesbetreuung",
            "organiser_email": "netzwerk@example.org",
        },
    )
    assert response.status_code == 302
    network = Network.objects.get(pk=objects["network"])
    assert network.name == "Netzwerk Qualitätsentwicklung"
    assert network.organiser_name == "Amt für Kindertagesbetreuung"
    event = changes("network_updated").get()
    assert event.before == {"name": "Testnetzwerk", "organiser_name": "Amt für Tests"}
    assert event.after["name"] == "Netzwerk Qualitätsentwicklung"
    # Saving without a change records nothing; another network's name is refused.
    client.post(url, {"name": network.name, "organiser_name": network.organiser_name,
                      "description": network.description,
                      "organiser_email": network.organiser_email})  # fmt: skip
    assert changes("network_updated").count() == 1
    services.create_network(territory=city.territory, actor=SYSTEM, name="Zweites Netzwerk")
    response = client.post(url, {"name": "Zweites Netzwerk"})
    assert response.status_code == 200 and "name" in response.context["form"].errors


def test_working_groups_are_created_edited_and_deleted_with_members_with_consent(
    client, city, objects
):
    network = Network.objects.get(pk=objects["network"])
    erika, max_ = network.members.order_by("name")
    erased = services.add_member(
        network=network, actor=SYSTEM, name="Gelöscht Person", email="g@example.org",
        consent_given=True,
    )  # fmt: skip
    services.erase_member(member=erased, actor=SYSTEM)
    other = services.create_network(territory=city.territory, actor=SYSTEM, name="Anderes Netz")
    stranger = services.add_member(
        network=other, actor=SYSTEM, name="Fremde Person", email="f@example.org",
        consent_given=True,
    )  # fmt: skip
    login(client, Role.PLANNER, city)
    url = reverse("networks:working-group-create", args=[network.pk])
    page = client.get(url)
    offered = set(page.context["form"].fields["members"].queryset)
    assert offered == {erika, max_}
    content = page.content.decode()
    assert "Erika Beispiel" in content and "Fremde Person" not in content
    assert 'type="checkbox"' in content
    # A member of another network or an erased one cannot be chosen.
    for bad in (stranger, erased):
        response = client.post(url, {"name": "AG Sprache", "members": [erika.pk, bad.pk]})
        assert response.status_code == 200
        assert "members" in response.context["form"].errors
        assert 'id="id_members_error"' in response.content.decode()
    assert not WorkingGroup.objects.filter(name="AG Sprache").exists()
    response = client.post(
        url, {"name": "AG Sprache", "description": "Sprach-Kitas", "members": [erika.pk]}
    )
    assert response.status_code == 302
    group = WorkingGroup.objects.get(network=network, name="AG Sprache")
    assert list(group.members.all()) == [erika]
    event = changes("working_group_created").get(target_id=str(group.pk))
    assert event.after["members"] == [erika.pk]
    detail = client.get(reverse("networks:network-detail", args=[network.pk])).content.decode()
    assert reverse("networks:working-group-edit", args=[group.pk]) in detail

    edit = reverse("networks:working-group-edit", args=[group.pk])
    assert client.get(edit).context["form"].initial["members"] == [erika.pk]
    response = client.post(
        edit, {"name": "AG Sprache und Ankommen", "members": [erika.pk, max_.pk]}
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "AG Sprache und Ankommen"
    assert set(group.members.all()) == {erika, max_}
    event = changes("working_group_updated").get()
    assert event.before == {
        "description": "Sprach-Kitas",
        "members": [erika.pk],
        "name": "AG Sprache",
    }
    assert event.after["members"] == sorted([erika.pk, max_.pk])
    trail = json.dumps(
        list(AuditEvent.objects.values("target_label", "before", "after", "details")),
        ensure_ascii=False,
        default=str,
    )
    assert "Erika" not in trail and "erika@" not in trail

    meeting = services.create_meeting(
        network=network,
        actor=SYSTEM,
        title="AG-Treffen",
        start=Meeting.objects.get(pk=objects["meeting"]).start,
        end=Meeting.objects.get(pk=objects["meeting"]).end,
        working_group=group,
    )
    delete = reverse("networks:working-group-delete", args=[group.pk])
    confirm = client.get(delete)
    assert confirm.status_code == 200 and confirm.context["n_meetings"] == 1
    assert client.post(delete).status_code == 302
    assert not WorkingGroup.objects.filter(pk=group.pk).exists()
    meeting.refresh_from_db()
    assert meeting.working_group is None  # stays as a meeting of the whole network
    assert Member.objects.filter(pk__in=[erika.pk, max_.pk]).count() == 2
    event = changes("working_group_deleted").get()
    assert event.before["meetings"] == [meeting.pk] and event.before["name"] == (
        "AG Sprache und Ankommen"
    )


def test_the_services_refuse_members_without_consent_or_of_other_networks(city, objects):
    network = Network.objects.get(pk=objects["network"])
    other = services.create_network(territory=city.territory, actor=SYSTEM, name="Anderes Netz")
    stranger = services.add_member(
        network=other, actor=SYSTEM, name="Fremde Person", email="f@example.org",
        consent_given=True,
    )  # fmt: skip
    with pytest.raises(ValueError, match="members of the network"):
        services.create_working_group(
            network=network, actor=SYSTEM, name="AG X", members=[stranger]
        )
    group = WorkingGroup.objects.get(pk=objects["working_group"])
    with pytest.raises(ValueError, match="members of the network"):
        services.update_working_group(group=group, actor=SYSTEM, name="AG", members=[stranger])


@pytest.mark.parametrize("role", [Role.FACILITY_MANAGER, Role.ALLOCATION_OFFICE])
def test_only_planners_and_administrators_change_networks(client, city, objects, role):
    login(client, role, city)
    network, group = objects["network"], objects["working_group"]
    detail = client.get(reverse("networks:network-detail", args=[network])).content.decode()
    assert reverse("networks:network-edit", args=[network]) not in detail
    assert reverse("networks:working-group-edit", args=[group]) not in detail
    listing = client.get(reverse("networks:network-list")).content.decode()
    assert reverse("networks:network-create") not in listing
    posts = [
        (reverse("networks:network-create"), {"territory": city.territory.pk, "name": "X"}),
        (reverse("networks:network-edit", args=[network]), {"name": "X"}),
        (reverse("networks:working-group-create", args=[network]), {"name": "X"}),
        (reverse("networks:working-group-edit", args=[group]), {"name": "X"}),
        (reverse("networks:working-group-delete", args=[group]), {}),
    ]
    for url, data in posts:
        assert client.get(url).status_code == 403, url
        assert client.post(url, data).status_code == 403, url
    assert Network.objects.filter(name="X").count() == 0
    assert WorkingGroup.objects.filter(pk=group).exists()
    assert not changes("network_created").filter(actor_label=f"u-{role.value}").exists()


def test_posts_need_the_csrf_token(city, objects):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    user = make_user("csrf-planner", Role.PLANNER)
    client.force_login(user)
    response = client.post(
        reverse("networks:network-create"), {"territory": city.territory.pk, "name": "Y"}
    )
    assert response.status_code == 403
    assert not Network.objects.filter(name="Y").exists()


def test_a_network_is_set_up_with_code_and_scope_and_closed_and_reopened(client, city):
    login(client, Role.PLANNER, city)
    response = client.post(
        reverse("networks:network-create"),
        {
            "territory": city.territory.pk,
            "name": "Netzwerk Frühprävention",
            "code": "",
            "scope": "0101, 0102",
        },
    )
    assert response.status_code == 302
    network = Network.objects.get(name="Netzwerk Frühprävention")
    assert network.code == "netzwerk-fruhpravention"
    assert sorted(network.areas.values_list("official_code", flat=True)) == ["0101", "0102"]
    created = changes("network_created").get()
    assert created.after["areas"] == ["0101", "0102"]
    page = client.get(reverse("networks:network-detail", args=[network.pk])).content.decode()
    assert "Area 0101 (0101)" in page or "(0101)" in page
    # an unknown area code is an error of the scope field; the same code is refused
    edit = reverse("networks:network-edit", args=[network.pk])
    response = client.post(edit, {"name": network.name, "code": "fp", "scope": "0101, 9999"})
    assert response.status_code == 200 and "9999" in str(response.context["form"].errors["scope"])
    other = services.create_network(
        territory=city.territory, actor=SYSTEM, name="Anderes", code="fp"
    )
    response = client.post(edit, {"name": network.name, "code": other.code, "scope": ""})
    assert response.status_code == 200 and "code" in response.context["form"].errors
    response = client.post(edit, {"name": network.name, "code": "fruehpraevention", "scope": "01"})
    assert response.status_code == 302
    network.refresh_from_db()
    assert network.code == "fruehpraevention"
    assert list(network.areas.values_list("official_code", flat=True)) == ["01"]
    assert changes("network_updated").get().after == {"areas": ["01"], "code": "fruehpraevention"}
    # close, then reopen
    close = reverse("networks:network-close", args=[network.pk])
    assert client.get(close).status_code == 200
    assert client.post(close, {"action": "close"}).status_code == 302
    network.refresh_from_db()
    assert network.closed_on is not None
    listing = client.get(reverse("networks:network-list")).content.decode()
    assert network.closed_on.strftime("%m/%d/%Y") in listing or "–" in listing
    assert changes("network_closed").count() == 1
    client.post(close, {"action": "reopen"})
    network.refresh_from_db()
    assert network.closed_on is None and changes("network_reopened").count() == 1


def test_closing_is_refused_to_roles_that_do_not_manage_networks(client, city, objects):
    login(client, Role.ALLOCATION_OFFICE, city)
    close = reverse("networks:network-close", args=[objects["network"]])
    assert client.post(close, {"action": "close"}).status_code == 403
    assert Network.objects.get(pk=objects["network"]).closed_on is None


def test_the_network_page_shows_members_without_a_facility(client, city, objects):
    """Issue 17: the page answered 500 when a member had no facility (a filter argument
    ``m.facility.name`` that cannot be resolved)."""
    network = Network.objects.get(pk=objects["network"])
    services.add_member(
        network=network,
        actor=SYSTEM,
        name="Ohne Einrichtung",
        email="ohne@example.org",
        consent_given=True,
    )
    login(client, Role.PLANNER, city)
    response = client.get(reverse("networks:network-detail", args=[network.pk]))
    assert response.status_code == 200
    assert "Ohne Einrichtung" in response.content.decode()


def test_a_closed_network_takes_no_new_member_on_the_page(client, city, objects):
    network = Network.objects.get(pk=objects["network"])
    services.close_network(network=network, actor=SYSTEM)
    before = Member.objects.filter(network=network).count()
    login(client, Role.PLANNER, city)
    response = client.post(
        reverse("networks:member-add", args=[network.pk]),
        {"name": "Neu", "email": "neu@example.org", "role": Member.OTHER, "consent": "on"},
    )
    assert response.status_code == 200
    assert "closed" in str(response.context["form"].non_field_errors())
    assert Member.objects.filter(network=network).count() == before
