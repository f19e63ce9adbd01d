"""REST API of post-award subsidies and competition prizes (mounted at ``/api/awards/``).

Serializers check the shape; the services do the rest, so the API and the pages refuse alike. Lists
are filtered by scope (404 outside it); an action the caller may not take answers 403; a service
refusal answers 400 ``{detail, code, errors}``."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from techfund.awards import services
from techfund.awards.enums import AwardKind, DiligenceConclusion
from techfund.awards.models import AwardPayment, AwardVerification, DueDiligence
from techfund.awards.scopes import (
    visible_award_payments,
    visible_award_projects,
    visible_competitions,
    visible_diligence,
)
from techfund.core.api import ERRORS, MONEY, YEAR_FILTER, AmountField, ServiceViewSetMixin, filter_by_params
from techfund.core.permissions import can

# ---------------------------------------------------------------- competitions


class PrizeLineSerializer(serializers.Serializer):
    application = serializers.IntegerField(source="application.pk")
    number = serializers.CharField(source="application.number")
    title = serializers.CharField(source="application.title")
    organisation = serializers.CharField(source="application.organisation.name")
    score = serializers.DecimalField(source="result.score", max_digits=6, decimal_places=2)
    rank = serializers.IntegerField(source="placing.rank")
    tied = serializers.IntegerField(source="placing.tied")
    tier = serializers.CharField()
    prize = serializers.DecimalField(**MONEY)
    forfeited = serializers.BooleanField()
    diligence = serializers.ChoiceField(
        source="diligence.conclusion", choices=DiligenceConclusion.choices, allow_null=True, default=None
    )


class PrizeScheduleSerializer(serializers.Serializer):
    call = serializers.IntegerField(source="call.pk")
    code = serializers.CharField(source="call.code")
    title = serializers.CharField(source="call.title")
    tiers_from = serializers.CharField()
    total = serializers.DecimalField(**MONEY)
    cap = serializers.DecimalField(**MONEY, allow_null=True)
    finalists = serializers.IntegerField()
    diligence_required = serializers.IntegerField()
    diligence_done = serializers.IntegerField()
    lines = PrizeLineSerializer(many=True)


class CompetitionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    year = serializers.IntegerField(source="fund_year.year")


class ApplyPrizesSerializer(serializers.Serializer):
    batch = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A draft proposal batch; default: the year's latest draft.",
    )


@extend_schema_view(
    list=extend_schema(summary="以赛代评指南", parameters=[YEAR_FILTER]),
    retrieve=extend_schema(
        summary="以赛代评奖补名单（按名次）",
        responses={200: PrizeScheduleSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    ),
)
class CompetitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = CompetitionSerializer

    def get_queryset(self):
        qs = visible_competitions(self.request.user).select_related("fund_year")
        return filter_by_params(qs, self.request.query_params, year="fund_year__year").order_by(
            "-fund_year__year", "code"
        )

    def retrieve(self, request, pk=None):
        call = self.get_object()
        if not can(request.user, "awards.view_schedule", call):
            raise PermissionDenied("awards.view_schedule")
        return Response(PrizeScheduleSerializer(services.prize_schedule(call)).data)

    @extend_schema(
        summary="办公室按比赛名次把奖补列入立项建议",
        request=ApplyPrizesSerializer,
        responses={200: PrizeScheduleSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        call = self.get_object()
        s = ApplyPrizesSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.apply_prizes(call, actor=request.user, batch=s.validated_data["batch"])
        return Response(PrizeScheduleSerializer(services.prize_schedule(call)).data)


# ---------------------------------------------------------------- due diligence


class DueDiligenceSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="application.number", read_only=True)
    recorded_by_name = serializers.StringRelatedField(source="recorded_by", read_only=True)

    class Meta:
        model = DueDiligence
        fields = [
            "id",
            "call",
            "application",
            "application_number",
            "conducted_on",
            "investigators",
            "findings",
            "conclusion",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
        ]
        read_only_fields = fields


class DueDiligenceCreateSerializer(serializers.Serializer):
    call = serializers.IntegerField()
    application = serializers.IntegerField()
    conducted_on = serializers.DateField()
    investigators = serializers.CharField(allow_blank=True)
    findings = serializers.CharField(allow_blank=True)
    conclusion = serializers.ChoiceField(choices=DiligenceConclusion.choices)


@extend_schema_view(
    list=extend_schema(summary="决赛项目尽职调查", parameters=[OpenApiParameter("call", int)]),
    retrieve=extend_schema(summary="尽职调查记录", responses={200: DueDiligenceSerializer, 404: ERRORS[404]}),
)
class DueDiligenceViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = DueDiligenceSerializer

    def get_queryset(self):
        qs = visible_diligence(self.request.user).select_related("application", "recorded_by")
        return filter_by_params(qs, self.request.query_params, ids=["call"]).order_by(
            "call", "application__number"
        )

    @extend_schema(
        summary="办公室登记尽职调查",
        request=DueDiligenceCreateSerializer,
        responses={201: DueDiligenceSerializer, **ERRORS},
    )
    def create(self, request):
        from rest_framework.generics import get_object_or_404

        d = self.validated(DueDiligenceCreateSerializer)
        call = get_object_or_404(visible_competitions(request.user), pk=d["call"])
        record = services.record_diligence(
            call,
            actor=request.user,
            application=d["application"],
            conducted_on=d["conducted_on"],
            investigators=d["investigators"],
            findings=d["findings"],
            conclusion=d["conclusion"],
        )
        return self.result(record, 201)


# ---------------------------------------------------------------- post-award projects and payments


class AwardVerificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = AwardVerification
        fields = [
            "id",
            "evidence",
            "eligible_spending",
            "ratio",
            "cap",
            "approved_amount",
            "verified_by",
            "verified_on",
        ]
        read_only_fields = fields


class AwardPaymentSerializer(serializers.ModelSerializer):
    project_number = serializers.CharField(source="project.number", read_only=True)
    instruction_number = serializers.CharField(source="instruction.number", read_only=True)
    kind = serializers.ChoiceField(choices=AwardKind.choices, read_only=True)

    class Meta:
        model = AwardPayment
        fields = [
            "id",
            "project",
            "project_number",
            "kind",
            "amount",
            "paid_on",
            "treasury_ref",
            "instruction",
            "instruction_number",
            "released_amount",
            "entry",
        ]
        read_only_fields = fields


class AwardProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    organisation = serializers.CharField(source="organisation.name")
    amount = serializers.DecimalField(**MONEY)
    state = serializers.CharField()
    kind = serializers.ChoiceField(choices=AwardKind.choices, source="award_kind")
    payable = serializers.DecimalField(**MONEY, allow_null=True, source="award_payable")
    verification = AwardVerificationSerializer(source="award_verification_or_none", allow_null=True)


class AwardVerifyRequestSerializer(serializers.Serializer):
    evidence = serializers.CharField(allow_blank=True)
    eligible_spending = AmountField()


class InstructedSerializer(serializers.Serializer):
    instruction = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)


@extend_schema_view(
    list=extend_schema(summary="后补助项目", parameters=[YEAR_FILTER]),
    retrieve=extend_schema(summary="后补助项目", responses={200: AwardProjectSerializer, 404: ERRORS[404]}),
)
class AwardProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AwardProjectSerializer

    def get_queryset(self):
        qs = visible_award_projects(self.request.user).select_related(
            "organisation", "fund_year__profile", "item__application__call"
        )
        return filter_by_params(qs, self.request.query_params, year="fund_year__year").order_by("number")

    def _annotate(self, p):
        kind, amount, v = services.payable(p)
        p.award_kind, p.award_payable = kind, amount
        p.award_verification_or_none = v or AwardVerification.objects.filter(project=p).first()
        return p

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(
            self.get_serializer([self._annotate(p) for p in page], many=True).data
        )

    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self._annotate(self.get_object())).data)

    @extend_schema(
        summary="主管部门核验成果与合规支出",
        request=AwardVerifyRequestSerializer,
        responses={200: AwardProjectSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        p = self.get_object()
        s = AwardVerifyRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.verify_achievement(p, actor=request.user, **s.validated_data)
        return Response(self.get_serializer(self._annotate(self.get_queryset().get(pk=p.pk))).data)

    @extend_schema(
        summary="财政部门生成国库支付指令（直通车）",
        request=None,
        responses={201: InstructedSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def instruct(self, request, pk=None):
        p = self.get_object()
        i = services.instruct_payment(p, actor=request.user)
        return Response({"instruction": i.number, "amount": i.amount}, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="奖补资金拨付记录", parameters=[YEAR_FILTER, OpenApiParameter("project", int)]
    ),
    retrieve=extend_schema(
        summary="奖补资金拨付记录", responses={200: AwardPaymentSerializer, 404: ERRORS[404]}
    ),
)
class AwardPaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AwardPaymentSerializer

    def get_queryset(self):
        qs = visible_award_payments(self.request.user).select_related("project", "instruction")
        return filter_by_params(
            qs, self.request.query_params, year="project__fund_year__year", ids=["project"]
        ).order_by("paid_on", "id")


__all__ = ["AwardPaymentViewSet", "AwardProjectViewSet", "CompetitionViewSet", "DueDiligenceViewSet"]
