import sys

from django.core.management.base import BaseCommand

from minsheng.services_activities.importer import RosterError, import_file


class Command(BaseCommand):
    help = "导入居民花名册 (xlsx)：全部或全不；任何一行有误则不写入并列出每个错误行。Import a resident roster."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args, file: str, dry_run: bool = False, **options):
        try:
            report = import_file(file, dry_run=dry_run)
        except RosterError as exc:
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
        verb = "可导入" if dry_run else "新建"
        self.stdout.write(f"共 {report.rows} 行：{verb} {report.households_created} 户、{report.created} 人，"
                          f"更新 {report.updated} 人，未变 {report.unchanged} 人。")
