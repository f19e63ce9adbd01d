"""REST API of expert review (mounted at ``/api/review/``). Serializers check the shape of what
comes in; the services do everything else (permission, scope, state, validation, audit), so the API
and the web pages refuse the same things with the same messages.

Querysets are filtered by scope: an expert lists only their own assignments (and reads only the
applications given to them), never another expert's name or score; an object outside the caller's
scope answers 404; an action the caller may not take answers 403; a service refusal answers 400
``{detail, code, errors}``.
"""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from techfund.applications.api import MilestoneSerializer, TargetSerializer
from techfund.applications.models import Application
from techfund.core.api import ERRORS, ReasonSerializer, ServiceViewSetMixin, filter_by_params
from techfund.core.models import Organisation, User
from techfund.funds.models import FundYear
from techfund.review import services
from techfund.review.enums import AssignmentState, ExpertStatus, Recommendation, ReviewMethod, RoundState
from techfund.review.models import Assignment, Criterion, Expert, ReviewRound, RoundResult, Score
from techfund.review.scopes import (
    review_calls,
    visible_assignments,
    visible_experts,
    visible_results,
    visible_rounds,
)
from techfund.review.services import aggregate


@extend_schema_field(OpenApiTypes.STR)
class NumberField(serializers.CharField):
    """A number as a string ("87.5") or a JSON number; the service checks range and places."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int | float):
            data = str(data)
        return super().to_internal_value(data)


# ---------------------------------------------------------------- experts


class ExpertSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True, allow_null=True)

    class Meta:
        model = Expert
        fields = [
            "id",
            "user",
            "username",
            "name",
            "organisation",
            "organisation_name",
            "title",
            "subjects",
            "keywords",
            "profile",
            "status",
            "max_load",
        ]
        read_only_fields = fields


class ExpertWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True)
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, default=None
    )
    organisation_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    subjects = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    profile = serializers.CharField(required=False, allow_blank=True, default="")
    max_load = serializers.IntegerField(required=False, default=20)


class ExpertCreateSerializer(ExpertWriteSerializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), help_text="An account holding the expert role."
    )


class ExpertUpdateSerializer(ExpertWriteSerializer):
    name = serializers.CharField(max_length=100, required=False)
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    organisation_name = serializers.CharField(required=False, allow_blank=True, max_length=300)
    title = serializers.CharField(required=False, allow_blank=True, max_length=100)
    subjects = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    keywords = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    profile = serializers.CharField(required=False, allow_blank=True)
    max_load = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(choices=ExpertStatus.choices, required=False)


@extend_schema_view(
    list=extend_schema(
        summary="评审专家库", parameters=[OpenApiParameter("status", str, enum=ExpertStatus.values)]
    ),
    retrieve=extend_schema(summary="评审专家", responses={200: ExpertSerializer, 404: ERRORS[404]}),
)
class ExpertViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ExpertSerializer

    def get_queryset(self):
        qs = visible_experts(self.request.user).select_related("user")
        qs = filter_by_params(qs, self.request.query_params, choices={"status": None})
        return qs.order_by("name", "id")

    @extend_schema(
        summary="专家入库", request=ExpertCreateSerializer, responses={201: ExpertSerializer, **ERRORS}
    )
    def create(self, request):
        ex = services.register_expert(actor=request.user, **self.validated(ExpertCreateSerializer))
        return self.result(ex, 201)

    @extend_schema(
        summary="修改专家信息", request=ExpertUpdateSerializer, responses={200: ExpertSerializer, **ERRORS}
    )
    def partial_update(self, request, pk=None):
        ex = self.get_object()
        s = ExpertUpdateSerializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        services.update_expert(ex, actor=request.user, **s.validated_data)
        return self.result(ex)


# ---------------------------------------------------------------- rounds


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["code", "name", "weight", "max_score"]
        read_only_fields = fields


class RoundSerializer(serializers.ModelSerializer):
    call_code = serializers.CharField(source="call.code", read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = ReviewRound
        fields = [
            "id",
            "call",
            "call_code",
            "name",
            "method",
            "sequence",
            "state",
            "previous",
            "criteria",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields


class CriterionInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64, allow_blank=True)
    name = serializers.CharField(max_length=200, allow_blank=True)
    weight = NumberField()
    max_score = NumberField(required=False, allow_blank=True, default="100")


class RoundCreateSerializer(serializers.Serializer):
    call = serializers.IntegerField(help_text="The call whose applications are reviewed.")
    name = serializers.CharField(max_length=200, allow_blank=True)
    method = serializers.CharField(max_length=20, help_text=f"One of {', '.join(ReviewMethod.values)}.")
    criteria = CriterionInputSerializer(many=True, allow_empty=True, help_text="Weights must add up to 100.")
    previous = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A closed round of the same call."
    )


class ResultSerializer(serializers.ModelSerializer):
    """A round's result: ``score`` ranks (the trimmed mean when ``trimmed``), ``calibrated_score`` is
    the mean of the experts' calibrated scores, ``spread`` highest minus lowest total (a
    ``disagreement`` above the policy's threshold); ``basis`` says whether it came from scores, a
    meeting's ``votes`` or a site visit."""

    round_name = serializers.CharField(source="round.name", read_only=True)
    votes = serializers.SerializerMethodField()
    application_number = serializers.CharField(source="application.number", read_only=True)
    application_title = serializers.CharField(source="application.title", read_only=True)

    class Meta:
        model = RoundResult
        fields = [
            "id",
            "round",
            "round_name",
            "application",
            "application_number",
            "application_title",
            "score",
            "reviews",
            "rank",
            "recommendation",
            "reasons",
            "basis",
            "trimmed",
            "calibrated_score",
            "spread",
            "disagreement",
            "votes",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_votes(self, obj) -> dict:
        return obj.votes or {}


class RankedResultSerializer(ResultSerializer):
    area_rank = serializers.IntegerField(read_only=True)

    class Meta(ResultSerializer.Meta):
        fields = [*ResultSerializer.Meta.fields, "area_rank"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="评审轮次列表",
        parameters=[
            OpenApiParameter("call", int, description="Only this call."),
            OpenApiParameter("state", str, enum=RoundState.values),
        ],
    ),
    retrieve=extend_schema(summary="评审轮次", responses={200: RoundSerializer, 404: ERRORS[404]}),
)
class RoundViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = RoundSerializer

    def get_queryset(self):
        qs = visible_rounds(self.request.user).select_related("call").prefetch_related("criteria")
        qs = filter_by_params(qs, self.request.query_params, ids=["call"], choices={"state": None})
        return qs.order_by("call_id", "sequence")

    @extend_schema(
        summary="新建评审轮次", request=RoundCreateSerializer, responses={201: RoundSerializer, **ERRORS}
    )
    def create(self, request):
        d = self.validated(RoundCreateSerializer)
        call = get_object_or_404(review_calls(request.user), pk=d["call"])
        r = services.create_round(
            call,
            actor=request.user,
            name=d["name"],
            method=d["method"],
            criteria=[dict(c) for c in d["criteria"]],
            previous=d["previous"],
        )
        return self.result(r, 201)

    @extend_schema(summary="开始评审", request=None, responses={200: RoundSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self.result(services.open_round(self.get_object(), actor=request.user))

    @extend_schema(
        summary="结束评审并汇总结果", request=None, responses={200: ResultSerializer(many=True), **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        results = services.close_round(self.get_object(), actor=request.user)
        return Response(ResultSerializer(results, many=True).data)

    @extend_schema(
        summary="本轮评审结果（领域内排名）", responses={200: ResultSerializer(many=True), 404: ERRORS[404]}
    )
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        r = self.get_object()
        return Response(ResultSerializer(services.results(r, user=request.user), many=True).data)


# ---------------------------------------------------------------- assignments


class AssignmentSerializer(serializers.ModelSerializer):
    round_name = serializers.CharField(source="round.name", read_only=True)
    round_state = serializers.CharField(source="round.state", read_only=True)
    application_number = serializers.CharField(source="application.number", read_only=True)
    application_title = serializers.CharField(source="application.title", read_only=True)
    expert_name = serializers.CharField(source="expert.name", read_only=True)
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "round",
            "round_name",
            "round_state",
            "application",
            "application_number",
            "application_title",
            "expert",
            "expert_name",
            "state",
            "scores",
            "total",
            "comment",
            "recommendation",
            "decline_reason",
            "assigned_at",
            "submitted_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.DictField(child=serializers.DecimalField(max_digits=6, decimal_places=2))
    )
    def get_scores(self, obj) -> dict:
        return {s.criterion.code: f"{s.value:.2f}" for s in obj.scores.all()}


class TeamMemberOut(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()
    title = serializers.CharField()
    organisation_name = serializers.CharField()


class BudgetLineOut(serializers.Serializer):
    category = serializers.CharField()
    item = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    note = serializers.CharField()


class ApplicationContentSerializer(serializers.ModelSerializer):
    """What an expert reads of an application (its own content; team without ID numbers)."""

    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    team = TeamMemberOut(many=True, read_only=True)
    budget_lines = BudgetLineOut(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "title",
            "organisation_name",
            "abstract",
            "keywords",
            "requested_amount",
            "self_raised",
            "start_date",
            "end_date",
            "budget_lines",
            "targets",
            "milestones",
            "team",
        ]
        read_only_fields = fields


class PeerScoreSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="专家A, 专家B, … (never a name).")
    total = serializers.DecimalField(max_digits=6, decimal_places=2)
    recommendation = serializers.CharField()


class AssignmentDetailSerializer(AssignmentSerializer):
    criteria = CriterionSerializer(source="round.criteria", many=True, read_only=True)
    application_content = serializers.SerializerMethodField()
    peers = serializers.SerializerMethodField()

    class Meta(AssignmentSerializer.Meta):
        fields = [
            *AssignmentSerializer.Meta.fields,
            "accepted_at",
            "criteria",
            "application_content",
            "peers",
        ]
        read_only_fields = fields

    @extend_schema_field(PeerScoreSerializer(many=True))
    def get_peers(self, obj) -> list:
        """The other experts' submitted totals, anonymised — empty until this one is submitted."""
        return PeerScoreSerializer(aggregate.peer_scores(obj), many=True).data

    @extend_schema_field(ApplicationContentSerializer(allow_null=True))
    def get_application_content(self, obj):
        if obj.state == AssignmentState.DECLINED:
            return None  # a declined application is given back
        return ApplicationContentSerializer(obj.application).data


class AssignmentCreateSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    application = serializers.IntegerField()
    expert = serializers.IntegerField()


class ScoreSubmitSerializer(serializers.Serializer):
    scores = serializers.DictField(child=NumberField(allow_blank=True), help_text="Criterion code → score.")
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    recommendation = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=f"One of {', '.join(Recommendation.values)}."
    )


def _assignments(user):
    return (
        visible_assignments(user)
        .select_related("round", "application", "expert")
        .prefetch_related(
            Prefetch(
                "scores", queryset=Score.objects.select_related("criterion").order_by("criterion__order")
            )
        )
    )


@extend_schema_view(
    list=extend_schema(
        summary="评审任务列表（专家只见本人任务）",
        parameters=[
            OpenApiParameter("round", int),
            OpenApiParameter("application", int),
            OpenApiParameter("state", str, enum=AssignmentState.values),
        ],
    ),
    retrieve=extend_schema(
        summary="评审任务（含申报内容与评审要素）",
        responses={200: AssignmentDetailSerializer, 404: ERRORS[404]},
    ),
)
class AssignmentViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    result_serializer_class = AssignmentDetailSerializer

    def get_queryset(self):
        qs = _assignments(self.request.user)
        qs = filter_by_params(
            qs, self.request.query_params, ids=["round", "application"], choices={"state": None}
        )
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                "round__criteria", "application__team", "application__budget_lines", "application__targets"
            ).select_related("application__organisation")
        return qs.order_by("round_id", "application__number", "id")

    def get_serializer_class(self):
        return AssignmentSerializer if self.action == "list" else AssignmentDetailSerializer

    @extend_schema(
        summary="分配评审专家",
        request=AssignmentCreateSerializer,
        responses={201: AssignmentDetailSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(AssignmentCreateSerializer)
        r = get_object_or_404(visible_rounds(request.user), pk=d["round"])
        application = get_object_or_404(Application.objects.all(), pk=d["application"])
        expert = get_object_or_404(Expert.objects.all(), pk=d["expert"])
        a = services.assign(r, actor=request.user, application=application, expert=expert)
        return self.result(a, 201)

    @extend_schema(
        summary="撤销评审任务（未评分前，须说明理由）",
        request=ReasonSerializer,
        parameters=[OpenApiParameter("reason", str, description="The reason (or in the body).")],
        responses={204: None, **ERRORS},
    )
    def destroy(self, request, pk=None):
        a = self.get_object()
        reason = request.data.get("reason") if hasattr(request.data, "get") else None
        services.unassign(a, actor=request.user, reason=reason or request.query_params.get("reason", ""))
        return Response(status=204)

    @extend_schema(
        summary="提交评分（提交后不能修改）",
        request=ScoreSubmitSerializer,
        responses={200: AssignmentDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        a = self.get_object()
        d = self.validated(ScoreSubmitSerializer)
        services.submit_score(
            a,
            actor=request.user,
            scores=d["scores"],
            comment=d["comment"],
            recommendation=d["recommendation"],
        )
        return self.result(a)

    @extend_schema(
        summary="接受评审任务",
        request=None,
        responses={200: AssignmentDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        a = self.get_object()
        services.accept(a, actor=request.user)
        return self.result(a)

    @extend_schema(
        summary="回避/拒绝评审（须说明理由）",
        request=ReasonSerializer,
        responses={200: AssignmentDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        a = self.get_object()
        services.decline(a, actor=request.user, reason=self.reason())
        return self.result(a)


# ---------------------------------------------------------------- results


@extend_schema_view(
    list=extend_schema(
        summary="评审结果（已结束轮次）",
        parameters=[OpenApiParameter("round", int), OpenApiParameter("application", int)],
    ),
    retrieve=extend_schema(summary="评审结果", responses={200: ResultSerializer, 404: ERRORS[404]}),
)
class ResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ResultSerializer

    def get_queryset(self):
        qs = visible_results(self.request.user).select_related("round", "application")
        qs = filter_by_params(qs, self.request.query_params, ids=["round", "application"])
        return qs.order_by("round_id", "rank", "application__number")

    @extend_schema(
        summary="领域排名（各项目取最近一轮已结束评审）",
        parameters=[
            OpenApiParameter("year", int, required=True),
            OpenApiParameter(
                "focus_area", str, required=True, description="Focus-area code of the year's profile."
            ),
        ],
        responses={200: RankedResultSerializer(many=True), 404: ERRORS[404]},
    )
    @action(detail=False, methods=["get"])
    def ranking(self, request):
        params = request.query_params
        fund_year = get_object_or_404(
            FundYear.objects.select_related("profile"), year=params.get("year") or 0
        )
        area = get_object_or_404(fund_year.profile.focus_areas.all(), code=params.get("focus_area", ""))
        rows = services.ranking(fund_year, area, user=request.user)
        return Response(RankedResultSerializer(rows, many=True).data)


__all__ = ["AssignmentViewSet", "ExpertViewSet", "ResultViewSet", "RoundViewSet"]
