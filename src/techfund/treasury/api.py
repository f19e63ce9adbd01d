"""REST API of the treasury (直通车) (mounted at ``/api/treasury/``).

Serializers check the shape of what comes in; the services do everything else. Querysets are filtered
by scope (404 outside it); an action the caller may not take answers 403; a service refusal answers
400 ``{detail, code, errors}``. The export answers the file itself (xlsx or csv); the import takes a
multipart upload (``file``), applies the matched rows and answers every row with its result.
"""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from techfund.core.api import ERRORS, MONEY, YEAR_FILTER, ServiceViewSetMixin, filter_by_params
from techfund.core.errors import ServiceError
from techfund.funds.models import FundYear
from techfund.treasury import services
from techfund.treasury.enums import AccountState, BatchState, InstructionState
from techfund.treasury.models import (
    Confirmation,
    ConfirmationImport,
    PayeeAccount,
    PaymentBatch,
    PaymentInstruction,
)
from techfund.treasury.scopes import visible_accounts, visible_batches, visible_instructions

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PaymentInstructionSerializer(serializers.ModelSerializer):
    payee_name = serializers.CharField(source="payee.name", read_only=True)
    project_number = serializers.CharField(source="project.number", read_only=True, default=None)
    batch_number = serializers.CharField(source="batch.number", read_only=True, default=None)
    year = serializers.IntegerField(source="fund_year.year", read_only=True)
    amount = serializers.DecimalField(**MONEY, read_only=True)

    class Meta:
        model = PaymentInstruction
        fields = [
            "id",
            "number",
            "year",
            "purpose",
            "source_type",
            "source_id",
            "project",
            "project_number",
            "payee",
            "payee_name",
            "account_name",
            "bank_name",
            "bank_code",
            "account_number",
            "amount",
            "memo",
            "state",
            "batch",
            "batch_number",
            "created_by",
            "created_at",
            "treasury_ref",
            "paid_on",
            "entry",
            "return_reason",
            "cancel_reason",
        ]
        read_only_fields = fields


class InstructionCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


@extend_schema_view(
    list=extend_schema(
        summary="支付指令列表",
        parameters=[
            YEAR_FILTER,
            OpenApiParameter("state", str, enum=InstructionState.values),
            OpenApiParameter("batch", int),
        ],
    ),
    retrieve=extend_schema(
        summary="支付指令", responses={200: PaymentInstructionSerializer, 404: ERRORS[404]}
    ),
)
class InstructionViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = PaymentInstructionSerializer

    def get_queryset(self):
        qs = visible_instructions(self.request.user).select_related("payee", "project", "batch", "fund_year")
        qs = filter_by_params(
            qs,
            self.request.query_params,
            year="fund_year__year",
            ids=["batch", "project"],
            choices={"state": InstructionState.values},
        )
        return qs.order_by("-created_at", "-id")

    @extend_schema(
        summary="撤销支付指令（发送国库前）",
        request=InstructionCancelSerializer,
        responses={200: PaymentInstructionSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        i = self.get_object()
        d = self.validated(InstructionCancelSerializer)
        services.cancel_instruction(i, actor=request.user, reason=d["reason"])
        return self.result(i)


class PaymentBatchSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="fund_year.year", read_only=True)

    class Meta:
        model = PaymentBatch
        fields = [
            "id",
            "number",
            "year",
            "state",
            "created_by",
            "created_at",
            "sent_by",
            "sent_at",
            "reconciled_at",
            "file_hashes",
        ]
        read_only_fields = fields


class PaymentBatchCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="The fund year whose pending instructions are batched.")


class TreasuryTallySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class ConfirmationRowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Confirmation
        fields = [
            "row",
            "instruction_number",
            "instruction",
            "treasury_ref",
            "amount",
            "account_number",
            "paid_on",
            "status",
            "status_reason",
            "result",
            "code",
            "reason",
        ]
        read_only_fields = fields


class TreasuryReconciliationSerializer(serializers.Serializer):
    instructed = TreasuryTallySerializer()
    confirmed = TreasuryTallySerializer()
    returned = TreasuryTallySerializer()
    outstanding = TreasuryTallySerializer()
    balanced = serializers.BooleanField()
    problems = ConfirmationRowSerializer(many=True)


class ConfirmationImportSerializer(serializers.ModelSerializer):
    rows = ConfirmationRowSerializer(many=True, read_only=True)

    class Meta:
        model = ConfirmationImport
        fields = [
            "id",
            "batch",
            "filename",
            "sha256",
            "imported_by",
            "imported_at",
            "matched",
            "problems",
            "rows",
        ]
        read_only_fields = fields


class ConfirmationUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


@extend_schema_view(
    list=extend_schema(
        summary="支付批次列表",
        parameters=[YEAR_FILTER, OpenApiParameter("state", str, enum=BatchState.values)],
    ),
    retrieve=extend_schema(summary="支付批次", responses={200: PaymentBatchSerializer, 404: ERRORS[404]}),
)
class BatchViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = PaymentBatchSerializer

    def get_queryset(self):
        qs = visible_batches(self.request.user).select_related("fund_year")
        qs = filter_by_params(
            qs, self.request.query_params, year="fund_year__year", choices={"state": BatchState.values}
        )
        return qs.order_by("-created_at", "-id")

    @extend_schema(
        summary="编制支付批次（该年度全部待编入的指令）",
        request=PaymentBatchCreateSerializer,
        responses={201: PaymentBatchSerializer, **ERRORS},
    )
    def create(self, request):
        d = self.validated(PaymentBatchCreateSerializer)
        fy = FundYear.objects.filter(year=d["year"]).first()
        if fy is None:
            raise ServiceError(_("没有%(y)s年度资金。") % {"y": d["year"]}, code="fund_year_missing")
        batch = services.create_batch(fy, actor=request.user)
        return self.result(batch, 201)

    @extend_schema(
        summary="下载国库支付文件（首次导出即发送）",
        request=None,
        parameters=[OpenApiParameter("fmt", str, enum=["xlsx", "csv"])],
        responses={(200, XLSX): OpenApiTypes.BINARY, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def export(self, request, pk=None):
        batch = self.get_object()
        fmt = request.query_params.get("fmt", "xlsx")
        data = services.export_batch(batch, actor=request.user, fmt=fmt)
        resp = HttpResponse(data, content_type=XLSX if fmt == "xlsx" else "text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="{batch.number}.{fmt}"'
        return resp

    @extend_schema(
        summary="导入国库支付结果（相符的行处理，不符的行列出）",
        request={"multipart/form-data": ConfirmationUploadSerializer},
        responses={201: ConfirmationImportSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser], url_path="import")
    def import_file(self, request, pk=None):
        batch = self.get_object()
        d = self.validated(ConfirmationUploadSerializer)
        record = services.import_confirmations(batch, d["file"], actor=request.user, filename=d["file"].name)
        return Response(ConfirmationImportSerializer(record).data, status=201)

    @extend_schema(
        summary="支付批次对账", responses={200: TreasuryReconciliationSerializer, 404: ERRORS[404]}
    )
    @action(detail=True, methods=["get"])
    def reconciliation(self, request, pk=None):
        rep = services.reconcile_batch(self.get_object())
        return Response(TreasuryReconciliationSerializer(rep).data)


class PayeeAccountSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = PayeeAccount
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "account_name",
            "bank_name",
            "account_number",
            "bank_code",
            "state",
            "recorded_by",
            "recorded_at",
            "verified_by",
            "verified_at",
            "opinion",
        ]
        read_only_fields = fields


class PayeeAccountRecordSerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    account_name = serializers.CharField(allow_blank=True)
    bank_name = serializers.CharField(allow_blank=True)
    account_number = serializers.CharField(allow_blank=True)
    bank_code = serializers.CharField(allow_blank=True)


class PayeeAccountVerifySerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(
        summary="收款账户列表",
        parameters=[
            OpenApiParameter("state", str, enum=AccountState.values),
            OpenApiParameter("organisation", int),
        ],
    ),
    retrieve=extend_schema(summary="收款账户", responses={200: PayeeAccountSerializer, 404: ERRORS[404]}),
)
class AccountViewSet(
    ServiceViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = result_serializer_class = PayeeAccountSerializer

    def get_queryset(self):
        qs = visible_accounts(self.request.user).select_related("organisation")
        qs = filter_by_params(
            qs, self.request.query_params, ids=["organisation"], choices={"state": AccountState.values}
        )
        return qs.order_by("organisation__name", "-recorded_at", "-id")

    @extend_schema(
        summary="登记收款账户（待财政部门核验）",
        request=PayeeAccountRecordSerializer,
        responses={201: PayeeAccountSerializer, **ERRORS},
    )
    def create(self, request):
        from techfund.core.models import Organisation

        d = self.validated(PayeeAccountRecordSerializer)
        org = get_object_or_404(Organisation, pk=d.pop("organisation"))
        acc = services.record_account(org, actor=request.user, **d)
        return self.result(acc, 201)

    @extend_schema(
        summary="财政部门核验收款账户",
        request=PayeeAccountVerifySerializer,
        responses={200: PayeeAccountSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        acc = self.get_object()
        d = self.validated(PayeeAccountVerifySerializer)
        services.verify_account(acc, actor=request.user, approve=d["approve"], opinion=d["opinion"])
        return self.result(acc)
