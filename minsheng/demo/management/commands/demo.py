from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from minsheng.accounts.demo import DEMO_PASSWORD, describe
from minsheng.demo.loaders import load_all
from minsheng.publishing.demo import DEMO_KEY


class Command(BaseCommand):
    help = "迁移数据库并载入湖塘镇示例（幂等），打印演示账号。Migrate and load the 湖塘镇 demo town."

    def add_arguments(self, parser):
        parser.add_argument(
            "--territory-only", action="store_true",
            help="只载入镇、社区、网格、小组、地点和账号（不含诉求、项目、活动）",
        )

    def handle(self, *args, territory_only: bool = False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        with transaction.atomic():
            load_all(territory_only=territory_only)
        self.stdout.write(self.style.SUCCESS("湖塘镇示例已载入。Demo town 湖塘镇 is loaded."))
        self.stdout.write(f"演示账号 Demo accounts (password / 密码: {DEMO_PASSWORD}):")
        for line in describe():
            self.stdout.write("  " + line)

        self.stdout.write(f"  Open311 api_key      {DEMO_KEY}")
