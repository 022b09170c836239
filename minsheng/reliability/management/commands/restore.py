"""`minsheng restore FILE`: restore an archive of `minsheng backup` into an empty data directory/database."""

from django.core.management.base import BaseCommand, CommandError

from minsheng.reliability.backup import BackupError, restore


class Command(BaseCommand):
    help = "从备份文件恢复到空的数据目录或空数据库。Restore a backup into an empty data directory or database."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="an archive written by `minsheng backup`")

    def handle(self, *args, file: str, **options):
        try:
            manifest = restore(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["row_counts"].values())
        files = sum(1 for m in manifest["members"] if m["name"].startswith("media/"))
        self.stdout.write(self.style.SUCCESS(
            f"已恢复 restored: {file} (created {manifest['created_at']}) — {len(manifest['row_counts'])} tables, "
            f"{rows} rows, {files} uploaded files; row counts match the manifest"))
