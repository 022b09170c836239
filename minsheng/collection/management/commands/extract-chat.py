"""`minsheng extract-chat FILE.txt`: the demands in a WeChat group export, one JSON line each, in file order."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from minsheng.collection.chat import ChatExtractor
from minsheng.collection.chat_export import ChatFormatError, decode, parse_lines, read_file
from minsheng.triage.batch import BatchTriage
from minsheng.triage.engine import load_default


class Command(BaseCommand):
    help = ("从微信群聊天记录导出文件（每行“YYYY-MM-DD HH:MM 昵称: 内容”）中提取居民诉求，每条诉求输出一行 JSON："
            "line、text、category、urgent、cluster（另有 time、sender）。Extract demands from a WeChat group export.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="the export (.txt, UTF-8), or - for standard input")
        parser.add_argument("--group", help="group, compound or community the chat belongs to (e.g. 采菱家园二期5幢楼道群)")
        parser.add_argument("--town", help="town name (default: the only town, or the demo gazetteer)")
        parser.add_argument("--all", action="store_true", help="print every message with its decision and reason")

    def handle(self, *args, file: str, group: str | None = None, town: str | None = None, all: bool = False,
               **options):

        try:
            if file == "-":

                text = decode(sys.stdin.buffer.read())
            else:
                text = read_file(file)
        except ChatFormatError as exc:
            self.stderr.write(f"错误：{file}：{exc}")
            sys.exit(1)
        except OSError as exc:
            self.stderr.write(f"错误：无法读取 {file}：{exc.strerror or exc}")
            sys.exit(1)
        messages = list(parse_lines(text.splitlines()))
        if not any(not m.system for m in messages):
            self.stderr.write(f"错误：{file}：没有找到聊天记录行（每条消息应以“YYYY-MM-DD HH:MM 昵称: 内容”开头）")
            sys.exit(1)
        try:
            engine = BatchTriage.for_town(town).engine
        except CommandError as exc:
            self.stderr.write(f"错误：{exc}")
            sys.exit(1)
        except DatabaseError:
            if town:
                self.stderr.write("错误：数据库不可用，无法按镇名读取地名库")
                sys.exit(1)

            engine = load_default()          # no database (not migrated): the demo gazetteer
        out = self.stdout
        try:
            for d in ChatExtractor(engine, group=group).run(messages):
                if d.demand:
                    out.write(json.dumps(d.as_json(), ensure_ascii=False))
                elif all and d.kind != "system":
                    out.write(json.dumps({"line": d.line, "demand": False, "text": d.text, "reason": d.reason,
                                          "time": d.as_json()["time"], "sender": d.sender,
                                          "maybe_urgent": d.maybe_urgent}, ensure_ascii=False))
                else:
                    continue
                out.flush()
        except BrokenPipeError:        # `| head`
            sys.stderr.close()
            sys.exit(0)
