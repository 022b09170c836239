from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "用语料（和工作人员的更正）重新训练分拣模型（可复现）。Retrain the triage model reproducibly."

    def add_arguments(self, parser):
        parser.add_argument("--split", action="store_true", help="只用训练集（评估用）")
        parser.add_argument("--with-feedback", action="store_true",
                            help="把工作人员在系统里更正过的分类一并加入训练语料")
        parser.add_argument("--out", default=None, help="模型输出路径（默认 minsheng/triage/data/model.joblib）")

    def handle(self, *args, split: bool = False, with_feedback: bool = False, out: str | None = None, **options):
        import json
        import tempfile
        from pathlib import Path

        from minsheng.triage.engine.train import CORPUS, train
        from minsheng.triage.feedback import feedback_items

        corpus = CORPUS
        extra = feedback_items() if with_feedback else []
        if extra:
            tmp = Path(tempfile.mkdtemp()) / "corpus.jsonl"
            with open(CORPUS, encoding="utf-8") as src, open(tmp, "w", encoding="utf-8") as dst:
                dst.write(src.read().rstrip("\n") + "\n")
                for item in extra:
                    dst.write(json.dumps(item, ensure_ascii=False) + "\n")
            corpus = tmp
        tri = train(corpus_path=corpus, out_path=out, use_all=not split)
        self.stdout.write(f"已训练：{tri.params['n_train']} 条语料（其中工作人员更正 {len(extra)} 条），"
                          f"{len(tri.vocab)} 个特征 → {out or '默认模型文件'}")
