"""The xlsx report as a funder sees it: opened in LibreOffice Calc and exported to PDF.

A real ``soffice --headless --convert-to pdf`` (each test with its own LibreOffice
profile, so parallel runs don't clash) and poppler's ``pdftotext -bbox`` for the
words and where they stand, ``pdftoppm`` for the colours. In CI (CI=true) a
missing tool fails the test; elsewhere it is skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from shared.report_formats import render
from tests.test_staff_data import CATALOG, build_central, report_2017

TOOLS = ("soffice", "pdftotext", "pdftoppm")
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
    r"([^<]*)</word>"
)


def _need_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    why = (
        f"{', '.join(missing)} not installed (Debian: libreoffice-calc-nogui, "
        "poppler-utils; .ci/run installs them)"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI needs the real LibreOffice: {why}")
    pytest.skip(why)


def to_pdf(source: Path, work: Path) -> Path:
    """Convert with LibreOffice headless, in a private profile under ``work``."""
    profile = work / "lo-profile"
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HOME": str(work)},
    )
    pdf = work / f"{source.stem}.pdf"
    assert done.returncode == 0 and pdf.exists(), (done.stdout, done.stderr)
    return pdf


def pages(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Every page's words with their boxes (x0, y0, x1, y1, text), in points."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return [
        [(float(a), float(b), float(c), float(d), text) for a, b, c, d, text in WORD.findall(page)]
        for page in out.split("<page ")[1:]
    ]


def line_of(words, *texts: str) -> list:
    """The words on the line where ``texts`` stand one after the other (a row's label)."""
    for i, word in enumerate(words):
        if [w[4] for w in words[i : i + len(texts)]] == list(texts):
            middle = (word[1] + word[3]) / 2
            return [w for w in words if w[1] <= middle <= w[3]]
    raise AssertionError(f"{' '.join(texts)!r} is not on the page")


def overlapping(words) -> list[tuple[str, str]]:
    """Pairs of words whose boxes cover each other: text printed over text."""
    found = []
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            if min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 1.5:
                found.append((a[4], b[4]))
    return found


@pytest.fixture(scope="module")
def workbook_pdf(tmp_path_factory):
    _need_tools()
    work = tmp_path_factory.mktemp("pdf")
    build_central(work / "central.db")
    report = report_2017(work / "central.db")
    (work / "report.xlsx").write_bytes(render(report, "xlsx", CATALOG))
    pdf = to_pdf(work / "report.xlsx", work)
    return pdf, pages(pdf), report


TITLES = {
    "Resultaten": ["Resultaten", "buurtwerkkamers"],
    "Vrijwilligers": ["Populaire"],
    "Handgeld": ["Handgeld", "per", "maand"],
    "Actualiteit": ["Actualiteit", "van"],
    "Toelichting": ["Toelichting"],
}


def sheet_pages(all_pages, sheet: str) -> list[int]:
    """The pages of one sheet: from the page its title opens to the next sheet's title."""
    starts = {}
    for i, words in enumerate(all_pages):
        for name, title in TITLES.items():
            if [w[4] for w in words[: len(title)]] == title:
                starts[name] = i
    assert list(starts) == list(TITLES), starts  # every sheet starts its own page, in order
    ends = [*list(starts.values())[1:], len(all_pages)]
    start = starts[sheet]
    return list(range(start, ends[list(starts).index(sheet)]))


def test_the_results_sheet_prints_one_page_wide_with_the_seeds_header(workbook_pdf):
    pdf, all_pages, report = workbook_pdf
    results = sheet_pages(all_pages, "Resultaten")
    assert results and results[0] == 0, "the results come first"
    for index in results:  # each page has the labels, every room and the total: one wide
        words = all_pages[index]
        head = line_of(words, "Indicator")
        assert [w[4] for w in sorted(head, key=lambda w: w[0])][:2] == ["Indicator", "Eenheid"]
        assert [w[4] for w in head].count("Resultaat") == len(report["rooms"]) + 1
        assert [w[4] for w in head].count("Streefcijfer") == len(report["rooms"]) + 1
        assert [w[4] for w in head].count("%") == len(report["rooms"]) + 1
        for name in [*report["rooms"].values(), "Totaal"]:  # one band of names above it
            first = name.split()[0]
            band = [w for w in words if w[4] == first and w[3] <= min(h[1] for h in head)]
            assert band, (index, name)
    printed = [w[4] for i in results for w in all_pages[i]]
    for label in ("Bewoners", "Sleutelbeheerders", "Kookclub", "Anonieme", "Goed"):
        assert label in printed
    # The seed's four sections take two landscape pages; the next sheet starts its own page.
    assert len(results) <= 2
    assert "Populaire" in [w[4] for w in all_pages[results[-1] + 1]]


def test_a_long_table_repeats_its_header_on_every_page_and_stays_one_wide(tmp_path):
    _need_tools()
    build_central(tmp_path / "central.db")
    report = report_2017(tmp_path / "central.db")
    for i in range(80):  # indicators beyond the seed's table are listed too (OVERIG)
        report["indicators"][f"extra_{i:02d}"] = report["indicators"]["kookclub"]
    (tmp_path / "long.xlsx").write_bytes(render(report, "xlsx", CATALOG))
    all_pages = pages(to_pdf(tmp_path / "long.xlsx", tmp_path))
    results = sheet_pages(all_pages, "Resultaten")
    assert len(results) >= 2
    for index in results:
        head = [w[4] for w in line_of(all_pages[index], "Indicator")]
        assert head.count("Streefcijfer") == len(report["rooms"]) + 1, index
        assert overlapping(all_pages[index]) == [], index
    printed = [w[4] for i in results for w in all_pages[i]]
    assert "extra_79" in printed and "Goed" in printed


def test_nothing_on_the_results_sheet_is_printed_over_something_else(workbook_pdf):
    pdf, all_pages, report = workbook_pdf
    pages_of_results = sheet_pages(all_pages, "Resultaten")
    for index in pages_of_results:
        assert overlapping(all_pages[index]) == []
    words = all_pages[pages_of_results[0]]
    header_bottom = max(w[3] for w in line_of(words, "Indicator"))
    first_row = line_of(words, "EFFECT")
    assert min(w[1] for w in first_row) >= header_bottom  # names stay in the header
    for label in (("Minder", "(kosten", "op)", "huisuitzettingen"), ("Goede", "inzet")):
        page = next(
            all_pages[i]
            for i in pages_of_results
            if " ".join(label) in " ".join(w[4] for w in all_pages[i])
        )
        row = line_of(page, *label)  # the unit sits on one line beside its wrapped label
        assert len({round(w[1]) for w in row if w[4].lower() == "interviews"}) == 1


def test_every_other_sheet_prints_one_page_wide_without_overlaps(workbook_pdf):
    pdf, all_pages, report = workbook_pdf
    for sheet, heading in (
        ("Vrijwilligers", "Populaire"),
        ("Handgeld", "Handgeld"),
        ("Actualiteit", "Actualiteit"),
        ("Toelichting", "Toelichting"),
    ):
        found = sheet_pages(all_pages, sheet)
        assert len(found) == (2 if sheet == "Toelichting" else 1), sheet  # one page wide
        for index in found:
            assert all_pages[index] and overlapping(all_pages[index]) == [], sheet
        assert heading in [w[4] for w in all_pages[found[0]][:3]], sheet
    explained = [w[4] for i in sheet_pages(all_pages, "Toelichting") for w in all_pages[i]]
    assert "enquete_pleasant" in explained  # the last indicator: nothing ran off the page


def _pixels(pdf: Path, page: int, work: Path) -> tuple[int, int, bytes]:
    """The page at 72 dpi (one pixel a point) as raw RGB."""
    stem = work / f"page{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "72",
            "-f",
            str(page + 1),
            "-l",
            str(page + 1),
            "-singlefile",
            str(pdf),
            str(stem),
        ],
        check=True,
        timeout=60,
    )
    data = (stem.with_suffix(".ppm")).read_bytes()
    magic, width, height, depth, rest = data.split(maxsplit=4)
    assert magic == b"P6" and depth == b"255"
    return int(width), int(height), rest


def _red_pixels(image, x0: float, x1: float, y: float) -> int:
    width, _, rgb = image
    count = 0
    for x in range(int(x0), int(x1)):
        r, g, b = rgb[3 * (int(y) * width + x) : 3 * (int(y) * width + x) + 3]
        count += r > 235 and 180 < g < 215 and 190 < b < 225  # the shortfall fill FFC7CE
    return count


def test_an_empty_percentage_is_no_shortfall_but_a_low_one_is(workbook_pdf, tmp_path):
    pdf, all_pages, report = workbook_pdf
    index = sheet_pages(all_pages, "Resultaten")[0]
    words = all_pages[index]
    image = _pixels(pdf, index, tmp_path)
    head = sorted(line_of(words, "Indicator"), key=lambda w: w[0])
    targets = [w for w in head if w[4] == "Streefcijfer"]
    percents = [w for w in head if w[4] == "%"]
    columns = [(t[2] + 2, p[2] - 1) for t, p in zip(targets, percents)]  # each room's % cell
    assert len(columns) == len(report["rooms"]) + 1

    def middle(*label):
        row = line_of(words, *label)
        return (row[0][1] + row[0][3]) / 2

    anonymous, kookclub = middle("Anonieme", "bezoeken"), middle("Kookclub")
    assert report["indicators"]["kookclub"]["rooms"]["cjm"] == 2  # 2 of 50: a shortfall
    assert _red_pixels(image, *columns[0], kookclub) > 5
    for x0, x1 in columns:  # no target, no percentage: not red
        assert _red_pixels(image, x0, x1, anonymous) == 0


class _MinContent(HTMLParser):
    """Per table: the longest unbreakable run of text in each column, in characters:
    a browser can shrink a table no narrower than that."""

    def __init__(self, nowrap: bool):
        super().__init__()
        self.nowrap, self.tables, self._col, self._text, self._span = nowrap, {}, 0, None, 1
        self._table = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs.get("id", str(len(self.tables))), {})
        elif tag == "tr":
            self._col = 0
        elif tag in ("td", "th"):
            self._text, self._span = [], int(attrs.get("colspan", 1))
        elif tag == "br" and self._text is not None:
            self._text.append("\n")

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._text is not None:
            text = "".join(self._text)
            runs = text.split("\n") if self.nowrap else text.split()
            if self._span == 1 and self._table is not None:
                widest = max((len(r) for r in runs), default=0)
                self._table[self._col] = max(self._table.get(self._col, 0), widest)
            self._col += self._span
            self._text = None


def test_the_html_report_prints_one_page_wide(tmp_path):
    """Cheap, without a browser: the print style asks for A4 landscape, repeats table heads,
    and every table's narrowest form fits between the margins at the print font size."""
    build_central(tmp_path / "central.db")
    page = render(report_2017(tmp_path / "central.db"), "html", CATALOG)
    style = page[page.index("<style>") + 7 : page.index("</style>")]
    assert re.search(r"@page\{size:A4 landscape;margin:([\d.]+cm ?){4}\}", style)
    margins = [
        float(m)
        for m in re.search(r"@page\{size:A4 landscape;margin:([^}]*)\}", style)
        .group(1)
        .replace("cm", "")
        .split()
    ]
    printable = (29.7 - margins[1] - margins[3]) / 2.54 * 72  # points across the page
    printed = style[style.index("@media print") :]
    assert "thead{display:table-header-group}" in printed  # the header on every page
    font = float(re.search(r"table\{font-size:([\d.]+)pt", printed).group(1))
    parser = _MinContent(nowrap="nowrap" in style)
    parser.feed(page)
    assert {"results", "budget", "handgeld", "handgeld-year", "freshness"} <= set(parser.tables)
    for table, widest in parser.tables.items():
        # 0.62 em a character (generous for a sans serif), 8 pt padding and border a column
        need = sum(chars * 0.62 * font + 8 for chars in widest.values())
        assert need <= printable, (table, need, printable, widest)


def test_a_warning_reads_as_a_paragraph_within_the_table_width(tmp_path):
    """A year without its own minimum wage: the warning wraps under the title instead of
    running off to the right and shrinking the whole page."""
    _need_tools()
    build_central(tmp_path / "central.db")
    report = report_2017(tmp_path / "central.db", 2031)
    assert report["volunteer_value"]["warning"]
    (tmp_path / "r.xlsx").write_bytes(render(report, "xlsx", CATALOG))
    all_pages = pages(to_pdf(tmp_path / "r.xlsx", tmp_path))
    words = all_pages[sheet_pages(all_pages, "Vrijwilligers")[0]]
    right_edge = max(w[2] for w in line_of(words, "Totaal"))
    warning = [
        w
        for w in words
        if w[1] > line_of(words, "Tarief")[0][3] and w[3] < line_of(words, "Ruimte")[0][1]
    ]
    assert "Let" in [w[4] for w in warning] and "2031;" in [w[4] for w in warning]
    assert max(w[2] for w in warning) <= right_edge + 2
    assert overlapping(words) == []
