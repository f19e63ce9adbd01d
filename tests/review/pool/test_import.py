"""专家批量导入: the template, an all-or-nothing import with every bad row reported by row number, and
三员分立 — the import never creates an account: a row names an existing expert account or registers
the expert without one, whom the security administrator later links to an account the system
administrator created."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from techfund.core.enums import Role
from techfund.core.errors import NotAllowed, NotVisible, ServiceError
from techfund.core.models import AuditEvent, RoleGrant, User
from techfund.core.services import people
from techfund.review import services
from techfund.review.models import Expert
from techfund.review.services import conflicts, expert_accounts
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
    "登录名(已有账号，可空)",
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
    username="",
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
        username,
    ]


def pool_state():
    return (
        Expert.objects.count(),
        User.objects.count(),
        RoleGrant.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_template_has_the_chinese_headers_and_says_no_account_is_created():
    wb = load_workbook(io.BytesIO(template_workbook()))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS == [str(c[1]) for c in COLUMNS]
    assert wb.sheetnames == ["专家信息", "填写说明"]
    notes = {r[0].value: r[1].value for r in wb.worksheets[1].iter_rows()}
    assert notes["登录名(已有账号，可空)"].startswith("可空。")
    assert "导入不创建任何账号" in notes["登录名(已有账号，可空)"]


def test_a_good_file_imports_every_row_and_creates_no_account(office, org_x):
    existing = factories.user(Role.EXPERT, username="old_expert")
    rows = [
        row(name="张三", uscc=org_x.uscc, org="", max_load=8),
        row(name="李四", username="OLD_expert", email="li@example.com", max_load="12"),  # any case
        row(name="王五", subjects="", keywords=""),
    ]
    users, grants = User.objects.count(), RoleGrant.objects.count()
    report = services.import_experts(io.BytesIO(workbook(rows)), actor=office)
    assert report.ok and report.rows == 3
    assert (report.accounts_linked, report.without_account) == (1, 2)
    assert (User.objects.count(), RoleGrant.objects.count()) == (users, grants)  # no account, no grant
    zhang, li, wang = (Expert.objects.get(name=n) for n in ("张三", "李四", "王五"))
    assert zhang.organisation == org_x and zhang.organisation_name == org_x.name and zhang.max_load == 8
    assert zhang.subjects == ["F0104", "E0901"] and zhang.keywords == ["海洋工程", "船舶"]
    assert li.user == existing and li.email == "li@example.com" and li.max_load == 12
    assert wang.max_load == 20 and wang.organisation_name == "山东大学"
    assert zhang.user is None and wang.user is None
    events = AuditEvent.objects.filter(action="review.expert.imported").order_by("seq")
    assert [(e.role, e.after["name"], e.after["username"]) for e in events] == [
        ("office", "张三", None),
        ("office", "李四", "old_expert"),
        ("office", "王五", None),
    ]


def test_an_earlier_template_with_the_old_header_still_imports(office):
    factories.user(Role.EXPERT, username="legacy")
    headers = [*HEADERS[:-1], "登录名"]
    report = services.import_experts(workbook([row(name="赵六", username="legacy")], headers), actor=office)
    assert report.accounts_linked == 1 and Expert.objects.get(name="赵六").user.username == "legacy"


def test_every_bad_row_is_reported_and_nothing_is_imported(office, expert_a):
    in_pool = person_id()
    services.update_expert(expert_a, actor=office, id_number=in_pool)
    stranger = factories.user(Role.APPLICANT, username="someone")
    free = factories.user(Role.EXPERT, username="free_expert")
    dup = person_id()
    unregistered = factories.next_uscc()
    rows = [
        row(name="甲", id_number=dup, username=free.username),  # row 2: fine by itself
        row(name="乙", id_number=dup),  # row 3: duplicate 证件号码
        row(name=""),  # row 4: no name
        row(name="丁", id_number=in_pool),  # row 5: already in the pool
        row(name="戊", uscc=unregistered),  # row 6: organisation not registered
        row(name="己", max_load="很多", email="bad"),  # row 7: two problems
        row(
            name="庚", id_number="371102197001010001", username="FREE_EXPERT"
        ),  # row 8: check digit, name again
        row(name="辛", username=stranger.username),  # row 9: an account without the expert role
        row(name="壬", username=expert_a.user.username),  # row 10: an account that is an expert already
        row(name="癸", username="nobody_yet"),  # row 11: no such account — the import creates none
        row(name="子", username="bad name!"),  # row 12: not a sign-in name
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
        (11, "username", "账号“nobody_yet”不存在。导入不创建账号：请留空，或先由系统管理员创建账号。"),
        (12, "username", "登录名只能包含字母、数字和 @ . + - _，最长150位。"),
    ]
    assert exc.value.message == "第3行：证件号码与第2行重复。（共 12 处错误，未导入任何专家）"
    assert exc.value.errors["rows.7.max_load"] == ["每轮最多评审数应为 1 到 500 之间的整数，收到“很多”。"]
    assert exc.value.errors["rows.11.username"] == [errors[10][2]]


def test_file_level_refusals(office):
    before = pool_state()
    with pytest.raises(ServiceError) as exc:
        services.import_experts(b"not a workbook", actor=office)
    assert exc.value.message == "文件不是有效的 Excel 工作簿（.xlsx），请使用下载的模板填写。"
    with pytest.raises(ServiceError) as exc:
        services.import_experts(workbook([["张三"]], headers=["姓名", "职称"]), actor=office)
    assert exc.value.message == "第1行（表头）缺少必需的列：证件号码。请使用下载的模板填写。"
    with pytest.raises(ServiceError) as exc:
        services.import_experts(workbook([]), actor=office)
    assert exc.value.message == "文件中没有专家信息（第2行起每行一名专家）。"
    assert pool_state() == before


@pytest.mark.parametrize("who", ["expert", "applicant", "auditor", "leader", "sysadmin", "secadmin"])
def test_only_the_office_imports(who, request):
    with pytest.raises(NotAllowed):
        services.import_experts(workbook([row()]), actor=request.getfixturevalue(who))
    assert not Expert.objects.exists()


# ---------------------------------------------------------------- 三员分立: the account comes later


def test_an_expert_without_an_account_waits_for_the_security_administrator(
    office, sysadmin, secadmin, draft_round, app1
):
    services.import_experts(workbook([row(name="钱七", org="烟台大学")]), actor=office)
    ex = Expert.objects.get(name="钱七")
    # never drawn, never assigned until an account is linked
    assert ex not in conflicts.eligible_experts(draft_round)
    with pytest.raises(ServiceError) as exc:
        services.assign(draft_round, actor=office, application=app1, expert=ex)
    assert exc.value.code == "expert_no_account"
    assert exc.value.message == "专家钱七尚未关联登录账号，不能分配评审任务；请联系安全管理员为其关联账号。"
    # the system administrator creates the account, the security administrator grants the role …
    account = people.create_user(
        actor=sysadmin, username="qianqi", password="Qian-Qi-2026!x", display_name="钱七"
    )
    # … the office may not link it (it sees the expert: 403), nor may the system administrator (404)
    with pytest.raises(NotAllowed):
        expert_accounts.link_account(ex, actor=office, user=account)
    with pytest.raises(NotVisible):
        expert_accounts.link_account(ex, actor=sysadmin, user=account)
    with pytest.raises(ServiceError) as exc:  # the role first
        expert_accounts.link_account(ex, actor=secadmin, user=account)
    assert exc.value.message == "账号“qianqi”未授予评审专家角色（或已停用），请先授予该角色。"
    people.grant_role(actor=secadmin, user=account, role=Role.EXPERT)
    assert list(expert_accounts.candidate_accounts()) == [account]
    expert_accounts.link_account(ex, actor=secadmin, user=account)
    ex.refresh_from_db()
    assert ex.user == account and ex in conflicts.eligible_experts(draft_round)
    ev = AuditEvent.objects.get(action="review.expert.account_linked")
    assert (ev.role, ev.actor, ev.before, ev.after) == (
        "secadmin",
        secadmin,
        {"username": None},
        {"username": "qianqi", "user": account.pk},
    )
    assert services.assign(draft_round, actor=office, application=app1, expert=ex).expert == ex
    # once linked: not again, and an account serves one expert only
    with pytest.raises(ServiceError) as exc:
        expert_accounts.link_account(ex, actor=secadmin, user=account)
    assert exc.value.code == "expert_has_account"
    services.import_experts(workbook([row(name="孙八")]), actor=office)
    with pytest.raises(ServiceError) as exc:
        expert_accounts.link_account(Expert.objects.get(name="孙八"), actor=secadmin, user=account)
    assert exc.value.message == "账号“qianqi”已关联专家钱七。"
    assert not expert_accounts.candidate_accounts().exists()


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_the_pages_import_list_and_link(office, sysadmin, secadmin, leader, expert, as_user):
    c = as_user(office)
    r = c.get("/review/experts/import/template/")
    assert r.status_code == 200 and load_workbook(io.BytesIO(r.content)).sheetnames[0] == "专家信息"
    upload = io.BytesIO(workbook([row(name="周九"), row(name="吴十", username=expert.username)]))
    upload.name = "专家.xlsx"
    r = c.post("/review/experts/import/", {"file": upload}, follow=True)
    page = r.content.decode()
    assert "已导入 2 名专家（关联已有账号 1 名，尚无登录账号 1 名）。" in page
    assert "导入不创建账号" in page and "1 名专家尚无登录账号" in page
    listed = c.get("/review/experts/?account=none").content.decode()
    assert "周九" in listed and "吴十" not in listed and "尚无登录账号" in listed
    zhou = Expert.objects.get(name="周九")
    assert "尚无登录账号（待安全管理员关联）" in c.get(f"/review/experts/{zhou.pk}/").content.decode()
    # only the security administrator has the linking pages; the office sees the expert: 403
    assert c.get("/review/experts/accounts/").status_code == 404
    assert c.get(f"/review/experts/{zhou.pk}/account/").status_code == 403
    for who in (sysadmin, expert):
        c = as_user(who)
        assert c.get("/review/experts/accounts/").status_code == 404
        assert c.post(f"/review/experts/{zhou.pk}/account/", {"username": "x"}).status_code == 404
    assert as_user(leader).post(f"/review/experts/{zhou.pk}/account/", {"username": "x"}).status_code == 403
    c = as_user(secadmin)
    assert "待关联账号的评审专家" in c.get("/").content.decode()  # the home page links to it
    page = c.get("/review/experts/accounts/").content.decode()
    assert "周九" in page and "吴十" not in page
    r = c.post(f"/review/experts/{zhou.pk}/account/", {"username": "zhoujiu"})
    assert "账号“zhoujiu”不存在，请先由系统管理员创建账号。" in r.content.decode()
    account = people.create_user(actor=sysadmin, username="zhoujiu", password="Zhou-Jiu-2026!x")
    people.grant_role(actor=secadmin, user=account, role=Role.EXPERT)
    assert "zhoujiu" in c.get(f"/review/experts/{zhou.pk}/account/").content.decode()  # offered
    r = c.post(f"/review/experts/{zhou.pk}/account/", {"username": "zhoujiu"}, follow=True)
    assert "已为专家周九关联账号“zhoujiu”。" in r.content.decode()
    zhou.refresh_from_db()
    assert zhou.user == account
    assert c.get(f"/review/experts/{zhou.pk}/account/").status_code == 404  # linked: no longer listed


def test_the_api_reports_experts_without_an_account(office, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(office)
    good = SimpleUploadedFile("e.xlsx", workbook([row(name="郑一")]))
    r = client.post("/api/review/experts/import/", {"file": good})
    assert r.status_code == 201
    body = r.json()
    assert (body["accounts_linked"], body["without_account"]) == (0, 1) and "accounts_created" not in body
    detail = client.get(f"/api/review/experts/{body['created'][0]}/").json()
    assert (detail["name"], detail["user"], detail["username"]) == ("郑一", None, None)
