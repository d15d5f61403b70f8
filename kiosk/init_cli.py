"""``bwk-kiosk init``: create the room database and its first key holder, and later
give key holders who cannot log in a name and PIN.

Three situations, one command:

- a new room: the first key holder (name, PIN twice);
- a restored room (``bwk-syncd restore``): its key holders are in the log but
  have no name or PIN on this machine; ``init`` lets one of them claim theirs,
  so the same person is not counted twice as a key holder;
- ``--add-key-holder``: nobody can log in (a forgotten PIN, a lost name): give
  an existing key holder a new name/PIN, or add a new key holder. The guard is
  access to the room's files: whoever can write room.db can do this anyway.

Questions are read from the terminal, or line by line from stdin when it is not
a terminal (scripts, tests). The prompts speak Dutch, like the kiosk.
"""

from __future__ import annotations

import getpass
import sqlite3
import sys

from shared import codes, i18n
from shared.config import load_room_config


class NoAnswer(Exception):
    """Standard input ended before a question was answered."""


def ask(prompt: str) -> str:
    print(prompt, end="", flush=True)
    line = sys.stdin.readline()
    if not line:
        print()
        raise NoAnswer(prompt.strip())
    return line.strip()


def ask_secret(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt).strip()
    return ask(prompt)


def ask_name(default: str = "") -> str:
    hint = f" [{default}]" if default else ""
    while True:
        name = ask(f"Naam van de sleutelbeheerder{hint}: ") or default
        if name.strip():
            return name
        print("Een naam is nodig (één letter mag ook).")


def ask_new_pin() -> str:
    from shared.store import StoreError, validate_pin

    while True:
        pin = ask_secret("Pincode (4 tot 8 cijfers): ")
        try:
            validate_pin(pin)
        except StoreError as exc:
            print(i18n.t(i18n.DEFAULT_LANG, exc.reason))
            continue
        if ask_secret("Nog een keer: ") == pin:
            return pin
        print("De twee pincodes zijn niet gelijk. Nog een keer.")


def init_room(config_path: str, add_key_holder: bool = False) -> int:
    from shared.store import RoomStore

    config = load_room_config(config_path)
    room = config.room
    if add_key_holder and not room.database.exists():
        print(
            f"bwk-kiosk: {room.database} does not exist: run 'bwk-kiosk init --config "
            f"{config_path}' to create the room",
            file=sys.stderr,
        )
        return 2
    room.database.parent.mkdir(parents=True, exist_ok=True)
    try:
        store = RoomStore(room.database, room.id)
    except sqlite3.Error as exc:
        return _no_access(room.database, exc)
    try:
        return _init(store, config_path, add_key_holder)
    except NoAnswer as exc:
        print(f"bwk-kiosk: no answer to '{exc}'; nothing changed", file=sys.stderr)
        return 2
    except sqlite3.Error as exc:
        return _no_access(room.database, exc)
    finally:
        store.close()


def _no_access(database, exc: Exception) -> int:
    print(
        f"bwk-kiosk: cannot write {database} ({exc}); run this as the kiosk's user "
        "(or root) on the room machine",
        file=sys.stderr,
    )
    return 2


def _init(store, config_path: str, add_key_holder: bool) -> int:
    from shared import key_holders

    entries = key_holders.roster(store)
    if not entries:
        print(f"Kamer '{store.room}': de eerste sleutelbeheerder.")
        name, pin = ask_name(), ask_new_pin()
        store.add_key_holder(name, pin, by=None)
        print(f"{store.path}: room '{store.room}' is ready; {name} is key holder.")
        return 0
    waiting = [e for e in entries if not e.can_log_in]
    if not waiting and not add_key_holder:
        names = ", ".join(e.name or "?" for e in entries)
        print(
            f"{store.path} already has key holders who can log in ({names}). Add more at "
            f"the kiosk (Sleutelbeheer > Mensen), or: bwk-kiosk init --add-key-holder "
            f"--config {config_path}"
        )
        return 0
    _show_roster(entries)
    chosen = _choose(entries, add_key_holder)
    if chosen is None and not add_key_holder:
        print(
            "Niets veranderd. Een nieuwe sleutelbeheerder: bwk-kiosk init --add-key-holder "
            f"--config {config_path}"
        )
        return 0
    if chosen is None:
        name, pin = ask_name(), ask_new_pin()
        store.add_key_holder(name, pin, by=None)
        print(f"{name} is a new key holder of room '{store.room}'.")
        return 0
    name, pin = ask_name(chosen.name or ""), ask_new_pin()
    key_holders.set_login(store, chosen.code, name, pin)
    print(
        f"{name} ({codes.display(chosen.code)}) can log in at the kiosk again; "
        "no new key holder was added."
    )
    return 0


def _show_roster(entries) -> None:
    restored = [e for e in entries if not e.name]
    if restored:
        print(
            f"Deze kamer is teruggezet: {len(restored)} sleutelbeheerder(s) hebben hier nog "
            "geen naam en pincode. Geef er een de naam en pincode terug (dan telt dezelfde "
            "persoon niet twee keer)."
        )
    print("Sleutelbeheerders van deze kamer:")
    for number, entry in enumerate(entries, 1):
        since = (entry.since or "")[:10] or "?"
        last = (entry.last_opened_or_closed or "")[:10] or "nooit"
        state = "kan inloggen" if entry.can_log_in else "kan nog niet inloggen"
        print(
            f"  {number}. {entry.name or '(nog geen naam)'}  code {codes.display(entry.code)}"
            f"  sinds {since}  laatst open/dicht gedaan {last}  ({state})"
        )


def _choose(entries, add_key_holder: bool):
    """The entry the person at the keyboard picks, or None (a new key holder / nothing)."""
    enter = "Enter = een nieuwe sleutelbeheerder" if add_key_holder else "Enter = niets doen"
    while True:
        answer = ask(f"Welke sleutelbeheerder ben jij? Nummer of bezoekerscode ({enter}): ")
        if not answer:
            return None
        if answer.isdigit() and 1 <= int(answer) <= len(entries):
            picked = entries[int(answer) - 1]
        else:
            typed = codes.normalise(answer) if codes.is_valid(answer) else None
            picked = next((e for e in entries if e.code == typed), None)
        if picked is None:
            print("Dat nummer of die code staat niet in de lijst.")
        elif picked.can_log_in and not add_key_holder:
            print("Die sleutelbeheerder kan al inloggen.")
        else:
            return picked
