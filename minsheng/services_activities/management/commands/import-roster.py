from minsheng.core.management.sheet_import import SheetImportCommand
from minsheng.services_activities.importer import import_file


class Command(SheetImportCommand):
    help = "导入居民花名册 (xlsx)：全部或全不；任何一行有误则不写入并列出每个错误行。Import a resident roster."

    def import_file(self, path: str, *, dry_run: bool):
        return import_file(path, dry_run=dry_run)

    def summary(self, report, *, dry_run: bool) -> str:
        verb = "可导入" if dry_run else "新建"
        return (f"共 {report.rows} 行：{verb} {report.households_created} 户、{report.created} 人，"
                f"更新 {report.updated} 人，未变 {report.unchanged} 人。")
