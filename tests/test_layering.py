"""The layering the design promises: shared/ and syncd/ work without Textual."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

BLOCK_TEXTUAL = """
import importlib, pkgutil, sys
sys.modules['textual'] = None  # any import of textual now fails
import shared, syncd
for package in (shared, syncd):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):
        if not module.name.endswith('__main__'):  # that one runs the program
            importlib.import_module(module.name)
print('ok')
"""


def test_shared_and_syncd_import_with_textual_blocked():
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_TEXTUAL], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_no_sql_outside_shared():
    offenders = []
    for folder in ("kiosk", "syncd"):
        for path in (REPO / folder).rglob("*.py"):
            text = path.read_text("utf-8")
            for word in ('"SELECT ', '"INSERT ', '"UPDATE ', '"DELETE ', ".execute("):
                if word in text:
                    offenders.append(f"{path.relative_to(REPO)}: {word}")
    assert offenders == []
