"""立项建议 and 领导小组审定: the office proposes items in numbered batches within each focus area's
remaining allocation; the batch goes to the leading group with its money reserved in the ledger; the
leading group approves, modifies or rejects each item with its basis.
"""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.applications.models import Application
from techfund.core.errors import ServiceError
from techfund.core.models import Organisation
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.decisions import accounts
from techfund.decisions.enums import BatchState, DecisionKind, ItemState
from techfund.decisions.models import ProposalBatch, ProposalItem
from techfund.decisions.scopes import visible_batches, visible_items
from techfund.decisions.services._common import fmt, lock_year, move_application, raise_errors, text
from techfund.decisions.transitions import BATCH, ITEM, LIVE_ITEM_STATES, proposable_states
from techfund.funds import validation
from techfund.funds.accounts import data_language
from techfund.funds.scopes import visible_fund_years
from techfund.policy.enums import SupportMode
from techfund.review.models import RoundResult

ZERO = ledger.ZERO

ITEM_FIELDS = (
    "batch",
    "application",
    "focus_area",
    "amount",
    "support_mode",
    "implementing_organisation",
    "review_score",
    "review_rank",
    "note",
    "state",
    "decision",
    "decided_amount",
    "basis",
    "publicity",
)


def item_snapshot(item: ProposalItem) -> dict:
    return audit.snapshot(item, ITEM_FIELDS)


def batch_snapshot(batch: ProposalBatch) -> dict:
    items = list(batch.items.order_by("id").values_list("id", "amount"))
    return {
        "number": batch.number,
        "title": batch.title,
        "state": batch.state,
        "items": [i for i, _a in items],
        "total": sum((a for _i, a in items), ZERO),
    }


# ---------------------------------------------------------------- reads


def remaining_allocation(fund_year, focus_area, *, exclude_item=None) -> Decimal:
    """What the office may still propose in ``focus_area`` this year: the area's ledger balance (its
    allocation less what submitted batches reserved) less the amounts of items still in draft batches."""
    balance = accounts.balances_by_code([accounts.area_code(fund_year.year, focus_area)])
    drafts = ProposalItem.objects.filter(
        batch__fund_year=fund_year, batch__state=BatchState.DRAFT, focus_area=focus_area
    )
    if exclude_item is not None:
        drafts = drafts.exclude(pk=exclude_item.pk)
    drafted = drafts.aggregate(s=Sum("amount"))["s"] or ZERO
    return (next(iter(balance.values())) - drafted).quantize(ledger.CENT)


def remaining_by_area(fund_year) -> list[dict]:
    """Per focus area of the year's profile: allocation balance, reserved, drafted and remaining (4 queries)."""
    areas = list(fund_year.profile.focus_areas.all())
    codes = {}
    for a in areas:
        codes[a.pk] = (accounts.area_code(fund_year.year, a), accounts.reserved_code(fund_year.year, a))
    balances = accounts.balances_by_code([c for pair in codes.values() for c in pair])
    drafted = dict(
        ProposalItem.objects.filter(batch__fund_year=fund_year, batch__state=BatchState.DRAFT)
        .values("focus_area")
        .annotate(s=Sum("amount"))
        .values_list("focus_area", "s")
    )
    rows = []
    for a in areas:
        area_bal, reserved = balances[codes[a.pk][0]], balances[codes[a.pk][1]]
        d = drafted.get(a.pk) or ZERO
        rows.append(
            {
                "focus_area": a,
                "area_balance": area_bal,
                "reserved": reserved,
                "drafted": d,
                "remaining": area_bal - d,
            }
        )
    return rows


def latest_result(application) -> RoundResult | None:
    return (
        RoundResult.objects.filter(application=application)
        .order_by("-round__sequence", "-round__closed_at", "-id")
        .first()
    )


# ---------------------------------------------------------------- batches


@transaction.atomic
def create_batch(fund_year, *, actor, title, note: str = "") -> ProposalBatch:
    """新建立项建议批次 (分批分次): numbered after the year's earlier batches."""
    fund_year = lock_year(fund_year.pk)
    role = require(actor, "decisions.create_batch", fund_year, visible=visible_fund_years(actor))
    errors: dict = {}
    title = text(title, field="title", label=_("标题"), max_length=200, required=False, errors=errors)
    note = text(note, field="note", label=_("说明"), max_length=2000, required=False, errors=errors)
    raise_errors(errors, "batch_invalid", _("立项建议批次有误，请按提示修改。"))
    number = (ProposalBatch.objects.filter(fund_year=fund_year).aggregate(m=Max("number"))["m"] or 0) + 1
    if not title:
        with data_language():
            title = _("%(year)s年度第%(n)s批立项建议") % {"year": fund_year.year, "n": number}
    batch = ProposalBatch.objects.create(
        fund_year=fund_year, number=number, title=title, note=note, created_by=actor
    )
    audit.record("decisions.batch.created", actor=actor, role=role, target=batch, after=batch_snapshot(batch))
    return batch


def _lock_batch(batch) -> tuple:
    fund_year = lock_year(batch.fund_year_id)
    batch = ProposalBatch.objects.select_for_update().get(pk=batch.pk)
    batch.fund_year = fund_year
    return fund_year, batch


def _organisation(value, errors: dict):
    if value is None or value == "":
        return None
    if isinstance(value, Organisation):
        return value
    org = Organisation.objects.filter(pk=value).first() if str(value).isdigit() else None
    if org is None:
        org = Organisation.objects.filter(uscc=str(value).strip().upper()).first()
    if org is None:
        errors.setdefault("implementing_organisation", []).append(_("未找到实施主体“%(v)s”。") % {"v": value})
    return org


def _support_mode_label(code: str) -> str:
    try:
        return str(SupportMode(code).label)
    except ValueError:
        return code


@transaction.atomic
def propose_item(
    batch,
    *,
    actor,
    application,
    amount,
    support_mode,
    implementing_organisation=None,
    note: str = "",
) -> ProposalItem:
    """列入立项建议: one application, with amount, support mode and implementing unit, into a draft batch."""
    fund_year, batch = _lock_batch(batch)
    role = require(actor, "decisions.propose_item", batch, visible=visible_batches(actor))
    if batch.state != BatchState.DRAFT:
        raise ServiceError(
            _("第%(n)s批立项建议已报领导小组（%(state)s），不能再添加项目。")
            % {"n": batch.number, "state": batch.get_state_display()},
            code="batch_not_draft",
        )
    app_id = application.pk if isinstance(application, Application) else application
    app = (
        Application.objects.select_for_update()
        .select_related("call__focus_area", "organisation")
        .filter(pk=app_id)
        .first()
    )
    if app is None:
        raise ServiceError(
            _("未找到该申报项目。"),
            code="application_missing",
            errors={"application": [_("未找到该申报项目。")]},
        )
    call = app.call
    if call.fund_year_id != fund_year.pk:
        msg = _("申报项目“%(t)s”不属于%(year)s年度资金，不能列入本批。") % {
            "t": app.title,
            "year": fund_year.year,
        }
        raise ServiceError(msg, code="application_other_year", errors={"application": [msg]})
    live = (
        ProposalItem.objects.filter(application=app, state__in=LIVE_ITEM_STATES)
        .select_related("batch")
        .first()
    )
    if live is not None:
        msg = _("申报项目“%(t)s”已列入第%(n)s批立项建议（%(state)s），不能重复列入。") % {
            "t": app.title,
            "n": live.batch.number,
            "state": live.get_state_display(),
        }
        raise ServiceError(msg, code="application_already_proposed", errors={"application": [msg]})
    if app.state not in proposable_states(call):
        msg = _(
            "申报项目“%(t)s”当前为“%(state)s”，只有评审完成的项目（稳定支持、定向委托项目为形式审查通过）才能列入立项建议。"
        ) % {"t": app.title, "state": app.get_state_display()}
        raise ServiceError(msg, code="application_not_reviewed", errors={"application": [msg]})

    errors: dict = {}
    amt = None
    try:
        amt = validation.amount(amount, field="amount", label=_("建议金额"))
    except ServiceError as exc:
        for f, msgs in exc.errors.items():
            errors.setdefault(f, []).extend(msgs)
    # 以赛代评: the prize for the rank replaces the request (the call's ceiling still binds).
    if amt is not None and amt > app.requested_amount and call.establishment_mode != "competition":
        errors.setdefault("amount", []).append(
            _("建议金额 %(a)s 元超过该项目申请的财政资金 %(r)s 元。")
            % {"a": fmt(amt), "r": fmt(app.requested_amount)}
        )
    if amt is not None and amt > call.ceiling:
        errors.setdefault("amount", []).append(
            _("建议金额 %(a)s 元超过指南“%(call)s”的单项资助上限 %(c)s 元。")
            % {"a": fmt(amt), "call": call.title, "c": fmt(call.ceiling)}
        )
    mode = (support_mode or "").strip() or app.support_mode
    if not mode:
        errors.setdefault("support_mode", []).append(_("请选择支持方式。"))
    elif mode not in (call.support_modes or []):
        errors.setdefault("support_mode", []).append(
            _("支持方式“%(m)s”不在指南“%(call)s”允许的支持方式（%(allowed)s）之内。")
            % {
                "m": _support_mode_label(mode),
                "call": call.title,
                "allowed": "、".join(_support_mode_label(m) for m in call.support_modes or []) or "—",
            }
        )
    org = _organisation(implementing_organisation, errors) or app.organisation
    note = text(note, field="note", label=_("建议理由"), max_length=300, required=False, errors=errors)
    raise_errors(errors, "item_invalid", _("立项建议有误，请按提示修改。"))

    area = call.focus_area
    remaining = remaining_allocation(fund_year, area)
    if amt > remaining:
        msg = _("“%(area)s”剩余可安排额度为 %(rem)s 元，不足以安排本项建议金额 %(amt)s 元。") % {
            "area": area.name,
            "rem": fmt(remaining),
            "amt": fmt(amt),
        }
        raise ServiceError(msg, code="exceeds_remaining_allocation", errors={"amount": [msg]})

    result = latest_result(app)
    item = ProposalItem.objects.create(
        batch=batch,
        application=app,
        focus_area=area,
        amount=amt,
        support_mode=mode,
        implementing_organisation=org,
        review_score=result.score if result else None,
        review_rank=result.rank if result else None,
        note=note,
        prior_state=app.state,
    )
    audit.record(
        "decisions.item.proposed",
        actor=actor,
        role=role,
        target=item,
        after=item_snapshot(item),
        data={"remaining_before": remaining, "review_round": result.round_id if result else None},
    )
    move_application(app, "proposed", actor=actor, role=role, item=item)
    return item


def _lock_item(item) -> tuple:
    """Lock fund year, batch, item and application (always in that order)."""
    row = ProposalItem.objects.select_related("batch").get(pk=item.pk)
    fund_year, batch = _lock_batch(row.batch)
    item = ProposalItem.objects.select_for_update().select_related("focus_area").get(pk=item.pk)
    item.batch = batch
    app = Application.objects.select_for_update().get(pk=item.application_id)
    item.application = app
    return fund_year, batch, item, app


@transaction.atomic
def remove_item(item, *, actor) -> None:
    """撤出立项建议: only while the batch is a draft; the application returns to its earlier state."""
    fund_year, batch, item, app = _lock_item(item)
    role = require(actor, "decisions.remove_item", item, visible=visible_items(actor))
    if batch.state != BatchState.DRAFT:
        raise ServiceError(
            _("第%(n)s批立项建议已报领导小组，不能再撤出项目。") % {"n": batch.number}, code="batch_not_draft"
        )
    before = item_snapshot(item)
    move_application(app, item.prior_state or "reviewed", actor=actor, role=role, item=item)
    item_id = item.pk
    item.delete()
    audit.record(
        "decisions.item.removed",
        actor=actor,
        role=role,
        target=batch,
        before=before,
        data={"item": item_id, "application": app.pk},
    )


@transaction.atomic
def submit_batch(batch, *, actor) -> ProposalBatch:
    """报领导小组: every item's amount is reserved area → reserved; a batch one area cannot carry is refused whole."""
    fund_year, batch = _lock_batch(batch)
    role = require(actor, "decisions.submit_batch", batch, visible=visible_batches(actor))
    BATCH.check(batch, BatchState.SUBMITTED)
    before = batch_snapshot(batch)
    items = list(batch.items.select_for_update().select_related("focus_area", "application").order_by("id"))
    by_area: dict = defaultdict(lambda: ZERO)
    areas = {}
    for it in items:
        by_area[it.focus_area_id] += it.amount
        areas[it.focus_area_id] = it.focus_area
    balances = accounts.balances_by_code([accounts.area_code(fund_year.year, a) for a in areas.values()])
    short = []
    for area_id, total in by_area.items():
        area = areas[area_id]
        available = balances[accounts.area_code(fund_year.year, area)]
        if total > available:
            short.append(
                _("“%(area)s”本批建议合计 %(total)s 元，超过该领域剩余配置 %(avail)s 元")
                % {"area": area.name, "total": fmt(total), "avail": fmt(available)}
            )
    if short:
        raise ServiceError(
            _("%(list)s；整批未报送，请调整后再报。") % {"list": "；".join(short)},
            code="batch_exceeds_allocation",
        )
    entries = {}
    for it in items:
        with data_language():
            memo = _("第%(n)s批立项建议报领导小组：%(title)s %(amount)s 元") % {
                "n": batch.number,
                "title": it.application.title,
                "amount": fmt(it.amount),
            }
        entry = ledger.transfer(
            accounts.area_account(fund_year.year, it.focus_area),
            accounts.reserved_account(fund_year.year, it.focus_area),
            it.amount,
            code="decisions.item.reserved",
            memo=memo,
            year=fund_year.year,
            actor=actor,
            ref=it,
        )
        it.reserve_entry = entry
        it.save(update_fields=["reserve_entry"])
        entries[it.pk] = entry.pk
    batch.state = BatchState.SUBMITTED
    batch.submitted_at = timezone.now()
    batch.save(update_fields=["state", "submitted_at"])
    audit.record(
        "decisions.batch.submitted",
        actor=actor,
        role=role,
        target=batch,
        before=before,
        after=batch_snapshot(batch),
        data={"reserve_entries": entries, "by_area": {areas[k].code: v for k, v in by_area.items()}},
    )
    return batch


def _release(item, fund_year, amount, *, actor, memo: str):
    return ledger.transfer(
        accounts.reserved_account(fund_year.year, item.focus_area),
        accounts.area_account(fund_year.year, item.focus_area),
        amount,
        code="decisions.item.released",
        memo=memo,
        year=fund_year.year,
        actor=actor,
        ref=item,
    )


@transaction.atomic
def decide_item(item, *, actor, decision, basis, amount=None) -> ProposalItem:
    """领导小组审定一项: approve (as proposed), modify (a smaller amount) or reject, with the basis."""
    fund_year, batch, item, app = _lock_item(item)
    role = require(actor, "decisions.decide_item", item, visible=visible_items(actor))
    if batch.state != BatchState.SUBMITTED:
        raise ServiceError(
            _("第%(n)s批立项建议当前为“%(state)s”，不在待审定状态。")
            % {"n": batch.number, "state": batch.get_state_display()},
            code="batch_not_submitted",
        )
    if item.state != ItemState.PROPOSED:
        raise ServiceError(
            _("“%(t)s”已审定（%(state)s），不能重复审定。")
            % {"t": app.title, "state": item.get_state_display()},
            code="item_already_decided",
        )
    errors: dict = {}
    decision = str(decision or "").strip()
    if decision not in DecisionKind.values:
        errors.setdefault("decision", []).append(_("请选择审定意见：同意、调整后同意或不同意。"))
    basis = text(basis, field="basis", label=_("审定依据"), max_length=2000, required=True, errors=errors)
    decided = None
    if decision == DecisionKind.APPROVE:
        if amount not in (None, ""):
            try:
                given = validation.amount(amount, field="amount", label=_("审定金额"))
            except ServiceError as exc:
                errors.update(exc.errors)
            else:
                if given != item.amount:
                    errors.setdefault("amount", []).append(
                        _("“同意”按建议金额 %(p)s 元安排；调整金额请选择“调整后同意”。")
                        % {"p": fmt(item.amount)}
                    )
        decided = item.amount
    elif decision == DecisionKind.MODIFY:
        if amount in (None, ""):
            errors.setdefault("amount", []).append(_("调整后同意须填写调整后的金额。"))
        else:
            try:
                decided = validation.amount(amount, field="amount", label=_("审定金额"))
            except ServiceError as exc:
                errors.update(exc.errors)
            else:
                if decided >= item.amount:
                    errors.setdefault("amount", []).append(
                        _("调整后金额 %(a)s 元须小于建议金额 %(p)s 元。")
                        % {"a": fmt(decided), "p": fmt(item.amount)}
                    )
    raise_errors(errors, "decision_invalid", _("审定意见有误，请按提示修改。"))

    target = ItemState.REJECTED if decision == DecisionKind.REJECT else ItemState.APPROVED
    ITEM.check(item, target)
    before = item_snapshot(item)
    entry = None
    with data_language():
        if decision == DecisionKind.MODIFY:
            memo = _("领导小组调整金额：%(title)s %(p)s 元调整为 %(a)s 元，释放 %(d)s 元") % {
                "title": app.title,
                "p": fmt(item.amount),
                "a": fmt(decided),
                "d": fmt(item.amount - decided),
            }
            entry = item.adjust_entry = _release(
                item, fund_year, item.amount - decided, actor=actor, memo=memo
            )
        elif decision == DecisionKind.REJECT:
            memo = _("领导小组不同意：%(title)s，释放 %(a)s 元") % {"title": app.title, "a": fmt(item.amount)}
            entry = item.release_entry = _release(item, fund_year, item.amount, actor=actor, memo=memo)
    item.state = target
    item.decision = decision
    item.decided_amount = decided
    item.basis = basis
    item.decided_by = actor
    item.decided_at = timezone.now()
    item.save(
        update_fields=[
            "state",
            "decision",
            "decided_amount",
            "basis",
            "decided_by",
            "decided_at",
            "adjust_entry",
            "release_entry",
        ]
    )
    audit.record(
        "decisions.item.decided",
        actor=actor,
        role=role,
        target=item,
        before=before,
        after=item_snapshot(item),
        data={"decision": decision, "release_entry": entry.pk if entry else None},
        reason=basis,
    )
    move_application(
        app,
        "approved" if target == ItemState.APPROVED else "not_approved",
        actor=actor,
        role=role,
        item=item,
        reason=basis,
    )
    if not batch.items.filter(state=ItemState.PROPOSED).exists():
        batch_before = batch_snapshot(batch)
        BATCH.check(batch, BatchState.DECIDED)
        batch.state = BatchState.DECIDED
        batch.decided_at = timezone.now()
        batch.save(update_fields=["state", "decided_at"])
        audit.record(
            "decisions.batch.decided",
            actor=actor,
            role=role,
            target=batch,
            before=batch_before,
            after=batch_snapshot(batch),
            data={"by_state": _count_by_state(batch)},
        )
    return item


def _count_by_state(batch) -> dict:
    out: dict = defaultdict(int)
    for state in batch.items.values_list("state", flat=True):
        out[state] += 1
    return dict(out)
