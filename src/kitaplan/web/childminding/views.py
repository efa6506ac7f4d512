"""Pages of the childminder registry: the list with free places today, one childminder with
permits, proofs, contracts and the capacity check, the due list, and the childminder's own page.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kitaplan.domain.childminding.capacity import CareSchedule
from kitaplan.web.audit.services import AuditAction, record_read
from kitaplan.web.childminding import erasure, presenters, selectors, services
from kitaplan.web.childminding.forms import (
    ChildminderForm,
    ContractForm,
    PermitForm,
    ProofForm,
)
from kitaplan.web.childminding.models import (
    CARE_LOCATIONS,
    PROOF_KINDS,
    STATUSES,
    CareContract,
    Childminder,
    Permit,
    Proof,
)
from kitaplan.web.core import retention
from kitaplan.web.core.exports import Column, export_response
from kitaplan.web.territory.models import Territory

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

    from kitaplan.web.core.access import AnyUser

ERRORS = {
    "no_permit": gettext_lazy("There is no valid permit on %(day)s."),
    "over_permit": gettext_lazy(
        "On %(day)s from %(start)s to %(end)s there would be %(count)s children present at the "
        "same time; the permit allows %(limit)s."
    ),
    "over_practice": gettext_lazy(
        "On %(day)s from %(start)s to %(end)s the group practice would have %(count)s children "
        "present at the same time; its limit is %(limit)s."
    ),
    "dates_reversed": gettext_lazy("The end lies before the start."),
    "bad_schedule": gettext_lazy("The weekly schedule cannot be read: %(detail)s"),
    "permit_above_five": gettext_lazy("A permit allows at most 5 children at the same time."),
}
DUE_LABELS = {
    "permit_missing": gettext_lazy("no valid permit"),
    "permit_expiring": gettext_lazy("permit ends"),
    "proof_missing": gettext_lazy("proof missing"),
    "proof_expiring": gettext_lazy("proof expires"),
    "turns_three": gettext_lazy("child turns three: move to a Kita"),
}


def _minutes(value: object) -> str:
    if isinstance(value, int):
        return f"{value // 60:02d}:{value % 60:02d}"
    return str(value)


def error_text(error: services.RegistryError) -> str:
    params = {k: _minutes(v) if k in ("start", "end") else v for k, v in error.params.items()}
    if "day" in params and isinstance(params["day"], dt.date):
        params["day"] = params["day"].strftime("%d.%m.%Y")
    return str(ERRORS.get(error.code, error.code)) % params


def _require_registry(request: HttpRequest) -> None:
    if not selectors.can_use_registry(request.user):
        raise PermissionDenied


def _childminder(request: HttpRequest, pk: int) -> Childminder:
    _require_registry(request)
    return get_object_or_404(selectors.childminders_visible_to(request.user), pk=pk)


def schedules_of(cm: Childminder) -> list[CareSchedule]:
    return [services.contract_schedule(c) for c in cm.contracts.all()]


free_today = presenters.free_today


def childminder_list(request: HttpRequest) -> HttpResponse:
    _require_registry(request)
    today = timezone.localdate()
    status = request.GET.get("status", "active")
    query = request.GET.get("q", "").strip()
    rows = presenters.filtered(
        selectors.childminders_visible_to(request.user), status=status, query=query
    )
    table = presenters.list_rows(rows, today)
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        return export_response(
            export_format=export_format,
            columns=presenters.list_columns(),
            objects=table,
            base_name="kindertagespflege",
        )
    page = Paginator(table, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "childminding/childminder_list.html",
        {
            "page": page,
            "rows": page.object_list,
            "count": len(table),
            "status": status,
            "statuses": STATUSES,
            "q": query,
            "can_edit": selectors.can_edit_registry(request.user),
            "today": today,
        },
    )


SAVED = {
    "permit": gettext_lazy("The permit was saved."),
    "proof": gettext_lazy("The proof was saved."),
    "contract": gettext_lazy("The contract was saved."),
}


def _detail_forms(
    cm: Childminder, substitutes: QuerySet[Childminder], request: HttpRequest
) -> dict[str, Any]:
    """The three forms of the detail page; the one of the posted ``action`` is bound."""
    action = request.POST.get("action") if request.method == "POST" else None

    def bound(name: str, instance: Model) -> dict[str, Any]:
        if action != name:
            return {"prefix": name}
        return {"data": request.POST, "prefix": name, "instance": instance}

    return {
        "permit_form": PermitForm(**bound("permit", Permit(childminder=cm))),
        "proof_form": ProofForm(**bound("proof", Proof(childminder=cm))),
        "contract_form": ContractForm(
            **bound("contract", CareContract(childminder=cm)), substitutes=substitutes
        ),
    }


def _save(action: str, form: Any, actor: AnyUser) -> None:
    if action == "permit":
        services.save_permit(permit=form.save(commit=False), actor=actor)
    elif action == "proof":
        services.save_proof(proof=form.save(commit=False), actor=actor)
    else:
        contract = form.save(commit=False)
        contract.slots = form.cleaned_data["schedule"]
        services.save_contract(contract=contract, actor=actor)


def _post_detail(request: HttpRequest, cm: Childminder, forms_: dict[str, Any]) -> bool:
    """Save the posted permit, proof or contract; ``True`` when saved. Errors land on the form."""
    action = request.POST.get("action", "")
    if action not in SAVED:
        return False
    form = forms_[f"{action}_form"]
    if not form.is_valid():
        return False
    try:
        _save(action, form, request.user)
    except services.RegistryError as error:
        form.add_error(None, error_text(error))
        return False
    messages.success(request, str(SAVED[action]))
    return True


def childminder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cm = _childminder(request, pk)
    if request.method == "GET":
        record_read(actor=request.user, action=AuditAction.CHILDMINDER_VIEWED, target=cm)
    today = timezone.localdate()
    can_edit = selectors.can_edit_registry(request.user)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    substitutes = (
        selectors.childminders_visible_to(request.user)
        .exclude(pk=cm.pk)
        .filter(territory=cm.territory)
    )
    forms_ = _detail_forms(cm, substitutes, request) if can_edit else {}
    if request.method == "POST" and _post_detail(request, cm, forms_):
        return redirect("childminding:childminder-detail", pk=cm.pk)
    return render(
        request,
        "childminding/childminder_detail.html",
        {
            "cm": cm,
            "permit": selectors.valid_permit(cm, today),
            "permits": cm.permits.all(),
            "proofs": cm.proofs.all(),
            "contracts": presenters.contract_rows(cm, today),
            "history": cm.status_history.all(),
            "free": free_today(cm, today),
            "due": selectors.due_list(
                Childminder.objects.filter(pk=cm.pk), today=today, horizon_days=180
            ),
            "due_labels": DUE_LABELS,
            "proof_labels": dict(PROOF_KINDS),
            "can_edit": can_edit,
            "today": today,
            **forms_,
        },
    )


def childminder_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_registry(request)
    if not selectors.can_edit_registry(request.user):
        raise PermissionDenied
    if pk is not None:
        cm = _childminder(request, pk)
        territory = cm.territory
    else:
        code = request.GET.get("territory") or request.POST.get("territory_code")
        territories = Territory.objects.order_by("name")
        chosen = get_object_or_404(territories, code=code) if code else territories.first()
        if chosen is None:
            raise Http404
        territory = chosen
        cm = Childminder(territory=territory, care_location=CARE_LOCATIONS[0][0])
    form = ChildminderForm(request.POST or None, instance=cm, territory=territory)
    if request.method == "POST" and form.is_valid():
        saved = services.save_childminder(childminder=form.save(commit=False), actor=request.user)
        messages.success(request, _("The childminder was saved."))
        return redirect("childminding:childminder-detail", pk=saved.pk)
    return render(
        request,
        "childminding/childminder_form.html",
        {"form": form, "cm": cm, "territory": territory},
    )


def due(request: HttpRequest) -> HttpResponse:
    _require_registry(request)
    today = timezone.localdate()
    try:
        horizon = max(1, min(730, int(request.GET.get("days", "180"))))
    except ValueError:
        horizon = 180
    items = selectors.due_list(
        selectors.childminders_visible_to(request.user), today=today, horizon_days=horizon
    )
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx"):
        columns = [
            Column("number", _("Number"), lambda i: i.childminder.number),
            Column("name", _("Name"), lambda i: i.childminder.name),
            Column("kind", _("What"), lambda i: i.kind),
            Column("detail", _("Detail"), lambda i: i.detail),
            Column("due", _("Due on"), lambda i: i.due.isoformat() if i.due else ""),
        ]
        return export_response(
            export_format=export_format, columns=columns, objects=items, base_name="faelligkeiten"
        )
    return render(
        request,
        "childminding/due.html",
        {
            "items": items,
            "labels": DUE_LABELS,
            "proof_labels": dict(PROOF_KINDS),
            "horizon": horizon,
            "today": today,
        },
    )


def me(request: HttpRequest) -> HttpResponse:
    own = (
        Childminder.objects.filter(user=request.user).first()
        if request.user.is_authenticated
        else None
    )
    if own is None:
        raise Http404
    return redirect("childminding:childminder-detail", pk=own.pk)


def me_export(request: HttpRequest) -> HttpResponse:
    """A childminder's own registry and payment data as a JSON download (logged as a read)."""
    own = (
        Childminder.objects.filter(user=request.user).first()
        if request.user.is_authenticated
        else None
    )
    if own is None:
        raise Http404
    response = JsonResponse(
        erasure.export_own_records(own, actor=request.user),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Content-Disposition"] = 'attachment; filename="kitaplan-my-data.json"'
    return response


class ErasureForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=[("", "–"), *erasure.REASONS])


def childminder_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Erase the personal data of a childminder who left (advisers of her service and
    administrators); what payments law keeps is named on the page."""
    cm = _childminder(request, pk)
    if not erasure.may_erase(request.user, cm) or cm.erased_at is not None:
        raise PermissionDenied
    form = ErasureForm(request.POST or None)
    if cm.status == "left" and request.method == "POST" and form.is_valid():
        erasure.erase_childminder(
            childminder=cm, actor=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            _("The personal data of childminder %(number)s were erased.") % {"number": cm.number},
        )
        return redirect("childminding:childminder-detail", pk=cm.pk)
    return render(
        request,
        "childminding/childminder_erase.html",
        {
            "cm": cm,
            "form": form,
            "left": cm.status == "left",
            "released_runs": erasure.kept_records(cm).get("released_payment_runs", 0),
            "payment_reason": retention.payment_retention_reason(),
        },
    )
