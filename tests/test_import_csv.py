"""`bwk-kiosk import-csv`: the paper-list contract, tried as an operator would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shared import codes
from shared.catalog import load_catalog
from shared.db import connect
from shared.indicators import year_indicators

BIN = Path(sys.executable).parent


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "bwk-kiosk"), *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def room(tmp_path):
    config = tmp_path / "room.toml"
    config.write_text('[room]\nid = "cjm"\ndatabase = "room.db"\n', "utf-8")
    return tmp_path, config


def events(folder: Path) -> list[tuple]:
    conn = connect(folder / "room.db")
    rows = conn.execute(
        "SELECT seq, kind, visitor, activity, at FROM events ORDER BY seq"
    ).fetchall()
    conn.close()
    return [tuple(r) for r in rows]


def test_import_then_reimport_adds_nothing(room):
    folder, config = room
    known = codes.new_code()
    paper = folder / "lijst.csv"
    paper.write_text(
        "date,time,activity,code,name\n"
        "2017-03-01,10:15,kookclub,,Zoë\n"
        "2017-03-01,10:20,kookclub,,ZOË\n"  # the same person, found by name
        f"2017-03-01,10:30,computerles,{codes.display(known).lower()},\n"
        "2017-03-01,11:00,klussendienst,,\n"
        "2017-03-01,11:00,klussendienst,,\n"  # a second identical job is a second job
        "2017-12-31,23:30,inloop,,\n",
        "utf-8",
    )
    first = run("import-csv", str(paper), "--config", str(config), cwd=folder)
    assert first.returncode == 0, first.stderr
    assert "imported 6 of 6 rows" in first.stdout and "1 new visitors" in first.stdout
    stored = events(folder)
    kinds = [e[1] for e in stored]
    assert kinds.count("checkin") == 4 and kinds.count("job_done") == 2
    assert kinds.count("visitor_registered") == 1
    assert [e[0] for e in stored] == list(range(1, len(stored) + 1))
    second = run("import-csv", str(paper), "--config", str(config), cwd=folder)
    assert second.returncode == 0 and "nothing new" in second.stdout
    assert events(folder) == stored
    conn = connect(folder / "room.db")
    name = conn.execute("SELECT name FROM people").fetchone()[0]
    assert name == "Zoë"  # accents round-trip
    got = year_indicators(conn, load_catalog(), 2017, ["cjm"])
    assert got["kookclub"]["rooms"]["cjm"] == 1 and got["computerles"]["rooms"]["cjm"] == 1
    assert got["klussendienst"]["rooms"]["cjm"] == 2
    assert got["anonieme_bezoeken"]["rooms"]["cjm"] == 1  # 23:30 on 31 Dec stays in 2017
    conn.close()


def test_a_bad_file_is_refused_whole_with_every_line_named(room):
    folder, config = room
    paper = folder / "fout.csv"
    good = "2017-03-01,10:15,kookclub,,\n"
    paper.write_text(
        "date,time,activity,code,name\n"
        + good
        + "2017-02-30,10:15,kookclub,,\n"
        + "2017-03-01,25:00,kookclub,,\n"
        + good
        + "2017-03-01,10:15,koken,,\n"
        + "2017-03-01,10:15,kookclub,ABCD-EFGX,\n"
        + "2017-03-01,10:15\n",
        "utf-8",
    )
    result = run("import-csv", str(paper), "--config", str(config), cwd=folder)
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{paper}:3: date '2017-02-30'") for line in lines)
    assert any(line.startswith(f"{paper}:4: time '25:00'") for line in lines)
    assert any(line.startswith(f"{paper}:6: unknown activity 'koken'") for line in lines)
    assert any(line.startswith(f"{paper}:7: code 'ABCD-EFGX'") for line in lines)
    assert any(line.startswith(f"{paper}:8: expected 5 columns") for line in lines)
    assert not any(f"{paper}:2:" in line or f"{paper}:5:" in line for line in lines)
    assert "nothing imported" in result.stderr
    assert events(folder) == []  # nothing half-imported


@pytest.mark.parametrize(
    "content, expected",
    [
        (
            b"datum,tijd,activiteit\n2017-03-01,10:00,inloop\n",
            ":1: the first line must be the header",
        ),
        (b"date,time,activity,code,name\n2017-03-01,10:00,inloop,,Zo\xeb\n", ":2: not UTF-8"),
        (b"date,time,activity,code,name\n", ":2: no rows"),
    ],
)
def test_header_encoding_and_empty_files(room, content, expected):
    folder, config = room
    paper = folder / "x.csv"
    paper.write_bytes(content)
    result = run("import-csv", str(paper), "--config", str(config), cwd=folder)
    assert result.returncode == 1 and expected in result.stderr


def test_excel_style_semicolons_and_bom_and_four_columns(room):
    folder, config = room
    paper = folder / "excel.csv"
    paper.write_bytes("\ufeffdate;time;activity;code\n2017-03-01;10:00;inloop;\n".encode())
    result = run("import-csv", str(paper), "--config", str(config), cwd=folder)
    assert result.returncode == 0, result.stderr
    assert [e[1] for e in events(folder)] == ["checkin"]


def test_missing_file_and_broken_config(room):
    folder, config = room
    result = run("import-csv", str(folder / "nope.csv"), "--config", str(config), cwd=folder)
    assert result.returncode == 2 and "file not found" in result.stderr
    (folder / "bad.toml").write_text('[room]\nid = "cjm"\n', "utf-8")
    paper = folder / "ok.csv"
    paper.write_text("date,time,activity,code\n2017-03-01,10:00,inloop,\n", "utf-8")
    result = run("import-csv", str(paper), "--config", str(folder / "bad.toml"), cwd=folder)
    assert result.returncode == 2 and "missing required key 'database'" in result.stderr
