from django.core.management.base import BaseCommand

from minsheng.triage.engine import evaluate


class Command(BaseCommand):
    help = ("分拣模型的评估：各撰写人文本由未见过该撰写人的模型判断的结果（训练时计算），以及冻结的留出集上的"
            "“首次查看”数字（分类、紧急、地点、重复、微信群诉求识别）。"
            "Evaluate the triage engine: across writers, and first look on the frozen held-out sets.")

    def add_arguments(self, parser):
        parser.add_argument("--errors", type=int, default=0, help="同时列出前 N 个错例")

    def handle(self, *args, errors: int = 0, **options):
        evaluate.cross_hand(out=self.stdout)
        evaluate.first_look(show_errors=errors, out=self.stdout)
        # The chat detector lives in collection, which sits above triage.
        from minsheng.collection import chat_eval

        chat_eval.first_look(out=self.stdout)
