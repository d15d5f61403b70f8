"""A small merged central copy with known figures, for the report and dashboard tests.

Three rooms write into one file (what a merged central copy holds). "Now" is
2017-12-20 12:00; MultiBron last wrote on 30 November, so it is stale.
"""

from __future__ import annotations

from datetime import datetime

from shared import codes
from shared.catalog import load_catalog
from shared.clock import TZ
from shared.store import RoomStore
from shared.trends import staff_report
from tests.conftest import FakeClock

CATALOG = load_catalog()
ROOMS = ["cjm", "multibron", "handreiking"]
NOW = datetime(2017, 12, 20, 12, 0, tzinfo=TZ)


def build_central(path) -> None:
    clock = FakeClock(datetime(2016, 5, 3, 10, tzinfo=TZ))
    cjm, mb, hr = (RoomStore(path, r, clock=clock, durable=False) for r in ROOMS)
    try:
        codes_2016 = [codes.new_code() for _ in range(4)]
        for code in codes_2016:  # 2016: four people at the kookclub in CJM
            cjm.check_in(code, ["kookclub"])
        ans = cjm.add_key_holder("Ans", "2468", by=None)
        cjm.add_key_holder("Bo", "1357", by=ans.code)
        cas = mb.add_key_holder("Cas", "1357", by=None)
        dee = hr.add_key_holder("Dee", "8642", by=None)
        traveller = codes.new_code()
        clock.set(2017, 2, 6, 10)
        zoe = cjm.register_visitor("Zoë", new_in_area=True, heard_via="benefits_agency")
        cjm.check_in(zoe.code, ["kookclub", "computerles"])
        cjm.check_in(traveller, ["kookclub"])
        cjm.check_in(None, ["kookclub"])
        clock.set(2017, 3, 14, 11)
        for _ in range(3):
            cjm.check_in(codes.new_code(), ["formulierenbrigade"])
        mb.check_in(traveller, ["kookclub", "conversatieles"])
        cjm.set_volunteer(zoe.code, True, by=ans.code)
        cjm.start_shift(zoe.code)
        clock.advance(hours=4, minutes=30)
        cjm.end_shift(zoe.code)
        cjm.record_jobs("klussendienst", 3, zoe.code)
        mb.record_jobs("tuindienst", 2)
        cjm.answer_survey(zoe.code, {"confidence": 3, "pleasant": 3})
        cjm.answer_survey(traveller, {"confidence": 1})
        cjm.record_expense(40000, "A", "koffie", by=ans.code)
        cjm.record_expense(15000, "F", "lampjes", by=ans.code)  # 550: over the cap
        clock.set(2017, 4, 2, 12)
        cjm.record_expense(2500, "C", "bus", by=ans.code)
        mb.record_expense(1250, "E", "postzegels", by=cas.code)
        clock.set(2017, 11, 30, 16)
        mb.check_in(None, [])
        clock.set(2017, 12, 18, 15)
        hr.check_in(codes.new_code(), ["schuldhulp"])
        hr.set_volunteer(traveller, True, by=dee.code)
        hr.start_shift(traveller)
        clock.advance(hours=2)
        hr.end_shift(traveller)
        clock.set(2017, 12, 19, 9)
        cjm.check_in(zoe.code, [])
    finally:
        for store in (cjm, mb, hr):
            store.close()


def report_2017(path, year: int = 2017) -> dict:
    store = RoomStore(path, "cjm")
    try:
        return staff_report(store.conn, CATALOG, year, ROOMS, now=NOW)
    finally:
        store.close()


def test_the_data_set_has_the_figures_the_other_tests_expect(tmp_path):
    path = tmp_path / "central.db"
    build_central(path)
    report = report_2017(path)
    got = report["indicators"]
    assert got["kookclub"]["rooms"] == {"cjm": 2, "multibron": 1, "handreiking": 0}
    assert got["kookclub"]["total"] == 2
    assert got["totaal_uniek"]["rooms"] == {"cjm": 5, "multibron": 1, "handreiking": 1}
    assert got["totaal_uniek"]["total"] == 6
    assert got["vrijwilligersuren"]["rooms"] == {"cjm": 4.5, "multibron": 0.0, "handreiking": 2.0}
    assert report["volunteer_value"]["rooms"]["cjm"] == 40.32  # 4.5 h x € 8,96 (WML 2017)
    assert report["handgeld"]["rooms"]["cjm"]["2017-03"]["over_cap"] is True
    assert report["trends"]["rooms"]["cjm"]["checkins"][1] == 4  # February
    assert report["trends"]["rooms"]["cjm"]["visitors"][1] == 2
    assert [r for r, f in report["freshness"]["rooms"].items() if f["stale"]] == ["multibron"]
    assert report_2017(path, 2016)["indicators"]["kookclub"]["rooms"]["cjm"] == 4


def test_freshness_counts_waiting_and_quarantined_files(tmp_path):
    path = tmp_path / "central.db"
    build_central(path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / f"events-cjm-{'a' * 40}.bwk").write_bytes(b"x")
    (inbox / f"events-cjm-{'b' * 40}.bwk.tmp").write_bytes(b"x")  # not complete yet
    quarantine = tmp_path / "quarantine"
    quarantine.mkdir()
    (quarantine / "bad.bwk").write_bytes(b"x")
    (quarantine / "bad.bwk.reason").write_text("bad signature")
    store = RoomStore(path, "cjm")
    try:
        report = staff_report(store.conn, CATALOG, 2017, ROOMS, now=NOW, inbox=inbox, trends=False)
    finally:
        store.close()
    assert report["freshness"]["waiting"] == 1 and report["freshness"]["quarantined"] == 1
    assert report["freshness"]["rooms"]["cjm"]["waiting"] == 1
    assert report["freshness"]["rooms"]["multibron"]["waiting"] == 0
    assert "trends" not in report
    assert report["freshness"]["rooms"]["cjm"]["lag_hours"] == 27.0  # since 19 Dec 09:00
