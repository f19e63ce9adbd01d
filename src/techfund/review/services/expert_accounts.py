"""关联登录账号: the security administrator links a sign-in account to an expert registered without one.

三员分立: the office keeps the expert pool but never makes or hands out accounts. The system
administrator creates the account (``core.services.people.create_user``), the security administrator
grants it the expert role (``people.grant_role``) and links it here to the expert record the office's
import left without an account (``pool_import``). Until linked, the expert is never drawn, assigned or
seated (``conflicts.eligible_experts`` and the assignment, panel and site-visit checks).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from techfund.core.enums import Role
from techfund.core.errors import ServiceError
from techfund.core.models import User
from techfund.core.permissions import require
from techfund.core.services import audit
from techfund.review.models import Expert
from techfund.review.scopes import experts_without_account


def candidate_accounts():
    """Active accounts holding the expert role and not yet linked to an expert (for the picker)."""
    return (
        User.objects.filter(
            is_active=True,
            grants__role=Role.EXPERT,
            grants__revoked_at__isnull=True,
            expert_profile__isnull=True,
        )
        .distinct()
        .order_by("username")
    )


@transaction.atomic
def link_account(expert: Expert, *, actor, user: User) -> Expert:
    """关联账号: ``user`` (active, holding the expert role, no expert yet) becomes ``expert``'s account."""
    expert = Expert.objects.select_for_update().get(pk=expert.pk)
    if expert.user_id is not None:
        role = require(actor, "review.link_expert_account")
        msg = _("专家%(name)s已关联账号，不能重复关联。") % {"name": expert.name}
        raise ServiceError(msg, code="expert_has_account")
    role = require(actor, "review.link_expert_account", expert, visible=experts_without_account(actor))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active or not user.has_role(Role.EXPERT):
        msg = _("账号“%(u)s”未授予评审专家角色（或已停用），请先授予该角色。") % {"u": user.username}
        raise ServiceError(msg, code="user_not_expert", errors={"username": [msg]})
    linked = Expert.objects.filter(user=user).first()
    if linked is not None:
        msg = _("账号“%(u)s”已关联专家%(name)s。") % {"u": user.username, "name": linked.name}
        raise ServiceError(msg, code="expert_exists", errors={"username": [msg]})
    expert.user = user
    expert.save(update_fields=["user", "updated_at"])
    audit.record(
        "review.expert.account_linked",
        actor=actor,
        role=role,
        target=expert,
        before={"username": None},
        after={"username": user.username, "user": user.pk},
    )
    return expert
