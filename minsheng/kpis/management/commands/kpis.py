import json
import sys

from django.core.management.base import BaseCommand

from minsheng.core.errors import DomainError
from minsheng.kpis.selectors import kpis


class Command(BaseCommand):
    help = "打印某辖区某时期的三率（JSON）。Print the three rates for a territory and period as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--scope", required=True, help="镇、社区或网格名称")
        parser.add_argument("--period", required=True, help="2026 | 2026-10 | 2026-Q4 | 2026-10-01..2026-10-31")

    def handle(self, *args, scope: str, period: str, **options):
        try:
            data = kpis(scope, period)
        except DomainError as exc:
            self.stderr.write(f"错误：{exc.detail}")
            sys.exit(1)
        self.stdout.write(json.dumps(data, ensure_ascii=False))
