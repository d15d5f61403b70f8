"""``bwk-syncd``: keys, the daemon, one pass, status, restore, config publishing, a demo;
operations: verify, backup, resend.

Exit codes: 0 done (also when files were quarantined: that is normal work);
1 ``verify`` found something wrong (it says what, and what to do);
2 the command could not run at all (bad config, missing or wrong keys), or the
pass failed as a whole (e.g. central's database is damaged), with one clear
message on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from shared.config import ConfigError, load_central_config
from shared.db import DatabaseError
from shared.keys import KeyFileError, write_keypair
from syncd import keys_cli
from syncd.common import Node, SetupError

if TYPE_CHECKING:  # imported when a command needs it (start-up time)
    from syncd.central import CentralNode


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bwk-syncd",
        description=(
            "Carry the rooms' event logs to central as signed, sealed bundle files over any folder."
        ),
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every pass")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("keygen", help="write DIR/NAME.key (0600) and DIR/NAME.pub")
    p.add_argument("name", help="the room id, or 'central'")
    p.add_argument("--dir", type=Path, default=Path("."))
    for name, text in (
        ("run", "the daemon (role from the config)"),
        ("once", "one full pass, then exit"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--config", type=Path, required=True)
    p = sub.add_parser("status", help="queues, last bundle per room, lag, quarantine")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("restore", help="rebuild a replaced room's log from central's export")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--from", dest="source", type=Path, required=True)
    p = sub.add_parser(
        "export-room", help="central: a sealed export of one room's log (for restore)"
    )
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--room", required=True)
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("publish-config", help="central: send catalog, targets, rates to every room")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument(
        "--catalog",
        type=Path,
        default=None,
        help="the catalog TOML (default: catalog.toml beside the config, else packaged)",
    )
    p = sub.add_parser("demo", help="three rooms + central with keys and invented data, synced")
    p.add_argument("--dir", type=Path, required=True)
    _add_operations(sub)
    keys_cli.add_parsers(sub)  # enrol, revoke
    return parser


def _add_operations(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("verify", help="check that everything adds up (exit 1 when not)")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("backup", help="a consistent copy of the database, safe while running")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("resend", help="room: send the whole log to central again (rebuild)")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument(
        "--all",
        action="store_true",
        required=True,
        help="from seq 1 (required: the only kind of resend there is)",
    )
    from syncd import release_cli

    release_cli.add_parser(sub)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        format="bwk-syncd %(levelname)s %(message)s",
        level=logging.INFO if args.verbose or args.command == "run" else logging.WARNING,
    )
    logging.getLogger("watchfiles").setLevel(logging.WARNING)
    try:
        return COMMANDS[args.command](args)
    except (ConfigError, SetupError, KeyFileError, DatabaseError, sqlite3.DatabaseError) as exc:
        print(f"bwk-syncd: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a folder or file that cannot be created or read
        print(f"bwk-syncd: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def _keygen(args: argparse.Namespace) -> int:
    key = write_keypair(args.dir, args.name)
    print(f"wrote {args.dir / (args.name + '.key')} (private, keep it here, mode 0600)")
    print(f"wrote {args.dir / (args.name + '.pub')} (public, give it to the other side)")
    print(f"fingerprint: {key.fingerprint}")
    return 0


def _node(config_path: Path, passes: bool = False) -> Node:
    from syncd.daemon import make_node

    return make_node(config_path, passes)


def _run(args: argparse.Namespace) -> int:
    from syncd.daemon import run

    return run(args.config)


def _once(args: argparse.Namespace) -> int:
    from syncd.daemon import _health

    node = _node(args.config, passes=True)
    try:
        health = _health(node)
        try:
            report = node.run_pass()
        except Exception as exc:
            health.failed_pass(f"{type(exc).__name__}: {exc}", node.now())
            if isinstance(exc, SetupError):
                raise
            raise SetupError(f"the pass failed: {type(exc).__name__}: {exc}") from exc
        health.passed(node.now())
    finally:
        node.close()
    print(f"{node.label}: {report.summary()}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from syncd.status import render

    node = _node(args.config)
    try:
        status = node.status()
    finally:
        node.close()
    print(json.dumps(status, indent=2, ensure_ascii=False) if args.json else render(status))
    return 0


def _restore(args: argparse.Namespace) -> int:
    from syncd.restore import restore

    added, top = restore(args.config, args.source)
    print(f"restored {added} events; the next event continues at seq {top + 1}")
    return 0


def _central_node(config_path: Path) -> CentralNode:
    """Central's node; a room config gets ConfigError's plain message."""
    from syncd.central import CentralNode

    return CentralNode(load_central_config(config_path))


def _export_room(args: argparse.Namespace) -> int:
    node = _central_node(args.config)
    try:
        count = node.export_room(args.room, args.out)
    finally:
        node.close()
    print(f"wrote {args.out}: {count} events of {args.room}, sealed to its key")
    return 0


def _publish(args: argparse.Namespace) -> int:
    node = _central_node(args.config)
    try:
        revision, rooms = node.publish_config(args.catalog)
    finally:
        node.close()
    print(f"published catalog revision {revision} to {', '.join(rooms) or 'no rooms'}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from syncd.demo import build_demo

    print(build_demo(args.dir))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from syncd.verify import render, verify

    result = verify(args.config)
    print(json.dumps(result, indent=2, ensure_ascii=False) if args.json else render(result))
    return 0 if result["ok"] else 1


def _backup(args: argparse.Namespace) -> int:
    from syncd.backup import backup

    size = backup(args.config, args.out)
    print(f"wrote {args.out} ({size} bytes, mode 0600): a consistent copy, checked")
    return 0


def _resend(args: argparse.Namespace) -> int:
    from syncd.backup import resend_all

    room, top, stale = resend_all(args.config)
    print(f"{room}: the whole log (seq 1 to {top}) goes to central again with the next pass")
    if stale:
        print(f"removed {stale} old acknowledgement(s) of the lost central from the inbox")
    return 0


def _release(args: argparse.Namespace) -> int:
    from syncd.release_cli import run

    return run(args)


COMMANDS = {
    "keygen": _keygen,
    "run": _run,
    "once": _once,
    "status": _status,
    "restore": _restore,
    "export-room": _export_room,
    "publish-config": _publish,
    "demo": _demo,
    "verify": _verify,
    "backup": _backup,
    "resend": _resend,
    "release": _release,
    **keys_cli.COMMANDS,
}

if __name__ == "__main__":
    sys.exit(main())
