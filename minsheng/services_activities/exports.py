"""Exports of targeted lists for visits (xlsx, write-only): the fewest fields a visit needs — name,
address (building/room), grid, age, care flags; the phone only for an exporter entitled to it. Every
export is audit-logged as one read of personal data."""

from __future__ import annotations

from datetime import date

from minsheng.accounts.services import log_personal_data_read
from minsheng.core.spreadsheet import xlsx_row

from .roster import care_flags, phone_entitled
from .targeting import age_on

HEADER = ["序号", "姓名", "住址", "网格", "年龄", "关爱标记"]


def export_members(user, members, stream, *, on: date, purpose: str, include_phone: bool = False) -> int:
    """Write `members` (already narrowed to what `user` may see) to `stream`. Returns the number of rows."""
    from openpyxl import Workbook

    members = list(members.select_related("household__grid", "household__community", "household__building"))
    with_phone = include_phone and bool(members) and all(phone_entitled(user, m) for m in members)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("走访名单")
    ws.append(xlsx_row(ws, [f"{purpose}（{on:%Y-%m-%d}）"]))
    ws.append(xlsx_row(ws, HEADER + (["联系电话"] if with_phone else []) + ["走访情况"]))
    for n, m in enumerate(members, start=1):
        h = m.household
        row = [n, m.name, h.address, h.grid.name, age_on(m.birth_date, on), "、".join(care_flags(m, on))]
        if with_phone:
            row.append(m.phone)
        row.append("")
        ws.append(xlsx_row(ws, row))
    wb.save(stream)
    fields = ["name", "address", "age", "flags"] + (["phone"] if with_phone else [])
    log_personal_data_read(user=user, subject=f"export:{purpose}"[:60], fields=fields,
                           via=f"targeted-list xlsx, {len(members)} 人, {on:%Y-%m-%d}")
    return len(members)
