"""A realistic slice of equity investment (拨改投) in an already-executed demo year, through the
services only.

The year's equity projects (arranged by finance; those still without a signed 投资协议 are contracted
and signed here) get their investments registered by the office through the city's investing vehicle:

- a 股权直投 whose first registration is refused (the stake would exceed 25 %, nothing saved), then
  registered at a lower valuation; its first stage paid through the treasury, the second still due;
- a 先投后股 paid and converted at its A round's post-money valuation;
- a 股权直投 paid in full and exited by a transfer with a gain (principal and gain back to the pool);
- a 先投后股 whose project failed: the write-off is proposed and waits for finance;
- further projects: registered, first stage waiting to be instructed.

Payments go through the treasury: instruction → batch → exported file → imported confirmation. A second
office member is added for steps that need another person.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from techfund.core import uscc
from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.decisions.enums import ItemState
from techfund.decisions.models import ProposalItem
from techfund.equity import services as eq
from techfund.equity.models import Investment
from techfund.projects import services as projects
from techfund.projects.enums import ProjectState
from techfund.projects.models import Project

SIX = Decimal("0.000001")


def _user(actors, username, name, role, **kw):
    from techfund.demo.generator import _user

    return _user(actors.get("sysadmin"), username, name, role, secadmin=actors.get("secadmin"), **kw)


def _day(d: dt.date) -> dt.date:
    return min(d, timezone.localdate())


def _unit(actors, org):
    return _user(actors, f"eq_unit_{org.pk}", f"{org.name} 财务负责人", Role.APPLICANT, organisation=org)


def _contract(project, actors, office, signed_on):
    """Arranged equity projects get their 投资协议 (任务书) drawn up and signed by both sides."""
    if project.state != ProjectState.ARRANGED:
        return
    contract = getattr(project, "contract", None) or projects.generate_contract(project, actor=office)
    projects.sign_contract(
        contract, actor=_unit(actors, project.organisation), signatory="法定代表人", today=signed_on
    )
    owner = actors.get("departments", {}).get(project.department.code) or office
    projects.sign_contract(contract, actor=owner, signatory="业务处负责人", today=signed_on)
    project.refresh_from_db()


def _cap_table(share: Decimal) -> list[dict]:
    rest = (Decimal("1") - share - Decimal("0.60")).quantize(SIX, rounding=ROUND_DOWN)
    rows = [{"name": "创始人团队", "share": "0.45"}, {"name": "员工持股平台", "share": "0.15"}]
    if rest > 0:
        rows.append({"name": "天使轮投资人", "share": str(rest)})
    return rows


def _pay(stage, *, actors, finance, fund_year, paid_on):
    from techfund.treasury import services as treasury

    project = stage.investment.project
    org = project.organisation
    if treasury.active_account(org) is None:
        acc = treasury.record_account(
            org,
            actor=_unit(actors, org),
            account_name=org.name,
            bank_name="日照银行科技支行",
            account_number=f"62309100{org.pk:012d}",
            bank_code="313473000018",
        )
        treasury.verify_account(acc, actor=finance)
    ins = eq.instruct_stage(stage, actor=finance)
    batch = treasury.create_batch(fund_year, actor=finance, instructions=[ins])
    treasury.export_batch(batch, actor=finance, fmt="csv")
    ins.refresh_from_db()
    csv = (
        "指令编号,支付凭证号,金额,银行账号,支付日期,状态\n"
        f"{ins.number},GK{fund_year.year}EQ{ins.pk:05d},{ins.amount},{ins.account_number},{paid_on.isoformat()},支付成功\n"
    ).encode()
    treasury.import_confirmations(batch, csv, actor=finance, filename="股权投资出资回单.csv", today=paid_on)


def populate(fund_year, *, rng, actors) -> dict:
    counts = {
        "investments": 0,
        "refused": 0,
        "stages_paid": 0,
        "conversions": 0,
        "exits": 0,
        "write_offs_proposed": 0,
    }
    year = fund_year.year
    office, finance = actors["office"], actors["finance"]
    office2 = _user(actors, "office_equity", "领导小组办公室 股权投资岗", Role.OFFICE)
    vehicle = ("日照市科技创新投资有限公司", uscc.make("91371100", "MA3EQ001"))
    signed_on = _day(dt.date(year, 9, 10))
    for item in ProposalItem.objects.filter(
        batch__fund_year=fund_year, state=ItemState.FINAL, project__isnull=True, support_mode="equity"
    ).order_by("id")[:5]:
        projects.arrange_item(
            item, actor=finance, fiscal_year=year, statutory_approved=True, note="股权投资试点"
        )
    candidates = list(
        Project.objects.filter(
            fund_year=fund_year,
            support_mode="equity",
            investment__isnull=True,
            state__in=[ProjectState.ARRANGED, ProjectState.IN_PROGRESS],
        ).order_by("number")
    )
    for project in candidates:
        _contract(project, actors, office, signed_on)
    candidates = [p for p in candidates if p.state == ProjectState.IN_PROGRESS and p.statutory_approved]
    registered = _day(dt.date(year, 9, 20))
    pay1, later = _day(dt.date(year, 10, 10)), _day(dt.date(year, 11, 15))
    # The most complete story first: a small year (the tests build one) still shows money going out and back.
    plan = ["direct_exited", "ite_converted", "direct_open", "ite_failed"]
    for i, project in enumerate(candidates):
        scenario = plan[i] if i < len(plan) else "direct_committed"
        amount = project.amount
        common = {
            "actor": office,
            "vehicle_name": vehicle[0],
            "vehicle_uscc": vehicle[1],
            "amount": amount,
            "agreement_ref": f"RZKC-TZ-{year}-{i + 1:03d}",
            "today": registered,
        }
        if scenario.startswith("ite"):
            inv = eq.register_investment(
                project,
                instrument="invest_then_equity",
                stages=[{"amount": amount, "condition": "投资协议签订后一次拨付"}],
                **common,
            )
        else:
            k = rng.choice([5, 6, 8, 10])
            pre = amount * k
            share = eq.compute_share(amount, pre + amount)
            if scenario == "direct_open":
                try:  # the first proposal: a valuation that would give the fund 40 %
                    eq.register_investment(
                        project,
                        instrument="direct",
                        pre_money_valuation=(amount * Decimal("1.5")).quantize(Decimal("0.01")),
                        cap_table=[{"name": "创始人团队", "share": "0.45"}],
                        evidence="工商登记股东信息",
                        stages=[{"amount": amount, "condition": "协议签订后"}],
                        **common,
                    )
                except ServiceError:
                    counts["refused"] += 1
            first = (amount * Decimal("0.6")).quantize(Decimal("0.01"))
            inv = eq.register_investment(
                project,
                instrument="direct",
                pre_money_valuation=pre,
                cap_table=_cap_table(share),
                evidence="国家企业信用信息公示系统股东信息；增资协议",
                stages=[
                    {"amount": first, "condition": "投资协议签订后", "due_date": dt.date(year, 10, 1)},
                    {
                        "amount": amount - first,
                        "condition": "样机通过阶段检查后",
                        "due_date": dt.date(year + 1, 6, 30),
                    },
                ],
                **common,
            )
        counts["investments"] += 1
        if scenario == "direct_committed":
            continue
        stages = list(inv.stages.order_by("seq"))
        to_pay = stages if scenario == "direct_exited" else stages[:1]
        for s in to_pay:
            _pay(s, actors=actors, finance=finance, fund_year=fund_year, paid_on=pay1)
            counts["stages_paid"] += 1
        inv.refresh_from_db()
        if scenario == "ite_converted":
            post = amount * 8
            eq.record_conversion(
                inv,
                actor=office,
                round_name="A轮融资",
                post_money_valuation=post,
                round_date=later,
                evidence="A轮增资协议及工商变更登记",
                cap_table=[{"name": "创始人团队", "share": "0.48"}, {"name": "A轮领投基金", "share": "0.20"}],
                today=later,
            )
            counts["conversions"] += 1
        elif scenario == "direct_exited":
            gain = (amount * Decimal(rng.choice(["0.18", "0.25", "0.32"]))).quantize(Decimal("0.01"))
            ex = eq.propose_exit(
                inv,
                actor=office2,
                kind="transfer",
                proceeds=amount + gain,
                counterparty="日照市产业投资集团有限公司",
                reason="企业完成B轮融资，按协议以约定价格转让全部股权",
                basis="领导小组办公室会议纪要（股权退出）",
                today=later,
            )
            eq.confirm_exit(
                ex,
                actor=finance,
                decision="concur",
                bank_ref=f"YH{year}EQ{inv.pk:04d}",
                received_on=later,
                opinion="转让款已到账，本金和收益回流资金池。",
                today=later,
            )
            counts["exits"] += 1
        elif scenario == "ite_failed":
            eq.propose_write_off(
                inv,
                actor=office,
                reason="核心技术路线验证失败，企业停止该项目研发，经专家论证无继续投入价值",
                basis="专家论证意见及领导小组办公室会议纪要",
                today=later,
            )
            counts["write_offs_proposed"] += 1
    counts["holdings"] = Investment.objects.filter(project__fund_year=fund_year).count()
    return counts
