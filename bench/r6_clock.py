"""R6 drill: rooms whose clocks are set years wrong.

    python -m bench.r6_clock

Four rooms and central on disk (keys, configs, folder transport), the room
stores and the room/central sync nodes in this process, each room with its own
fake clock (central's is right):

- cjm: right in March 2017, then jumps to March 2031 (14 years ahead), then is
  corrected; one bundle exported while the clock was wrong is lost in transit.
- multibron: right in 2017, then the clock battery dies (January 2003), then
  corrected.
- handreiking: right in 2017, then 11 months ahead (February 2018), then
  corrected: a wrong clock the store cannot tell from a plausible one.
- gk: a new room whose clock is in 2031 from its very first event.

Visits are made in every phase. Checks: every check-in is in its room and at
central exactly once; seq is gapless; the yearly report counts each visit in
the year of its recorded local time (so a wrong clock does put visits in the
wrong year: the drill says which and how many); the key holder is warned at
opening (``RoomStore.clock_warning``: the room's own signs, and central's
clock in the newest ack once one was read with the wrong clock; the kiosk's
key-holder screen shows it: a real Textual pilot run); sync merges everything
by seq; the retention purge deletes no name while the clock is wrong. Side effects of
the wrong clock on retention and resend are reported as found.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bench.r6_drill import ROOMS, Drill, kiosk_shows_warning, names_per_room, query
from shared.catalog import load_catalog
from shared.indicators import year_indicators


def main(argv: list[str] | None = None) -> int:
    import argparse

    argparse.ArgumentParser(
        prog="python -m bench.r6_clock", description=__doc__.splitlines()[0]
    ).parse_args(argv)
    problems, notes = [], []
    folder = Path(tempfile.mkdtemp(prefix="bwk-r6-"))
    try:
        d = Drill(folder / "site")
        c = d.clocks
        # Phase 1: everything right, March 2017.
        for room in ("cjm", "multibron", "handreiking"):
            d.open_and_visit(room, "2017, right", 2017, 6)
        d.open_and_visit("gk", "first opening, clock in 2031", 2017, 6)
        d.sync()
        names = {"2017, right": names_per_room(d)}
        # Phase 2: the clocks go wrong (real date: 2 March 2017).
        c["cjm"].set(2031, 3, 2, 10)
        c["multibron"].set(2003, 1, 1, 0, 5)
        c["handreiking"].set(2018, 2, 2, 10)
        for room in ("cjm", "multibron", "handreiking"):
            d.open_and_visit(room, "clock wrong", 2017, 5)
        d.open_and_visit("gk", "second opening, still 2031", 2017, 5)
        d.sync()  # exported with the wrong clocks (and the room's retention pass runs)
        names["after a pass with the wrong clock"] = names_per_room(d)
        d.open_and_visit("cjm", "clock still wrong", 2017, 3)
        d.sync(lose={"cjm"})  # this cjm bundle (made under the 2031 clock) is lost in transit
        # Phase 3: the clocks are corrected (real date: 3 March 2017).
        for room in ("cjm", "multibron", "handreiking"):
            c[room].set(2017, 3, 3, 10)
            d.open_and_visit(room, "corrected, first opening", 2017, 4)
            d.open_and_visit(room, "corrected, second opening", 2017, 2)
        c["gk"].set(2017, 3, 3, 10)
        d.open_and_visit("gk", "corrected, first opening", 2017, 4)
        for _ in range(2):
            d.sync()
        resend_waited = None
        names["after passes with the corrected clock"] = names_per_room(d)
        for minutes in (
            11,
            60,
            24 * 60,
            30 * 24 * 60,
        ):  # how long until the lost cjm bundle is sent again?
            if d.nodes["cjm"].status()["acked_seq"] == d.nodes["cjm"].status()["max_seq"]:
                break
            for room in ROOMS:
                c[room].moment += timedelta(minutes=minutes)
            d.central_clock.moment += timedelta(minutes=minutes)
            d.sync()
            resend_waited = minutes
        # --- checks ---------------------------------------------------------
        print(
            "R6: clock warnings at opening "
            "(RoomStore.clock_warning, shown on the key-holder screen)"
        )
        expected = {
            ("cjm", "clock wrong"): "clock_far_off",
            ("multibron", "clock wrong"): "clock_far_off",
            ("gk", "second opening, still 2031"): "clock_far_off",  # central's clock in the ack
            ("cjm", "clock still wrong"): "clock_far_off",
            ("cjm", "corrected, first opening"): "clock_before_last_event",
            ("multibron", "corrected, first opening"): "clock_far_off",
            ("handreiking", "corrected, first opening"): "clock_before_last_event",
            ("gk", "corrected, first opening"): "clock_before_last_event",
        }
        for room, label, warning in d.warnings:
            mark = ""
            if (room, label) in expected and expected[room, label] != warning:
                mark = f"   <-- expected {expected[room, label]}"
                problems.append(
                    f"{room} {label}: warning {warning}, expected {expected[room, label]}"
                )
            print(f"    {room:12} {label:28} -> {warning or 'no warning'}{mark}")
        for room, label, warning in d.warnings:
            if (
                label
                in (
                    "clock wrong",
                    "first opening, clock in 2031",
                    "second opening, still 2031",
                    "clock still wrong",
                )
                and warning is None
            ):
                clock_text = "11 months ahead" if room == "handreiking" else "in 2031"
                notes.append(f"{room}: no warning at '{label}' (clock {clock_text})")
        union_rows = {}
        for room in ROOMS:
            for row in query(
                d.site.db(room),
                "SELECT id, room, seq, at, kind, visitor, activity, ref, payload "
                "FROM events WHERE room = ?",
                (room,),
            ):
                union_rows[row[0]] = row
        central_rows = {
            r[0]: r
            for r in query(
                d.site.db("central"),
                "SELECT id, room, seq, at, kind, visitor, activity, ref, payload FROM events",
            )
        }
        total, distinct = query(
            d.site.db("central"), "SELECT COUNT(*), COUNT(DISTINCT id) FROM events"
        )[0]
        print("R6: sync and the log")
        for room in ROOMS:
            seqs = [
                r[0]
                for r in query(
                    d.site.db(room), "SELECT seq FROM events WHERE room = ? ORDER BY seq", (room,)
                )
            ]
            gapless = seqs == list(range(1, len(seqs) + 1))
            checkins = query(
                d.site.db("central"),
                "SELECT COUNT(*) FROM events WHERE room = ? AND kind = 'checkin'",
                (room,),
            )[0][0]
            made = sum(n for (r, _), n in d.made.items() if r == room)
            status = d.nodes[room].status()
            at_order = [
                r[0]
                for r in query(
                    d.site.db(room), "SELECT at FROM events WHERE room = ? ORDER BY seq", (room,)
                )
            ]
            out_of_order = sum(1 for a, b in zip(at_order, at_order[1:]) if b < a)
            print(
                f"    {room:12} seq 1..{len(seqs)} gapless: {gapless}; check-ins made {made} "
                f"(check-in events at central: {checkins}); acked {status['acked_seq']} of "
                f"{status['max_seq']}; times going backwards along seq: {out_of_order}"
            )
            if not gapless:
                problems.append(f"{room}: seq not gapless")
            if status["acked_seq"] != status["max_seq"]:
                problems.append(f"{room}: acked {status['acked_seq']} != max {status['max_seq']}")
        print(
            f"    central {total} rows, {distinct} distinct ids; "
            f"equals the union of the room logs: {central_rows == union_rows}"
        )
        if not (central_rows == union_rows and total == distinct):
            problems.append("central != union of the room logs")
        if resend_waited:
            notes.append(
                f"cjm: the bundle lost in transit while its clock said 2031 was exported "
                f"again after the room clock moved on {resend_waited} more minutes (the "
                f"resend rule: 10 minutes without an acknowledgement, from the oldest "
                f"waiting bundle by its time)"
                if d.nodes["cjm"].status()["acked_seq"] == d.nodes["cjm"].status()["max_seq"]
                else "the cjm bundle lost while its clock said 2031 is NOT re-sent after the "
                "correction (waited up to 30 days of room clock): acked_seq stays behind"
            )
        # Report per year, from central (the funders' view).
        print(
            "R6: the yearly report at central (visits = check-in events; anonymous visits and "
            "unique visitors from the report's indicators)"
        )
        catalog = load_catalog()
        conn = sqlite3.connect(d.site.db("central"))
        years = sorted({y for (_, y) in d.made} | {2017})
        counted: Counter = Counter()
        for year in years:
            figures = year_indicators(conn, catalog, year, list(ROOMS))
            for room in ROOMS:
                counted[room, year] = query(
                    d.site.db("central"),
                    "SELECT COUNT(*) FROM events WHERE room = ? AND kind = 'checkin' "
                    "AND substr(at, 1, 4) = ?",
                    (room, str(year)),
                )[0][0]
            per_room = "; ".join(
                f"{room} {counted[room, year]} visits "
                f"({figures['anonieme_bezoeken']['rooms'][room]} anonymous, "
                f"{figures['totaal_uniek']['rooms'][room]} unique)"
                for room in ROOMS
                if counted[room, year] or year == 2017
            )
            print(f"    {year}: {per_room}")
        conn.close()
        for key in set(d.made) | set(counted):
            if d.made[key] != counted[key]:
                problems.append(
                    f"{key}: made {d.made[key]} check-ins at that clock year, "
                    f"report counts {counted[key]}"
                )
        wrong_year = {k: n for k, n in d.made.items() if k[1] != 2017}
        print(
            f"    check-ins made: {sum(d.made.values())} (all really in March 2017); counted in "
            f"the year of the room's clock: {sum(counted.values())}; in a wrong year: "
            + ", ".join(f"{r} {n} in {y}" for (r, y), n in sorted(wrong_year.items()))
        )
        # Retention (names of people not seen for 24 months are purged by the room's daily pass).
        print(
            "R6: names in the room-local people table (key holder + 4 visitors; the daily "
            "retention purge runs in the room's sync pass)"
        )
        for label, counts in names.items():
            print(f"    {label:38} " + ", ".join(f"{r} {counts[r]}" for r in ROOMS))
        stages = list(names.items())
        for (_, before), (label, counts) in zip(stages, stages[1:]):
            for room in ROOMS:
                if counts[room] < before[room]:
                    notes.append(
                        f"{room}: {before[room] - counts[room]} visitor name(s) deleted by the "
                        f"retention purge {label} (counts unchanged; those people must give "
                        f"their code or register again)"
                    )
        d.close()
        # The kiosk shows the warning.
        kiosk_dir = folder / "kiosk"
        kiosk_dir.mkdir()
        shown, text = asyncio.run(kiosk_shows_warning(kiosk_dir))
        print(
            f"R6: kiosk, last event 2 March 2026, clock 3 March 2031, key holder opens: "
            f"#clock-warning shown: {shown is not None}: {shown!r}"
        )
        if not shown:
            problems.append("the kiosk did not show the clock warning")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for note in notes:
        print(f"  NOTE: {note}")
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    print(
        "R6: "
        + (
            "nothing lost or double-counted; visits are counted in the year the room's "
            "clock said (see notes)"
            if not problems
            else f"{len(problems)} problem(s)"
        )
    )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
