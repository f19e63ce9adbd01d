"""Services for accounts, organisations, departments and role grants (三员分立 enforced here)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from techfund.core import uscc
from techfund.core.enums import ADMIN_ROLES, CreditStatus, OrganisationKind, Qualification, Role
from techfund.core.errors import ServiceError
from techfund.core.models import Department, Organisation, RoleGrant, User
from techfund.core.permissions import require
from techfund.core.services import audit

ORG_FIELDS = ("uscc", "name", "kind", "qualifications", "credit_status", "parent", "address", "contact_name",
              "contact_phone")


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
    if errors:
        raise ServiceError(_("单位信息有误，请按提示修改。"), code="organisation_invalid", errors=errors)
    return {**data, "uscc": code, "name": name, "qualifications": sorted(set(quals)), "credit_status": credit}


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
    audit.record("organisation.registered", actor=actor, role=role, target=org, after=audit.snapshot(org, ORG_FIELDS))
    return org


@transaction.atomic
def create_department(*, actor, code: str, name: str, short_name: str, domains=(), name_en: str = "") -> Department:
    role = _bootstrap_or_require(actor, "core.manage_departments")
    if Department.objects.filter(code=code).exists():
        raise ServiceError(_("部门代码 %(code)s 已存在。") % {"code": code}, code="department_exists")
    dept = Department.objects.create(code=code, name=name, short_name=short_name, domains=list(domains), name_en=name_en)
    audit.record(
        "department.created", actor=actor, role=role, target=dept, after=audit.snapshot(dept, ("code", "name", "domains"))
    )
    return dept


@transaction.atomic
def create_user(
    *, actor, username: str, password: str, display_name: str = "", email: str = "", must_change_password=True
) -> User:
    role = _bootstrap_or_require(actor, "core.manage_accounts")
    username = (username or "").strip()
    if not username:
        raise ServiceError(_("请填写账号。"), code="user_invalid", errors={"username": [_("请填写账号。")]})
    if User.objects.filter(username__iexact=username).exists():
        raise ServiceError(
            _("账号“%(u)s”已存在。") % {"u": username}, code="user_exists", errors={"username": [_("账号已存在。")]}
        )
    user = User(username=username, display_name=display_name, email=email, must_change_password=must_change_password)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError(_("密码不符合要求。"), code="password_weak", errors={"password": list(exc.messages)}) from exc
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    audit.record(
        "user.created", actor=actor, role=role, target=user, after={"username": username, "display_name": display_name}
    )
    return user


@transaction.atomic
def grant_role(*, actor, user: User, role: str, organisation=None, department=None, reason: str = "") -> RoleGrant:
    acting = _bootstrap_or_require(actor, "core.grant_roles")
    user = User.objects.select_for_update().get(pk=user.pk)
    if role not in Role.values:
        raise ServiceError(_("角色“%(r)s”无效。") % {"r": role}, code="role_invalid")
    if role == Role.APPLICANT and organisation is None:
        raise ServiceError(_("申报单位角色必须指定所属单位。"), code="grant_scope_missing")
    if role == Role.DEPARTMENT and department is None:
        raise ServiceError(_("职能部门角色必须指定所属部门。"), code="grant_scope_missing")
    if role != Role.APPLICANT and organisation is not None:
        raise ServiceError(_("该角色不按单位授权。"), code="grant_scope_invalid")
    if role != Role.DEPARTMENT and department is not None:
        raise ServiceError(_("该角色不按部门授权。"), code="grant_scope_invalid")
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
            _("三员分立：该用户是%(role)s，不得再授予其他角色。") % {"role": Role(next(iter(held & ADMIN_ROLES))).label},
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
        after={"role": role, "organisation": getattr(organisation, "pk", None), "department": getattr(department, "pk", None)},
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
        raise ServiceError(_("撤销授权须说明理由。"), code="reason_required", errors={"reason": [_("请填写理由。")]})
    grant.revoked_at = timezone.now()
    grant.revoked_by = actor
    grant.save(update_fields=["revoked_at", "revoked_by"])
    audit.record("role.revoked", actor=actor, role=acting, target=grant.user, before={"role": grant.role}, reason=reason)
    return grant
