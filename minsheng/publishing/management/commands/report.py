from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minsheng.core.errors import DomainError
from minsheng.publishing.bulletin import FORMATS, render


class Command(BaseCommand):
    help = "写出某个镇/社区/网格某期的民生微实事简报（md、docx 或 pdf）。Write the bulletin."

    def add_arguments(self, parser):
        parser.add_argument("--scope", required=True, help="镇、社区或网格名称")
        parser.add_argument("--period", required=True, help="2026、2026-10、2026-Q4 或 2026-10-01..2026-10-31")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("--out", required=True, help="输出文件")

    def handle(self, *args, scope, period, format, out, **options):
        try:
            data = render(scope, period, format)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        Path(out).write_bytes(data)
        self.stdout.write(f"已写出 {out}（{len(data)} 字节）")
