"""Every page × the roles allowed to open it. Status tests and the browser tests iterate over it.

A test compares the URL resolver's named routes with this matrix, so a new page without a row
here fails the suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kitaplan.web.core.roles import Role

STAFF = frozenset(
    {
        Role.PLANNER,
        Role.ALLOCATION_OFFICE,
        Role.CHILDMINDER_ADVISER,
        Role.ADMIN,
        Role.FACILITY_MANAGER,
    }
)
CITY_STAFF = STAFF - {Role.FACILITY_MANAGER}
STEWARDS = frozenset({Role.PLANNER, Role.ADMIN})
EVERYONE = frozenset(Role)
OFFICE = frozenset({Role.ALLOCATION_OFFICE, Role.ADMIN})
#: kwargs values resolved from tests.web.allocation.helpers.allocation_objects
ALLOCATION_KEYS = frozenset({"round", "run", "application", "own_application"})
#: kwargs values resolved from tests.web.childminding.helpers.childminder_objects
CHILDMINDING_KEYS = frozenset({"childminder", "absence"})
#: kwargs values resolved from tests.web.qualification.helpers.qualification_objects
QUALIFICATION_KEYS = frozenset({"course", "qual_childminder", "programme"})
#: kwargs values resolved from tests.web.measures.helpers.measure_objects
MEASURE_KEYS = frozenset(
    {
        "plan",
        "measure",
        "document",
        "organisation",
        "plan_field",
        "measure_objective",
        "plan_territory",
    }
)
#: kwargs values resolved from tests.web.networks.helpers.network_objects
NETWORK_KEYS = frozenset({"network", "meeting", "member", "working_group"})
#: kwargs values resolved from tests.web.budget.helpers.budget_objects
BUDGET_KEYS = frozenset({"budget_run", "budget_provider"})
#: kwargs values resolved from tests.web.inclusion.helpers.inclusion_objects
INCLUSION_KEYS = frozenset({"checklist_facility", "checklist_item", "pool_item"})
#: kwargs values resolved from tests.web.payments.helpers.payment_objects
PAYMENT_KEYS = frozenset({"payment_run", "payment_childminder", "rate_table", "payment_contract"})
PAYMENT_OFFICE = frozenset({Role.PAYMENT_OFFICE, Role.ADMIN})
REGISTRY = frozenset({Role.ADMIN, Role.PAYMENT_OFFICE, Role.CHILDMINDER_ADVISER, Role.CHILDMINDER})
REGISTRY_EDITORS = frozenset({Role.ADMIN, Role.CHILDMINDER_ADVISER})
ADMINS = frozenset({Role.ADMIN})
#: kwargs values resolved from tests.web.administration.helpers.administration_objects
ADMINISTRATION_KEYS = frozenset({"admin_territory", "admin_user", "admin_role"})
#: kwargs values resolved from tests.web.planning.setup_helpers.planning_setup_objects
PLANNING_SETUP_KEYS = frozenset({"care_rate_set", "target_rule"})


@dataclass(frozen=True)
class Page:
    url_name: str
    allowed: frozenset[Role]
    kwargs: dict[str, str] = field(default_factory=dict)  # values: "own_facility", "area", "import"
    query: str = ""
    anonymous: bool = False  # reachable without login
    html: bool = True  # an HTML page (axe-checked in the browser tests)


PAGES = [
    Page("login", EVERYONE, anonymous=True),
    Page("core:about", EVERYONE, anonymous=True),
    Page("healthz", EVERYONE, anonymous=True, html=False),
    Page("finder:search", EVERYONE, anonymous=True),
    Page("finder:search", EVERYONE, query="?age_group=u3&integration=on", anonymous=True),
    Page("finder:easy-language", EVERYONE, anonymous=True),
    Page("core:home", EVERYONE),
    Page("accounts:security", EVERYONE),
    Page("territory:area-list", STAFF),
    Page("territory:area-list", STAFF, query="?level=district"),
    Page("territory:area-list", STAFF, query="?level=area&show=children_u3"),
    Page("territory:area-detail", STAFF, kwargs={"pk": "area"}),
    Page("territory:area-geojson", STAFF, html=False),
    Page("territory:area-group-list", STAFF),
    Page("territory:area-group-new", STEWARDS),
    Page("territory:area-group-edit", STEWARDS, kwargs={"pk": "area_group"}),
    Page("facilities:facility-list", STAFF),
    Page("facilities:facility-detail", STAFF, kwargs={"pk": "own_facility"}),
    Page(
        "facilities:facility-edit",
        STEWARDS | {Role.FACILITY_MANAGER},
        kwargs={"pk": "own_facility"},
    ),
    Page("facilities:facility-geojson", STAFF, html=False),
    Page("planning:balance", STAFF),
    Page("planning:balance", STAFF, query="?level=area&show=u3:coverage&sort=-u3:balance"),
    Page("planning:balance", STAFF, query="?parent={district}"),
    Page("planning:balance", STAFF, query="?group={area_group}"),
    Page("planning:balance-geojson", STAFF, html=False),
    Page("planning:balance-pdf", STAFF, html=False),
    Page("planning:care-rates", STAFF),
    Page("planning:forecast", STAFF),
    Page("planning:targets", STAFF),
    Page("planning:accessibility", CITY_STAFF),
    Page("planning:accessibility-geojson", CITY_STAFF, html=False),
    Page("planning:accessibility-status", CITY_STAFF, html=False),
    Page("planning:scenario-list", CITY_STAFF),
    Page("planning:scenario-new", STEWARDS),
    Page("planning:scenario-detail", CITY_STAFF),
    Page("planning:setup-care-rates", STEWARDS),
    Page("planning:setup-care-rate-new", STEWARDS),
    Page("planning:setup-care-rate-edit", STEWARDS, kwargs={"pk": "care_rate_set"}),
    Page("planning:setup-care-rate-copy", STEWARDS, kwargs={"pk": "care_rate_set"}),
    Page("planning:setup-targets", STEWARDS),
    Page("planning:setup-target-new", STEWARDS),
    Page("planning:setup-target-edit", STEWARDS, kwargs={"pk": "target_rule"}),
    Page("monitoring:index", STAFF),
    Page("monitoring:index", STAFF, query="?index=dynamics&sort=-index"),
    Page("monitoring:index", STAFF, query="?format=csv", html=False),
    Page("monitoring:index-geojson", STAFF, html=False),
    Page("monitoring:indicators", STAFF),
    Page("monitoring:indicators", STAFF, query="?format=csv", html=False),
    Page("monitoring:indicators-geojson", STAFF, html=False),
    Page("monitoring:area-series", STAFF, kwargs={"pk": "area"}),
    Page("monitoring:alerts", STAFF),
    Page("monitoring:facility-index", STAFF),
    Page("monitoring:facility-index", STAFF, query="?basis=own_area&sort=-known"),
    Page("monitoring:facility-index", STAFF, query="?format=csv", html=False),
    Page("monitoring:report-pdf", STAFF, html=False),
    Page("monitoring:report-pdf", STAFF, query="?group={area_group}&period=2024-H1", html=False),
    Page("budget:overview", STAFF),
    Page("budget:run", CITY_STAFF),
    Page("budget:shares", STAFF),
    Page("budget:shares", STAFF, query="?format=csv", html=False),
    Page(
        "budget:provider-letter",
        STAFF,
        kwargs={"run": "budget_run", "provider": "budget_provider"},
        html=False,
    ),
    Page(
        "budget:provider-xlsx",
        STAFF,
        kwargs={"run": "budget_run", "provider": "budget_provider"},
        html=False,
    ),
    Page("budget:evaluation", CITY_STAFF),
    Page("budget:evaluation", CITY_STAFF, query="?format=csv", html=False),
    Page("allocation:round-list", STAFF),
    Page("allocation:round-new", OFFICE),
    Page("allocation:round-detail", STAFF, kwargs={"pk": "round"}),
    Page("allocation:round-edit", OFFICE, kwargs={"pk": "round"}),
    Page("allocation:round-places", STAFF, kwargs={"pk": "round"}),
    Page("allocation:application-list", OFFICE, kwargs={"pk": "round"}),
    Page(
        "allocation:application-list",
        OFFICE,
        kwargs={"pk": "round"},
        query="?format=xlsx",
        html=False,
    ),
    Page("allocation:round-statistics", STAFF, kwargs={"pk": "round"}),
    Page(
        "allocation:round-statistics",
        STAFF,
        kwargs={"pk": "round"},
        query="?format=csv",
        html=False,
    ),
    Page(
        "allocation:facility-applicants",
        OFFICE | {Role.FACILITY_MANAGER},
        kwargs={"pk": "round", "facility": "own_facility"},
    ),
    Page("allocation:run-detail", OFFICE, kwargs={"pk": "run"}),
    Page("allocation:run-instance", OFFICE, kwargs={"pk": "run"}, html=False),
    Page("allocation:run-chances-status", OFFICE, kwargs={"pk": "run"}, html=False),
    Page("allocation:application-detail", OFFICE, kwargs={"pk": "application"}),
    Page("allocation:application-erase", OFFICE, kwargs={"pk": "application"}),
    Page("allocation:my-export", frozenset({Role.PARENT}), html=False),
    Page("allocation:my-applications", frozenset({Role.PARENT})),
    Page("allocation:my-application", frozenset({Role.PARENT}), kwargs={"pk": "own_application"}),
    Page("allocation:application-new", OFFICE | {Role.PARENT}, kwargs={"round_pk": "round"}),
    Page("allocation:application-edit", OFFICE | {Role.PARENT}, kwargs={"pk": "own_application"}),
    Page(
        "allocation:application-withdraw",
        OFFICE | {Role.PARENT},
        kwargs={"pk": "own_application"},
    ),
    Page("childminding:childminder-list", REGISTRY),
    Page("childminding:childminder-list", REGISTRY, query="?format=xlsx", html=False),
    Page("childminding:childminder-new", REGISTRY_EDITORS),
    Page("childminding:due", REGISTRY),
    Page("childminding:due", REGISTRY, query="?format=csv", html=False),
    Page("childminding:childminder-detail", REGISTRY, kwargs={"pk": "childminder"}),
    Page("childminding:childminder-edit", REGISTRY_EDITORS, kwargs={"pk": "childminder"}),
    Page("childminding:childminder-erase", REGISTRY_EDITORS, kwargs={"pk": "childminder"}),
    Page("payments:overview", REGISTRY),
    Page("payments:table-upload", PAYMENT_OFFICE),
    Page("payments:table-upload", PAYMENT_OFFICE, query="?kind=fees"),
    Page("payments:rate-table", PAYMENT_OFFICE, kwargs={"pk": "rate_table"}),
    Page("payments:fees", REGISTRY),
    Page("payments:debtor", PAYMENT_OFFICE),
    Page("payments:hours", REGISTRY),
    Page("payments:contract", REGISTRY, kwargs={"pk": "payment_contract"}),
    Page("payments:childminders", REGISTRY),
    Page("payments:childminder", REGISTRY, kwargs={"pk": "payment_childminder"}),
    Page("payments:run", PAYMENT_OFFICE, kwargs={"pk": "payment_run"}),
    Page("payments:run-csv", PAYMENT_OFFICE, kwargs={"pk": "payment_run"}, html=False),
    Page("payments:run-sepa", PAYMENT_OFFICE, kwargs={"pk": "payment_run"}, html=False),
    Page(
        "payments:statement",
        REGISTRY,
        kwargs={"pk": "payment_run", "childminder": "payment_childminder"},
    ),
    Page(
        "payments:statement-pdf",
        REGISTRY,
        kwargs={"pk": "payment_run", "childminder": "payment_childminder"},
        html=False,
    ),
    Page("substitutes:absence-list", REGISTRY_EDITORS | {Role.CHILDMINDER}),
    Page(
        "substitutes:absence-detail",
        REGISTRY_EDITORS | {Role.CHILDMINDER},
        kwargs={"pk": "absence"},
    ),
    Page(
        "substitutes:contacts", REGISTRY_EDITORS | {Role.CHILDMINDER}, kwargs={"pk": "childminder"}
    ),
    Page("substitutes:report", REGISTRY_EDITORS),
    Page("substitutes:report", REGISTRY_EDITORS, query="?format=csv", html=False),
    Page("substitutes:notifications", REGISTRY_EDITORS | {Role.CHILDMINDER}),
    Page("substitutes:parent-contacts", REGISTRY_EDITORS, kwargs={"pk": "childminder"}),
    Page("substitutes:settings", REGISTRY_EDITORS),
    Page("reports:yearly-report", REGISTRY - {Role.CHILDMINDER}),
    Page("reports:yearly-report-pdf", REGISTRY - {Role.CHILDMINDER}, html=False),
    Page("reports:yearly-report-xlsx", REGISTRY - {Role.CHILDMINDER}, html=False),
    Page("reports:transition", REGISTRY_EDITORS),
    Page("qualification:programme-list", REGISTRY),
    Page("qualification:course-detail", REGISTRY, kwargs={"pk": "course"}),
    Page("qualification:childminder", REGISTRY, kwargs={"pk": "qual_childminder"}),
    Page("qualification:behind", REGISTRY - {Role.CHILDMINDER}),
    Page("qualification:behind", REGISTRY - {Role.CHILDMINDER}, query="?format=xlsx", html=False),
    Page("qualification:planning", REGISTRY - {Role.CHILDMINDER}),
    Page("qualification:setup", REGISTRY_EDITORS),
    Page("childminding:service-list", ADMINS),
    Page("childminding:service-edit", ADMINS, kwargs={"pk": "advisory_service"}),
    Page("qualification:setup-programme", REGISTRY_EDITORS, kwargs={"pk": "programme"}),
    Page("measures:plan-list", STAFF),
    Page("measures:plan-detail", STAFF, kwargs={"pk": "plan"}),
    Page("measures:report", STAFF, kwargs={"pk": "plan"}),
    Page("measures:report-pdf", STAFF, kwargs={"pk": "plan"}, html=False),
    Page("measures:report-xlsx", STAFF, kwargs={"pk": "plan"}, html=False),
    Page("measures:measure-detail", STAFF, kwargs={"pk": "measure"}),
    Page("measures:document", STAFF, kwargs={"pk": "document"}, html=False),
    Page("measures:organisation-list", STAFF),
    Page("measures:organisation-create", STEWARDS),
    Page("measures:organisation-edit", STEWARDS, kwargs={"pk": "organisation"}),
    Page("measures:plan-create", STEWARDS),
    Page("measures:plan-edit", STEWARDS, kwargs={"pk": "plan"}),
    Page("measures:plan-version", STEWARDS, kwargs={"pk": "plan"}),
    Page("measures:field-create", STEWARDS, kwargs={"pk": "plan"}),
    Page("measures:field-edit", STEWARDS, kwargs={"pk": "plan", "field_pk": "plan_field"}),
    Page("measures:objective-create", STEWARDS, kwargs={"pk": "plan", "field_pk": "plan_field"}),
    Page(
        "measures:objective-edit",
        STEWARDS,
        kwargs={"pk": "plan", "field_pk": "plan_field", "objective_pk": "measure_objective"},
    ),
    Page(
        "measures:measure-create",
        STEWARDS,
        kwargs={"pk": "plan", "objective_pk": "measure_objective"},
    ),
    Page(
        "measures:measure-edit",
        STEWARDS,
        kwargs={"pk": "plan", "objective_pk": "measure_objective", "measure_pk": "measure"},
    ),
    Page("networks:network-list", STAFF),
    Page("networks:network-create", STEWARDS),
    Page("networks:network-detail", STAFF, kwargs={"pk": "network"}),
    Page("networks:network-edit", STEWARDS, kwargs={"pk": "network"}),
    Page("networks:network-close", STEWARDS, kwargs={"pk": "network"}),
    Page("networks:working-group-create", STEWARDS, kwargs={"pk": "network"}),
    Page("networks:working-group-edit", STEWARDS, kwargs={"pk": "working_group"}),
    Page("networks:working-group-delete", STEWARDS, kwargs={"pk": "working_group"}),
    Page("networks:member-add", STEWARDS, kwargs={"pk": "network"}),
    Page("networks:member-export-csv", STEWARDS, kwargs={"pk": "network"}, html=False),
    Page("networks:member-export-xlsx", STEWARDS, kwargs={"pk": "network"}, html=False),
    Page("networks:meeting-list", STAFF, kwargs={"pk": "network"}),
    Page("networks:member-edit", STEWARDS, kwargs={"pk": "member"}),
    Page("networks:member-erase", STEWARDS, kwargs={"pk": "member"}),
    Page("networks:meeting-detail", STAFF, kwargs={"pk": "meeting"}),
    Page("networks:meeting-invite", STEWARDS, kwargs={"pk": "meeting"}),
    Page("networks:meeting-ics", STAFF, kwargs={"pk": "meeting"}, html=False),
    Page("inclusion:overview", STAFF),
    Page("inclusion:facility", STAFF, kwargs={"pk": "checklist_facility"}),
    Page("inclusion:checklist", STEWARDS),
    Page("inclusion:checklist-item", STEWARDS, kwargs={"pk": "checklist_item"}),
    Page("inclusion:staff", STAFF),
    Page("inclusion:pool", STAFF),
    Page("inclusion:pool-item", STAFF, kwargs={"pk": "pool_item"}),
    Page("inclusion:pool-use", STAFF),
    # the registry keepers import childminders and care contracts (childminding.imports)
    Page("imports:import-list", STEWARDS | REGISTRY_EDITORS | OFFICE),
    Page("imports:import-new", STEWARDS | REGISTRY_EDITORS | OFFICE),
    Page("imports:import-detail", STEWARDS, kwargs={"pk": "import"}),
    # another user's job: only administrators (a user sees their own jobs: tests/web/jobs)
    Page("jobs:job-detail", ADMINS, kwargs={"pk": "job"}),
    Page("jobs:job-status", ADMINS, kwargs={"pk": "job"}, html=False),
    Page("audit:event-list", STEWARDS),
    Page("administration:territory-list", ADMINS),
    Page("administration:territory-create", ADMINS),
    Page("administration:territory-edit", ADMINS, kwargs={"pk": "admin_territory"}),
    Page("administration:user-list", ADMINS),
    Page("administration:user-list", ADMINS, query="?q=matrix"),
    Page("administration:user-create", ADMINS),
    Page("administration:user-edit", ADMINS, kwargs={"pk": "admin_user"}),
    Page("api-docs", STAFF),
    Page("api-token-list", frozenset({Role.ADMIN})),
    Page("api-schema", STAFF, html=False),
]

#: Named routes that are not pages to check (actions, or pages that only redirect).
NOT_PAGES = {
    "logout",
    "set_language",
    "javascript-catalog",
    "allocation:round-run",
    "allocation:application-chances",  # POST only ("Try again" for a run's chances)
    "allocation:run-publish",
    "allocation:offer-answer",
    "reports:transition-enter",  # POST only
    "territory:area-group-close",  # POST only
    "territory:area-group-delete",  # POST only
    "qualification:me",  # redirects to the childminder's own page
    "childminding:me",  # redirects to the childminder's own page (tested in its app)
    "childminding:me-export",  # the childminder's own data (tested in its app)
    "administration:user-role-add",  # POST only
    "administration:user-role-remove",  # POST only
    "measures:plan-close",  # POST only
    "measures:field-remove",  # POST only
    "measures:objective-remove",  # POST only
    "measures:measure-remove",  # POST only
    "administration:user-active",  # POST only
    "planning:setup-care-rate-activate",  # POST only
    "planning:setup-target-active",  # POST only
    "imports:import-confirm",  # POST only (the second step of an upload)
    "jobs:job-retry",  # POST only
    "planning:balance-pdf-job",  # POST only (queues the committee report)
    "monitoring:report-pdf-job",  # POST only (queues the development report)
    "planning:accessibility-retry",  # POST only ("Try again" for the grid figures)
    # a report job's file: its actor only (tests/web/jobs/test_report_jobs.py)
    "planning:balance-pdf-file",
    "monitoring:report-pdf-file",
}


# --- POST routes ------------------------------------------------------------------------------

TRANSITION = frozenset({Role.ADMIN, Role.CHILDMINDER_ADVISER})


@dataclass(frozen=True)
class Post:
    """A route that accepts POST and the roles whose POST it carries out.

    ``data`` is the body sent (an action with fields, so a missing check would write); a role
    outside ``allowed`` must get 403 (404 where scoping hides the object, the login for
    anonymous users) and no row may change. Resolved like :class:`Page` (``kwargs`` values).
    """

    url_name: str
    allowed: frozenset[Role]
    kwargs: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    query: str = ""  # may name keys: "?scenario={scenario}"
    refs: dict[str, str] = field(default_factory=dict)  # POST field -> key of an object
    given: tuple[str, ...] = ()  # keys of objects the user needs (an adviser's service)


POSTS = [
    Post("accounts:security", EVERYONE, data={"action": "otp-start"}),
    Post("facilities:facility-edit", STEWARDS | {Role.FACILITY_MANAGER}, {"pk": "own_facility"}),
    Post("imports:import-new", STEWARDS | REGISTRY_EDITORS | OFFICE),
    Post("imports:import-confirm", STEWARDS, {"pk": "import"}),
    Post("jobs:job-retry", ADMINS, {"pk": "job"}),
    Post("planning:care-rates", STEWARDS),
    Post("planning:balance-pdf-job", STAFF, query="?level=district"),
    Post("monitoring:report-pdf-job", STAFF, data={"territory": "testcity"}),
    Post("planning:scenario-new", STEWARDS, data={"name": "Szenario X"}),
    Post(
        "planning:setup-care-rate-new",
        STEWARDS,
        data={
            "valid_from_year": "2030",
            "name": "Matrix neu",
            **{f"rate_{age}": "50" for age in range(6)},
            "integration_rate": "2",
        },
    ),
    Post("planning:setup-care-rate-edit", STEWARDS, {"pk": "care_rate_set"}),
    Post(
        "planning:setup-care-rate-copy",
        STEWARDS,
        {"pk": "care_rate_set"},
        data={"valid_from_year": "2031", "name": "Kopie"},
    ),
    Post("planning:setup-care-rate-activate", STEWARDS, {"pk": "care_rate_set"}),
    Post("planning:setup-target-new", STEWARDS),
    Post("planning:setup-target-edit", STEWARDS, {"pk": "target_rule"}),
    Post("planning:setup-target-active", STEWARDS, {"pk": "target_rule"}, data={"active": "0"}),
    Post(
        "territory:area-group-new", STEWARDS, data={"name": "Sozialraum X"}, refs={"areas": "area"}
    ),
    Post(
        "territory:area-group-edit",
        STEWARDS,
        {"pk": "area_group"},
        data={"name": "Sozialraum Y"},
        refs={"areas": "area"},
    ),
    Post("territory:area-group-close", STEWARDS, {"pk": "area_group"}),
    Post("territory:area-group-delete", STEWARDS, {"pk": "area_group"}),
    Post(
        "planning:scenario-detail",
        STEWARDS,
        query="?scenario={scenario}",
        data={"kind": "close", "facility": "F1"},
    ),
    Post("budget:overview", STEWARDS, data={"action": "budget"}),
    Post("budget:run", STEWARDS, data={"action": "publish"}, refs={"run": "budget_run"}),
    Post("budget:shares", STAFF),
    Post("allocation:round-new", OFFICE),
    Post("allocation:round-edit", OFFICE, {"pk": "round"}),
    Post(
        "allocation:round-places",
        OFFICE | {Role.FACILITY_MANAGER},  # managers: places of their own facilities
        {"pk": "round"},
        data={"action": "criteria"},
    ),
    Post("allocation:round-run", OFFICE, {"pk": "round"}),
    Post("allocation:application-chances", OFFICE, {"pk": "application"}, query="?run={run}"),
    Post("planning:accessibility-retry", CITY_STAFF, query="?points=grid"),
    Post(
        "allocation:facility-applicants",
        OFFICE | {Role.FACILITY_MANAGER},
        {"pk": "round", "facility": "own_facility"},
        data={"action": "order"},
    ),
    Post("allocation:run-publish", OFFICE, {"pk": "run"}),
    Post(
        "allocation:application-erase",
        OFFICE,
        {"pk": "application"},
        data={"reason": "family_request"},
    ),
    Post("allocation:application-new", OFFICE | {Role.PARENT}, {"round_pk": "round"}),
    Post("allocation:application-edit", OFFICE | {Role.PARENT}, {"pk": "own_application"}),
    Post("allocation:application-withdraw", OFFICE | {Role.PARENT}, {"pk": "own_application"}),
    Post(
        "allocation:offer-answer",
        OFFICE | {Role.PARENT},
        {"pk": "offer"},
        data={"answer": "accept"},
    ),
    Post("childminding:childminder-new", REGISTRY_EDITORS),
    Post(
        "childminding:childminder-erase",
        REGISTRY_EDITORS,
        {"pk": "childminder"},
        data={"reason": "own_request"},
    ),
    Post(
        "childminding:childminder-detail",
        REGISTRY_EDITORS,
        {"pk": "childminder"},
        data={"action": "permit"},
    ),
    Post("childminding:childminder-edit", REGISTRY_EDITORS, {"pk": "childminder"}),
    Post("reports:transition", TRANSITION, data={"months": "6"}),  # a read by POST
    Post("reports:transition-enter", TRANSITION),
    Post("qualification:programme-list", REGISTRY_EDITORS),
    Post(
        "qualification:course-detail",
        REGISTRY_EDITORS,
        {"pk": "course"},
        data={"action": "enrol"},
    ),
    Post("qualification:childminder", REGISTRY_EDITORS, {"pk": "qual_childminder"}),
    Post("qualification:behind", frozenset({Role.ADMIN}), data={"minimum-year": "2026"}),
    Post(
        "childminding:service-list",
        ADMINS,
        data={"name": "Fachberatung Matrix"},
        refs={"territory": "territory"},
    ),
    Post("childminding:service-edit", ADMINS, {"pk": "advisory_service"}, data={"name": "X"}),
    Post(
        "qualification:setup",
        REGISTRY_EDITORS,
        data={"programme-code": "MX", "programme-name": "Matrix", "programme-kind": "other"},
        refs={"programme-territory": "territory"},
    ),
    Post(
        "qualification:setup-programme",
        REGISTRY_EDITORS,
        {"pk": "programme"},
        data={"action": "part", "part-order": "3", "part-name": "Matrix", "part-units": "10"},
    ),
    # confirming and booking: the facilities one may edit (stewards, managers: their own)
    Post("inclusion:facility", STEWARDS | {Role.FACILITY_MANAGER}, {"pk": "checklist_facility"}),
    Post("inclusion:checklist", STEWARDS),
    Post("inclusion:checklist-item", STEWARDS, {"pk": "checklist_item"}),
    Post("inclusion:staff", STEWARDS, data={"action": "enrol"}),
    Post("inclusion:pool", STEWARDS),
    Post(
        "inclusion:pool-item",
        STEWARDS | {Role.FACILITY_MANAGER},
        {"pk": "pool_item"},
        data={"action": "book"},
    ),
    Post("payments:overview", PAYMENT_OFFICE),
    Post("payments:table-upload", PAYMENT_OFFICE),
    Post("payments:hours", REGISTRY),
    Post(
        "payments:contract",
        PAYMENT_OFFICE | {Role.CHILDMINDER_ADVISER},  # advisers: contracts of their service
        {"pk": "payment_contract"},
    ),
    Post(
        "payments:childminder",
        PAYMENT_OFFICE,
        {"pk": "payment_childminder"},
        data={"action": "account"},
    ),
    Post("payments:run", PAYMENT_OFFICE, {"pk": "payment_run"}, data={"action": "release"}),
    Post(
        "payments:debtor",
        PAYMENT_OFFICE,
        data={"holder": "Jugendamt", "iban": "DE50100000000000000001", "valid_from": "2026-01-01"},
    ),
    Post(
        "substitutes:absence-list",
        REGISTRY_EDITORS | {Role.CHILDMINDER},
        data={"action": "report"},
    ),
    Post(
        "substitutes:absence-detail",
        REGISTRY_EDITORS,
        {"pk": "absence"},
        data={"action": "close"},
    ),
    Post("substitutes:contacts", REGISTRY_EDITORS, {"pk": "childminder"}),
    Post(
        "substitutes:parent-contacts",
        REGISTRY_EDITORS,
        {"pk": "childminder"},
        refs={"contract": "cm_contract"},
    ),
    Post(
        "substitutes:settings",
        REGISTRY_EDITORS,
        refs={"territory": "territory_code"},
        given=("childminder",),  # an adviser sets the settings of her service's territory
    ),
    Post("measures:plan-detail", STEWARDS, {"pk": "plan"}),
    Post("measures:report", STEWARDS, {"pk": "plan"}),
    Post("measures:measure-detail", STEWARDS, {"pk": "measure"}, data={"action": "comment"}),
    Post("measures:organisation-create", STEWARDS),
    Post("measures:organisation-edit", STEWARDS, {"pk": "organisation"}),
    Post(
        "measures:plan-create",
        STEWARDS,
        data={
            "code": "neu",
            "version_year": "2027",
            "title": "Neuer Plan",
            "first_year": "2027",
            "last_year": "2030",
        },
        refs={"territory": "plan_territory"},
    ),
    Post(
        "measures:plan-edit",
        STEWARDS,
        {"pk": "plan"},
        data={
            "code": "testplan",
            "version_year": "2020",
            "title": "Geändert",
            "first_year": "2020",
            "last_year": "2027",
        },
    ),
    Post("measures:plan-close", STEWARDS, {"pk": "plan"}),
    Post("measures:plan-version", STEWARDS, {"pk": "plan"}, data={"year": "2027"}),
    Post("measures:field-create", STEWARDS, {"pk": "plan"}, data={"code": "9", "title": "Neu"}),
    Post(
        "measures:field-edit",
        STEWARDS,
        {"pk": "plan", "field_pk": "plan_field"},
        data={"code": "1", "title": "Geändert"},
    ),
    Post("measures:field-remove", STEWARDS, {"pk": "plan", "field_pk": "plan_field"}),
    Post(
        "measures:objective-create",
        STEWARDS,
        {"pk": "plan", "field_pk": "plan_field"},
        data={"code": "1.9", "text": "Neu"},
    ),
    Post(
        "measures:objective-edit",
        STEWARDS,
        {"pk": "plan", "field_pk": "plan_field", "objective_pk": "measure_objective"},
        data={"code": "1.1", "text": "Geändert"},
    ),
    Post(
        "measures:objective-remove",
        STEWARDS,
        {"pk": "plan", "objective_pk": "measure_objective"},
    ),
    Post(
        "measures:measure-create",
        STEWARDS,
        {"pk": "plan", "objective_pk": "measure_objective"},
        data={"code": "1.1-9", "text": "Neu", "period_text": "2027"},
    ),
    Post(
        "measures:measure-edit",
        STEWARDS,
        {"pk": "plan", "objective_pk": "measure_objective", "measure_pk": "measure"},
        data={"code": "1.1-1", "text": "Geändert"},
    ),
    Post("measures:measure-remove", STEWARDS, {"pk": "plan", "measure_pk": "measure"}),
    Post("networks:network-create", STEWARDS),
    Post("networks:network-edit", STEWARDS, {"pk": "network"}),
    Post("networks:network-close", STEWARDS, {"pk": "network"}, data={"action": "reopen"}),
    Post("networks:working-group-create", STEWARDS, {"pk": "network"}),
    Post("networks:working-group-edit", STEWARDS, {"pk": "working_group"}),
    Post("networks:working-group-delete", STEWARDS, {"pk": "working_group"}),
    Post("networks:member-add", STEWARDS, {"pk": "network"}),
    Post("networks:meeting-list", STEWARDS, {"pk": "network"}),
    Post("networks:member-edit", STEWARDS, {"pk": "member"}),
    Post("networks:member-erase", STEWARDS, {"pk": "member"}),
    Post("networks:meeting-detail", STEWARDS, {"pk": "meeting"}, data={"action": "minutes"}),
    Post("networks:meeting-invite", STEWARDS, {"pk": "meeting"}),
    Post("administration:territory-create", ADMINS, data={"code": "neu", "name": "Neu"}),
    Post("administration:territory-edit", ADMINS, {"pk": "admin_territory"}, data={"name": "X"}),
    Post("administration:user-create", ADMINS, data={"username": "neu"}),
    Post("administration:user-edit", ADMINS, {"pk": "admin_user"}, data={"first_name": "X"}),
    Post("administration:user-role-add", ADMINS, {"pk": "admin_user"}, data={"role": "admin"}),
    Post("administration:user-role-remove", ADMINS, {"pk": "admin_role"}),
    Post("administration:user-active", ADMINS, {"pk": "admin_user"}, data={"active": "0"}),
    Post("api-token", STAFF, data={"label": "Skript", "days": "30"}),
    Post("api-token-revoke", frozenset({Role.ADMIN}), {"number": "other_token"}),
]
