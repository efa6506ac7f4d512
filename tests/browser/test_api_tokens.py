"""The API token pages in the browser: create a token, see it once, revoke it; administrators'
list of everyone's tokens. Every state is checked with axe-core."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from knox.models import AuthToken

from kitaplan.web.core.roles import Role
from tests.browser.test_accessibility import assert_accessible, log_in
from tests.web.factories import make_city, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_planner_creates_and_revokes_a_token_and_an_admin_sees_all(live_server, page):
    make_city()
    planner = make_user("b-planner", Role.PLANNER)
    make_user("b-admin", Role.ADMIN)
    log_in(page, live_server, "b-planner")
    page.goto(live_server.url + reverse("api-docs"))
    assert_accessible(page, "api-docs without a token")

    page.fill("#id_label", "   ")  # passes the browser's "required", not the server's check
    page.click("#main form[action='/api/token/'] button[type=submit]")
    page.wait_for_load_state()
    assert_accessible(page, "api-docs with form errors")
    assert page.locator("#id_label_error").is_visible()
    assert not AuthToken.objects.filter(user=planner).exists()

    page.fill("#id_label", "Statistikamt")
    page.select_option("#id_days", "30")
    page.click("#main form[action='/api/token/'] button[type=submit]")
    key = page.locator("#api-new-token").input_value()
    assert len(key) == 64
    assert_accessible(page, "api-docs with a new token")
    assert page.get_by_role("table", name="API-Tokens Ihres Kontos b-planner").is_visible()

    page.context.clear_cookies()
    log_in(page, live_server, "b-admin")
    page.goto(live_server.url + reverse("api-token-list"))
    assert_accessible(page, "api-token-list")
    revoke = re.compile(r"^Widerrufen\s*: Statistikamt \(b-planner\)$")  # a name per button
    page.get_by_role("button", name=revoke).click()
    page.wait_for_url(lambda url: url.endswith(reverse("api-token-list")))
    assert_accessible(page, "api-token-list after revoking")
    assert not AuthToken.objects.filter(user=planner).exists()
