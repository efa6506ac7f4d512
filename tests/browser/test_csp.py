"""The Content-Security-Policy is enforced and the pages, their maps (Leaflet) and HTMX keep to
it: no page reports a violation (``securitypolicyviolation`` event or console message)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kitaplan.web.core.roles import Role
from tests.browser.test_accessibility import log_in
from tests.web.factories import make_city, make_user

pytestmark = pytest.mark.django_db(transaction=True)

#: Registered before any page script runs (Playwright's init scripts are not subject to CSP).
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " (" + (event.sourceFile || "") + ":" + event.lineNumber + ")"
  );
});
"""


@pytest.fixture
def watched(page):  # type: ignore[no-untyped-def]
    """The page, with every CSP violation it reports collected in ``page.csp_messages``."""
    messages: list[str] = []
    page.add_init_script(COLLECT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            messages.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.csp_messages = messages
    return page


def assert_no_violation(page, where: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("networkidle")
    events = page.evaluate("window.__cspViolations")
    assert events == [], f"{where}: {events}"
    assert page.csp_messages == [], f"{where}: {page.csp_messages}"


def test_the_policy_is_enforced_and_a_violation_would_be_seen(live_server, watched):
    """The check itself works: an inline script is blocked and reported."""
    response = watched.goto(live_server.url + reverse("login"))
    assert "script-src 'self'" in response.headers["content-security-policy"]
    directive = watched.evaluate(
        """() => new Promise((resolve) => {
          document.addEventListener(
            "securitypolicyviolation", (event) => resolve(event.violatedDirective), {once: true}
          );
          const script = document.createElement("script");
          script.textContent = "window.__inlineRan = true";
          document.body.appendChild(script);
        })"""
    )
    assert directive.startswith("script-src")
    assert watched.evaluate("window.__inlineRan") is None
    assert watched.evaluate("window.__cspViolations")


def test_the_main_pages_and_their_maps_keep_to_the_policy(live_server, watched):
    city = make_city()
    make_user("planer", Role.PLANNER)
    watched.goto(live_server.url + reverse("login"))
    assert_no_violation(watched, "login")
    log_in(watched, live_server, "planer")
    assert_no_violation(watched, "home")

    # HTMX is loaded on every page; its indicator styles would be an inline <style>.
    assert watched.evaluate("window.htmx.config.includeIndicatorStyles") is False

    pages_with_maps = {
        "areas": reverse("territory:area-list"),
        "facilities": reverse("facilities:facility-list"),
        "facility": reverse("facilities:facility-detail", kwargs={"pk": city.facilities[0].pk}),
        "planning balance": reverse("planning:balance"),
    }
    for where, url in pages_with_maps.items():
        watched.goto(live_server.url + url)
        # locator waits: Playwright's wait_for_function evaluates a string, which the CSP forbids
        watched.locator(".leaflet-container").wait_for()
        watched.locator(".leaflet-interactive").first.wait_for(state="attached")
        assert_no_violation(watched, where)

    # the map's own interactions: hover tooltip and popup of a drawn feature
    watched.goto(live_server.url + reverse("territory:area-list"))
    watched.locator("path.leaflet-interactive").nth(3).wait_for(state="attached")
    watched.locator("path.leaflet-interactive").first.click(force=True)
    assert_no_violation(watched, "area map click")

    for where, url in {
        "social monitoring": reverse("monitoring:index"),
        "Kita-Finder": reverse("finder:search") + "?age_group=u3",
        "not found": "/gibt-es-nicht/",
        "admin": reverse("admin:index"),
    }.items():
        watched.goto(live_server.url + url)
        assert_no_violation(watched, where)


def test_the_language_switch_keeps_to_the_policy(live_server, watched):
    make_city()
    make_user("planer", Role.PLANNER)
    log_in(watched, live_server, "planer")
    watched.select_option("select[name=language]", "en")
    watched.locator("form[action*='setlang'] button[type=submit]").click()
    watched.wait_for_load_state()
    assert watched.locator("html").get_attribute("lang") == "en"
    assert_no_violation(watched, "after switching the language")
