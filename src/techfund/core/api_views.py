"""The core REST API: the same services, permissions, scopes and audit trail as the pages.

Permissions are checked with ``techfund.core.permissions`` (403); objects outside the caller's scope
answer 404 because every queryset comes from ``techfund.core.scopes``.
"""

from dataclasses import asdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from techfund.core import scopes
from techfund.core.errors import ServiceError
from techfund.core.filters import audit_filter_or_error
from techfund.core.permissions import can
from techfund.core.serializers import (
    AuditEventSerializer,
    MeSerializer,
    OrganisationCreateSerializer,
    OrganisationSerializer,
    RevokeSerializer,
    RoleGrantCreateSerializer,
    RoleGrantSerializer,
    UserCreateSerializer,
    UserSerializer,
    VerifySerializer,
)
from techfund.core.services import people, trail


class PasswordCurrent(permissions.BasePermission):
    """Signed in, and not holding a password that must be changed first."""

    message = gettext_lazy("请先修改初始密码。")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and not getattr(user, "must_change_password", False))


class ActionPerm(permissions.BasePermission):
    """The permission named in the view's ``perms`` for the current action (``"*"`` for the rest)."""

    message = gettext_lazy("您没有执行该操作的权限。")

    def has_permission(self, request, view) -> bool:
        perms = getattr(view, "perms", {})
        name = perms.get(getattr(view, "action", None) or request.method.lower(), perms.get("*"))
        return name is None or can(request.user, name)


BASE_PERMISSIONS = [permissions.IsAuthenticated, PasswordCurrent, ActionPerm]


def validated(serializer_class, data) -> dict:
    """The input's shape checked; a bad shape is refused like a service refusal (400 detail/code/errors)."""
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ServiceError(
            _("提交的数据有误，请按提示修改。"), code="invalid", errors=_flat(serializer.errors)
        )
    return serializer.validated_data


def _flat(errors) -> dict[str, list[str]]:
    out = {}
    for field, messages in errors.items():
        if isinstance(messages, dict):  # a list field's errors by index
            messages = [str(m) for ms in messages.values() for m in (ms if isinstance(ms, list) else [ms])]
        out[field] = [str(m) for m in messages]
    return out


@extend_schema(tags=["core"], responses=MeSerializer, summary="当前用户及其角色（含授权范围）")
class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def get(self, request):
        return Response(MeSerializer(request.user).data)


@extend_schema_view(
    list=extend_schema(summary="单位列表（按查看范围）"),
    retrieve=extend_schema(summary="单位详情（范围外为 404）"),
    create=extend_schema(
        summary="登记单位（系统管理员、领导小组办公室）",
        request=OrganisationCreateSerializer,
        responses={201: OrganisationSerializer},
    ),
)
@extend_schema(tags=["core"])
class OrganisationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = OrganisationSerializer
    permission_classes = BASE_PERMISSIONS
    perms = {"list": "core.view_organisations", "create": "core.register_organisation"}

    def get_queryset(self):
        return scopes.visible_organisations(self.request.user).order_by("name", "pk")

    def create(self, request, *args, **kwargs):
        data = validated(OrganisationCreateSerializer, request.data)
        org = people.register_organisation(actor=request.user, **data)
        return Response(OrganisationSerializer(org).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="账号列表（系统管理员）"),
    retrieve=extend_schema(summary="账号详情（系统管理员）"),
    create=extend_schema(
        summary="创建账号（系统管理员）", request=UserCreateSerializer, responses={201: UserSerializer}
    ),
)
@extend_schema(tags=["core"])
class UserViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = UserSerializer
    permission_classes = BASE_PERMISSIONS
    perms = {"*": "core.manage_accounts"}

    def get_queryset(self):
        return (
            scopes.visible_users(self.request.user)
            .prefetch_related(scopes.active_grants_prefetch())
            .order_by("username")
        )

    def create(self, request, *args, **kwargs):
        data = validated(UserCreateSerializer, request.data)
        user = people.create_user(actor=request.user, **data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="角色授权列表（安全管理员）",
        parameters=[OpenApiParameter("revoked", OpenApiTypes.BOOL, description="含已撤销的授权")],
    ),
    retrieve=extend_schema(summary="角色授权详情（安全管理员）"),
    create=extend_schema(
        summary="授予角色（安全管理员；三员分立）",
        request=RoleGrantCreateSerializer,
        responses={201: RoleGrantSerializer},
    ),
)
@extend_schema(tags=["core"])
class RoleGrantViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = RoleGrantSerializer
    permission_classes = BASE_PERMISSIONS
    perms = {"*": "core.grant_roles"}

    def get_queryset(self):
        qs = scopes.visible_grants(self.request.user).order_by("-granted_at", "-pk")
        if self.action == "list" and self.request.query_params.get("revoked") not in ("1", "true"):
            qs = qs.filter(revoked_at__isnull=True)
        return qs

    def create(self, request, *args, **kwargs):
        data = validated(RoleGrantCreateSerializer, request.data)
        grant = people.grant_role(actor=request.user, **data)
        return Response(RoleGrantSerializer(grant).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="撤销角色授权（须说明理由）", request=RevokeSerializer, responses=RoleGrantSerializer
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        grant = self.get_object()
        data = validated(RevokeSerializer, request.data)
        grant = people.revoke_role(actor=request.user, grant=grant, reason=data["reason"])
        return Response(RoleGrantSerializer(grant).data)


_AUDIT_PARAMS = [
    OpenApiParameter(
        "start", OpenApiTypes.STR, description="起始时间（含），如 2026-03-01 或 2026-03-01T09:30"
    ),
    OpenApiParameter("end", OpenApiTypes.STR, description="截止时间（含；只给日期时含当天全天）"),
    OpenApiParameter("actor", OpenApiTypes.STR, description="操作人账号"),
    OpenApiParameter("role", OpenApiTypes.STR, description="操作身份（角色代码或 system）"),
    OpenApiParameter("action", OpenApiTypes.STR, description="操作代码；以 * 结尾按前缀筛选"),
    OpenApiParameter("target_type", OpenApiTypes.STR, description="对象类型，如 core.organisation"),
    OpenApiParameter("target_id", OpenApiTypes.STR, description="对象编号"),
    OpenApiParameter("q", OpenApiTypes.STR, description="理由包含的文字"),
]


@extend_schema_view(
    list=extend_schema(summary="留痕记录（审计部门、审计管理员），按序号升序", parameters=_AUDIT_PARAMS),
    retrieve=extend_schema(summary="一条留痕记录"),
)
@extend_schema(tags=["core"])
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEventSerializer
    permission_classes = BASE_PERMISSIONS
    perms = {"*": "core.view_audit_trail"}

    def get_queryset(self):
        qs = scopes.visible_audit_events(self.request.user).order_by("seq")
        if self.action == "list":
            qs = audit_filter_or_error(self.request.query_params).apply(qs)
        return qs

    @extend_schema(
        summary="校验留痕链：逐条重新计算摘要，返回第一处异常（本次校验也记入留痕）",
        responses=VerifySerializer,
    )
    @action(detail=False, methods=["get"])
    def verify(self, request):
        result = trail.verify_chain(actor=request.user)
        return Response(VerifySerializer(asdict(result)).data)
