"""``kitaplan territory`` and ``kitaplan user``: set-up from the command line, audited as the
system actor; refusals exit 1 with a message in the chosen language."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User

from kitaplan.cli import main
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.models import RoleAssignment
from kitaplan.web.territory.models import Territory
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Kita-Plan-2026!x"


def test_a_territory_is_set_up_with_its_levels_and_listed(capsys):
    assert (
        main(["territory", "create", "dresden", "Dresden", "--levels", "stadtbezirk,stadtteil"])
        == 0
    )
    dresden = Territory.objects.get(code="dresden")
    assert list(dresden.levels.order_by("rank").values_list("code", "name", "rank")) == [
        ("stadtbezirk", "Stadtbezirk", 1),
        ("stadtteil", "Stadtteil", 2),
    ]
    event = AuditEvent.objects.get(action="admin.created", target_type="territory.territory")
    assert event.actor_label == "system" and event.details == {
        "levels": ["stadtbezirk", "stadtteil"]
    }
    capsys.readouterr()
    assert main(["territory", "list"]) == 0
    out = capsys.readouterr().out
    assert "dresden" in out and "stadtbezirk > stadtteil" in out


def test_an_existing_territory_code_is_refused_with_exit_1_in_either_language(capsys):
    make_city()
    assert main(["territory", "create", "testcity", "Noch eine", "--levels", "a"]) == 1
    assert 'Eine Kommune mit dem Kürzel "testcity" gibt es schon' in capsys.readouterr().err
    assert main(["--lang", "en", "territory", "create", "testcity", "X", "--levels", "a"]) == 1
    assert 'A territory with the code "testcity" exists already' in capsys.readouterr().err
    assert Territory.objects.get(code="testcity").name == "Testcity"
    assert main(["territory", "create", "neu", "Neu", "--levels", "Bad Code"]) == 1
    assert "Kürzel der Ebene" in capsys.readouterr().err
    assert not Territory.objects.filter(code="neu").exists()


def test_a_facility_manager_is_created_with_the_password_from_the_environment(capsys, monkeypatch):
    city = make_city()
    monkeypatch.setenv("KITAPLAN_NEW_PASSWORD", PASSWORD)
    code = main(
        [
            "user", "create", "leitung", "--role", "facility_manager",
            "--territory", "testcity", "--provider", "P1", "--email", "l@example.org",
        ]
    )  # fmt: skip
    assert code == 0
    user = User.objects.get(username="leitung")
    assert user.check_password(PASSWORD) and user.email == "l@example.org"
    assignment = RoleAssignment.objects.get(user=user)
    assert (assignment.role, assignment.provider, assignment.territory) == (
        "facility_manager",
        city.providers[0],
        city.territory,
    )
    events = AuditEvent.objects.filter(target_type="auth.user", actor_label="system")
    assert sorted(e.action for e in events) == ["admin.created", "user.role_assigned"]
    for event in events:
        assert "leitung" not in f"{event.target_label} {event.after} {event.details}"
        assert "l@example.org" not in f"{event.after} {event.details}"
    capsys.readouterr()
    assert main(["user", "list"]) == 0
    assert "leitung" in capsys.readouterr().out


def test_the_password_is_read_from_standard_input(monkeypatch):
    monkeypatch.delenv("KITAPLAN_NEW_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["user", "create", "planerin", "--role", "planner", "--password-stdin"]) == 0
    assert User.objects.get(username="planerin").check_password(PASSWORD)


def test_refusals_create_no_user(capsys, monkeypatch):
    make_city()
    monkeypatch.setenv("KITAPLAN_NEW_PASSWORD", PASSWORD)
    # a facility manager without a scope, an unknown provider, a weak password, a taken name
    assert main(["user", "create", "a", "--role", "facility_manager"]) == 1
    assert "braucht einen Träger oder eine Einrichtung" in capsys.readouterr().err
    assert main(["user", "create", "b", "--role", "facility_manager", "--territory", "testcity", "--provider", "P9"]) == 1  # fmt: skip
    assert 'keinen Träger mit der Nummer "P9"' in capsys.readouterr().err
    monkeypatch.setenv("KITAPLAN_NEW_PASSWORD", "123")
    assert main(["user", "create", "c", "--role", "planner"]) == 1
    assert capsys.readouterr().err.strip()
    assert not User.objects.filter(username__in=["a", "b", "c"]).exists()
    monkeypatch.setenv("KITAPLAN_NEW_PASSWORD", PASSWORD)
    assert main(["user", "create", "d", "--role", "planner"]) == 0
    assert main(["user", "create", "D", "--role", "admin"]) == 1
    assert "gibt es schon" in capsys.readouterr().err
    assert not RoleAssignment.objects.filter(role="admin").exists()


def test_the_password_is_never_an_argument():
    with pytest.raises(SystemExit):
        main(["user", "create", "x", "--role", "planner", "--password", PASSWORD])
