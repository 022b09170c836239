from minsheng.collection.services.ledger import import_file
from minsheng.core.management.sheet_import import SheetImportCommand


class Command(SheetImportCommand):
    help = "导入民情台账 (xlsx)：全部或全不；任何一行有误则不写入并列出每个错误行。Import a 民情台账."

    def import_file(self, path: str, *, dry_run: bool):
        return import_file(path, dry_run=dry_run)

    def summary(self, report, *, dry_run: bool) -> str:
        verb = "可导入" if dry_run else "新建"
        return f"共 {report.rows} 行：{verb} {report.created}，已存在 {report.existing}。"
