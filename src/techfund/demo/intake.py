"""A realistic intake for the demo year: calls of every establishment mode, a few hundred
applications from well over a hundred organisations, department pre-screening, formal checks,
expert review, proposal batches, leading-group decisions, publicity with objections.

Everything goes through the services with the right actor; dates that the services let us pass
(submission time, publicity start, "today" for objections and the end of publicity) follow the
fund year's calendar, so the demo reads like a year of work. Applications end up in every state.
"""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from techfund.applications import services as apps
from techfund.applications.enums import ApplicationState
from techfund.applications.models import Application
from techfund.calls import services as calls
from techfund.core import jobs
from techfund.core.enums import OrganisationKind, Qualification, Role
from techfund.core.models import Department, Organisation
from techfund.core.services import people
from techfund.decisions import services as decisions
from techfund.demo import data
from techfund.demo.topics import ABSTRACT, COUNTIES, INDUSTRIES, SUBJECTS, TOPICS, TRADES
from techfund.review import services as review
from techfund.review.enums import ReviewMethod
from techfund.review.services import meetings, plans, site_visits

TZ = timezone.get_current_timezone()
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(rng: random.Random, division: str) -> str:
    """A well-formed (check digit included) but invented resident ID number."""
    born = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 25))
    body = f"{division[:4]}{rng.randint(1, 3):02d}{born:%Y%m%d}{rng.randint(100, 999)}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


CRITERIA = [
    {"code": "innovation", "name": "技术先进性与创新性", "weight": 30},
    {"code": "feasibility", "name": "技术路线可行性", "weight": 25},
    {"code": "team", "name": "团队与条件保障", "weight": 15},
    {"code": "benefit", "name": "经济社会效益", "weight": 20},
    {"code": "budget", "name": "预算合理性", "weight": 10},
]


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=TZ)


class Intake:
    def __init__(
        self,
        preset: str,
        fund_year,
        users: dict,
        rng: random.Random,
        log=print,
        scale: float = 1.0,
        complete: bool = False,
    ):
        self.scale = scale
        #: A concluded year (the demo's previous year): every call screened, reviewed and decided, every
        #: publicity ended; only abandoned drafts and returns remain. The current year keeps work open.
        self.complete = complete
        self.preset, self.fy, self.users, self.rng, self.log = preset, fund_year, users, rng, log
        #: The first call reviewed (it gets the fairness option and a meeting round after remote review).
        self.first_call = None
        self.modes_seen: dict = {}
        self.year = fund_year.year
        self.profile = fund_year.profile
        self.city = data.CITY[preset]
        self.areas = list(self.profile.focus_areas.order_by("order"))
        self.depts = {d.code: d for d in Department.objects.all()}
        self.officers = users["departments"]
        self.applicants: dict[int, object] = {}

    def _n(self, n: int) -> int:
        """``n`` at this intake's scale (tests run the same year at a tenth of the size)."""
        return max(6, round(n * self.scale))

    # ----------------------------------------------------------------- organisations and people
    def organisations(self, target: int = 130) -> list[Organisation]:
        orgs = list(Organisation.objects.exclude(kind=OrganisationKind.BANK).order_by("id"))
        n = len(orgs)
        counties, trades = COUNTIES[self.preset], TRADES
        i = 0
        while len(orgs) < target:
            county, trade = counties[i % len(counties)], trades[(i // len(counties)) % len(trades)]
            name = (
                f"{self.city}{county}{trade}有限公司"
                if i < len(counties) * len(trades)
                else f"{self.city}{county}{trade}{i}有限公司"
            )
            i += 1
            code = _uscc(self.preset, 500 + n + i)
            if Organisation.objects.filter(uscc=code).exists():
                continue
            quals = self.rng.sample(
                [Qualification.HIGH_TECH, Qualification.TECH_SME, Qualification.SPECIALISED],
                k=self.rng.randint(0, 2),
            )
            orgs.append(
                people.register_organisation(
                    actor=self.users["sysadmin"],
                    uscc=code,
                    name=name,
                    kind=OrganisationKind.ENTERPRISE,
                    qualifications=quals,
                    contact_name=self.rng.choice(data.PEOPLE),
                    contact_phone=f"0633-{8300000 + i * 53}",
                )
            )
        return orgs

    def applicant_for(self, org: Organisation):
        from techfund.demo.generator import _user

        if org.pk not in self.applicants:
            existing = (
                org.grants.filter(role=Role.APPLICANT, revoked_at__isnull=True).select_related("user").first()
            )
            self.applicants[org.pk] = (
                existing.user
                if existing
                else _user(
                    self.users["sysadmin"],
                    f"org{org.pk:04d}",
                    f"{org.name} 申报联系人",
                    Role.APPLICANT,
                    organisation=org,
                    secadmin=self.users["secadmin"],
                )
            )
        return self.applicants[org.pk]

    def experts(self, orgs: list[Organisation], count: int = 64) -> list:
        from techfund.demo.generator import _user

        pool = [
            o
            for o in orgs
            if o.kind
            in (
                OrganisationKind.UNIVERSITY,
                OrganisationKind.INSTITUTE,
                OrganisationKind.HOSPITAL,
                OrganisationKind.NEW_RD,
            )
        ]
        pool += [o for o in orgs if o.kind == OrganisationKind.ENTERPRISE][:10]
        titles = ["教授", "研究员", "正高级工程师", "副教授", "高级工程师", "主任医师"]
        out = []
        for i in range(count):
            org = pool[i % len(pool)]
            topic_area = i % len(TOPICS)
            kws = sorted({k for t in TOPICS[topic_area] for k in t[1]})[:6]
            name = (
                self.rng.choice(data.PEOPLE[:10])[0]
                + self.rng.choice("志国建海明华俊磊静燕晓文博")
                + self.rng.choice("东伟强平军涛杰霞丽红刚")
            )
            user = (
                self.users["expert"]
                if i == 0
                else _user(
                    self.users["sysadmin"],
                    f"expert{i:03d}",
                    f"专家 {name}",
                    Role.EXPERT,
                    secadmin=self.users["secadmin"],
                )
            )
            out.append(
                review.register_expert(
                    actor=self.users["office"],
                    user=user,
                    name=name if i else "陈教授",
                    organisation=org,
                    title=titles[i % len(titles)],
                    subjects=[SUBJECTS[topic_area]],
                    keywords=kws,
                    profile=f"长期从事{'、'.join(kws[:3])}等方向研究。",
                    max_load=30,
                )
            )
        return out

    # ----------------------------------------------------------------- calls
    def calls(self, orgs: list[Organisation]) -> list:
        """One call per establishment mode the city uses, plus competitive calls for the other areas."""
        office, y = self.users["office"], self.year
        spring = dict(opens_at=at(y, 3, 1, 9), closes_at=at(y, 5, 29, 17))
        autumn = dict(opens_at=at(y, 10, 15, 9), closes_at=at(y, 12, 18, 17))
        modes = list(self.profile.establishment_modes)
        quotas = {c: 60 for c in self.officers}
        institutes = [o for o in orgs if o.kind in (OrganisationKind.INSTITUTE, OrganisationKind.NEW_RD)]
        universities = [o for o in orgs if o.kind == OrganisationKind.UNIVERSITY]
        specs = []

        def area_for(mode, prefer=0):
            ordered = self.areas[prefer:] + self.areas[:prefer]
            return next(a for a in ordered if mode in a.establishment_modes)

        specs.append(
            ("competitive", area_for("competitive", 0), "重大科技创新项目（竞争立项）", spring, 5_000_000, {})
        )
        if "challenge" in modes:
            specs.append(
                (
                    "challenge",
                    area_for("challenge", 0),
                    "关键核心技术攻关“揭榜挂帅”榜单",
                    spring,
                    8_000_000,
                    dict(
                        challenge_targets="研制出满足港口重载工况的国产化智能装卸装备，关键部件国产化率≥90%，连续无故障运行≥2000小时。",
                        challenge_funding=Decimal("8000000.00"),
                        challenge_deadline=dt.date(y + 2, 6, 30),
                    ),
                )
            )
        if "competition" in modes:
            specs.append(
                (
                    "competition",
                    area_for("competition", 1),
                    "创新创业大赛（以赛代评）",
                    spring,
                    1_000_000,
                    dict(
                        prize_tiers=[
                            {"rank_from": 1, "rank_to": 1, "amount": "1000000.00"},
                            {"rank_from": 2, "rank_to": 3, "amount": "600000.00"},
                            {"rank_from": 4, "rank_to": 8, "amount": "300000.00"},
                        ]
                    ),
                )
            )
        if "commissioned" in modes:
            specs.append(
                (
                    "commissioned",
                    area_for("commissioned", 2),
                    "重点创新平台建设（定向委托）",
                    spring,
                    3_000_000,
                    dict(designated_organisations=universities + institutes[:2]),
                )
            )
        if "stable" in modes:
            specs.append(
                (
                    "stable",
                    next((a for a in self.areas if a.stable_support), None) or area_for("stable", 5),
                    "市属科研院所与科普稳定支持",
                    spring,
                    2_000_000,
                    dict(designated_organisations=institutes),
                )
            )
        # Every focus area gets a call: competitive where it allows it, else its first mode.
        covered = {s[1].pk for s in specs}
        for area in self.areas:
            if area.pk in covered or not area.establishment_modes:
                continue
            if "competitive" in area.establishment_modes:
                specs.append(("competitive", area, f"{area.name}（竞争立项）", spring, 2_000_000, {}))
            elif "stable" in area.establishment_modes:
                specs.append(
                    (
                        "stable",
                        area,
                        f"{area.name}（稳定支持）",
                        spring,
                        1_000_000,
                        dict(designated_organisations=institutes),
                    )
                )
        specs.append(
            (
                "competitive",
                area_for("competitive", 1),
                f"{self.areas[1].name}（第二批，竞争立项）",
                autumn,
                1_500_000,
                {},
            )
        )

        out = []
        for n, (mode, area, title, window, ceiling, extra) in enumerate(specs, start=1):
            call = calls.create_call(
                self.fy,
                actor=office,
                focus_area=area,
                code=f"{self.preset[:2].upper()}-{y}-{n:02d}",
                title=f"{y}年度{title}申报指南",
                establishment_mode=mode,
                ceiling=Decimal(ceiling),
                support_modes=self.call_modes(mode),
                co_funding_ratio=Decimal("0.5") if mode == "competitive" else Decimal("0"),
                body=f"根据《{self.profile.title}》，现发布{y}年度{area.name}申报指南。",
                per_org_limit=3,
                per_person_limit=1,
                quotas=quotas,
                **window,
                **extra,
            )
            calls.publish_call(call, actor=office, now=window["opens_at"] - dt.timedelta(days=3))
            out.append(call)
        return out

    def call_modes(self, establishment_mode: str) -> tuple:
        """What a call may fund: a competition pays its prizes as the policy's award mode (后补助);
        competitive calls also invest (拨改投) and subsidise loan interest where the city does."""
        city = list(self.profile.support_modes)
        if establishment_mode == "competition":
            return (self.profile.rule("competition.award_mode", "post_award"),)
        if establishment_mode == "competitive":
            modes = ["grant", "equity", "interest_subsidy"]
            if "competition" not in self.profile.establishment_modes and self.complete:
                # 后补助 for achievements already made, where no competition pays it (in the concluded
                # year: this year's few projects are kept for the desks still waiting on grants)
                modes.append("post_award")
            return tuple(m for m in modes if m in city)
        return ("grant",)

    def support_mode(self, call, org, k: int) -> str:
        """Enterprises in competitive calls now and then ask for equity or an interest subsidy."""
        modes = list(call.support_modes)
        if len(modes) == 1:
            return modes[0]
        if org.kind == OrganisationKind.ENTERPRISE:
            if self.complete:
                # The concluded year shows every mode whatever the scale: each call's first
                # enterprises take the modes nobody in the call has asked for yet.
                seen = self.modes_seen.setdefault(call.pk, set())
                fresh = next((m for m in modes if m != "grant" and m not in seen), None)
                if fresh is not None:
                    seen.add(fresh)
                    return fresh
            if k % 9 == 4 and "equity" in modes:
                return "equity"
            if k % 9 == 7 and "interest_subsidy" in modes:
                return "interest_subsidy"
            if k % 9 == 2 and "post_award" in modes:
                return "post_award"
        return "grant"

    # ----------------------------------------------------------------- applications
    def application(self, call, org, k: int):
        area_idx = min(self.areas.index(call.focus_area), len(TOPICS) - 1)
        stem, kws, dept_code = TOPICS[area_idx][k % len(TOPICS[area_idx])]
        if dept_code not in self.officers or k % 9 == 0:
            # A department this city does not have (or now and then another one): spread the routing.
            codes = sorted(self.officers)
            dept_code = codes[k % len(codes)]
        dept = self.depts[dept_code]
        user = self.applicant_for(org)
        requested = min(call.ceiling, Decimal(self.rng.randrange(30, 100)) * call.ceiling / 100).quantize(
            Decimal("1000")
        )
        mode = self.support_mode(call, org, k)
        if mode == "interest_subsidy":  # a subsidy never exceeds what one enterprise may receive
            cap = Decimal(str(self.profile.rule("interest_subsidy.per_enterprise_cap", requested)))
            requested = min(requested, (cap * Decimal("0.6")).quantize(Decimal("1000")))
        equipment = (requested * Decimal("0.3")).quantize(Decimal("1000"))
        labour = (requested * Decimal("0.15")).quantize(Decimal("1000"))
        indirect = (requested * Decimal("0.08")).quantize(Decimal("1000"))
        business = requested - equipment - labour - indirect
        suffix = self.rng.choice(
            ["研究与示范", "研发及产业化", "关键技术攻关", "集成创新与应用", "工程化研究", "技术开发"]
        )
        title = f"{stem}{suffix}"
        # Started some days after the call opened — never later than the real present.
        now = min(
            call.opens_at + dt.timedelta(days=self.rng.randint(1, 40)), _latest() - dt.timedelta(days=3)
        )
        app = apps.start_application(call, actor=user, department=dept, title=title, now=now)
        lead_name = self.rng.choice(data.PEOPLE)
        apps.save_draft(
            app,
            actor=user,
            abstract=ABSTRACT.format(
                city=self.city, industry=self.rng.choice(INDUSTRIES), kw0=kws[0], kw1=kws[1], kw2=kws[2]
            ),
            keywords=list(kws),
            subject_code=SUBJECTS[area_idx],
            requested_amount=requested,
            self_raised=(requested * Decimal("0.8")).quantize(Decimal("1000")),
            support_mode=mode,
            start_date=dt.date(self.year + 1, 1, 1),
            end_date=dt.date(self.year + 2, 12, 31),
            team=[
                {
                    "name": lead_name,
                    "id_number": id_number(self.rng, data.DIVISION[self.preset]),
                    "role": "lead",
                    "organisation_name": org.name,
                    "title": "高级工程师",
                },
                {
                    "name": self.rng.choice(data.PEOPLE),
                    "id_number": id_number(self.rng, data.DIVISION[self.preset]),
                    "role": "member",
                    "organisation_name": org.name,
                    "title": "工程师",
                },
            ],
            budget_lines=[
                {
                    "category": "equipment",
                    "item": "专用试验设备购置",
                    "amount": equipment,
                    "equipment_purchase": True,
                },
                {"category": "business", "item": "材料、测试化验加工、差旅会议等", "amount": business},
                {"category": "labour", "item": "项目聘用人员劳务费", "amount": labour},
                {"category": "indirect", "item": "间接费用", "amount": indirect},
            ],
            targets=[
                {
                    "kind": "output",
                    "name": "申请发明专利",
                    "indicator_type": "higher",
                    "unit": "件",
                    "target_value": self.rng.randint(2, 6),
                },
                {
                    "kind": "output",
                    "name": "形成新产品、新工艺",
                    "indicator_type": "higher",
                    "unit": "项",
                    "target_value": self.rng.randint(1, 3),
                },
                {
                    "kind": "outcome",
                    "name": "新增销售收入",
                    "indicator_type": "higher",
                    "unit": "万元",
                    "target_value": self.rng.randint(5, 50) * 100,
                },
                {
                    "kind": "outcome",
                    "name": "安全生产事故",
                    "indicator_type": "zero",
                    "unit": "起",
                    "target_value": 0,
                },
            ],
            milestones=[
                {"due_date": dt.date(self.year + 1, 12, 31), "description": "完成关键技术攻关与样机研制"},
                {"due_date": dt.date(self.year + 2, 12, 31), "description": "完成示范应用并通过验收"},
            ],
        )
        return app, now

    def run(self, orgs, experts) -> dict:
        call_list = self.calls(orgs)
        spring, autumn = call_list[:-1], call_list[-1]
        # 90 applications to the first call, 40 to each other call (fewer where only designated units
        # may apply), 24 to the autumn call: over 300 in all for either city.
        plan = {c.pk: self._n(90 if c is spring[0] else 40) for c in spring}
        plan[autumn.pk] = self._n(24)
        enterprises = [o for o in orgs if o.kind == OrganisationKind.ENTERPRISE and o.credit_status == "good"]
        per_org = defaultdict(int)
        made = defaultdict(list)
        self.log(f"  申报：{sum(plan.values())} 项 …")
        for call in call_list:
            designated = list(call.designated_organisations.all())
            candidates = designated or enterprises + [
                o for o in orgs if o.kind != OrganisationKind.ENTERPRISE and o.credit_status == "good"
            ]
            k = 0
            while len(made[call.pk]) < plan[call.pk] and k < plan[call.pk] * 4:
                # Walk the candidates from a different place per call, so most organisations apply somewhere.
                org = candidates[(k + call.pk * 17) % len(candidates)]
                k += 1
                if per_org[(call.pk, org.pk)] >= (call.per_org_limit if not designated else 3):
                    continue
                if call.eligible_kinds and org.kind not in call.eligible_kinds:
                    continue
                per_org[(call.pk, org.pk)] += 1
                made[call.pk].append(self.application(call, org, k))

        counts = defaultdict(int)
        for call in call_list:
            entries = made[call.pk]
            # Leave a few drafts; submit the rest.
            submitted = []
            for i, (app, now) in enumerate(entries):
                if i % 29 == 5:
                    continue  # stays a draft
                apps.submit_application(
                    app,
                    actor=self.applicant_for(app.organisation),
                    now=min(now + dt.timedelta(days=2), _latest()),
                )
                submitted.append(app)
            if call is autumn and not self.complete:
                self._screen(call, submitted, keep_open=True)
                continue
            passed = self._screen(call, submitted)
            self._formal(passed)
        # Review and decide the spring calls.
        reviewed = []
        for call in spring:
            ready = list(
                Application.objects.filter(call=call, state=ApplicationState.FORMAL_PASSED).order_by("id")
            )
            if call is spring[-1] and not self.complete:
                self._review(call, ready, experts, close=False)  # a round still open
                continue
            reviewed += self._review(call, ready, experts, close=True)
        self._decide(reviewed)
        for s in ApplicationState.values:
            counts[s] = Application.objects.filter(call__fund_year=self.fy, state=s).count()
        return counts

    def _screen(self, call, submitted, keep_open=False):
        rng = self.rng
        by_dept = defaultdict(list)
        for i, app in enumerate(submitted):
            officer = self.officers[app.department.code]
            if i % 23 == 3:
                apps.withdraw_application(
                    app, actor=self.applicant_for(app.organisation), reason="企业研发计划调整，主动撤回。"
                )
                continue
            if keep_open and i % 4 == 0:
                continue  # still waiting for the department
            if i % 17 == 4:
                apps.prescreen(app, actor=officer, decision="reject", reason="项目内容不属于本指南支持方向。")
                continue
            if i % 13 in (6, 9):
                apps.prescreen(
                    app,
                    actor=officer,
                    decision="return",
                    reason="预算编制依据不足，请补充设备购置明细后重新提交。",
                )
                if i % 13 == 6:  # revised and resubmitted, then recommended (9: still with the applicant)
                    apps.save_draft(
                        app,
                        actor=self.applicant_for(app.organisation),
                        abstract=app.abstract + "（已按部门意见补充设备购置明细。）",
                    )
                    apps.submit_application(
                        app,
                        actor=self.applicant_for(app.organisation),
                        now=min(call.closes_at - dt.timedelta(days=1), _latest()),
                    )
                else:
                    continue
            apps.prescreen(app, actor=officer, decision="recommend", reason="")
            by_dept[app.department.code].append(app)
        forwarded = []
        for code, recommended in by_dept.items():
            # A recommended one not yet forwarded (not in a concluded year).
            keep = 1 if len(recommended) > 3 and not self.complete else 0
            to_send = recommended[: len(recommended) - keep]
            if keep_open:
                to_send = to_send[: len(to_send) // 2]
            for n in range(0, len(to_send), 20):
                apps.forward_batch(
                    call,
                    actor=self.officers[code],
                    department=self.depts[code],
                    applications=to_send[n : n + 20],
                    note=f"{self.depts[code].short_name}第{n // 20 + 1}批推荐",
                )
            forwarded += to_send
        rng.shuffle(forwarded)
        return forwarded

    def _formal(self, forwarded):
        office = self.users["office"]
        for i, app in enumerate(forwarded):
            if i % 19 == 7 and not self.complete:
                continue  # awaiting the formal check
            if i % 16 == 2:
                apps.formal_check(
                    app, actor=office, result="failed", reason="承诺书未加盖单位公章，佐证材料不全。"
                )
            else:
                apps.formal_check(app, actor=office)

    def _review(self, call, ready, experts, *, close: bool):
        """The review engine as the office uses it: a round, an assignment plan computed by the engine
        (compliant random draw for competitions and commissions, optimal matching otherwise, the fairness
        option on the first call), reviewed and released; experts accept or decline (a decline brings a
        replacement), score; the round closes with trimmed means, calibration and disagreement flags.
        The first call's disputed and best applications then go to a meeting round (panel, votes), and
        the 组阁揭榜 call's best applications to a site visit."""
        office = self.users["office"]
        if not ready:
            return []
        mode = call.establishment_mode
        method = ReviewMethod.COMPETITION if mode == "competition" else ReviewMethod.REMOTE
        name = {"competition": str(ReviewMethod.COMPETITION.label), "commissioned": "专家论证"}.get(
            mode, "通讯评审"
        )
        rnd = review.create_round(call, actor=office, name=name, method=method, criteria=CRITERIA)
        first = self.first_call is None
        if first:
            self._declarations(ready, experts)
        draw = mode in ("competition", "commissioned", "challenge")
        plan = plans.create_plan(
            rnd,
            actor=office,
            mode="random" if draw else "optimal",
            seed=self.rng.randrange(1, 2**40) if draw else None,
            fairness=first,
            k=5 if first else 3,  # five on the first call: the highest and lowest totals are dropped
        )
        jobs.run(plan.job_id)  # the demo waits for the engine (the web runs it in the background)
        plan.refresh_from_db()
        if plan.state != "ready":
            raise RuntimeError(f"assignment plan failed: {plan.stats}")
        plans.release_plan(plan, actor=office)
        review.open_round(rnd, actor=office)
        assignments = list(rnd.assignments.select_related("expert__user").order_by("id"))
        quality = {a.application_id: self.rng.uniform(55, 95) for a in assignments}
        # One expert in fifteen declines (a schedule clash): the engine picks a replacement at once.
        for n, a in enumerate(assignments):
            if n % 15 == 4:
                review.decline(a, actor=a.expert.user, reason="评审期间出差，时间冲突，无法按期完成评审。")
            elif n % 4 == 0:
                review.accept(a, actor=a.expert.user)
        pending = list(
            rnd.assignments.filter(state__in=("assigned", "accepted"))
            .select_related("expert__user")
            .order_by("id")
        )
        disputed = set(list(quality)[1:3])  # two applications whose experts disagree
        seen = defaultdict(int)
        for n, a in enumerate(pending):
            if not close and n % 3 == 2:
                continue  # still being scored
            base = quality[a.application_id] + self.rng.uniform(-5, 5)
            seen[a.application_id] += 1
            if a.application_id in disputed and seen[a.application_id] == 2:
                base = max(30, base - 30)  # one expert far below the others
            scores = {c["code"]: max(0, min(100, round(base + self.rng.uniform(-6, 6)))) for c in CRITERIA}
            rec = "support" if base >= 80 else ("support_revised" if base >= 65 else "not_support")
            review.submit_score(
                a,
                actor=a.expert.user,
                scores=scores,
                comment="技术路线清晰，建议加强产业化应用论证。"
                if base >= 65
                else "研究目标偏大，关键技术路线论证不足。",
                recommendation=rec,
            )
        if not close:
            return []
        review.close_round(rnd, actor=office)
        held = list(Application.objects.filter(pk__in=quality).order_by("id"))
        if self.first_call is None:
            self.first_call = call
            self._meeting(rnd, experts)
        elif mode == "challenge":
            self._site_visit(rnd, experts)
        return held

    def _declarations(self, ready, experts):
        """An applicant asks that a named expert not review it (申请回避); an expert declares an economic
        interest in an applicant organisation. Both become conflicts the engine honours."""
        from techfund.review.services import exclusions
        from techfund.review.services import experts as pool

        app, other = ready[0], ready[1]
        named = next(e for e in experts[3:] if e.organisation_id != app.organisation_id)
        exclusions.add_exclusion(
            app,
            actor=self.applicant_for(app.organisation),
            name=named.name,
            organisation_name=named.organisation.name if named.organisation else named.organisation_name,
            reason="该专家所在单位与本单位在同一技术方向存在直接竞争关系。",
        )
        declarer = experts[5]
        pool.declare_relation(
            declarer,
            actor=declarer.user,
            kind="economic",
            organisation=other.organisation,
            note="本人担任该单位技术顾问并领取报酬。",
        )

    def _clear_experts(self, rnd, experts, applications) -> list:
        """Experts free of any conflict with these applications (the meeting's or visit's)."""
        from techfund.review.services.conflicts import eligible_experts, find_conflicts

        pool = [e for e in eligible_experts(rnd) if e in experts]
        found = find_conflicts(rnd, applications, pool)
        bad = {e for (_a, e) in found}
        return [e for e in pool if e.pk not in bad]

    def _meeting(self, remote, experts):
        """会议论证 after the remote review: the disputed applications and the two best go to a panel."""
        office = self.users["office"]
        results = list(remote.results.order_by("rank", "id").select_related("application"))
        best = [r.application for r in results if not r.disagreement][:2]
        agenda = [r.application for r in results if r.disagreement] + best
        rnd = review.create_round(
            remote.call,
            actor=office,
            name="会议论证",
            method=ReviewMethod.MEETING,
            criteria=CRITERIA,
            previous=remote,
        )
        clear = self._clear_experts(rnd, experts, agenda)
        size = self.profile.rule("review.panel_min") or 5
        if len(clear) < size:
            return
        members = clear[:size]
        panel = meetings.create_panel(rnd, actor=office, name="第一专家组", members=members, chair=members[0])
        meeting = meetings.schedule_meeting(
            panel,
            actor=office,
            held_at=at(self.year, 6, 18, 9),
            place="市科技局三楼会议室",
            applications=[(a, "通讯评审排名靠前，会议论证确认") for a in best],
        )
        rnd.refresh_from_db()
        review.open_round(rnd, actor=office)
        present = {m.pk: i != len(members) - 1 for i, m in enumerate(members)}  # one member absent
        votes = {}
        for item in meeting.agenda.all():
            disputed = item.reason == "disagreement"
            votes[item.application_id] = {
                m.pk: (
                    ("support_revised" if disputed and i % 2 else "support")
                    if not disputed or i < 3
                    else "not_support",
                    "经会议论证，同意专家组意见。",
                )
                for i, m in enumerate(members)
                if present[m.pk]
            }
        meetings.record_meeting(
            meeting,
            actor=office,
            attendance=present,
            minutes="会议听取了申报单位汇报，专家组对评分分歧较大的项目进行了重点论证，形成表决意见如下。",
            votes=votes,
        )
        review.close_round(rnd, actor=office)

    def _site_visit(self, remote, experts):
        """现场考核 of the 组阁揭榜 call's two best applications, by two conflict-free experts each."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        office = self.users["office"]
        best = [
            r.application for r in remote.results.order_by("rank", "id").select_related("application")[:2]
        ]
        rnd = review.create_round(
            remote.call,
            actor=office,
            name="现场考核",
            method=ReviewMethod.SITE_VISIT,
            criteria=CRITERIA,
            previous=remote,
        )
        clear = self._clear_experts(rnd, experts, best)
        if len(clear) < 2:
            return
        for app in best:
            for e in clear[:2]:
                review.assign(rnd, actor=office, application=app, expert=e)
        review.open_round(rnd, actor=office)
        for i, app in enumerate(best):
            pdf = b"%PDF-1.4\n% site visit photos\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
            site_visits.record_site_visit(
                rnd,
                app,
                actor=office,
                visited_on=dt.date(self.year, 6, 10 + i),
                place=f"{app.organisation.name}研发中心",
                experts=clear[:2],
                findings="研发场地、中试设备与人员配备与申报材料一致，已具备揭榜攻关条件。",
                conclusion="support",
                attachments=[SimpleUploadedFile(f"现场考核记录{i + 1}.pdf", pdf + str(app.pk).encode())],
            )
        review.close_round(rnd, actor=office)

    def _decide(self, reviewed):
        office, leader = self.users["office"], self.users["leader"]

        def score(a):
            result = a.round_results.order_by("-round__sequence").first()
            return result.score if result else Decimal(0)

        self.prizes = self._prizes(reviewed)
        by_score = sorted(reviewed, key=lambda a: -score(a))
        # Take the best-ranked applications while the focus area's allocation allows (10 % kept back).
        room = {a.pk: decisions.remaining_allocation(self.fy, a) * Decimal("0.9") for a in self.areas}
        chosen = []
        for app in by_score:
            amount = self._amount(app)
            if amount and score(app) >= 60 and room[app.call.focus_area_id] >= amount:
                room[app.call.focus_area_id] -= amount
                chosen.append(app)
        if self.complete:
            # Every support mode asked for gets its best-scored application funded (room permitting).
            for mode in sorted({a.support_mode for a in by_score} - {a.support_mode for a in chosen}):
                app = next((a for a in by_score if a.support_mode == mode and score(a) >= 60), None)
                amount = self._amount(app) if app is not None else 0
                if amount and room[app.call.focus_area_id] >= amount:
                    room[app.call.focus_area_id] -= amount
                    chosen.append(app)
        cut = len(chosen) if self.complete else len(chosen) * 5 // 6
        groups = [chosen[: len(chosen) // 2], chosen[len(chosen) // 2 : cut], chosen[cut:]]
        year = self.year
        # Batch 1: decided, publicised in July, objections resolved, ended → final.
        b1 = decisions.create_batch(self.fy, actor=office, title=f"{year}年度第一批立项建议清单")
        items1 = [self._propose(b1, a) for a in groups[0]]
        decisions.submit_batch(b1, actor=office)
        approved1 = []
        for i, item in enumerate(items1):
            if i % 11 == 4:
                decisions.decide_item(
                    item, actor=leader, decision="reject", basis="与在研项目内容重复，不予支持。"
                )
            elif i % 7 == 3:
                decisions.decide_item(
                    item,
                    actor=leader,
                    decision="modify",
                    amount=(item.amount * Decimal("0.8")).quantize(Decimal("1000")),
                    basis="压减设备购置预算，按80%安排。",
                )
                approved1.append(item)
            else:
                decisions.decide_item(item, actor=leader, decision="approve", basis="经领导小组研究同意。")
                approved1.append(item)
        p1 = decisions.publish_publicity(
            self.fy,
            actor=office,
            items=approved1,
            starts_on=dt.date(year, 7, 6),
            title=f"{year}年度市级科技创新发展资金第一批拟立项项目公示",
        )
        if len(approved1) >= 2:
            o1 = decisions.file_objection(
                p1,
                item=approved1[0],
                name="张先生",
                contact="13806331234",
                reason="该单位核心技术人员同时在另一申报项目中担任负责人，存在多头申报。",
                today=dt.date(year, 7, 8),
            )
            o2 = decisions.file_objection(
                p1,
                item=approved1[1],
                name="匿名群众",
                contact="（未留）",
                reason="怀疑该企业研发投入数据不实。",
                today=dt.date(year, 7, 9),
            )
            decisions.resolve_objection(
                o1,
                actor=office,
                upheld=True,
                reply="经核查，项目负责人在同一年度重复申报属实，撤销该项目立项。",
            )
            decisions.resolve_objection(
                o2, actor=office, upheld=False, reply="经核查企业财务审计报告，研发投入数据真实，异议不成立。"
            )
        decisions.end_publicity(p1, actor=office, today=dt.date(year, 7, 20))
        # Batch 2: decided and publicised now (still in publicity), with some approved items not yet publicised.
        if groups[1]:
            b2 = decisions.create_batch(self.fy, actor=office, title=f"{year}年度第二批立项建议清单")
            items2 = [self._propose(b2, a) for a in groups[1]]
            decisions.submit_batch(b2, actor=office)
            for item in items2:
                decisions.decide_item(item, actor=leader, decision="approve", basis="经领导小组研究同意。")
            half = items2 if self.complete else items2[: max(1, len(items2) * 2 // 3)]
            start = (
                decisions.next_working_day(dt.date(year, 9, 14))
                if self.complete
                else decisions.next_working_day(min(timezone.localdate(), dt.date(year, 12, 20)))
            )
            p2 = decisions.publish_publicity(
                self.fy,
                actor=office,
                items=half,
                starts_on=start,
                title=f"{year}年度市级科技创新发展资金第二批拟立项项目公示",
            )
            if self.complete:
                decisions.end_publicity(p2, actor=office, today=p2.ends_on + dt.timedelta(days=1))
        # Batch 3: still being drafted by the office (a concluded year has none).
        if groups[2] and not self.complete:
            b3 = decisions.create_batch(
                self.fy, actor=office, title=f"{year}年度第三批立项建议清单（拟定中）"
            )
            for a in groups[2]:
                self._propose(b3, a)

    def _prizes(self, reviewed) -> dict:
        """以赛代评: due diligence on the finalists, then each finalist's prize by rank ({app pk: prize};
        no prize, no proposal)."""
        from techfund.awards import demo as awards_demo
        from techfund.awards.services import prize_schedule

        calls = {a.call for a in reviewed if a.call.establishment_mode == "competition"}
        if not calls:
            return {}
        awards_demo.due_diligence(self.fy, self.users, defaultdict(int))
        return {ln.application.pk: ln.prize for call in calls for ln in prize_schedule(call).lines}

    def _amount(self, app) -> Decimal:
        if app.call.establishment_mode == "competition":
            return self.prizes.get(app.pk, Decimal(0))
        return min(app.requested_amount, app.call.ceiling)

    def _propose(self, batch, app):
        amount = self._amount(app)
        return decisions.propose_item(
            batch,
            actor=self.users["office"],
            application=app,
            amount=amount,
            support_mode=app.support_mode,
            note="评审排名靠前，建议支持。",
        )


def _latest() -> dt.datetime:
    """The demo never dates anything after now."""
    return timezone.now() - dt.timedelta(hours=1)


def _uscc(preset: str, n: int) -> str:
    from techfund.core import uscc

    return uscc.make("91" + data.DIVISION[preset], f"MA{n:05d}X"[:8])
