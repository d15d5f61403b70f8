"""docs/OPERATIONS.md, "Installing on Debian 12", done as a new operator would: the
doc's own command blocks run word for word as root (the service user ``bwk`` made
with adduser, its venv, pip installing a copy of this checkout, the folders and the
units copied), ``systemd-analyze verify`` on every unit in config/ (and that it
catches a wrong ExecStart path), then each unit's ExecStart run as the unit's
``User=`` in its ``WorkingDirectory=``: the syncd units for one pass each (a check-in
travels room -> central -> ack -> room), the console kiosk started on a pty and
stopped with SIGTERM, the cage kiosk's wrapper with stand-ins for cage and foot.
That proves the 0600 files one unit writes are readable by the others.

Needs root, adduser, runuser, setpriv and systemd-analyze (Debian 12). Elsewhere it
is skipped with the reason; in CI (CI=true) as root a missing tool fails it. It
refuses to touch a machine where a user ``bwk`` or /srv/bwk exists that it did not
make, and removes everything it made afterwards.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from test_syncd_site import wait_for

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from bench.pty_kiosk import PtyKiosk  # noqa: E402

USER, HOME = "bwk", Path("/srv/bwk")
TOOLS = ("adduser", "deluser", "runuser", "setpriv", "systemd-analyze")
# Locked while the test runs (two checkouts' suites on one machine take turns); not empty
# while user bwk and /srv/bwk made by this test exist (left by an interrupted run).
MARKER = Path("/var/tmp/bwk-install-test.lock")
LOGS = Path("/var/log/bwk")
CAGE_RUN = Path("/usr/local/bin/bwk-kiosk-cage-run")
PLAIN_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LANG": "C.UTF-8",
    "DEBIAN_FRONTEND": "noninteractive",
}


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False


def _refuse(reason: str) -> None:
    if os.environ.get("CI") == "true" and os.geteuid() == 0:
        pytest.fail(f"CI runs as root, so this test must run: {reason}")
    pytest.skip(reason)


def _sh(command: str, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(
        command,
        shell=True,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=PLAIN_ENV,
        timeout=300,
        **kwargs,
    )
    assert result.returncode == 0, (
        f"{command}\n-> {result.returncode}\n{result.stdout}{result.stderr}"
    )
    return result


def _clean_up() -> None:
    if _exists(USER):
        subprocess.run(["deluser", "--quiet", USER], capture_output=True, env=PLAIN_ENV)
    if subprocess.run(["getent", "group", USER], capture_output=True).returncode == 0:
        subprocess.run(["delgroup", "--quiet", USER], capture_output=True, env=PLAIN_ENV)
    for path in (HOME, LOGS):
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def machine(tmp_path):
    """Root on a machine without a bwk installation; everything made is removed after."""
    if os.geteuid() != 0:
        _refuse("installing needs root (adduser, runuser): run the suite as root, as CI does")
    missing = [t for t in TOOLS if shutil.which(t, path=PLAIN_ENV["PATH"]) is None]
    if missing:
        _refuse(f"not a Debian machine with {', '.join(missing)}")
    with open(MARKER, "a+", encoding="utf-8") as lock:
        _take_turns(lock)
        lock.seek(0)
        if lock.read():
            _clean_up()  # left by an interrupted run of this test
        if _exists(USER) or HOME.exists() or LOGS.exists():
            _refuse(
                f"a user {USER}, {HOME} or {LOGS} exists that this test did not make: "
                "it will not touch a real installation"
            )
        _mark(lock, "made by tests/test_ops_install.py\n")
        had_cage_run = CAGE_RUN.exists()
        clone = Path(tempfile.mkdtemp(prefix="bwk-clone-", dir="/var/tmp"))
        try:
            yield clone
        finally:
            _clean_up()
            shutil.rmtree(clone, ignore_errors=True)
            if not had_cage_run:
                CAGE_RUN.unlink(missing_ok=True)
            _mark(lock, "")


def _take_turns(lock, patience: float = 600.0) -> None:
    import fcntl
    import time

    deadline = time.monotonic() + patience
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released when the file closes
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                pytest.fail(f"{MARKER} stayed locked for {patience:.0f} s by another run")
            time.sleep(0.5)  # another checkout's run of this test is installing


def _mark(lock, text: str) -> None:
    lock.seek(0)
    lock.truncate()
    lock.write(text)
    lock.flush()


def _section(title: str) -> str:
    text = (REPO / "docs" / "OPERATIONS.md").read_text("utf-8")
    return text.split(f"{title}\n", 1)[1].split("\n## ", 1)[0]


def _install_section() -> str:
    return _section("## Installing on Debian 12")


def _doc_blocks() -> list[list[str]]:
    return [
        [line.strip() for line in block.splitlines() if line.strip()]
        for block in re.findall(r"```sh\n(.*?)```", _install_section(), re.S)
    ]


def _unit(path: Path) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for key, value in re.findall(
        r"^(\w+)=(.*)$", path.read_text("utf-8").replace("\\\n", " "), re.M
    ):
        settings.setdefault(key, []).append(value.strip())
    return settings


def _as_unit_user(unit: dict[str, list[str]], argv: list[str]):
    """The command as systemd would run it: the unit's User, WorkingDirectory, Environment."""
    env = {**PLAIN_ENV, "HOME": str(HOME)}
    env.update(dict(e.split("=", 1) for e in unit.get("Environment", [])))
    user = unit["User"][0]
    return ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", *argv], env


def _run_unit(unit, argv, **kwargs) -> subprocess.CompletedProcess:
    command, env = _as_unit_user(unit, argv)
    result = subprocess.run(
        command,
        cwd=unit["WorkingDirectory"][0],
        env={**env, **kwargs},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{argv}\n{result.stdout}{result.stderr}"
    return result


def _hand_over(files: list[Path], folder: Path) -> None:
    """The transport (Syncthing at a real site): files land owned by the service user."""
    for path in files:
        target = folder / path.name
        shutil.copy(path, target)
        shutil.chown(target, USER, USER)


def test_the_units_as_shipped_agree_on_one_user_one_venv_one_room_folder():
    units = {p.name: _unit(p) for p in sorted((REPO / "config").glob("*.service"))}
    assert len(units) == 4
    for name, unit in units.items():
        assert unit["User"] == [USER], name
        binary = next(a for a in shlex.split(unit["ExecStart"][0]) if "/srv/bwk/venv/bin/" in a)
        assert binary.startswith("/srv/bwk/venv/bin/bwk-"), name
    room_units = [u for n, u in units.items() if "central" not in n]
    for unit in room_units:
        assert unit["WorkingDirectory"] == ["/srv/bwk/room"]
        assert "--config /srv/bwk/room/room.toml" in unit["ExecStart"][0]
    assert units["bwk-syncd-room.service"]["ReadWritePaths"] == ["/srv/bwk/room"]
    central = units["bwk-syncd-central.service"]
    assert central["WorkingDirectory"] == central["ReadWritePaths"] == ["/srv/bwk/central"]
    assert "--config /srv/bwk/central/central.toml" in central["ExecStart"][0]


def test_installing_on_debian_as_the_guide_says(machine, tmp_path):
    clone = machine
    shutil.copytree(
        REPO,
        clone / "buurtwerkkamer",
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            ".ci-venv",
            "__pycache__",
            "*.egg-info",
            "build",
            "dist",
            ".pytest_cache",
            ".hypothesis",
            "*.db",
            "*.db-wal",
            "*.db-shm",
            "results",
        ),
    )
    source = clone / "buurtwerkkamer"
    os.chmod(clone, 0o755)
    etc_units = tmp_path / "etc-systemd-system"
    etc_units.mkdir()

    # 1. The guide's blocks, word for word (the clone's path and a private unit folder).
    blocks = _doc_blocks()
    assert len(blocks) == 3, "every machine, central, a room"
    for line in (line for block in blocks for line in block):
        assert not line.startswith("systemctl "), "systemd is not PID 1 in a test machine"
        _sh(
            line.replace("/path/to/buurtwerkkamer", str(source)).replace(
                "/etc/systemd/system", str(etc_units)
            )
        )
        if line.startswith("adduser"):  # pip builds in the source tree: the clone is bwk's
            _sh(f"chown -R {USER}:{USER} {shlex.quote(str(source))}")
    assert sorted(p.name for p in etc_units.iterdir()) == [
        "bwk-kiosk.service",
        "bwk-syncd-central.service",
        "bwk-syncd-room.service",
    ]
    account = pwd.getpwnam(USER)
    assert account.pw_dir == str(HOME) and account.pw_uid < 1000  # a system user
    for folder in (HOME / "room", HOME / "central"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and folder.owner() == USER

    # 2. systemd-analyze verify, offline, on every unit as shipped (the cage wrapper where
    # docs/KIOSK.md puts it); and it does catch a wrong ExecStart path.
    _sh(f"install -m 755 {source}/config/bwk-kiosk-cage-run /usr/local/bin/")
    for unit in sorted((REPO / "config").glob("*.service")):
        result = subprocess.run(
            ["systemd-analyze", "verify", str(unit)],
            capture_output=True,
            text=True,
            env=PLAIN_ENV,
            timeout=60,
        )
        assert result.returncode == 0 and not result.stdout.strip(), (
            f"{unit.name}: {result.stdout}{result.stderr}"
        )
    wrong = tmp_path / "wrong" / "bwk-syncd-room.service"
    wrong.parent.mkdir()
    wrong.write_text(
        (REPO / "config" / "bwk-syncd-room.service")
        .read_text()
        .replace("/srv/bwk/venv/bin/bwk-syncd", "/srv/bwk/venv/bin/bwk-sync")
    )
    result = subprocess.run(
        ["systemd-analyze", "verify", str(wrong)],
        capture_output=True,
        text=True,
        env=PLAIN_ENV,
        timeout=60,
    )
    assert result.returncode != 0
    assert "/srv/bwk/venv/bin/bwk-sync is not executable" in result.stdout + result.stderr

    # The guide's Syncthing unit for the service user (Debian's syncthing@.service).
    syncthing = _section("## Syncthing")
    [block] = re.findall(r"```sh\n(.*?)```", syncthing, re.S)
    assert block.splitlines() == [
        "apt-get install -y syncthing",
        f"systemd-analyze verify syncthing@{USER}.service",
        f"systemctl enable --now syncthing@{USER}",
    ]
    if shutil.which("syncthing") or os.environ.get("CI") == "true":  # .ci/run installs it
        for line in block.splitlines()[:2]:
            _sh(line)

    # 3. Keys, configs and the room's database, made as bwk (the operator's edits).
    room_dir, central_dir = HOME / "room", HOME / "central"
    venv = HOME / "venv" / "bin"
    as_bwk = ["runuser", "-u", USER, "--"]
    _sh(f"runuser -u {USER} -- {venv}/bwk-syncd keygen multibron --dir keys", cwd=room_dir)
    _sh(f"runuser -u {USER} -- {venv}/bwk-syncd keygen central --dir keys", cwd=central_dir)
    _hand_over([central_dir / "keys" / "central.pub"], room_dir / "keys")
    _hand_over([room_dir / "keys" / "multibron.pub"], central_dir / "keys")
    central_toml = central_dir / "central.toml"
    central_toml.write_text(central_toml.read_text().split("[rooms.cjm]")[0])  # one room
    room_toml = room_dir / "room.toml"
    room_toml.write_text(
        room_toml.read_text().replace(
            '# status_file = "status.json"', 'status_file = "status.json"'
        )
    )
    [init] = re.findall(r"`(runuser -u bwk -- \S+/bwk-kiosk init [^`]+)`", _install_section())
    done = subprocess.run(
        init,
        shell=True,
        input="Ruth\n9157\n9157\n",
        capture_output=True,
        text=True,
        env=PLAIN_ENV,
        timeout=120,
    )  # answers on stdin
    assert done.returncode == 0, done.stdout + done.stderr
    for secret in (
        room_dir / "room.db",
        room_dir / "keys" / "multibron.key",
        central_dir / "keys" / "central.key",
    ):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and secret.owner() == USER, secret

    # 4. Each syncd unit's ExecStart, as its User, one pass ("once" for "run").
    room_unit = _unit(REPO / "config" / "bwk-syncd-room.service")
    central_unit = _unit(REPO / "config" / "bwk-syncd-central.service")

    def once(unit):
        argv = shlex.split(unit["ExecStart"][0])
        assert argv[1] == "run"
        return _run_unit(unit, [argv[0], "once", *argv[2:]])

    once(central_unit)  # started first, as at a real site: it makes its folders
    once(room_unit)
    assert list((room_dir / "outbox").glob("events-*.bwk"))
    _hand_over(sorted((room_dir / "outbox").glob("*.bwk")), central_dir / "inbox")
    once(central_unit)
    _hand_over(sorted((central_dir / "to-multibron").glob("ack-*.bwk")), room_dir / "inbox")
    once(room_unit)
    status = json.loads(
        _run_unit(
            room_unit, [str(venv / "bwk-syncd"), "status", "--config", "room.toml", "--json"]
        ).stdout
    )
    assert status["acked_seq"] == status["max_seq"] >= 1
    verify = subprocess.run(
        [*as_bwk, f"{venv}/bwk-syncd", "verify", "--config", "central.toml"],
        cwd=central_dir,
        capture_output=True,
        text=True,
        env=PLAIN_ENV,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # 5. The console kiosk: started by its unit's command line on a terminal, as bwk;
    # stopped by SIGTERM as systemd stops it (exit 0). systemd makes LogsDirectory.
    kiosk_unit = _unit(REPO / "config" / "bwk-kiosk-tty.service")
    assert kiosk_unit["LogsDirectory"] == ["bwk"]
    LOGS.mkdir(mode=0o755)
    shutil.chown(LOGS, USER, USER)
    command, env = _as_unit_user(kiosk_unit, shlex.split(kiosk_unit["ExecStart"][0]))
    with PtyKiosk(room_dir, size=(80, 24), args=(), command=command, env=env) as kiosk:
        wait_for(
            lambda: (room_dir / "status.json").exists() or kiosk.proc.poll() is not None,
            room_dir,
            timeout=60,
            what="the kiosk to start",
        )
        assert kiosk.proc.poll() is None, kiosk.text()[-2000:]
        assert (room_dir / "status.json").owner() == USER
        kiosk.signal(signal.SIGTERM)
        assert kiosk.wait(30) == 0
    assert (LOGS / "kiosk.log").owner() == USER

    # 6. The cage kiosk: its wrapper runs the same kiosk as bwk (stand-ins for cage and
    # foot, which need a seat); --help ends it at once, and its exit code comes through.
    cage_unit = _unit(REPO / "config" / "bwk-kiosk-cage.service")
    assert (
        cage_unit["LogsDirectory"] == ["bwk"]
        and cage_unit["WorkingDirectory"] == kiosk_unit["WorkingDirectory"]
    )
    stand_ins = clone / "stand-ins"
    stand_ins.mkdir()
    for name in ("cage", "foot"):
        script = stand_ins / name
        script.write_text('#!/bin/sh\nwhile [ "${1#-}" != "$1" ]; do shift; done\n"$@"\n')
        script.chmod(0o755)
    runtime = clone / "run-bwk-kiosk"  # RuntimeDirectory=, made by systemd, owned by User=
    runtime.mkdir()
    shutil.chown(runtime, USER, USER)
    result = _run_unit(
        cage_unit,
        [*shlex.split(cage_unit["ExecStart"][0]), "--help"],
        BWK_CAGE=str(stand_ins / "cage"),
        BWK_FOOT=str(stand_ins / "foot"),
        RUNTIME_DIRECTORY=str(runtime),
    )
    assert "usage: bwk-kiosk" in result.stdout
