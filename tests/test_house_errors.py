"""One refusal shape (issue 14 item 3): a machine reason and a message for people."""

from __future__ import annotations

import pytest

from shared.bundle import BundleRejected, open_bundle
from shared.errors import Refusal
from shared.keys import generate
from shared.records import MergeRefused
from shared.store import PinLocked, StoreError


@pytest.mark.parametrize("cls", [BundleRejected, MergeRefused, StoreError])
def test_each_refusal_carries_reason_detail_and_a_plain_message(cls):
    exc = cls("bad event", "seq 7: no kind")
    assert isinstance(exc, Refusal) and isinstance(exc, ValueError)
    assert (exc.reason, exc.detail, str(exc)) == (
        "bad event",
        "seq 7: no kind",
        "bad event: seq 7: no kind",
    )
    assert str(cls("conflict")) == "conflict"


def test_subclasses_keep_their_own_fields():
    assert BundleRejected("bad signature", signer="cjm").signer == "cjm"
    locked = PinLocked(30)
    assert (locked.reason, locked.seconds, str(locked)) == ("pin_locked", 30, "pin_locked: 30 s")


def test_a_real_rejection_is_caught_as_a_refusal():
    me = generate("central")
    with pytest.raises(Refusal) as caught:
        open_bundle(b"not a bundle at all", me, {})
    assert isinstance(caught.value, BundleRejected) and caught.value.reason
