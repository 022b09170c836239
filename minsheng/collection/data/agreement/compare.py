"""How far two writers agree on which messages are demands: each export here was labelled a second time,
blind to the first labels, by a writer given only the brief; printed per export and pooled.

    python minsheng/collection/data/agreement/compare.py
"""

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
WRITTEN = HERE.parent / "written"


def lines(path: Path) -> set[int]:
    with open(path, encoding="utf-8") as f:
        return {json.loads(row)["line"] for row in f if row.strip()}


def main() -> None:
    tp = fp = fn = 0
    for second in sorted(HERE.glob("*.labels.jsonl")):
        a, g = lines(second), lines(WRITTEN / second.name)
        tp, fp, fn = tp + len(a & g), fp + len(a - g), fn + len(g - a)
        f1 = 2 * len(a & g) / (2 * len(a & g) + len(a ^ g))
        print(f"{second.name.split('.')[0]}: first {len(g)}, second {len(a)}, both {len(a & g)}, F1 {f1:.3f}")
    print(f"pooled: F1 {2 * tp / (2 * tp + fp + fn):.3f} (both {tp}, second only {fp}, first only {fn})")


if __name__ == "__main__":
    main()
