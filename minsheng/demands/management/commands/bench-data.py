import sys
import time

from django.core.management.base import BaseCommand

from minsheng.demands import bench_towns
from minsheng.demands.bench_data import generate


class Command(BaseCommand):
    help = ("批量加入 N 件带完整历史的合成诉求（仅用于性能测试，切勿用于正式环境）。Add synthetic demands; "
            "--towns N first builds N synthetic towns (accounts bench-tNN-town, bench-tNN-c01, bench-district, "
            f"password {bench_towns.BENCH_PASSWORD}) and spreads the demands over them.")

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
        parser.add_argument("--towns", type=int,
                            help="ensure N synthetic towns exist (idempotent: only missing ones are built) and "
                                 "spread the demands uniformly over their grids (not the demo town's); without "
                                 "--demands/--open only the towns are built")
        parser.add_argument("--communities", type=int, default=40, help="communities per synthetic town")
        parser.add_argument("--grids", type=int, default=6, help="grids per synthetic community")
        parser.add_argument("--from-town", type=int, default=1, dest="from_town",
                            help="with --towns: spread the demands over synthetic towns FROM_TOWN..N only "
                                 "(e.g. the towns just added)")

    def handle(self, *args, demands: int, seed: int, batch: int, days: int, ago: int, open_: int,
               towns: int | None, communities: int, grids: int, from_town: int, **options):
        if demands is None:
            demands = open_
        if towns is None:
            if demands <= 0 or days <= 0 or ago < 0 or not 0 <= open_ <= demands:
                self.fail("--demands（或 --open）与 --days 须为正整数，--ago 不能为负，--open 不能多于 --demands")
        else:
            try:
                bench_towns.check(towns, communities, grids)
            except ValueError as exc:
                self.fail(str(exc))
            if not 1 <= from_town <= towns:
                self.fail("--from-town 须在 1 与 --towns 之间")
            if demands < 0 or open_ < 0 or days <= 0 or ago < 0 or open_ > demands:
                self.fail("--demands 与 --open 不能为负，--days 须为正整数，--ago 不能为负，--open 不能多于 --demands")
        if batch <= 0:
            self.fail("--batch 须为正整数")
        start = time.perf_counter()
        only_grids = None
        if towns is not None:
            try:
                built = bench_towns.build(towns, communities=communities, grids=grids)
            except ValueError as exc:
                self.fail(str(exc))
            self.stdout.write(
                f"合成镇 {len(built.towns)} 个（新建 {built.created_towns} 个镇、{built.created_communities} 个社区、"
                f"{built.created_grids} 个网格、{built.created_users} 个账号），用时 {time.perf_counter() - start:.1f} 秒。")
            if demands == 0:
                return
            only_grids = bench_towns.grids_of(built.towns[from_town - 1:])

        def progress(done: int) -> None:
            rate = done / max(time.perf_counter() - start, 1e-9)
            self.stderr.write(f"\r{done}/{demands}  {rate:,.0f}/s", ending="")

        start = time.perf_counter()
        try:
            n = generate(demands, seed=seed, batch=batch, days=days, ago=ago, open_=open_, grids=only_grids,
                         progress=progress)
        except ValueError as exc:
            self.fail(str(exc))
        self.stderr.write("")
        self.stdout.write(f"已加入 {n} 件合成诉求，用时 {time.perf_counter() - start:.1f} 秒。")

    def fail(self, message: str):
        self.stderr.write(f"错误：{message}")
        sys.exit(1)
