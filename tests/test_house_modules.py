"""Modules named for what they hold (issue 14 item 6): merge.py merges, store.py records;
syncd's bookkeeping and the store's key holders and shifts live in their own modules, and
the names older callers import still resolve to the same objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared import (
    acks,
    incoming,
    merge,
    outbox,
    store,
    store_key_holders,
    store_roles,
    sync_state,
    sync_status,
)

SHARED = Path(__file__).resolve().parents[1] / "shared"


@pytest.mark.parametrize(
    "name",
    [
        "merge.py",
        "store.py",
        "outbox.py",
        "acks.py",
        "sync_state.py",
        "sync_status.py",
        "store_roles.py",
        "store_key_holders.py",
        "atomic_file.py",
        "errors.py",
    ],
)
def test_the_split_modules_stay_small(name):
    assert len((SHARED / name).read_text("utf-8").splitlines()) < 400


@pytest.mark.parametrize(
    "module, names",
    [
        (sync_state, ["get_state", "get_int", "set_state", "all_state", "SET_STATE"]),
        (incoming, ["Incoming"]),  # its own module: the helper process imports it
        (
            outbox,
            [
                "max_seq",
                "pending_events",
                "record_export",
                "outbox",
                "drop_outbox",
                "rewind_export",
                "room_event_count",
                "room_log",
                "restore_log",
            ],
        ),
        (
            acks,
            [
                "apply_ack",
                "note_central_time",
                "forget_applied",
                "mark_forget_applied",
                "rooms_to_acknowledge",
                "mark_acknowledged",
                "forgets_elsewhere",
                "ACK_SENT",
            ],
        ),
        (
            sync_status,
            [
                "record_quarantine",
                "prune_quarantine",
                "quarantine_counts",
                "database_problem",
                "last_bundle_times",
                "room_status",
                "room_sync_summary",
            ],
        ),
    ],
)
def test_bookkeeping_lives_in_its_module_and_merge_still_answers_to_the_old_names(module, names):
    for name in names:
        assert getattr(merge, name) is getattr(module, name), name
        held = getattr(module, name)
        if callable(held):
            assert held.__module__ == module.__name__, name


def test_merge_keeps_only_the_merge():
    own = {
        name
        for name, value in vars(merge).items()
        if callable(value) and getattr(value, "__module__", None) == merge.__name__
    }
    assert own == {
        "Merged",
        "tune_for_merging",
        "is_seen",
        "_advance_contiguous",
        "merge_bundles",
        "_taking",
        "_merge_in_one_transaction",
        "_merge_one",
        "_refs_are_of",
        "_ids_are_of",
        "contiguous_seq",
        "last_created",
    }


def test_the_store_is_composed_of_its_parts_with_the_old_names(store):
    assert isinstance(store, store_roles.RolesAndShifts)
    assert isinstance(store, store_key_holders.KeyHolders)
    from shared import store as store_module

    for name in (
        "StoreError",
        "PinLocked",
        "PinWrong",
        "validate_pin",
        "ShiftEnded",
        "OpenShift",
        "forget_local",
        "RoomStore",
        "CheckIn",
    ):
        assert hasattr(store_module, name), name
    # the parts work together on a real database: a key holder opens, a volunteer's shift ends
    holder = store.add_key_holder("Ada", "4729", by=None)
    assert store.verify_key_holder(holder.code, "4729").name == "Ada"
    volunteer = store.register_visitor("Bo")
    store.set_volunteer(volunteer.code, True, by=holder.code)
    store.start_shift(volunteer.code)
    _, ended = store.close_room(by=holder.code)
    assert [e.code for e in ended] == [volunteer.code]


def test_store_module_is_not_shadowed():
    assert store.RoomStore.__module__ == "shared.store"
