"""专家库: the office registers people holding the expert role as experts and keeps their details.

An expert's organisation is what conflicts are checked against (an expert never reviews an
application of their own organisation); ``organisation_name`` is shown where no organisation
record exists (a university outside the city, for instance).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.core.models import Organisation, User
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.review import validation
from techfund.review.enums import ExpertStatus
from techfund.review.models import Expert
from techfund.review.scopes import visible_experts

FIELDS = (
    "name",
    "organisation",
    "organisation_name",
    "title",
    "subjects",
    "keywords",
    "profile",
    "max_load",
    "status",
)
MAX_LOAD_LIMIT = 500


def snapshot(expert: Expert) -> dict:
    return audit.snapshot(expert, FIELDS)


def _clean(data: dict) -> dict:
    """Check the given fields (only those present); every problem is reported at once."""
    errors: dict = {}
    out: dict = {}

    def check(field, fn):
        try:
            out[field] = fn(data[field])
        except ServiceError as exc:
            for f, msgs in exc.errors.items():
                errors.setdefault(f, []).extend(msgs)

    if "name" in data:
        check("name", lambda v: validation.required_text(v, field="name", max_length=50, label=_("姓名")))
    if "organisation" in data:
        check("organisation", _organisation)
    if "organisation_name" in data:
        check(
            "organisation_name",
            lambda v: validation.optional_text(
                v, field="organisation_name", max_length=200, label=_("工作单位名称")
            ),
        )
    if "title" in data:
        check("title", lambda v: validation.optional_text(v, field="title", max_length=50, label=_("职称")))
    if "subjects" in data:
        check("subjects", lambda v: validation.text_list(v, field="subjects", label=_("学科/领域代码")))
    if "keywords" in data:
        check("keywords", lambda v: validation.text_list(v, field="keywords", label=_("研究方向关键词")))
    if "profile" in data:
        check(
            "profile",
            lambda v: validation.optional_text(v, field="profile", max_length=5000, label=_("个人简介")),
        )
    if "max_load" in data:
        check("max_load", _max_load)
    if "status" in data:
        check("status", _status)
    if errors:
        validation.raise_errors(errors, code="expert_invalid", summary=_("专家信息有误，请按提示修改。"))
    return out


def _organisation(value):
    if value is None or value == "":
        return None
    if isinstance(value, Organisation):
        return value
    org = Organisation.objects.filter(pk=value).first() if str(value).isdigit() else None
    if org is None:
        msg = _("工作单位“%(v)s”不存在。") % {"v": value}
        raise ServiceError(msg, code="organisation_unknown", errors={"organisation": [msg]})
    return org


def _max_load(value) -> int:
    n = None
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    elif isinstance(value, str) and value.strip().isdigit():
        n = int(value.strip())
    if n is None or not 1 <= n <= MAX_LOAD_LIMIT:
        msg = _("每轮最多评审数应为 1 到 %(max)s 之间的整数，收到“%(v)s”。") % {
            "max": MAX_LOAD_LIMIT,
            "v": value,
        }
        raise ServiceError(msg, code="max_load_invalid", errors={"max_load": [msg]})
    return n


def _status(value) -> str:
    if value not in ExpertStatus.values:
        msg = _("专家状态“%(v)s”无效。") % {"v": value}
        raise ServiceError(msg, code="status_invalid", errors={"status": [msg]})
    return value


@transaction.atomic
def register_expert(
    *,
    actor,
    user: User,
    name: str,
    organisation: Organisation | None = None,
    organisation_name: str = "",
    title: str = "",
    subjects=(),
    keywords=(),
    profile: str = "",
    max_load: int = 20,
) -> Expert:
    """入库: the person must already hold the expert role (granted by the security administrator)."""
    role = require(actor, "review.manage_experts")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active or not user.has_role(Role.EXPERT):
        msg = _("账号“%(u)s”没有评审专家角色，请先由安全管理员授予该角色。") % {"u": user.username}
        raise ServiceError(msg, code="user_not_expert", errors={"user": [msg]})
    if Expert.objects.filter(user=user).exists():
        msg = _("账号“%(u)s”已登记为评审专家。") % {"u": user.username}
        raise ServiceError(msg, code="expert_exists", errors={"user": [msg]})
    clean = _clean(
        {
            "name": name,
            "organisation": organisation,
            "organisation_name": organisation_name,
            "title": title,
            "subjects": subjects if isinstance(subjects, str) else list(subjects or []),
            "keywords": keywords if isinstance(keywords, str) else list(keywords or []),
            "profile": profile,
            "max_load": max_load,
        }
    )
    if clean["organisation"] is not None and not clean["organisation_name"]:
        clean["organisation_name"] = clean["organisation"].name
    expert = Expert.objects.create(user=user, **clean)
    audit.record("review.expert.registered", actor=actor, role=role, target=expert, after=snapshot(expert))
    return expert


@transaction.atomic
def update_expert(expert: Expert, *, actor, **fields) -> Expert:
    """修改专家信息 (including ``status``: 在库 / 暂停 / 禁入). Only the given fields change."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    role = require(actor, "review.manage_experts", expert, visible=visible_experts(actor))
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        msg = _("不能修改的专家字段：%(f)s。") % {"f": "、".join(unknown)}
        raise ServiceError(msg, code="expert_field_unknown")
    if not fields:
        raise ServiceError(_("没有要修改的内容。"), code="nothing_to_change")
    clean = _clean(fields)
    if clean.get("organisation") is not None and not clean.get("organisation_name"):
        clean["organisation_name"] = clean["organisation"].name
    before = snapshot(expert)
    for field, value in clean.items():
        setattr(expert, field, value)
    after = snapshot(expert)
    if after == before:
        return expert
    expert.save(update_fields=list(clean))
    changed = [f for f in FIELDS if before[f] != after[f]]
    audit.record(
        "review.expert.updated",
        actor=actor,
        role=role,
        target=expert,
        before={f: before[f] for f in changed},
        after={f: after[f] for f in changed},
    )
    return expert
