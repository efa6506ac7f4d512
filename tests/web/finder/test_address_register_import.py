"""Import of the address register: example file, the Hauskoordinaten layout (UTM → WGS84),
every bad-input class, all or nothing, re-import unchanged, changes audited, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from kitaplan.cli import main
from kitaplan.domain.common.projection import to_planar
from kitaplan.web.audit.models import AuditEvent
from kitaplan.web.core.access import SYSTEM
from kitaplan.web.core.roles import Role
from kitaplan.web.imports.messages import describe_problem
from kitaplan.web.imports.models import ImportRun
from kitaplan.web.imports.services import import_file, problem_from_dict
from kitaplan.web.territory.models import AddressPoint
from tests.web.factories import PASSWORD, SmallCity, make_city, make_user

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "address_register.csv"
HEADER = "street;house_number;postcode;city;lat;lon\n"


@pytest.fixture
def city() -> SmallCity:
    return make_city()


def write(tmp_path: Path, text: str, name: str = "adressen.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_import(city: SmallCity, path: Path, **kwargs: object) -> ImportRun:
    return import_file(
        territory=city.territory, kind="address_register", path=path, actor=SYSTEM, **kwargs
    )


def refused_message(run: ImportRun) -> tuple[dict[str, object], str]:
    assert run.status == "refused", run.problems
    assert len(run.problems) == 1, run.problems
    problem = run.problems[0]
    return problem, describe_problem(problem_from_dict(problem))


def test_the_example_file_imports_every_address_with_its_finest_area(city):
    run = run_import(city, EXAMPLE)
    assert run.status == "succeeded", run.problems
    assert (run.added, run.changed, run.unchanged, run.removed) == (6, 0, 0, 0)
    point = AddressPoint.objects.get(street="Falkenseer Chaussee", house_number="8a")
    assert (point.street_key, point.number_key, point.postcode) == (
        "falkenseerchaussee",
        "8a",
        "13583",
    )
    assert point.area is not None and point.area.official_code == "0101"
    assert AddressPoint.objects.get(street="Karl-Marx-Allee").area.official_code == "0102"


def test_reimport_changes_nothing_and_a_changed_row_is_changed_and_audited(city, tmp_path):
    run_import(city, EXAMPLE)
    again = run_import(city, EXAMPLE)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 6)
    moved = EXAMPLE.read_text(encoding="utf-8").replace(
        "Karl-Marx-Allee;1;10178;Teststadt;52.0060;13.0150",
        "Karl-Marx-Allee;1;10178;Teststadt;52.0060;13.0250",
    )
    run = run_import(city, write(tmp_path, moved))
    assert (run.added, run.changed, run.unchanged) == (0, 1, 5)
    point = AddressPoint.objects.get(street="Karl-Marx-Allee")
    assert point.area.official_code == "0201"  # the area follows the point
    event = AuditEvent.objects.filter(action="import.finished").latest("pk")
    assert "karlmarxallee|1|10178" in str(event.details)


def test_a_file_never_deletes_addresses_it_does_not_list(city, tmp_path):
    run_import(city, EXAMPLE)
    first_two = "".join(EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)[:2])
    run = run_import(city, write(tmp_path, first_two))
    assert (run.added, run.changed, run.unchanged, run.removed) == (0, 0, 1, 0)
    assert AddressPoint.objects.count() == 6


def test_hauskoordinaten_layout_is_reprojected_from_utm(city, tmp_path):
    east, north = to_planar("EPSG:25833")(13.0155, 52.0055)
    line = (
        f"N;DEBE00000000001;A;11;0;00;000;0000;01234;12;b;33{east:.3f};{north:.3f};"
        "Hauptstr.;10117;Berlin;;Mitte\n"
    ).replace(".", ",")
    line = line.replace("Hauptstr,", "Hauptstr.")
    text = "NBA;OI;QUA;LAN;RBZ;KRS;GMD;OTT;SSS;HNR;ADZ;OST;NORD;STN;PLZ;ONM;ZON;POT\n" + line
    run = import_file(
        territory=city.territory,
        kind="address_register",
        path=write(tmp_path, text, "hk.txt.csv"),
        actor=SYSTEM,
        mapping_name="bkg-hauskoordinaten",
    )
    assert run.status == "succeeded", run.problems
    point = AddressPoint.objects.get()
    assert (point.street, point.house_number, point.number_key, point.city) == (
        "Hauptstr.",
        "12b",
        "12b",
        "Berlin",
    )
    assert point.street_key == "hauptstrasse"
    assert abs(point.lat - 52.0055) < 1e-6 and abs(point.lon - 13.0155) < 1e-6
    assert point.area.official_code == "0102"


def test_missing_column_is_refused_in_german(city, tmp_path):
    problem, message = refused_message(
        run_import(city, write(tmp_path, "street;house_number;lat\nA-Weg;1;52.005\n"))
    )
    assert problem["column"] == "lon"
    assert "adressen.csv" in message and "lon" in message and "Spalte" in message
    assert AddressPoint.objects.count() == 0


def test_bad_type_is_refused_with_row_and_column(city, tmp_path):
    text = HEADER + "A-Weg;1;;;52.005;13.005\nB-Weg;2;;;nördlich;13.005\n"
    problem, message = refused_message(run_import(city, write(tmp_path, text)))
    assert (problem["row"], problem["column"], problem["value"]) == (3, "lat", "nördlich")
    assert "Zeile 3" in message and "Breitengrad" in message
    assert AddressPoint.objects.count() == 0


def test_duplicate_key_written_differently_is_refused(city, tmp_path):
    text = HEADER + "Hauptstraße;8a;10117;;52.005;13.005\nHauptstr.;8 A;10117;;52.005;13.006\n"
    problem, message = refused_message(run_import(city, write(tmp_path, text)))
    assert (problem["row"], problem["column"]) == (3, "street")
    assert "Zeile 2" in message  # the same address is already in row 2
    assert AddressPoint.objects.count() == 0


def test_too_long_text_is_refused(city, tmp_path):
    text = HEADER + f"{'x' * 161};1;;;52.005;13.005\n"
    problem, message = refused_message(run_import(city, write(tmp_path, text)))
    assert problem["column"] == "street" and "160" in message
    assert AddressPoint.objects.count() == 0


def test_addresses_outside_every_area_refuse_the_file(city, tmp_path):
    """Unknown reference: a point in no area of the territory (almost always a wrong CRS)."""
    text = HEADER + "A-Weg;1;;;48.1;11.5\n"
    problem, message = refused_message(run_import(city, write(tmp_path, text)))
    assert problem["column"] == "lat/lon"
    assert "Koordinatenreferenzsystem" in message
    assert AddressPoint.objects.count() == 0


def test_one_bad_row_among_good_ones_writes_nothing(city, tmp_path):
    good = EXAMPLE.read_text(encoding="utf-8")
    run = run_import(city, write(tmp_path, good + "Zuletztweg;;13583;;52.005;13.005\n"))
    assert run.status == "refused"
    assert [p["column"] for p in run.problems] == ["house_number"]
    assert AddressPoint.objects.count() == 0


def test_the_import_page_offers_the_register_to_data_stewards_only(client, city):
    make_user("planer", Role.PLANNER)
    make_user("berater", Role.CHILDMINDER_ADVISER)
    client.login(username="planer", password=PASSWORD)
    assert 'value="address_register"' in client.get(reverse("imports:import-new")).content.decode()
    client.logout()
    client.login(username="berater", password=PASSWORD)
    page = client.get(reverse("imports:import-new"))
    assert page.status_code == 403 or 'value="address_register"' not in page.content.decode()


def test_the_command_line_imports_the_example(city, capsys):
    code = main(
        ["import", str(EXAMPLE), "--territory", city.territory.code, "--kind", "address_register"]
    )
    assert code == 0, capsys.readouterr().err
    assert AddressPoint.objects.filter(territory=city.territory).count() == 6
