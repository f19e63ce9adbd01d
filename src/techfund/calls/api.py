"""REST API of the calls (mounted under ``/api/``). Serializers check the shape of what comes in; the
services do everything else, so the API and the web pages refuse the same things with the same messages.

- ``/api/calls/``          calls in the caller's scope; create, update (draft), publish, close, cancel
- ``/api/public/calls/``   published and closed calls, for anyone, without signing in
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny

from techfund.calls import services
from techfund.calls.enums import CallState
from techfund.calls.models import Call
from techfund.calls.scopes import public_calls, visible_calls, with_details
from techfund.core.api import (
    ERRORS,
    MONEY,
    YEAR_FILTER,
    AmountField,
    ReasonSerializer,
    ServiceViewSetMixin,
    filter_by_params,
)
from techfund.funds.scopes import visible_fund_years
from techfund.policy.enums import EstablishmentMode


class QuotaSerializer(serializers.Serializer):
    department = serializers.CharField(source="department.code")
    department_name = serializers.CharField(source="department.name")
    quota = serializers.IntegerField()


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField()


class PrizeTierSerializer(serializers.Serializer):
    rank_from = serializers.IntegerField()
    rank_to = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class PublicCallSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fund_year.year", read_only=True)
    focus_area = serializers.CharField(source="focus_area.code", read_only=True)
    focus_area_name = serializers.CharField(source="focus_area.name", read_only=True)
    quotas = QuotaSerializer(many=True, read_only=True)
    designated_organisations = OrganisationRefSerializer(many=True, read_only=True)
    prize_tiers = PrizeTierSerializer(many=True, read_only=True)
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "id",
            "year",
            "code",
            "title",
            "body",
            "focus_area",
            "focus_area_name",
            "establishment_mode",
            "support_modes",
            "ceiling",
            "co_funding_ratio",
            "eligible_kinds",
            "required_qualifications",
            "block_credit_blocked",
            "per_org_limit",
            "per_person_limit",
            "opens_at",
            "closes_at",
            "challenge_targets",
            "challenge_funding",
            "challenge_deadline",
            "prize_tiers",
            "designated_organisations",
            "quotas",
            "state",
            "published_at",
            "is_open",
        ]
        read_only_fields = fields

    def get_is_open(self, obj) -> bool:
        return services.is_open(obj)


class CallSerializer(PublicCallSerializer):
    class Meta(PublicCallSerializer.Meta):
        fields = [*PublicCallSerializer.Meta.fields, "created_at"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.DATETIME)
class MomentField(serializers.CharField):
    """A date and time (ISO 8601); without a zone it is read as Beijing time. The service checks it."""


class CallWriteSerializer(serializers.Serializer):
    focus_area = serializers.CharField(max_length=32, help_text="Focus-area code of the year's profile.")
    code = serializers.CharField(max_length=40)
    title = serializers.CharField(max_length=200)
    establishment_mode = serializers.ChoiceField(choices=EstablishmentMode.choices)
    ceiling = AmountField()
    opens_at = MomentField()
    closes_at = MomentField()
    support_modes = serializers.ListField(child=serializers.CharField(), required=False)
    body = serializers.CharField(required=False, allow_blank=True)
    co_funding_ratio = serializers.CharField(required=False, allow_blank=True, max_length=20)
    eligible_kinds = serializers.ListField(child=serializers.CharField(), required=False)
    required_qualifications = serializers.ListField(child=serializers.CharField(), required=False)
    block_credit_blocked = serializers.BooleanField(required=False)
    per_org_limit = serializers.IntegerField(required=False)
    per_person_limit = serializers.IntegerField(required=False)
    quotas = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text='Department code → quota, e.g. {"science_technology": 5}.',
    )
    challenge_targets = serializers.CharField(required=False, allow_blank=True)
    challenge_funding = AmountField(required=False, allow_blank=True, allow_null=True)
    challenge_deadline = serializers.DateField(required=False, allow_null=True)
    prize_tiers = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text='[{"rank_from": 1, "rank_to": 1, "amount": "1000000.00"}]',
    )
    designated_organisations = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Organisation ids."
    )


class CallCreateSerializer(CallWriteSerializer):
    year = serializers.IntegerField(help_text="The fund year.")


class CallUpdateSerializer(CallWriteSerializer):
    """Every field optional: the fields sent replace the current ones."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.required = False


STATE_FILTER = OpenApiParameter("state", str, enum=CallState.values)


@extend_schema_view(
    list=extend_schema(summary="申报指南列表", parameters=[YEAR_FILTER, STATE_FILTER]),
    retrieve=extend_schema(summary="申报指南", responses={200: CallSerializer, 404: ERRORS[404]}),
)
class CallViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = CallSerializer

    def get_queryset(self):
        qs = with_details(visible_calls(self.request.user))
        qs = filter_by_params(qs, self.request.query_params, year="fund_year__year", choices={"state": None})
        return qs.order_by("-fund_year__year", "code")

    @extend_schema(
        summary="起草申报指南", request=CallCreateSerializer, responses={201: CallSerializer, **ERRORS}
    )
    def create(self, request):
        d = dict(self.validated(CallCreateSerializer))
        fy = get_object_or_404(visible_fund_years(request.user), year=d.pop("year"))
        call = services.create_call(fy, actor=request.user, **d)
        return self.result(call, 201)

    @extend_schema(
        summary="修改申报指南（草稿）",
        request=CallUpdateSerializer,
        responses={200: CallSerializer, **ERRORS},
    )
    def update(self, request, pk=None, partial=False):
        call = self.get_object()
        services.update_call(call, actor=request.user, **self.validated(CallUpdateSerializer))
        return self.result(call)

    @extend_schema(
        summary="修改申报指南（部分字段）",
        request=CallUpdateSerializer,
        responses={200: CallSerializer, **ERRORS},
    )
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(summary="发布申报指南", request=None, responses={200: CallSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self.result(services.publish_call(self.get_object(), actor=request.user))

    @extend_schema(summary="截止申报", request=None, responses={200: CallSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self.result(services.close_call(self.get_object(), actor=request.user))

    @extend_schema(
        summary="撤销申报指南（须说明理由）",
        request=ReasonSerializer,
        responses={200: CallSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        call = self.get_object()
        return self.result(services.cancel_call(call, actor=request.user, reason=self.reason()))


@extend_schema_view(
    list=extend_schema(summary="公开的申报指南（无需登录）", parameters=[YEAR_FILTER], auth=[]),
    retrieve=extend_schema(
        summary="公开的申报指南（无需登录）", responses={200: PublicCallSerializer, 404: ERRORS[404]}, auth=[]
    ),
)
class PublicCallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PublicCallSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_queryset(self):
        qs = with_details(public_calls())
        qs = filter_by_params(qs, self.request.query_params, year="fund_year__year")
        return qs.order_by("-fund_year__year", "code")


__all__ = ["CallViewSet", "PublicCallViewSet"]
