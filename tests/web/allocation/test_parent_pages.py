"""The parents' pages of the Platzvergabe: register once, see the status, answer the offer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from kitaplan.web.allocation.explanations import explain_child, facility_names, run_for
from kitaplan.web.allocation.models import Application, Offer, RoundProgramme
from kitaplan.web.allocation.services import publish_run, run_round
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.facilities.models import Facility
from tests.web.allocation.helpers import apply, make_round
from tests.web.factories import PASSWORD, make_city, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return make_city()


@pytest.fixture
def round_(city):
    """The helper round, with its registration window open today."""
    round_ = make_round(city)
    today = timezone.localdate()
    round_.applications_open = today - dt.timedelta(days=10)
    round_.applications_close = today + dt.timedelta(days=30)
    round_.offers_on = today
    round_.save()
    return round_


@pytest.fixture
def parent():
    return make_user("parent", Role.PARENT)


@pytest.fixture
def office():
    return make_user("office", Role.ALLOCATION_OFFICE)


def login(client, user, *, english: bool = True):
    assert client.login(username=user.username, password=PASSWORD)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def facility(city, number):
    return next(f for f in city.facilities if f.official_number == number)


def form_data(city, **overrides):
    data = {
        "child_name": "Mia Muster",
        "birth_date": "2026-01-15",
        "desired_start": "2027-08-01",
        "weekly_hours": "35",
        "home_area": str(city.areas[0].pk),
        "lives_in_municipality": "on",
        "choice_1": f"f{facility(city, 'F1').pk}",
        "choice_2": f"f{facility(city, 'F2').pk}",
        "choice_3": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def publish(round_):
    run = run_round(round_=round_, actor=SYSTEM)
    publish_run(run=run, actor=SYSTEM, today=timezone.localdate())
    return run


# --- registering ----------------------------------------------------------------------------


def test_a_parent_registers_a_child_and_sees_it(client, city, round_, parent):
    login(client, parent)
    page = client.get(reverse("allocation:my-applications"))
    assert page.status_code == 200
    new_url = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    assert new_url in page.content.decode()
    assert client.get(new_url).status_code == 200

    response = client.post(new_url, form_data(city))
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "allocation:my-application", kwargs={"pk": application.pk}
    )
    assert application.parent == parent
    assert application.child_name == "Mia Muster"
    assert [c.facility.official_number for c in application.choices.order_by("rank")] == [
        "F1",
        "F2",
    ]
    assert AuditEvent.objects.filter(action="allocation.application_saved").exists()

    listing = client.get(reverse("allocation:my-applications")).content.decode()
    assert "Mia Muster" in listing
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "Kita F1" in text and "Kita F2" in text
    assert "Registered. You can change the application until" in text


def test_another_parent_gets_404_on_someone_elses_application(client, city, round_, parent):
    application = apply(round_, city, "Anna", ["F1"], parent=parent)
    login(client, make_user("other", Role.PARENT))
    for name in ("my-application", "application-edit", "application-withdraw"):
        assert (
            client.get(reverse(f"allocation:{name}", kwargs={"pk": application.pk})).status_code
            == 404
        )
    withdraw = reverse("allocation:application-withdraw", kwargs={"pk": application.pk})
    assert client.post(withdraw).status_code == 404
    application.refresh_from_db()
    assert not application.withdrawn
    assert "Anna" not in client.get(reverse("allocation:my-applications")).content.decode()


def test_only_parents_open_their_page_and_only_parents_or_office_register(client, round_, office):
    planner = make_user("planner", Role.PLANNER)
    login(client, planner)
    assert client.get(reverse("allocation:my-applications")).status_code == 403
    new_url = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    assert client.get(new_url).status_code == 403
    client.logout()
    login(client, office)
    assert client.get(reverse("allocation:my-applications")).status_code == 403
    assert client.get(new_url).status_code == 200


def test_a_facility_chosen_twice_is_refused_on_that_field(client, city, round_, parent):
    login(client, parent)
    url = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    f1 = f"f{facility(city, 'F1').pk}"
    response = client.post(url, form_data(city, choice_2=f1))
    assert response.status_code == 200
    assert not Application.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == ["choice_2"]
    text = response.content.decode()
    assert "Kita F1 is already your 1st choice" in text
    assert 'id="id_choice_2_error"' in text
    assert 'aria-describedby="id_choice_2_error"' in text


def test_a_child_outside_the_rounds_ages_is_refused(client, city, round_, parent):
    login(client, parent)
    url = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    response = client.post(url, form_data(city, birth_date="2020-01-01"))
    assert response.status_code == 200
    assert not Application.objects.exists()
    assert list(response.context["form"].errors) == ["birth_date"]
    assert "not of an age for which this round has places" in response.content.decode()


def test_no_choice_at_all_is_refused(client, city, round_, parent):
    login(client, parent)
    url = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    response = client.post(url, form_data(city, choice_1="", choice_2=""))
    assert response.status_code == 200
    assert "choice_1" in response.context["form"].errors
    assert not Application.objects.exists()


def test_a_child_is_registered_only_once(client, city, round_, parent):
    apply(round_, city, "Mia Muster", ["F1"], parent=parent)
    login(client, parent)
    url = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    response = client.post(url, form_data(city))
    assert response.status_code == 200
    assert "child_name" in response.context["form"].errors
    assert Application.objects.count() == 1


def test_parents_cannot_set_the_confirmed_criteria(client, city, round_, parent):
    login(client, parent)
    url = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    page = client.get(url).content.decode()
    assert 'name="integration_need"' not in page
    assert 'name="social_urgency"' not in page
    assert "The allocation office confirms them after seeing the documents" in page
    client.post(url, form_data(city, integration_need="on", social_urgency="on"))
    application = Application.objects.get()
    assert not application.integration_need and not application.social_urgency


def test_the_office_registers_on_behalf_of_a_family(client, city, round_, office):
    round_.applications_close = timezone.localdate() - dt.timedelta(days=1)
    round_.save()  # the office may register outside the window (e.g. refugee families)
    login(client, office)
    url = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    page = client.get(url).content.decode()
    assert 'name="integration_need"' in page
    response = client.post(url, form_data(city, integration_need="on"))
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "allocation:application-detail", kwargs={"pk": application.pk}
    )
    assert application.parent is None
    assert application.integration_need and not application.social_urgency


def test_parents_cannot_register_after_the_window(client, city, round_, parent):
    round_.applications_close = timezone.localdate() - dt.timedelta(days=1)
    round_.save()
    login(client, parent)
    url = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    assert client.get(url).status_code == 403
    assert client.post(url, form_data(city)).status_code == 403
    assert not Application.objects.exists()


# --- changing and withdrawing ---------------------------------------------------------------


def test_a_parent_changes_the_application_while_the_window_is_open(client, city, round_, parent):
    application = apply(round_, city, "Anna", ["F1", "F2"], parent=parent)
    login(client, parent)
    url = reverse("allocation:application-edit", kwargs={"pk": application.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["choice_2"].value() == f"f{facility(city, 'F2').pk}"
    f3 = f"f{facility(city, 'F3').pk}"
    response = client.post(url, form_data(city, child_name="Anna", choice_2=f3))
    assert response.status_code == 302
    assert [c.facility.official_number for c in application.choices.order_by("rank")] == [
        "F1",
        "F3",
    ]


def test_editing_after_publication_is_refused_for_parents(client, city, round_, parent, office):
    application = apply(round_, city, "Anna", ["F1"], parent=parent)
    publish(round_)
    login(client, parent)
    url = reverse("allocation:application-edit", kwargs={"pk": application.pk})
    assert client.get(url).status_code == 403
    f2 = f"f{facility(city, 'F2').pk}"
    assert client.post(url, form_data(city, choice_1=f2)).status_code == 403
    assert application.choices.get().facility.official_number == "F1"
    page = client.get(reverse("allocation:my-application", kwargs={"pk": application.pk}))
    assert url not in page.content.decode()
    # The office cannot change it either once the child has an offer.
    client.logout()
    login(client, office)
    assert client.get(url).status_code == 403


def test_a_parent_withdraws_after_confirming(client, city, round_, parent):
    application = apply(round_, city, "Anna", ["F1"], parent=parent)
    login(client, parent)
    url = reverse("allocation:application-withdraw", kwargs={"pk": application.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "This cannot be undone" in page.content.decode()
    application.refresh_from_db()
    assert not application.withdrawn
    response = client.post(url)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.withdrawn


# --- offers ---------------------------------------------------------------------------------


def test_the_parent_sees_the_offer_and_accepts_it(client, city, round_, parent):
    application = apply(round_, city, "Anna", ["F1"], parent=parent)
    publish(round_)
    offer = Offer.objects.get(application=application)
    login(client, parent)
    listing = client.get(reverse("allocation:my-applications")).content.decode()
    assert "Kita F1, answer by" in listing
    page = client.get(reverse("allocation:my-application", kwargs={"pk": application.pk}))
    text = page.content.decode()
    assert "Offer of a place at Kita F1 (your choice no. 1)" in text
    assert reverse("allocation:offer-answer", kwargs={"pk": offer.pk}) in text
    assert "Accept the place" in text and "Decline the place" in text

    response = client.post(
        reverse("allocation:offer-answer", kwargs={"pk": offer.pk}), {"answer": "accept"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "allocation:my-application", kwargs={"pk": application.pk}
    )
    offer.refresh_from_db()
    assert offer.status == Offer.ACCEPTED and offer.answered_by == parent
    event = AuditEvent.objects.get(action="allocation.offer_answered")
    assert event.actor == parent and event.after["status"] == Offer.ACCEPTED
    page = client.get(response["Location"]).content.decode()
    assert "Accepted: the child has a place at Kita F1." in page
    # A second answer is refused with a message.
    again = client.post(
        reverse("allocation:offer-answer", kwargs={"pk": offer.pk}),
        {"answer": "decline", "confirmed": "yes"},
        follow=True,
    )
    assert "already been answered" in again.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.ACCEPTED


def test_declining_asks_for_confirmation(client, city, round_, parent):
    application = apply(round_, city, "Anna", ["F1"], parent=parent)
    publish(round_)
    offer = Offer.objects.get(application=application)
    login(client, parent)
    url = reverse("allocation:offer-answer", kwargs={"pk": offer.pk})
    confirm = client.post(url, {"answer": "decline"})
    assert confirm.status_code == 200
    assert "Declining gives up the place" in confirm.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.OPEN
    response = client.post(url, {"answer": "decline", "confirmed": "yes"})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == Offer.DECLINED
    page = client.get(reverse("allocation:my-application", kwargs={"pk": application.pk}))
    assert "Declined: the place at Kita F1 was declined." in page.content.decode()


def test_the_answer_route_is_post_only(client, city, round_, parent):
    application = apply(round_, city, "Anna", ["F1"], parent=parent)
    publish(round_)
    offer = Offer.objects.get(application=application)
    login(client, parent)
    assert (
        client.get(reverse("allocation:offer-answer", kwargs={"pk": offer.pk})).status_code == 405
    )


def test_answering_someone_elses_offer_is_404(client, city, round_, parent):
    application = apply(round_, city, "Anna", ["F1"], parent=parent)
    publish(round_)
    offer = Offer.objects.get(application=application)
    url = reverse("allocation:offer-answer", kwargs={"pk": offer.pk})
    login(client, make_user("other", Role.PARENT))
    assert client.post(url, {"answer": "accept"}).status_code == 404
    client.logout()
    login(client, make_user("planner", Role.PLANNER))
    assert client.post(url, {"answer": "accept"}).status_code == 403
    offer.refresh_from_db()
    assert offer.status == Offer.OPEN


def test_the_office_answers_on_behalf_of_a_family(client, city, round_, office):
    application = apply(round_, city, "Anna", ["F1"])
    publish(round_)
    offer = Offer.objects.get(application=application)
    login(client, office)
    response = client.post(
        reverse("allocation:offer-answer", kwargs={"pk": offer.pk}), {"answer": "accept"}
    )
    assert response["Location"] == reverse(
        "allocation:application-detail", kwargs={"pk": application.pk}
    )
    offer.refresh_from_db()
    assert offer.status == Offer.ACCEPTED and offer.answered_by == office


def test_the_explanation_names_the_higher_ranked_facility(client, city, round_, parent):
    # Both want F1 (one place). Ben lives in F1's district and ranks higher there; Anna, from
    # district 2, gets her second choice F2.
    anna = apply(round_, city, "Anna", ["F1", "F2"], area=2, parent=parent)
    apply(round_, city, "Ben", ["F1"], area=0)
    publish(round_)
    anna.refresh_from_db()
    login(client, parent)
    text = client.get(reverse("allocation:my-application", kwargs={"pk": anna.pk})).content.decode()
    assert "Offer of a place at Kita F2 (your choice no. 2)" in text
    assert "Why not a Kita you ranked higher" in text
    run = run_for(anna)
    explanation = explain_child(run, anna.reference, facility_names(run))
    [line] = [r for r in explanation.reasons if r.facility_id == "F1"]
    assert escape(line.text) in text
    assert f"The child's lottery number is {anna.lottery_number}" in text
    assert "Ben" not in text


def test_an_unplaced_child_stays_on_the_waiting_lists(client, city, round_, parent):
    anna = apply(round_, city, "Anna", ["F1"], area=2, parent=parent)
    apply(round_, city, "Ben", ["F1"], area=0)
    publish(round_)
    login(client, parent)
    text = client.get(reverse("allocation:my-application", kwargs={"pk": anna.pk})).content.decode()
    assert "No place in this run" in text
    assert "Result of this run: no place." in text
    assert "Kita F1" in text


def test_the_home_page_links_parents_to_their_page(client, parent):
    login(client, parent)
    page = client.get(reverse("core:home")).content.decode()
    assert reverse("allocation:my-applications") in page


def test_registering_works_in_german_with_iso_dates(client, city, round_, parent):
    login(client, parent, english=False)
    url = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    page = client.get(url).content.decode()
    assert 'value="2027-08-01"' in page  # the date input keeps ISO dates in every language
    assert client.post(url, form_data(city)).status_code == 302
    application = Application.objects.get()
    assert application.birth_date == dt.date(2026, 1, 15)
    assert (
        client.get(reverse("allocation:my-application", kwargs={"pk": application.pk})).status_code
        == 200
    )


def test_siblings_are_ticked_in_checkboxes_however_many_facilities_the_round_has(
    client, city, round_, parent
):
    """Issue 17: with more than 15 facilities the siblings field was a multi-select that needs
    the Ctrl key (unusable on a phone); it is a list of checkboxes."""
    for k in range(20):
        extra = Facility.objects.create(
            territory=city.territory,
            official_number=f"X{k:02d}",
            name=f"Kita X{k:02d}",
            provider=city.providers[0],
            area=city.areas[0],
            lat=52.005,
            lon=13.0,
        )
        RoundProgramme.objects.create(round=round_, facility=extra, age_group="u3", capacity=1)
    login(client, parent)
    new_url = reverse("allocation:application-new", kwargs={"round_pk": round_.pk})
    html = client.get(new_url).content.decode()
    assert 'name="siblings_at"' in html
    assert "<select" not in html.split('name="siblings_at"')[0].rsplit("<fieldset", 1)[-1]
    assert html.count('type="checkbox" name="siblings_at"') == 23
    assert "Ctrl" not in html
    ticked = [facility(city, "F1").pk, Facility.objects.get(official_number="X07").pk]
    response = client.post(new_url, form_data(city, siblings_at=[str(pk) for pk in ticked]))
    assert response.status_code == 302
    assert sorted(Application.objects.get().siblings_at.values_list("pk", flat=True)) == ticked


def test_a_logged_in_parent_finds_the_finder_in_the_menu(client, parent):
    """Issue 17: the finder is public, but a logged-in parent had no link to it."""
    login(client, parent, english=False)
    html = client.get(reverse("allocation:my-applications")).content.decode()
    assert f'href="{reverse("finder:search")}"' in html
