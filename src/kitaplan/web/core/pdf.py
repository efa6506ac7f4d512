"""The one ReportLab set-up for every PDF (de: Berichte): fonts, styles and the document.

Every PDF of kitaplan (district and committee reports, progress reports, letters, payment
statements, the yearly report) uses the DejaVu-like Bitstream Vera fonts that ship with
ReportLab (they cover German umlauts and ß, the built-in Helvetica does not embed), the same
paragraph styles and A4 with 15 mm margins, and records title and author in the metadata.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import reportlab
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import SimpleDocTemplate

FONT = "Vera"
FONT_BOLD = "VeraBd"
MARGIN = 15 * mm
_FONTS = Path(reportlab.__file__).parent / "fonts"


def register_fonts() -> None:
    """Register the Vera fonts once per process."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(_FONTS / "Vera.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_FONTS / "VeraBd.ttf")))


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    cell: ParagraphStyle
    small: ParagraphStyle


def styles(
    *, body_size: float = 9.5, heading_size: float = 16, subheading_size: float = 12
) -> Styles:
    """The paragraph styles of kitaplan's PDFs (fonts registered on the way)."""
    register_fonts()
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "kp-body", parent=base["BodyText"], fontName=FONT, fontSize=body_size, leading=13
    )
    return Styles(
        body=body,
        heading=ParagraphStyle(
            "kp-h1",
            parent=base["Heading1"],
            fontName=FONT_BOLD,
            fontSize=heading_size,
            leading=heading_size + 4,
        ),
        subheading=ParagraphStyle(
            "kp-h2",
            parent=base["Heading2"],
            fontName=FONT_BOLD,
            fontSize=subheading_size,
            leading=subheading_size + 4,
        ),
        cell=ParagraphStyle("kp-cell", parent=body, fontSize=8, leading=10),
        small=ParagraphStyle("kp-small", parent=body, fontSize=7.5, leading=9.5),
    )


def document(
    buffer: io.BytesIO, *, title: str, wide: bool = False, compress: bool = True, **options: Any
) -> SimpleDocTemplate:
    """An A4 document (landscape when ``wide``) with 15 mm margins and kitaplan's metadata."""
    register_fonts()
    settings: dict[str, Any] = {
        "pagesize": landscape(A4) if wide else A4,
        "leftMargin": MARGIN,
        "rightMargin": MARGIN,
        "topMargin": MARGIN,
        "bottomMargin": MARGIN,
        "title": title,
        "author": "kitaplan",
        "pageCompression": 1 if compress else 0,
    }
    settings.update(options)
    return SimpleDocTemplate(buffer, **settings)


def build(
    story: list[Any], *, title: str, wide: bool = False, compress: bool = True, **options: Any
) -> bytes:
    """Render ``story`` into PDF bytes."""
    buffer = io.BytesIO()
    document(buffer, title=title, wide=wide, compress=compress, **options).build(story)
    return buffer.getvalue()


#: ReportLab's default left + right padding of a table cell (6 pt each side).
CELL_PADDING = 12.0


def longest_word_width(text: str, style: ParagraphStyle) -> float:
    """The width in points of the longest word of ``text`` in ``style``'s font."""
    words = text.split()
    if not words:
        return 0.0
    return float(max(pdfmetrics.stringWidth(w, style.fontName, style.fontSize) for w in words))


def fitted_widths(
    rows: list[list[str]], wanted: list[float], style: ParagraphStyle, *, flexible: int = 0
) -> list[float]:
    """Column widths that keep every word of every cell whole.

    ReportLab's ``Paragraph`` splits a word that is longer than its cell mid-word
    ("Prozen|tpunkte"), which a committee reads as a printing error. Starting from the
    ``wanted`` widths (points, summing to the text width), each column grows to its longest
    word plus the cell padding; the ``flexible`` column (usually the wide first one) gives up
    what the others took, down to its own longest word. ReportLab has no automatic column
    sizing for paragraphs, hence this small routine.
    """
    need = [
        max((longest_word_width(row[i], style) for row in rows if i < len(row)), default=0.0)
        + CELL_PADDING
        for i in range(len(wanted))
    ]
    widths = [max(w, n) for w, n in zip(wanted, need, strict=True)]
    extra = sum(widths) - sum(wanted)
    if extra > 0:
        widths[flexible] = max(need[flexible], widths[flexible] - extra)
    return widths
