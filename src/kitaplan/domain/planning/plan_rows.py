"""The rows of a measures plan file (de: Maßnahmenplan) turned into its tree.

A plan file has one row per measure (de: Maßnahme) with its field of action (Handlungsfeld),
its objective (Teilziel), its period as written (Zeitraum) and who takes part (Beteiligte), as
in the table of the Dresden strategy document. The rules:

1. A cell text such as ``"1.1. Die Anzahl …"`` or ``"Handlungsfeld 1: Entwicklung …"`` starts
   with its code; :func:`split_code` separates code and text.
2. An empty field or objective repeats the one of the row above (the document's merged cells);
   the first row must name both.
3. A measure without a code gets ``<objective code>-<n>``, n counting the objective's measures
   in the file from 1 (the codes of the demo plan, e.g. ``1.1-2``).
4. A field code names one title and an objective code one field and one text in the whole file;
   a text given once holds for the rows that leave it empty. A measure code appears once per
   objective; the end of a period is not before its start.
5. Participants are separated by ``;`` or by commas outside brackets; a part names an entry of
   the directory by its short name or name (ignoring case), or ends with the short name in
   brackets (``"Dresdner Netzwerk … (Netzwerk QE)"``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = [
    "IssueKind",
    "PlanRow",
    "RowIssue",
    "complete_rows",
    "match_participants",
    "split_code",
    "split_participants",
]

_FIELD_PREFIX = re.compile(r"^\s*(?:Handlungsfeld|HF)\s+", re.IGNORECASE)
_CODE = re.compile(r"^\s*(\d+(?:\.\d+)*)\.?(?:\s*[:.)–-]\s*|\s+|$)(.*)$", re.DOTALL)


def split_code(text: str) -> tuple[str | None, str]:
    """(code, text) of a cell that starts with a numeric code; (None, text) otherwise.

    ``"1.1. Die Anzahl"`` → ``("1.1", "Die Anzahl")``; ``"Handlungsfeld 2: Profis"`` →
    ``("2", "Profis")``; ``"Teil 4"`` → ``(None, "Teil 4")``.
    """
    stripped = _FIELD_PREFIX.sub("", text.strip())
    if m := _CODE.match(stripped):
        return m[1], m[2].strip()
    return None, text.strip()


def split_participants(text: str) -> list[str]:
    """The parts of a participants cell, split at ``;`` and at commas outside brackets."""
    parts: list[str] = []
    depth, current = 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == ";" or (char == "," and depth <= 0):
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def match_participants(text: str, directory: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(short names found, parts not found) of a participants cell, in the cell's order.

    ``directory`` maps each entry's short name to its name.
    """
    by_word: dict[str, str] = {}
    for entry, name in directory.items():
        by_word.setdefault(entry.casefold(), entry)
        by_word.setdefault(name.casefold(), entry)
    found: list[str] = []
    missing: list[str] = []
    for part in split_participants(text):
        short: str | None = by_word.get(part.casefold())
        if short is None and (m := re.search(r"\(([^()]+)\)\s*$", part)):
            short = by_word.get(m[1].strip().casefold())
        if short is None:
            missing.append(part)
        elif short not in found:
            found.append(short)
    return found, missing


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One measure row as read (codes and texts may be empty before :func:`complete_rows`)."""

    row: int
    field_code: str | None
    field_title: str | None
    objective_code: str | None
    objective_text: str | None
    measure_code: str | None
    measure_text: str
    period_text: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    participants: str = ""


class IssueKind(StrEnum):
    MISSING = "missing"  # the first row leaves the field or objective empty
    FIELD_TITLE = "field_title"  # another title for the same field code
    OBJECTIVE_FIELD = "objective_field"  # the same objective code in another field
    OBJECTIVE_TEXT = "objective_text"  # another text for the same objective code
    DUPLICATE_MEASURE = "duplicate_measure"  # the measure code again in its objective
    END_BEFORE_START = "end_before_start"


@dataclass(frozen=True, slots=True)
class RowIssue:
    """What is wrong with one row: ``target`` names the field, ``first_row`` the row it
    contradicts (0: none)."""

    row: int
    target: str
    value: str
    kind: IssueKind
    first_row: int = 0


def _fill_down(rows: Iterable[PlanRow]) -> tuple[list[PlanRow], list[RowIssue]]:
    filled: list[PlanRow] = []
    issues: list[RowIssue] = []
    last: PlanRow | None = None
    blocked = False  # the row above failed: rows repeating it are not reported again
    for r in rows:
        changes: dict[str, str | None] = {}
        if not r.field_code:
            if last is None or r.field_title or blocked:
                if not blocked or r.field_title:
                    issues.append(RowIssue(r.row, "field_code", "", IssueKind.MISSING))
                blocked = True
                continue
            changes = {"field_code": last.field_code, "field_title": last.field_title}
        if not r.objective_code:
            same_field = last is not None and changes.get("field_code", r.field_code) == (
                last.field_code
            )
            if last is None or r.objective_text or not same_field or blocked:
                if not blocked or r.objective_text:
                    issues.append(RowIssue(r.row, "objective_code", "", IssueKind.MISSING))
                blocked = True
                continue
            assert last is not None
            changes |= {"objective_code": last.objective_code, "objective_text": ""}
        blocked = False
        last = replace(r, **changes)  # type: ignore[arg-type]
        filled.append(last)
    return filled, issues


def complete_rows(rows: Sequence[PlanRow]) -> tuple[list[PlanRow], list[RowIssue]]:
    """The rows with fields and objectives filled down, measure codes given and each field's
    title and objective's text taken from the row that states it; the issues found."""
    filled, issues = _fill_down(rows)
    titles: dict[str, tuple[int, str]] = {}
    objectives: dict[str, tuple[int, str]] = {}
    texts: dict[str, tuple[int, str]] = {}
    counts: dict[str, int] = {}
    codes: dict[tuple[str, str], int] = {}
    done: list[PlanRow] = []
    for r in filled:
        field, objective = str(r.field_code), str(r.objective_code)
        if r.field_title:
            first = titles.setdefault(field, (r.row, r.field_title))
            if first[1] != r.field_title:
                issues.append(
                    RowIssue(r.row, "field_title", r.field_title, IssueKind.FIELD_TITLE, first[0])
                )
        first_field = objectives.setdefault(objective, (r.row, field))
        if first_field[1] != field:
            issues.append(
                RowIssue(
                    r.row, "objective_code", objective, IssueKind.OBJECTIVE_FIELD, first_field[0]
                )
            )
        if r.objective_text:
            first = texts.setdefault(objective, (r.row, r.objective_text))
            if first[1] != r.objective_text:
                issues.append(
                    RowIssue(
                        r.row,
                        "objective_text",
                        r.objective_text,
                        IssueKind.OBJECTIVE_TEXT,
                        first[0],
                    )
                )
        counts[objective] = counts.get(objective, 0) + 1
        code = r.measure_code or f"{objective}-{counts[objective]}"
        seen = codes.setdefault((objective, code), r.row)
        if seen != r.row:
            issues.append(RowIssue(r.row, "measure_code", code, IssueKind.DUPLICATE_MEASURE, seen))
        if r.start is not None and r.end is not None and r.end < r.start:
            issues.append(RowIssue(r.row, "end", r.end.isoformat(), IssueKind.END_BEFORE_START))
        done.append(replace(r, measure_code=code))
    done = [
        replace(
            r,
            field_title=titles.get(str(r.field_code), (0, ""))[1],
            objective_text=texts.get(str(r.objective_code), (0, ""))[1],
        )
        for r in done
    ]
    return done, sorted(issues, key=lambda i: (i.row, i.target))
