from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("在留出集上打印各分类的准确率/召回率/F1、紧急 F1、地点准确率和重复对 F1。"
            "Evaluate the triage model on the held-out split.")

    def add_arguments(self, parser):
        parser.add_argument("--errors", type=int, default=0, help="同时列出前 N 个错例")

    def handle(self, *args, errors: int = 0, **options):
        from minsheng.triage.engine.evaluate import run

        run(show_errors=errors)
