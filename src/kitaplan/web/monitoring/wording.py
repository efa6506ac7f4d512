"""Plain-language wording of changes, alerts and summaries (German via the catalogue).

The domain returns codes and numbers (:mod:`kitaplan.domain.indicators.trends`); the sentences
are formed here, e.g. "In Gorbitz-Süd stieg „Anteil Alleinerziehender“ von 21,4 % auf 24,0 %
(+2,6 Prozentpunkte). Das ist eine ungünstigere Entwicklung."
"""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.common.vocabulary import IndicatorDirection
from kitaplan.domain.indicators.trends import (
    Alert,
    Assessment,
    Change,
    ChangeBasis,
    MeanMethod,
    Movement,
    Summary,
    assess,
)

PERCENT_UNITS = {"%", "prozent", "percent"}
POINT_UNITS = {"prozentpunkte", "percentage points", "pp"}
COUNT_UNITS = {"", "anzahl", "count", "number"}

DIRECTION_LABELS = {
    IndicatorDirection.HIGHER_IS_WORSE: gettext_lazy("higher is worse"),
    IndicatorDirection.HIGHER_IS_BETTER: gettext_lazy("higher is better"),
    IndicatorDirection.NEUTRAL: gettext_lazy("neutral"),
}
ASSESSMENT_LABELS = {
    Assessment.WORSENED: gettext_lazy("less favourable"),
    Assessment.IMPROVED: gettext_lazy("more favourable"),
    Assessment.NOT_ASSESSED: gettext_lazy("not assessed"),
}
#: The computed indices a page or the report's map can show beside the stored indicators.
INDEX_LABELS = {
    "index:status": gettext_lazy("Status index (computed per period)"),
    "index:dynamics": gettext_lazy("Dynamics index (computed per period)"),
}
BASIS_LABELS = {
    ChangeBasis.ABSOLUTE: gettext_lazy("absolute change (in the indicator's unit)"),
    ChangeBasis.RELATIVE: gettext_lazy("relative change (in percent of the earlier value)"),
}


def is_share(unit: str) -> bool:
    """Shares (%) and changes of shares (percentage points) change by percentage points."""
    key = unit.strip().lower()
    return key in PERCENT_UNITS or key in POINT_UNITS


def digits_for(unit: str, *values: float | None) -> int:
    """Shares: one decimal; whole numbers: none; other numbers: two decimals."""
    if is_share(unit):
        return 1
    if all(v is None or float(v).is_integer() for v in values):
        return 0
    return 2


def number(value: float | None, digits: int) -> str:
    if value is None:
        return "–"
    return formats.number_format(
        round(value, digits), decimal_pos=digits, use_l10n=True, force_grouping=True
    )


def signed(value: float | None, digits: int) -> str:
    if value is None:
        return "–"
    rounded = round(value, digits)
    if rounded == 0:
        return number(0.0, digits)
    text = number(abs(rounded), digits)
    return ("+" if rounded > 0 else "−") + text


def value_text(value: float | None, unit: str, digits: int) -> str:
    """A value with its unit: "21,4 %", "1,5 Prozentpunkte", "25" (counts carry no unit)."""
    if value is None:
        return "–"
    text = number(value, digits)
    key = unit.strip().lower()
    if key in PERCENT_UNITS:
        return f"{text} %"
    if key in POINT_UNITS:
        return _("%(value)s percentage points") % {"value": text}
    if key in COUNT_UNITS:
        return text
    return f"{text} {unit.strip()}"


def delta_text(item: Change, unit: str, digits: int) -> str:
    """The change in plain words: "+2,6 Prozentpunkte" for shares, "+12; +8,5 %" otherwise."""
    if is_share(unit):
        return _("%(delta)s percentage points") % {"delta": signed(item.absolute, digits)}
    absolute = signed(item.absolute, digits)
    if item.relative_percent is None:
        return absolute
    return f"{absolute}; {signed(item.relative_percent, 1)} %"


def change_sentence(
    *, place: str, indicator: str, unit: str, item: Change, assessment: Assessment
) -> str:
    """ "In <place> stieg „<indicator>“ von … auf … (…)." plus the assessment by direction."""
    digits = digits_for(unit, item.before, item.after)
    values = {
        "area": place,
        "indicator": indicator,
        "before": value_text(item.before, unit, digits),
        "after": value_text(item.after, unit, digits),
        "delta": delta_text(item, unit, digits),
    }
    if item.movement == Movement.ROSE:
        text = _("In %(area)s, “%(indicator)s” rose from %(before)s to %(after)s (%(delta)s).")
    elif item.movement == Movement.FELL:
        text = _("In %(area)s, “%(indicator)s” fell from %(before)s to %(after)s (%(delta)s).")
    else:
        text = _("In %(area)s, “%(indicator)s” stayed at %(after)s.")
    sentence = text % values
    if assessment == Assessment.WORSENED:
        sentence += " " + _("This is a less favourable development.")
    elif assessment == Assessment.IMPROVED:
        sentence += " " + _("This is a more favourable development.")
    return sentence


def alert_sentence(*, place: str, indicator: str, unit: str, alert: Alert) -> str:
    return change_sentence(
        place=place, indicator=indicator, unit=unit, item=alert.change, assessment=alert.assessment
    )


def mean_method_text(
    method: MeanMethod | None, weights_year: int | None, *, weighting_requested: bool = True
) -> str:
    """Which mean the district and city columns hold (weighted by population or plain)."""
    if method == MeanMethod.WEIGHTED:
        return str(
            _(
                "District and city values are means over their areas, weighted by the residents "
                "recorded for each area (population of %(year)s)."
            )
            % {"year": weights_year}
        )
    text = str(_("District and city values are plain means over their areas (not weighted)."))
    if weighting_requested:
        text += " " + str(_("Not every area has a recorded population to weight with."))
    return text


def summary_sentences(
    *,
    place: str,
    indicator: str,
    unit: str,
    direction: IndicatorDirection,
    summary: Summary,
    compare: int,
    period: int,
    city_mean: float | None,
) -> list[str]:
    """The generated summary of one indicator in a district: mean change, counts, extremes."""
    sentences: list[str] = []
    mean_change = summary.mean_change
    if mean_change is None or summary.compared == 0:
        return sentences
    digits = digits_for(unit, mean_change.before, mean_change.after)
    digits = max(digits, 1) if not float(mean_change.after or 0).is_integer() else digits
    values = {
        "area": place,
        "indicator": indicator,
        "before": value_text(mean_change.before, unit, digits),
        "after": value_text(mean_change.after, unit, digits),
        "compare": compare,
        "period": period,
        "delta": delta_text(mean_change, unit, digits),
    }
    if mean_change.movement == Movement.ROSE:
        text = _(
            "In %(area)s, the mean of “%(indicator)s” rose from %(before)s (%(compare)s) to "
            "%(after)s (%(period)s, %(delta)s)."
        )
    elif mean_change.movement == Movement.FELL:
        text = _(
            "In %(area)s, the mean of “%(indicator)s” fell from %(before)s (%(compare)s) to "
            "%(after)s (%(period)s, %(delta)s)."
        )
    else:
        text = _(
            "In %(area)s, the mean of “%(indicator)s” stayed at %(after)s from %(compare)s to "
            "%(period)s."
        )
    sentences.append(text % values)
    assessment = assess(mean_change.absolute, direction)
    if assessment != Assessment.NOT_ASSESSED:
        sentences.append(
            _(
                "The value became less favourable in %(worsened)s and more favourable in "
                "%(improved)s of %(compared)s areas."
            )
            % {
                "worsened": summary.worsened,
                "improved": summary.improved,
                "compared": summary.compared,
            }
        )
    else:
        sentences.append(
            _("The value rose in %(rose)s and fell in %(fell)s of %(compared)s areas.")
            % {"rose": summary.rose, "fell": summary.fell, "compared": summary.compared}
        )
    if city_mean is not None:
        sentences.append(
            _("The city's mean in %(period)s is %(city)s.")
            % {"period": period, "city": value_text(city_mean, unit, digits)}
        )
    return sentences
