"""``bwk-kiosk``: run the kiosk, set up a room, or import paper sign-in lists."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from pathlib import Path

from kiosk.lifecycle import TerminalGuard
from shared.config import ConfigError, load_room_config

DEMO_ROOM = "cjm"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bwk-kiosk", description="The BuurtWerkKamer room kiosk (a Textual terminal app)."
    )
    parser.add_argument("--config", help="the room config (room.toml)")
    parser.add_argument(
        "--demo", action="store_true", help="a ready demo room with invented people and events"
    )
    parser.add_argument("--log", help="log file (default: beside the database; never the screen)")
    parser.add_argument("--headless", action="store_true", help=argparse.SUPPRESS)  # tests, bench
    sub = parser.add_subparsers(dest="command")
    init = sub.add_parser(
        "init",
        help="create the room database and its first key holder; "
        "give a restored key holder a name and PIN",
    )
    init.add_argument("--config", required=True, dest="init_config")
    init.add_argument(
        "--add-key-holder",
        action="store_true",
        help="when nobody can log in: a new PIN for a key holder, or a new one "
        "(needs write access to the room database)",
    )
    imp = sub.add_parser("import-csv", help="paper sign-in lists into the room log")
    imp.add_argument("file")
    imp.add_argument("--config", required=True, dest="import_config")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "init":
            from kiosk.init_cli import init_room

            return init_room(args.init_config, args.add_key_holder)
        if args.command == "import-csv":
            from shared.csv_import import import_csv_command

            return import_csv_command(args.file, args.import_config)
        if args.demo:
            return run_demo(args.log, headless=args.headless)
        if not args.config:
            print("bwk-kiosk: give --config ROOM.toml (or try --demo)", file=sys.stderr)
            return 2
        return run_room(args.config, args.log, headless=args.headless)
    except ConfigError as exc:
        print(f"bwk-kiosk: {exc}", file=sys.stderr)
        return 2


def _setup_logging(path: Path) -> None:
    from shared.db import make_private

    make_private(path, create=True)  # 0600: a log can name what went wrong with whom
    logging.basicConfig(
        filename=str(path),
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _run(store, room_name: str, settings, headless: bool) -> int:
    from kiosk.app import KioskApp
    from kiosk.memory import release_dead_widgets, tune_malloc
    from shared import queries
    from shared.catalog import current_catalog

    # one small read before the screen starts, so the first screen is the right one
    settings.initially_open = queries.room_state(store.conn, store.room).is_open
    tune_malloc()
    release_dead_widgets()
    guard = None if headless else TerminalGuard().install()  # before any thread starts
    app = KioskApp(store, current_catalog(store.path), settings)
    app.terminal_guard = guard
    try:
        result = app.run(headless=headless)
    except OSError:
        if guard is None or not guard.terminal_lost:
            raise
        result = 0  # Textual's last words to a terminal that is gone
    finally:
        store.close()
    code = app.return_code if app.return_code is not None else int(result or 0)
    return guard.finish(code) if guard else code


def run_room(config_path: str, log: str | None, headless: bool = False) -> int:
    from kiosk.settings import KioskSettings
    from shared.catalog import current_catalog
    from shared.db import UI_BUSY_TIMEOUT_MS
    from shared.store import RoomStore

    config = load_room_config(config_path)
    room = config.room
    if not room.database.exists():
        print(
            f"bwk-kiosk: {room.database} does not exist yet: run "
            f"'bwk-kiosk init --config {config_path}' first",
            file=sys.stderr,
        )
        return 2
    _setup_logging(Path(log) if log else room.database.with_suffix(".kiosk.log"))
    from kiosk.screens.sync import log_sync_problems

    for problem in log_sync_problems(config.sync, room.id):  # before Textual owns the terminal
        print(f"bwk-kiosk: {problem}", file=sys.stderr)
    store = RoomStore(room.database, room.id, busy_timeout_ms=UI_BUSY_TIMEOUT_MS)
    name = current_catalog(room.database).room_name(room.id)
    try:
        store.purge_idle_names(room.retention_months)
    except Exception:  # noqa: BLE001 - a busy database must not keep the kiosk down
        logging.getLogger("bwk.kiosk").exception("purging idle names failed")
    from shared.spaceapi import room_details

    settings = KioskSettings(
        room.id,
        name,
        status_file=room.status_file,
        opening_hours=room.opening_hours,
        idle_seconds=room.idle_seconds,
        sync=config.sync,
        status_details=room_details(room),
    )
    return _run(store, name, settings, headless)


def demo_folder() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    folder = Path(base) / "bwk-demo"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        return Path(tempfile.mkdtemp(prefix="bwk-demo-"))


def run_demo(log: str | None, headless: bool = False) -> int:
    from kiosk.settings import KioskSettings
    from shared.catalog import current_catalog
    from shared.db import UI_BUSY_TIMEOUT_MS
    from shared.demo import build_demo_room
    from shared.store import RoomStore

    folder = demo_folder()
    database = folder / "demo.db"
    for leftover in folder.glob("demo.db*"):  # a fresh demo every time
        leftover.unlink()
    demo = build_demo_room(database, DEMO_ROOM)
    _setup_logging(Path(log) if log else folder / "kiosk.log")
    store = RoomStore(database, DEMO_ROOM, busy_timeout_ms=UI_BUSY_TIMEOUT_MS)
    name = current_catalog(database).room_name(DEMO_ROOM)
    settings = KioskSettings(
        DEMO_ROOM,
        name,
        status_file=folder / "status.json",
        opening_hours="ma-vr 10:00-16:00",
        demo_key_holder=(demo.key_holder_name, demo.key_holder_pin),
    )
    return _run(store, name, settings, headless)


if __name__ == "__main__":
    sys.exit(main())
