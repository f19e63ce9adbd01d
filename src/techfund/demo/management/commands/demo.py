import time

from django.core.management.base import BaseCommand, CommandError

from techfund.demo import data
from techfund.demo.generator import DemoError, generate


class Command(BaseCommand):
    help = "生成演示年度数据（通过业务服务，可重复运行）并打印各角色登录账号。"

    def add_arguments(self, parser):
        parser.add_argument("--preset", default="rizhao", choices=["rizhao", "taian"])
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, preset, year, **opts):
        t0 = time.monotonic()
        try:
            demo = generate(preset, year, log=self.stdout.write)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        took = time.monotonic() - t0
        what = "生成" if demo.created else "已存在，未重复生成"
        self.stdout.write(f"演示数据（{data.CITY[preset]}，{demo.year}年度）{what}，用时 {took:.1f} 秒。")
        self.stdout.write(f"所有账号的密码均为：{data.DEMO_PASSWORD}")
        self.stdout.write(f"{'账号':<26}{'角色':<10}范围")
        shown: dict[str, int] = {}

        def limit(role: str) -> int:
            return 8 if role == "职能部门" else 3

        for login in demo.logins:
            shown[login.role] = shown.get(login.role, 0) + 1
            if shown[login.role] <= limit(login.role):
                self.stdout.write(f"{login.username:<28}{login.role:<10}{login.scope}")
        for role, n in shown.items():
            if n > limit(role):
                self.stdout.write(f"（另有{role}账号 {n - limit(role)} 个，见“账号管理”页面）")
        if demo.counts:
            from techfund.applications.enums import ApplicationState
            from techfund.projects.enums import ProjectState

            apps = [
                (ApplicationState(k).label, v)
                for k, v in demo.counts.items()
                if k in ApplicationState.values and v
            ]
            projects = [
                (ProjectState(k.removeprefix("project_")).label, v)
                for k, v in demo.counts.items()
                if k.startswith("project_") and v
            ]
            self.stdout.write("本年度申报按状态：" + "，".join(f"{label} {v}" for label, v in apps))
            if projects:
                self.stdout.write(
                    "项目（两个年度）按状态：" + "，".join(f"{label} {v}" for label, v in projects)
                )
