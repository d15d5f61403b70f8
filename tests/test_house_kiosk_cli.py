"""``--headless`` travels as an argument, not a module global (issue 14 item 12)."""

from __future__ import annotations

import inspect

from kiosk import cli


def test_headless_is_an_argument_not_module_state():
    assert not hasattr(cli, "HEADLESS")
    for run in (cli.run_room, cli.run_demo):
        parameter = inspect.signature(run).parameters["headless"]
        assert parameter.default is False  # a terminal kiosk unless a test or bench asks
    assert cli._parser().parse_args(["--headless", "--demo"]).headless is True
