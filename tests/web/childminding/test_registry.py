"""The childminder registry: scoping, the capacity rule for contracts, the due list, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.childminding.models import (
    AdvisoryService,
    CareContract,
    Childminder,
    Permit,
    Proof,
)
from kitaplan.web.childminding.selectors import due_list
from kitaplan.web.childminding.services import RegistryError, save_contract
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)
WEEKDAYS_8_TO_15 = [[d, "08:00", "15:00"] for d in range(5)]


@pytest.fixture
def city():
    return make_city()


def childminder(city, number="T1", service=None, **fields):
    cm = Childminder.objects.create(
        territory=city.territory,
        number=number,
        name=f"Tagesmutter {number}",
        care_location="own_home",
        area=city.areas[0],
        service=service,
        **fields,
    )
    Permit.objects.create(
        childminder=cm,
        valid_from=dt.date(2024, 1, 1),
        valid_to=dt.date(2028, 12, 31),
        max_children=3,
    )
    return cm


def contract(cm, ref, slots=WEEKDAYS_8_TO_15, start=dt.date(2026, 9, 1), end=None):
    return save_contract(
        contract=CareContract(
            childminder=cm,
            child_reference=ref,
            child_birth_date=dt.date(2025, 3, 1),
            valid_from=start,
            valid_to=end,
            weekly_hours=35,
            slots=slots,
        ),
        actor=SYSTEM,
    )


def test_a_contract_beyond_the_permit_limit_is_refused_with_day_and_time(city):
    cm = childminder(city)
    for k in range(3):
        contract(cm, f"K{k}")
    with pytest.raises(RegistryError) as refused:
        contract(cm, "K3", slots=[[2, "14:00", "17:00"]])
    assert refused.value.code == "over_permit"
    assert refused.value.params["count"] == 4 and refused.value.params["limit"] == 3
    assert refused.value.params["day"].weekday() == 2
    assert CareContract.objects.count() == 3
    # After 15:00 there is room: a later afternoon slot fits.
    contract(cm, "K4", slots=[[2, "15:00", "17:00"]])
    # Own young children count too.
    cm.own_children_slots = [
        [[2, "15:30", "16:00"]],
        [[2, "15:30", "16:00"]],
        [[2, "15:30", "16:00"]],
    ]
    cm.save()
    with pytest.raises(RegistryError):
        contract(cm, "K5", slots=[[2, "15:00", "17:00"]])


def test_a_contract_needs_a_valid_permit_at_its_start(city):
    cm = childminder(city)
    with pytest.raises(RegistryError) as refused:
        contract(cm, "K1", start=dt.date(2029, 2, 1))
    assert refused.value.code == "no_permit"
    assert AuditEvent.objects.filter(action="childminding.changed").count() == 0
    contract(cm, "K1")
    assert AuditEvent.objects.filter(action="childminding.changed").count() == 1


def test_the_due_list_names_permits_proofs_and_children_turning_three(city):
    cm = childminder(city)
    Permit.objects.filter(childminder=cm).update(valid_to=dt.date(2027, 2, 1))
    Proof.objects.create(
        childminder=cm,
        kind="first_aid",
        issued_on=dt.date(2024, 12, 1),
        valid_until=dt.date(2026, 12, 1),
    )
    Proof.objects.create(childminder=cm, kind="measles", issued_on=dt.date(2020, 1, 1))
    CareContract.objects.create(
        childminder=cm,
        child_reference="K9",
        child_birth_date=dt.date(2024, 1, 15),
        valid_from=dt.date(2025, 1, 1),
        weekly_hours=30,
        slots=WEEKDAYS_8_TO_15,
    )
    items = {
        (i.kind, i.detail)
        for i in due_list(Childminder.objects.all(), today=TODAY, horizon_days=90)
    }
    assert ("permit_expiring", "") in items
    assert ("proof_expiring", "first_aid") in items
    assert ("proof_missing", "police_certificate") in items
    assert ("proof_missing", "measles") not in items
    assert ("turns_three", "K9") in items


def test_advisers_see_their_service_and_a_childminder_only_herself(client, city):
    service = AdvisoryService.objects.create(territory=city.territory, name="Fachberatung Nord")
    other_service = AdvisoryService.objects.create(
        territory=city.territory, name="Fachberatung Süd"
    )
    mine = childminder(city, "T1", service=service)
    theirs = childminder(city, "T2", service=other_service)
    adviser = make_user("berater", Role.CHILDMINDER_ADVISER)
    service.advisers.add(adviser)
    client.login(username="berater", password=PASSWORD)
    assert client.get(reverse("childminding:childminder-detail", args=[mine.pk])).status_code == 200
    assert (
        client.get(reverse("childminding:childminder-detail", args=[theirs.pk])).status_code == 404
    )
    listing = client.get(reverse("childminding:childminder-list")).content.decode()
    assert "Tagesmutter T1" in listing and "Tagesmutter T2" not in listing

    person = make_user("tagesmutter", Role.CHILDMINDER)
    theirs.user = person
    theirs.save()
    client.logout()
    client.login(username="tagesmutter", password=PASSWORD)
    assert client.get(reverse("childminding:me"))["Location"].endswith(f"/{theirs.pk}/")
    assert client.get(reverse("childminding:childminder-detail", args=[mine.pk])).status_code == 404
    # a childminder reads her data but does not edit the registry
    response = client.post(
        reverse("childminding:childminder-detail", args=[theirs.pk]), {"action": "permit"}
    )
    assert response.status_code == 403


def test_the_contract_form_refuses_an_overbooking_in_german(client, city):
    service = AdvisoryService.objects.create(territory=city.territory, name="Fachberatung")
    cm = childminder(city, service=service)
    for k in range(3):
        contract(cm, f"K{k}")
    adviser = make_user("berater", Role.CHILDMINDER_ADVISER)
    service.advisers.add(adviser)
    client.login(username="berater", password=PASSWORD)
    response = client.post(
        reverse("childminding:childminder-detail", args=[cm.pk]),
        {
            "action": "contract",
            "contract-child_reference": "K3",
            "contract-child_birth_date": "2025-05-01",
            "contract-valid_from": "2026-10-01",
            "contract-weekly_hours": "20",
            "contract-schedule": "Mo 09:00-13:00, Di 09:00-13:00",
            "contract-funded": "on",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "4 Kinder gleichzeitig" in text and "erlaubt 3" in text
    assert not CareContract.objects.filter(child_reference="K3").exists()
    bad = client.post(
        reverse("childminding:childminder-detail", args=[cm.pk]),
        {
            "action": "contract",
            "contract-child_reference": "K4",
            "contract-child_birth_date": "2025-05-01",
            "contract-valid_from": "2026-10-01",
            "contract-weekly_hours": "20",
            "contract-schedule": "Montag früh",
        },
    )
    assert "„Montag früh“" in bad.content.decode()
