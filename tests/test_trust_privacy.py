"""Issue 10 items 11-17: names, notes and PINs stay in the room, tried as an attacker would.

Each test plays the attacker (or the unlucky operator) against real files:
the ids and payloads that leave a room, a copied room.db, a relayed forget.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from test_kiosk_keyholder import as_key_holder
from test_kiosk_support import PIN, SIZE, make_app, screen_text, settle
from test_syncd_site import Site, child_env

from shared import events, people
from shared.db import connect
from shared.people import name_key
from shared.store import RoomStore, StoreError, forget_local

BIN = Path(sys.executable).parent
CANDIDATES = ("Anna", "Zoë", "Mohamed", "Fatima")  # the attacker's list of guesses


def import_csv(folder: Path, config: Path, name: str, text: str) -> subprocess.CompletedProcess:
    paper = folder / name
    paper.write_text("date,time,activity,code,name\n" + text, "utf-8")
    return subprocess.run(
        [str(BIN / "bwk-kiosk"), "import-csv", str(paper), "--config", str(config)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def room(tmp_path):
    config = tmp_path / "room.toml"
    config.write_text('[room]\nid = "cjm"\ndatabase = "room.db"\n', "utf-8")
    return tmp_path, config


def exported(folder: Path) -> list[tuple]:
    """What leaves the room: every event row, as central stores it."""
    conn = connect(folder / "room.db")
    rows = [tuple(r) for r in conn.execute(f"SELECT {events.EVENT_COLUMNS} FROM events")]
    conn.close()
    return rows


# --- item 11: paper-list ids ---------------------------------------------------------
def _unkeyed(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def test_paper_list_ids_do_not_give_away_the_name(room):
    folder, config = room
    result = import_csv(folder, config, "lijst.csv", "2017-03-01,10:15,kookclub,,Zoë\n")
    assert result.returncode == 0, result.stderr
    rows = exported(folder)
    ids = {r[0] for r in rows}
    assert len(rows) == 2  # the registration and the check-in
    # Central sees room, time and activity; the attacker tries every name on the list.
    recovered = set()
    for _, room_id, _, at, _, _, activity, _, _ in rows:
        for guess in CANDIDATES:
            key = name_key(guess)
            tries = {_unkeyed("csv-register", room_id, key)}
            if activity:
                tries.add(_unkeyed("csv", room_id, at[:10], at[11:16], activity, "", key, "1"))
            if tries & ids:
                recovered.add(guess)
    assert recovered == set()
    # Still idempotent: the same file again adds nothing.
    again = import_csv(folder, config, "lijst.csv", "2017-03-01,10:15,kookclub,,Zoë\n")
    assert again.returncode == 0 and "nothing new" in again.stdout
    assert exported(folder) == rows


def test_a_list_imported_before_the_upgrade_is_not_added_twice(room):
    folder, config = room
    # What the importer wrote before ids were keyed: an unkeyed hash of the same parts.
    store = RoomStore(folder / "room.db", "cjm")
    from shared.db import transaction

    with transaction(store.conn):
        events.append_many(
            store.conn,
            "cjm",
            [
                events.Draft(
                    _unkeyed("csv", "cjm", "2017-03-01", "10:15", "kookclub", "", "", "1"),
                    "2017-03-01T10:15:00+01:00",
                    "checkin",
                    None,
                    "kookclub",
                    None,
                    '{"source": "paper"}',
                )
            ],
        )
    store.close()
    before = exported(folder)
    result = import_csv(
        folder, config, "oud.csv", "2017-03-01,10:15,kookclub,,\n2017-03-01,10:15,kookclub,,\n"
    )
    assert result.returncode == 0, result.stderr
    assert "imported 1 of 2 rows, 1 were imported before" in result.stdout
    assert len(exported(folder)) == len(before) + 1


# --- item 12: a forgotten name on paper again -------------------------------------------
@pytest.mark.parametrize("how", ["forget", "retention"])
def test_reimporting_a_forgotten_name_registers_them_again_without_a_crash(room, how, clock):
    folder, config = room
    first = import_csv(folder, config, "maart.csv", "2017-03-01,10:15,kookclub,,Zoë\n")
    assert first.returncode == 0, first.stderr
    store = RoomStore(folder / "room.db", "cjm", clock=clock)
    old_code = store.find_people("zoe")[0].code
    if how == "forget":
        store.forget(old_code, by="SOMEONE1")
    else:  # two years on, the room in use: Zoë's name is purged
        clock.set(2019, 4, 1, 10)
        store.open_room(by="SOMEONE1")
        assert store.purge_idle_names(24) == 1
    assert store.person(old_code) is None
    store.close()
    second = import_csv(folder, config, "april.csv", "2017-04-01,10:15,kookclub,,Zoë\n")
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr
    assert "imported 1 of 1 rows, 1 new visitors registered" in second.stdout
    store = RoomStore(folder / "room.db", "cjm")
    (zoe,) = store.find_people("zoe")
    assert zoe.code != old_code  # a fresh code, never the forgotten one
    store.close()


# --- item 13: handgeld notes ----------------------------------------------------------------
NOTE = "taxi Ayşe naar huisarts"


def test_a_handgeld_note_never_reaches_central(tmp_path):
    site = Site(tmp_path / "site", rooms=("cjm",))
    try:
        cjm = site.store("cjm")
        keeper = cjm.add_key_holder("Anna", "4711", by=None)
        expense = cjm.record_expense(1250, "A", NOTE, by=keeper.code)
        site.sync_all()
        central = sqlite3.connect(site.db("central"))
        payload = central.execute(
            "SELECT payload FROM events WHERE id = ?", (expense.id,)
        ).fetchone()[0]
        central.close()
        assert json.loads(payload) == {"by": keeper.code, "category": "A", "cents": 1250}
        raw = b"".join(p.read_bytes() for p in site.db("central").parent.glob("central.db*"))
        assert "Ayşe".encode() not in raw and b"huisarts" not in raw
        assert cjm.expense_note(expense.id) == NOTE  # the room keeps it for its own books
    finally:
        site.close()


def test_forget_scrubs_the_notes_that_name_the_person(store):
    keeper = store.add_key_holder("Anna", "4711", by=None)
    ayse = store.register_visitor("Ayşe")
    about = store.record_expense(1250, "A", NOTE, by=keeper.code)
    other = store.record_expense(300, "B", "koffie en thee", by=keeper.code)
    store.forget(ayse.code, by=keeper.code)
    raw = b"".join(p.read_bytes() for p in store.path.parent.glob(store.path.name + "*"))
    assert "Ayşe".encode() not in raw and b"huisarts" not in raw
    assert store.expense_note(about.id) is None
    assert store.expense_note(other.id) == "koffie en thee"  # a note about no one stays


def test_retention_removes_old_notes_and_notes_naming_a_purged_visitor(store, clock):
    keeper = store.add_key_holder("Anna", "4711", by=None)
    ayse = store.register_visitor("Ayşe")
    store.check_in(ayse.code)
    old = store.record_expense(500, "A", "kopjes", by=keeper.code)
    clock.advance(days=365 * 2 + 40)
    about = store.record_expense(1250, "A", NOTE, by=keeper.code)  # recent, but names Ayşe
    recent = store.record_expense(300, "B", "koffie", by=keeper.code)
    store.open_room(by=keeper.code)  # the room is in use today: the clock is plausible
    assert store.purge_idle_names(24) == 1 and store.person(ayse.code) is None
    assert store.expense_notes([old.id, about.id, recent.id]) == {recent.id: "koffie"}


def _database_before_notes_moved(path: Path, *, central: bool) -> str:
    """A database as the previous release left it, with a note in a cash_expense payload."""
    import sqlite_utils

    from shared.schema import MIGRATIONS

    before = next(
        (i for i, m in enumerate(MIGRATIONS) if m.__name__ >= "m009_keep"), len(MIGRATIONS)
    )
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for step in MIGRATIONS[:before]:
        step(db)
    conn.execute(f"PRAGMA user_version = {before}")
    conn.execute("BEGIN IMMEDIATE")
    event = events.append(
        conn,
        room="cjm",
        at="2017-03-01T10:00:00+01:00",
        kind="cash_expense",
        payload={"cents": 1250, "category": "A", "note": NOTE, "by": "KEEPER01"},
    )
    if central:
        conn.execute("INSERT INTO sync_rooms (room, contiguous_seq, bundles) VALUES ('cjm', 1, 1)")
    conn.execute("COMMIT")
    conn.close()
    return event.id


@pytest.mark.parametrize("central", [False, True])
def test_the_upgrade_moves_old_notes_out_of_the_log(tmp_path, central):
    path = tmp_path / "old.db"
    event_id = _database_before_notes_moved(path, central=central)
    conn = connect(path)  # the upgrade runs here
    payload = conn.execute("SELECT payload FROM events WHERE id = ?", (event_id,)).fetchone()[0]
    assert payload == json.dumps(
        {"by": "KEEPER01", "category": "A", "cents": 1250}, ensure_ascii=False, sort_keys=True
    )
    notes = [tuple(r) for r in conn.execute("SELECT event_id, note FROM cash_notes")]
    assert notes == ([] if central else [(event_id, NOTE)])  # central keeps no free text
    conn.close()


# --- item 14: a forget relayed from another room -------------------------------------------
def test_a_forget_from_another_room_keeps_this_rooms_only_key_holder(tmp_path):
    site = Site(tmp_path / "site", rooms=("cjm", "handreiking"))
    try:
        cjm, handreiking = site.store("cjm"), site.store("handreiking")
        anna = cjm.add_key_holder("Anna", "4711", by=None)
        handreiking.check_in(anna.code, ["kookclub"])
        handreiking.forget(anna.code, by="HOSTILE1")  # recorded in the other room
        site.sync_all()
        site.once("cjm")
        assert cjm.verify_key_holder(anna.code, "4711").name == "Anna"
        assert cjm.has_role(anna.code, "key_holder")
        (notice,) = cjm.forget_notices()
        assert notice[0].code == anna.code
    finally:
        site.close()


def test_a_relayed_forget_of_a_visitor_still_scrubs_the_name(store):
    zoe = store.register_visitor("Zoë")
    assert forget_local(store.conn, zoe.code) is True
    assert store.person(zoe.code) is None and store.forget_notices() == []


async def test_key_holders_see_the_notice_and_forget_the_person_here(tmp_path):
    app, store, anna, _ = make_app(tmp_path)
    bea = store.add_key_holder("Bea", "8642", by=anna.code)
    forget_local(store.conn, bea.code, event_id="elsewhere")
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        assert "Bea vroeg in een andere ruimte om vergeten te worden" in screen_text(app)
        await pilot.click("#fn-forget-0")
        await settle(pilot)
        assert "Bea is hier vergeten" in screen_text(app)
        assert not app.screen.query_one("#forget-notices").display
    assert store.person(bea.code) is None
    assert not store.has_role(bea.code, "key_holder")
    assert store.forget_notices() == []


async def test_the_last_key_holder_is_never_forgotten_by_a_notice(tmp_path):
    app, store, anna, _ = make_app(tmp_path)
    forget_local(store.conn, anna.code, event_id="elsewhere")
    async with app.run_test(size=SIZE) as pilot:
        await as_key_holder(pilot)
        assert "Anna vroeg in een andere ruimte" in screen_text(app)
        await pilot.click("#fn-forget-0")
        await settle(pilot)
        assert "laatste sleutelbeheerder" in screen_text(app).lower()
        await pilot.click("#fn-keep-0")
        await settle(pilot)
        assert "Anna blijft hier sleutelbeheerder" in screen_text(app)
    assert store.verify_key_holder(anna.code, PIN).name == "Anna"
    assert store.forget_notices() == []


async def test_the_notice_leaves_every_key_holder_button_reachable_at_80x24(tmp_path):
    from textual.widgets import Button

    app, store, anna, _ = make_app(tmp_path)
    bea = store.add_key_holder("Bea", "8642", by=anna.code)
    forget_local(store.conn, bea.code, event_id="elsewhere")
    async with app.run_test(size=(80, 24)) as pilot:
        await as_key_holder(pilot)
        assert app.screen.query_one("#forget-notices").display
        regions = [b.region for b in app.screen.query(Button)]
        assert len(regions) >= 9  # the menu, Klaar and the notice's two
        for i, region in enumerate(regions):
            assert region.bottom <= 24 and region.height > 0
            assert all(not region.overlaps(other) for other in regions[i + 1 :])


def test_taking_the_key_away_lets_the_waiting_forget_apply(store):
    anna = store.add_key_holder("Anna", "4711", by=None)
    bea = store.add_key_holder("Bea", "8642", by=anna.code)
    assert forget_local(store.conn, bea.code, event_id="elsewhere") is False
    assert store.person(bea.code).name == "Bea"  # still a key holder: kept
    store.remove_key_holder(bea.code, by=anna.code)
    assert store.person(bea.code) is None and store.forget_notices() == []


# --- item 17: files at rest and PINs -------------------------------------------------------
def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def usual_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_databases_and_side_files_are_private(tmp_path, usual_umask):
    store = RoomStore(tmp_path / "room.db", "cjm")
    store.register_visitor("Zoë")
    for name in ("room.db", "room.db-wal", "room.db-shm", "room.db.secret"):
        assert _mode(tmp_path / name) == 0o600, name
    store.close()
    # An existing database left readable by everyone is fixed at the next start.
    os.chmod(tmp_path / "room.db", 0o644)
    connect(tmp_path / "room.db").close()
    assert _mode(tmp_path / "room.db") == 0o600


def test_the_kiosk_log_is_private(tmp_path):
    log = tmp_path / "kiosk.log"
    code = (
        "import os, logging, sys; from pathlib import Path; os.umask(0o022); "
        "from kiosk.cli import _setup_logging; _setup_logging(Path(sys.argv[1])); "
        "logging.getLogger('bwk').warning('x')"
    )
    subprocess.run([sys.executable, "-c", code, str(log)], check=True, env=child_env(), timeout=60)
    assert log.exists() and _mode(log) == 0o600


def _crack(stored: str, guesses) -> str | None:
    """What an attacker does with a copied room.db: scrypt every guess with the stored salt."""
    _, n, r, p, salt, digest = stored.split("$")
    for guess in guesses:
        derived = Scrypt(
            salt=base64.b64decode(salt), length=32, n=int(n), r=int(r), p=int(p)
        ).derive(guess.encode())
        if derived == base64.b64decode(digest):
            return guess
    return None


def test_a_copied_room_db_alone_gives_up_no_pin(tmp_path):
    store = RoomStore(tmp_path / "room.db", "cjm")
    anna = store.add_key_holder("Anna", "3917", by=None)
    people.scrub(store.conn)
    store.close()
    stolen = tmp_path / "stolen"
    stolen.mkdir()
    shutil.copy(tmp_path / "room.db", stolen / "room.db")  # the database, not the secret
    conn = sqlite3.connect(stolen / "room.db")
    stored = conn.execute("SELECT pin_hash FROM people WHERE code = ?", (anna.code,)).fetchone()[0]
    conn.close()
    assert _crack(stored, ["0000", "1234", "3917", "1111"]) is None
    # With its secret file, the room itself still lets Anna in.
    store = RoomStore(tmp_path / "room.db", "cjm")
    assert store.verify_key_holder(anna.code, "3917").name == "Anna"
    store.close()


def test_a_damaged_secret_file_is_a_clear_error_and_changes_nothing(room):
    folder, config = room
    (folder / "room.db.secret").write_text("not a secret\n")
    result = import_csv(folder, config, "lijst.csv", "2017-03-01,10:15,kookclub,,Zoë\n")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "room.db.secret: not a room secret" in result.stderr
    assert (folder / "room.db.secret").read_text() == "not a secret\n"


def test_an_old_unpeppered_pin_hash_works_once_and_is_replaced(store):
    anna = store.add_key_holder("Anna", "3917", by=None)
    people.set_pin(store.conn, anna.code, people.hash_pin("3917"))  # as the old release stored it
    assert _crack(people.stored_pin(store.conn, anna.code), ["3917"]) == "3917"
    assert store.verify_key_holder(anna.code, "3917").name == "Anna"
    upgraded = people.stored_pin(store.conn, anna.code)
    assert _crack(upgraded, ["3917"]) is None
    assert upgraded.startswith(people.PEPPERED + "$")
    assert store.verify_key_holder(anna.code, "3917").name == "Anna"
    with pytest.raises(StoreError):
        store.verify_key_holder(anna.code, "2581")
