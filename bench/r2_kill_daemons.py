"""R2 drill: room and central daemons SIGKILLed at random moments while rooms keep writing.

    python -m bench.r2_kill_daemons [--kills 100] [--rooms 2] [--rate 40] [--seed N]

A real site on disk (keys, configs, one folder transport: a room's outbox is
central's inbox), a real ``bwk-syncd run`` process per room and one for
central, and a writer process per room checking visitors in through the room
store (kiosk store settings) all the time. Every 0.05-0.6 s one daemon, picked
at random, gets SIGKILL (in 4 of 5 kills only once it has started working, and
then after another 0-0.6 s) and is started again at once; so kills land during
start-up, exports, merges and ack writes. Afterwards the writers stop,
the daemons run on until they settle (no ``once`` pass unless they do not),
then: every write that returned is in its room, each room's seq is gapless,
central holds exactly the union of the room logs (same ids, same (room, seq),
identical rows, no duplicate), every room is acknowledged up to its last seq,
nothing was quarantined and ``integrity_check`` is ok everywhere.
"""

from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from test_syncd_site import ROOMS, Site, child_env  # noqa: E402

ROW_SQL = "SELECT id, room, seq, at, kind, visitor, activity, ref, payload FROM events"


def writer(database: str, room: str, rate: float) -> None:
    """A room writer (like tests/tools/writer.py, paced): prints each id after its commit."""
    from shared.db import UI_BUSY_TIMEOUT_MS
    from shared.store import RoomStore

    store = RoomStore(database, room, busy_timeout_ms=UI_BUSY_TIMEOUT_MS * 10)
    rng = random.Random(room)
    i = 0
    while True:
        activities = ["inloop", "kookclub", "computerles", "formulierenbrigade"][
            : rng.randint(1, 3)
        ]
        result = store.check_in(None, activities)
        for event in result.events:
            print(event.id, flush=True)
        i += 1
        time.sleep(rng.expovariate(rate))


def _rows(db: Path, room: str | None = None) -> dict[str, tuple]:
    if not db.exists():
        return {}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(ROW_SQL + (" WHERE room = ?" if room else ""), (room,) if room else ())
        return {r[0]: tuple(r) for r in rows}
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()


def _integrity(db: Path) -> str:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.r2_kill_daemons")
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument(
        "--rooms", type=int, default=2, help="rooms (of cjm, multibron, handreiking)"
    )
    parser.add_argument("--rate", type=float, default=40.0, help="check-ins per second per room")
    parser.add_argument(
        "--settle", type=float, default=120.0, help="seconds the daemons get to settle"
    )
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--writer", nargs=3, metavar=("DB", "ROOM", "RATE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.writer:
        writer(args.writer[0], args.writer[1], float(args.writer[2]))
        return 0
    rng = random.Random(args.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bwk-r2-") as folder:
        root = Path(folder)
        site = Site(root / "site", rooms=ROOMS[: args.rooms])
        for room in site.rooms:  # create and migrate the room databases before anyone starts
            site.store(room)
        site.close()
        env = child_env()
        logs = root / "logs"
        logs.mkdir()
        nodes = (*site.rooms, "central")
        daemons: dict[str, subprocess.Popen] = {}
        born: dict[str, float] = {}
        offset: dict[str, int] = {}

        def start(node: str) -> None:
            offset[node] = (
                (logs / f"{node}.log").stat().st_size if (logs / f"{node}.log").exists() else 0
            )
            with open(logs / f"{node}.log", "a") as log:
                daemons[node] = subprocess.Popen(
                    [sys.executable, "-m", "syncd", "run", "--config", str(site.config(node))],
                    cwd=site.root,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            born[node] = time.monotonic()

        def _segment(node: str) -> str:
            with open(logs / f"{node}.log", errors="replace") as log:
                log.seek(offset[node])
                return log.read()

        writers = {}
        for room in site.rooms:
            with open(root / f"writer-{room}.out", "w") as out:
                errors = open(root / f"writer-{room}.err", "w")  # noqa: SIM115 - the child keeps it
                writers[room] = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.r2_kill_daemons",
                        "--writer",
                        str(site.db(room)),
                        room,
                        str(args.rate),
                    ],
                    cwd=REPO,
                    env=env,
                    stdout=out,
                    stderr=errors,
                )
        for node in nodes:
            start(node)

        victims: Counter = Counter()
        uptimes: list[float] = []
        died = []  # daemons found dead before their kill: a crash, not ours
        phases: Counter = Counter()  # what the killed daemon had done so far
        passes_at_kill: list[int] = []
        print(
            f"R2: {len(site.rooms)} rooms ({', '.join(site.rooms)}) + central, writers at "
            f"~{args.rate:g} check-ins/s per room, {args.kills} SIGKILLs",
            flush=True,
        )
        for kill in range(args.kills):
            time.sleep(rng.uniform(0.05, 0.6))
            node = rng.choice(nodes)
            proc = daemons[node]
            if rng.random() < 0.8:  # mostly aim at a daemon at work, sometimes at one starting up
                deadline = time.monotonic() + 5
                while "started (" not in _segment(node) and time.monotonic() < deadline:
                    time.sleep(0.02)
                time.sleep(rng.uniform(0.0, 0.6))
            if proc.poll() is not None:
                died.append((node, proc.returncode))
            else:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)
            uptimes.append(time.monotonic() - born[node])
            segment = _segment(node)
            passes = segment.count("pass: ") + segment.count("pass failed")
            passes_at_kill.append(passes)
            phases[
                "still starting (no pass done yet)"
                if "started (" not in segment
                else "in or after its first pass"
                if passes == 0
                else "after one or more passes"
            ] += 1
            victims[node] += 1
            start(node)
            if (kill + 1) % 25 == 0:
                written = sum(len(_rows(site.db(r), r)) for r in site.rooms)
                merged = len(_rows(site.db("central")))
                print(
                    f"  {kill + 1} kills; rooms hold {written} events, central {merged}; "
                    f"{len(list(site.inbox.glob('*.bwk')))} bundles waiting in central's inbox",
                    flush=True,
                )
        kill_phase = time.monotonic() - started
        for proc in writers.values():
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        promised = {
            room: set((root / f"writer-{room}.out").read_text().split()) for room in site.rooms
        }
        writer_errors = {
            room: (root / f"writer-{room}.err").read_text().strip() for room in site.rooms
        }

        # Settle: the daemons (restarted after the last kill) finish the job on their own.
        union = {}
        for room in site.rooms:
            union.update(_rows(site.db(room), room))
        t0 = time.monotonic()
        settled = False
        while time.monotonic() - t0 < args.settle:
            if _rows(site.db("central")) == union:
                settled = True
                break
            time.sleep(0.2)
        settle_s = time.monotonic() - t0
        time.sleep(1.0)  # let central's last ack reach the rooms
        for node in nodes:
            if daemons[node].poll() is not None:
                died.append((node, daemons[node].returncode))
            daemons[node].send_signal(signal.SIGTERM)
        exit_codes = {node: daemons[node].wait(timeout=30) for node in nodes}
        once_passes = 0
        if not settled:
            for _ in range(3):
                site.sync_all()
                once_passes += 1
        # One more round so acks reach the rooms in any case (harmless when settled).
        for room in site.rooms:
            site.once(room)
        site.once("central")
        for room in site.rooms:
            site.once(room)

        central = _rows(site.db("central"))
        conn = sqlite3.connect(site.db("central"))
        total, distinct_ids, distinct_seq = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT id), COUNT(DISTINCT room || ':' || seq) FROM events"
        ).fetchone()
        conn.close()
        problems = []
        for room in site.rooms:
            rows = _rows(site.db(room), room)
            lost = promised[room] - set(rows)
            if lost:
                problems.append(f"{room}: {len(lost)} returned writes missing from the room")
            seqs = sorted(r[2] for r in rows.values())
            if seqs != list(range(1, len(seqs) + 1)):
                problems.append(f"{room}: seq not gapless")
            status = site.status(room)
            if status["acked_seq"] != status["max_seq"]:
                problems.append(f"{room}: acked {status['acked_seq']} != max {status['max_seq']}")
            if writer_errors[room]:
                problems.append(f"{room} writer stderr: {writer_errors[room][-300:]}")
        ids_equal = set(central) == set(union)
        seq_equal = {(r[1], r[2]) for r in central.values()} == {
            (r[1], r[2]) for r in union.values()
        }
        rows_equal = central == union
        if not (ids_equal and seq_equal and rows_equal):
            problems.append(
                f"central != union: {len(set(union) - set(central))} missing, "
                f"{len(set(central) - set(union))} extra, rows equal {rows_equal}"
            )
        if not total == distinct_ids == distinct_seq == len(union):
            problems.append(
                f"duplicates: {total} rows, {distinct_ids} ids, {distinct_seq} (room, seq)"
            )
        integrity = {node: _integrity(site.db(node)) for node in nodes}
        problems += [f"{n}: integrity_check {v}" for n, v in integrity.items() if v != "ok"]
        quarantined = sorted(
            p.name for p in site.root.rglob("quarantine/*") if p.suffix == ".reason"
        )
        for name in quarantined:
            reason = next(site.root.rglob(f"quarantine/{name}")).read_text().strip()
            problems.append(f"quarantined: {name[:-7]}: {reason}")
        if died:
            problems.append(f"daemons found dead before a kill: {died}")
        bad_exit = {n: c for n, c in exit_codes.items() if c != 0}
        if bad_exit:
            problems.append(f"daemons did not stop cleanly on SIGTERM: {bad_exit}")
        tracebacks = {node: (logs / f"{node}.log").read_text().count("Traceback") for node in nodes}
        errors = {node: (logs / f"{node}.log").read_text().count("pass failed") for node in nodes}
        uptimes.sort()

    print(
        f"R2: {args.kills} SIGKILLs in {kill_phase:.0f} s "
        f"({', '.join(f'{n} {victims[n]}' for n in nodes)}); daemon uptime at the kill "
        f"min {uptimes[0]:.2f} s, median {uptimes[len(uptimes) // 2]:.2f} s, "
        f"max {uptimes[-1]:.2f} s"
    )
    print(
        f"    the killed daemon was: {dict(phases)}; completed passes before the kill: median "
        f"{sorted(passes_at_kill)[len(passes_at_kill) // 2]}, max {max(passes_at_kill)}"
    )
    print(
        f"    writes returned: {sum(len(p) for p in promised.values())} events "
        f"({', '.join(f'{r} {len(promised[r])}' for r in site.rooms)}); room logs hold "
        f"{len(union)} events"
    )
    print(
        f"    daemons settled on their own: {settled} ({settle_s:.1f} s after the writers stopped)"
        + (f"; {once_passes} once rounds were needed" if once_passes else "")
    )
    print(
        f"    central: {total} rows, {distinct_ids} distinct ids, {distinct_seq} distinct "
        f"(room, seq); ids == union: {ids_equal}; (room, seq) == union: {seq_equal}; "
        f"rows identical: {rows_equal}"
    )
    print(
        f"    integrity_check: {integrity}; quarantined: {len(quarantined)}; "
        f"tracebacks in daemon logs: {tracebacks}; failed passes: {errors}"
    )
    print(f"    total run time {time.monotonic() - started:.0f} s")
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    print(
        "R2: " + ("nothing lost, no duplicate" if not problems else f"{len(problems)} problem(s)")
    )
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
