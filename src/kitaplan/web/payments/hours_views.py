"""Actual hours (de: tatsächlich betreute Stunden): report or correct the hours cared in a month
(settlement on actual hours) and list the reports the user may see.

A childminder reports those of her own contracts, advisers those of their advisory services'
childminders, the office those of every contract; another contract answers 404
(:func:`~kitaplan.web.payments.selectors.contracts_visible_to`; the service checks it again).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kitaplan.domain.common.calendar import month_key, months_before
from kitaplan.web.childminding.models import CareContract
from kitaplan.web.payments import presenters, selectors, services
from kitaplan.web.payments.forms import HoursForm
from kitaplan.web.payments.models import ActualHours
from kitaplan.web.payments.texts import HOURS_ERROR_FIELDS, error_text
from kitaplan.web.payments.views import page_territory, require_payments, territories
from kitaplan.web.territory.models import Territory


def _visible_contract_or_404(request: HttpRequest, value: Any) -> CareContract | None:
    """The contract named by a request parameter; 404 when it is not the user's to see.

    An empty or non-numeric value is left to the form (a field error)."""
    text = str(value or "").strip()
    if not text.isdigit():
        return None
    return get_object_or_404(selectors.contracts_visible_to(request.user), pk=int(text))


def _initial(request: HttpRequest, contract: CareContract | None) -> dict[str, Any]:
    """The form's start: the month asked for (else last month) and the hours reported so far."""
    last_month = months_before(timezone.localdate(), 1)
    initial: dict[str, Any] = {
        "month": request.GET.get("month") or month_key(last_month.year, last_month.month)
    }
    if contract is not None:
        initial["contract"] = contract
        existing = ActualHours.objects.filter(contract=contract, month=initial["month"]).first()
        if existing is not None:
            initial.update({"hours": existing.hours, "note": existing.note})
    return initial


def _save(
    request: HttpRequest, form: HoursForm, territory: Territory | None
) -> HttpResponse | None:
    """Save the valid report and redirect to its month; ``None`` when the service refused it
    (the refusal is on the form)."""
    data = form.cleaned_data
    try:
        saved = services.save_actual_hours(
            contract=data["contract"],
            month=data["month"],
            hours=data["hours"],
            note=data["note"],
            actor=request.user,
        )
    except services.PaymentError as error:
        form.add_error(HOURS_ERROR_FIELDS.get(error.code), error_text(error))
        return None
    messages.success(
        request,
        _("The hours of %(month)s for %(child)s were saved.")
        % {"month": saved.month, "child": saved.contract.child_reference},
    )
    target = reverse("payments:hours") + f"?month={saved.month}"
    if territory is not None:
        target += f"&territory={territory.code}"
    return redirect(target)


def hours(request: HttpRequest) -> HttpResponse:
    """Report or correct the hours actually cared in a month (settlement on actual hours), and
    the reports the user may see."""
    require_payments(request)
    user = request.user
    can_manage = selectors.can_manage(user)
    # Another's contract is not found (404), never a form error that confirms it exists.
    named = (
        request.POST.get("contract") if request.method == "POST" else request.GET.get("contract")
    )
    contract = _visible_contract_or_404(request, named)
    territory = None
    if can_manage:
        territory = (
            contract.childminder.territory if contract is not None else page_territory(request)
        )
    choices = selectors.hours_contract_choices(user, territory, contract, timezone.localdate())
    status = 200
    if request.method == "POST":
        form = HoursForm(request.POST, contracts=choices)
        if form.is_valid():
            done = _save(request, form, territory)
            if done is not None:
                return done
        status = 400
    else:
        form = HoursForm(initial=_initial(request, contract), contracts=choices)
    month = (request.GET.get("month") or "").strip()
    return render(
        request,
        "payments/hours.html",
        {
            "form": form,
            "rows": presenters.hours_rows(selectors.hours_reports(user, territory, month)[:500]),
            "month": month,
            "can_manage": can_manage,
            "territory": territory,
            "territories": territories(),
        },
        status=status,
    )
