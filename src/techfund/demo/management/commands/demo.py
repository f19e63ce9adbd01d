import time

from django.core.management.base import BaseCommand

from techfund.demo import data
from techfund.demo.generator import generate


class Command(BaseCommand):
    help = "生成演示年度数据（通过业务服务，可重复运行）并打印各角色登录账号。"

    def add_arguments(self, parser):
        parser.add_argument("--preset", default="rizhao", choices=["rizhao", "taian"])
        parser.add_argument("--year", type=int, default=None)

    def handle(self, *args, preset, year, **opts):
        t0 = time.monotonic()
        demo = generate(preset, year)
        took = time.monotonic() - t0
        what = "生成" if demo.created else "已存在，未重复生成"
        self.stdout.write(f"演示数据（{data.CITY[preset]}，{demo.year}年度）{what}，用时 {took:.1f} 秒。")
        self.stdout.write(f"所有账号的密码均为：{data.DEMO_PASSWORD}")
        self.stdout.write(f"{'账号':<26}{'角色':<10}范围")
        for login in demo.logins:
            self.stdout.write(f"{login.username:<28}{login.role:<10}{login.scope}")
