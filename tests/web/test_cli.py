"""The command line: clear messages, non-zero exits on bad input, exports that re-import."""

from __future__ import annotations

import pytest

from kitaplan.cli import main
from kitaplan.web.territory.models import PopulationCount
from tests.web.factories import make_city

pytestmark = pytest.mark.django_db(transaction=True)


def test_import_of_a_broken_file_exits_1_and_names_row_and_column(tmp_path, capsys):
    make_city()
    bad = tmp_path / "einwohner.csv"
    bad.write_text("area_code;year;age;count\n0101;2024;0;abc\n", encoding="utf-8")
    code = main(["import", str(bad), "--territory", "testcity", "--kind", "population"])
    err = capsys.readouterr().err
    assert code == 1
    assert "einwohner.csv" in err and "abc" in err and "count" in err


def test_import_into_an_unknown_territory_exits_2(tmp_path, capsys):
    good = tmp_path / "e.csv"
    good.write_text("area_code;year;age;count\n0101;2024;0;1\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(good), "--territory", "atlantis", "--kind", "population"])
    assert exit_.value.code == 2
    assert "atlantis" in capsys.readouterr().err


def test_an_exported_population_imports_again_unchanged(tmp_path, capsys):
    make_city()
    out = tmp_path / "population.csv"
    assert main(["export", "--territory", "testcity", "--kind", "population", "-o", str(out)]) == 0
    before = PopulationCount.objects.count()
    assert (
        main(
            ["--lang", "en", "import", str(out), "--territory", "testcity", "--kind", "population"]
        )
        == 0
    )
    assert "0 added, 0 changed, 28 unchanged, 0 removed" in capsys.readouterr().out
    assert PopulationCount.objects.count() == before


def test_check_exits_1_when_a_facility_lies_outside_every_area(capsys):
    city = make_city()
    facility = city.facilities[0]
    facility.area = None
    facility.save()
    assert main(["check", "--territory", "testcity"]) == 1
    assert "C001" in capsys.readouterr().out


def test_help_explains_every_command(capsys):
    for command in ("demo", "serve", "import", "export", "check", "backup", "restore", "retention"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert "usage: kitaplan " + command in capsys.readouterr().out


def test_serve_refuses_other_hosts_with_the_demo_secret_key(capsys):
    assert main(["serve", "--host", "0.0.0.0"]) == 2  # noqa: S104 - refused before binding
    assert "SECRET_KEY" in capsys.readouterr().err
