"""Indicators against hand-computed figures on a small fixed data set.

Three rooms write into one file, which is exactly what a merged central copy
holds; a room's own database gives the same figures for that room.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from shared import codes
from shared.catalog import load_catalog
from shared.clock import TZ
from shared.indicators import year_indicators
from shared.report import build_report
from shared.store import RoomStore
from tests.conftest import FakeClock

CATALOG = load_catalog()


@pytest.fixture
def merged(tmp_path):
    clock = FakeClock(datetime(2017, 3, 1, 10, tzinfo=TZ))
    path = tmp_path / "central.db"
    cjm, mb, hr = (RoomStore(path, r, clock=clock) for r in ("cjm", "multibron", "handreiking"))
    traveller = codes.new_code()  # one person who visits two rooms
    ans = cjm.add_key_holder("Ans", "2468", by=None)
    cjm.add_key_holder("Bo", "1357", by=ans.code)
    mb.add_key_holder("Cas", "1357", by=None)
    zoe = cjm.register_visitor("Zoë", new_in_area=True, heard_via="benefits_agency")
    cjm.check_in(zoe.code, ["kookclub", "computerles"])
    cjm.check_in(traveller, ["kookclub"])
    cjm.check_in(None, ["kookclub"])  # anonymous: counted as a visit, not as a person
    mistake = cjm.check_in(traveller, ["schuldhulp"])
    cjm.void(mistake.events[0].id, by=ans.code)
    mb.check_in(traveller, ["kookclub", "conversatieles"])
    mb.check_in(None, [])
    cjm.set_volunteer(zoe.code, True, by=ans.code)
    cjm.start_shift(zoe.code)
    clock.advance(hours=3)
    cjm.end_shift(zoe.code)
    cjm.record_jobs("klussendienst", 3, zoe.code)
    job = cjm.record_jobs("klussendienst", 1)
    cjm.void(job[0].id, by=ans.code)
    cjm.answer_survey(zoe.code, {"confidence": 3, "pleasant": 2})
    cjm.answer_survey(traveller, {"confidence": 1})
    cjm.record_expense(4000, "A", "koffie", by=ans.code)
    cjm.record_expense(1500, "F", "lampjes", by=ans.code)
    # The year boundary, in local time: 23:30 on 31 December is still 2017.
    clock.set(2017, 12, 31, 23, 30)
    hr_visitor = codes.new_code()
    hr.check_in(hr_visitor, ["formulierenbrigade"])
    clock.set(2018, 1, 1, 0, 30)
    hr.check_in(traveller, ["formulierenbrigade"])
    cjm.remove_key_holder(ans.code, by=ans.code)  # in 2018: still a key holder at the end of 2017
    yield path, traveller
    for store in (cjm, mb, hr):
        store.close()


def test_merged_figures_2017(merged):
    path, _ = merged
    store = RoomStore(path, "cjm")
    got = year_indicators(store.conn, CATALOG, 2017, ["cjm", "multibron", "handreiking"])
    rooms = lambda key: got[key]["rooms"]  # noqa: E731
    assert rooms("kookclub") == {"cjm": 2, "multibron": 1, "handreiking": 0}
    assert got["kookclub"]["total"] == 2  # the traveller counts once across rooms
    assert got["kookclub"]["targets"] == {
        "cjm": 50,
        "multibron": 50,
        "handreiking": 50,
        "total": 150,
    }
    assert rooms("schuldhulp") == {"cjm": 0, "multibron": 0, "handreiking": 0}  # voided
    assert rooms("conversatieles")["multibron"] == 1
    assert rooms("formulierenbrigade") == {"cjm": 0, "multibron": 0, "handreiking": 1}
    assert rooms("totaal_uniek") == {"cjm": 2, "multibron": 1, "handreiking": 1}
    assert got["totaal_uniek"]["total"] == 3
    assert rooms("klussendienst")["cjm"] == 3 and got["klussendienst"]["unit"] == "jobs"
    assert rooms("vrijwilligersuren")["cjm"] == 3.0
    # Active: at least 250 hours (the seed's "gem. 250 uren/jaar"); 3 hours is one shift only.
    assert rooms("actieve_vrijwilligers")["cjm"] == 0
    assert got["actieve_vrijwilligers"]["with_shift"]["cjm"] == 1
    assert rooms("sleutelbeheerders") == {"cjm": 2, "multibron": 1, "handreiking": 0}
    assert rooms("nieuwe_bewoners")["cjm"] == 1 and rooms("doorverwezen_wpi")["cjm"] == 1
    assert rooms("anonieme_bezoeken") == {"cjm": 1, "multibron": 1, "handreiking": 0}
    assert rooms("enquete_confidence")["cjm"] == 50.0
    assert rooms("enquete_pleasant")["cjm"] == 0.0
    assert got["enquete_confidence"]["targets"]["total"] == 50.0
    store.close()


def test_merged_figures_2018_and_the_room_alone(merged):
    path, _ = merged
    store = RoomStore(path, "cjm")
    got = year_indicators(store.conn, CATALOG, 2018, ["cjm", "handreiking"])
    assert got["formulierenbrigade"]["rooms"] == {"cjm": 0, "handreiking": 1}
    assert got["sleutelbeheerders"]["rooms"]["cjm"] == 1
    report = build_report(store.conn, CATALOG, 2017, only_room="cjm")
    assert list(report["rooms"]) == ["cjm"] and report["rooms"]["cjm"] == "Casa Jepie Makandra"
    assert report["indicators"]["kookclub"]["rooms"] == {"cjm": 2}
    value = report["volunteer_value"]  # plus the populaire begroting's keys (own tests)
    assert {k: value[k] for k in ("hourly_rate", "rooms", "total", "rate_year", "warning")} == {
        "hourly_rate": 8.96,
        "rooms": {"cjm": 26.88},
        "total": 26.88,
        "rate_year": 2017,
        "warning": None,
    }
    month = report["handgeld"]["rooms"]["cjm"]["2017-03"]
    assert month == {
        "spent": 55.0,
        "over_cap": False,
        "over_budget": False,
        "categories": {"A": 40.0, "F": 15.0},
    }
    store.close()


def test_report_json_has_the_contract_shape(merged):
    path, _ = merged
    store = RoomStore(path, "cjm")
    report = build_report(store.conn, CATALOG, 2017, ["cjm", "multibron", "handreiking"])
    assert report["year"] == 2017
    assert report["rooms"] == {
        "cjm": "Casa Jepie Makandra",
        "multibron": "MultiBron",
        "handreiking": "De Handreiking",
    }
    for key in [
        *CATALOG.activities,
        "totaal_uniek",
        "vrijwilligersuren",
        "actieve_vrijwilligers",
        "sleutelbeheerders",
    ]:
        entry = report["indicators"][key]
        assert set(entry) >= {"unit", "rooms", "total"}
        assert set(entry["rooms"]) == {"cjm", "multibron", "handreiking"}
    assert report["sync"]["cjm"]["last_seq"] > 0
    store.close()
