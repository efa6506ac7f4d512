"""Fail when the German catalogue is out of date, incomplete or fuzzy.

1. Extract the messages of the code and templates again (``makemessages``) into a scratch copy.
2. Compare the message ids with the committed ``django.po``: none may be missing or obsolete.
3. Every entry must be translated and not fuzzy.
The committed catalogue is left untouched.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "kitaplan"
CATALOGUE = PACKAGE / "web" / "locale" / "de" / "LC_MESSAGES" / "django.po"


def extracted_ids() -> set[tuple[str, str]]:
    """Message ids that ``makemessages`` finds now; the committed catalogue is restored after."""
    original = CATALOGUE.read_bytes()
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "django",
                "makemessages",
                "-l",
                "de",
                "--no-location",
                "--no-obsolete",
                "--settings=kitaplan.web.settings",
                "-i",
                "demo/data/*",
                "-i",
                "web/core/static/*",
            ],
            cwd=PACKAGE,
            check=True,
            capture_output=True,
        )
        po = polib.pofile(str(CATALOGUE))
        return {(e.msgctxt or "", e.msgid) for e in po if not e.obsolete}
    finally:
        CATALOGUE.write_bytes(original)


def main() -> int:
    committed = polib.pofile(str(CATALOGUE))
    committed_ids = {(e.msgctxt or "", e.msgid) for e in committed if not e.obsolete}
    wanted = extracted_ids()
    problems = []
    for _ctx, msgid in sorted(wanted - committed_ids):
        problems.append(f"missing in django.po: {msgid!r}")
    for _ctx, msgid in sorted(committed_ids - wanted):
        problems.append(f"obsolete in django.po: {msgid!r}")
    for entry in committed:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        elif not entry.translated():
            problems.append(f"untranslated: {entry.msgid!r}")
    if problems:
        print(
            "The German catalogue needs work (run `cd src/kitaplan && python -m django makemessages "
            "-l de --no-location --no-obsolete --settings=kitaplan.web.settings -i 'demo/data/*' -i 'web/core/static/*'`, translate, then `compilemessages`):"
        )
        print("\n".join("  " + p for p in problems))
        return 1
    print(f"translations complete: {len(committed_ids)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
