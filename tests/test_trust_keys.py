"""Keys are verified, not trusted by label (issue 10, item 16).

An attacker who can hand an operator a ``.pub`` file (a mail, a USB stick)
writes their own key into it with the real room's fingerprint line, hoping
the phone check reads that line. The file must be refused, and ``status``
must show the fingerprint computed from the key itself.
"""

from __future__ import annotations

import json
import re

import pytest
from test_syncd_site import Site

from shared.keys import KeyFileError, generate, load_public, public_text


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "site")
    yield site
    site.close()


def _forge(real_pub, name: str) -> str:
    """Mallory's own key, under the room's name, wearing the room's fingerprint line."""
    real_fingerprint = load_public(real_pub).fingerprint
    text = public_text(generate(name).public)
    return re.sub(r"fingerprint: .*", f"fingerprint: {real_fingerprint}", text)


def test_a_pub_whose_fingerprint_line_lies_is_refused_in_plain_words(tmp_path, site):
    forged = tmp_path / "multibron.pub"
    forged.write_text(_forge(site.root / "keys" / "multibron.pub", "multibron"))
    with pytest.raises(KeyFileError) as refused:
        load_public(forged)
    message = str(refused.value)
    assert str(forged) in message and "fingerprint" in message and "forged" in message


def test_a_pub_whose_fingerprint_line_is_right_still_loads(site):
    key = load_public(site.root / "keys" / "multibron.pub")
    assert key.name == "multibron"


def test_central_with_a_forged_room_key_refuses_to_start(site):
    pub = site.root / "keys" / "multibron.pub"
    pub.write_text(_forge(pub, "multibron"))
    result = site.syncd("once", "--config", str(site.config("central")), check=False)
    assert result.returncode == 2
    assert "multibron.pub" in result.stderr and "fingerprint" in result.stderr
    assert "Traceback" not in result.stderr


def test_central_status_prints_the_computed_fingerprint_of_every_enrolled_room(site):
    result = site.syncd("status", "--config", str(site.config("central")))
    status = json.loads(
        site.syncd("status", "--config", str(site.config("central")), "--json").stdout
    )
    for room in site.rooms:
        computed = load_public(site.root / "keys" / f"{room}.pub").fingerprint
        assert computed in result.stdout
        assert status["rooms"][room]["key_fingerprint"] == computed


def test_room_status_prints_centrals_computed_fingerprint(site):
    computed = load_public(site.root / "keys" / "central.pub").fingerprint
    text = site.syncd("status", "--config", str(site.config("cjm"))).stdout
    assert computed in text
    status = json.loads(site.syncd("status", "--config", str(site.config("cjm")), "--json").stdout)
    assert status["central_key_fingerprint"] == computed
