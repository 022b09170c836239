"""`minsheng backup FILE`: a consistent copy of all data while the app runs (see reliability.backup)."""

from django.core.management.base import BaseCommand, CommandError

from minsheng.reliability.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份全部数据（数据库、上传文件、密钥）到一个文件。Back up all data into one archive file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the archive to write (tar.gz)")

    def handle(self, *args, file: str, **options):
        try:
            manifest = backup(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(manifest["row_counts"].values())
        files = sum(1 for m in manifest["members"] if m["name"].startswith("media/"))
        self.stdout.write(self.style.SUCCESS(
            f"已备份 backed up: {file} — {manifest['engine']}, {len(manifest['row_counts'])} tables, "
            f"{rows} rows, {files} uploaded files"))
