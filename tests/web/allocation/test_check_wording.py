"""The check problems of a run are stored as codes and worded (German) on the run page, in the
run's export and by ``kitaplan allocate``; runs from before the codes show their stored text."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import translation

from kitaplan import cli
from kitaplan.domain.allocation import CheckCode, CheckProblem
from kitaplan.web.allocation import check_wording
from kitaplan.web.allocation.check_wording import (
    WORDINGS,
    check_report,
    describe_check_problem,
    describe_stored_problem,
)
from kitaplan.web.allocation.models import AllocationRun
from kitaplan.web.allocation.services import run_round
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from tests.web.allocation.helpers import apply, make_round
from tests.web.factories import PASSWORD, make_city, make_user

OVER = CheckProblem.of(
    CheckCode.OVER_REGULAR_PLACES, facility="F1", age_group="u3", admitted=3, places=2
)
LEGACY = "('F1', 'u3'): 3 > regular places + released"


def test_every_code_has_a_wording():
    assert set(WORDINGS) == set(CheckCode)


def test_the_wording_is_german():
    with translation.override("de"):
        assert (
            describe_check_problem(OVER)
            == "F1, u3: 3 Kinder auf 2 Regel- und freigegebenen Plätzen"
        )
        assert describe_check_problem(
            CheckProblem.of(CheckCode.GUARANTEE_BROKEN, child="K-1", facility="F2")
        ) == ("K-1 hatte einen Platz bei F2 und hat ihn verloren (Garantie verletzt)")
        assert describe_check_problem(
            CheckProblem.of(CheckCode.BLOCKING_PAIR, child="K-1", facility="F2")
        ).endswith("(blockierendes Paar)")
        for code in CheckCode:  # every msgid is translated
            assert translation.gettext(WORDINGS[code]) != WORDINGS[code], code
        assert check_report([]) == "Unabhängige Prüfung: bestanden\n"


def test_a_stored_problem_is_a_code_or_the_text_of_an_older_run():
    with translation.override("de"):
        assert describe_stored_problem(OVER.to_json()) == describe_check_problem(OVER)
        assert describe_stored_problem(LEGACY) == LEGACY
    assert "re" not in vars(check_wording)  # no regular expressions over sentences


@pytest.mark.django_db
def test_new_runs_store_codes_and_the_page_and_the_export_word_them(client):
    city = make_city()
    round_ = make_round(city)
    apply(round_, city, "Anna", ["F1", "F2"])
    run = run_round(round_=round_, actor=SYSTEM)
    assert run.check_problems == []
    # a draft run is not frozen: give it the problems a broken engine would have stored
    AllocationRun.objects.filter(pk=run.pk).update(check_problems=[OVER.to_json(), LEGACY])
    user = make_user("office", Role.ALLOCATION_OFFICE)
    client.login(username=user.username, password=PASSWORD)
    page = client.get(reverse("allocation:run-detail", args=[run.pk])).content.decode()
    assert "F1, u3: 3 Kinder auf 2 Regel- und freigegebenen Plätzen" in page
    assert LEGACY.replace("'", "&#x27;").replace(">", "&gt;") in page
    archive = client.get(reverse("allocation:run-instance", args=[run.pk]))
    readme = zipfile.ZipFile(io.BytesIO(archive.content)).read("README.txt").decode()
    assert "Unabhängige Prüfung: Probleme gefunden:" in readme
    assert "  F1, u3: 3 Kinder auf 2 Regel- und freigegebenen Plätzen" in readme


def test_the_cli_words_the_problems_of_an_allocation(monkeypatch, tmp_path, capsys):
    from kitaplan.domain import allocation as domain

    source = tmp_path / "in"
    source.mkdir()
    (source / "facilities.csv").write_text(
        "facility_id,age_group,capacity,integration_places\nF1,u3,1,0\n", encoding="utf-8"
    )
    (source / "children.csv").write_text(
        "child_id,age_group,integration_need\nK1,u3,0\n", encoding="utf-8"
    )
    (source / "preferences.csv").write_text(
        "child_id,rank,facility_id\nK1,1,F1\n", encoding="utf-8"
    )
    monkeypatch.setattr(domain, "check_problems", lambda instance, allocation: [OVER])
    with translation.override("de"):
        code = cli.main(
            ["allocate", "--instance", str(source), "--out", str(tmp_path / "out"), "--seed", "1"]
        )
    assert code == cli.EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert "Die unabhängige Prüfung hat Probleme in dieser Vergabe gefunden:" in err
    assert "  F1, u3: 3 Kinder auf 2 Regel- und freigegebenen Plätzen" in err
