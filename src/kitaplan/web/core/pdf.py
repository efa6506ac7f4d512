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
