"""Opening a fund year, and reading its summary (everything derived from records and the ledger)."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import translation
from django.utils.translation import gettext as _

from techfund.core.enums import AccountKind, Level
from techfund.core.errors import ServiceError
from techfund.core.models import Posting
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.funds import accounts
from techfund.funds.enums import ContributionState
from techfund.funds.models import FundYear
from techfund.funds.validation import fmt
from techfund.policy.models import PolicyProfile
from techfund.policy.services import active_profile

ZERO = ledger.ZERO
MIN_YEAR, MAX_YEAR = 2000, 2100


def _year(value) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        year = None
    if year is None or isinstance(value, bool) or not (MIN_YEAR <= year <= MAX_YEAR):
        msg = _("年度必须是 %(lo)s 到 %(hi)s 之间的整数，收到“%(v)s”。") % {
            "lo": MIN_YEAR,
            "hi": MAX_YEAR,
            "v": value,
        }
        raise ServiceError(msg, code="year_invalid", errors={"year": [msg]})
    return year


@transaction.atomic
def open_fund_year(*, actor, year, profile: PolicyProfile | None = None) -> FundYear:
    """设立年度资金: the year's fund under the active policy profile (or the one given)."""
    role = require(actor, "funds.open_fund_year")
    year = _year(year)
    if profile is None:
        profile = active_profile(year)
        if profile is None:
            msg = _("尚未载入生效的政策配置，无法设立 %(year)s 年度资金。") % {"year": year}
            raise ServiceError(msg, code="profile_missing", errors={"profile": [msg]})
    elif not isinstance(profile, PolicyProfile) or not PolicyProfile.objects.filter(pk=profile.pk).exists():
        msg = _("政策配置不存在。")
        raise ServiceError(msg, code="profile_missing", errors={"profile": [msg]})
    if FundYear.objects.select_for_update().filter(year=year).exists():
        msg = _("%(year)s 年度资金已设立。") % {"year": year}
        raise ServiceError(msg, code="fund_year_exists", errors={"year": [msg]})
    with translation.override(settings.LANGUAGE_CODE):
        name = _("%(year)s年度市级科技创新发展资金") % {"year": year}
    fund_year = FundYear.objects.create(year=year, profile=profile, name=name, opened_by=actor)
    accounts.pool_account(year)
    audit.record(
        "fund.year.opened",
        actor=actor,
        role=role,
        target=fund_year,
        after={
            "year": year,
            "name": name,
            "profile": profile.pk,
            "profile_code": profile.code,
            "profile_version": profile.version,
            "min_annual_scale": profile.min_annual_scale,
        },
    )
    return fund_year


def minimum_scale_check(profile: PolicyProfile, contributed: Decimal) -> tuple[bool, str]:
    """(below?, message): is the year's pooled total under the profile's minimum annual scale?"""
    minimum = profile.min_annual_scale
    if minimum is None or contributed >= minimum:
        return False, ""
    return True, _(
        "本年度已入池资金 %(total)s 元，低于政策配置规定的年度最低规模 %(min)s 元（差 %(gap)s 元）。"
    ) % {
        "total": fmt(contributed),
        "min": fmt(minimum),
        "gap": fmt(minimum - contributed),
    }


def _q(value) -> Decimal:
    return (value or ZERO).quantize(ledger.CENT)


def summary(fund_year: FundYear) -> dict:
    """The fund year at a glance. A fixed number of queries, whatever the number of records.

    Contributions are grouped by source, department and level (voided ones left out); the pool's
    unallocated balance and each focus area's allocated balance come from the ledger; the
    reconciliation checks that the money held (pool, areas and anything downstream) equals what the
    sources put in, and that the sources equal the recorded contributions.
    """
    profile = fund_year.profile
    year = fund_year.year
    recorded = fund_year.contributions.filter(state=ContributionState.RECORDED)

    by_source = []
    notes = []
    for r in (
        recorded.values(
            "source_type_id",
            "source_type__code",
            "source_type__name",
            "source_type__department_id",
            "source_type__department__name",
            "source_type__own_procedure",
            "source_type__procedure_owner",
            "source_type__order",
        )
        .annotate(total=Sum("amount"))
        .order_by("source_type__order")
    ):
        row = {
            "code": r["source_type__code"],
            "name": r["source_type__name"],
            "department_id": r["source_type__department_id"],
            "department": r["source_type__department__name"],
            "amount": _q(r["total"]),
            "own_procedure": r["source_type__own_procedure"],
            "procedure_owner": r["source_type__procedure_owner"],
        }
        by_source.append(row)
        if row["own_procedure"]:
            notes.append(
                _("“%(source)s”%(amount)s 元已入池，按“%(owner)s”的程序管理使用，不经本领导小组审定。")
                % {"source": row["name"], "amount": fmt(row["amount"]), "owner": row["procedure_owner"]}
            )

    by_department = [
        {
            "code": r["department__code"],
            "name": r["department__name"],
            "department_id": r["department_id"],
            "amount": _q(r["total"]),
        }
        for r in recorded.values("department_id", "department__code", "department__name")
        .annotate(total=Sum("amount"))
        .order_by("department__code")
    ]
    level_totals = {
        r["level"]: _q(r["total"]) for r in recorded.values("level").annotate(total=Sum("amount"))
    }
    by_level = [
        {"level": value, "label": str(label), "amount": level_totals.get(value, ZERO)}
        for value, label in Level.choices
    ]
    contributed = sum((r["amount"] for r in by_department), ZERO)

    # Everything the ledger holds for this year, by account, in one query.
    sources = pool = areas = downstream = ZERO
    area_balances: dict[str, Decimal] = {}
    area_prefix = accounts.area_prefix(year)
    for r in (
        Posting.objects.filter(account__year=year)
        .values("account__code", "account__kind")
        .annotate(total=Sum("amount"))
    ):
        bal = _q(r["total"])
        kind, code = r["account__kind"], r["account__code"]
        if kind == AccountKind.SOURCE:
            sources += bal
        elif kind == AccountKind.POOL:
            pool += bal
        elif kind == AccountKind.AREA:
            areas += bal
            if code.startswith(area_prefix):
                area_balances[code[len(area_prefix) :]] = bal
        else:
            downstream += bal
    allocated_by_area = [
        {"code": fa.code, "name": fa.name, "amount": area_balances.get(fa.code, ZERO)}
        for fa in profile.focus_areas.all()
    ]

    held = pool + areas + downstream
    reconciled = sources + held == ZERO and -sources == contributed
    if reconciled:
        recon_message = _(
            "已对平：资金来源合计 %(src)s 元 = 资金池 %(pool)s 元 + 领域配置 %(areas)s 元 + 下游 %(down)s 元。"
        )
    else:
        recon_message = _(
            "未对平：资金来源合计 %(src)s 元，资金池 %(pool)s 元 + 领域配置 %(areas)s 元 + 下游 %(down)s 元，"
            "登记入池 %(contributed)s 元。"
        )
    recon_message = recon_message % {
        "src": fmt(-sources),
        "pool": fmt(pool),
        "areas": fmt(areas),
        "down": fmt(downstream),
        "contributed": fmt(contributed),
    }

    minimum = profile.min_annual_scale
    below, min_message = minimum_scale_check(profile, contributed)

    return {
        "year": year,
        "name": fund_year.name,
        "profile": profile.code,
        "profile_version": profile.version,
        "contributed_total": contributed,
        "by_source": by_source,
        "by_department": by_department,
        "by_level": by_level,
        "pool_unallocated": pool,
        "allocated_total": areas,
        "allocated_by_area": allocated_by_area,
        "equity_pilot_share": profile.equity_pilot_share,
        "min_annual_scale": minimum,
        "below_minimum_scale": below,
        "minimum_scale_message": min_message,
        "notes": notes,
        "reconciliation": {
            "ok": reconciled,
            "sources_total": -sources,
            "pool": pool,
            "areas": areas,
            "downstream": downstream,
            "contributions_total": contributed,
            "message": recon_message,
        },
    }


__all__ = ["minimum_scale_check", "open_fund_year", "summary"]
