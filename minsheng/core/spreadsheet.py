"""Spreadsheets in and out, one way each.

Out: cells for every exported spreadsheet (xlsx and csv): text that a resident or staff member wrote is
written as text, never as a formula (formula/CSV injection, issue #17). Numbers and dates that the
code itself produces pass through unchanged. Every exporter builds its rows through `xlsx_row` or
`csv_row`; a new exporter should too.

In: `read_sheet`, for the 民情台账 and the resident roster: the first sheet's first row names the
columns; every other non-empty row is parsed on its own, and a row that cannot be is listed with its
number and reason. Writing is all or nothing, decided by the caller: nothing is written while any row
is wrong."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What Excel, LibreOffice or WPS may take for the start of a formula, including the full-width forms
# that Chinese input methods type and that some spreadsheet programs accept as the ASCII ones.
FORMULA_START = frozenset("=+-@＝＋－＠")
# Spreadsheets skip leading whitespace (tab, CR, LF, space, the full-width space U+3000, NBSP: all
# covered by str.isspace) and may skip these invisible marks before deciding what a cell is.
_INVISIBLE = frozenset("\ufeff\u200b\u200c\u200d\u2060")
# A bare number such as "-5" is read as that number, not as a formula: nothing to neutralise.
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def formula_like(value: Any) -> bool:
    """Whether `value` is text a spreadsheet could read as a formula."""
    if not isinstance(value, str):
        return False
    for ch in value:
        if ch.isspace() or ch in _INVISIBLE:
            continue
        return ch in FORMULA_START
    return False


def csv_cell(value: Any) -> Any:
    """OWASP's advice for CSV: prefix a single quote. A csv file cannot mark a field as text any other
    way; the quote shows in the cell, which is honest about the change (the rest is exactly as written)."""
    if formula_like(value) and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def xlsx_row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """Values for `ws.append` (write-only or ordinary worksheet). Formula-like text becomes a string
    cell (openpyxl would otherwise store "=…" as a formula) with Excel's quotePrefix, the mark Excel
    itself sets when someone types a leading apostrophe: the cell shows the text exactly as written,
    with no added character, and stays text when a user edits it (F2, Enter) in Excel or LibreOffice."""
    out: list[Any] = []
    for v in values:
        if isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v):
            # XML 1.0 cannot hold most control characters (a pasted BEL, a form feed): openpyxl refuses
            # the whole file. They print nothing, so dropping them changes nothing a reader sees.
            v = ILLEGAL_CHARACTERS_RE.sub("", v)
        if formula_like(v):
            cell = WriteOnlyCell(ws, value=v)
            cell.data_type = "s"
            cell.quotePrefix = True
            out.append(cell)
        else:
            out.append(v)
    return out


Row = TypeVar("Row")


class SheetError(Exception):
    """The file as a whole cannot be read (not xlsx, an empty sheet, missing or repeated headers)."""


def cell_text(value) -> str:
    """A cell as the text a person typed: None → "", 12.0 → "12", surrounding spaces dropped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_sheet(path: str | Path, *, columns: Iterable[str], required: list[str],
               parse: Callable[[int, Callable[[str], object]], Row], errors: list[tuple[int, str]],
               error: type[SheetError] = SheetError) -> tuple[list[Row], int]:
    """Parse every non-empty row of the first sheet with `parse(row_number, get)`, where `get(column)`
    is that row's cell (None when the column is absent). A ValueError from `parse` is that row's error,
    appended to `errors` as (row number, reason). Returns the parsed rows and the number of rows read;
    raises `error` when the file as a whole cannot be read."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise
    except Exception as exc:  # openpyxl raises many types for files that are not xlsx
        raise error(f"无法读取 Excel 文件：{exc}") from exc
    wanted = set(columns)
    good: list[Row] = []
    count = 0
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise error("第一张工作表是空的")
        names = [cell_text(h) for h in header]
        missing = [c for c in required if c not in names]
        if missing:
            raise error(f"第一行缺少必填列：{'、'.join(missing)}（必填：{'、'.join(required)}）")
        dupes = {n for n in names if n and names.count(n) > 1}
        if dupes:
            raise error(f"列名重复：{'、'.join(sorted(dupes))}")
        index = {n: i for i, n in enumerate(names) if n in wanted}
        for number, values in enumerate(rows, start=2):
            if values is None or all(cell_text(v) == "" for v in values):
                continue
            count += 1

            def get(column: str, values=values) -> object:
                i = index.get(column)
                return values[i] if i is not None and i < len(values) else None

            try:
                good.append(parse(number, get))
            except ValueError as exc:
                errors.append((number, str(exc)))
    finally:
        wb.close()
    return good, count
