"""Shared fixtures. The GUI tests run offscreen; QT_QPA_PLATFORM must be set before Qt loads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DATA = REPO / "sample_data"
SHARED_DATASETS = REPO.parent / "shared" / "datasets"


@pytest.fixture(autouse=True)
def _no_reviewer_from_the_shell(monkeypatch):
    """A developer who set $CURATOR_REVIEWER (as the README suggests) gets the same results as CI:
    tests that want it set it themselves."""
    monkeypatch.delenv("CURATOR_REVIEWER", raising=False)


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """The real third-party datasets beside the checkout (../shared/datasets)."""
    if not SHARED_DATASETS.is_dir():
        pytest.skip("../shared/datasets is not beside this checkout")
    return SHARED_DATASETS


@pytest.fixture(scope="session")
def sample_data() -> Path:
    return SAMPLE_DATA


@pytest.fixture
def read_only_folder(tmp_path, monkeypatch):
    """``make(name, text)``: a dataset file in a folder that refuses new files, even to root
    (permissions for a normal user, the immutable attribute for root); the user's project
    folder (``CURATOR_PROJECT_DIR``) is redirected into tmp_path."""
    import shutil
    import subprocess

    folder = tmp_path / "shared-drive"
    folder.mkdir()
    monkeypatch.setenv("CURATOR_PROJECT_DIR", str(tmp_path / "my-projects"))
    locked: list[str] = []

    def refuses_new_files() -> bool:
        try:
            (folder / ".probe").open("x").close()
        except OSError:
            return True
        (folder / ".probe").unlink()
        return False

    def make(name: str, text: str) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        folder.chmod(0o555)
        if not refuses_new_files() and shutil.which("chattr"):
            if subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False).returncode == 0:
                locked.append(str(folder))
        if not refuses_new_files():
            pytest.skip("no way here to make a folder that refuses new files")
        return path

    yield make
    for f in locked:
        subprocess.run(["chattr", "-i", f], capture_output=True, check=False)
    folder.chmod(0o755)
