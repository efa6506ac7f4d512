"""The letter to a provider about its share of a published run (PDF, Zuwendungsmitteilung-style).

Rendered with the one ReportLab set-up (:mod:`kitaplan.web.core.pdf`), like the committee
report. The letter is generated from the stored run and
says so: it is information, not the legally binding decision (Bescheid) of the Jugendamt.

The view builds the rows (facility, amount, terms in words); this module only lays them out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from kitaplan.web.core import pdf

#: What each term means, in plain words (the row's detail gives the numbers).
TERM_EXPLANATIONS = {
    "base": gettext_lazy("A flat amount that every eligible facility receives."),
    "children": gettext_lazy(
        "The rest of the budget is split by children (places), each child weighted by the need "
        "class of the facility's area."
    ),
    "points": gettext_lazy("An amount for the criteria the facility meets (points)."),
    "redistribution": gettext_lazy(
        "What facilities at the cap could not take is passed on to the others in proportion to "
        "their weight; a negative amount means this facility gave some of its amount up."
    ),
    "cap": gettext_lazy("The amount was limited to the cap per facility."),
    "floor": gettext_lazy("The amount was raised to the floor per facility."),
    "tier": gettext_lazy(
        "The facilities are ranked by need; every facility of a tier (a run of ranks) gets the "
        "tier's amount."
    ),
    "rounding": gettext_lazy(
        "The difference from rounding to the rounding unit; the amounts of all facilities add up "
        "to the budget exactly."
    ),
}


def use_report_deadline(year: int) -> dt.date:
    """The deadline for the use report named in the letter: 31 March of the following year."""
    return dt.date(year + 1, 3, 31)


@dataclass
class LetterFacility:
    number: str
    name: str
    area: str
    need_class: str
    children: Any
    amount: str
    #: (label, detail in numbers, explanation in words, amount)
    terms: list[tuple[str, str, str, str]] = field(default_factory=list)
    staff_positions: str = ""


@dataclass
class Letter:
    territory: str
    provider: str
    provider_number: str
    year: int
    version: int
    published_at: dt.datetime | None
    budget_total: str
    budget_source: str
    total: str
    facilities: list[LetterFacility]
    rule_lines: list[str]
    deadline: dt.date
    superseded_by: int | None = None
    attribution: str = ""
    indicator_note: str = ""


def _date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return str(formats.date_format(value, "SHORT_DATE_FORMAT"))


def letter_texts(letter: Letter) -> list[str]:
    """Every sentence and cell of the letter in reading order (what the PDF shows, as text)."""
    texts = [
        _("Youth welfare office %(t)s") % {"t": letter.territory},
        letter.provider,
        _("Provider number %(n)s") % {"n": letter.provider_number},
        _date(timezone.localdate()),
        _("Area budget %(y)s: your share (version %(v)s)")
        % {"y": letter.year, "v": letter.version},
        _("Dear Sir or Madam,"),
        _(
            "from the area budget %(y)s of %(t)s (%(total)s; source: %(s)s) the facilities of your "
            "organisation receive the amounts below. They were computed by the rule described at "
            "the end of this letter; the run was published on %(d)s as version %(v)s and is frozen "
            "since then."
        )
        % {
            "y": letter.year,
            "t": letter.territory,
            "total": letter.budget_total,
            "s": letter.budget_source,
            "d": _date(letter.published_at),
            "v": letter.version,
        },
    ]
    if letter.superseded_by is not None:
        texts.append(
            _(
                "Note: this version has been superseded by version %(n)s. The amounts of version "
                "%(n)s apply."
            )
            % {"n": letter.superseded_by}
        )
    else:
        texts.append(_("This is the valid version of the distribution."))
    return texts


def _closing_texts(letter: Letter) -> list[str]:
    return [
        _(
            "Please report how each amount was used (use report: amount spent, what for, which "
            "staff) by %(d)s, in kitaplan under “Shares and use”. The use is set against the "
            "amount allocated."
        )
        % {"d": _date(letter.deadline)},
        _(
            "This letter was generated by kitaplan from the published run. It is not a legally "
            "binding decision; only the notice of the youth welfare office is binding. Please "
            "report errors in the data (places, areas) to the youth welfare office."
        ),
    ]


def render_letter(letter: Letter, *, compress: bool = True) -> bytes:
    """A portrait A4 PDF: address, subject, one table per facility with every term, total,
    the rule, the use-report duty with its deadline, sources and the not-binding note."""
    style = pdf.styles(heading_size=13, subheading_size=11)
    body, heading, cell = style.body, style.heading, style.cell
    # a letter's headings are tighter than a report's, its small print a little larger
    subheading = ParagraphStyle("kp-letter-h2", parent=style.subheading, leading=14)
    strong = ParagraphStyle("kp-strong", parent=body, fontName=pdf.FONT_BOLD)
    small = ParagraphStyle("kp-letter-small", parent=body, fontSize=8, leading=10)
    texts = letter_texts(letter)
    sender, provider, provider_number, day, subject, greeting, intro, version_note = texts
    story: list[Any] = [
        Paragraph(escape(sender), small),
        Spacer(1, 6 * mm),
        Paragraph(escape(provider), strong),
        Paragraph(escape(provider_number), body),
        Spacer(1, 6 * mm),
        Paragraph(escape(day), body),
        Spacer(1, 4 * mm),
        Paragraph(escape(subject), heading),
        Paragraph(escape(greeting), body),
        Paragraph(escape(intro), body),
        Paragraph(escape(version_note), strong if letter.superseded_by else body),
        Spacer(1, 4 * mm),
    ]
    for facility in letter.facilities:
        head = _("%(n)s %(f)s – area %(a)s, need class %(c)s, %(k)s children (places)") % {
            "n": facility.number,
            "f": facility.name,
            "a": facility.area or "–",
            "c": facility.need_class or "–",
            "k": facility.children,
        }
        data: list[list[Any]] = [
            [
                Paragraph(escape(_("Term")), cell),
                Paragraph(escape(_("How it is computed")), cell),
                Paragraph(escape(_("Amount")), cell),
            ]
        ]
        for label, detail, explanation, amount in facility.terms:
            text = escape(explanation) + (f"<br/>{escape(detail)}" if detail else "")
            data.append([Paragraph(escape(label), cell), Paragraph(text, cell), amount])
        total_label = _("Amount for this facility")
        if facility.staff_positions:
            total_label += " " + _("(%(p)s staff positions)") % {"p": facility.staff_positions}
        data.append([Paragraph(escape(total_label), cell), "", facility.amount])
        table = Table(data, repeatRows=1, colWidths=[38 * mm, 97 * mm, 30 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), pdf.FONT),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("ALIGN", (2, 0), (2, -1), "RIGHT"),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                    ("FONTNAME", (0, -1), (-1, -1), pdf.FONT_BOLD),
                    ("SPAN", (0, -1), (1, -1)),
                ]
            )
        )
        story.append(KeepTogether([Paragraph(escape(head), strong), table, Spacer(1, 4 * mm)]))
    story.append(
        Paragraph(
            escape(
                _("Total for your organisation: %(a)s (%(n)s facilities)")
                % {"a": letter.total, "n": len(letter.facilities)}
            ),
            subheading,
        )
    )
    story.append(Paragraph(escape(_("The rule")), subheading))
    for line in letter.rule_lines:
        story.append(Paragraph("• " + escape(line), body))
    if letter.indicator_note:
        story.append(Paragraph(escape(letter.indicator_note), body))
    use, binding = _closing_texts(letter)
    story += [
        Paragraph(escape(_("Use report")), subheading),
        Paragraph(escape(use), body),
        Paragraph(escape(_("Sources")), subheading),
        Paragraph(escape(_("Budget: %(s)s") % {"s": letter.budget_source}), body),
    ]
    if letter.attribution:
        story.append(Paragraph(escape(letter.attribution).replace("\n", "<br/>"), small))
    story += [Spacer(1, 4 * mm), Paragraph(escape(binding), strong)]
    return pdf.build(
        story,
        title=_("Area budget %(y)s: %(p)s") % {"y": letter.year, "p": letter.provider},
        compress=compress,
        # a letter's margins: wider on the left for filing
        leftMargin=22 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        subject=", ".join(f"{f.number} {f.name}" for f in letter.facilities),
    )
