"""`curator.core` must work without Qt: import every core module with PySide6 blocked.

The package is walked, so modules added later are covered without editing this test.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import curator.core

SCRIPT = r"""
import importlib, pkgutil, sys
sys.modules["PySide6"] = None      # any 'import PySide6...' now raises ImportError
sys.modules["shiboken6"] = None
import curator.core
names = sorted(m.name for m in pkgutil.walk_packages(curator.core.__path__, "curator.core."))
for name in names:
    importlib.import_module(name)
leaked = sorted(m for m in sys.modules if m.startswith(("PySide6", "shiboken6")) and sys.modules[m] is not None)
assert not leaked, leaked
print("\n".join(names))
"""


def test_every_core_module_imports_without_qt():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    imported = out.stdout.split()
    expected = sorted(m.name for m in pkgutil.walk_packages(curator.core.__path__, "curator.core."))
    assert imported == expected
    for name in ("curator.core.io", "curator.core.dataset", "curator.core.schema", "curator.core.formats",
                 "curator.core.records", "curator.core.convert"):
        assert name in imported


def test_blocking_works():
    """The block itself must bite, or the test above proves nothing."""
    script = 'import sys; sys.modules["PySide6"] = None\nimport PySide6.QtCore\n'
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "PySide6" in out.stderr and "Error" in out.stderr.splitlines()[-1]


def test_validate_cli_runs_without_qt(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "hello"}\n')
    script = ('import sys; sys.modules["PySide6"] = None; sys.modules["shiboken6"] = None\n'
              'from curator.cli import main\n'
              f'raise SystemExit(main(["validate", {str(path)!r}]))\n')
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "1 valid, 0 invalid" in out.stdout
