"""支出登记: the implementing unit records what it spent on the project — date, category, funding
(财政资金 or 自筹资金), amount, voucher number and description — one by one or from an Excel extract of
its ledger (all rows or none; every row's problems listed).

Only fiscal spending is held to the budget (32号: the budget lines are the fiscal budget of the
任务书): per category, fiscal spending never exceeds the current (adjusted) line — the unit records a
调剂 first, which for delegated categories takes effect at once, so a refusal rather than a warning
keeps the budget and the books in step; and fiscal spending never exceeds the money arrived (paid to
the unit per the ledger). Self-raised spending is recorded and reported, not limited.
"""

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from techfund.budgets.enums import CATEGORY_ORDER, BudgetCategory, Funding
from techfund.budgets.models import (
    DESCRIPTION_MAX,
    VOUCHER_MAX,
    Expenditure,
    ExpenditureImport,
    ProjectBudget,
)
from techfund.budgets.services._common import (
    ZERO,
    category_label,
    current_amounts,
    fmt,
    lock_project,
    not_in_budget,
    today_or,
)
from techfund.core.errors import ServiceError
from techfund.core.permissions import require
from techfund.core.services import audit, ledger
from techfund.projects.accounts import project_balances
from techfund.projects.enums import ProjectState
from techfund.projects.scopes import visible_projects

#: States in which spending may be recorded (a suspension stops payments, not the books).
RECORDING_STATES = frozenset({ProjectState.IN_PROGRESS, ProjectState.SUSPENDED})
MAX_ROWS = 5000
#: Column headers of the ledger extract (first row), with the accepted spellings.
HEADERS = {
    "spent_on": ("支出日期", "日期", "date"),
    "category": ("预算科目", "科目", "category"),
    "funding": ("资金来源", "来源", "funding"),
    "amount": ("金额（元）", "金额", "金额(元)", "amount"),
    "voucher_no": ("凭证号", "凭证编号", "voucher"),
    "description": ("摘要", "说明", "description"),
}
FUNDING_WORDS = {
    "fiscal": Funding.FISCAL,
    "财政": Funding.FISCAL,
    "财政资金": Funding.FISCAL,
    "self_raised": Funding.SELF_RAISED,
    "自筹": Funding.SELF_RAISED,
    "自筹资金": Funding.SELF_RAISED,
}


def spent_total(project, *, funding: str | None = Funding.FISCAL, as_of: dt.date | None = None) -> Decimal:
    """What the unit recorded as spent on ``project`` (fiscal by default; ``funding=None``: all)."""
    qs = Expenditure.objects.filter(project=project)
    if funding:
        qs = qs.filter(funding=funding)
    if as_of is not None:
        qs = qs.filter(spent_on__lte=as_of)
    return qs.aggregate(s=Sum("amount"))["s"] or ZERO


def _category(value) -> str | None:
    raw = "" if value is None else str(value).strip()
    if raw in BudgetCategory.values:
        return raw
    for code in CATEGORY_ORDER:
        if raw == str(BudgetCategory(code).label):
            return code
    return None


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        return None


@dataclass
class _Row:
    spent_on: dt.date | None
    category: str | None
    funding: str | None
    amount: Decimal | None
    voucher_no: str
    description: str


def _clean(row: dict, *, label: str, project, contract, today: dt.date, msgs: list) -> _Row:
    spent_on = _date(row.get("spent_on"))
    if row.get("spent_on") in (None, ""):
        msgs.append(_("%(row)s请填写支出日期。") % {"row": label})
    elif spent_on is None:
        msgs.append(
            _("%(row)s的支出日期“%(v)s”不是有效的日期（格式：2026-03-01）。")
            % {"row": label, "v": row.get("spent_on")}
        )
    elif spent_on > today:
        msgs.append(_("%(row)s的支出日期 %(d)s 晚于今天。") % {"row": label, "d": spent_on.isoformat()})
    elif contract is not None and spent_on < contract.start_date:
        msgs.append(
            _("%(row)s的支出日期 %(d)s 早于任务书起始日期 %(s)s。")
            % {"row": label, "d": spent_on.isoformat(), "s": contract.start_date.isoformat()}
        )
    category = _category(row.get("category"))
    if category is None:
        msgs.append(
            _("%(row)s的预算科目“%(v)s”无效（设备费、业务费、劳务费、间接费用）。")
            % {"row": label, "v": row.get("category") or ""}
        )
    raw_funding = "" if row.get("funding") in (None, "") else str(row.get("funding")).strip()
    funding = FUNDING_WORDS.get(raw_funding or "fiscal")
    if funding is None:
        msgs.append(
            _("%(row)s的资金来源“%(v)s”无效（财政资金或自筹资金）。") % {"row": label, "v": raw_funding}
        )
    amount = None
    if row.get("amount") in (None, ""):
        msgs.append(_("%(row)s请填写金额。") % {"row": label})
    else:
        try:
            amount = ledger.money(row.get("amount"))
        except ServiceError as exc:
            msgs.append(f"{label}：{exc.message}")
        else:
            if amount <= 0:
                msgs.append(_("%(row)s的金额必须大于零。") % {"row": label})
                amount = None
    voucher = "" if row.get("voucher_no") is None else str(row.get("voucher_no")).strip()
    if not voucher:
        msgs.append(_("%(row)s请填写凭证号。") % {"row": label})
    elif len(voucher) > VOUCHER_MAX:
        msgs.append(_("%(row)s的凭证号不能超过%(n)s个字符。") % {"row": label, "n": VOUCHER_MAX})
    description = "" if row.get("description") is None else str(row.get("description")).strip()
    if not description:
        msgs.append(_("%(row)s请填写摘要。") % {"row": label})
    elif len(description) > DESCRIPTION_MAX:
        msgs.append(_("%(row)s的摘要不能超过%(n)s个字符。") % {"row": label, "n": DESCRIPTION_MAX})
    return _Row(spent_on, category, funding, amount, voucher, description)


def _record(project, rows: list[dict], *, actor, today, labels, field: str, batch_meta=None):
    """Check ``rows`` against everything and write them all, or refuse listing every problem."""
    project = lock_project(project)
    role = require(actor, "budgets.record_expenditure", project, visible=visible_projects(actor))
    budget = ProjectBudget.objects.select_for_update().filter(project=project).first()
    if budget is None:
        raise not_in_budget(project)
    if project.state not in RECORDING_STATES:
        raise ServiceError(
            _("项目 %(number)s 当前状态为“%(state)s”，不能登记支出（执行中或暂停拨款的项目可以登记）。")
            % {"number": project.number, "state": ProjectState(project.state).label},
            code="project_not_running",
        )
    day = today_or(today)
    contract = budget.contract
    msgs: list[str] = []
    cleaned: list[_Row] = []
    if not rows:
        msgs.append(_("没有可登记的支出。"))
    seen: dict[tuple, str] = {}
    existing = set(
        Expenditure.objects.filter(project=project).values_list("voucher_no", "category", "funding")
    )
    for label, row in zip(labels, rows, strict=True):
        r = _clean(row, label=label, project=project, contract=contract, today=day, msgs=msgs)
        key = (r.voucher_no, r.category, r.funding)
        if r.voucher_no and r.category and r.funding:
            ctx = {"row": label, "v": r.voucher_no, "cat": category_label(r.category)}
            if key in existing:
                msgs.append(_("%(row)s：凭证号 %(v)s 的%(cat)s支出已登记过，不能重复登记。") % ctx)
            elif key in seen:
                msgs.append(
                    _("%(row)s：凭证号 %(v)s 的%(cat)s支出与%(other)s重复。") % {**ctx, "other": seen[key]}
                )
            seen.setdefault(key, label)
        cleaned.append(r)
    if not msgs:
        # The fiscal money: per category within the current budget, in total within the money arrived.
        lines = current_amounts(budget)
        spent = defaultdict(lambda: ZERO)
        for r in (
            Expenditure.objects.filter(project=project, funding=Funding.FISCAL)
            .values("category")
            .annotate(s=Sum("amount"))
        ):
            spent[r["category"]] = r["s"]
        new = defaultdict(lambda: ZERO)
        for r in cleaned:
            if r.funding == Funding.FISCAL:
                new[r.category] += r.amount
        for c in CATEGORY_ORDER:
            if new[c] and spent[c] + new[c] > lines.get(c, ZERO):
                msgs.append(
                    _(
                        "%(cat)s财政资金支出将达 %(total)s 元（已登记 %(spent)s 元，本次 %(new)s 元），超过调剂后预算 %(line)s 元：请先按规定调剂预算。"
                    )
                    % {
                        "cat": category_label(c),
                        "total": fmt(spent[c] + new[c]),
                        "spent": fmt(spent[c]),
                        "new": fmt(new[c]),
                        "line": fmt(lines.get(c, ZERO)),
                    }
                )
        arrived = project_balances([project])[project.pk]["paid"]
        total_new = sum(new.values(), ZERO)
        total_spent = sum(spent.values(), ZERO)
        if total_new and total_spent + total_new > arrived:
            msgs.append(
                _(
                    "财政资金支出将达 %(total)s 元，超过已拨付到位的财政资金 %(arrived)s 元（超出部分应以自筹资金列支）。"
                )
                % {"total": fmt(total_spent + total_new), "arrived": fmt(arrived)}
            )
    if msgs:
        raise ServiceError(
            msgs[0]
            if len(msgs) == 1
            else _("支出登记有%(n)d处需要修改，未登记任何支出。") % {"n": len(msgs)},
            code="expenditure_invalid",
            errors={field: msgs},
        )
    batch = None
    if batch_meta is not None:
        batch = ExpenditureImport.objects.create(
            project=project,
            filename=batch_meta["filename"][:200],
            rows=len(cleaned),
            total=sum((r.amount for r in cleaned), ZERO),
            imported_by=actor,
        )
    if batch is not None:
        Expenditure.objects.bulk_create(
            Expenditure(
                project=project,
                spent_on=r.spent_on,
                category=r.category,
                funding=r.funding,
                amount=r.amount,
                voucher_no=r.voucher_no,
                description=r.description,
                batch=batch,
                recorded_by=actor,
            )
            for r in cleaned
        )
        audit.record(
            "budgets.expenditure.imported",
            actor=actor,
            role=role,
            target=batch,
            after={"rows": batch.rows, "total": batch.total},
            data={
                "project": project.pk,
                "fiscal": sum((r.amount for r in cleaned if r.funding == Funding.FISCAL), ZERO),
            },
        )
        return batch
    r = cleaned[0]
    e = Expenditure.objects.create(
        project=project,
        spent_on=r.spent_on,
        category=r.category,
        funding=r.funding,
        amount=r.amount,
        voucher_no=r.voucher_no,
        description=r.description,
        recorded_by=actor,
    )
    audit.record(
        "budgets.expenditure.recorded",
        actor=actor,
        role=role,
        target=e,
        after={
            "spent_on": e.spent_on,
            "category": e.category,
            "funding": e.funding,
            "amount": e.amount,
            "voucher_no": e.voucher_no,
        },
        data={"project": project.pk},
    )
    return e


@transaction.atomic
def record_expenditure(
    project,
    *,
    actor,
    spent_on,
    category: str,
    amount,
    voucher_no: str,
    description: str,
    funding: str = Funding.FISCAL,
    today: dt.date | None = None,
) -> Expenditure:
    """Record one spending of the implementing unit (see the module's docstring for the checks)."""
    row = {
        "spent_on": spent_on,
        "category": category,
        "funding": funding,
        "amount": amount,
        "voucher_no": voucher_no,
        "description": description,
    }
    return _record(project, [row], actor=actor, today=today, labels=[_("本笔支出")], field="expenditure")


def read_extract(content: bytes) -> list[dict]:
    """The rows of an Excel ledger extract (first sheet; first row the headers, see ``HEADERS``)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same answer
        msg = _("无法读取该文件：请上传 Excel（.xlsx）格式的财务账簿导出表。")
        raise ServiceError(msg, code="file_unreadable", errors={"file": [msg]}) from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        name = "" if name is None else str(name).strip()
        for key, words in HEADERS.items():
            if name in words:
                columns.setdefault(key, i)
    missing = [HEADERS[k][0] for k in HEADERS if k not in columns and k != "funding"]
    if missing:
        msg = _("第1行应为列名，缺少：%(cols)s。") % {"cols": "、".join(missing)}
        raise ServiceError(msg, code="file_columns", errors={"file": [msg]})
    out = []
    for n, values in enumerate(rows, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        out.append({"row": n, **{k: (values[i] if i < len(values) else None) for k, i in columns.items()}})
        if len(out) > MAX_ROWS:
            msg = _("一次最多导入%(n)d行支出。") % {"n": MAX_ROWS}
            raise ServiceError(msg, code="file_too_long", errors={"file": [msg]})
    wb.close()
    return out


@transaction.atomic
def import_expenditures(
    project, *, actor, content: bytes, filename: str, today: dt.date | None = None
) -> ExpenditureImport:
    """Import an Excel extract of the unit's ledger: every row checked, all recorded or none."""
    rows = read_extract(content)
    labels = [_("第%(n)d行") % {"n": r["row"]} for r in rows]  # the sheet's row numbers
    return _record(
        project,
        rows,
        actor=actor,
        today=today,
        labels=labels,
        field="file",
        batch_meta={"filename": filename},
    )
