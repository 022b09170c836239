"""Builds ledger workbooks for tests."""

from pathlib import Path

from openpyxl import Workbook

HEADER = ["编号", "登记时间", "渠道", "社区", "网格", "诉求人", "联系电话", "诉求内容", "地点", "分类", "紧急",
          "承办人", "派单时间", "首次联系时间", "办结时间", "回访时间", "解决情况", "满意度"]


def row(code, received, community="采菱社区", text="楼道灯不亮", **kw) -> dict:
    return {"编号": code, "登记时间": received, "社区": community, "诉求内容": text, **kw}


def write(path: Path, rows: list[dict], header: list[str] = HEADER, sheet_first: list | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    if sheet_first is not None:
        for r in sheet_first:
            ws.append(r)
        ws = wb.create_sheet("台账")
    ws.append(header)
    for r in rows:
        ws.append([r.get(h) for h in header])
    wb.save(path)
    return path
