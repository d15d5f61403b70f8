"""``bwk-staff``: the staff dashboard, the yearly report and browser access.

bwk-staff [--config CENTRAL.toml|ROOM.toml] [--year YYYY] [--lang nl|en]
bwk-staff report --config ... --year YYYY --format json|csv|md|xlsx|html [--out FILE]
bwk-staff serve  --config ... [--host 127.0.0.1] [--port 8000]
bwk-staff record --config CENTRAL.toml --year YYYY --indicator ID --room ROOM|totaal
                 --value V [--note TEXT] [--by NAME]      (--list: the year's history)
"""

from __future__ import annotations

import argparse
import getpass
import shlex
import sys
from datetime import date
from pathlib import Path

from kiosk.staff.source import Source, source_for_config
from shared import i18n
from shared.catalog import CatalogError
from shared.config import ConfigError, load_config
from shared.db import DatabaseError
from shared.report_formats import BINARY_FORMATS, FORMATS, render
from shared.staff_figures import FigureError


def _report_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bwk-staff report", description="Write the yearly report for the funders."
    )
    parser.add_argument("--config", required=True, help="central.toml or a room's room.toml")
    parser.add_argument("--year", type=int, default=date.today().year)
    parser.add_argument("--format", choices=FORMATS, default="json")
    parser.add_argument(
        "--lang",
        choices=i18n.STAFF_LANGUAGES,
        default="nl",
        help="language of labels (csv/md/xlsx/html)",
    )
    parser.add_argument("--out", type=Path, help="write to this file instead of the screen")
    parser.add_argument(
        "--trends",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="include monthly trends (default: only in html, which draws them)",
    )
    return parser


def report_main(argv: list[str]) -> int:
    args = _report_parser().parse_args(argv)
    try:
        config = load_config(args.config)
        source = source_for_config(config)
        trends = args.format == "html" if args.trends is None else args.trends
        report = source.report(args.year, trends=trends)
    except (ConfigError, CatalogError, DatabaseError) as exc:
        print(f"bwk-staff: {exc}", file=sys.stderr)
        return 2
    output = render(report, args.format, source.catalog, args.lang)
    if args.out:
        if isinstance(output, bytes):
            args.out.write_bytes(output)
        else:
            args.out.write_text(output, "utf-8")
        print(f"bwk-staff: wrote {args.out}", file=sys.stderr)
    elif args.format in BINARY_FORMATS:
        if sys.stdout.isatty():
            print(f"bwk-staff: {args.format} is binary; use --out FILE", file=sys.stderr)
            return 2
        sys.stdout.buffer.write(output)  # type: ignore[arg-type]
    else:
        sys.stdout.write(output)  # type: ignore[arg-type]
    return 0


def _record_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bwk-staff record",
        description="Record a figure or judgement staff enter (members, interviews, INPUT rows) "
        "for a room and year. A change is a new entry; the latest counts.",
    )
    parser.add_argument("--config", required=True, help="central.toml")
    parser.add_argument("--year", type=int, help="the year the figure is for")
    parser.add_argument("--indicator", help="a staff-entered indicator id (see --list)")
    parser.add_argument("--room", help="an enrolled room id, or 'totaal' for all rooms together")
    parser.add_argument("--value", help="a whole number, a percentage or a judgement text")
    parser.add_argument("--note", default="", help="where the figure comes from")
    parser.add_argument("--by", default=None, help="who enters it (default: your login name)")
    parser.add_argument(
        "--list", action="store_true", help="show the year's entries (and the indicators) instead"
    )
    parser.add_argument(
        "--copy-from",
        type=Path,
        metavar="OLD.db",
        help="copy every entry of another central database (a backup, or the "
        "one moved aside before a rebuild from the rooms) into this one",
    )
    return parser


def record_main(argv: list[str]) -> int:
    args = _record_parser().parse_args(argv)
    try:
        source = source_for_config(load_config(args.config))
        if args.copy_from:
            copied, already = source.copy_figures(args.copy_from)
            print(
                f"bwk-staff record: {copied} entries copied from {args.copy_from}, "
                f"{already} already here",
                file=sys.stderr,
            )
            return 0
        if args.year is None:
            raise FigureError("geef het jaar op (--year)")
        if args.list:
            return _list_figures(source, args.year)
        missing = [
            f"--{name}" for name in ("indicator", "room", "value") if getattr(args, name) is None
        ]
        if missing:
            raise FigureError(f"geef ook {', '.join(missing)} op (of --list)")
        found = source.record_figure(
            year=args.year,
            indicator=args.indicator,
            room=args.room,
            value=args.value,
            by=args.by or _login_name(),
            note=args.note,
        )
    except (ConfigError, CatalogError, DatabaseError, FigureError) as exc:
        print(f"bwk-staff record: {exc}", file=sys.stderr)
        return 2
    print(
        f"bwk-staff record: {found.indicator} {found.room} {found.year} = {found.value} "
        f"(ingevoerd {found.at[:10]} door {found.by})",
        file=sys.stderr,
    )
    return 0


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""


def _list_figures(source: Source, year: int) -> int:
    for figure in source.catalog.enterable_figures().values():
        print(f"{figure.id:<28} {figure.section:<7} {figure.value:<10} {figure.label}")
    print()
    for found in source.figure_history(year):
        note = f"  ({found.note})" if found.note else ""
        print(
            f"{found.at}  {found.indicator:<28} {found.room:<12} {found.value}  "
            f"door {found.by}{note}"
        )
    return 0


def _dashboard_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bwk-staff", description="The staff dashboard (subcommands: report, serve)."
    )
    parser.add_argument("--config", required=True, help="central.toml or a room's room.toml")
    parser.add_argument("--year", type=int, default=None, help="the year shown first")
    parser.add_argument("--lang", choices=i18n.STAFF_LANGUAGES, default="nl")
    return parser


def dashboard_main(argv: list[str]) -> int:
    args = _dashboard_parser().parse_args(argv)
    try:
        source = source_for_config(load_config(args.config))
    except (ConfigError, CatalogError, DatabaseError) as exc:
        print(f"bwk-staff: {exc}", file=sys.stderr)
        return 2
    from kiosk.staff.app import StaffApp

    return run_app(StaffApp(source, year=args.year, lang=args.lang))


def run_app(app, *, headless: bool = False) -> int:
    """Run a Textual app; its exit code. A crash ends ``run()`` with the traceback printed
    and return code 1: passed on, so a supervisor notices."""
    app.run(headless=headless)
    return app.return_code or 0


def serve_command(config: str, year: int | None = None, lang: str = "nl") -> str:
    """The command textual-serve starts for each browser session."""
    parts = [
        sys.executable,
        "-m",
        "kiosk.staff.cli",
        "--config",
        str(Path(config).resolve()),
        "--lang",
        lang,
    ]
    if year:
        parts += ["--year", str(year)]
    return shlex.join(parts)


def serve_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="bwk-staff serve",
        description="The dashboard in a browser (textual-serve). Listens on 127.0.0.1 only by "
        "default; put an authenticating reverse proxy in front before exposing it.",
    )
    parser.add_argument("--config", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--lang", choices=i18n.STAFF_LANGUAGES, default="nl")
    args = parser.parse_args(argv)
    try:
        source_for_config(load_config(args.config))
    except (ConfigError, CatalogError, DatabaseError) as exc:
        print(f"bwk-staff: {exc}", file=sys.stderr)
        return 2
    try:
        from textual_serve.server import Server
    except ImportError:
        print(
            "bwk-staff: browser access needs textual-serve: pip install 'buurtwerkkamer[serve]'",
            file=sys.stderr,
        )
        return 2
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"bwk-staff: WARNING: listening on {args.host}; the dashboard has no login of its "
            "own. Put it behind an authenticating proxy.",
            file=sys.stderr,
        )
    Server(
        serve_command(args.config, args.year, args.lang),
        host=args.host,
        port=args.port,
        title="BuurtWerkKamer staff",
    ).serve()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "report":
        return report_main(argv[1:])
    if argv and argv[0] == "serve":
        return serve_main(argv[1:])
    if argv and argv[0] == "record":
        return record_main(argv[1:])
    if argv and argv[0] == "dashboard":
        argv = argv[1:]
    return dashboard_main(argv)


if __name__ == "__main__":
    sys.exit(main())
