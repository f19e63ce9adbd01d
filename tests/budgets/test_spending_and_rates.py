"""支出登记 (one by one and from an Excel extract, all or nothing) and the rates to 0.01 %."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from techfund.budgets import rates, services
from techfund.budgets.models import Expenditure
from techfund.core.errors import ServiceError
from techfund.projects import services as project_services
from tests.budgets.conftest import TODAY, counts

D = Decimal


def xlsx(rows, header=("支出日期", "预算科目", "资金来源", "金额（元）", "凭证号", "摘要")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def spend(project, user, amount, category="business", voucher="JZ-1", funding="fiscal", on="2026-11-10"):
    return services.record_expenditure(
        project,
        actor=user,
        spent_on=on,
        category=category,
        amount=amount,
        voucher_no=voucher,
        description="测试",
        funding=funding,
        today=TODAY,
    )


def test_fiscal_spending_within_line_and_arrived(paid, running, unit_user):
    spend(running, unit_user, "1000000.00")
    before = counts()
    with pytest.raises(ServiceError) as exc:
        spend(running, unit_user, "900000.00", category="labour", voucher="JZ-2")
    assert exc.value.message == (
        "劳务费财政资金支出将达 900,000.00 元（已登记 0.00 元，本次 900,000.00 元），超过调剂后预算 800,000.00 元：请先按规定调剂预算。"
    )
    assert counts() == before
    spend(running, unit_user, "800000.00", category="equipment", voucher="JZ-4")
    assert services.spent_total(running) == D("1800000.00")
    before = counts()
    with pytest.raises(ServiceError) as exc:
        spend(running, unit_user, "600000.01", category="labour", voucher="JZ-3")
    assert exc.value.message == (
        "财政资金支出将达 2,400,000.01 元，超过已拨付到位的财政资金 2,400,000.00 元（超出部分应以自筹资金列支）。"
    )
    with pytest.raises(ServiceError) as exc:
        spend(running, unit_user, "1.00")  # same voucher, category, funding
    assert "已登记过" in exc.value.message
    assert counts() == before
    # self-raised money is recorded, not limited
    spend(running, unit_user, "5000000.00", funding="self_raised", voucher="ZC-1")
    assert services.spent_total(running, funding="self_raised") == D("5000000.00")


def test_import_all_or_nothing_with_row_errors(paid, running, unit_user):
    bad = xlsx(
        [
            ("2026-11-03", "业务费", "财政资金", "1000.00", "JZ-01", "材料费"),
            ("2026-13-01", "差旅费", "财政", "abc", "", "差旅"),
            (None, None, None, None, None, None),
            ("2026-11-04", "设备费", "银行", "-5", "JZ-02", ""),
            ("2026-11-03", "业务费", "财政资金", "2000.00", "JZ-01", "重复"),
        ]
    )
    before = counts()
    with pytest.raises(ServiceError) as exc:
        services.import_expenditures(running, actor=unit_user, content=bad, filename="账簿.xlsx", today=TODAY)
    assert counts() == before
    msgs = exc.value.errors["file"]
    assert "第3行的支出日期“2026-13-01”不是有效的日期（格式：2026-03-01）。" in msgs
    assert "第3行的预算科目“差旅费”无效（设备费、业务费、劳务费、间接费用）。" in msgs
    assert "第3行请填写凭证号。" in msgs
    assert "第5行的资金来源“银行”无效（财政资金或自筹资金）。" in msgs
    assert "第5行的金额必须大于零。" in msgs and "第5行请填写摘要。" in msgs
    assert "第6行：凭证号 JZ-01 的业务费支出与第2行重复。" in msgs
    assert any(m.startswith("第3行：") for m in msgs)  # the amount "abc"
    good = xlsx(
        [
            (dt.date(2026, 11, 3), "业务费", "财政资金", 1000.5, "JZ-01", "材料费"),
            ("2026-11-04", "equipment", "", "200000", "JZ-02", "样机"),
            ("2026-11-05", "劳务费", "自筹", "3000.00", "JZ-03", "劳务"),
        ]
    )
    batch = services.import_expenditures(
        running, actor=unit_user, content=good, filename="账簿.xlsx", today=TODAY
    )
    assert batch.rows == 3 and batch.total == D("204000.50")
    assert services.spent_total(running) == D("201000.50")
    assert Expenditure.objects.filter(batch=batch).count() == 3
    with pytest.raises(ServiceError) as exc:
        services.import_expenditures(
            running, actor=unit_user, content=good, filename="again.xlsx", today=TODAY
        )
    assert "第2行：凭证号 JZ-01 的业务费支出已登记过，不能重复登记。" in exc.value.errors["file"]
    with pytest.raises(ServiceError) as exc:
        services.import_expenditures(
            running,
            actor=unit_user,
            content=xlsx([], header=("日期", "金额")),
            filename="x.xlsx",
            today=TODAY,
        )
    assert exc.value.code == "file_columns"
    with pytest.raises(ServiceError) as exc:
        services.import_expenditures(running, actor=unit_user, content=b"not excel", filename="x.xlsx")
    assert exc.value.code == "file_unreadable"


@pytest.fixture
def both(final_items, paid, running, unit_user, finance, office):
    """A paid 2,400,000 of 4,000,000 (科技局) and B arranged and contracted for 3,000,000 (工信局)."""
    b = project_services.arrange_item(final_items[1], actor=finance, statutory_approved=True)
    project_services.generate_contract(b, actor=office)
    # 51.445 % of 2,400,000 = 1,234,680.00: ROUND_HALF_UP gives 51.45 (half-even would give 51.44).
    spend(running, unit_user, "1000000.00")
    spend(running, unit_user, "234680.00", category="labour", voucher="JZ-2", on="2026-12-01")
    return running, b


def _rows(projects, **kw):
    from techfund.projects.models import Project

    ps = list(
        Project.objects.filter(pk__in=[p.pk for p in projects])
        .select_related("contract", "department", "focus_area", "organisation")
        .order_by("number")
    )
    return ps, rates.project_rows(ps, today=TODAY, **kw)


def test_rates_by_project_to_the_hundredth(both):
    a, b = both
    ps, rows = _rows([a, b])
    ra = next(r for r in rows if r.key == a.pk)
    assert (ra.planned, ra.arrived, ra.spent) == (D("4000000.00"), D("2400000.00"), D("1234680.00"))
    assert ra.arrival_rate == D("60.00")  # 2,400,000 / 4,000,000
    assert ra.due == D("2400000.00") and ra.due_arrival_rate == D("100.00")  # first tranche due 2026-11-19
    assert ra.execution_rate == D("51.45")
    rb = next(r for r in rows if r.key == b.pk)
    assert rb.arrived == 0 and rb.arrival_rate == D("0.00") and rb.execution_rate is None
    assert rates.rate(D("1"), D("3")) == D("33.33") and rates.rate(D("2"), D("3")) == D("66.67")


def test_rates_as_of_a_date(both):
    a, _b = both
    _ps, rows = _rows([a], as_of=dt.date(2026, 10, 27))
    assert rows[0].arrived == 0 and rows[0].execution_rate is None and rows[0].due == 0
    _ps, rows = _rows([a], as_of=dt.date(2026, 11, 30))
    assert rows[0].arrived == D("2400000.00") and rows[0].spent == D("1000000.00")
    assert rows[0].execution_rate == D("41.67")  # 1,000,000 / 2,400,000 = 41.666…


def test_rates_by_department_and_area(both):
    a, b = both
    ps, rows = _rows([a, b])
    by_dept = {r.label: r for r in rates.group_rows(ps, rows, "department")}
    assert by_dept[a.department.name].arrival_rate == D("60.00")
    assert by_dept[b.department.name].planned == D("3000000.00")
    by_area = rates.group_rows(ps, rows, "area")
    total = rates.total_row(rows, "合计")
    assert total.planned == D("7000000.00") and total.arrival_rate == D("34.29")  # 2.4 / 7 = 0.342857…
    assert total.execution_rate == D("51.45")
    assert sum(r.planned for r in by_area) == D("7000000.00")
