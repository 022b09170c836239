"""`minsheng triage FILE.jsonl`: one JSON line out per line in, same order, streaming."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from minsheng.triage.batch import BatchTriage


class Command(BaseCommand):
    help = ("对 JSONL 中每条诉求（id、text，可选 channel）输出分类、紧急、社区、网格、置信度和重复簇。"
            "Triage a JSONL file of demands.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="JSONL file, or - for standard input")
        parser.add_argument("--town", help="town name (default: the only town, or the demo gazetteer)")

    def handle(self, *args, file: str, town: str | None = None, **options):
        batch = BatchTriage.for_town(town)
        stream = sys.stdin if file == "-" else None
        try:
            handle = stream or open(file, encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"无法打开 {file}：{exc}") from exc
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
                    out = {"id": None, "error": str(exc)}
                    self.stdout.write(json.dumps(out, ensure_ascii=False))
                    continue
                self.stdout.write(json.dumps(batch.run(item), ensure_ascii=False))
                self.stdout.flush()
        if bad:
            sys.exit(1)
