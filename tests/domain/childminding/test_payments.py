"""The monthly payment to childminders: published cases, rules, corrections, parent fees."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kitaplan.domain.childminding.payments import (
    Absence,
    Contract,
    InsuranceKind,
    InsuranceProof,
    IssueCode,
    LineUnit,
    PaymentLine,
    compute_month,
    corrections,
    format_exact,
    parse_month,
)
from kitaplan.domain.childminding.payments_rules import (
    AbsenceBeyond,
    AbsenceRule,
    Bands,
    CareLocation,
    CareScopes,
    Component,
    ComponentKind,
    Corridors,
    ExactHours,
    FeeBasis,
    FeeBracket,
    FeeTable,
    HoursClass,
    MonthlyByDailyHours,
    ProRataRule,
    Rate,
    RateTable,
    RateUnit,
    Rounding,
    RoundingMode,
    SettlingInMode,
    SettlingInRule,
    Stage,
    day_factor,
    parent_fee,
    table_errors,
)

OWN = CareLocation.OWN_HOME


def hourly(
    code: str, amount: str, kind: ComponentKind = ComponentKind.FOERDERLEISTUNG
) -> Component:
    return Component(code, kind, RateUnit.HOUR, (Rate(F(amount)),))


def nrw(**changes: object) -> RateTable:
    table = RateTable(
        scheme="nrw",
        code="nrw-2014",
        name="NRW city 2014",
        valid_from=date(2014, 8, 1),
        valid_to=None,
        source="BVerwG 5 C 18/16",
        hours_rule=Bands(F(5)),
        components=(
            hourly("sachaufwand", "1.80", ComponentKind.SACHAUFWAND),
            hourly("foerderleistung", "2.70"),
        ),
        weeks_per_month=F(21, 5),
    )
    return replace(table, **changes)  # type: ignore[arg-type]


def contract(cid: str = "c1", cm: str = "tp1", **changes: object) -> Contract:
    base = Contract(
        contract_id=cid,
        childminder_id=cm,
        child_id="k-" + cid,
        funded_from=date(2014, 1, 1),
        funded_to=None,
        weekly_hours=F(20),
        care_location=OWN,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def amounts(lines: tuple[PaymentLine, ...] | list[PaymentLine]) -> dict[str, int]:
    result: dict[str, int] = {}
    for line in lines:
        result[line.component] = result.get(line.component, 0) + line.amount_cents
    return result


# --------------------------------------------------------------------------- published cases


def test_nrw_city_2014_five_hour_bands_4_2_weeks() -> None:
    result = compute_month([nrw()], [contract()], "2014-10")
    assert amounts(result.lines) == {"sachaufwand": 15120, "foerderleistung": 22680}
    assert result.total_cents == 37800
    assert result.lines[0].quantity == 84 and result.lines[0].unit is LineUnit.HOUR


@pytest.mark.parametrize(("hours", "band"), [("16", 20), ("18", 20), ("20", 20), ("20.5", 25)])
def test_bands_are_paid_at_their_top(hours: str, band: int) -> None:
    result = compute_month([nrw()], [contract(weekly_hours=F(hours))], "2014-10")
    assert result.lines[0].quantity == band * F(21, 5)


def bw() -> RateTable:
    return nrw(
        valid_from=date(2009, 7, 1),
        hours_rule=ExactHours(),
        weeks_per_month=F(52, 12),
        components=(hourly("f", "3.90"),),
    )


def test_bw_landkreis_2009_exact_hours_52_weeks() -> None:
    c = contract(weekly_hours=F(32), funded_from=date(2009, 7, 1))
    result = compute_month([bw()], [c], "2009-09")
    assert result.total_cents == 54080


def dresden(**changes: object) -> RateTable:
    groups = {"BG1": 646, "BG2": 750, "BG3": 780, "BG4": 803, "BG5": 825, "BG6": 870}
    table = RateTable(
        scheme="dresden",
        code="dresden-2022-07",
        name="Dresden 2022",
        valid_from=date(2022, 7, 1),
        valid_to=date(2023, 6, 30),
        source="dresden.de",
        hours_rule=MonthlyByDailyHours((HoursClass("9h", F(8), F(9)),)),
        components=(
            Component(
                "foerderleistung",
                ComponentKind.FOERDERLEISTUNG,
                RateUnit.MONTH,
                tuple(Rate(F(v), stage=k, hours_class="9h") for k, v in groups.items()),
            ),
            Component(
                "sachkosten",
                ComponentKind.SACHAUFWAND,
                RateUnit.MONTH,
                (Rate(F(169), location=OWN), Rate(F(206), location=CareLocation.RENTED_ROOMS)),
            ),
        ),
        stages=tuple(Stage(k) for k in groups),
    )
    return replace(table, **changes)  # type: ignore[arg-type]


def dd_contract(i: int, **changes: object) -> Contract:
    fields: dict[str, object] = {
        "funded_from": date(2022, 7, 1),
        "weekly_hours": F(45),
        "days_per_week": 5,
        "stage": "BG2",
    }
    return contract(f"d{i}", "tp-dd", **(fields | changes))


def test_dresden_2022_five_children_bg2_own_home() -> None:
    result = compute_month([dresden()], [dd_contract(i) for i in range(5)], "2022-09")
    assert result.total_cents == 459500
    assert amounts(result.lines) == {"foerderleistung": 375000, "sachkosten": 84500}


def test_dresden_rented_rooms_and_experience_group() -> None:
    c = dd_contract(1, stage="BG6", care_location=CareLocation.RENTED_ROOMS, daily_hours=F(9))
    assert compute_month([dresden()], [c], "2022-09").total_cents == 87000 + 20600


def test_health_care_insurance_is_reimbursed_by_half() -> None:
    proof = InsuranceProof("tp1", InsuranceKind.HEALTH_CARE, F("343.22"), date(2009, 1, 1))
    result = compute_month([nrw()], [contract()], "2014-10", insurance=[proof])
    line = next(x for x in result.lines if x.child_id is None)
    assert (line.component, line.amount_cents) == ("insurance_health_care", 17161)


# --------------------------------------------------------------------------- insurance


def test_insurance_kinds_and_pro_rata_share_of_funded_children() -> None:
    proofs = [
        InsuranceProof("tp1", InsuranceKind.ACCIDENT, F("10.50"), date(2014, 1, 1)),
        InsuranceProof("tp1", InsuranceKind.PENSION, F("120"), date(2014, 1, 1)),
        InsuranceProof("tp1", InsuranceKind.HEALTH_CARE, F("300"), date(2014, 1, 1)),
    ]
    alone = compute_month([nrw()], [contract()], "2014-10", insurance=proofs)
    assert amounts(alone.lines)["insurance_accident"] == 1050
    assert amounts(alone.lines)["insurance_pension"] == 6000
    assert amounts(alone.lines)["insurance_health_care"] == 15000
    shared = compute_month(
        [nrw()],
        [contract(), contract("c2"), contract("c3", funded=False)],
        "2014-10",
        insurance=proofs,
    )
    by = amounts(shared.lines)
    assert (by["insurance_accident"], by["insurance_pension"]) == (700, 4000)
    assert by["insurance_health_care"] == 10000
    assert "funded_share 2/3 children" in next(x for x in shared.lines if x.child_id is None).note
    # the unfunded contract gets no line of its own
    assert {x.child_id for x in shared.lines} == {"k-c1", "k-c2", None}


def test_insurance_proof_valid_for_half_a_month() -> None:
    proof = InsuranceProof("tp1", InsuranceKind.ACCIDENT, F(30), date(2014, 9, 16))
    result = compute_month([nrw()], [contract()], "2014-09", insurance=[proof])
    assert amounts(result.lines)["insurance_accident"] == 1500


# --------------------------------------------------------------------------- pro rata


def test_table_change_mid_month_splits_by_calendar_days() -> None:
    old = nrw(valid_to=date(2015, 7, 15))
    new = nrw(
        code="nrw-2015",
        valid_from=date(2015, 7, 16),
        components=(
            hourly("sachaufwand", "2.00", ComponentKind.SACHAUFWAND),
            hourly("foerderleistung", "3.00"),
        ),
    )
    result = compute_month([new, old], [contract()], "2015-07")
    assert [(x.table, x.component) for x in result.lines] == [
        ("nrw-2014", "sachaufwand"),
        ("nrw-2014", "foerderleistung"),
        ("nrw-2015", "sachaufwand"),
        ("nrw-2015", "foerderleistung"),
    ]
    # 84 h × 15/31 and 84 h × 16/31
    expected = [84 * F(15, 31) * F("1.80"), 84 * F(15, 31) * F("2.70")]
    expected += [84 * F(16, 31) * F(2), 84 * F(16, 31) * F(3)]
    assert [x.amount_cents for x in result.lines] == [Rounding().cents(e) for e in expected]


def test_table_change_mid_month_with_30_day_rule() -> None:
    old = nrw(valid_to=date(2015, 7, 15), pro_rata=ProRataRule.DAYS_30)
    new = nrw(code="nrw-2015", valid_from=date(2015, 7, 16), pro_rata=ProRataRule.DAYS_30)
    result = compute_month([old, new], [contract()], "2015-07")
    # 1–15 = 15/30, 16–31 = 15/30 (day 31 counts nothing): the same rates give the full month
    assert result.total_cents == 37800
    assert {x.quantity for x in result.lines} == {42}


def test_partial_month_pro_rata_rules() -> None:
    c = contract(funded_from=date(2014, 9, 16))  # September has 30 days
    calendar_days = compute_month([nrw()], [c], "2014-09")
    assert calendar_days.total_cents == 18900
    c2 = contract(funded_to=date(2015, 2, 14))
    feb30 = compute_month([nrw(pro_rata=ProRataRule.DAYS_30)], [c2], "2015-02")
    assert feb30.lines[0].quantity == 84 * F(14, 30)
    working = compute_month([nrw(pro_rata=ProRataRule.WORKING_DAYS)], [c2], "2015-02")
    assert working.lines[0].quantity == 84 * F(10, 20)


def test_day_factor_february_end_counts_to_day_30() -> None:
    assert day_factor(ProRataRule.DAYS_30, 2015, 2, range(15, 29)) == F(16, 30)
    assert day_factor(ProRataRule.DAYS_30, 2015, 2, range(1, 29)) == 1
    assert day_factor(ProRataRule.DAYS_30, 2015, 1, range(1, 32)) == 1
    assert day_factor(ProRataRule.CALENDAR_DAYS, 2016, 2, range(1, 30)) == 1


def test_no_table_for_the_days_is_an_issue() -> None:
    result = compute_month([nrw(valid_to=date(2015, 7, 31))], [contract()], "2015-08")
    assert [i.code for i in result.issues] == [IssueCode.NO_TABLE]
    assert result.lines == ()


# --------------------------------------------------------------------------- rounding, stages


def test_rounding_is_defined_per_component() -> None:
    # 10 h × 21/5 = 42 h × 0.0125 € = 0.525 €: half up 53 ct, down 52 ct, up to 5 ct: 55 ct
    comps = (
        Component("a", ComponentKind.SACHAUFWAND, RateUnit.HOUR, (Rate(F("0.0125")),)),
        Component(
            "b",
            ComponentKind.FOERDERLEISTUNG,
            RateUnit.HOUR,
            (Rate(F("0.0125")),),
            rounding=Rounding(RoundingMode.DOWN),
        ),
        Component(
            "c",
            ComponentKind.SUPPLEMENT,
            RateUnit.HOUR,
            (Rate(F("0.0125")),),
            rounding=Rounding(RoundingMode.UP, 5),
        ),
    )
    table = nrw(components=comps, hours_rule=ExactHours())
    result = compute_month([table], [contract(weekly_hours=F(10))], "2014-10")
    assert amounts(result.lines) == {"a": 53, "b": 52, "c": 55}


def test_rounding_of_negative_amounts_is_symmetric() -> None:
    assert Rounding().cents(F("-0.005")) == -1
    assert Rounding(RoundingMode.DOWN).cents(F("-0.019")) == -1


def wuerzburg() -> RateTable:
    """Landkreis Würzburg 2012/13: Grundpauschale per daily-hours class + 20 % qualification."""
    classes = (HoursClass("1-2", F(0), F(2)), HoursClass("2-3", F(2), F(3)))
    return RateTable(
        scheme="wue",
        code="wue-2012",
        name="Landkreis Würzburg",
        valid_from=date(2012, 9, 1),
        valid_to=None,
        source="VG Würzburg W 3 K 14.589",
        hours_rule=MonthlyByDailyHours(classes),
        components=(
            Component(
                "grundpauschale",
                ComponentKind.FOERDERLEISTUNG,
                RateUnit.MONTH,
                (Rate(F("108.25"), hours_class="1-2"), Rate(F("162.38"), hours_class="2-3")),
            ),
            Component(
                "qualifizierungszuschlag",
                ComponentKind.SUPPLEMENT,
                RateUnit.PERCENT,
                (Rate(F(20), stage="qualified"),),
                base="grundpauschale",
            ),
        ),
        stages=(Stage("basic"), Stage("qualified")),
    )


def test_stage_percentage_bonus_and_daily_class_boundaries() -> None:
    def pay(daily: str, stage: str) -> dict[str, int]:
        c = contract(daily_hours=F(daily), stage=stage, funded_from=date(2013, 1, 1))
        result = compute_month([wuerzburg()], [c], "2013-03")
        assert not result.issues
        return amounts(result.lines)

    assert pay("2", "qualified") == {"grundpauschale": 10825, "qualifizierungszuschlag": 2165}
    assert pay("2.01", "qualified") == {"grundpauschale": 16238, "qualifizierungszuschlag": 3248}
    assert pay("3", "basic") == {"grundpauschale": 16238}
    c = contract(daily_hours=F("3.5"), stage="basic", funded_from=date(2013, 1, 1))
    issue = compute_month([wuerzburg()], [c], "2013-03").issues[0]
    assert (issue.code, issue.field, issue.value) == (
        IssueCode.HOURS_NOT_COVERED,
        "daily_hours",
        "3.5",
    )


def test_stage_threshold_from_training_units() -> None:
    """Stuttgart: 5.50 €/h with ≥ 70 UE qualification, 4.90 € below."""
    table = nrw(
        hours_rule=ExactHours(),
        stages=(Stage("below_70", 0), Stage("from_70", 70)),
        components=(
            Component(
                "foerderleistung",
                ComponentKind.FOERDERLEISTUNG,
                RateUnit.HOUR,
                (Rate(F("4.90"), stage="below_70"), Rate(F("5.50"), stage="from_70")),
            ),
        ),
    )
    low = compute_month([table], [contract(weekly_hours=F(10), training_units=69)], "2014-10")
    high = compute_month([table], [contract(weekly_hours=F(10), training_units=70)], "2014-10")
    assert (low.total_cents, high.total_cents) == (42 * 490, 42 * 550)


def test_corridor_paid_at_its_top() -> None:
    corridors = Corridors(
        tuple(HoursClass(f"{a}-{a + 5}", F(a), F(a + 5)) for a in range(25, 45, 5))
    )
    table = nrw(hours_rule=corridors)
    for hours, top in (("36", 40), ("35", 35), ("40", 40), ("25.5", 30)):
        result = compute_month([table], [contract(weekly_hours=F(hours))], "2014-10")
        assert result.lines[0].quantity == top * F(21, 5)
    outside = compute_month([table], [contract(weekly_hours=F(50))], "2014-10")
    assert outside.issues[0].code is IssueCode.HOURS_NOT_COVERED


def test_care_scope_categories_and_inclusion_supplement() -> None:
    scopes = CareScopes(
        (
            HoursClass("halbtags", F(0), F(25)),
            HoursClass("teilzeit", F(25), F(35)),
            HoursClass("ganztags", F(35), None),
        )
    )
    table = nrw(
        hours_rule=scopes,
        weeks_per_month=None,
        components=(
            Component(
                "sachaufwand",
                ComponentKind.SACHAUFWAND,
                RateUnit.MONTH,
                (Rate(F(242)),),
            ),
            Component(
                "foerderleistung",
                ComponentKind.FOERDERLEISTUNG,
                RateUnit.MONTH,
                (
                    Rate(F(500), hours_class="halbtags"),
                    Rate(F(700), hours_class="teilzeit"),
                    Rate(F(900), hours_class="ganztags"),
                ),
            ),
            Component(
                "inclusion",
                ComponentKind.SUPPLEMENT,
                RateUnit.MONTH,
                (Rate(F(150)),),
                requires="inclusion",
            ),
        ),
    )
    plain = compute_month([table], [contract(weekly_hours=F(30))], "2024-03")
    assert amounts(plain.lines) == {"sachaufwand": 24200, "foerderleistung": 70000}
    marked = compute_month(
        [table], [contract(weekly_hours=F(40), supplements=frozenset({"inclusion"}))], "2024-03"
    )
    assert amounts(marked.lines) == {
        "sachaufwand": 24200,
        "foerderleistung": 90000,
        "inclusion": 15000,
    }


def test_table_errors_catch_inconsistent_tables() -> None:
    bad = nrw(
        hours_rule=MonthlyByDailyHours((HoursClass("a", F(0), F(5)), HoursClass("b", F(4), F(9)))),
        components=(
            hourly("x", "1"),
            Component("y", ComponentKind.SUPPLEMENT, RateUnit.PERCENT, (Rate(F(10)),), base="nope"),
        ),
        valid_to=date(2000, 1, 1),
    )
    paths = {e.path for e in table_errors(bad)}
    assert {"valid_to", "hours.classes[2]", "components[1].unit", "components[2].base"} <= paths
    assert table_errors(nrw()) == []


# --------------------------------------------------------------------------- absences


def test_absence_beyond_quota_stops_or_continues() -> None:
    # 3 paid absence days per year; absences Mon 6 – Fri 10 Oct 2014 (5 working days) + a
    # Saturday that does not count: days 4 and 5 (9 and 10 Oct) are beyond the quota
    absences = [
        Absence("tp1", date(2014, 10, 6), date(2014, 10, 11)),
        Absence("other", date(2014, 1, 1), date(2014, 12, 31)),
    ]
    stops = nrw(absence=AbsenceRule(3, AbsenceBeyond.STOPS))
    result = compute_month([stops], [contract()], "2014-10", absences=absences)
    assert result.lines[0].quantity == 84 * F(29, 31)
    assert "absence_beyond_quota_unpaid 2 d" in result.lines[0].note
    goes_on = nrw(absence=AbsenceRule(3, AbsenceBeyond.CONTINUES))
    result = compute_month([goes_on], [contract()], "2014-10", absences=absences)
    assert result.total_cents == 37800
    assert "absence_beyond_quota_paid 2 d" in result.lines[0].note
    # earlier absences of the year use up the quota first
    earlier = [Absence("tp1", date(2014, 3, 3), date(2014, 3, 5))] + absences[:1]
    result = compute_month([stops], [contract()], "2014-10", absences=earlier)
    assert result.lines[0].quantity == 84 * F(26, 31)
    # November is not affected
    assert compute_month([stops], [contract()], "2014-11", absences=absences).total_cents == 37800


# --------------------------------------------------------------------------- settling-in


def test_settling_in_flat_amount_in_its_start_month() -> None:
    table = nrw(settling_in=SettlingInRule(SettlingInMode.FLAT, amount=F("150")))
    c = contract(
        funded_from=date(2014, 9, 22),
        settling_in_from=date(2014, 9, 8),
        settling_in_to=date(2014, 9, 19),
    )
    sept = compute_month([table], [c], "2014-09")
    assert amounts(sept.lines)["settling_in"] == 15000
    assert "settling_in" not in amounts(compute_month([table], [c], "2014-10").lines)


def test_settling_in_as_extra_hours_at_the_hourly_rates() -> None:
    table = nrw(settling_in=SettlingInRule(SettlingInMode.EXTRA_HOURS, hours=F(5)))
    c = contract(funded_from=date(2014, 9, 1), settling_in_from=date(2014, 9, 1))
    line = next(
        x for x in compute_month([table], [c], "2014-09").lines if x.component == "settling_in"
    )
    assert (line.quantity, line.rate, line.amount_cents) == (5, F("4.50"), 2250)


def test_settling_in_pays_the_open_place() -> None:
    table = nrw(settling_in=SettlingInRule(SettlingInMode.OPEN_PLACE))
    c = contract(
        funded_from=date(2014, 9, 16),
        settling_in_from=date(2014, 9, 1),
        settling_in_to=date(2014, 9, 19),
    )
    result = compute_month([table], [c], "2014-09")
    by = amounts(result.lines)
    assert by["settling_in"] == 37800 * 15 // 30  # 1–15 Sept (funding from 16 Sept)
    assert by["sachaufwand"] + by["foerderleistung"] == 18900


# --------------------------------------------------------------------------- runs, corrections


def test_correction_line_for_a_changed_released_month() -> None:
    released = compute_month([nrw()], [contract()], "2014-10")
    # the grant is raised to 25 h/week for October after October was released
    changed = [contract(weekly_hours=F(25))]
    november = compute_month([nrw()], changed, "2014-11", previous_lines=released.lines)
    regular = [x for x in november.lines if x.corrects_month is None]
    fixes = [x for x in november.lines if x.corrects_month is not None]
    assert sum(x.amount_cents for x in regular) == 47250
    assert [(x.component, x.amount_cents, x.corrects_month, x.month) for x in fixes] == [
        ("foerderleistung", 5670, "2014-10", "2014-11"),
        ("sachaufwand", 3780, "2014-10", "2014-11"),
    ]
    # the released lines are untouched; a later run with both runs as history corrects nothing
    assert released.total_cents == 37800
    december = compute_month(
        [nrw()], changed, "2014-12", previous_lines=released.lines + november.lines
    )
    assert all(x.corrects_month is None for x in december.lines)


def test_correction_of_a_contract_ended_earlier_is_negative() -> None:
    released = compute_month([nrw()], [contract()], "2014-10")
    ended = [contract(funded_to=date(2014, 9, 30))]
    fixes = corrections(
        released.lines, compute_month([nrw()], ended, "2014-10").lines, run_month="2014-11"
    )
    assert sum(x.amount_cents for x in fixes) == -37800
    assert all(x.unit is LineUnit.CORRECTION and x.child_id == "k-c1" for x in fixes)
    with pytest.raises(ValueError, match="later run"):
        corrections(released.lines, released.lines, run_month="2014-10")


def test_settlement_on_actual_hours_as_correction() -> None:
    table = bw()
    c = [contract(weekly_hours=F(32), funded_from=date(2009, 7, 1))]
    advance = compute_month([table], c, "2009-09")
    settled = compute_month(
        [table],
        c,
        "2009-10",
        previous_lines=advance.lines,
        actual_hours={("c1", "2009-09"): F(120)},
    )
    fix = next(x for x in settled.lines if x.corrects_month == "2009-09")
    assert fix.amount_cents == 120 * 390 - 54080


def test_parse_month_and_format_exact() -> None:
    assert parse_month("2022-07") == (2022, 7)
    for bad in ("2022-13", "2022-7", "July"):
        with pytest.raises(ValueError, match="month"):
            parse_month(bad)
    assert [format_exact(F(x)) for x in ("151.2", "416/3", "-0.05", "7")] == [
        "151.2",
        "416/3",
        "-0.05",
        "7",
    ]


# --------------------------------------------------------------------------- properties


contracts_strategy = st.lists(
    st.builds(
        lambda i, cm, h, start, length, settle, funded: contract(
            f"c{i}",
            f"tp{cm}",
            weekly_hours=F(h, 2),
            funded_from=date(2014, 9, 1 + start),
            funded_to=None if length is None else date(2014, 10, 1 + length),
            settling_in_from=date(2014, 9, 1) if settle else None,
            funded=funded,
        ),
        st.integers(0, 10**6),
        st.integers(0, 3),
        st.integers(1, 100),
        st.integers(0, 29),
        st.none() | st.integers(0, 30),
        st.booleans(),
        st.booleans(),
    ),
    max_size=12,
    unique_by=lambda c: c.contract_id,
)


@settings(max_examples=60, deadline=None)
@given(
    contracts_strategy,
    st.sampled_from(list(ProRataRule)),
    st.sampled_from(list(SettlingInMode)),
    st.sampled_from(["2014-09", "2014-10", "2014-11"]),
)
def test_lines_add_up_and_are_never_negative(
    contracts: list[Contract], rule: ProRataRule, settling: SettlingInMode, month: str
) -> None:
    table = nrw(
        pro_rata=rule,
        settling_in=SettlingInRule(settling, amount=F("99.99"), hours=F(3)),
        absence=AbsenceRule(2, AbsenceBeyond.STOPS),
    )
    proofs = [InsuranceProof("tp1", InsuranceKind.PENSION, F("101.01"), date(2014, 10, 10))]
    absences = [Absence("tp2", date(2014, 10, 1), date(2014, 10, 20))]
    result = compute_month([table], contracts, month, insurance=proofs, absences=absences)
    assert result.issues == ()
    assert result.total_cents == sum(x.amount_cents for x in result.lines)
    assert sum(result.totals_by_childminder().values()) == result.total_cents
    for line in result.lines:
        assert line.amount_cents >= 0
        assert line.amount_cents == Rounding().cents(line.quantity * line.rate)
    again = compute_month([table], contracts, month, insurance=proofs, absences=absences)
    assert again == result


# --------------------------------------------------------------------------- parent fees


def test_parent_fee_by_hour_bands_per_hour_and_income() -> None:
    munich = FeeTable(
        "muc",
        "Munich",
        date(2020, 1, 1),
        None,
        "wekita-muenchen.de",
        FeeBasis.HOUR_BANDS,
        (
            FeeBracket(F(38), F(0), F(20)),
            FeeBracket(F(48), F(20), F(25)),
            FeeBracket(F(100), F(45), None),
        ),
    )
    assert parent_fee(munich, weekly_hours=F(20)).amount_cents == 3800
    assert parent_fee(munich, weekly_hours=F("20.5")).amount_cents == 4800
    assert parent_fee(munich, weekly_hours=F(50)).amount_cents == 10000
    assert parent_fee(munich, weekly_hours=F(30)).amount_cents is None
    stuttgart = FeeTable(
        "stgt",
        "Stuttgart",
        date(2013, 1, 1),
        None,
        "stuttgarter-zeitung.de",
        FeeBasis.PER_HOUR,
        (FeeBracket(F("1.35"), age_group="u3"), FeeBracket(F("1.15"), age_group="ue3")),
        weeks_per_month=F(52, 12),
    )
    fee = parent_fee(stuttgart, weekly_hours=F(30), age_group="u3")
    assert (fee.quantity, fee.amount_cents) == (130, 17550)
    assert parent_fee(stuttgart, weekly_hours=F(30), age_group="ue3").amount_cents == 14950
    income = FeeTable(
        "inc",
        "by income",
        date(2020, 1, 1),
        None,
        "synthetic",
        FeeBasis.INCOME,
        (FeeBracket(F(0), F(-1), F(30000)), FeeBracket(F(120), F(30000), None)),
    )
    assert parent_fee(income, weekly_hours=F(40), yearly_income=F(30000)).amount_cents == 0
    assert parent_fee(income, weekly_hours=F(40), yearly_income=F(45000)).amount_cents == 12000
    assert parent_fee(income, weekly_hours=F(40)).amount_cents is None
