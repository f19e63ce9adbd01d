"""Services for accounts, organisations, departments and role grants (三员分立 enforced here)."""

import re

from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core import uscc
from techfund.core.enums import ADMIN_ROLES, CreditStatus, OrganisationKind, Qualification, Role
from techfund.core.errors import NotAllowed, ServiceError
from techfund.core.models import Department, Organisation, RoleGrant, User
from techfund.core.permissions import require
from techfund.core.services import audit

_SLUG = re.compile(r"[a-z0-9_-]+")
_USERNAME = re.compile(r"[\w.@+-]+")

ORG_FIELDS = (
    "uscc",
    "name",
    "kind",
    "qualifications",
    "credit_status",
    "parent",
    "address",
    "contact_name",
    "contact_phone",
)


def _bootstrap_or_require(actor, perm: str) -> str:
    """The very first accounts are made by ``manage.py`` (actor ``None``, recorded as 'system')."""
    if actor is None:
        return "system"
    return require(actor, perm)


def validate_organisation(data: dict) -> dict:
    errors = {}
    code = uscc.normalise(data.get("uscc", ""))
    msg = uscc.check(code)
    if msg:
        errors["uscc"] = [msg]
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = [_("请填写单位名称。")]
    elif len(name) > 200:
        errors["name"] = [_("单位名称不能超过200个字符。")]
    kind = data.get("kind")
    if kind not in OrganisationKind.values:
        errors["kind"] = [_("单位类型“%(v)s”无效。") % {"v": kind}]
    quals = data.get("qualifications") or []
    if not isinstance(quals, list) or any(q not in Qualification.values for q in quals):
        errors["qualifications"] = [_("资质只能从列表中选择。")]
    credit = data.get("credit_status") or CreditStatus.GOOD
    if credit not in CreditStatus.values:
        errors["credit_status"] = [_("信用状况“%(v)s”无效。") % {"v": credit}]
    for field, label, limit in (
        ("address", _("地址"), 200),
        ("contact_name", _("联系人"), 50),
        ("contact_phone", _("联系电话"), 30),
    ):
        value = data.get(field) or ""
        if not isinstance(value, str):
            errors[field] = [_("%(label)s格式不正确。") % {"label": label}]
        elif len(value.strip()) > limit:
            errors[field] = [_("%(label)s不能超过%(n)d个字符。") % {"label": label, "n": limit}]
    if errors:
        raise ServiceError(_("单位信息有误，请按提示修改。"), code="organisation_invalid", errors=errors)
    text = {f: (data.get(f) or "").strip() for f in ("address", "contact_name", "contact_phone")}
    return {
        **data,
        **text,
        "uscc": code,
        "name": name,
        "qualifications": sorted(set(quals)),
        "credit_status": credit,
    }


@transaction.atomic
def register_organisation(*, actor, **data) -> Organisation:
    role = _bootstrap_or_require(actor, "core.register_organisation")
    clean = validate_organisation(data)
    if Organisation.objects.filter(uscc=clean["uscc"]).exists():
        raise ServiceError(
            _("统一社会信用代码 %(code)s 已登记。") % {"code": clean["uscc"]},
            code="organisation_exists",
            errors={"uscc": [_("该统一社会信用代码已登记。")]},
        )
    org = Organisation.objects.create(**{k: clean[k] for k in ORG_FIELDS if k in clean})
    audit.record(
        "organisation.registered", actor=actor, role=role, target=org, after=audit.snapshot(org, ORG_FIELDS)
    )
    return org


@transaction.atomic
def create_department(
    *, actor, code: str, name: str, short_name: str, domains=(), name_en: str = ""
) -> Department:
    role = _bootstrap_or_require(actor, "core.manage_departments")
    code, name, short_name = (code or "").strip(), (name or "").strip(), (short_name or "").strip()
    errors = {}
    if not code:
        errors["code"] = [_("请填写部门代码。")]
    elif not _SLUG.fullmatch(code) or len(code) > 32:
        errors["code"] = [_("部门代码只能由小写字母、数字、连字符和下划线组成，最长32位。")]
    if not name:
        errors["name"] = [_("请填写部门名称。")]
    elif len(name) > 100:
        errors["name"] = [_("部门名称不能超过100个字符。")]
    if not short_name:
        errors["short_name"] = [_("请填写部门简称。")]
    elif len(short_name) > 20:
        errors["short_name"] = [_("部门简称不能超过20个字符。")]
    if errors:
        raise ServiceError(_("部门信息有误，请按提示修改。"), code="department_invalid", errors=errors)
    if Department.objects.filter(code=code).exists():
        raise ServiceError(
            _("部门代码 %(code)s 已存在。") % {"code": code},
            code="department_exists",
            errors={"code": [_("该部门代码已存在。")]},
        )
    if Department.objects.filter(name=name).exists():
        raise ServiceError(
            _("部门名称“%(name)s”已存在。") % {"name": name},
            code="department_exists",
            errors={"name": [_("该部门名称已存在。")]},
        )
    dept = Department.objects.create(
        code=code, name=name, short_name=short_name, domains=[d for d in domains if d], name_en=name_en
    )
    audit.record(
        "department.created",
        actor=actor,
        role=role,
        target=dept,
        after=audit.snapshot(dept, ("code", "name", "domains")),
    )
    return dept


@transaction.atomic
def create_user(
    *,
    actor,
    username: str,
    password: str = "",
    display_name: str = "",
    email: str = "",
    must_change_password=True,
    password_hash: str | None = None,
) -> User:
    """Create an account. ``password_hash`` (an already hashed password, e.g. from a migration of
    another system's accounts) replaces ``password``; it must be in a format Django knows."""
    role = _bootstrap_or_require(actor, "core.manage_accounts")
    username = (username or "").strip()
    display_name = (display_name or "").strip()
    email = (email or "").strip()
    errors = {}
    if not username:
        errors["username"] = [_("请填写账号。")]
    elif len(username) > 150 or not _USERNAME.fullmatch(username):
        errors["username"] = [_("账号只能包含字母、数字和 @ . + - _，最长150位。")]
    if len(display_name) > 50:
        errors["display_name"] = [_("姓名不能超过50个字符。")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("电子邮箱“%(e)s”格式不正确。") % {"e": email}]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], code="user_invalid", errors=errors)
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError(
            _("账号“%(u)s”已存在。") % {"u": username},
            code="user_exists",
            errors={"username": [_("账号已存在。")]},
        )
    user = User(
        username=username, display_name=display_name, email=email, must_change_password=must_change_password
    )
    if password_hash is not None:
        try:
            identify_hasher(password_hash)
        except ValueError as exc:
            raise ServiceError(
                _("密码摘要格式无法识别。"),
                code="password_hash_invalid",
                errors={"password": [_("密码摘要格式无法识别。")]},
            ) from exc
        user.password = password_hash
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ServiceError(
                _("密码不符合要求。"), code="password_weak", errors={"password": list(exc.messages)}
            ) from exc
        user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    audit.record(
        "user.created",
        actor=actor,
        role=role,
        target=user,
        after={"username": username, "display_name": display_name},
    )
    return user


@transaction.atomic
def grant_role(
    *, actor, user: User, role: str, organisation=None, department=None, reason: str = ""
) -> RoleGrant:
    acting = _bootstrap_or_require(actor, "core.grant_roles")
    user = User.objects.select_for_update().get(pk=user.pk)
    if role not in Role.values:
        msg = _("角色“%(r)s”无效。") % {"r": role}
        raise ServiceError(msg, code="role_invalid", errors={"role": [msg]})
    if role == Role.APPLICANT and organisation is None:
        msg = _("申报单位角色必须指定所属单位。")
        raise ServiceError(msg, code="grant_scope_missing", errors={"organisation": [msg]})
    if role == Role.DEPARTMENT and department is None:
        msg = _("职能部门角色必须指定所属部门。")
        raise ServiceError(msg, code="grant_scope_missing", errors={"department": [msg]})
    if role != Role.APPLICANT and organisation is not None:
        msg = _("该角色不按单位授权。")
        raise ServiceError(msg, code="grant_scope_invalid", errors={"organisation": [msg]})
    if role != Role.DEPARTMENT and department is not None:
        msg = _("该角色不按部门授权。")
        raise ServiceError(msg, code="grant_scope_invalid", errors={"department": [msg]})
    active = RoleGrant.objects.filter(user=user, revoked_at__isnull=True)
    held = set(active.values_list("role", flat=True))
    if role in ADMIN_ROLES and held:
        raise ServiceError(
            _("三员分立：系统管理员、安全管理员、审计管理员不得兼任其他角色（该用户已有：%(roles)s）。")
            % {"roles": "、".join(str(Role(r).label) for r in sorted(held))},
            code="separation_of_duties",
        )
    if held & ADMIN_ROLES:
        raise ServiceError(
            _("三员分立：该用户是%(role)s，不得再授予其他角色。")
            % {"role": Role(next(iter(held & ADMIN_ROLES))).label},
            code="separation_of_duties",
        )
    if active.filter(role=role, organisation=organisation, department=department).exists():
        raise ServiceError(_("该用户已有此角色授权。"), code="grant_exists")
    grant = RoleGrant.objects.create(
        user=user, role=role, organisation=organisation, department=department, granted_by=actor
    )
    user.forget_grants()
    audit.record(
        "role.granted",
        actor=actor,
        role=acting,
        target=user,
        after={
            "role": role,
            "organisation": getattr(organisation, "pk", None),
            "department": getattr(department, "pk", None),
        },
        reason=reason,
    )
    return grant


@transaction.atomic
def revoke_role(*, actor, grant: RoleGrant, reason: str) -> RoleGrant:
    acting = require(actor, "core.grant_roles")
    grant = RoleGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.revoked_at:
        raise ServiceError(_("该授权已撤销。"), code="grant_revoked")
    if not (reason or "").strip():
        raise ServiceError(
            _("撤销授权须说明理由。"), code="reason_required", errors={"reason": [_("请填写理由。")]}
        )
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        "role.revoked",
        actor=actor,
        role=acting,
        target=grant.user,
        before={"role": grant.role},
        reason=reason,
    )
    return grant


@transaction.atomic
def change_password(user: User, *, actor, old: str, new: str) -> User:
    """A person changes their own password: the old one must match, the new one pass the validators.

    Clears ``must_change_password``. The caller (a view) keeps the session with
    ``update_session_auth_hash``. Nobody changes another person's password here.
    """
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.pk != user.pk:
        raise NotAllowed("core.change_password")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(old or ""):
        msg = _("原密码不正确。")
        raise ServiceError(msg, code="password_wrong", errors={"old": [msg]})
    if not new:
        msg = _("请填写新密码。")
        raise ServiceError(msg, code="password_weak", errors={"new": [msg]})
    if new == old:
        msg = _("新密码不能与原密码相同。")
        raise ServiceError(msg, code="password_reused", errors={"new": [msg]})
    try:
        validate_password(new, user)
    except ValidationError as exc:
        raise ServiceError(
            _("新密码不符合要求。"), code="password_weak", errors={"new": list(exc.messages)}
        ) from exc
    forced = user.must_change_password
    user.set_password(new)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record("user.password_changed", actor=actor, target=user, data={"forced": forced})
    return user
