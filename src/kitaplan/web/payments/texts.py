"""The payment pages' words (de: Texte der Geldleistung): labels of components, units and
issues, the refusals of the services (:class:`~kitaplan.web.payments.services.PaymentError`
codes), the engine's notes and expectations (codes with parameters from
:mod:`kitaplan.domain.childminding.payments`), all through gettext. The page, the statement
PDF and the lines CSV word a line the same way (:func:`line_note`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from kitaplan.domain.childminding.payments import LineNote, NoteCode
from kitaplan.domain.childminding.payments_rules import FeeBasis, ProRataRule
from kitaplan.domain.common.money import format_euros
from kitaplan.domain.common.problems import Expectation
from kitaplan.web.imports.expectations import describe_expectation
from kitaplan.web.payments import selectors
from kitaplan.web.payments.models import INSURANCE_KINDS, PaymentLineRecord

if TYPE_CHECKING:
    from kitaplan.web.payments.services import PaymentError

COMPONENT_LABELS = {
    "foerderleistung": gettext_lazy("Recognition of the care work (Förderleistung)"),
    "sachaufwand": gettext_lazy("Material costs (Sachaufwand)"),
    "sachkosten": gettext_lazy("Material costs (Sachaufwand)"),
    "settling_in": gettext_lazy("Settling-in"),
    "insurance_accident": gettext_lazy("Accident insurance"),
    "insurance_pension": gettext_lazy("Pension insurance (half)"),
    "insurance_health_care": gettext_lazy("Health and care insurance (half)"),
    "inclusion": gettext_lazy("Supplement for the care of a child with special support needs"),
}
UNIT_LABELS = {
    "h": gettext_lazy("hours"),
    "month": gettext_lazy("month"),
    "eur": gettext_lazy("euros"),
    "flat": gettext_lazy("flat amount"),
    "correction": gettext_lazy("correction"),
}
ISSUE_LABELS = {
    "unknown_scheme": gettext_lazy("The contract names a scheme that no rate table has."),
    "ambiguous_scheme": gettext_lazy(
        "Several rate-table schemes are loaded and the registry does not say which one applies."
    ),
    "no_table": gettext_lazy("No rate table is valid on these days."),
    "hours_not_covered": gettext_lazy(
        "The hours fall in no band, corridor or class of the rate table."
    ),
    "no_rate": gettext_lazy(
        "The rate table has no rate for this pay stage, care location or hours class."
    ),
    "unknown_stage": gettext_lazy("The pay stage is not a stage of the rate table."),
    "daily_hours_missing": gettext_lazy("The contract has no weekly schedule (daily hours)."),
}
ERRORS = {
    "bad_month": gettext_lazy("%(month)s is not a month (YYYY-MM)."),
    "no_tables": gettext_lazy("Upload a rate table first."),
    "month_released": gettext_lazy(
        "%(month)s cannot be computed or released: the run of %(latest)s is already released. "
        "Changes to released months appear as correction lines in the next month's run."
    ),
    "stale": gettext_lazy(
        "Another run was released after this draft was computed; compute %(month)s again."
    ),
    "not_released": gettext_lazy("Only a released run can be paid."),
    "hours_changed": gettext_lazy(
        "Actual hours were reported or corrected after this draft was computed; compute "
        "%(month)s again."
    ),
    "future_month": gettext_lazy(
        "%(month)s has not ended yet: actual hours can be reported once the month is over."
    ),
    "not_funded": gettext_lazy("The contract of %(child)s is not funded in %(month)s."),
    "bad_hours": gettext_lazy(
        "Enter the hours as a number from 0 to %(limit)s with at most two decimal places."
    ),
    "hours_settled": gettext_lazy(
        "The hours of %(month)s were settled in the released run of %(run_month)s and can no "
        "longer be changed."
    ),
    "bad_scheme": gettext_lazy("A scheme is a code without spaces, e.g. “berlin-demo”."),
    "unknown_supplement": gettext_lazy("Unknown supplement: %(supplement)s."),
    "unknown_kind": gettext_lazy("Unknown kind of insurance: %(kind)s."),
    "bad_amount": gettext_lazy(
        "Enter the monthly amount in euros from 0 to %(limit)s with at most two decimal places."
    ),
    "bad_period": gettext_lazy("The last day must not be before the first day."),
    "proof_overlap": gettext_lazy(
        "The period overlaps the %(kind)s proof valid from %(valid_from)s to %(valid_to)s "
        "(%(amount)s a month). End that proof first or choose another period."
    ),
    "proof_overlap_open": gettext_lazy(
        "The period overlaps the %(kind)s proof valid from %(valid_from)s without an end "
        "(%(amount)s a month). End that proof first or choose another period."
    ),
    "bad_holder": gettext_lazy("Enter the account holder (at most 70 characters)."),
    "bad_iban": gettext_lazy(
        "This is not a valid IBAN: its check digits do not match. Please check every character."
    ),
    "bad_bic": gettext_lazy("%(bic)s is not a BIC (8 or 11 letters and digits)."),
    "iban_length": gettext_lazy(
        "This IBAN has the wrong number of characters for an account in %(country)s."
    ),
    "iban_structure": gettext_lazy(
        "This is not a valid IBAN: its characters do not match the form of an IBAN of %(country)s."
    ),
    "iban_country": gettext_lazy(
        "%(country)s is not a country of the SEPA area: enter the IBAN of an account in a SEPA "
        "country."
    ),
    "iban_bank_code": gettext_lazy(
        "The bank code %(bank_code)s of this IBAN belongs to no German bank (Bundesbank register)."
    ),
    "bad_creditor_id": gettext_lazy(
        "%(creditor_id)s is not a creditor identifier (Gläubiger-ID, e.g. DE98ZZZ09999999999)."
    ),
    "no_debtor": gettext_lazy(
        "No paying account is set up for %(territory)s: the payment office enters it under "
        "“Paying account” (account holder, IBAN) before a run can be released or its SEPA "
        "file written."
    ),
}
#: The field of the account forms (payee and paying account) a refused value belongs to.
ACCOUNT_ERROR_FIELDS = {
    "bad_holder": "holder",
    "bad_iban": "iban",
    "iban_length": "iban",
    "iban_structure": "iban",
    "iban_country": "iban",
    "iban_bank_code": "iban",
    "bad_bic": "bic",
    "bad_creditor_id": "creditor_id",
}
#: The form field a refused report belongs to (the message is shown at that field).
HOURS_ERROR_FIELDS = {
    "bad_month": "month",
    "future_month": "month",
    "not_funded": "month",
    "hours_settled": "month",
    "bad_hours": "hours",
}


BASIS_LABELS = {
    FeeBasis.PER_HOUR: gettext_lazy("rate per hour × booked weekly hours × weeks per month"),
    FeeBasis.HOUR_BANDS: gettext_lazy("monthly amount by booked weekly hours"),
    FeeBasis.INCOME: gettext_lazy("monthly amount by yearly income"),
}


def component_label(code: str) -> str:
    return str(COMPONENT_LABELS.get(code, code))


def error_text(error: PaymentError) -> str:
    return str(ERRORS.get(error.code, error.code)) % error.params


def number_text(text: str) -> str:
    """An exact quantity or rate as stored (``151.2``, ``416/3``) in German style."""
    if "/" in text:
        return text
    return text.replace(".", ",")


# --------------------------------------------------------------------------- engine issues


def issue_expectation(issue: Mapping[str, Any]) -> str:
    """What an issue of a run (as the run stores it) expected, in the active language; a run
    stored before expectations had codes shows its expectation as stored."""
    expected = Expectation.from_json(issue.get("expected", ""))
    params = dict(expected.params)
    if isinstance(params.get("component"), str):
        params["component"] = component_label(str(params["component"]))
    return describe_expectation(Expectation(expected.code, tuple(params.items())))


# --------------------------------------------------------------------------- line notes

PRO_RATA_LABELS = {
    ProRataRule.CALENDAR_DAYS.value: gettext_lazy("calendar days"),
    ProRataRule.DAYS_30.value: gettext_lazy("30-day month"),
    ProRataRule.WORKING_DAYS.value: gettext_lazy("working days"),
}
NOTE_TEXTS = {
    NoteCode.WEEKLY_HOURS: gettext_lazy(
        "%(granted)s h a week granted, billed as %(billed)s h × %(weeks)s weeks a month"
    ),
    NoteCode.HOURS_CLASS: gettext_lazy("hours class %(hours_class)s"),
    NoteCode.PERCENT_OF: gettext_lazy("%(percent)s %% of %(base)s"),
    NoteCode.PRO_RATA: gettext_lazy("days %(from_day)s–%(to_day)s of the month (%(rule)s)"),
    NoteCode.ABSENCE_UNPAID: gettext_lazy(
        "%(days)s days of absence beyond the yearly quota, not paid"
    ),
    NoteCode.ABSENCE_PAID: gettext_lazy("%(days)s days of absence beyond the yearly quota, paid"),
    NoteCode.ACTUAL_HOURS: gettext_lazy("paid on %(hours)s hours actually cared"),
    NoteCode.SETTLING_IN_FLAT: gettext_lazy("settling-in as a flat amount"),
    NoteCode.SETTLING_IN_EXTRA_HOURS: gettext_lazy("settling-in hours at the hourly rates"),
    NoteCode.SETTLING_IN_OPEN_PLACE: gettext_lazy(
        "place kept open for settling-in on days %(from_day)s–%(to_day)s"
    ),
    NoteCode.PROOF: gettext_lazy("proven contribution %(amount)s a month"),
    NoteCode.PROOF_SHARE: gettext_lazy(
        "proven contribution %(amount)s a month × %(share)s (days %(from_day)s–%(to_day)s, "
        "%(rule)s)"
    ),
    NoteCode.FUNDED_SHARE: gettext_lazy("%(funded)s of %(total)s children funded"),
    NoteCode.CORRECTION: gettext_lazy("correction of %(month)s: paid %(paid)s, due %(due)s"),
}


def note_text(note: LineNote) -> str:
    """One note of a line in the active language (numbers, euros and codes localised)."""
    values: dict[str, Any] = dict(note.values)
    for name in ("granted", "billed", "weeks", "hours", "share", "percent"):
        if name in values:
            values[name] = number_text(str(values[name]))
    if "amount" in values:
        values["amount"] = format_euros(Fraction(str(values["amount"])) * 100)
    if "rule" in values:
        values["rule"] = str(PRO_RATA_LABELS.get(str(values["rule"]), values["rule"]))
    if "base" in values:
        values["base"] = component_label(str(values["base"]))
    if note.code is NoteCode.CORRECTION:
        values["paid"] = format_euros(int(values["paid"]))
        values["due"] = format_euros(int(values["due"]))
    return str(NOTE_TEXTS[note.code]) % values


def line_note(line: PaymentLineRecord) -> str:
    """A stored line's notes in the active language; a line stored before notes had codes
    shows its note as stored."""
    notes = selectors.line_notes(line)
    if notes is None:
        return line.note
    return "; ".join(note_text(note) for note in notes)


#: The form field a refused change belongs to (the message is shown at that field).
MASTER_DATA_ERROR_FIELDS = {
    "add_proof": {
        "unknown_kind": "kind",
        "bad_amount": "monthly_amount",
        "bad_period": "valid_to",
        "proof_overlap": "valid_from",
    },
    "end_proof": {"bad_period": "valid_to", "proof_overlap": "valid_to"},
    "account": ACCOUNT_ERROR_FIELDS,
}
KIND_LABELS = dict(INSURANCE_KINDS)


def short_date(value: dt.date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value is not None else ""


def master_data_error_text(error: PaymentError) -> str:
    """A refused proof or account change in the active language (dates, euros localised)."""
    params = dict(error.params)
    code = error.code
    if code == "proof_overlap":
        params["kind"] = str(KIND_LABELS.get(params["kind"], params["kind"]))
        params["amount"] = format_euros(params["amount_cents"])
        params["valid_from"] = short_date(params["valid_from"])
        if params["valid_to"] is None:
            code = "proof_overlap_open"
        else:
            params["valid_to"] = short_date(params["valid_to"])
    elif code == "bad_amount":
        params["limit"] = format_euros(int(params["limit"] * 100))
    return str(ERRORS.get(code, code)) % params
