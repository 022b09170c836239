"""Cells for every exported spreadsheet (xlsx and csv): text that a resident or staff member wrote is
written as text, never as a formula (formula/CSV injection, issue #17). Numbers and dates that the
code itself produces pass through unchanged.

Every exporter builds its rows through `xlsx_row` or `csv_row`; a new exporter should too."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell

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
        if formula_like(v):
            cell = WriteOnlyCell(ws, value=v)
            cell.data_type = "s"
            cell.quotePrefix = True
            out.append(cell)
        else:
            out.append(v)
    return out
