import sys
import time

from django.core.management.base import BaseCommand

from minsheng.demands.bench_data import generate


class Command(BaseCommand):
    help = "批量加入 N 件带完整历史的合成诉求（仅用于性能测试，切勿用于正式环境）。Add synthetic demands."

    def add_arguments(self, parser):
        parser.add_argument("--demands", type=int, help="how many (default: --open)")
        parser.add_argument("--seed", type=int, default=20261128)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--days", type=int, default=730,
                            help="spread the demands over DAYS days (recent ones are still open)")
        parser.add_argument("--ago", type=int, default=0,
                            help="the span ends AGO days before now (--ago 60: history only, nothing left open)")
        parser.add_argument("--open", type=int, default=0, dest="open_",
                            help="OPEN of the demands are still open (received in the last 45 days, spread over "
                                 "registration, acceptance, dispatch and work; the older ones overdue)")

    def handle(self, *args, demands: int, seed: int, batch: int, days: int, ago: int, open_: int, **options):
        if demands is None:
            demands = open_
        if demands <= 0 or days <= 0 or ago < 0 or not 0 <= open_ <= demands:
            self.stderr.write("--demands（或 --open）与 --days 须为正整数，--ago 不能为负，--open 不能多于 --demands")
            sys.exit(1)
        start = time.perf_counter()

        def progress(done: int) -> None:
            rate = done / max(time.perf_counter() - start, 1e-9)
            self.stderr.write(f"\r{done}/{demands}  {rate:,.0f}/s", ending="")

        try:
            n = generate(demands, seed=seed, batch=batch, days=days, ago=ago, open_=open_, progress=progress)
        except ValueError as exc:
            self.stderr.write(f"错误：{exc}")
            sys.exit(1)
        self.stderr.write("")
        self.stdout.write(f"已加入 {n} 件合成诉求，用时 {time.perf_counter() - start:.1f} 秒。")
