"""REST API of expert review: pool. register(router) adds its viewsets (called by api_urls).

- ``/api/review/experts/`` — the pool (the office writes; the fund's readers read; an expert reads only
  themselves): the record with its 证件号码, contact and status period; ``POST …/{id}/status/``
  (暂停 / 禁入 / 恢复), ``GET/POST …/{id}/availability/``, ``GET …/{id}/history/``, ``POST …/import/``
  (the Excel template, all or nothing), ``GET/PATCH …/me/`` (an expert's own profile), ``POST
  …/me/pledge/``, ``GET/POST …/me/relations/``;
- ``/api/review/conflicts/?round=`` — conflict findings (office and auditor only), ``POST
  …/check/`` to re-check a round;
- ``/api/review/exclusions/?application=`` — 申请回避 (the applicant organisation writes, before review).

The pool's viewset extends ``api.ExpertViewSet`` and takes its place at ``review/experts`` (same paths,
same replies, plus the pool's fields and actions).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from techfund.applications.scopes import visible_applications
from techfund.core.api import ERRORS, ServiceViewSetMixin, filter_by_params
from techfund.core.models import Organisation
from techfund.core.permissions import can
from techfund.review import api, services
from techfund.review.enums import ConflictRule, ExpertStatus, Relationship
from techfund.review.models import AvailabilityWindow, ConflictFinding, Exclusion, ExpertRelation
from techfund.review.scopes import expert_id_of, visible_conflicts, visible_exclusions, visible_rounds
from techfund.review.services import experts as expert_service
from techfund.review.services import pool_import

# ---------------------------------------------------------------- experts


class PoolExpertSerializer(api.ExpertSerializer):
    effective_status = serializers.SerializerMethodField()

    class Meta(api.ExpertSerializer.Meta):
        fields = [
            *api.ExpertSerializer.Meta.fields,
            "id_number",
            "publications",
            "phone",
            "email",
            "status_until",
            "status_reason",
            "effective_status",
            "pledge_signed_at",
        ]
        read_only_fields = fields

    def get_effective_status(self, obj) -> str:
        """The status that holds today (a suspension or ban whose period ended counts as active)."""
        return expert_service.effective_status(obj)


class PoolExpertCreateSerializer(api.ExpertCreateSerializer):
    id_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    publications = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    email = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class PoolExpertUpdateSerializer(api.ExpertUpdateSerializer):
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    publications = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    email = serializers.CharField(required=False, allow_blank=True, max_length=300)
    status_until = serializers.DateField(required=False, allow_null=True)
    status_reason = serializers.CharField(required=False, allow_blank=True, max_length=400)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ExpertStatus.choices)
    until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Inclusive; empty: indefinite."
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=400)


class WindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = AvailabilityWindow
        fields = ["id", "starts_on", "ends_on", "note"]
        read_only_fields = fields


class WindowInputSerializer(serializers.Serializer):
    starts_on = serializers.CharField(max_length=20, allow_blank=True)
    ends_on = serializers.CharField(max_length=20, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class HistoryRoundSerializer(serializers.Serializer):
    round = serializers.IntegerField(source="round_id")
    round_name = serializers.CharField(source="round__name")
    call_code = serializers.CharField(source="round__call__code")
    assigned = serializers.IntegerField()
    submitted = serializers.IntegerField()
    declined = serializers.IntegerField()


class HistoryTotalsSerializer(serializers.Serializer):
    rounds = serializers.IntegerField()
    assigned = serializers.IntegerField()
    submitted = serializers.IntegerField()
    declined = serializers.IntegerField()


class HistorySerializer(serializers.Serializer):
    rounds = HistoryRoundSerializer(many=True)
    totals = HistoryTotalsSerializer()


class OwnProfileSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=100)
    subjects = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    keywords = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    profile = serializers.CharField(required=False, allow_blank=True)
    publications = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    email = serializers.CharField(required=False, allow_blank=True, max_length=300)
    max_load = serializers.IntegerField(required=False)

    def to_internal_value(self, data):
        # Fields an expert may not change are passed on, so the service refuses them by name.
        out = super().to_internal_value(data)
        for key in data if hasattr(data, "keys") else ():
            if key not in self.fields:
                out[key] = data[key]
        return out


class RelationSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExpertRelation
        fields = [
            "id",
            "kind",
            "person_name",
            "person_id_number",
            "person_organisation",
            "organisation",
            "note",
            "declared_at",
        ]
        read_only_fields = fields


class RelationInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Relationship.choices)
    person_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    person_id_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    person_organisation = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, default=None
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=400)


class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The filled-in template workbook (.xlsx).")


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.ListField(child=serializers.IntegerField())
    accounts_linked = serializers.IntegerField(
        help_text="Experts linked to the existing account their row names."
    )
    without_account = serializers.IntegerField(
        help_text="Experts registered without an account (the security administrator links one)."
    )


class ImportRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    rows = ImportRowErrorSerializer(many=True)


@extend_schema_view(
    list=extend_schema(
        summary="评审专家库", parameters=[OpenApiParameter("status", str, enum=ExpertStatus.values)]
    ),
    retrieve=extend_schema(summary="评审专家", responses={200: PoolExpertSerializer, 404: ERRORS[404]}),
)
class PoolExpertViewSet(api.ExpertViewSet):
    serializer_class = result_serializer_class = PoolExpertSerializer
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        return super().get_queryset().select_related("organisation")

    @extend_schema(
        summary="专家入库",
        request=PoolExpertCreateSerializer,
        responses={201: PoolExpertSerializer, **ERRORS},
    )
    def create(self, request):
        ex = services.register_expert(actor=request.user, **self.validated(PoolExpertCreateSerializer))
        return self.result(ex, 201)

    @extend_schema(
        summary="修改专家信息",
        request=PoolExpertUpdateSerializer,
        responses={200: PoolExpertSerializer, **ERRORS},
    )
    def partial_update(self, request, pk=None):
        ex = self.get_object()
        s = PoolExpertUpdateSerializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        services.update_expert(ex, actor=request.user, **s.validated_data)
        return self.result(ex)

    @extend_schema(
        summary="暂停 / 禁入 / 恢复在库",
        request=StatusSerializer,
        responses={200: PoolExpertSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        ex = self.get_object()
        services.set_status(ex, actor=request.user, **self.validated(StatusSerializer))
        return self.result(ex)

    @extend_schema(
        methods=["get"], summary="可参评时段", responses={200: WindowSerializer(many=True), 404: ERRORS[404]}
    )
    @extend_schema(
        methods=["post"],
        summary="登记可参评时段",
        request=WindowInputSerializer,
        responses={201: WindowSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get", "post"])
    def availability(self, request, pk=None):
        ex = self.get_object()
        if request.method == "POST":
            w = services.add_availability(ex, actor=request.user, **self.validated(WindowInputSerializer))
            return Response(WindowSerializer(w).data, status=201)
        return Response(WindowSerializer(ex.availability.all(), many=True).data)

    @extend_schema(summary="删除可参评时段", request=None, responses={204: None, **ERRORS})
    @action(detail=True, methods=["delete"], url_path=r"availability/(?P<window_pk>\d+)")
    def remove_availability(self, request, pk=None, window_pk=None):
        ex = self.get_object()
        window = get_object_or_404(ex.availability.all(), pk=window_pk)
        services.remove_availability(window, actor=request.user)
        return Response(status=204)

    @extend_schema(summary="评审履历", responses={200: HistorySerializer, 404: ERRORS[404]})
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        return Response(HistorySerializer(expert_service.history(self.get_object())).data)

    @extend_schema(
        summary="批量导入专家（Excel 模板）",
        request={"multipart/form-data": ImportInputSerializer},
        responses={201: ImportResultSerializer, 400: ImportRefusedSerializer, 403: ERRORS[403]},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_(self, request):
        d = self.validated(ImportInputSerializer)
        try:
            report = services.import_experts(d["file"], actor=request.user)
        except pool_import.ImportRefused as exc:
            return Response(
                {
                    "detail": exc.message,
                    "code": exc.code,
                    "errors": exc.errors,
                    "rows": [
                        {"row": e.row, "column": e.column, "message": e.message} for e in exc.report.errors
                    ],
                },
                status=400,
            )
        return Response(
            {
                "rows": report.rows,
                "created": [e.pk for e in report.created],
                "accounts_linked": report.accounts_linked,
                "without_account": report.without_account,
            },
            status=201,
        )

    # ------------------------------------------------------------ the expert's own record

    def _me(self):
        expert_id = expert_id_of(self.request.user)
        if not expert_id:
            raise NotFound()
        return get_object_or_404(self.get_queryset(), pk=expert_id)

    @extend_schema(
        methods=["get"], summary="我的专家信息", responses={200: PoolExpertSerializer, 404: ERRORS[404]}
    )
    @extend_schema(
        methods=["patch"],
        summary="修改我的专家信息",
        request=OwnProfileSerializer,
        responses={200: PoolExpertSerializer, **ERRORS},
    )
    @action(detail=False, methods=["get", "patch"])
    def me(self, request):
        ex = self._me()
        if request.method == "PATCH":
            s = OwnProfileSerializer(data=request.data, partial=True)
            s.is_valid(raise_exception=True)
            services.update_own_profile(ex, actor=request.user, **s.validated_data)
        return self.result(ex)

    @extend_schema(summary="签署诚信承诺书", request=None, responses={200: PoolExpertSerializer, **ERRORS})
    @action(detail=False, methods=["post"], url_path="me/pledge")
    def pledge(self, request):
        ex = self._me()
        services.sign_pledge(ex, actor=request.user)
        return self.result(ex)

    @extend_schema(
        methods=["get"],
        summary="我申报的利益关系",
        responses={200: RelationSerializer(many=True), 404: ERRORS[404]},
    )
    @extend_schema(
        methods=["post"],
        summary="申报利益关系",
        request=RelationInputSerializer,
        responses={201: RelationSerializer, **ERRORS},
    )
    @action(detail=False, methods=["get", "post"], url_path="me/relations")
    def relations(self, request):
        ex = self._me()
        if request.method == "POST":
            r = services.declare_relation(ex, actor=request.user, **self.validated(RelationInputSerializer))
            return Response(RelationSerializer(r).data, status=201)
        return Response(RelationSerializer(ex.relations.all(), many=True).data)

    @extend_schema(summary="撤回利益关系申报", request=None, responses={204: None, **ERRORS})
    @action(detail=False, methods=["delete"], url_path=r"me/relations/(?P<relation_pk>\d+)")
    def withdraw_relation(self, request, relation_pk=None):
        ex = self._me()
        relation = get_object_or_404(ex.relations.all(), pk=relation_pk)
        services.withdraw_relation(relation, actor=request.user)
        return Response(status=204)


# ---------------------------------------------------------------- conflicts


class ConflictSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="application.number", read_only=True)
    expert_name = serializers.CharField(source="expert.name", read_only=True)

    class Meta:
        model = ConflictFinding
        fields = [
            "id",
            "round",
            "application",
            "application_number",
            "expert",
            "expert_name",
            "rule",
            "reason",
            "found_at",
        ]
        read_only_fields = fields


class ConflictCheckSerializer(serializers.Serializer):
    round = serializers.IntegerField()


class ConflictCheckResultSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    findings = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(
        summary="回避情况（办公室、审计）",
        parameters=[
            OpenApiParameter("round", int, description="Only this round."),
            OpenApiParameter("application", int, description="Only this application."),
            OpenApiParameter("expert", int, description="Only this expert."),
            OpenApiParameter("rule", str, enum=ConflictRule.values),
        ],
    ),
    retrieve=extend_schema(summary="回避情形", responses={200: ConflictSerializer, 404: ERRORS[404]}),
)
class ConflictViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ConflictSerializer

    def get_queryset(self):
        qs = visible_conflicts(self.request.user).select_related("application", "expert")
        qs = filter_by_params(
            qs,
            self.request.query_params,
            ids=["round", "application", "expert"],
            choices={"rule": ConflictRule.values},
        )
        return qs.order_by("round_id", "application_id", "expert_id", "rule")

    @extend_schema(
        summary="回避检查（替换本轮检查结果）",
        request=ConflictCheckSerializer,
        responses={200: ConflictCheckResultSerializer, **ERRORS},
    )
    @action(detail=False, methods=["post"])
    def check(self, request):
        if not can(request.user, "review.view_conflicts"):
            raise NotFound()
        r = get_object_or_404(
            visible_rounds(request.user), pk=self.validated(ConflictCheckSerializer)["round"]
        )
        n = services.check_round_conflicts(r, actor=request.user)
        return Response({"round": r.pk, "findings": n})


# ---------------------------------------------------------------- exclusions (申请回避)


class ExclusionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exclusion
        fields = ["id", "application", "name", "organisation_name", "reason", "created_at"]
        read_only_fields = fields


class ExclusionInputSerializer(serializers.Serializer):
    application = serializers.IntegerField()
    name = serializers.CharField(max_length=100, allow_blank=True)
    organisation_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    reason = serializers.CharField(allow_blank=True, max_length=400)


@extend_schema_view(
    list=extend_schema(
        summary="申请回避的专家",
        parameters=[OpenApiParameter("application", int, description="Only this application.")],
    ),
    retrieve=extend_schema(summary="申请回避", responses={200: ExclusionSerializer, 404: ERRORS[404]}),
)
class ExclusionViewSet(
    ServiceViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = result_serializer_class = ExclusionSerializer

    def get_queryset(self):
        qs = filter_by_params(
            visible_exclusions(self.request.user), self.request.query_params, ids=["application"]
        )
        return qs.order_by("application_id", "id")

    @extend_schema(
        summary="申请回避专家",
        request=ExclusionInputSerializer,
        responses={201: ExclusionSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(ExclusionInputSerializer)
        app = get_object_or_404(visible_applications(request.user), pk=d.pop("application"))
        return self.result(services.add_exclusion(app, actor=request.user, **d), 201)

    @extend_schema(summary="撤回申请回避", request=None, responses={204: None, **ERRORS})
    def destroy(self, request, pk=None):
        services.remove_exclusion(self.get_object(), actor=request.user)
        return Response(status=204)


def register(router) -> None:
    # The pool's viewset takes the place of the basic one at the same address.
    router.registry[:] = [entry for entry in router.registry if entry[0] != "review/experts"]
    router.register("review/experts", PoolExpertViewSet, basename="review-expert")
    router.register("review/conflicts", ConflictViewSet, basename="review-conflict")
    router.register("review/exclusions", ExclusionViewSet, basename="review-exclusion")
