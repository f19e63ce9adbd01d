"""Generate a realistic demo year through the services (never by writing rows directly).

Each stage of the lifecycle adds its part here as it arrives. Everything is deterministic
(seeded), so two runs of ``manage.py demo`` on fresh databases produce the same records.
"""

import random
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from techfund.core import uscc
from techfund.core.enums import CreditStatus, OrganisationKind, Qualification, Role
from techfund.core.models import Department, Organisation, User
from techfund.core.services import people
from techfund.demo import data
from techfund.policy.loader import load_preset


@dataclass
class Login:
    username: str
    role: str
    scope: str = ""


@dataclass
class Demo:
    preset: str
    year: int
    logins: list[Login] = field(default_factory=list)
    created: bool = False
    counts: dict = field(default_factory=dict)


def _code(preset: str, n: int) -> str:
    serial = f"MA{n:05d}" + "X"  # 8 chars of the organisation code body
    return uscc.make("91" + data.DIVISION[preset], serial[:8])


@lru_cache(maxsize=1)
def _demo_hash() -> str:
    """One production-strength hash of the demo password, shared by the demo accounts (hashing it per
    account would cost a third of a second each)."""
    return make_password(data.DEMO_PASSWORD)


def _user(actor, username, display_name, role, *, organisation=None, department=None, secadmin=None) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = people.create_user(
            actor=actor,
            username=username,
            password_hash=_demo_hash(),
            display_name=display_name,
            must_change_password=False,
        )
    if role not in user.roles():
        people.grant_role(
            actor=secadmin,
            user=user,
            role=role,
            organisation=organisation,
            department=department,
            reason="演示数据",
        )
    user.forget_grants()
    return user


def accounts(preset: str, rng: random.Random) -> dict:
    """三员 first (bootstrapped by the system), then every business role through them."""
    sysadmin = _user(None, "sysadmin", "系统管理员", Role.SYSADMIN)
    secadmin = _user(None, "secadmin", "安全管理员", Role.SECADMIN)
    _user(None, "auditadmin", "审计管理员", Role.AUDITADMIN)
    city = data.CITY[preset]
    out = {"sysadmin": sysadmin, "secadmin": secadmin}
    out["office"] = _user(
        sysadmin, "office", f"{city}市科技局（领导小组办公室）王主任", Role.OFFICE, secadmin=secadmin
    )
    out["leader"] = _user(sysadmin, "leader", "领导小组成员 李副市长", Role.LEADING_GROUP, secadmin=secadmin)
    out["finance"] = _user(sysadmin, "finance", f"{city}市财政局 张科长", Role.FINANCE, secadmin=secadmin)
    out["auditor"] = _user(sysadmin, "auditor", f"{city}市审计局 刘审计师", Role.AUDITOR, secadmin=secadmin)
    out["expert"] = _user(sysadmin, "expert", "评审专家 陈教授", Role.EXPERT, secadmin=secadmin)
    out["departments"] = {}
    for dept in Department.objects.exclude(code__in=["finance", "audit"]).order_by("code"):
        out["departments"][dept.code] = _user(
            sysadmin,
            f"dept_{dept.code}",
            f"{dept.short_name}业务处",
            Role.DEPARTMENT,
            department=dept,
            secadmin=secadmin,
        )
    return out


def organisations(preset: str, actor: User, rng: random.Random) -> list[Organisation]:
    city = data.CITY[preset]
    specs = []
    for stem in data.ENTERPRISE_STEMS:
        quals = rng.sample(list(Qualification.values), k=rng.randint(0, 2))
        specs.append(
            (
                f"{city}{stem}股份有限公司" if rng.random() < 0.3 else f"{city}{stem}有限公司",
                OrganisationKind.ENTERPRISE,
                quals,
            )
        )
    specs += [(n, OrganisationKind.UNIVERSITY, []) for n in data.UNIVERSITIES[preset]]
    specs += [(n, OrganisationKind.INSTITUTE, []) for n in data.INSTITUTES[preset]]
    specs += [(n, OrganisationKind.HOSPITAL, []) for n in data.HOSPITALS[preset]]
    specs += [(n, OrganisationKind.NEW_RD, []) for n in data.NEW_RD[preset]]
    orgs = []
    for i, (name, kind, quals) in enumerate(specs, start=1):
        code = _code(preset, i)
        org = Organisation.objects.filter(uscc=code).first()
        if org is None:
            credit = CreditStatus.BLOCKED if i == 7 else CreditStatus.GOOD
            org = people.register_organisation(
                actor=actor,
                uscc=code,
                name=name,
                kind=kind,
                qualifications=quals,
                credit_status=credit,
                contact_name=data.PEOPLE[i % len(data.PEOPLE)],
                contact_phone=f"0633-{8200000 + i * 37}",
            )
        orgs.append(org)
    return orgs


def fund_year(preset: str, year: int, profile, users: dict, rng: random.Random, *, complete: bool = False):
    from techfund.funds import services as funds

    fy = funds.open_fund_year(actor=users["office"], year=year, profile=profile)
    total = data.YEAR_TOTAL[preset]
    sources = list(profile.source_types.order_by("order"))
    weights = [Decimal(rng.randint(6, 20)) for _ in sources]
    wsum = sum(weights)
    remaining = total
    for i, (src, w) in enumerate(zip(sources, weights, strict=True)):
        amount = remaining if i == len(sources) - 1 else (total * w / wsum).quantize(Decimal("10000"))
        remaining -= amount
        funds.record_contribution(
            fy,
            actor=users["office"],
            source_type=src,
            amount=amount,
            document_ref=f"{data.CITY[preset]}财教〔{year}〕{10 + i}号",
            note="年初预算整合",
        )
    pool = funds.summary(fy)["pool_unallocated"]
    areas = list(profile.focus_areas.order_by("order"))
    allocations = {
        a.code: (pool * share).quantize(Decimal("10000"))
        for a, share in zip(areas, data.FRAMEWORK_SHARES, strict=False)
    }
    fw = funds.propose_framework(
        fy,
        actor=users["office"],
        allocations=allocations,
        title=f"{year}年度资金框架配置（第一批）",
        note="按领导小组确定的重点领域布局提出。",
    )
    funds.submit_framework(fw, actor=users["office"])
    funds.return_framework(fw, actor=users["leader"], reason="请提高重大科技创新专项比重，平台建设适当压减。")
    first, second = areas[0].code, areas[2].code if len(areas) > 2 else areas[0].code
    allocations[first] += Decimal("5000000.00")
    allocations[second] -= Decimal("5000000.00")
    funds.update_framework(fw, actor=users["office"], allocations=allocations)
    funds.submit_framework(fw, actor=users["office"])
    funds.approve_framework(fw, actor=users["leader"], reason="同意。")
    # A second batch waiting for the leading group, so its home page has work on it.
    pool = funds.summary(fy)["pool_unallocated"]
    fw2 = funds.propose_framework(
        fy,
        actor=users["office"],
        allocations={areas[1].code: (pool * Decimal("0.3")).quantize(Decimal("10000"))},
        title=f"{year}年度资金框架配置（第二批）",
        note="重点研发专项追加。",
    )
    funds.submit_framework(fw2, actor=users["office"])
    if complete:
        funds.approve_framework(fw2, actor=users["leader"], reason="同意追加。")
    return fy


def default_year() -> int:
    """This year (last year before September), within the years the holiday calendar covers."""
    from techfund.core.workdays import package_years

    today = timezone.localdate()
    # The demo year runs from spring calls to autumn publicity: before September, show last year's.
    year = today.year if today.month >= 9 else today.year - 1
    return min(year, package_years()[1])


def generate(
    preset: str = "rizhao", year: int | None = None, *, seed: int = 20260101, log=print, scale: float = 1.0
) -> Demo:
    from techfund.funds.models import FundYear

    year = year or default_year()
    demo = Demo(preset=preset, year=year)
    existing = FundYear.objects.filter(year=year).select_related("profile").first()
    if existing is not None and existing.profile.code != preset:
        raise DemoError(
            f"本数据库已有{existing.profile.city}{year}年度的演示数据；一个数据库只运行一个城市。"
            f"请换一个数据目录（例如 TECHFUND_VAR=var/{preset}）或先执行 make clean-demo。"
        )
    profile = load_preset(preset, actor=None, year=year)
    rng = random.Random(seed)
    if existing is None:
        from techfund.demo.intake import Intake

        with transaction.atomic():
            log("  账号与单位 …")
            users = accounts(preset, rng)
            organisations(preset, users["sysadmin"], rng)
            for i, org in enumerate(
                Organisation.objects.filter(
                    kind__in=[OrganisationKind.ENTERPRISE, OrganisationKind.UNIVERSITY]
                ).order_by("uscc")[:3]
            ):
                _user(
                    users["sysadmin"],
                    f"applicant{i + 1}",
                    f"{org.name} 申报联系人",
                    Role.APPLICANT,
                    organisation=org,
                    secadmin=users["secadmin"],
                )
            # The previous year, concluded: its projects are the ones now reporting, finishing and
            # being evaluated (a project takes one to two years), at a smaller scale.
            log(f"  {year - 1}年度（上一年度）资金、申报与立项 …")
            prev_profile = load_preset(preset, actor=None, year=year - 1)
            prev_fy = fund_year(preset, year - 1, prev_profile, users, rng, complete=True)
            prev = Intake(preset, prev_fy, users, rng, log=log, scale=max(scale * 0.5, 0.2), complete=True)
            orgs = prev.organisations(target=max(45, round(130 * scale)))
            log(f"  单位 {len(orgs)} 家；专家库 …")
            experts = prev.experts(orgs, count=max(16, round(64 * scale)))
            prev.run(orgs, experts)
            log(f"  {year}年度资金与框架配置 …")
            fy = fund_year(preset, year, profile, users, rng)
            intake = Intake(preset, fy, users, rng, log=log, scale=scale)
            intake.applicants = prev.applicants
            demo.counts = intake.run(orgs, experts)
            log("  预算安排、任务书、拨付、监管与绩效评价 …")
            from techfund.demo.execution import Execution

            execution = Execution(preset, users, rng, applicant_for=intake.applicant_for, log=log)
            demo.counts.update(execution.run(prev_fy, fy))
        demo.created = True
    demo.logins = logins()
    return demo


class DemoError(Exception):
    pass


def logins() -> list[Login]:
    out = []
    for user in User.objects.filter(is_active=True).order_by("id").prefetch_related("grants"):
        for g in user.grants.all():
            if g.revoked_at is None:
                scope = str(g.organisation or g.department or "")
                out.append(Login(user.username, str(Role(g.role).label), scope))
    return out
