"""City policy profiles (政策配置) as versioned data.

A profile is one city's rules for one year, loaded from a preset (``presets/<code>.yaml``) or a file
the office writes. Loading the same city and year again makes a new version; exactly one version
per year is active. Focus areas and fund source types are rows (other records point at them); the
numeric rule tables of RULES.md live in ``rules`` (validated on load, see ``schema.py``), and the
exact text that was loaded is kept in ``source_text`` (its SHA-256 in ``source_digest``).

Rows are written only by ``techfund.policy.loader``; a version, once loaded, is never edited.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from techfund.core.enums import Level


class PolicyProfile(models.Model):
    code = models.SlugField(_("配置代码"), max_length=32)
    city = models.CharField(_("城市"), max_length=50)
    year = models.PositiveSmallIntegerField(_("年度"))
    version = models.PositiveIntegerField(_("版本"))
    is_active = models.BooleanField(_("生效"), default=False)
    title = models.CharField(_("依据文件"), max_length=300)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    document_date = models.DateField(_("印发日期"), null=True, blank=True)
    leading_group = models.CharField(_("领导小组"), max_length=200)
    office = models.CharField(_("领导小组办公室"), max_length=200)
    office_host = models.CharField(_("办公室设在"), max_length=100)
    process_words = models.JSONField(_("管理流程"), default=list)
    min_annual_scale = models.DecimalField(
        _("年度最低资金规模（元）"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    equity_pilot_share = models.DecimalField(
        _("股权投资试点比例"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    establishment_modes = models.JSONField(_("立项方式"), default=list)
    support_modes = models.JSONField(_("支持方式"), default=list)
    rules = models.JSONField(_("规则表"), default=dict)
    #: Source mark, note and editability of single-value fields (``min_annual_scale``, ``equity_pilot_share``).
    field_notes = models.JSONField(_("字段来源说明"), default=dict, blank=True)
    departments = models.ManyToManyField(
        "core.Department",
        through="ProfileDepartment",
        related_name="policy_profiles",
        verbose_name=_("职能部门"),
    )
    source_name = models.CharField(_("来源文件"), max_length=200, blank=True)
    source_text = models.TextField(_("来源文件内容"), blank=True)
    source_digest = models.CharField(_("来源文件摘要"), max_length=64)
    loaded_at = models.DateTimeField(_("载入时间"), auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("载入人"),
    )

    class Meta:
        ordering = ["-year", "code", "-version"]
        verbose_name = _("政策配置")
        verbose_name_plural = _("政策配置")
        constraints = [
            models.UniqueConstraint(fields=["code", "year", "version"], name="policy_version_unique"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(is_active=True), name="policy_one_active_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.year} v{self.version}"

    def rule(self, path: str, default=None):
        """A value from the rule tables by dotted path, e.g. ``rule('publicity.working_days')``."""
        node = self.rules
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node


class ProfileDepartment(models.Model):
    """A department the profile names (source departments, finance and audit), in the file's order."""

    profile = models.ForeignKey(PolicyProfile, on_delete=models.PROTECT, related_name="department_links")
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(_("顺序"))

    class Meta:
        ordering = ["profile", "order"]
        verbose_name = _("配置中的职能部门")
        verbose_name_plural = _("配置中的职能部门")
        constraints = [
            models.UniqueConstraint(fields=["profile", "department"], name="profile_department_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.profile} · {self.department}"


class FocusArea(models.Model):
    """重点领域 / 专项."""

    profile = models.ForeignKey(PolicyProfile, on_delete=models.PROTECT, related_name="focus_areas")
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"))
    establishment_modes = models.JSONField(_("立项方式"), default=list)
    stable_support = models.BooleanField(_("稳定支持"), default=False)

    class Meta:
        ordering = ["profile", "order"]
        verbose_name = _("重点领域")
        verbose_name_plural = _("重点领域")
        constraints = [models.UniqueConstraint(fields=["profile", "code"], name="focus_area_code_unique")]

    def __str__(self) -> str:
        return self.name


class FundSourceType(models.Model):
    """资金来源 — a kind of money pooled into the fund, with its managing department and level."""

    profile = models.ForeignKey(PolicyProfile, on_delete=models.PROTECT, related_name="source_types")
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, related_name="source_types", verbose_name=_("主管部门")
    )
    level = models.CharField(_("级次"), max_length=12, choices=Level.choices, default=Level.MUNICIPAL)
    own_procedure = models.BooleanField(_("按其他领导小组程序执行"), default=False)
    procedure_owner = models.CharField(_("执行程序的领导小组"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"))

    class Meta:
        ordering = ["profile", "order"]
        verbose_name = _("资金来源类型")
        verbose_name_plural = _("资金来源类型")
        constraints = [
            models.UniqueConstraint(fields=["profile", "code"], name="source_type_code_unique"),
            models.CheckConstraint(
                condition=Q(own_procedure=False) | ~Q(procedure_owner=""), name="source_own_procedure_named"
            ),
        ]

    def __str__(self) -> str:
        return self.name
