"""The demo's slice of 国库直通车 in an already-executed demo year, through the services only.

``populate(fund_year, *, rng, actors) -> dict`` with ``actors`` the demo's users: ``office``,
``finance`` (optionally ``finance2``), ``departments`` and, optionally, ``applicant_for``
(``organisation → applicant user``; without it an existing applicant of the organisation is used).

- every implementing unit of the year's projects gets its payee account (收款账户), recorded by its
  applicant and verified by finance (units that already have one — other modes' demos — are left);
  one unit changes its account afterwards and the change waits for verification;
- where the year's policy pays through the treasury's batch files (``procedure.direct_payment``), the
  next tranche of each grant in progress is instructed; most go into one batch that is exported and
  confirmed by the treasury's file (one returned for a wrong account, one row with a wrong amount
  listed for follow-up), and a few instructions wait for the next batch.
"""

import csv
import io

from django.utils import timezone

from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.policy.enums import SupportMode
from techfund.projects import queries
from techfund.projects.enums import ProjectState
from techfund.projects.models import Project
from techfund.projects.services.payments import instruct_tranche
from techfund.treasury import services
from techfund.treasury.enums import AccountState, InstructionState
from techfund.treasury.models import PaymentInstruction

BANKS = [
    ("中国工商银行日照分行", "102473000012"),
    ("中国建设银行日照分行", "105473000015"),
    ("日照银行科技支行", "313473000018"),
    ("中国农业银行日照分行", "103473000019"),
    ("中国银行日照分行", "104473000012"),
]
#: How many instructions are left waiting for the next batch (the workbench's tile).
LEFT_PENDING = 2


def _applicant(actors, org):
    finder = actors.get("applicant_for")
    if finder is not None:
        return finder(org)
    grant = org.grants.filter(role=Role.APPLICANT, revoked_at__isnull=True).select_related("user").first()
    return grant.user if grant else None


def _account(org, actors, rng, counts, *, number=None) -> bool:
    unit = _applicant(actors, org)
    if unit is None:
        counts["accounts_no_applicant"] += 1
        return False
    bank, code = BANKS[org.pk % len(BANKS)]
    acc = services.record_account(
        org,
        actor=unit,
        account_name=org.name,
        bank_name=bank,
        account_number=number or f"{rng.randint(6210, 6299)}{org.pk:012d}{rng.randint(100, 999)}",
        bank_code=code,
    )
    if number is None:
        services.verify_account(acc, actor=actors["finance"])
        counts["payee_accounts"] += 1
    else:
        counts["payee_accounts_pending"] += 1
    return True


def _result_file(rows) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["指令编号", "支付凭证号", "金额", "银行账号", "支付日期", "状态", "退回原因"])
    w.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def populate(fund_year, *, rng, actors) -> dict:
    from collections import Counter

    counts: Counter = Counter()
    finance = actors["finance"]
    today = timezone.localdate()
    projects = list(
        Project.objects.filter(fund_year=fund_year).select_related("organisation").order_by("number")
    )
    orgs = {p.organisation_id: p.organisation for p in projects}
    for org in orgs.values():
        if services.active_account(org) is not None:
            continue
        _account(org, actors, rng, counts)
    # One unit changes its bank account; the change waits for finance.
    changed = next(
        (
            o
            for o in orgs.values()
            if services.active_account(o) is not None
            and not o.payee_accounts.filter(state=AccountState.PENDING).exists()
        ),
        None,
    )
    if changed is not None:
        _account(changed, actors, rng, counts, number=f"6228{changed.pk:012d}8")

    if not fund_year.profile.rule("procedure.direct_payment"):
        counts["batches_skipped_policy"] += 1
        return dict(counts)

    instructions = []
    for p in projects:
        if p.support_mode != SupportMode.GRANT or p.state != ProjectState.IN_PROGRESS:
            continue
        contract = getattr(p, "contract", None)
        if contract is None or not p.statutory_approved:
            continue
        nxt = queries.next_payable(queries.tranche_rows(contract))
        if nxt is None or nxt.pending > 0:
            continue
        try:
            instructions.append(instruct_tranche(nxt, actor=finance))
        except ServiceError:
            counts["tranches_not_instructable"] += 1
    counts["instructions"] = len(instructions)
    batched = instructions[:-LEFT_PENDING] if len(instructions) > LEFT_PENDING + 1 else instructions
    if not batched:
        return dict(counts)
    batch = services.create_batch(fund_year, actor=finance, instructions=batched)
    services.export_batch(batch, actor=finance, fmt="xlsx")
    counts["batches"] += 1
    rows = []
    for n, ins in enumerate(batched):
        ins.refresh_from_db()
        ref = f"GK{today:%Y%m%d}ZT{ins.pk:06d}"
        if n == 1 and len(batched) >= 3:
            rows.append(
                [
                    ins.number,
                    "",
                    f"{ins.amount:.2f}",
                    ins.account_number,
                    today.isoformat(),
                    "退回",
                    "收款账号已销户",
                ]
            )
        elif n == 2 and len(batched) >= 4:
            # the treasury's file shows another amount: listed for follow-up, nothing posted
            rows.append(
                [
                    ins.number,
                    ref,
                    f"{ins.amount - 100:.2f}",
                    ins.account_number,
                    today.isoformat(),
                    "已支付",
                    "",
                ]
            )
        else:
            rows.append(
                [ins.number, ref, f"{ins.amount:.2f}", ins.account_number, today.isoformat(), "已支付", ""]
            )
    record = services.import_confirmations(
        batch, _result_file(rows), actor=finance, filename=f"{batch.number}支付结果.csv", today=today
    )
    states = dict(
        PaymentInstruction.objects.filter(pk__in=[i.pk for i in batched]).values_list("pk", "state")
    )
    counts["confirmed"] = sum(1 for v in states.values() if v == InstructionState.CONFIRMED)
    counts["returned"] = sum(1 for v in states.values() if v == InstructionState.RETURNED)
    counts["mismatches"] = record.problems
    return dict(counts)
