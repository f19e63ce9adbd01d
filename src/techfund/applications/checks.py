"""The rules an application is checked against — at submission and again at the formal check (形式审查).

``evaluate(applications, rules=…)`` returns each application's findings, ``Finding(rule, ok, message)``,
computed for any number of applications with a fixed number of queries (the formal-check list shows
them for every row). Money rules come from the call and the fund year's policy profile:

- ``budget_sum``         Σ budget lines = requested fiscal amount
- ``ceiling``            requested ≤ the call's ceiling (单项资助上限)
- ``co_funding``         self-raised ≥ requested × the call's co-funding ratio
- ``indirect_cost_cap``  indirect costs ≤ the cap of 国办发〔2021〕32号 from ``profile.rule("indirect_costs")``:
                         progressive tiers on B = direct costs − equipment purchase (yuan); a flat rate
                         (60 %) for pure theoretical basic research where the policy gives one
- ``limit_org`` / ``limit_person``  限项: live applications per organisation / per team lead (ID number)
- ``duplicate``          the same organisation filing an identical title in the same fund year
"""

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db.models import Count, prefetch_related_objects
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from techfund.applications.enums import (
    LIVE_STATES,
    BudgetCategory,
    TargetKind,
    TeamRole,
)
from techfund.applications.models import Application, TeamMember
from techfund.calls.models import Call
from techfund.calls.services import eligibility
from techfund.calls.validation import fmt_money, fmt_ratio
from techfund.core.models import Organisation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

RULE_LABELS = {
    "eligibility": gettext_lazy("申报资格"),
    "completeness": gettext_lazy("申报书完整性"),
    "budget_sum": gettext_lazy("预算合计"),
    "ceiling": gettext_lazy("资助上限"),
    "co_funding": gettext_lazy("自筹资金"),
    "indirect_cost_cap": gettext_lazy("间接费用上限"),
    "limit_org": gettext_lazy("单位限项"),
    "limit_person": gettext_lazy("负责人限项"),
    "duplicate": gettext_lazy("重复申报"),
}
SUBMIT_RULES = (
    "eligibility",
    "completeness",
    "budget_sum",
    "ceiling",
    "co_funding",
    "indirect_cost_cap",
    "limit_org",
    "limit_person",
)
FORMAL_RULES = (*SUBMIT_RULES, "duplicate")


@dataclass(frozen=True)
class Finding:
    rule: str
    ok: bool
    message: str
    errors: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(RULE_LABELS.get(self.rule, self.rule))

    def as_dict(self) -> dict:
        return {"rule": self.rule, "ok": self.ok, "message": str(self.message)}


# ---------------------------------------------------------------- money


@dataclass(frozen=True)
class BudgetTotals:
    total: Decimal
    direct: Decimal
    equipment_purchase: Decimal
    indirect: Decimal

    @property
    def base(self) -> Decimal:
        """B = direct costs − equipment purchase (the base of the indirect-cost cap)."""
        return max(self.direct - self.equipment_purchase, ZERO)


def budget_totals(lines) -> BudgetTotals:
    total = direct = equipment = indirect = ZERO
    for line in lines:
        total += line.amount
        if line.category == BudgetCategory.INDIRECT:
            indirect += line.amount
        else:
            direct += line.amount
            if line.equipment_purchase:
                equipment += line.amount
    return BudgetTotals(total, direct, equipment, indirect)


def indirect_cap(profile, base: Decimal, *, basic_research: bool = False) -> Decimal | None:
    """The indirect-cost cap for base B (yuan), or ``None`` when the policy sets none.

    Progressive: each tier's rate applies to the part of B inside it, e.g. with 30 % up to 5,000,000,
    25 % up to 10,000,000 and 20 % above, B = 12,000,000 gives 1,500,000 + 1,250,000 + 400,000.
    Rounded down to the fen (a cap is never overstated).
    """
    rule = profile.rule("indirect_costs") if profile is not None else None
    if not rule or not rule.get("tiers"):
        return None
    base = max(Decimal(base), ZERO)
    flat = rule.get("theoretical_basic_research_rate")
    if basic_research and flat not in (None, ""):
        return (base * Decimal(str(flat))).quantize(CENT, rounding=ROUND_DOWN)
    cap, lower = ZERO, ZERO
    for tier in rule["tiers"]:
        rate = Decimal(str(tier["rate"]))
        upper = None if tier.get("up_to") in (None, "") else Decimal(str(tier["up_to"]))
        if upper is None or base <= upper:
            cap += (base - lower) * rate
            break
        cap += (upper - lower) * rate
        lower = upper
    return cap.quantize(CENT, rounding=ROUND_DOWN)


# ---------------------------------------------------------------- titles and people


def normalise_title(title: str) -> str:
    """Titles compared for the duplicate check: full-width folded, case-folded, letters and digits only."""
    text = unicodedata.normalize("NFKC", title or "").casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def lead_of(application: Application) -> TeamMember | None:
    for member in application.team.all():
        if member.role == TeamRole.LEAD:
            return member
    return None


def mask_id(id_number: str) -> str:
    """3711…1234: enough to tell people apart on a page, not enough to copy."""
    s = id_number or ""
    return s if len(s) <= 8 else f"{s[:4]}{'*' * (len(s) - 8)}{s[-4:]}"


# ---------------------------------------------------------------- the rules


def _completeness(app: Application) -> Finding:
    missing: dict[str, str] = {}
    if not (app.title or "").strip():
        missing["title"] = _("项目名称")
    if not (app.abstract or "").strip():
        missing["abstract"] = _("项目摘要")
    if not app.keywords:
        missing["keywords"] = _("关键词")
    lead = lead_of(app)
    if lead is None or not lead.id_number:
        missing["team"] = _("项目负责人及其证件号码")
    if not app.support_mode or app.support_mode not in (app.call.support_modes or []):
        missing["support_mode"] = _("申请支持方式")
    if app.requested_amount <= 0:
        missing["requested_amount"] = _("申请财政资金")
    if not app.budget_lines.all():
        missing["budget_lines"] = _("预算明细")
    if not any(t.kind == TargetKind.OUTPUT for t in app.targets.all()):
        missing["targets"] = _("产出指标（至少一项）")
    if not app.milestones.all():
        missing["milestones"] = _("进度节点（至少一个）")
    if not missing:
        return Finding("completeness", True, _("申报书各部分已填写完整。"))
    message = _("申报书尚未填写完整，请补充：%(items)s。") % {
        "items": "、".join(str(m) for m in missing.values())
    }
    errors = {f: [_("请填写%(label)s。") % {"label": label}] for f, label in missing.items()}
    return Finding("completeness", False, message, errors)


def _eligibility(app: Application) -> Finding:
    failures = eligibility(app.call, app.organisation)
    if not failures:
        return Finding("eligibility", True, _("符合本指南的申报条件。"))
    message = _("不符合本指南的申报条件：%(rules)s") % {"rules": "".join(failures)}
    return Finding("eligibility", False, message, {"organisation": failures})


def _budget_sum(app: Application, totals: BudgetTotals) -> Finding:
    if totals.total == app.requested_amount:
        return Finding(
            "budget_sum",
            True,
            _("预算明细合计 %(sum)s 元，与申请财政资金一致。") % {"sum": fmt_money(totals.total)},
        )
    message = _("预算明细合计 %(sum)s 元，与申请财政资金 %(req)s 元不一致。") % {
        "sum": fmt_money(totals.total),
        "req": fmt_money(app.requested_amount),
    }
    return Finding("budget_sum", False, message, {"budget_lines": [message]})


def _ceiling(app: Application) -> Finding:
    values = {"req": fmt_money(app.requested_amount), "cap": fmt_money(app.call.ceiling)}
    if app.requested_amount <= app.call.ceiling:
        return Finding(
            "ceiling", True, _("申请财政资金 %(req)s 元，未超过单项资助上限 %(cap)s 元。") % values
        )
    message = _("申请财政资金 %(req)s 元，超过本指南单项资助上限 %(cap)s 元。") % values
    return Finding("ceiling", False, message, {"requested_amount": [message]})


def _co_funding(app: Application) -> Finding:
    ratio = app.call.co_funding_ratio or Decimal("0")
    if ratio <= 0:
        return Finding("co_funding", True, _("本指南不要求自筹资金。"))
    minimum = (app.requested_amount * ratio).quantize(CENT)
    values = {"self": fmt_money(app.self_raised), "ratio": fmt_ratio(ratio), "min": fmt_money(minimum)}
    if app.self_raised >= minimum:
        return Finding("co_funding", True, _("自筹资金 %(self)s 元，不低于要求的 %(min)s 元。") % values)
    message = (
        _("自筹资金 %(self)s 元，低于本指南的要求（不少于申请财政资金的 %(ratio)s 倍，即 %(min)s 元）。")
        % values
    )
    return Finding("co_funding", False, message, {"self_raised": [message]})


def _indirect(app: Application, totals: BudgetTotals) -> Finding:
    profile = app.call.fund_year.profile
    cap = indirect_cap(profile, totals.base, basic_research=app.basic_research)
    if cap is None:
        return Finding("indirect_cost_cap", True, _("政策配置未规定间接费用上限。"))
    values = {"amount": fmt_money(totals.indirect), "cap": fmt_money(cap), "base": fmt_money(totals.base)}
    if totals.indirect <= cap:
        return Finding(
            "indirect_cost_cap", True, _("间接费用 %(amount)s 元，未超过核定上限 %(cap)s 元。") % values
        )
    if app.basic_research and profile.rule("indirect_costs.theoretical_basic_research_rate"):
        basis = _("纯理论基础研究，按直接费用扣除设备购置费后 %(base)s 元的 %(rate)s 核定") % {
            "base": values["base"],
            "rate": f"{Decimal(str(profile.rule('indirect_costs.theoretical_basic_research_rate'))) * 100:.0f}%",
        }
    else:
        basis = _("按直接费用扣除设备购置费后 %(base)s 元分段超额累退核定") % values
    message = _("间接费用 %(amount)s 元，超过核定上限 %(cap)s 元（%(basis)s）。") % {**values, "basis": basis}
    return Finding("indirect_cost_cap", False, message, {"budget_lines": [message]})


class _Context:
    """What the rules need beyond each application's own rows, read once for all of them."""

    def __init__(self, apps: list[Application], rules: tuple[str, ...]):
        call_ids = {a.call_id for a in apps}
        self.org_counts: dict[tuple[int, int], int] = {}
        self.lead_apps: dict[tuple[int, str], set[int]] = defaultdict(set)
        self.titles: dict[tuple[int, int, str], list[tuple[int, str, str]]] = defaultdict(list)
        if "limit_org" in rules:
            rows = (
                Application.objects.filter(call_id__in=call_ids, state__in=LIVE_STATES)
                .values("call_id", "organisation_id")
                .annotate(n=Count("id"))
            )
            self.org_counts = {(r["call_id"], r["organisation_id"]): r["n"] for r in rows}
        if "limit_person" in rules:
            rows = TeamMember.objects.filter(
                role=TeamRole.LEAD, application__call_id__in=call_ids, application__state__in=LIVE_STATES
            ).values_list("application__call_id", "id_number", "application_id")
            for call_id, id_number, app_id in rows:
                self.lead_apps[(call_id, id_number)].add(app_id)
        if "duplicate" in rules:
            org_ids = {a.organisation_id for a in apps}
            year_ids = {a.call.fund_year_id for a in apps}
            rows = Application.objects.filter(
                organisation_id__in=org_ids, call__fund_year_id__in=year_ids, state__in=LIVE_STATES
            ).values_list("id", "organisation_id", "call__fund_year_id", "title", "number")
            for app_id, org_id, year_id, title, number in rows:
                self.titles[(org_id, year_id, normalise_title(title))].append((app_id, title, number))


def _limit_org(app: Application, ctx: _Context) -> Finding:
    others = ctx.org_counts.get((app.call_id, app.organisation_id), 0) - (
        1 if app.state in LIVE_STATES else 0
    )
    limit = app.call.per_org_limit
    if others < limit:
        return Finding(
            "limit_org",
            True,
            _("本单位在本指南下有效申报 %(n)s 项（含本项），未超过每单位限报 %(limit)s 项。")
            % {"n": others + 1, "limit": limit},
        )
    message = _("本单位在本指南下已有 %(n)s 项有效申报，达到每单位限报 %(limit)s 项。") % {
        "n": others,
        "limit": limit,
    }
    return Finding("limit_org", False, message, {"organisation": [message]})


def _limit_person(app: Application, ctx: _Context) -> Finding:
    lead = lead_of(app)
    if lead is None or not lead.id_number:
        return Finding("limit_person", True, _("未填写项目负责人，无需核对负责人限项。"))
    others = len(ctx.lead_apps.get((app.call_id, lead.id_number), set()) - {app.pk})
    limit = app.call.per_person_limit
    if others < limit:
        return Finding(
            "limit_person",
            True,
            _("项目负责人%(name)s在本指南下作为负责人申报 %(n)s 项（含本项），未超过每人限报 %(limit)s 项。")
            % {"name": lead.name, "n": others + 1, "limit": limit},
        )
    message = _(
        "项目负责人%(name)s（证件号码 %(id)s）在本指南下已作为负责人申报 %(n)s 项，达到每人限报 %(limit)s 项。"
    ) % {"name": lead.name, "id": mask_id(lead.id_number), "n": others, "limit": limit}
    return Finding("limit_person", False, message, {"team": [message]})


def _duplicate(app: Application, ctx: _Context) -> Finding:
    key = (app.organisation_id, app.call.fund_year_id, normalise_title(app.title))
    same = [row for row in ctx.titles.get(key, []) if row[0] != app.pk]
    if not same:
        return Finding("duplicate", True, _("未发现本单位同年度名称相同或高度相似的申报。"))
    others = "、".join(_("“%(title)s”（%(number)s）") % {"title": t, "number": n} for _pk, t, n in same)
    message = _("与本单位同年度的申报%(others)s名称相同或高度相似，疑似重复申报。") % {"others": others}
    return Finding("duplicate", False, message, {"title": [message]})


def _prepare(apps: list[Application]) -> None:
    """Attach the calls (with profile and designated units) and organisations, and prefetch the rows."""
    calls = Call.objects.select_related("fund_year__profile").prefetch_related("designated_organisations")
    calls = calls.in_bulk({a.call_id for a in apps})
    orgs = Organisation.objects.in_bulk({a.organisation_id for a in apps})
    for a in apps:
        a.call = calls[a.call_id]
        a.organisation = orgs[a.organisation_id]
    prefetch_related_objects(apps, "team", "budget_lines", "targets", "milestones")


def evaluate(applications, *, rules: tuple[str, ...] = FORMAL_RULES) -> dict[int, list[Finding]]:
    """Each application's findings (in ``rules`` order), by application id."""
    apps = list(applications)
    if not apps:
        return {}
    _prepare(apps)
    ctx = _Context(apps, rules)
    out: dict[int, list[Finding]] = {}
    for app in apps:
        totals = budget_totals(app.budget_lines.all())
        runners = {
            "eligibility": lambda a=app: _eligibility(a),
            "completeness": lambda a=app: _completeness(a),
            "budget_sum": lambda a=app, t=totals: _budget_sum(a, t),
            "ceiling": lambda a=app: _ceiling(a),
            "co_funding": lambda a=app: _co_funding(a),
            "indirect_cost_cap": lambda a=app, t=totals: _indirect(a, t),
            "limit_org": lambda a=app: _limit_org(a, ctx),
            "limit_person": lambda a=app: _limit_person(a, ctx),
            "duplicate": lambda a=app: _duplicate(a, ctx),
        }
        out[app.pk] = [runners[r]() for r in rules]
    return out


def findings(application: Application, *, rules: tuple[str, ...] = FORMAL_RULES) -> list[Finding]:
    return evaluate([application], rules=rules)[application.pk]
