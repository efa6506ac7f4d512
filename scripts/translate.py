"""Fill German translations into the catalogue from a small table (a maintainer's helper).

Usage: python scripts/translate.py "English msgid=German msgstr" ... (use " => " when the msgid contains "=")
Clears the fuzzy flag of the entries it sets, then the caller runs compilemessages.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

CATALOGUE = (
    Path(__file__).resolve().parent.parent / "src/kitaplan/web/locale/de/LC_MESSAGES/django.po"
)


def main(pairs: list[str]) -> int:
    table = dict(pair.split(" => ", 1) if " => " in pair else pair.split("=", 1) for pair in pairs)
    po = polib.pofile(str(CATALOGUE))
    done = set()
    for entry in po:
        if entry.msgid in table:
            entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = None
            done.add(entry.msgid)
    po.save(str(CATALOGUE))
    missing = sorted(set(table) - done)
    if missing:
        print("not in the catalogue:", missing)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
