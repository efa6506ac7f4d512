"""Monthly payment runs for childminders (de: laufende Geldleistung, § 23 SGB VIII) as stored
data: the uploaded rate and parent-fee tables (TOML text as uploaded), insurance proofs, payee
accounts, and the runs with one row per payment line.

A released run is frozen: its row and its lines refuse every change (:class:`FrozenRunError`),
through ``save()``, ``delete()``, queryset ``update()``/``delete()`` and, as the last line, a
database trigger (:mod:`kitaplan.web.core.immutability`, migration ``0004_frozen_records``).
A change to a past month never rewrites it: it shows up as a correction line of a later run
(the engine recomputes every released month, see ``docs/domain/childminding-payments.md``).

The paying account of a territory (:class:`PaymentDebtor`) is set up by the payment office; a
run is released only with one, and its SEPA file is written once, at release, into a
:class:`PaymentRunFile` row that is frozen from the start (every download is the same bytes).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kitaplan.web.childminding.models import CareContract, Childminder
from kitaplan.web.core.immutability import FrozenModel, FrozenRecordError, FrozenRule
from kitaplan.web.territory.models import Territory

INSURANCE_KINDS = [
    ("accident", _("accident insurance")),
    ("pension", _("pension insurance")),
    ("health_care", _("health and care insurance")),
]


#: The most hours a month can have (31 days × 24 hours).
MAX_MONTH_HOURS = 744
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class FrozenRunError(FrozenRecordError):
    """A released run (or one of its lines) was to be changed or deleted."""


class RateTableRecord(models.Model):
    """One uploaded version of a Jugendamt's rate table (the TOML file kept as uploaded)."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="rate_tables", verbose_name=_("territory")
    )
    scheme = models.CharField(_("scheme"), max_length=80)
    code = models.CharField(_("code"), max_length=80)
    name = models.CharField(_("name"), max_length=255)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.TextField(_("source"))
    file_name = models.CharField(_("file name"), max_length=255)
    toml_text = models.TextField(_("table (TOML)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("rate table")
        verbose_name_plural = _("rate tables")
        ordering = ["territory", "scheme", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "code"], name="unique_rate_table_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.valid_from}–{self.valid_to or ''})"


class FeeTableRecord(models.Model):
    """An uploaded parent-fee table (de: Kostenbeitrag), separate from the payment."""

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="fee_tables", verbose_name=_("territory")
    )
    code = models.CharField(_("code"), max_length=80)
    name = models.CharField(_("name"), max_length=255)
    basis = models.CharField(_("basis"), max_length=20)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    source = models.TextField(_("source"))
    file_name = models.CharField(_("file name"), max_length=255)
    toml_text = models.TextField(_("table (TOML)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("parent-fee table")
        verbose_name_plural = _("parent-fee tables")
        ordering = ["territory", "-valid_from", "code"]
        constraints = [
            models.UniqueConstraint(fields=["territory", "code"], name="unique_fee_table_code")
        ]

    def __str__(self) -> str:
        return self.code


class InsuranceProofRecord(models.Model):
    """A proven monthly insurance contribution of a childminder, valid for a period."""

    childminder = models.ForeignKey(
        Childminder,
        on_delete=models.CASCADE,
        related_name="insurance_proofs",
        verbose_name=_("childminder"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=INSURANCE_KINDS)
    monthly_amount_cents = models.PositiveIntegerField(_("monthly amount (cents)"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("insurance proof")
        verbose_name_plural = _("insurance proofs")
        ordering = ["childminder", "kind", "valid_from"]

    def __str__(self) -> str:
        return f"{self.childminder_id}: {self.kind} {self.monthly_amount_cents / 100:.2f} EUR"


class PayeeAccount(models.Model):
    """Where a childminder's payment goes (synthetic in tests and the demo)."""

    childminder = models.OneToOneField(
        Childminder,
        on_delete=models.CASCADE,
        related_name="payee_account",
        verbose_name=_("childminder"),
    )
    iban = models.CharField(_("IBAN"), max_length=34)
    holder = models.CharField(_("account holder"), max_length=70)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)

    class Meta:
        verbose_name = _("payee account")
        verbose_name_plural = _("payee accounts")

    def __str__(self) -> str:
        # Masked: the label reaches audit events and admin lists (the full IBAN stays in the row).
        return f"{self.holder}: {mask_iban(self.iban)}"


def group_iban(iban: str) -> str:
    """An IBAN in blocks of four (``DE89 3704 0044 0532 0130 00``)."""
    compact = iban.replace(" ", "").upper()
    return " ".join(compact[k : k + 4] for k in range(0, len(compact), 4))


def mask_iban(iban: str) -> str:
    """An IBAN with every character but the last four replaced (``**** **** … **30 00``)."""
    compact = iban.replace(" ", "").upper()
    keep = 4 if len(compact) > 4 else 0
    return group_iban("*" * (len(compact) - keep) + compact[len(compact) - keep :])


class PaymentDebtor(models.Model):
    """The account a territory pays from (the debtor of its SEPA credit transfers)."""

    territory = models.OneToOneField(
        Territory,
        on_delete=models.CASCADE,
        related_name="payment_debtor",
        verbose_name=_("territory"),
    )
    holder = models.CharField(_("account holder"), max_length=70)
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    #: The SEPA creditor identifier (Gläubiger-ID); not needed for credit transfers.
    creditor_id = models.CharField(_("creditor identifier"), max_length=35, blank=True)
    valid_from = models.DateField(_("valid from"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("paying account")
        verbose_name_plural = _("paying accounts")
        ordering = ["territory"]

    def __str__(self) -> str:
        return f"{self.territory_id}: {mask_iban(self.iban)}"


class PaymentRun(FrozenModel):
    """The payment of one month in one territory (versioned; frozen once released)."""

    DRAFT = "draft"
    RELEASED = "released"
    STATUS_CHOICES = [(DRAFT, _("draft")), (RELEASED, _("released"))]
    frozen_rule = FrozenRule(
        frozen=models.Q(status=RELEASED), error=FrozenRunError, label="released payment run"
    )

    territory = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        related_name="payment_runs",
        verbose_name=_("territory"),
    )
    month = models.CharField(_("month"), max_length=7)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=STATUS_CHOICES, default=DRAFT)
    #: {"tables": [codes], "released_runs": [ids], "contracts": [...], "insurance": [...]}
    inputs = models.JSONField(_("inputs as the engine saw them"), default=dict)
    #: [{"code", "contract_id", "field", "value", "expected", "childminder_id", "child"}, …]
    issues = models.JSONField(_("contracts not paid"), default=list)
    total_cents = models.BigIntegerField(_("total (cents)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    #: Frozen on release: the payee accounts of the run's childminders and the execution date,
    #: so that the SEPA file and the statements of a released run never change afterwards.
    payees = models.JSONField(_("payee accounts at release"), default=dict, blank=True)

    class Meta:
        verbose_name = _("payment run")
        verbose_name_plural = _("payment runs")
        ordering = ["territory", "-month", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "month", "version"], name="unique_payment_run_version"
            ),
            models.UniqueConstraint(
                fields=["territory", "month"],
                condition=models.Q(status="released"),
                name="one_released_payment_run_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.territory} {self.month} v{self.version}"

    @property
    def is_released(self) -> bool:
        return self.status == self.RELEASED


class PaymentLineRecord(FrozenModel):
    """One line of a run: childminder, child, component, ``quantity × rate = amount``."""

    frozen_rule = FrozenRule(
        frozen=models.Q(run__status=PaymentRun.RELEASED),
        error=FrozenRunError,
        label="line of a released payment run",
        parent="run",
        parent_frozen=models.Q(status=PaymentRun.RELEASED),
    )

    run = models.ForeignKey(
        PaymentRun, on_delete=models.CASCADE, related_name="lines", verbose_name=_("run")
    )
    position = models.PositiveIntegerField(_("position"))
    childminder = models.ForeignKey(
        Childminder,
        on_delete=models.PROTECT,
        related_name="payment_lines",
        verbose_name=_("childminder"),
    )
    child_reference = models.CharField(_("child (reference)"), max_length=40, blank=True)
    contract_id = models.CharField(_("contract"), max_length=40, blank=True)
    component = models.CharField(_("component"), max_length=80)
    quantity = models.CharField(_("quantity"), max_length=80)
    rate = models.CharField(_("rate"), max_length=80)
    unit = models.CharField(_("unit"), max_length=12)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    table_code = models.CharField(_("rate table"), max_length=80)
    corrects_month = models.CharField(_("corrects month"), max_length=7, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    #: The engine's notes as codes with parameters (``[{"code": …, "params": {…}}]``), worded
    #: by the page, the PDF and the CSV; ``None`` on lines computed before notes had codes
    #: (those show their ``note`` as it is).
    notes = models.JSONField(_("notes"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        ordering = ["run", "position"]

    def __str__(self) -> str:
        return f"{self.run}: {self.childminder_id} {self.component} {self.amount_cents / 100:.2f}"

    @property
    def is_correction(self) -> bool:
        return bool(self.corrects_month)


class ActualHours(models.Model):
    """The hours actually cared in one month under one contract (settlement on actual hours).

    The run of a month pays the granted hours in advance; once the month is over, the
    childminder (or the payment office, an adviser) reports the hours actually cared. The next
    run recomputes the released month with them and pays the difference as correction lines.
    ``settled_in`` is the released run whose computation used these hours: from then on the
    report can no longer be changed.
    """

    contract = models.ForeignKey(
        CareContract,
        on_delete=models.PROTECT,
        related_name="actual_hours",
        verbose_name=_("contract"),
    )
    month = models.CharField(
        _("month"),
        max_length=7,
        validators=[RegexValidator(MONTH_PATTERN, _("Enter a month as YYYY-MM."))],
    )
    hours = models.DecimalField(
        _("hours cared in the month"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_MONTH_HOURS)],
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    settled_in = models.ForeignKey(
        PaymentRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settled_hours",
        verbose_name=_("settled in run"),
    )

    class Meta:
        verbose_name = _("actual hours")
        verbose_name_plural = _("actual hours")
        ordering = ["-month", "contract"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "month"], name="unique_actual_hours_per_contract_month"
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gte=0), name="actual_hours_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.month}: {self.hours} h"

    @property
    def is_settled(self) -> bool:
        return self.settled_in_id is not None


class PaymentRunFile(FrozenModel):
    """The SEPA credit transfer file of a released run, written once at release (or, for a run
    released before files were stored, at its first download) and never changed: inserting is
    allowed, every update or delete is refused (here and by a database trigger)."""

    frozen_rule = FrozenRule(
        frozen=models.Q(pk__isnull=False),
        error=FrozenRunError,
        label="SEPA file of a released payment run",
    )

    run = models.OneToOneField(
        PaymentRun, on_delete=models.PROTECT, related_name="sepa_file", verbose_name=_("run")
    )
    message_id = models.CharField(_("message id"), max_length=35)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content = models.BinaryField(_("file (pain.001 XML)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("SEPA file of a payment run")
        verbose_name_plural = _("SEPA files of payment runs")

    def __str__(self) -> str:
        return f"{self.run_id}: {self.message_id}"
