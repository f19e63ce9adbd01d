"""API shapes of the core records. Input serializers check only the shape; services check the rest."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from techfund.core import audit_actions
from techfund.core.exporters import role_label
from techfund.core.models import AuditEvent, Department, Organisation, RoleGrant, User


class ScopeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GrantBriefSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    organisation = ScopeSerializer(allow_null=True, read_only=True)
    department = ScopeSerializer(allow_null=True, read_only=True)

    class Meta:
        model = RoleGrant
        fields = ["id", "role", "role_label", "organisation", "department", "granted_at"]


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "must_change_password", "roles"]

    def get_roles(self, obj) -> list[dict]:
        return GrantBriefSerializer(obj.active_grants(), many=True).data


class OrganisationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    credit_status_label = serializers.CharField(source="get_credit_status_display", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "uscc",
            "name",
            "kind",
            "kind_label",
            "qualifications",
            "credit_status",
            "credit_status_label",
            "address",
            "contact_name",
            "contact_phone",
            "created_at",
        ]


class OrganisationCreateSerializer(serializers.Serializer):
    uscc = serializers.CharField(label=_("统一社会信用代码"), allow_blank=True, max_length=40)
    name = serializers.CharField(label=_("单位名称"), allow_blank=True, max_length=400)
    kind = serializers.CharField(label=_("单位类型"), allow_blank=True, max_length=40)
    qualifications = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list
    )
    credit_status = serializers.CharField(required=False, allow_blank=True, max_length=20)
    address = serializers.CharField(required=False, allow_blank=True, max_length=400)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=60)


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "is_active",
            "must_change_password",
            "last_login",
            "roles",
        ]

    def get_roles(self, obj) -> list[dict]:
        grants = getattr(obj, "active_grant_list", None)
        if grants is None:
            grants = obj.active_grants()
        return GrantBriefSerializer(grants, many=True).data


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(allow_blank=True, max_length=300)
    password = serializers.CharField(write_only=True, allow_blank=True, trim_whitespace=False, max_length=300)
    display_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    email = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    must_change_password = serializers.BooleanField(required=False, default=True)


class RoleGrantSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    organisation = ScopeSerializer(allow_null=True, read_only=True)
    department = ScopeSerializer(allow_null=True, read_only=True)
    granted_by = serializers.CharField(source="granted_by.username", read_only=True, default=None)
    revoked_by = serializers.CharField(source="revoked_by.username", read_only=True, default=None)

    class Meta:
        model = RoleGrant
        fields = [
            "id",
            "user",
            "username",
            "role",
            "role_label",
            "organisation",
            "department",
            "granted_at",
            "granted_by",
            "revoked_at",
            "revoked_by",
        ]


class RoleGrantCreateSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    role = serializers.CharField(max_length=40)
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, required=False, default="")


class AuditEventSerializer(serializers.ModelSerializer):
    action_label = serializers.SerializerMethodField()
    role_label = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "seq",
            "at",
            "actor",
            "actor_name",
            "role",
            "role_label",
            "action",
            "action_label",
            "target_type",
            "target_id",
            "target_repr",
            "before",
            "after",
            "data",
            "reason",
            "request_id",
            "algorithm",
            "prev_hash",
            "hash",
        ]

    def get_action_label(self, obj) -> str:
        return audit_actions.label(obj.action)

    def get_role_label(self, obj) -> str:
        return role_label(obj.role)


class VerifySerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField()
    first_bad_seq = serializers.IntegerField(allow_null=True)
    first_bad_id = serializers.IntegerField(allow_null=True)
    problem = serializers.CharField(allow_blank=True)
