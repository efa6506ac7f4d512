"""Pages of substitute care: absences with the report form and the flu-wave button, one absence
with proposals (confirm / reject, e-mails sent on confirmation and again on request), contact
visits per childminder (with her e-mail address for substitute notices), the parents' e-mail
addresses per childminder, the period report with exports, the notification log, and the
territory's substitute settings. Thin: reads through :mod:`.selectors`, writes through
:mod:`.services`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kitaplan.web.childminding.models import Childminder
from kitaplan.web.childminding.selectors import childminders_visible_to
from kitaplan.web.core.exports import Column, export_response
from kitaplan.web.substitutes import notifications, selectors, services
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
    OPEN_STATUSES,
    ROLES,
    ContactVisit,
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
    decidable = selectors.decidable_childminders(request.user)
    territories = Territory.objects.filter(pk__in=decidable.values("territory_id")).order_by("name")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "report":
            form = AbsenceForm(request.POST, prefix="absence", childminders=managed)
            if form.is_valid():
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
                else:
                    messages.success(request, _("The absence was reported."))
                    return redirect("substitutes:absence-detail", pk=absence.pk)
        elif action == "propose":
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
        else:
            raise PermissionDenied
    rows = (
        selectors.absences_visible_to(request.user)
        .annotate(
            is_current=Case(
                When(Q(status__in=OPEN_STATUSES, end__gte=today), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            proposed=Count("assignments", filter=Q(assignments__status="proposed")),
            confirmed=Count("assignments", filter=Q(assignments__status="confirmed")),
            uncovered=Count("assignments", filter=Q(assignments__status="uncovered")),
        )
        .order_by("is_current", "start", "childminder__name", "pk")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
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
        action = request.POST.get("action")
        try:
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
        except services.SubstituteError as error:
            messages.error(request, error_text(error))
        return redirect("substitutes:absence-detail", pk=absence.pk)
    rows = list(selectors.assignments_visible_to(request.user, absence))
    contacts = {
        (r["substitute_id"], r["contract_id"]): r["n"]
        for r in ContactVisit.objects.filter(contract_id__in=[r.contract_id for r in rows])
        .values("substitute_id", "contract_id")
        .annotate(n=Count("day", distinct=True))
    }
    alternative_ids = {pk for r in rows for pk in r.alternatives}
    names = dict(Childminder.objects.filter(pk__in=alternative_ids).values_list("pk", "name"))
    current, history = [], []
    for r in rows:
        entry = {
            "row": r,
            "reason": REASONS.get(r.reason, r.reason),
            "why": _why(r, contacts) if r.substitute_id else "",
            "days": [dt.date.fromisoformat(d) for d in r.days],
            "alternatives": [
                names[a] for a in r.alternatives if a != r.substitute_id and a in names
            ],
            "notices": notifications.latest_attempt(r) if r.status == "confirmed" else [],
        }
        notices = entry["notices"]
        entry["resend"] = r.status == "confirmed" and (
            not notices or any(n.status != "sent" for n in notices)
        )
        (history if r.status == "rejected" else current).append(entry)
    return render(
        request,
        "substitutes/absence_detail.html",
        {
            "absence": absence,
            "current": current,
            "history": history,
            "can_decide": can_decide,
            "models": dict(MODEL_CHOICES),
            "profile_model": services.profile_model(absence.childminder),
        },
    )


def contacts(request: HttpRequest, pk: int) -> HttpResponse:
    _require_use(request)
    cm = get_object_or_404(selectors.managed_childminders(request.user), pk=pk)
    today = timezone.localdate()
    can_record = selectors.decidable_childminders(request.user).filter(pk=cm.pk).exists()
    contracts_ = cm.contracts.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=today)
    ).select_related("primary_substitute", "secondary_substitute")
    declared = {c.primary_substitute_id for c in contracts_} | {
        c.secondary_substitute_id for c in contracts_
    }
    substitutes = Childminder.objects.filter(
        Q(pk__in=childminders_visible_to(request.user).values("pk")) | Q(pk__in=declared - {None}),
        territory=cm.territory,
        status="active",
    ).exclude(pk=cm.pk)
    form = ContactForm(prefix="contact", contracts=contracts_, substitutes=substitutes)
    notice_email = services.substitute_email(cm)
    email_form = SubstituteEmailForm(prefix="notice", initial={"email": notice_email})
    if request.method == "POST" and request.POST.get("action") == "email":
        if not can_record:  # advisers of her service and administrators set the address
            raise PermissionDenied
        email_form = SubstituteEmailForm(request.POST, prefix="notice")
        if email_form.is_valid():
            services.save_substitute_email(
                childminder=cm, email=email_form.cleaned_data["email"], actor=request.user
            )
            messages.success(request, _("The e-mail address for substitute notices was saved."))
            return redirect("substitutes:contacts", pk=cm.pk)
    elif request.method == "POST":
        if not can_record:
            raise PermissionDenied
        form = ContactForm(
            request.POST, prefix="contact", contracts=contracts_, substitutes=substitutes
        )
        if form.is_valid():
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
            else:
                messages.success(request, _("The contact visit was recorded."))
                return redirect("substitutes:contacts", pk=cm.pk)
    rules = services.rules_for(cm.territory)
    visits = ContactVisit.objects.filter(contract__in=contracts_).select_related("substitute")
    by_contract: dict[int, list[ContactVisit]] = {}
    for v in visits:
        by_contract.setdefault(v.contract_id, []).append(v)
    table = []
    for c in contracts_:
        known = services.known_substitutes(c, today, rules)
        table.append(
            {
                "contract": c,
                "visits": by_contract.get(c.pk, []),
                "known": sorted(
                    {
                        v.substitute.name
                        for v in by_contract.get(c.pk, [])
                        if v.substitute_id in known
                    }
                ),
            }
        )
    return render(
        request,
        "substitutes/contacts.html",
        {
            "cm": cm,
            "table": table,
            "form": form,
            "can_record": can_record,
            "rules": rules,
            "email_form": email_form,
            "notice_email": notice_email,
            "login_email": cm.user.email if cm.user is not None else "",
        },
    )


def report(request: HttpRequest) -> HttpResponse:
    _require_use(request)
    if not selectors.can_decide(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    first = today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
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
            columns = [
                Column("area", _("Area"), lambda r: r.label),
                Column(
                    "absence_days", _("Absence days"), lambda r: r.report.childminder_absence_days
                ),
                Column("child_days", _("Care days affected"), lambda r: r.report.child_days),
                Column(
                    "own_arrangement_days",
                    _("Family's own arrangement"),
                    lambda r: r.report.own_arrangement_days,
                ),
                Column("covered_days", _("Covered days"), lambda r: r.report.covered_days),
                Column("uncovered_days", _("Uncovered days"), lambda r: r.report.uncovered_days),
                Column(
                    "coverage_rate",
                    _("Coverage rate"),
                    lambda r: (
                        "" if r.report.coverage_rate is None else round(r.report.coverage_rate, 4)
                    ),
                ),
                Column("cost_eur", _("Cost (EUR)"), lambda r: str(r.report.cost)),
            ]
            return export_response(
                export_format=export_format, columns=columns, objects=rows, base_name="vertretung"
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
    contracts_ = list(
        cm.contracts.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today)).order_by(
            "child_reference", "pk"
        )
    )
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
