"""登记股权投资: the office registers the investment agreement of an equity project — vehicle,
instrument, amount, valuation, the investee's other shareholders after the investment and the staged
payments — and the stake is checked against the policy (≤ ``equity.max_share``, never the largest
shareholder), refused with every reason when it breaks them."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from techfund.core import uscc
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.equity.enums import Instrument
from techfund.equity.models import EVIDENCE_MAX, CapTableEntry, Investment, Stage
from techfund.equity.services._common import (
    check_cap_total,
    check_stake,
    compute_share,
    fmt,
    lock_project,
    parse_cap_table,
    parse_date,
    parse_share,
    raise_errors,
    text,
    today_or,
)
from techfund.funds.validation import amount as parse_amount
from techfund.policy.enums import SupportMode
from techfund.projects.enums import ProjectState
from techfund.projects.scopes import visible_projects

#: Projects whose investment may still be registered.
REGISTRABLE_STATES = frozenset({ProjectState.ARRANGED, ProjectState.IN_PROGRESS})


def _money(value, *, field, label, errors) -> Decimal | None:
    try:
        return parse_amount(value, field=field, label=label)
    except ServiceError as exc:
        for f, msgs in exc.errors.items():
            errors.setdefault(f, []).extend(msgs)
        return None


def _stages(rows, *, total: Decimal | None, staged: bool, errors: dict) -> list[dict]:
    out = []
    if not rows:
        errors.setdefault("stages", []).append(_("请填写出资计划（至少一期）。"))
        return out
    for i, row in enumerate(rows, start=1):
        row = row if isinstance(row, dict) else {}
        amt = _money(
            row.get("amount"),
            field=f"stages.{i}.amount",
            label=_("第%(i)d期出资金额") % {"i": i},
            errors=errors,
        )
        cond = text(
            row.get("condition"),
            field=f"stages.{i}.condition",
            label=_("第%(i)d期出资条件") % {"i": i},
            max_length=200,
            required=True,
            errors=errors,
        )
        due = None
        if row.get("due_date") not in (None, ""):
            try:
                due = parse_date(row.get("due_date"), field=f"stages.{i}.due_date", label=_("计划出资日期"))
            except ServiceError as exc:
                errors.update(exc.errors)
        out.append({"seq": i, "amount": amt, "condition": cond, "due_date": due})
    if not staged and len(out) > 1:
        errors.setdefault("stages", []).append(_("本市政策未规定分阶段投资：出资计划只能有一期。"))
    amounts = [s["amount"] for s in out]
    if total is not None and all(a is not None for a in amounts):
        planned = sum(amounts, ledger.ZERO)
        if planned != total:
            errors.setdefault("stages", []).append(
                _("出资计划合计 %(planned)s 元，应等于投资金额 %(total)s 元。")
                % {"planned": fmt(planned), "total": fmt(total)}
            )
    return out


@transaction.atomic
def register_investment(
    project,
    *,
    actor,
    instrument: str,
    vehicle_name: str,
    vehicle_uscc: str,
    amount,
    agreement_ref: str,
    stages: list,
    pre_money_valuation=None,
    share=None,
    cap_table: list | None = None,
    evidence: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> Investment:
    """Register the investment of an equity project (arranged or in progress).

    - ``amount``: at most the project's arranged amount (拨投结合: the equity part).
    - 股权直投 / 拨投结合: ``pre_money_valuation`` (share = amount / (pre-money + amount)) or the agreed
      ``share`` (post-money = amount / share, to the fen, ROUND_HALF_UP); ``cap_table`` = the other
      shareholders after the investment ``[{"name", "share"}]`` (fractions) with their ``evidence``.
    - 先投后股: no valuation now; the stake is fixed at the conversion.
    - ``stages``: ``[{"amount", "condition", "due_date"}]`` adding up to ``amount``.
    """
    project = lock_project(project)
    role = require(actor, "equity.register", project, visible=visible_projects(actor))
    profile = project.fund_year.profile
    if project.support_mode != SupportMode.EQUITY:
        raise ServiceError(
            _("项目 %(number)s 的支持方式为“%(mode)s”，不是股权投资。")
            % {"number": project.number, "mode": SupportMode(project.support_mode).label},
            code="not_equity",
        )
    if project.state not in REGISTRABLE_STATES:
        raise ServiceError(
            _("项目 %(number)s 当前状态为“%(state)s”，不能登记股权投资。")
            % {"number": project.number, "state": ProjectState(project.state).label},
            code="project_state",
        )
    if Investment.objects.filter(project=project).exists():
        raise ServiceError(
            _("项目 %(number)s 已登记股权投资，不能重复登记。") % {"number": project.number},
            code="already_registered",
        )
    errors: dict = {}
    allowed = profile.rule("equity.instruments", []) or []
    if instrument not in Instrument.values or instrument not in allowed:
        errors["instrument"] = [
            _("投资方式“%(v)s”不在本市政策允许的范围内（%(allowed)s）。")
            % {
                "v": instrument,
                "allowed": "、".join(str(Instrument(i).label) for i in allowed if i in Instrument.values),
            }
        ]
    vehicle_name = text(
        vehicle_name, field="vehicle_name", label=_("出资平台"), max_length=200, required=True, errors=errors
    )
    code = uscc.normalise(vehicle_uscc)
    problem = uscc.check(code)
    if problem:
        errors.setdefault("vehicle_uscc", []).append(_("出资平台统一社会信用代码：%(p)s") % {"p": problem})
    agreement_ref = text(
        agreement_ref,
        field="agreement_ref",
        label=_("投资协议编号"),
        max_length=60,
        required=True,
        errors=errors,
    )
    note = text(note, field="note", label=_("说明"), max_length=300, required=False, errors=errors)
    value = _money(amount, field="amount", label=_("投资金额"), errors=errors)
    if value is not None and value > project.amount:
        errors.setdefault("amount", []).append(
            _("投资金额 %(v)s 元超过项目安排金额 %(arranged)s 元。")
            % {"v": fmt(value), "arranged": fmt(project.amount)}
        )
    stage_rows = _stages(
        stages, total=value, staged=bool(profile.rule("equity.staged", False)), errors=errors
    )

    pre = post = fund_share = None
    others: list = []
    holds_now = instrument in (Instrument.DIRECT, Instrument.GRANT_AND_INVEST)
    if holds_now:
        evidence = text(
            evidence,
            field="evidence",
            label=_("股权结构依据"),
            max_length=EVIDENCE_MAX,
            required=True,
            errors=errors,
        )
        others = parse_cap_table(cap_table, errors=errors)
        given_pre = pre_money_valuation not in (None, "")
        given_share = share not in (None, "")
        if given_pre == given_share:
            errors.setdefault("pre_money_valuation", []).append(_("请填写投前估值或约定持股比例（二选一）。"))
        elif given_pre:
            pre = _money(pre_money_valuation, field="pre_money_valuation", label=_("投前估值"), errors=errors)
            if pre is not None and value is not None:
                post = pre + value
                fund_share = compute_share(value, post)
        else:
            agreed = parse_share(share, field="share", label=_("约定持股比例"), errors=errors)
            if agreed is not None and value is not None:
                post = (value / agreed).quantize(ledger.CENT)
                pre = post - value
                fund_share = agreed
                if pre <= 0:
                    errors.setdefault("share", []).append(_("约定持股比例不能为100%。"))
        if fund_share is not None:
            check_cap_total(fund_share, others, errors)
    else:
        evidence = text(
            evidence,
            field="evidence",
            label=_("依据"),
            max_length=EVIDENCE_MAX,
            required=False,
            errors=errors,
        )
        if pre_money_valuation not in (None, "") or share not in (None, "") or cap_table:
            errors.setdefault("pre_money_valuation", []).append(
                _("先投后股在下一轮融资时按该轮投后估值转股，登记时不填写估值、持股比例和股东名册。")
            )
    stake = check_stake(profile, fund_share, others) if fund_share is not None else None
    if errors and stake is not None and not stake.ok:
        errors.setdefault("share", []).extend(stake.reasons)
    raise_errors(errors, "investment_invalid", _("股权投资登记有%(n)d处需要修改。") % {"n": len(errors)})
    if stake is not None and not stake.ok:
        msg = _("股权投资不符合本市政策，不能登记：%(reasons)s") % {"reasons": "".join(stake.reasons)}
        raise ServiceError(msg, code="stake_refused", errors={"share": list(stake.reasons)})

    inv = Investment.objects.create(
        project=project,
        number=f"TZ-{project.number}",
        instrument=instrument,
        vehicle_name=vehicle_name,
        vehicle_uscc=code,
        amount=value,
        pre_money_valuation=pre,
        post_money_valuation=post,
        share=fund_share,
        evidence=evidence,
        agreement_ref=agreement_ref,
        note=note,
        registered_by=actor,
        registered_on=today_or(today),
    )
    CapTableEntry.objects.bulk_create(
        [CapTableEntry(investment=inv, name=n, share=s, order=i) for i, (n, s) in enumerate(others, start=1)]
    )
    Stage.objects.bulk_create([Stage(investment=inv, **row) for row in stage_rows])
    audit.record(
        "equity.investment.registered",
        actor=actor,
        role=role,
        target=inv,
        after={
            "state": inv.state,
            "instrument": instrument,
            "amount": value,
            "pre_money_valuation": pre,
            "post_money_valuation": post,
            "share": fund_share,
            "vehicle": f"{vehicle_name} {code}",
        },
        data={
            "project": project.pk,
            "cap_table": [[n, s] for n, s in others],
            "stages": [[r["seq"], r["amount"]] for r in stage_rows],
            "evidence": evidence,
            "agreement_ref": agreement_ref,
        },
        reason=note,
    )
    return inv
