"""专家批量导入: the template, an all-or-nothing import with every bad row reported by row number."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from techfund.core.enums import Role
from techfund.core.errors import NotAllowed, ServiceError
from techfund.core.models import AuditEvent, RoleGrant, User
from techfund.review import services
from techfund.review.models import Expert
from techfund.review.services.pool_import import COLUMNS, ImportRefused, template_workbook
from tests import factories
from tests.review.pool.conftest import person_id

HEADERS = [
    "姓名",
    "证件号码",
    "工作单位",
    "统一社会信用代码(可空)",
    "职称",
    "学科代码(多个用、分隔)",
    "关键词",
    "个人简介",
    "代表性成果",
    "手机",
    "邮箱",
    "每轮最多评审数",
    "登录名",
]


def workbook(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row(
    name="张三",
    id_number=None,
    org="山东大学",
    uscc="",
    title="教授",
    subjects="F0104、E0901",
    keywords="海洋工程，船舶",
    profile="",
    publications="",
    phone="13800000000",
    email="",
    max_load="",
    username=None,
):
    return [
        name,
        id_number or person_id(),
        org,
        uscc,
        title,
        subjects,
        keywords,
        profile,
        publications,
        phone,
        email,
        max_load,
        username or f"zj{person_id()[-8:]}",
    ]


def pool_state():
    return (
        Expert.objects.count(),
        User.objects.count(),
        RoleGrant.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_template_has_the_chinese_headers():
    wb = load_workbook(io.BytesIO(template_workbook()))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS == [str(c[1]) for c in COLUMNS]
    assert wb.sheetnames == ["专家信息", "填写说明"]


def test_a_good_file_imports_every_row(office, org_x):
    existing = factories.user(Role.EXPERT, username="old_expert")
    rows = [
        row(name="张三", uscc=org_x.uscc, org="", username="zhangsan", max_load=8),
        row(name="李四", username="old_expert", email="li@example.com", max_load="12"),
        row(name="王五", username="wangwu", subjects="", keywords=""),
    ]
    report = services.import_experts(io.BytesIO(workbook(rows)), actor=office)
    assert report.ok and report.rows == 3
    assert (report.accounts_created, report.accounts_linked) == (2, 1)
    zhang, li, wang = (Expert.objects.get(name=n) for n in ("张三", "李四", "王五"))
    assert zhang.organisation == org_x and zhang.organisation_name == org_x.name and zhang.max_load == 8
    assert zhang.subjects == ["F0104", "E0901"] and zhang.keywords == ["海洋工程", "船舶"]
    assert li.user == existing and li.email == "li@example.com" and li.max_load == 12
    assert wang.max_load == 20 and wang.organisation_name == "山东大学"
    new = User.objects.get(username="zhangsan")
    assert new.has_role(Role.EXPERT) and not new.has_usable_password() and new.must_change_password
    assert new.display_name == "张三"
    events = AuditEvent.objects.filter(action="review.expert.imported")
    assert events.count() == 3 and {e.role for e in events} == {"office"}


def test_every_bad_row_is_reported_and_nothing_is_imported(office, expert_a):
    in_pool = person_id()
    services.update_expert(expert_a, actor=office, id_number=in_pool)
    stranger = factories.user(Role.APPLICANT, username="someone")
    dup = person_id()
    unregistered = factories.next_uscc()
    rows = [
        row(name="甲", id_number=dup, username="a1"),  # row 2: fine by itself
        row(name="乙", id_number=dup, username="a2"),  # row 3: duplicate 证件号码
        row(name="", username="a3"),  # row 4: no name
        row(name="丁", id_number=in_pool, username="a4"),  # row 5: already in the pool
        row(name="戊", uscc=unregistered, username="a5"),  # row 6: organisation not registered
        row(name="己", max_load="很多", email="bad", username="a6"),  # row 7: two problems
        row(
            name="庚", id_number="371102197001010001", username="a1"
        ),  # row 8: check digit, sign-in name again
        row(name="辛", username=stranger.username),  # row 9: an account without the expert role
        row(name="壬", username=expert_a.user.username),  # row 10: an account that is an expert already
    ]
    before = pool_state()
    with pytest.raises(ImportRefused) as exc:
        services.import_experts(workbook(rows), actor=office)
    assert pool_state() == before
    errors = [(e.row, e.column, e.message) for e in exc.value.report.errors]
    assert errors == [
        (3, "id_number", "证件号码与第2行重复。"),
        (4, "name", "请填写姓名。"),
        (5, "id_number", f"证件号码 {in_pool} 已登记为专家王甲。"),
        (6, "uscc", f"统一社会信用代码 {unregistered} 的单位尚未在系统登记。"),
        (7, "email", "邮箱“bad”格式不正确。"),
        (7, "max_load", "每轮最多评审数应为 1 到 500 之间的整数，收到“很多”。"),
        (8, "id_number", "身份证号码“371102197001010001”的校验位不正确。"),
        (8, "username", "登录名与第2行重复。"),
        (9, "username", "账号“someone”已存在，但没有评审专家角色。"),
        (10, "username", f"账号“{expert_a.user.username}”已登记为评审专家。"),
    ]
    assert exc.value.message == "第3行：证件号码与第2行重复。（共 10 处错误，未导入任何专家）"
    assert exc.value.errors["rows.7.max_load"] == ["每轮最多评审数应为 1 到 500 之间的整数，收到“很多”。"]


def test_file_level_refusals(office):
    before = pool_state()
    with pytest.raises(ServiceError) as exc:
        services.import_experts(b"not a workbook", actor=office)
    assert exc.value.message == "文件不是有效的 Excel 工作簿（.xlsx），请使用下载的模板填写。"
    with pytest.raises(ServiceError) as exc:
        services.import_experts(workbook([["张三"]], headers=["姓名", "职称"]), actor=office)
    assert exc.value.message == "第1行（表头）缺少必需的列：证件号码、登录名。请使用下载的模板填写。"
    with pytest.raises(ServiceError) as exc:
        services.import_experts(workbook([]), actor=office)
    assert exc.value.message == "文件中没有专家信息（第2行起每行一名专家）。"
    assert pool_state() == before


@pytest.mark.parametrize("who", ["expert", "applicant", "auditor", "leader"])
def test_only_the_office_imports(who, request):
    with pytest.raises(NotAllowed):
        services.import_experts(workbook([row()]), actor=request.getfixturevalue(who))
    assert not Expert.objects.exists()
