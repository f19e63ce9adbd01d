"""REST API of proposal lists, decisions, publicity and objections (mounted at ``/api/decisions/``).

Serializers check the shape of what comes in; the services do everything else, so the API and the
web pages refuse the same things with the same messages. Querysets are filtered by scope (404 outside
it); an action the caller may not take answers 403; a service refusal answers 400 ``{detail, code, errors}``.
Filing an objection and reading publicity lists need no account (``/api/decisions/public/...``).
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from techfund.core import ratelimit
from techfund.core.api import ERRORS, MONEY, YEAR_FILTER, AmountField, ServiceViewSetMixin, filter_by_params
from techfund.decisions import services
from techfund.decisions.enums import BatchState, DecisionKind, ItemState, ObjectionState, PublicityState
from techfund.decisions.models import Objection, ProposalBatch, ProposalItem, Publicity
from techfund.decisions.scopes import visible_batches, visible_items, visible_objections, visible_publicities
from techfund.decisions.services.publicity import CONTACT_MAX, NAME_MAX, REASON_MAX
from techfund.funds.scopes import visible_fund_years

# ---------------------------------------------------------------- items


class ItemSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="batch.fund_year.year", read_only=True)
    batch_number = serializers.IntegerField(source="batch.number", read_only=True)
    application_number = serializers.CharField(source="application.number", read_only=True)
    title = serializers.CharField(source="application.title", read_only=True)
    applicant = serializers.CharField(source="application.organisation.name", read_only=True)
    focus_area = serializers.CharField(source="focus_area.code", read_only=True)
    focus_area_name = serializers.CharField(source="focus_area.name", read_only=True)
    implementing_organisation_name = serializers.CharField(
        source="implementing_organisation.name", read_only=True
    )

    class Meta:
        model = ProposalItem
        fields = [
            "id",
            "year",
            "batch",
            "batch_number",
            "application",
            "application_number",
            "title",
            "applicant",
            "focus_area",
            "focus_area_name",
            "amount",
            "support_mode",
            "implementing_organisation",
            "implementing_organisation_name",
            "review_score",
            "review_rank",
            "note",
            "state",
            "decision",
            "decided_amount",
            "basis",
            "decided_at",
            "publicity",
            "reserve_entry",
            "adjust_entry",
            "release_entry",
        ]
        read_only_fields = fields


ITEM_QS_RELATED = (
    "batch__fund_year",
    "application__organisation",
    "focus_area",
    "implementing_organisation",
)


class ItemCreateSerializer(serializers.Serializer):
    batch = serializers.IntegerField(help_text="A draft batch's id.")
    application = serializers.IntegerField(help_text="A reviewed application of the batch's fund year.")
    amount = AmountField()
    support_mode = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="One of the call's support modes; default: the application's.",
    )
    implementing_organisation = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="Organisation id or USCC; default: the applicant.",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DecisionKind.choices)
    basis = serializers.CharField(
        allow_blank=True, help_text="The basis of the decision (required by the service)."
    )
    amount = AmountField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For modify: the new amount, below the proposed one.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="立项建议事项列表",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("state", str, enum=ItemState.values),
            OpenApiParameter("batch", int),
        ],
    ),
    retrieve=extend_schema(summary="立项建议事项", responses={200: ItemSerializer, 404: ERRORS[404]}),
    destroy=extend_schema(summary="撤出立项建议（草稿批次）", responses={204: None, **ERRORS}),
)
class ItemViewSet(
    ServiceViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = result_serializer_class = ItemSerializer

    def get_queryset(self):
        qs = visible_items(self.request.user).select_related(*ITEM_QS_RELATED, "application", "batch")
        qs = filter_by_params(
            qs,
            self.request.query_params,
            year="batch__fund_year__year",
            ids=["batch"],
            choices={"state": ItemState.values},
        )
        return qs.order_by(
            "batch__fund_year__year", "batch__number", "focus_area__order", "review_rank", "id"
        )

    @extend_schema(
        summary="列入立项建议", request=ItemCreateSerializer, responses={201: ItemSerializer, **ERRORS}
    )
    def create(self, request):
        d = self.validated(ItemCreateSerializer)
        batch = get_object_or_404(visible_batches(request.user), pk=d["batch"])
        item = services.propose_item(
            batch,
            actor=request.user,
            application=d["application"],
            amount=d["amount"],
            support_mode=d["support_mode"],
            implementing_organisation=d["implementing_organisation"] or None,
            note=d["note"],
        )
        return self.result(item, 201)

    def destroy(self, request, pk=None):
        services.remove_item(self.get_object(), actor=request.user)
        return Response(status=204)

    @extend_schema(
        summary="领导小组审定（同意 / 调整后同意 / 不同意）",
        request=DecideSerializer,
        responses={200: ItemSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        item = self.get_object()
        d = self.validated(DecideSerializer)
        services.decide_item(
            item, actor=request.user, decision=d["decision"], basis=d["basis"], amount=d["amount"]
        )
        return self.result(item)


# ---------------------------------------------------------------- batches


class BatchSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fund_year.year", read_only=True)
    items = ItemSerializer(many=True, read_only=True)
    total = serializers.SerializerMethodField()

    class Meta:
        model = ProposalBatch
        fields = [
            "id",
            "year",
            "number",
            "title",
            "state",
            "note",
            "total",
            "items",
            "created_at",
            "submitted_at",
            "decided_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_total(self, obj) -> str:
        return f"{sum((i.amount for i in obj.items.all()), 0):.2f}"


class BatchCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="The fund year.")
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(
        summary="立项建议批次列表",
        parameters=[YEAR_FILTER, OpenApiParameter("state", str, enum=BatchState.values)],
    ),
    retrieve=extend_schema(summary="立项建议批次", responses={200: BatchSerializer, 404: ERRORS[404]}),
)
class BatchViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = BatchSerializer

    def get_queryset(self):
        items = ProposalItem.objects.select_related(*ITEM_QS_RELATED, "application", "batch").order_by(
            "focus_area__order", "review_rank", "id"
        )
        qs = (
            visible_batches(self.request.user)
            .select_related("fund_year")
            .prefetch_related(Prefetch("items", queryset=items))
        )
        qs = filter_by_params(
            qs, self.request.query_params, year="fund_year__year", choices={"state": BatchState.values}
        )
        return qs.order_by("fund_year__year", "number")

    @extend_schema(
        summary="新建立项建议批次", request=BatchCreateSerializer, responses={201: BatchSerializer, **ERRORS}
    )
    def create(self, request):
        d = self.validated(BatchCreateSerializer)
        fy = get_object_or_404(visible_fund_years(request.user), year=d["year"])
        batch = services.create_batch(fy, actor=request.user, title=d["title"], note=d["note"])
        return self.result(batch, 201)

    @extend_schema(
        summary="报领导小组审定（预留资金）", request=None, responses={200: BatchSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        batch = services.submit_batch(self.get_object(), actor=request.user)
        return self.result(batch)


# ---------------------------------------------------------------- publicity


class PublicItemSerializer(serializers.ModelSerializer):
    """What the publicity notice shows: no personal data."""

    title = serializers.CharField(source="application.title", read_only=True)
    implementing_organisation = serializers.CharField(source="implementing_organisation.name", read_only=True)
    focus_area = serializers.CharField(source="focus_area.name", read_only=True)
    amount = serializers.DecimalField(source="decided_amount", **MONEY, read_only=True)

    class Meta:
        model = ProposalItem
        fields = ["id", "title", "implementing_organisation", "focus_area", "support_mode", "amount", "state"]
        read_only_fields = fields


class PublicitySerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fund_year.year", read_only=True)
    items = PublicItemSerializer(many=True, read_only=True)

    class Meta:
        model = Publicity
        fields = [
            "id",
            "year",
            "number",
            "title",
            "starts_on",
            "ends_on",
            "working_days",
            "state",
            "items",
            "published_at",
            "ended_at",
        ]
        read_only_fields = fields


class PublicityCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="The fund year.")
    items = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of approved items.")
    starts_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Default: the next working day."
    )
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


def _publicities(qs):
    items = ProposalItem.objects.select_related(
        "application", "implementing_organisation", "focus_area"
    ).order_by("focus_area__order", "review_rank", "id")
    return qs.select_related("fund_year").prefetch_related(Prefetch("items", queryset=items))


@extend_schema_view(
    list=extend_schema(
        summary="立项公示列表",
        parameters=[YEAR_FILTER, OpenApiParameter("state", str, enum=PublicityState.values)],
    ),
    retrieve=extend_schema(summary="立项公示", responses={200: PublicitySerializer, 404: ERRORS[404]}),
)
class PublicityViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = PublicitySerializer

    def get_queryset(self):
        qs = _publicities(visible_publicities(self.request.user))
        qs = filter_by_params(
            qs, self.request.query_params, year="fund_year__year", choices={"state": PublicityState.values}
        )
        return qs.order_by("-starts_on", "-number")

    @extend_schema(
        summary="发布立项公示",
        request=PublicityCreateSerializer,
        responses={201: PublicitySerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(PublicityCreateSerializer)
        fy = get_object_or_404(visible_fund_years(request.user), year=d["year"])
        p = services.publish_publicity(
            fy, actor=request.user, items=d["items"], starts_on=d["starts_on"], title=d["title"]
        )
        return self.result(p, 201)

    @extend_schema(summary="公示期满办结", request=None, responses={200: PublicitySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        p = services.end_publicity(self.get_object(), actor=request.user)
        return self.result(p)


@extend_schema_view(
    list=extend_schema(
        summary="公众：立项公示列表（无需登录）",
        parameters=[OpenApiParameter("state", str, enum=PublicityState.values)],
    ),
    retrieve=extend_schema(
        summary="公众：立项公示（无需登录）", responses={200: PublicitySerializer, 404: ERRORS[404]}
    ),
)
class PublicPublicityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PublicitySerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []

    def get_queryset(self):
        qs = _publicities(Publicity.objects.all())
        qs = filter_by_params(qs, self.request.query_params, choices={"state": PublicityState.values})
        return qs.order_by("-starts_on", "-number")


# ---------------------------------------------------------------- objections


class ObjectionSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="item.application.title", read_only=True)

    class Meta:
        model = Objection
        fields = [
            "id",
            "publicity",
            "item",
            "title",
            "name",
            "contact",
            "reason",
            "state",
            "reply",
            "filed_at",
            "resolved_by",
            "resolved_at",
        ]
        read_only_fields = fields


class ObjectionCreateSerializer(serializers.Serializer):
    publicity = serializers.IntegerField()
    item = serializers.IntegerField(help_text="An item of that publicity.")
    name = serializers.CharField(max_length=NAME_MAX, allow_blank=True)
    contact = serializers.CharField(max_length=CONTACT_MAX, allow_blank=True)
    reason = serializers.CharField(max_length=REASON_MAX, allow_blank=True)


class ObjectionReceiptSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The receipt number.")
    state = serializers.CharField()
    detail = serializers.CharField()


class ResolveSerializer(serializers.Serializer):
    upheld = serializers.BooleanField(help_text="true: the item is withdrawn and its money released.")
    reply = serializers.CharField(allow_blank=True)


@extend_schema_view(
    list=extend_schema(
        summary="公示异议列表",
        parameters=[
            OpenApiParameter("state", str, enum=ObjectionState.values),
            OpenApiParameter("publicity", int),
        ],
    ),
    retrieve=extend_schema(summary="公示异议", responses={200: ObjectionSerializer, 404: ERRORS[404]}),
)
class ObjectionViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = ObjectionSerializer

    def get_permissions(self):
        if self.action == "create":
            return [AllowAny()]
        return super().get_permissions()

    def get_queryset(self):
        qs = visible_objections(self.request.user).select_related("item__application")
        qs = filter_by_params(
            qs, self.request.query_params, ids=["publicity"], choices={"state": ObjectionState.values}
        )
        return qs.order_by("filed_at", "id")

    @extend_schema(
        summary="提出公示异议（无需登录）",
        request=ObjectionCreateSerializer,
        responses={
            201: ObjectionReceiptSerializer,
            400: ERRORS[400],
            404: ERRORS[404],
            429: OpenApiResponse(description="提交过于频繁（按客户端地址限流）"),
        },
        auth=[],
    )
    def create(self, request):
        if not ratelimit.allow(request, "objection"):
            raise Throttled(detail=_("提交过于频繁，请稍后再试。"))
        d = self.validated(ObjectionCreateSerializer)
        p = get_object_or_404(Publicity.objects.all(), pk=d["publicity"])
        o = services.file_objection(
            p, item=d["item"], name=d["name"], contact=d["contact"], reason=d["reason"]
        )
        return Response({"id": o.pk, "state": o.state, "detail": _("您的异议已收到。")}, status=201)

    @extend_schema(
        summary="处理异议（成立 / 不成立）",
        request=ResolveSerializer,
        responses={200: ObjectionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        o = self.get_object()
        d = self.validated(ResolveSerializer)
        services.resolve_objection(o, actor=request.user, upheld=d["upheld"], reply=d["reply"])
        return self.result(o)


__all__ = ["BatchViewSet", "ItemViewSet", "ObjectionViewSet", "PublicPublicityViewSet", "PublicityViewSet"]
