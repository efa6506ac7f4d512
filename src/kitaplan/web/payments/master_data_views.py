"""The payments' master data: a childminder's insurance proofs and payee account (and the list
of childminders), one contract's payment terms (rate scheme, supplements) and the paying
account of a territory.

Insurance proofs and payee accounts: the office changes them, advisers and a childminder read
those they may see (another childminder answers 404); only the office reads a full IBAN. The
services check who may change what (keyword ``actor``); the views answer 403 early through the
same ``can_*`` functions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kitaplan.web.audit.services import AuditAction, record_read
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.core.access import AnyUser
from kitaplan.web.payments import presenters, selectors, services
from kitaplan.web.payments.forms import (
    AccountForm,
    ContractTermsForm,
    DebtorForm,
    EndProofForm,
    ProofForm,
)
from kitaplan.web.payments.models import InsuranceProofRecord, PayeeAccount, group_iban
from kitaplan.web.payments.texts import (
    ACCOUNT_ERROR_FIELDS,
    MASTER_DATA_ERROR_FIELDS,
    error_text,
    master_data_error_text,
    short_date,
)
from kitaplan.web.payments.views import (
    page_territory,
    require_office,
    require_payments,
    territories,
)

# --------------------------------------------------------------------------- one childminder


def _save_master_data(
    action: str, cm: Childminder, data: dict[str, Any], user: AnyUser
) -> tuple[str, str | None]:
    """Run the change a valid form asks for: (success message, the latest released month the
    change reaches into, or ``None``)."""
    if action == "add_proof":
        proof = services.add_insurance_proof(
            childminder=cm,
            kind=data["kind"],
            monthly_amount=data["monthly_amount"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            actor=user,
        )
        done = _("The %(kind)s proof was added.") % {"kind": proof.get_kind_display()}
        reached = selectors.released_month_reached(cm.territory, proof.valid_from, [proof.valid_to])
        return done, reached
    if action == "end_proof":
        before = data["proof"].valid_to
        proof = services.end_insurance_proof(
            proof=data["proof"], valid_to=data["valid_to"], actor=user
        )
        done = _("The %(kind)s proof now ends on %(day)s.") % {
            "kind": proof.get_kind_display(),
            "day": short_date(proof.valid_to),
        }
        ends = [before, proof.valid_to]
        return done, selectors.released_month_reached(cm.territory, proof.valid_from, ends)
    services.save_payee_account(
        childminder=cm, holder=data["holder"], iban=data["iban"], bic=data["bic"], actor=user
    )
    return _("The bank account was saved."), None


def _edit_forms(
    request: HttpRequest, cm: Childminder, proofs: Any, account: PayeeAccount | None
) -> dict[str, Any]:
    """The office's empty forms: a new proof, the end of a proof (``?proof=`` chosen), the
    account (filled with the current one)."""
    chosen = request.GET.get("proof", "")
    chosen_proof = proofs.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    initial = (
        {"holder": account.holder, "iban": account.iban, "bic": account.bic}
        if account is not None
        else {"holder": cm.name}
    )
    return {
        "add_proof": ProofForm(prefix="proof"),
        "end_proof": EndProofForm(prefix="end", proofs=proofs, initial={"proof": chosen_proof}),
        "account": AccountForm(prefix="account", initial=initial),
    }


def _change(
    request: HttpRequest, cm: Childminder, proofs: Any, forms: dict[str, Any]
) -> HttpResponse | None:
    """Bind the form of the POST's ``action`` and run it: the redirect when it was saved, else
    ``None`` (the bound form, with its errors, replaces the empty one in ``forms``)."""
    action = request.POST.get("action", "")
    if action == "add_proof":
        form: Any = ProofForm(request.POST, prefix="proof")
    elif action == "end_proof":
        form = EndProofForm(request.POST, prefix="end", proofs=proofs)
    elif action == "account":
        form = AccountForm(request.POST, prefix="account")
    else:
        return None
    forms[action] = form
    if not form.is_valid():
        return None
    try:
        done, released = _save_master_data(action, cm, form.cleaned_data, request.user)
    except services.PaymentError as error:
        form.add_error(
            MASTER_DATA_ERROR_FIELDS[action].get(error.code), master_data_error_text(error)
        )
        return None
    messages.success(request, done)
    if released is not None:
        messages.info(
            request,
            _(
                "The change reaches into months already released (up to %(month)s): "
                "the next run pays or reclaims the difference as correction lines."
            )
            % {"month": released},
        )
    anchor = "account" if action == "account" else "proofs"
    return redirect(reverse("payments:childminder", args=[cm.pk]) + f"#{anchor}")


def childminder_payment_data(request: HttpRequest, pk: int) -> HttpResponse:
    """A childminder's insurance proofs and payee account; the office adds and ends proofs and
    sets the account, everyone else who may see the childminder reads them (IBAN masked)."""
    require_payments(request)
    user = request.user
    cm = get_object_or_404(
        selectors.payment_childminders_visible_to(user).select_related("territory"), pk=pk
    )
    can_edit = selectors.can_edit_master_data(user)
    proofs = InsuranceProofRecord.objects.filter(childminder=cm).order_by(
        "kind", "valid_from", "pk"
    )
    account = PayeeAccount.objects.filter(childminder=cm).first()
    if request.method == "GET":
        record_read(actor=user, action=AuditAction.PAYMENT_DATA_VIEWED, target=cm)
    forms = _edit_forms(request, cm, proofs, account) if can_edit else {}
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        done = _change(request, cm, proofs, forms)
        if done is not None:
            return done
        status = 400
    proof_list = list(proofs)
    return render(
        request,
        "payments/childminder.html",
        {
            "cm": cm,
            "proof_rows": presenters.proof_rows(proof_list, timezone.localdate()),
            "account": account,
            "iban": selectors.iban_text(account, user),
            "full_iban": selectors.sees_full_iban(user),
            "can_edit": can_edit,
            "can_manage": selectors.can_manage(user),
            "proof_form": forms.get("add_proof"),
            "end_form": forms.get("end_proof") if proof_list else None,
            "account_form": forms.get("account"),
            "contracts": cm.contracts.order_by("valid_from", "pk"),
        },
        status=status,
    )


def childminder_list(request: HttpRequest) -> HttpResponse:
    """The childminders whose insurance proofs and payee account the user may see, with the
    proofs valid today and the account (masked unless the user is the payment office)."""
    require_payments(request)
    user = request.user
    can_manage = selectors.can_manage(user)
    rows = selectors.payment_childminders_visible_to(user).select_related(
        "territory", "payee_account"
    )
    territory = page_territory(request) if can_manage else None
    if territory is not None:
        rows = rows.filter(territory=territory)
    query = (request.GET.get("q") or "").strip()
    if query:
        rows = rows.filter(Q(name__icontains=query) | Q(number__icontains=query))
    page = Paginator(rows.order_by("number", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "payments/childminders.html",
        {
            "items": presenters.childminder_items(
                list(page.object_list), user, timezone.localdate()
            ),
            "page_obj": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "query": query,
            "can_manage": can_manage,
            "territory": territory,
            "territories": territories(),
        },
    )


# --------------------------------------------------------------------------- paying account


def _debtor_form(request: HttpRequest, current: Any) -> DebtorForm:
    if request.method == "POST":
        return DebtorForm(request.POST)
    if current is None:
        return DebtorForm(initial={"valid_from": timezone.localdate()})
    return DebtorForm(
        initial={
            "holder": current.holder,
            "iban": group_iban(current.iban),
            "bic": current.bic,
            "creditor_id": current.creditor_id,
            "valid_from": current.valid_from,
        }
    )


def debtor(request: HttpRequest) -> HttpResponse:
    """The account a territory pays from (the debtor of its SEPA files): the payment office
    and administrators read and set it; a run is released only with one."""
    require_office(request)
    territory = page_territory(request)
    if territory is None:
        raise Http404("no territory")
    current = services.debtor_of(territory)
    form = _debtor_form(request, current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_debtor(
                territory=territory,
                holder=data["holder"],
                iban=data["iban"],
                bic=data["bic"],
                creditor_id=data["creditor_id"],
                valid_from=data["valid_from"],
                actor=request.user,
            )
        except services.PaymentError as error:
            form.add_error(ACCOUNT_ERROR_FIELDS.get(error.code), error_text(error))
        else:
            messages.success(
                request,
                _("The paying account of %(territory)s was saved.") % {"territory": territory.name},
            )
            return redirect(reverse("payments:debtor") + f"?territory={territory.code}")
    return render(
        request,
        "payments/debtor.html",
        {
            "form": form,
            "debtor": current,
            "iban": group_iban(current.iban) if current is not None else "",
            "territory": territory,
            "territories": territories(),
            "can_manage": True,
        },
        status=400 if request.method == "POST" else 200,
    )


# --------------------------------------------------------------------------- one contract


def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A contract's payment terms (rate scheme, supplements) and its reported actual hours."""
    require_payments(request)
    contract = get_object_or_404(selectors.contracts_visible_to(request.user), pk=pk)
    can_edit = selectors.can_edit_terms(request.user)
    schemes = selectors.schemes_of(contract.childminder.territory)
    form = None
    status = 200
    if can_edit:
        form = ContractTermsForm(
            initial={"rate_scheme": contract.rate_scheme, "supplements": contract.supplements},
            schemes=schemes,
            current=contract.rate_scheme,
        )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = ContractTermsForm(request.POST, schemes=schemes, current=contract.rate_scheme)
        if form.is_valid():
            try:
                services.save_contract_terms(
                    contract=contract,
                    rate_scheme=form.cleaned_data["rate_scheme"],
                    supplements=form.cleaned_data["supplements"],
                    actor=request.user,
                )
            except services.PaymentError as error:
                form.add_error(None, error_text(error))
            else:
                messages.success(request, _("The payment terms of the contract were saved."))
                return redirect("payments:contract", pk=contract.pk)
        status = 400
    reports = contract.actual_hours.select_related("reported_by", "settled_in").order_by("-month")
    return render(
        request,
        "payments/contract.html",
        {
            "contract": contract,
            "cm": contract.childminder,
            "form": form,
            "schemes": schemes,
            "several_schemes": len(schemes) > 1,
            "rows": presenters.hours_rows(reports),
            "can_manage": selectors.can_manage(request.user),
            "can_edit": can_edit,
        },
        status=status,
    )
