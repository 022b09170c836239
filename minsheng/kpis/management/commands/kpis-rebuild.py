from django.core.management.base import BaseCommand

from minsheng.kpis.counters import rebuild


class Command(BaseCommand):
    help = "从诉求数据重建三率计数器。Rebuild the KPI counters from the demand rows."

    def handle(self, *args, **options):
        n = rebuild()
        self.stdout.write(f"已按 {n} 件诉求重建计数器。")
