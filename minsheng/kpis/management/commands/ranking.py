import json
import sys

from django.core.management.base import BaseCommand

from minsheng.core.errors import DomainError
from minsheng.kpis import rankings
from minsheng.kpis import services as kpi_services


class Command(BaseCommand):
    help = ("打印某月各社区（及各镇）按综合得分的排名（JSON）；--publish 发布为不再变动的快照。"
            "Print a month's ranking by the composite as JSON; --publish stores it as a published snapshot.")

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="2026-10")
        parser.add_argument("--town", default="", help="只排该镇的社区（默认：每个镇，以及各镇之间）")
        parser.add_argument("--publish", action="store_true",
                            help="发布（已发布的月份保持原样，打印已发布的数字）")

    def handle(self, *args, month: str, town: str, publish: bool, **options):
        try:
            t = rankings.find_town(town)
            if publish:
                found, _created = kpi_services.publish_ranking(month, town=t)
                data = {"month": rankings.parse_month(month).label, "rankings": [rankings.as_json(r) for r in found]}
            else:
                data = rankings.compute(month, town=t)
        except DomainError as exc:
            self.stderr.write(f"错误：{exc.detail}")
            sys.exit(1)
        self.stdout.write(json.dumps(data, ensure_ascii=False))
