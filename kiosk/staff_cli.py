"""``bwk-staff``: the staff dashboard and the yearly report.

    bwk-staff [--config CENTRAL.toml|ROOM.toml]
    bwk-staff report --config ... --year YYYY --format json [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from shared.catalog import CatalogError, current_catalog
from shared.config import CentralConfig, ConfigError, RoomConfig, load_config
from shared.db import DatabaseError, connect
from shared.report import build_report

FORMATS = ("json",)


def _report_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bwk-staff report",
                                     description="Write the yearly report for the funders.")
    parser.add_argument("--config", required=True, help="central.toml or a room's room.toml")
    parser.add_argument("--year", type=int, default=date.today().year)
    parser.add_argument("--format", choices=FORMATS, default="json")
    parser.add_argument("--out", type=Path, help="write to this file instead of the screen")
    return parser


def report_for_config(config: RoomConfig | CentralConfig, year: int) -> dict:
    if isinstance(config, RoomConfig):
        database = config.room.database
        catalog = current_catalog(database)
        only_room, enrolled = config.room.id, None
    else:
        database = config.central.database
        catalog = current_catalog(database)
        only_room, enrolled = None, list(config.rooms)
    if not database.exists():
        raise DatabaseError(f"{database}: no database yet (check [room]/[central] database in {config.path})")
    conn = connect(database)
    try:
        return build_report(conn, catalog, year, enrolled, only_room=only_room)
    finally:
        conn.close()


def report_main(argv: list[str]) -> int:
    args = _report_parser().parse_args(argv)
    try:
        config = load_config(args.config)
        report = report_for_config(config, args.year)
    except (ConfigError, CatalogError, DatabaseError) as exc:
        print(f"bwk-staff: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        args.out.write_text(text, "utf-8")
        print(f"bwk-staff: wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "report":
        return report_main(argv[1:])
    print("bwk-staff: the dashboard is not built yet; use `bwk-staff report`", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
