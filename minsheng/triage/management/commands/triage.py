"""`minsheng triage FILE.jsonl`: one JSON line out per line in, same order — the complete assessment
(fast heads, meaning vectors, full heads, duplicate clusters over the whole file)."""

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from minsheng.triage.batch import BatchTriage


class Command(BaseCommand):
    help = ("对 JSONL 中每条诉求（id、text，可选 channel）输出分类、紧急（含“可能紧急”）、社区、网格、置信度和重复簇："
            "完整评估，含语义模型。Triage a JSONL file of demands with every model the engine has.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSONL file, or - for standard input")
        parser.add_argument("--town", help="town name (default: the only town, or the demo gazetteer)")
        parser.add_argument("--fast", action="store_true",
                            help="只用快速模型（不计算语义向量）；only the fast heads, no meaning vectors")
        parser.add_argument("--timing", action="store_true", help="在标准错误输出每条耗时 / per-item cost on stderr")

    def handle(self, *args, file: str, town: str | None = None, fast: bool = False, timing: bool = False,
               **options):
        batch = BatchTriage.for_town(town, full=not fast)
        stream = sys.stdin if file == "-" else None
        try:
            handle = stream or open(file, encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"无法打开 {file}：{exc}") from exc
        items: list[tuple[int, dict | str]] = []
        bad = 0
        with handle:
            for number, line in enumerate(handle, start=1):
                line = line.strip()
                if not line:
                    continue
                try:
                    item = json.loads(line)
                    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                        raise ValueError("需要含 text 字段的 JSON 对象")
                except ValueError as exc:
                    bad += 1
                    self.stderr.write(f"第 {number} 行无法解析：{exc}")
                    items.append((number, str(exc)))
                    continue
                items.append((number, item))
        good = [it for _n, it in items if isinstance(it, dict)]
        t0 = time.perf_counter()
        rows = iter(batch.run_all(good))
        for _number, it in items:
            out = next(rows) if isinstance(it, dict) else {"id": None, "error": it}
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        if timing and good:
            spent = time.perf_counter() - t0
            self.stderr.write(f"{len(good)} 条，{spent:.2f} s，每条 {1000 * spent / len(good):.2f} ms"
                              f"（{'快速模型' if fast else '完整评估'}）")
        if bad:
            sys.exit(1)
