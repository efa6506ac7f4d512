"""Pages of substitute care: absences with the report form and the flu-wave button, one absence
with proposals (confirm / reject, e-mails sent on confirmation and again on request), contact
visits per childminder (with her e-mail address for substitute notices), the parents' e-mail
addresses per childminder, the period report with exports, the notification log, and the
territory's substitute settings. Thin: reads through :mod:`.selectors`, writes through
:mod:`.services`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kitaplan.domain.common.calendar import first_of_next_month
from kitaplan.web.childminding.models import Childminder
from kitaplan.web.core.exports import Column, export_response
from kitaplan.web.substitutes import bridge, notifications, selectors, services
from kitaplan.web.substitutes.forms import (
    AbsenceForm,
    ContactForm,
    ParentContactForm,
    PeriodForm,
    SubstituteEmailForm,
    SubstituteSettingsForm,
)
from kitaplan.web.substitutes.models import (
    MODEL_CHOICES,
    ROLES,
    Absence,
    Notification,
    ParentContact,
    SubstituteAssignment,
    SubstituteSettings,
)
from kitaplan.web.territory.models import Territory

REASONS = {
    "no_known_substitute": gettext_lazy(
        "nobody knows the child yet (too few contact visits within the required months)"
    ),
    "no_valid_permit": gettext_lazy("no substitute who knows the child holds a valid permit"),
    "too_far": gettext_lazy("every substitute who knows the child lives too far away"),
    "no_capacity": gettext_lazy("no substitute who knows the child has a free place every day"),
    services.ALTERNATIVES_EXHAUSTED: gettext_lazy(
        "every alternative was rejected or has no free place any more"
    ),
    "not_decided": gettext_lazy("no confirmed substitute"),
}
ERRORS = {
    "dates_reversed": gettext_lazy("The end lies before the start."),
    "overlaps": gettext_lazy("An open absence of this childminder already covers these days."),
    "not_proposed": gettext_lazy("This proposal has already been decided."),
    "no_place_now": gettext_lazy(
        "The substitute has no free place on every day any more; reject the proposal."
    ),
    "own_child": gettext_lazy("A childminder cannot be the substitute for her own children."),
    "other_territory": gettext_lazy("The substitute works in another territory."),
    "in_future": gettext_lazy("A contact visit cannot lie in the future."),
    "not_confirmed": gettext_lazy("Only a confirmed substitute can be notified."),
}


def error_text(error: services.SubstituteError) -> str:
    params = {
        k: v.strftime("%d.%m.%Y") if isinstance(v, dt.date) else v for k, v in error.params.items()
    }
    return str(ERRORS.get(error.code, error.code)) % params


def _require_use(request: HttpRequest) -> None:
    if not selectors.can_use_substitutes(request.user):
        raise PermissionDenied


def absence_list(request: HttpRequest) -> HttpResponse:
    _require_use(request)
    today = timezone.localdate()
    managed = selectors.managed_childminders(request.user).filter(status="active")
    form = AbsenceForm(prefix="absence", childminders=managed)
    territories = selectors.decision_territories(request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "report":
            form = AbsenceForm(request.POST, prefix="absence", childminders=managed)
            done = _report_absence(request, form)
            if done is not None:
                return done
        elif action == "propose":
            return _propose_open(request, territories, today)
        else:
            raise PermissionDenied
    page = Paginator(selectors.absences_listed(request.user, today), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "substitutes/absence_list.html",
        {
            "page": page,
            "rows": page.object_list,
            "form": form,
            "can_report": managed.exists(),
            "can_decide": selectors.can_decide(request.user),
            "territories": territories,
            "today": today,
        },
    )


def _report_absence(request: HttpRequest, form: AbsenceForm) -> HttpResponse | None:
    """Report the absence of the bound form; None (the form carries the errors) when it fails."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        absence = services.report_absence(
            childminder=data["childminder"],
            start=data["start"],
            end=data["end"],
            kind=data["kind"],
            note=data["note"],
            actor=request.user,
        )
    except services.SubstituteError as error:
        form.add_error(None, error_text(error))
        return None
    messages.success(request, _("The absence was reported."))
    return redirect("substitutes:absence-detail", pk=absence.pk)


def _propose_open(
    request: HttpRequest, territories: QuerySet[Territory], today: dt.date
) -> HttpResponse:
    """The flu-wave button: propose for every open absence of the chosen territory."""
    if not selectors.can_decide(request.user):
        raise PermissionDenied
    territory = get_object_or_404(territories, pk=request.POST.get("territory"))
    counts = services.propose_open(territory, actor=request.user, today=today)
    messages.success(
        request,
        ngettext(
            "Proposals for %(absences)d open absence: %(proposed)d children proposed, "
            "%(uncovered)d without a substitute.",
            "Proposals for %(absences)d open absences: %(proposed)d children proposed, "
            "%(uncovered)d without a substitute.",
            counts["absences"],
        )
        % counts,
    )
    return redirect("substitutes:absence-list")


def recipient(note: Notification) -> str:
    if note.audience == "substitute":
        return note.childminder.name if note.childminder is not None else str(_("the substitute"))
    return _("the parents of %(ref)s") % {"ref": note.assignment.contract.child_reference}


def tell(request: HttpRequest, sent: list[Notification]) -> None:
    """Say what happened to each e-mail of an attempt; failures as errors, never hidden."""
    done = [n for n in sent if n.status == "sent"]
    if done:
        messages.success(
            request,
            _("E-mail sent to: %(who)s.") % {"who": ", ".join(recipient(n) for n in done)},
        )
    for note in sent:
        if note.status == "failed":
            messages.error(
                request,
                _("The e-mail to %(who)s could not be sent: %(error)s")
                % {"who": recipient(note), "error": note.error},
            )
        elif note.status == "no_address":
            messages.warning(
                request,
                _("No e-mail to %(who)s: no e-mail address with consent is on record.")
                % {"who": recipient(note)},
            )
    if any(n.status == "not_configured" for n in sent):
        messages.error(request, _("E-mail is not configured: nobody was notified."))


def _why(row: SubstituteAssignment, contacts: dict[tuple[int, int], int]) -> str:
    parts = [str(dict(ROLES).get(row.role, row.role))]
    if row.distance_km is not None:
        parts.append(_("%(km)s km away") % {"km": f"{row.distance_km:.1f}".replace(".", ",")})
    n = contacts.get((row.substitute_id or 0, row.contract_id), 0)
    parts.append(ngettext("%(n)d contact visit", "%(n)d contact visits", n) % {"n": n})
    return "; ".join(parts)


def absence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_use(request)
    absence = get_object_or_404(selectors.absences_visible_to(request.user), pk=pk)
    can_decide = (
        selectors.decidable_childminders(request.user).filter(pk=absence.childminder_id).exists()
    )
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied
        try:
            _decide(request, absence, request.POST.get("action"))
        except services.SubstituteError as error:
            messages.error(request, error_text(error))
        return redirect("substitutes:absence-detail", pk=absence.pk)
    current, history = _assignment_entries(
        list(selectors.assignments_visible_to(request.user, absence))
    )
    return render(
        request,
        "substitutes/absence_detail.html",
        {
            "absence": absence,
            "current": current,
            "history": history,
            "can_decide": can_decide,
            "models": dict(MODEL_CHOICES),
            "profile_model": bridge.profile_model(absence.childminder),
        },
    )


def _decide(request: HttpRequest, absence: Absence, action: str | None) -> None:
    """One decision on the absence page (the services check that the user may make it)."""
    if action in ("confirm", "reject", "notify"):
        row = get_object_or_404(absence.assignments, pk=request.POST.get("assignment"))
        if action == "confirm":
            row = services.confirm(assignment=row, actor=request.user, notify=False)
            messages.success(request, _("The substitute was confirmed."))
            tell(request, services.notify_confirmed(assignment=row, actor=request.user))
        elif action == "notify":
            tell(request, services.notify_confirmed(assignment=row, actor=request.user))
        else:
            new = services.reject(assignment=row, actor=request.user)
            messages.success(
                request,
                _("The proposal was rejected; the next alternative is proposed.")
                if new.status == "proposed"
                else _("The proposal was rejected; there is no further alternative."),
            )
    elif action == "propose":
        services.propose([absence], actor=request.user)
        messages.success(request, _("Substitutes were proposed."))
    elif action == "close":
        services.close_absence(absence=absence, actor=request.user)
        messages.success(request, _("The absence was closed."))
    else:
        raise PermissionDenied


def _assignment_entries(
    rows: list[SubstituteAssignment],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The absence page's rows: current ones and the rejected history, each with its reason,
    why the substitute was chosen, the days, the alternatives and the latest notices."""
    contacts = selectors.contact_counts([r.contract_id for r in rows])
    names = selectors.childminder_names({pk for r in rows for pk in r.alternatives})
    current: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    for r in rows:
        notices = notifications.latest_attempt(r) if r.status == "confirmed" else []
        entry = {
            "row": r,
            "reason": REASONS.get(r.reason, r.reason),
            "why": _why(r, contacts) if r.substitute_id else "",
            "days": [dt.date.fromisoformat(d) for d in r.days],
            "alternatives": [
                names[a] for a in r.alternatives if a != r.substitute_id and a in names
            ],
            "notices": notices,
            "resend": r.status == "confirmed"
            and (not notices or any(n.status != "sent" for n in notices)),
        }
        (history if r.status == "rejected" else current).append(entry)
    return current, history


def contacts(request: HttpRequest, pk: int) -> HttpResponse:
    _require_use(request)
    cm = get_object_or_404(selectors.managed_childminders(request.user), pk=pk)
    today = timezone.localdate()
    can_record = selectors.decidable_childminders(request.user).filter(pk=cm.pk).exists()
    contracts_ = selectors.current_contracts(cm, today)
    substitutes = selectors.substitute_candidates(request.user, cm, contracts_)
    form = ContactForm(prefix="contact", contracts=contracts_, substitutes=substitutes)
    notice_email = bridge.substitute_email(cm)
    email_form = SubstituteEmailForm(prefix="notice", initial={"email": notice_email})
    if request.method == "POST":
        if not can_record:  # advisers of her service and administrators record and set
            raise PermissionDenied
        if request.POST.get("action") == "email":
            email_form = SubstituteEmailForm(request.POST, prefix="notice")
            done = _save_notice_email(request, cm, email_form)
        else:
            form = ContactForm(
                request.POST, prefix="contact", contracts=contracts_, substitutes=substitutes
            )
            done = _record_contact(request, cm, form)
        if done is not None:
            return done
    rules = bridge.rules_for(cm.territory)
    return render(
        request,
        "substitutes/contacts.html",
        {
            "cm": cm,
            "table": selectors.contact_table(contracts_, today, rules),
            "form": form,
            "can_record": can_record,
            "rules": rules,
            "email_form": email_form,
            "notice_email": notice_email,
            "login_email": cm.user.email if cm.user is not None else "",
        },
    )


def _save_notice_email(
    request: HttpRequest, cm: Childminder, form: SubstituteEmailForm
) -> HttpResponse | None:
    if not form.is_valid():
        return None
    services.save_substitute_email(
        childminder=cm, email=form.cleaned_data["email"], actor=request.user
    )
    messages.success(request, _("The e-mail address for substitute notices was saved."))
    return redirect("substitutes:contacts", pk=cm.pk)


def _record_contact(
    request: HttpRequest, cm: Childminder, form: ContactForm
) -> HttpResponse | None:
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        services.record_contact(
            substitute=data["substitute"],
            contract=data["contract"],
            day=data["day"],
            note=data["note"],
            actor=request.user,
        )
    except services.SubstituteError as error:
        form.add_error(None, error_text(error))
        return None
    messages.success(request, _("The contact visit was recorded."))
    return redirect("substitutes:contacts", pk=cm.pk)


REPORT_COLUMNS = [
    Column("area", gettext_lazy("Area"), lambda r: r.label),
    Column(
        "absence_days", gettext_lazy("Absence days"), lambda r: r.report.childminder_absence_days
    ),
    Column("child_days", gettext_lazy("Care days affected"), lambda r: r.report.child_days),
    Column(
        "own_arrangement_days",
        gettext_lazy("Family's own arrangement"),
        lambda r: r.report.own_arrangement_days,
    ),
    Column("covered_days", gettext_lazy("Covered days"), lambda r: r.report.covered_days),
    Column("uncovered_days", gettext_lazy("Uncovered days"), lambda r: r.report.uncovered_days),
    Column(
        "coverage_rate",
        gettext_lazy("Coverage rate"),
        lambda r: "" if r.report.coverage_rate is None else round(r.report.coverage_rate, 4),
    ),
    Column("cost_eur", gettext_lazy("Cost (EUR)"), lambda r: str(r.report.cost)),
]


def report(request: HttpRequest) -> HttpResponse:
    _require_use(request)
    if not selectors.can_decide(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    first = today.replace(day=1)
    last = first_of_next_month(today) - dt.timedelta(days=1)
    form = PeriodForm(request.GET or {"start": first.isoformat(), "end": last.isoformat()})
    managed = selectors.managed_childminders(request.user)
    territories = Territory.objects.filter(pk__in=managed.values("territory_id")).order_by("name")
    code = request.GET.get("territory")
    territory = territories.filter(code=code).first() if code else territories.first()
    result = None
    if form.is_valid() and territory is not None:
        conf = SubstituteSettings.for_territory(territory)
        absences = selectors.absences_visible_to(request.user).filter(
            childminder__in=managed.filter(territory=territory).values("pk")
        )
        result = selectors.period_report(
            absences,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            day_rate=Decimal(conf.day_rate_cents) / 100,
        )
        export_format = request.GET.get("format")
        if export_format in ("csv", "xlsx"):
            rows = [*result.rows, selectors.ReportRow(str(_("Total")), result.total, total=True)]
            return export_response(
                export_format=export_format,
                columns=REPORT_COLUMNS,
                objects=rows,
                base_name="vertretung",
            )
    return render(
        request,
        "substitutes/report.html",
        {
            "form": form,
            "result": result,
            "territory": territory,
            "territories": territories,
            "reasons": REASONS,
            "query": request.GET.urlencode()
            if request.GET
            else f"start={first.isoformat()}&end={last.isoformat()}",
        },
    )


def notification_list(request: HttpRequest) -> HttpResponse:
    _require_use(request)
    rows = selectors.notifications_visible_to(request.user)[:200]
    return render(request, "substitutes/notifications.html", {"rows": rows})


def parent_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    """The parents' e-mail addresses and consent for the current contracts of a childminder
    (advisers of her service and administrators only: personal data of the families)."""
    _require_use(request)
    if not selectors.can_decide(request.user):
        raise PermissionDenied
    cm = get_object_or_404(selectors.decidable_childminders(request.user), pk=pk)
    today = timezone.localdate()
    contracts_ = list(selectors.current_contracts(cm, today).order_by("child_reference", "pk"))
    known = {c.contract_id: c for c in ParentContact.objects.filter(contract__in=contracts_)}
    forms_ = []
    failed = False
    for c in contracts_:
        found = known.get(c.pk)
        initial = {"email": found.email, "consent": found.consent} if found else {}
        bound = request.method == "POST" and request.POST.get("contract") == str(c.pk)
        form = ParentContactForm(
            request.POST if bound else None, prefix=f"c{c.pk}", initial=initial
        )
        if bound:
            if form.is_valid():
                services.save_parent_contact(
                    contract=c,
                    email=form.cleaned_data["email"],
                    consent=form.cleaned_data["consent"],
                    actor=request.user,
                )
                messages.success(
                    request,
                    _("The parents' contact for %(ref)s was saved.") % {"ref": c.child_reference},
                )
                return redirect("substitutes:parent-contacts", pk=cm.pk)
            failed = True
        forms_.append({"contract": c, "form": form, "contact": found})
    if request.method == "POST" and not failed:
        raise PermissionDenied  # a contract that is not hers (or none)
    return render(request, "substitutes/parent_contacts.html", {"cm": cm, "rows": forms_})


def settings_page(request: HttpRequest) -> HttpResponse:
    """The substitute settings of a territory: the rules for proposals, the day rate of the cost
    report and the advisory service's phone named in the e-mails (administrators: every
    territory; advisers: those of their services)."""
    _require_use(request)
    if not selectors.can_decide(request.user):
        raise PermissionDenied
    territories = selectors.settings_territories(request.user).order_by("name")
    code = (
        request.POST.get("territory") if request.method == "POST" else request.GET.get("territory")
    )
    territory = get_object_or_404(territories, code=code) if code else territories.first()
    if territory is None:
        if request.method == "POST":
            raise PermissionDenied
        return render(request, "substitutes/settings.html", {"territory": None, "form": None})
    current = SubstituteSettings.for_territory(territory)
    form = SubstituteSettingsForm(instance=current)
    if request.method == "POST":
        form = SubstituteSettingsForm(
            request.POST, instance=SubstituteSettings.for_territory(territory)
        )
        if form.is_valid():
            services.save_settings(
                territory=territory, values=form.cleaned_data, actor=request.user
            )
            messages.success(request, _("The substitute settings were saved."))
            return redirect(f"{reverse('substitutes:settings')}?territory={territory.code}")
    return render(
        request,
        "substitutes/settings.html",
        {
            "form": form,
            "territory": territory,
            "territories": territories,
            "stored": current.pk is not None,
        },
    )
