"""One atomic-write routine (issue 14 item 2): every writer fsyncs the file and its folder,
and a failed write leaves the old file and no temporary file behind."""

from __future__ import annotations

import os
import stat

import pytest
from test_syncd_site import Site

from shared.atomic_file import write_atomic
from syncd import transport


class FsyncLog:
    """Records what ``os.fsync`` was called on (file or folder), and still fsyncs it."""

    def __init__(self, monkeypatch):
        self.kinds: list[tuple[str, str]] = []
        real = os.fsync

        def fsync(fd):
            info = os.fstat(fd)
            self.kinds.append(("dir" if stat.S_ISDIR(info.st_mode) else "file", info.st_ino))
            return real(fd)

        monkeypatch.setattr(os, "fsync", fsync)

    def synced(self, path) -> bool:
        return ("file", os.stat(path).st_ino) in self.kinds

    def synced_dir(self, folder) -> bool:
        return ("dir", os.stat(folder).st_ino) in self.kinds


def test_write_atomic_replaces_the_file_whole_and_syncs_file_and_folder(tmp_path, monkeypatch):
    log = FsyncLog(monkeypatch)
    target = tmp_path / "published.toml"
    target.write_text("old")
    write_atomic(target, "nieuw ✓")
    assert target.read_text("utf-8") == "nieuw ✓"
    assert log.synced(target) and log.synced_dir(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["published.toml"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_tmp(tmp_path):
    target = tmp_path / "out.bwk"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomic(target, 12345)  # not bytes: the write itself fails half-way
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bwk"]


def test_transport_still_refuses_names_that_are_not_bundles(tmp_path):
    with pytest.raises(ValueError, match="not a bundle name"):
        transport.write_atomic(tmp_path, "../evil", b"x")


def test_central_export_and_room_catalog_are_written_durably(tmp_path, monkeypatch):
    """The export for a replaced room used to be written without any fsync."""
    site = Site(tmp_path / "site", rooms=("cjm",))
    try:
        site.store("cjm").check_in(None, ["kookclub"])
        site.sync_all()
        log = FsyncLog(monkeypatch)
        from shared.config import load_central_config
        from syncd.central import CentralNode

        node = CentralNode(load_central_config(site.config("central")))
        try:
            out = tmp_path / "cjm-export.bwk"
            assert node.export_room("cjm", out) == 1
            from shared.catalog import load_catalog, packaged_text

            revision = load_catalog().revision
            newer = tmp_path / "catalog-new.toml"
            newer.write_text(
                packaged_text().replace(f"revision = {revision}", f"revision = {revision + 1}", 1)
            )
            node.publish_config(newer)
        finally:
            node.close()
        assert log.synced(out) and log.synced_dir(tmp_path)
        assert not list(tmp_path.glob("*.tmp*"))
        site.once("cjm")  # applies the published catalog beside the room database
        published = site.root / "cjm" / "published-catalog.toml"
        assert log.synced(published) and log.synced_dir(site.root / "cjm")
    finally:
        site.close()
