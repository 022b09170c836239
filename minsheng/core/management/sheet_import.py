"""The one shape of an Excel import command (`minsheng import-ledger`, `minsheng import-roster`):
all or nothing; any bad row writes nothing and lists every bad row; --dry-run checks only."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand

from minsheng.core.spreadsheet import SheetError


class SheetImportCommand(BaseCommand):
    def import_file(self, path: str, *, dry_run: bool):
        """Read and (unless dry_run) write the file; returns a report with `rows` and `errors`."""
        raise NotImplementedError

    def summary(self, report, *, dry_run: bool) -> str:
        """The closing line for a file that went in (or would have)."""
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args, file: str, dry_run: bool = False, **options):
        try:
            report = self.import_file(file, dry_run=dry_run)
        except SheetError as exc:
            self.stderr.write(f"错误：{exc}")
            sys.exit(1)
        except FileNotFoundError:
            self.stderr.write(f"错误：找不到文件 {file}")
            sys.exit(1)
        if report.errors:
            for row, reason in report.errors:
                self.stderr.write(f"第 {row} 行：{reason}")
            self.stderr.write(f"共 {report.rows} 行，{len(report.errors)} 行有误，未导入任何数据。")
            sys.exit(1)
        self.stdout.write(self.summary(report, dry_run=dry_run))
