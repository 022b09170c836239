from django.core.management.base import BaseCommand

from minsheng.triage.engine.train import train
from minsheng.triage.feedback import feedback_items


class Command(BaseCommand):
    help = ("用各来源的标注语料（和工作人员的更正）重新训练分拣模型（可复现），再训练群聊诉求识别模型。"
            "Retrain the triage model reproducibly, then the chat demand detector.")

    def add_arguments(self, parser):
        parser.add_argument("--with-feedback", action="store_true",
                            help="把工作人员在系统里更正过的分类一并加入训练语料")
        parser.add_argument("--out", default=None, help="模型输出路径（默认 minsheng/triage/data/model.joblib）")

    def handle(self, *args, with_feedback: bool = False, out: str | None = None, **options):
        extra = feedback_items() if with_feedback else []
        tri = train(out_path=out, extra=extra)
        self.stdout.write(f"已训练：{tri.params['n_train']} 条语料（其中工作人员更正 {len(extra)} 条），"
                          f"{len(tri.vocab)} 个特征 → {out or '默认模型文件'}")
        self.stdout.write(f"紧急阈值 {tri.params['thresholds']}；重复阈值 {tri.params['pairs']['thresholds']}")
        if out is None:
            # The chat detector lives in collection, which sits above triage.
            from minsheng.collection.data.train_chat import train as train_chat

            model = train_chat(tri)
            path = model.save()
            self.stdout.write(f"群聊诉求识别模型 → {path}")
