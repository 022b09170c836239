import sys
import time

from django.core.management.base import BaseCommand

from minsheng.demands.bench_data import generate


class Command(BaseCommand):
    help = "批量加入 N 件带完整历史的合成诉求（仅用于性能测试，切勿用于正式环境）。Add synthetic demands."

    def add_arguments(self, parser):
        parser.add_argument("--demands", type=int, required=True)
        parser.add_argument("--seed", type=int, default=20261128)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--days", type=int, default=730,
                            help="spread the demands over DAYS days (recent ones are still open)")
        parser.add_argument("--ago", type=int, default=0,
                            help="the span ends AGO days before now (--ago 60: history only, nothing left open)")

    def handle(self, *args, demands: int, seed: int, batch: int, days: int, ago: int, **options):
        if demands <= 0 or days <= 0 or ago < 0:
            self.stderr.write("--demands 与 --days 须为正整数，--ago 不能为负")
            sys.exit(1)
        start = time.perf_counter()

        def progress(done: int) -> None:
            rate = done / max(time.perf_counter() - start, 1e-9)
            self.stderr.write(f"\r{done}/{demands}  {rate:,.0f}/s", ending="")

        try:
            n = generate(demands, seed=seed, batch=batch, days=days, ago=ago, progress=progress)
        except ValueError as exc:
            self.stderr.write(f"错误：{exc}")
            sys.exit(1)
        self.stderr.write("")
        self.stdout.write(f"已加入 {n} 件合成诉求，用时 {time.perf_counter() - start:.1f} 秒。")
