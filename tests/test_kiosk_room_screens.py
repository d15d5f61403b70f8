

# --- snapshots of the changed screens, at the usual size and at 80x24 -----------------
def snapshot_room(tmp_path, **settings):
    app, store, key_holder, clock = make_app(tmp_path, **settings)
    zoe = store.register_visitor("Zoë")
    store.check_in(zoe.code, ["kookclub"])
    store.check_in(None, [])
    store.answer_survey(zoe.code, {"confidence": 3})
    store.record_expense(1250, "A", "koffie", by=key_holder.code)
    return app


def key_holder_screen(button: str, lang: str = "nl"):
    async def run_before(pilot):
        await as_key_holder(pilot)
        pilot.app.lang = lang
        await pilot.click(button)
        await settle(pilot)
    return run_before


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["100x32", "80x24"])
@pytest.mark.parametrize("button", ["#kh-totals", "#kh-handgeld", "#kh-corrections"])
def test_snapshot_key_holder_screens(snap_compare, tmp_path, size, button):
    app = snapshot_room(tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=key_holder_screen(button))


def test_snapshot_handgeld_in_english_small(snap_compare, tmp_path):
    app = snapshot_room(tmp_path)
    assert snap_compare(app, terminal_size=SMALL, run_before=key_holder_screen("#kh-handgeld", "en"))


def test_snapshot_close_summary_small(snap_compare, tmp_path):
    app, store, key_holder, clock = make_app(tmp_path)
    busy_day(store, key_holder, clock, 2)
    assert snap_compare(app, terminal_size=SMALL, run_before=key_holder_screen("#kh-close"))


@pytest.mark.parametrize("size", [SIZE, SMALL], ids=["100x32", "80x24"])
def test_snapshot_sync_with_missing_keys(snap_compare, tmp_path, size):
    app, *_ = make_app(tmp_path, sync=sync_section(tmp_path))
    assert snap_compare(app, terminal_size=size, run_before=key_holder_screen("#kh-sync"))
