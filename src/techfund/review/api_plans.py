"""REST API of expert review: plans. register(router) adds its viewsets (called by api_urls).

- ``/api/review/plans/``                 list (``?round=``, ``?state=``), create (office; computed in the
  background: follow ``job``), retrieve (figures), ``pairs/`` (the planned experts), ``release/``,
  ``discard/`` (with a reason);
- ``/api/jobs/<id>/``                    a background job's progress (its creator, the office, auditors);
- ``/api/review/assignments/<id>/accept/``  the expert accepts their task;
- ``/api/review/assignments/<id>/replace/`` the office retries the replacement of a declined task.

Plans name experts: only the fund's readers see them (others 404); only the office acts (403).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from techfund.core.api import ERRORS, ReasonSerializer, ServiceViewSetMixin, filter_by_params
from techfund.core.jobs import visible_jobs
from techfund.core.models import Job
from techfund.review import services
from techfund.review.api import AssignmentDetailSerializer, _assignments
from techfund.review.enums import AssignmentMode, PlanState
from techfund.review.models import AssignmentPlan, PlannedPair
from techfund.review.scopes import visible_plans, visible_rounds


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    finished = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "label",
            "state",
            "finished",
            "done",
            "total",
            "percent",
            "message",
            "error",
            "target",
            "result",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_finished(self, obj) -> bool:
        return obj.state in ("done", "failed")


class PlanSerializer(serializers.ModelSerializer):
    round_name = serializers.CharField(source="round.name", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True)
    job = JobSerializer(read_only=True, allow_null=True)
    stats = serializers.JSONField(
        read_only=True,
        help_text="Figures of the computed plan (seats, filled, unfilled, affinity, conflicts excluded, seconds per phase).",
    )

    class Meta:
        model = AssignmentPlan
        fields = [
            "id",
            "round",
            "round_name",
            "mode",
            "seed",
            "fairness",
            "reviewers_per_application",
            "state",
            "job",
            "stats",
            "note",
            "created_by",
            "created_at",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class PlanCreateSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    mode = serializers.CharField(
        max_length=20, help_text=f"One of {AssignmentMode.RANDOM}, {AssignmentMode.OPTIMAL}."
    )
    seed = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=20,
        help_text="Random draws only; empty: drawn by the system and recorded.",
    )
    fairness = serializers.BooleanField(required=False, default=False, help_text="Optimal matching only.")
    k = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=3,
        help_text="Reviewers per application; empty: the round's, else the policy's.",
    )


class PlannedPairSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="application.number", read_only=True)
    application_title = serializers.CharField(source="application.title", read_only=True)
    expert_name = serializers.CharField(source="expert.name", read_only=True)

    class Meta:
        model = PlannedPair
        fields = [
            "application",
            "application_number",
            "application_title",
            "expert",
            "expert_name",
            "affinity",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="专家分配方案列表",
        parameters=[OpenApiParameter("round", int), OpenApiParameter("state", str, enum=PlanState.values)],
    ),
    retrieve=extend_schema(summary="专家分配方案", responses={200: PlanSerializer, 404: ERRORS[404]}),
)
class PlanViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = PlanSerializer

    def get_queryset(self):
        qs = visible_plans(self.request.user).select_related("round", "job", "created_by", "decided_by")
        qs = filter_by_params(
            qs, self.request.query_params, ids=["round"], choices={"state": PlanState.values}
        )
        return qs.order_by("-created_at", "-id")

    @extend_schema(
        summary="生成专家分配方案（后台计算，见 job）",
        request=PlanCreateSerializer,
        responses={201: PlanSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(PlanCreateSerializer)
        r = get_object_or_404(visible_rounds(request.user), pk=d["round"])
        plan = services.create_plan(
            r, actor=request.user, mode=d["mode"], seed=d["seed"], fairness=d["fairness"], k=d["k"]
        )
        return self.result(plan, 201)

    @extend_schema(
        summary="方案中的专家（按项目）", responses={200: PlannedPairSerializer(many=True), 404: ERRORS[404]}
    )
    @action(detail=True, methods=["get"])
    def pairs(self, request, pk=None):
        plan = self.get_object()
        rows = plan.pairs.select_related("application", "expert").order_by("application__number", "-affinity")
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(PlannedPairSerializer(page, many=True).data)
        return Response(PlannedPairSerializer(rows, many=True).data)

    @extend_schema(
        summary="发布专家分配方案（生成评审任务）", request=None, responses={200: PlanSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        return self.result(services.release_plan(self.get_object(), actor=request.user))

    @extend_schema(
        summary="作废专家分配方案（须说明理由）",
        request=ReasonSerializer,
        responses={200: PlanSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        return self.result(services.discard_plan(self.get_object(), actor=request.user, reason=self.reason()))


@extend_schema_view(
    retrieve=extend_schema(summary="后台任务进度", responses={200: JobSerializer, 404: ERRORS[404]})
)
class JobViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = JobSerializer

    def get_queryset(self):
        return visible_jobs(self.request.user)


class AssignmentActionViewSet(ServiceViewSetMixin, viewsets.GenericViewSet):
    """The expert's acceptance and the office's replacement of an assignment."""

    serializer_class = result_serializer_class = AssignmentDetailSerializer

    def get_queryset(self):
        return _assignments(self.request.user)

    @extend_schema(
        summary="接受评审任务", request=None, responses={200: AssignmentDetailSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self.result(services.accept(self.get_object(), actor=request.user))

    @extend_schema(
        summary="为回避/拒绝的评审任务补选专家（办公室）",
        request=None,
        responses={201: AssignmentDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def replace(self, request, pk=None):
        return self.result(services.replace(self.get_object(), actor=request.user), 201)


def register(router) -> None:
    router.register("review/plans", PlanViewSet, basename="review-plan")
    router.register("review/assignments", AssignmentActionViewSet, basename="review-assignment-action")
    router.register("jobs", JobViewSet, basename="job")
