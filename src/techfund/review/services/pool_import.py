"""专家批量导入: the office fills in the template workbook (one expert a row) and uploads it.

Every row is checked before anything is written — names, 证件号码 (valid, and unique in the file and
in the pool), workplace and its 统一社会信用代码 (a registered organisation), numbers, contact details,
the sign-in name — and every problem is reported with its row number. One bad row and nothing is
imported (one transaction).

The import never creates an account (三员分立: accounts are the system administrator's, role grants
and the link to an expert record the security administrator's). A row may name an existing account
that holds the expert role and is no expert yet: the expert is linked to it (as ``register_expert``
does). A row without a sign-in name registers the expert without an account; such experts are listed
for the security administrator (``review:expert_accounts``), who links an account to them
(``experts.link_account``). Until then they are never drawn, assigned or seated.

The rows are written with ``bulk_create`` and each expert's entry in the trail, so 2,000 rows take
seconds, not minutes.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from techfund.applications import parsing
from techfund.core import uscc
from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.core.models import Organisation, RoleGrant, User
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.core.xlsx import HEADER_FILL, HEADER_FONT, workbook_bytes
from techfund.review import validation
from techfund.review.models import Expert
from techfund.review.services.experts import MAX_LOAD_LIMIT, snapshot

#: (field, header, column width, required). The headers are what the template says and what the
#: import looks for (in any order; whitespace and full-width brackets ignored).
COLUMNS = (
    ("name", gettext_lazy("姓名"), 12, True),
    ("id_number", gettext_lazy("证件号码"), 22, True),
    ("organisation_name", gettext_lazy("工作单位"), 28, False),
    ("uscc", gettext_lazy("统一社会信用代码(可空)"), 22, False),
    ("title", gettext_lazy("职称"), 12, False),
    ("subjects", gettext_lazy("学科代码(多个用、分隔)"), 22, False),
    ("keywords", gettext_lazy("关键词"), 28, False),
    ("profile", gettext_lazy("个人简介"), 40, False),
    ("publications", gettext_lazy("代表性成果"), 40, False),
    ("phone", gettext_lazy("手机"), 16, False),
    ("email", gettext_lazy("邮箱"), 24, False),
    ("max_load", gettext_lazy("每轮最多评审数"), 14, False),
    ("username", gettext_lazy("登录名(已有账号，可空)"), 20, False),
)
#: Headers of earlier templates still read (the sign-in name column used to be required).
ALIASES = {"登录名": "username"}
MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_LOAD = 20
_USERNAME = re.compile(r"[\w.@+-]{1,150}")
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{4,28}")
_HEADER_NOISE = re.compile(r"[\s（）()]")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: list = field(default_factory=list)
    #: Experts linked to an existing account named in their row.
    accounts_linked: int = 0
    #: Experts registered without an account (the security administrator links one later).
    without_account: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRefused(ServiceError):
    """The workbook has bad rows: nothing was imported; ``report.errors`` lists every one."""

    def __init__(self, report: ImportReport):
        n = len(report.errors)
        first = report.errors[0]
        where = _("第%(row)s行") % {"row": first.row} if first.row else _("文件")
        message = _("%(where)s：%(msg)s（共 %(n)s 处错误，未导入任何专家）") % {
            "where": where,
            "msg": first.message,
            "n": n,
        }
        errors = {f"rows.{e.row}.{e.column or 'file'}": [e.message] for e in report.errors}
        super().__init__(message, code="import_invalid", errors=errors)
        self.report = report


# ---------------------------------------------------------------- the template


def template_workbook() -> bytes:
    """专家导入模板.xlsx: the header row, and a sheet explaining each column."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("专家信息")
    ws.append([str(c[1]) for c in COLUMNS])
    for i, (_f, _h, width, _required) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        # 证件号码 and the like are text (a long number in a number cell loses its last digits)
        for row in range(2, 2002):
            ws.cell(row=row, column=i).number_format = "@"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet(_("填写说明"))
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 90
    wrap = Alignment(wrap_text=True, vertical="top")
    lines = [
        (_("姓名"), _("必填。")),
        (_("证件号码"), _("必填。居民身份证号码（18位，校验位须正确）或其他证件号码；在专家库中唯一。")),
        (_("工作单位"), _("单位全称；用于回避（同一法人单位及上下级单位）。")),
        (
            _("统一社会信用代码(可空)"),
            _("工作单位已在系统登记时填写，将关联到该单位；填写的代码须已登记。"),
        ),
        (_("学科代码(多个用、分隔)"), _("例如：F0104、E0901。")),
        (_("关键词"), _("研究方向关键词，多个用、或逗号分隔。")),
        (
            _("每轮最多评审数"),
            _("1 到 %(max)s 之间的整数；空白为 %(d)s。") % {"max": MAX_LOAD_LIMIT, "d": DEFAULT_MAX_LOAD},
        ),
        (
            _("登录名(已有账号，可空)"),
            _(
                "可空。填写已有账号的登录名（该账号须已授予“评审专家”角色，且未关联其他专家）将直接关联；"
                "空白则只登记专家信息。导入不创建任何账号：系统管理员创建账号、安全管理员授予评审专家角色后，"
                "由安全管理员在“待关联账号的评审专家”页面关联。尚无账号的专家不参加抽取和分配。"
            ),
        ),
        (_("导入规则"), _("任一行有误则整个文件不导入，并列出每一处错误的行号和原因。")),
    ]
    for label, text in lines:
        notes.append([str(label), str(text)])
    for row in notes.iter_rows():
        row[0].font = Font(bold=True)
        row[1].alignment = wrap
    return workbook_bytes(wb)


# ---------------------------------------------------------------- reading the workbook


def _read(file) -> list[tuple[int, dict]]:
    """(row number, {field: raw value}) of each non-empty row of the first sheet."""
    if hasattr(file, "read"):
        if getattr(file, "size", 0) and file.size > MAX_BYTES:
            raise ServiceError(
                _("文件超过 %(n)s MB。") % {"n": MAX_BYTES // (1024 * 1024)}, code="import_too_large"
            )
        data = file.read()
    else:
        data = file
    if len(data) > MAX_BYTES:
        raise ServiceError(
            _("文件超过 %(n)s MB。") % {"n": MAX_BYTES // (1024 * 1024)}, code="import_too_large"
        )
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ServiceError(
            _("文件不是有效的 Excel 工作簿（.xlsx），请使用下载的模板填写。"), code="import_not_xlsx"
        ) from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None) or ()
        wanted = {_HEADER_NOISE.sub("", str(c[1])): c[0] for c in COLUMNS}
        wanted.update({_HEADER_NOISE.sub("", h): f for h, f in ALIASES.items()})
        index: dict[str, int] = {}
        for i, h in enumerate(header):
            key = wanted.get(_HEADER_NOISE.sub("", str(h or "")))
            if key and key not in index:
                index[key] = i
        missing = [str(c[1]) for c in COLUMNS if c[3] and c[0] not in index]
        if missing:
            raise ServiceError(
                _("第1行（表头）缺少必需的列：%(cols)s。请使用下载的模板填写。")
                % {"cols": "、".join(missing)},
                code="import_header",
            )
        out = []
        for n, values in enumerate(rows, start=2):
            if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            out.append((n, {f: values[i] if i < len(values) else None for f, i in index.items()}))
            if len(out) > MAX_ROWS:
                raise ServiceError(
                    _("一次最多导入 %(n)s 名专家，请分批导入。") % {"n": MAX_ROWS}, code="import_too_many"
                )
        return out
    finally:
        wb.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# ---------------------------------------------------------------- checking each row


class _Checker:
    def __init__(self):
        self.errors: list[RowError] = []

    def fail(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    def take(self, row: int, column: str, fn, value):
        try:
            return fn(value)
        except ServiceError as exc:
            for msgs in exc.errors.values() or [[exc.message]]:
                for m in msgs:
                    self.fail(row, column, str(m))
            return None


def _max_load(value) -> int:
    text = _text(value)
    if not text:
        return DEFAULT_MAX_LOAD
    if not text.isdigit() or not 1 <= int(text) <= MAX_LOAD_LIMIT:
        msg = _("每轮最多评审数应为 1 到 %(max)s 之间的整数，收到“%(v)s”。") % {
            "max": MAX_LOAD_LIMIT,
            "v": text,
        }
        raise ServiceError(msg, errors={"max_load": [msg]})
    return int(text)


def _phone(value) -> str:
    text = _text(value)
    if text and (not _PHONE.fullmatch(text) or len(text) > 30):
        msg = _("手机号码“%(v)s”格式不正确。") % {"v": text}
        raise ServiceError(msg, errors={"phone": [msg]})
    return text


def _email(value) -> str:
    text = _text(value)
    if text:
        try:
            validate_email(text)
        except ValidationError:
            msg = _("邮箱“%(v)s”格式不正确。") % {"v": text}
            raise ServiceError(msg, errors={"email": [msg]}) from None
    return text


def _label(fieldname: str) -> str:
    return next(str(c[1]) for c in COLUMNS if c[0] == fieldname)


def _check_rows(raw: list[tuple[int, dict]]) -> tuple[list[tuple[int, dict]], list[RowError]]:
    c = _Checker()
    out = []
    for n, values in raw:
        row: dict = {}
        row["name"] = c.take(
            n,
            "name",
            lambda v: validation.required_text(_text(v), field="name", max_length=50, label=_("姓名")),
            values.get("name"),
        )
        row["id_number"] = c.take(
            n, "id_number", lambda v: parsing.id_number(_text(v), field="id_number"), values.get("id_number")
        )
        for f, limit in (
            ("organisation_name", 200),
            ("title", 50),
            ("profile", 5000),
            ("publications", 5000),
        ):
            row[f] = c.take(
                n,
                f,
                lambda v, f=f, limit=limit: validation.optional_text(
                    _text(v), field=f, max_length=limit, label=_label(f)
                ),
                values.get(f),
            )
        for f in ("subjects", "keywords"):
            row[f] = c.take(
                n, f, lambda v, f=f: validation.text_list(_text(v), field=f, label=_label(f)), values.get(f)
            )
        row["uscc"] = uscc.normalise(_text(values.get("uscc")))
        if row["uscc"]:
            msg = uscc.check(row["uscc"])
            if msg:
                c.fail(n, "uscc", str(msg))
                row["uscc"] = None
        row["phone"] = c.take(n, "phone", _phone, values.get("phone"))
        row["email"] = c.take(n, "email", _email, values.get("email"))
        row["max_load"] = c.take(n, "max_load", _max_load, values.get("max_load"))
        username = _text(values.get("username"))
        if username and not _USERNAME.fullmatch(username):
            c.fail(n, "username", _("登录名只能包含字母、数字和 @ . + - _，最长150位。"))
            username = None
        row["username"] = username or None
        out.append((n, row))
    return out, c.errors


# ---------------------------------------------------------------- the import


@transaction.atomic
def import_experts(file, *, actor) -> ImportReport:
    """Import the experts of a filled-in template (an uploaded file, a file object or bytes).

    All or nothing: any bad row raises ``ImportRefused`` whose ``report.errors`` lists every
    problem (row number, column, reason)."""
    role = require(actor, "review.manage_experts")
    raw = _read(file)
    report = ImportReport(rows=len(raw))
    if not raw:
        raise ServiceError(_("文件中没有专家信息（第2行起每行一名专家）。"), code="import_empty")
    rows, errors = _check_rows(raw)
    c = _Checker()
    c.errors = errors

    # duplicates within the file
    seen_id: dict[str, int] = {}
    seen_user: dict[str, int] = {}
    for n, row in rows:
        if row["id_number"]:
            if row["id_number"] in seen_id:
                c.fail(n, "id_number", _("证件号码与第%(r)s行重复。") % {"r": seen_id[row["id_number"]]})
            else:
                seen_id[row["id_number"]] = n
        if row["username"]:
            key = row["username"].lower()
            if key in seen_user:
                c.fail(n, "username", _("登录名与第%(r)s行重复。") % {"r": seen_user[key]})
            else:
                seen_user[key] = n

    # against the pool, the organisations and the accounts (in bulk)
    in_pool = (
        dict(Expert.objects.filter(id_number__in=list(seen_id)).values_list("id_number", "name"))
        if seen_id
        else {}
    )
    codes = {row["uscc"] for _n, row in rows if row["uscc"]}
    orgs = {o.uscc: o for o in Organisation.objects.filter(uscc__in=codes)} if codes else {}
    lowered = list(seen_user)
    accounts: dict[str, User] = {}
    for i in range(0, len(lowered), 500):  # usernames differing only in case are the same account
        for u in User.objects.annotate(lu=Lower("username")).filter(lu__in=lowered[i : i + 500]):
            accounts[u.username.lower()] = u
    account_ids = [u.pk for u in accounts.values()]
    experts_of = set(Expert.objects.filter(user_id__in=account_ids).values_list("user_id", flat=True))
    expert_role = set(
        RoleGrant.objects.filter(
            user_id__in=account_ids, role=Role.EXPERT, revoked_at__isnull=True
        ).values_list("user_id", flat=True)
    )
    for n, row in rows:
        if row["id_number"] and row["id_number"] in in_pool:
            c.fail(
                n,
                "id_number",
                _("证件号码 %(id)s 已登记为专家%(name)s。")
                % {"id": row["id_number"], "name": in_pool[row["id_number"]]},
            )
        if row["uscc"]:
            org = orgs.get(row["uscc"])
            if org is None:
                c.fail(
                    n, "uscc", _("统一社会信用代码 %(code)s 的单位尚未在系统登记。") % {"code": row["uscc"]}
                )
            row["organisation"] = org
        else:
            row["organisation"] = None
        user = accounts.get(row["username"].lower()) if row["username"] else None
        row["user"] = user
        if row["username"] and user is None:
            c.fail(
                n,
                "username",
                _("账号“%(u)s”不存在。导入不创建账号：请留空，或先由系统管理员创建账号。")
                % {"u": row["username"]},
            )
        elif user is not None:
            if user.pk in experts_of:
                c.fail(n, "username", _("账号“%(u)s”已登记为评审专家。") % {"u": user.username})
            elif not user.is_active or user.pk not in expert_role:
                c.fail(n, "username", _("账号“%(u)s”已存在，但没有评审专家角色。") % {"u": user.username})
    if c.errors:
        order = {col[0]: i for i, col in enumerate(COLUMNS)}
        c.errors.sort(key=lambda e: (e.row, order.get(e.column, len(order))))
        report.errors = c.errors
        raise ImportRefused(report)

    # write the experts (linked to the accounts their rows name, or without one)
    experts = []
    for _n, row in rows:
        org = row["organisation"]
        experts.append(
            Expert(
                user=row["user"],
                name=row["name"],
                id_number=row["id_number"],
                organisation=org,
                organisation_name=row["organisation_name"] or (org.name if org else ""),
                title=row["title"],
                subjects=row["subjects"],
                keywords=row["keywords"],
                profile=row["profile"],
                publications=row["publications"],
                phone=row["phone"],
                email=row["email"],
                max_load=row["max_load"],
            )
        )
    Expert.objects.bulk_create(experts, batch_size=500)
    if experts and experts[0].pk is None:  # a backend that does not return keys: 证件号码 is unique
        by_id = dict(
            Expert.objects.filter(id_number__in=[e.id_number for e in experts]).values_list("id_number", "pk")
        )
        for e in experts:
            e.pk = e.id = by_id[e.id_number]
    for e in experts:
        audit.record(
            "review.expert.imported",
            actor=actor,
            role=role,
            target=e,
            after={**snapshot(e), "username": e.user.username if e.user else None},
        )
    report.created = experts
    report.accounts_linked = sum(1 for e in experts if e.user is not None)
    report.without_account = len(experts) - report.accounts_linked
    return report
