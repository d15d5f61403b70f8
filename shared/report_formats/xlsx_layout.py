"""Print layout of the xlsx report: what a funder sees on paper or in a PDF.

LibreOffice does not grow a row for wrapped text in a file written by openpyxl,
so wrapped text would run over the next row: a row with wrapped text gets a
height from an estimate of its lines. Text that would be cut off by a filled cell to
its right, or run off the printed area, is wrapped first. The styles and heading rows the
sheets share live here too.
"""

from __future__ import annotations

import math
from typing import cast

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

LINE_POINTS = 15.0  # one line of 11-point text
DEFAULT_WIDTH = 8.43  # Excel's default column width, in characters
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE7F0")
TITLE = Font(bold=True, size=14)
RED = PatternFill("solid", fgColor="FFC7CE")
EURO = '"€" #,##0.00'


def header_row(ws: Worksheet, row: int, values: list[str]) -> None:
    """A table's heading row: bold on the heading fill, wrapped."""
    for col, value in enumerate(values, start=1):
        c = ws.cell(row=row, column=col, value=value)
        c.font, c.fill = BOLD, HEAD_FILL
        c.alignment = Alignment(wrap_text=True, vertical="top")


def column_widths(ws: Worksheet, widths: dict[int, float]) -> None:
    """Set the width (in characters) of each column numbered in ``widths``."""
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def column_width(ws: Worksheet, col: int) -> float:
    return ws.column_dimensions[get_column_letter(col)].width or DEFAULT_WIDTH


def _span_width(ws: Worksheet, cell: Cell) -> float:
    """The width a cell's text has: its column, or its merged range."""
    for merged in ws.merged_cells.ranges:
        if cell.coordinate in merged:
            return sum(column_width(ws, c) for c in range(merged.min_col, merged.max_col + 1))
    return column_width(ws, cell.column)


def wrapped_lines(text: str, width: float, bold: bool = False) -> int:
    """How many lines ``text`` takes, wrapped at word boundaries in ``width`` characters.
    Proportional letters are narrower than the digit '0' the width counts in; bold is wider."""
    room = max(1, int(width * (1.0 if bold else 1.15)) - 1)
    lines = 0
    for paragraph in str(text).split("\n"):
        used = 0
        lines += 1
        for word in paragraph.split():
            need = len(word) if used == 0 else used + 1 + len(word)
            if need <= room:
                used = need
            else:
                lines += 0 if used == 0 else 1
                lines += max(0, math.ceil(len(word) / room) - 1)
                used = len(word) % room or room
    return lines


def _room_to_the_right(ws: Worksheet, row: int, col: int) -> float:
    """Empty cells to the right that text may run into, within the printed columns."""
    width = 0.0
    for c in range(col + 1, ws.max_column + 1):
        if ws.cell(row=row, column=c).value not in (None, ""):
            break
        width += column_width(ws, c)
    return width


def wrap_what_would_be_cut(ws: Worksheet, first_row: int) -> None:
    """Wrap every text from ``first_row`` on that is wider than its cell and the empty cells
    to its right: in print it would otherwise be cut off or run past the page."""
    merged = {c for r in ws.merged_cells.ranges for c in _coordinates(r)}
    for row in ws.iter_rows(min_row=first_row):
        for cell in row:
            if (
                not isinstance(cell.value, str)
                or cell.coordinate in merged
                or cell.font
                and cell.font.sz
                and cell.font.sz > 11
            ):  # titles run on
                continue
            width = column_width(ws, cell.column)
            if (
                len(cell.value) > width
                and not (cell.alignment and cell.alignment.wrap_text)
                and len(cell.value) > width + _room_to_the_right(ws, cell.row, cell.column)
            ):
                _wrap(ws, cell)


def _wrap(ws: Worksheet, cell: Cell) -> None:
    """Wrap in the cell, or, when the rest of its row is empty (a note, a warning), across
    the printed columns so it reads as a paragraph under the table."""
    last = ws.max_column
    if cell.column < last and all(
        ws.cell(row=cell.row, column=c).value in (None, "")
        for c in range(cell.column + 1, last + 1)
    ):
        ws.merge_cells(
            start_row=cell.row, start_column=cell.column, end_row=cell.row, end_column=last
        )
    cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal=cell.alignment.horizontal)


def _coordinates(cell_range: CellRange) -> list[str]:
    return [
        f"{get_column_letter(c)}{r}"
        for r in range(cell_range.min_row, cell_range.max_row + 1)
        for c in range(cell_range.min_col, cell_range.max_col + 1)
    ]


def fit_row_heights(ws: Worksheet) -> None:
    """Give each row holding wrapped text the height of its tallest cell."""
    for row in ws.iter_rows():
        lines = 1
        for cell in row:
            if isinstance(cell.value, str) and cell.alignment and cell.alignment.wrap_text:
                bold = bool(cell.font and cell.font.b)
                lines = max(lines, wrapped_lines(cell.value, _span_width(ws, cell), bold))
        if lines > 1:
            ws.row_dimensions[cast(int, row[0].row)].height = lines * LINE_POINTS + 3
            for cell in row:  # one line of a tall row reads along its first lines
                if cell.value is not None:
                    align = cell.alignment
                    cell.alignment = Alignment(
                        horizontal=align.horizontal,
                        vertical="top",
                        wrap_text=align.wrap_text,
                        indent=align.indent,
                    )


def align_right(ws: Worksheet, first_row: int, first_col: int) -> None:
    """Right-align the text among numbers (targets like "min. 5%", headings over figures)."""
    for row in ws.iter_rows(min_row=first_row, min_col=first_col):
        for cell in row:
            if isinstance(cell.value, str):
                align = cell.alignment
                cell.alignment = Alignment(
                    horizontal="right", vertical=align.vertical, wrap_text=align.wrap_text
                )


def band(ws: Worksheet, row: int, first_col: int, last_col: int, text: str) -> None:
    """A heading over several columns (a room over its result, target and %)."""
    cell = ws.cell(row=row, column=first_col, value=text)
    cell.font, cell.fill = BOLD, HEAD_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for col in range(first_col + 1, last_col + 1):
        ws.cell(row=row, column=col).fill = HEAD_FILL
    if last_col > first_col:
        ws.merge_cells(start_row=row, start_column=first_col, end_row=row, end_column=last_col)


def print_setup(ws: Worksheet, header_rows: tuple[int, int] | None = None) -> None:
    """A4 landscape, one page wide and as many pages down as needed, the header repeated on
    every page, the sheet's name and page number in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    # The stubs allow None for the page set-up and the footer; every new sheet has both.
    setup = cast(PageSetupProperties, ws.sheet_properties.pageSetUpPr)
    setup.fitToPage = True  # without it fitToWidth is ignored
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.page_margins = PageMargins(
        left=0.6, right=0.4, top=0.5, bottom=0.6, header=0.3, footer=0.3
    )  # inches; a wider left edge for a binder
    cast(HeaderFooterItem, ws.oddFooter).center.text = "&A – &P / &N"  # sheet name, page of pages
    if header_rows:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
