"""In the browser: a child registered by the office leaves no personal value on the planner's
audit page or in its exports."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from kitaplan.web.core.roles import Role
from tests.browser.test_accessibility import assert_accessible, log_in
from tests.web.allocation.helpers import make_round
from tests.web.factories import make_city, make_user

pytestmark = pytest.mark.django_db(transaction=True)

CHILD = "Mira Vertraulich"
ADDRESS = "Heimlichgasse 3"


def test_a_planners_audit_page_and_exports_hold_no_value_of_a_new_application(live_server, page):
    city = make_city()
    round_ = make_round(city)
    today = timezone.localdate()
    round_.care_start = dt.date(today.year + 1, 8, 1)
    round_.applications_open = today - dt.timedelta(days=5)
    round_.applications_close = today + dt.timedelta(days=30)
    round_.save()
    make_user("vergabe", Role.ALLOCATION_OFFICE)
    make_user("planung", Role.PLANNER)
    birth = dt.date(today.year, 1, 23)
    url = live_server.url

    log_in(page, live_server, "vergabe")
    page.goto(url + reverse("allocation:application-new", args=[round_.pk]))
    page.fill("input[name=child_name]", CHILD)
    page.fill("input[name=birth_date]", birth.isoformat())
    page.fill("input[name=home_address]", ADDRESS)
    page.select_option("select[name=home_area]", str(city.areas[1].pk))
    page.check("input[name=integration_need]")
    page.select_option("select[name=choice_1]", f"f{city.facilities[0].pk}")
    page.locator("#main form button[type=submit]").last.click()
    page.wait_for_url("**/allocation/application/*/")
    application = round_.applications.get()
    assert application.child_name == CHILD and application.integration_need

    page.context.clear_cookies()
    log_in(page, live_server, "planung")
    page.goto(url + reverse("audit:event-list"))
    assert_accessible(page, "audit trail")
    text = page.locator("#main").inner_text()
    assert application.reference in text
    assert "integration_need" in text  # named as changed, without its value
    exports = [
        page.request.get(url + reverse("audit:event-list") + f"?format={fmt}").body()
        for fmt in ("csv", "xlsx")
    ]
    csv_text = exports[0].decode("utf-8-sig")
    assert application.reference in csv_text
    for shown in (text, csv_text):
        for value in (CHILD, "Vertraulich", ADDRESS, birth.isoformat(), birth.strftime("%d.%m.%Y")):
            assert value not in shown
    # the workbook is zipped XML: its shared strings would hold the name in plain text
    with zipfile.ZipFile(io.BytesIO(exports[1])) as workbook:
        xml = " ".join(workbook.read(n).decode("utf-8") for n in workbook.namelist())
    assert application.reference in xml
    assert CHILD not in xml and ADDRESS not in xml
