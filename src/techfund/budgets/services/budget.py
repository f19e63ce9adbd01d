"""项目预算与调剂 (国办发〔2021〕32号).

**Opening.** When the 任务书 is drawn up (``projects.services.contracts.draw_up_contract``), its budget
is opened with one line per category — the direct-cost categories of the policy
(``direct_cost_categories``: 设备费, 业务费, 劳务费) and 间接费用 — from the application's budget lines:

- the application's lines add up to the contract amount: copied by category;
- they add up to another amount (the leading group arranged less than requested): each category is
  scaled to the contract amount, ROUND_HALF_UP to the fen, the rounding difference going to the
  largest direct-cost category (indirect costs are never rounded up); scaling down keeps indirect
  costs within the cap, since the cap's rate falls as the base grows;
- no application, or one without budget lines (一事一议): the whole contract amount is put in 业务费
  with a note; the unit spreads it over the categories by delegated adjustments (indirect costs then
  stay at zero: they may not be increased).

**Adjustment (调剂)** with the rules of the year's ``budget_adjustment`` table: the unit gives the new
amount of each category; the total never changes; indirect costs are never increased (and decreased
only where the policy allows); no line goes below its fiscal spending. The adjustment takes effect at
once when every changed category is delegated to the unit and equipment is below the approval
threshold (设备费预算 before or after the adjustment reaching ``equipment_approval_threshold``,
"50万元以上的设备费"); otherwise it is a request the managing department approves or rejects (never
the person who made it). While a request waits, no other adjustment is made: its "before" amounts stay
the budget's amounts when it takes effect.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.budgets.enums import (
    CATEGORY_ORDER,
    AdjustmentKind,
    AdjustmentState,
    BudgetCategory,
    BudgetSource,
    Decision,
)
from techfund.budgets.models import TEXT_MAX, Adjustment, AdjustmentMove, BudgetLine, ProjectBudget
from techfund.budgets.scopes import visible_adjustments
from techfund.budgets.services._common import (
    ZERO,
    category_label,
    current_amounts,
    fiscal_spent_by_category,
    fmt,
    lock_project,
    not_in_budget,
    raise_errors,
    text,
    today_or,
)
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.policy.enums import SupportMode
from techfund.projects.enums import ProjectState
from techfund.projects.scopes import visible_projects

CENT = Decimal("0.01")
DIRECT = (BudgetCategory.EQUIPMENT, BudgetCategory.BUSINESS, BudgetCategory.LABOUR)


def adjustment_rules(profile) -> dict:
    rule = profile.rule("budget_adjustment") if profile is not None else None
    if not rule:
        raise ServiceError(
            _("本年度政策配置缺少“项目预算调剂”规则，请领导小组办公室补充政策配置。"), code="policy_missing"
        )
    return rule


def budget_categories(profile) -> list[str]:
    """The categories of a budget: the policy's direct-cost categories (in the usual order) and 间接费用."""
    rule = profile.rule("direct_cost_categories.categories") if profile is not None else None
    codes = {c.get("code") for c in (rule or [])} or set(DIRECT)
    return [c for c in CATEGORY_ORDER if c in codes or c == BudgetCategory.INDIRECT]


# ---------------------------------------------------------------- opening


def _scaled(by_category: dict[str, Decimal], amount: Decimal) -> dict[str, Decimal]:
    total = sum(by_category.values(), ZERO)
    out = {c: (amount * v / total).quantize(CENT, rounding=ROUND_HALF_UP) for c, v in by_category.items()}
    diff = amount - sum(out.values(), ZERO)
    if diff:
        direct = [c for c in CATEGORY_ORDER if c in DIRECT and c in out]
        largest = max(direct, key=lambda c: out[c]) if direct else max(out, key=lambda c: out[c])
        out[largest] += diff
    return out


def initial_lines(project, amount: Decimal) -> tuple[dict[str, Decimal], str, str]:
    """``({category: amount}, source, note)`` of a new budget for ``amount`` (see the module's docstring)."""
    categories = budget_categories(project.fund_year.profile)
    by_category = {c: ZERO for c in categories}
    app = project.application
    if app is not None:
        for line in app.budget_lines.all():
            category = line.category if line.category in by_category else BudgetCategory.BUSINESS
            by_category[category] += line.amount
    total = sum(by_category.values(), ZERO)
    if total == amount:
        return by_category, BudgetSource.APPLICATION, ""
    if total > 0:
        note = _("申报预算 %(asked)s 元，安排 %(amount)s 元：各科目按申报预算结构等比例折算。") % {
            "asked": fmt(total),
            "amount": fmt(amount),
        }
        return _scaled(by_category, amount), BudgetSource.SCALED, note
    lines = {c: ZERO for c in categories}
    lines[BudgetCategory.BUSINESS] = amount
    note = _(
        "项目没有申报预算明细（如一事一议项目）：任务书财政资金全额暂列业务费，承担单位可按调剂规定分配到各科目。"
    )
    return lines, BudgetSource.DEFAULT, note


@transaction.atomic
def open_budget(contract, *, actor, role: str = "") -> ProjectBudget | None:
    """Open the budget of a 任务书 (idempotent: an existing budget is returned unchanged). No permission
    check: it is a step of drawing up the contract, whose service has made it.

    Only grants (无偿资助) carry a research budget under 32号; the other modes (股权投资、贷款贴息、
    后补助) are paid and used by their own instrument, so ``None`` is returned for them."""
    existing = ProjectBudget.objects.filter(contract=contract).first()
    if existing is not None:
        return existing
    project = contract.project
    if project.support_mode != SupportMode.GRANT:
        return None
    lines, source, note = initial_lines(project, contract.amount)
    budget = ProjectBudget.objects.create(
        project=project,
        contract=contract,
        total=contract.amount,
        source=source,
        note=note,
        opened_by=actor,
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(budget=budget, category=c, original=v) for c, v in lines.items()
    )
    audit.record(
        "budgets.budget.opened",
        actor=actor,
        role=role,
        target=budget,
        after={"total": budget.total, "source": source, "lines": lines},
        data={"project": project.pk, "contract": contract.pk},
        reason=note,
    )
    return budget


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Version:
    """The budget after ``adjustment`` (``None``: as opened)."""

    n: int
    adjustment: Adjustment | None
    at: object
    amounts: dict

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), ZERO)


def versions(budget) -> list[Version]:
    """Every version of the budget, oldest first: as opened, then after each effective adjustment."""
    amounts = {c: ZERO for c in CATEGORY_ORDER}
    for line in budget.lines.all():
        amounts[line.category] = line.original
    out = [Version(0, None, budget.opened_at, dict(amounts))]
    effective = (
        Adjustment.objects.filter(budget=budget, state=AdjustmentState.EFFECTIVE)
        .prefetch_related("moves")
        .order_by("effective_at", "id")
    )
    for n, adj in enumerate(effective, start=1):
        for m in adj.moves.all():
            amounts[m.category] = amounts.get(m.category, ZERO) + m.change
        out.append(Version(n, adj, adj.effective_at, dict(amounts)))
    return out


def line_table(budget, project) -> list[dict]:
    """Each category: original, change by the effective adjustments, current, fiscal spent, left."""
    current = current_amounts(budget)
    spent = fiscal_spent_by_category(project)
    original = {line.category: line.original for line in budget.lines.all()}
    return [
        {
            "category": c,
            "label": category_label(c),
            "original": original.get(c, ZERO),
            "change": current[c] - original.get(c, ZERO),
            "current": current[c],
            "spent": spent.get(c, ZERO),
            "left": current[c] - spent.get(c, ZERO),
        }
        for c in CATEGORY_ORDER
        if c in original or current[c]
    ]


def pending_request(project) -> Adjustment | None:
    return Adjustment.objects.filter(project=project, state=AdjustmentState.REQUESTED).first()


# ---------------------------------------------------------------- checks


def _parse_amounts(amounts, current: dict, errors: dict) -> dict[str, Decimal]:
    after = dict(current)
    for key, raw in dict(amounts or {}).items():
        if key not in current:
            errors.setdefault("amounts", []).append(_("预算科目“%(v)s”无效。") % {"v": key})
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue  # unchanged
        try:
            after[key] = ledger.money(raw)
        except ServiceError as exc:
            errors.setdefault(key, []).append(f"{category_label(key)}：{exc.message}")
    return after


def check_moves(before: dict, after: dict, *, spent: dict, rules: dict) -> tuple[list[str], list[str]]:
    """``(refusals, approval_reasons)`` of moving the budget from ``before`` to ``after``.

    Refusals: the total changes; a line goes below zero or below its fiscal spending; indirect costs go
    up (or down where the policy forbids it); nothing changes. Approval reasons: a changed direct-cost
    category not delegated to the unit; equipment at or above the threshold before or after."""
    refusals, reasons = [], []
    total_before, total_after = sum(before.values(), ZERO), sum(after.values(), ZERO)
    if total_after != total_before:
        refusals.append(
            _(
                "调剂后预算合计 %(after)s 元与调剂前 %(before)s 元不一致：调剂只在科目之间调整，不改变预算总额。"
            )
            % {"after": fmt(total_after), "before": fmt(total_before)}
        )
    changed = [c for c in CATEGORY_ORDER if after.get(c, ZERO) != before.get(c, ZERO)]
    if not changed:
        refusals.append(_("调剂后各科目金额与当前预算相同，没有需要调剂的内容。"))
    for c in CATEGORY_ORDER:
        a = after.get(c, ZERO)
        ctx = {"cat": category_label(c), "after": fmt(a), "before": fmt(before.get(c, ZERO))}
        if a < 0:
            refusals.append(_("%(cat)s调剂后为 %(after)s 元，不能为负数。") % ctx)
        elif c in changed and a < spent.get(c, ZERO):
            refusals.append(
                _("%(cat)s调剂后 %(after)s 元，低于该科目已支出的财政资金 %(spent)s 元。")
                % {**ctx, "spent": fmt(spent[c])}
            )
    indirect = BudgetCategory.INDIRECT
    if indirect in changed:
        ctx = {"before": fmt(before.get(indirect, ZERO)), "after": fmt(after.get(indirect, ZERO))}
        if after[indirect] > before.get(indirect, ZERO) and not rules.get("indirect_may_increase"):
            refusals.append(
                _(
                    "间接费用不得调增（调剂前 %(before)s 元，调剂后 %(after)s 元）；间接费用只能调减用于直接费用。"
                )
                % ctx
            )
        if after[indirect] < before.get(indirect, ZERO) and not rules.get("indirect_may_decrease"):
            refusals.append(
                _("本市政策规定间接费用不得调减（调剂前 %(before)s 元，调剂后 %(after)s 元）。") % ctx
            )
    delegated = set(rules.get("delegated_categories") or ())
    for c in changed:
        if c in DIRECT and c not in delegated:
            reasons.append(
                _("%(cat)s的调剂权未下放给承担单位，须报主管部门审批。") % {"cat": category_label(c)}
            )
    equipment = BudgetCategory.EQUIPMENT
    threshold = rules.get("equipment_approval_threshold")
    if equipment in changed and equipment in delegated and threshold is not None:
        threshold = Decimal(str(threshold))
        high = max(before.get(equipment, ZERO), after.get(equipment, ZERO))
        if high >= threshold:
            reasons.append(
                _(
                    "设备费调剂前 %(before)s 元、调剂后 %(after)s 元，达到 %(t)s 元：该金额以上的设备费调剂须报主管部门审批。"
                )
                % {
                    "before": fmt(before.get(equipment, ZERO)),
                    "after": fmt(after.get(equipment, ZERO)),
                    "t": fmt(threshold),
                }
            )
    return refusals, reasons


def _require_running(project, *, what: str) -> None:
    if project.state != ProjectState.IN_PROGRESS:
        raise ServiceError(
            _("项目 %(number)s 当前状态为“%(state)s”，只有执行中的项目才能%(what)s。")
            % {"number": project.number, "state": ProjectState(project.state).label, "what": what},
            code="project_not_running",
        )


def _next_number(project) -> str:
    n = Adjustment.objects.filter(project=project).count() + 1
    return f"TJ-{project.number}-{n:02d}"


# ---------------------------------------------------------------- services


@transaction.atomic
def adjust_budget(project, *, actor, amounts, reason: str, today: dt.date | None = None) -> Adjustment:
    """The unit adjusts its budget: ``amounts`` maps categories to their new amounts (a category left
    out keeps its amount). Delegated: effective at once. Otherwise: a request to the managing department.
    Every refusal is listed at once and nothing is saved."""
    project = lock_project(project)
    role = require(actor, "budgets.adjust", project, visible=visible_projects(actor))
    budget = ProjectBudget.objects.select_for_update().filter(project=project).first()
    if budget is None:
        raise not_in_budget(project)
    _require_running(project, what=_("调剂预算"))
    pending = pending_request(project)
    if pending is not None:
        raise ServiceError(
            _("项目 %(number)s 有一项待主管部门审批的调剂（%(adj)s），审批完成前不能再调剂。")
            % {"number": project.number, "adj": pending.number},
            code="request_pending",
        )
    rules = adjustment_rules(project.fund_year.profile)
    errors: dict = {}
    reason = text(
        reason, field="reason", label=_("调剂理由"), max_length=TEXT_MAX, required=True, errors=errors
    )
    before = current_amounts(budget)
    after = _parse_amounts(amounts, before, errors)
    if not any(k in errors for k in before):
        refusals, reasons = check_moves(before, after, spent=fiscal_spent_by_category(project), rules=rules)
        if refusals:
            errors.setdefault("amounts", []).extend(refusals)
    else:
        reasons = []
    raise_errors(
        errors, "adjustment_invalid", _("调剂有%(n)d处需要修改。") % {"n": sum(map(len, errors.values()))}
    )
    kind = AdjustmentKind.APPROVAL if reasons else AdjustmentKind.DELEGATED
    now = timezone.now()
    adj = Adjustment.objects.create(
        budget=budget,
        project=project,
        number=_next_number(project),
        kind=kind,
        state=AdjustmentState.REQUESTED if reasons else AdjustmentState.EFFECTIVE,
        reason=reason,
        basis="".join(reasons)[:500],
        requested_by=actor,
        requested_on=today_or(today),
        effective_at=None if reasons else now,
    )
    moves = [
        AdjustmentMove(adjustment=adj, category=c, before=before[c], change=after[c] - before[c])
        for c in CATEGORY_ORDER
        if after.get(c, ZERO) != before.get(c, ZERO)
    ]
    AdjustmentMove.objects.bulk_create(moves)
    audit.record(
        "budgets.adjustment.recorded" if kind == AdjustmentKind.DELEGATED else "budgets.adjustment.requested",
        actor=actor,
        role=role,
        target=adj,
        before={"lines": before},
        after={"state": adj.state, "kind": kind, "lines": after if not reasons else before},
        data={
            "project": project.pk,
            "moves": [{"category": m.category, "change": m.change} for m in moves],
            "approval_reasons": reasons,
        },
        reason=reason,
    )
    return adj


@transaction.atomic
def decide_adjustment(
    adjustment, *, actor, decision: str, opinion: str = "", today: dt.date | None = None
) -> Adjustment:
    """The managing department approves (the adjustment takes effect; filed with finance where the
    policy says so) or rejects with its opinion. Never the person who made the request."""
    project = lock_project(Adjustment.objects.get(pk=adjustment.pk).project)
    adj = Adjustment.objects.select_for_update().get(pk=adjustment.pk)
    adj.project = project
    role = require(actor, "budgets.decide", adj, visible=visible_adjustments(actor))
    if adj.state != AdjustmentState.REQUESTED:
        raise ServiceError(
            _("调剂 %(adj)s 已处理（%(state)s），不能再次审批。")
            % {"adj": adj.number, "state": AdjustmentState(adj.state).label},
            code="adjustment_decided",
        )
    if adj.requested_by_id == actor.pk:
        raise ServiceError(_("审批须由提出人以外的人员进行：不能审批本人提出的调剂。"), code="same_person")
    errors: dict = {}
    if decision not in Decision.values:
        errors["decision"] = [_("请选择审批意见（同意或不同意）。")]
    opinion = text(
        opinion,
        field="opinion",
        label=_("审批意见"),
        max_length=TEXT_MAX,
        required=decision == Decision.REJECT,
        errors=errors,
    )
    day = today_or(today)
    if day < adj.requested_on:
        errors.setdefault("decided_on", []).append(
            _("审批日期不能早于提出日期（%(d)s）。") % {"d": adj.requested_on.isoformat()}
        )
    moves = list(adj.moves.all())
    if decision == Decision.APPROVE:
        if project.state != ProjectState.IN_PROGRESS:
            errors.setdefault("decision", []).append(
                _("项目当前状态为“%(state)s”，只有执行中的项目才能调剂预算。")
                % {"state": ProjectState(project.state).label}
            )
        before = current_amounts(adj.budget)
        after = dict(before)
        for m in moves:
            after[m.category] = before[m.category] + m.change
        rules = adjustment_rules(project.fund_year.profile)
        refusals, _reasons = check_moves(before, after, spent=fiscal_spent_by_category(project), rules=rules)
        if refusals:
            errors.setdefault("decision", []).extend(refusals)
    raise_errors(
        errors, "decision_invalid", _("审批有%(n)d处需要修改。") % {"n": sum(map(len, errors.values()))}
    )
    now = timezone.now()
    adj.decided_by, adj.decided_on, adj.decided_at, adj.opinion = actor, day, now, opinion
    if decision == Decision.REJECT:
        adj.state = AdjustmentState.REJECTED
        adj.save()
        audit.record(
            "budgets.adjustment.rejected",
            actor=actor,
            role=role,
            target=adj,
            before={"state": AdjustmentState.REQUESTED},
            after={"state": adj.state},
            data={"project": project.pk},
            reason=opinion,
        )
        return adj
    adj.state = AdjustmentState.EFFECTIVE
    adj.effective_at = now
    adj.filed_with_finance = bool(adjustment_rules(project.fund_year.profile).get("file_with_finance"))
    adj.save()
    audit.record(
        "budgets.adjustment.approved",
        actor=actor,
        role=role,
        target=adj,
        before={"state": AdjustmentState.REQUESTED, "lines": before},
        after={"state": adj.state, "lines": after, "filed_with_finance": adj.filed_with_finance},
        data={"project": project.pk, "moves": [{"category": m.category, "change": m.change} for m in moves]},
        reason=opinion,
    )
    return adj
