"""Builders shared by the calls and applications tests. Everything goes through the services."""

import contextlib
import datetime as dt
from decimal import Decimal

from django.utils import timezone

from techfund.applications import services as app_services
from techfund.applications.models import (
    Application,
    Attachment,
    Batch,
    BudgetLine,
    FormalCheck,
    Milestone,
    PerformanceTarget,
    Prescreen,
    TeamMember,
)
from techfund.calls import services as call_services
from techfund.calls.models import Call, CallQuota
from techfund.core.models import AuditEvent

MODELS = (
    Call,
    CallQuota,
    Application,
    TeamMember,
    BudgetLine,
    PerformanceTarget,
    Milestone,
    Attachment,
    Prescreen,
    Batch,
    FormalCheck,
)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def valid_id(n: int = 1, *, birth: str = "19800101") -> str:
    """A resident ID number with a correct check character (Rizhao's area code 371102)."""
    body = f"371102{birth}{n % 1000:03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def counts() -> dict[str, int]:
    out = {m.__name__: m.objects.count() for m in MODELS}
    out["AuditEvent"] = AuditEvent.objects.exclude(action__startswith="auth.").count()
    out["states"] = sorted(Application.objects.values_list("id", "state"))
    out["call_states"] = sorted(Call.objects.values_list("id", "state"))
    return out


@contextlib.contextmanager
def nothing_saved():
    """Asserts the block writes no call or application row and no audit event, and moves no state."""
    before = counts()
    yield
    assert counts() == before


def call_kwargs(**overrides) -> dict:
    now = timezone.now()
    data = {
        "focus_area": "major_projects",
        "code": "2026-ZD-01",
        "title": "2026年度重大科技创新专项（竞争立项）",
        "establishment_mode": "competitive",
        "ceiling": "2000000.00",
        "opens_at": now - dt.timedelta(days=1),
        "closes_at": now + dt.timedelta(days=30),
        "support_modes": ("grant",),
        "body": "围绕“十强”产业解决关键共性技术。",
        "co_funding_ratio": "1",
        "per_org_limit": 2,
        "per_person_limit": 1,
        "quotas": {"science_technology": 3, "industry_it": 1},
    }
    data.update(overrides)
    return data


def make_call(fund_year, office, *, publish=True, **overrides) -> Call:
    call = call_services.create_call(fund_year, actor=office, **call_kwargs(**overrides))
    if publish:
        call = call_services.publish_call(call, actor=office)
    return call


def complete_fields(n: int = 1, **overrides) -> dict:
    """A complete application: 1,000,000 requested = 300,000 equipment (purchase) + 400,000 business +
    200,000 labour + 100,000 indirect; B = 600,000 so the indirect cap is 180,000."""
    data = {
        "abstract": "研制海洋装备用高性能复合材料并实现产业化。",
        "keywords": ["复合材料", "海洋装备"],
        "subject_code": "430",
        "requested_amount": "1000000.00",
        "self_raised": "1000000.00",
        "support_mode": "grant",
        "start_date": "2027-01-01",
        "end_date": "2028-12-31",
        "team": [
            {
                "name": "张伟",
                "id_number": valid_id(n),
                "role": "lead",
                "organisation_name": "",
                "title": "研究员",
            },
            {"name": "李娜", "id_number": valid_id(n + 500), "role": "member", "title": "工程师"},
        ],
        "budget_lines": [
            {
                "category": "equipment",
                "item": "热压成型机",
                "amount": "300000.00",
                "equipment_purchase": True,
            },
            {"category": "business", "item": "材料与测试", "amount": "400000.00"},
            {"category": "labour", "item": "聘用人员劳务", "amount": "200000.00"},
            {"category": "indirect", "item": "间接费用", "amount": "100000.00"},
        ],
        "targets": [
            {
                "kind": "output",
                "name": "发明专利申请",
                "indicator_type": "higher",
                "unit": "件",
                "target_value": "3",
            },
            {
                "kind": "outcome",
                "name": "新增销售收入",
                "indicator_type": "higher",
                "unit": "万元",
                "target_value": "500",
            },
        ],
        "milestones": [
            {"due_date": "2027-12-31", "description": "完成样品试制"},
            {"due_date": "2028-12-31", "description": "完成中试并验收"},
        ],
    }
    data.update(overrides)
    return data


def make_application(
    call,
    applicant,
    *,
    department="science_technology",
    title="高性能复合材料研制",
    n=1,
    complete=True,
    submit=False,
    **overrides,
) -> Application:
    app = app_services.start_application(call, actor=applicant, department=department, title=title)
    if complete:
        app = app_services.save_draft(app, actor=applicant, **complete_fields(n, **overrides))
    if submit:
        app = app_services.submit_application(app, actor=applicant)
    return Application.objects.get(pk=app.pk)


def pdf_bytes(text: str = "hello") -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n%"
        + text.encode()
        + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def money(s) -> Decimal:
    return Decimal(s)
