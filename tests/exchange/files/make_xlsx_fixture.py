"""Regenerate ``providers.xlsx`` (run from this folder: ``python make_xlsx_fixture.py``).

Sheet 1 "Träger": header in row 1, data in rows 2, 3 and 5 (row 4 left empty), typed
cells (numbers, a zero-padded postcode, a date, a time, a boolean, a formula-looking text)
and a value below an empty header cell. Sheet 2 must be ignored by the reader.
"""

from datetime import date, time
from pathlib import Path

from openpyxl import Workbook


def main() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Träger"
    sheet.append(
        [
            "official_number",
            "name",
            "provider_type",
            "since",
            "opens",
            "places",
            "share",
            "active",
            "postcode",
        ]
    )
    sheet.append(
        ["1224", "GFJ gGmbH", "non_profit", date(2001, 5, 1), time(7, 30), 12.0, 0.25, True, 1067]
    )
    sheet.append(
        [
            1334,
            "Forum Soziale Dienste GmbH",
            "Company",
            date(2010, 1, 31),
            time(6, 0),
            140,
            1.5,
            False,
            10117,
        ]
    )
    # row 4 stays empty
    sheet.cell(row=5, column=1, value="2002")
    sheet.cell(row=5, column=2, value="  Kinderladen Rübe  ")
    sheet.cell(row=5, column=3, value="Verein")
    sheet.cell(row=5, column=11, value="note without header")
    for row in range(2, 6):
        sheet.cell(row=row, column=9).number_format = "00000"
    other = workbook.create_sheet("Ignored")
    other.append(["official_number", "name"])
    other.append(["9999", "must not be read"])
    workbook.save(Path(__file__).with_name("providers.xlsx"))


if __name__ == "__main__":
    main()
