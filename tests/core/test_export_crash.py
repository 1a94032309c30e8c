"""An export killed at any point (SIGKILL, SIGTERM, Ctrl-C) never leaves a mixed or partial export.

A new user's report: SIGKILL/SIGTERM of ``curator export --force`` right after train.jsonl was
replaced left the new train.jsonl beside the old eval.jsonl and manifest.json (~9,000 records in
both splits), and a killed fresh export left a 16 MB temp file that a later export and verify
ignored. These tests run the real CLI in a subprocess and stop it at named points of the write
(``CURATOR_TEST_EXPORT_PAUSE``, a test-only hook: the process says "curator-test-pause: POINT" on
stderr and waits there to be signalled), so each kill lands exactly where it is meant to.
"""

from __future__ import annotations

import json
import os
import random
import signal
import string
import subprocess
import sys
from pathlib import Path

import pytest

from curator.core.export import OUTPUT_FILES, TEST_PAUSE_ENV, export_leftovers, recover_destination
from curator.core.verify import verify_export

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

EXPORT_FILES = sorted(OUTPUT_FILES)


@pytest.fixture
def data(tmp_path) -> Path:
    rng = random.Random(3)
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(6)) for _ in range(800)]
    path = tmp_path / "data.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for _ in range(60):
            fh.write(json.dumps({"messages": [{"role": "user", "content": " ".join(rng.sample(words, 12))},
                                              {"role": "assistant", "content": " ".join(rng.sample(words, 20))}]})
                     + "\n")
    return path


def _cmd(data: Path, out: Path, seed: int, *extra: str, exchange: bool = True) -> list[str]:
    args = ["export", str(data), "--out", str(out), "--seed", str(seed), *extra]
    if exchange:
        return [sys.executable, "-m", "curator", *args]
    # the two-rename swap other systems use (no renameat2 RENAME_EXCHANGE), on this one
    code = ("import sys, curator.core.export as e; e._USE_EXCHANGE = False; from curator.cli import main; "
            f"sys.exit(main({args!r}))")
    return [sys.executable, "-c", code]


def _export(data: Path, out: Path, seed: int, *extra: str) -> None:
    proc = subprocess.run(_cmd(data, out, seed, *extra), check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def _stop_at(cmd: list[str], point: str) -> subprocess.Popen:
    """Start ``cmd`` and return once it waits at ``point`` (it said so on stderr)."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, TEST_PAUSE_ENV: point})
    said = []
    for line in proc.stderr:
        said.append(line)
        if line.strip() == f"curator-test-pause: {point}":
            return proc
    proc.wait(timeout=30)
    raise AssertionError(f"never reached {point!r} (exit {proc.returncode}): {''.join(said)}")


def _signal(proc: subprocess.Popen, sig: int) -> tuple[int, str]:
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def _verify_cli(out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "curator", "verify", str(out)], check=False, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def references(data, tmp_path):
    """The old export (seed 1) and the new one (seed 9), written undisturbed, file by file."""
    _export(data, tmp_path / "ref_old", 1)
    _export(data, tmp_path / "ref_new", 9)
    old, new = _files(tmp_path / "ref_old"), _files(tmp_path / "ref_new")
    assert old["train.jsonl"] != new["train.jsonl"]
    return old, new


# --- --force over an existing export, folder swap ----------------------------------------------


@pytest.mark.parametrize("exchange, point, expect", [
    (True, "staged", "old"),        # new files written and fsynced, nothing swapped yet
    (True, "swapped", "new"),       # exchanged; the replaced export not yet deleted
    (False, "staged", "old"),
    (False, "moved-old", "old"),    # two-rename swap, between the renames: DIR absent, backup whole
    (False, "swapped", "new"),
])
def test_kill_9_during_a_forced_reexport_leaves_one_whole_export(data, tmp_path, references, exchange, point,
                                                                 expect):
    old, new = references
    out = tmp_path / "ex"
    _export(data, out, 1)
    proc = _stop_at(_cmd(data, out, 9, "--force", exchange=exchange), point)
    code, _ = _signal(proc, signal.SIGKILL)
    assert code == -signal.SIGKILL
    if point == "moved-old":
        # the one instant DIR is absent (systems without an atomic exchange); never a mix
        assert not out.exists()
        notes = recover_destination(out)
        assert any("restored" in n for n in notes), notes
    assert _files(out) == (old if expect == "old" else new)
    assert _verify_cli(out).returncode == 0
    # the next export cleans what the killed one left beside DIR
    _export(data, out, 5, "--force")
    assert _siblings(out) == [] and sorted(os.listdir(out)) == EXPORT_FILES
    assert _verify_cli(out).returncode == 0


@pytest.mark.parametrize("point, expect", [("staged", "old"),     # before the swap: the old export stays
                                           ("swapped", "new")])   # after it: the new one stays
def test_sigterm_during_a_forced_reexport_keeps_one_export_and_cleans_up(data, tmp_path, references, point, expect):
    old, new = references
    out = tmp_path / "ex"
    _export(data, out, 1)
    code, err = _signal(_stop_at(_cmd(data, out, 9, "--force"), point), signal.SIGTERM)
    assert code == 143 and "interrupted" in err
    assert _files(out) == (old if expect == "old" else new) and _siblings(out) == []


# --- fresh export ------------------------------------------------------------------------------


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_during_a_fresh_export_leaves_nothing(data, tmp_path, sig, code):
    out = tmp_path / "ex"
    rc, err = _signal(_stop_at(_cmd(data, out, 1), "staged"), sig)
    assert rc == code and "interrupted" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.jsonl"]


def test_stale_staging_of_a_killed_fresh_export_is_removed_by_the_next_export(data, tmp_path, references):
    old, _ = references
    out = tmp_path / "ex"
    _signal(_stop_at(_cmd(data, out, 1), "staged"), signal.SIGKILL)
    assert not out.exists()
    stale = _siblings(out)
    assert len(stale) == 1 and (tmp_path / stale[0] / "train.jsonl").stat().st_size > 0
    # no --force needed: nothing was exported
    proc = subprocess.run(_cmd(data, out, 1), check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "removed" in proc.stderr and stale[0] in proc.stderr
    assert _siblings(out) == [] and _files(out) == old


def test_old_versions_temp_file_fails_verify_and_is_removed_by_the_next_export(data, tmp_path):
    """The report's case: a 16 MB '.train.jsonl.XXXX.tmp' beside a later export, and verify said OK."""
    out = tmp_path / "ex"
    _export(data, out, 1)
    stale = out / ".train.jsonl.k2j4h1ab.tmp"
    stale.write_bytes(b'{"messages": []}\n' * 100)
    proc = _verify_cli(out)
    assert proc.returncode == 1 and stale.name in proc.stdout + proc.stderr
    assert [p.code for p in verify_export(out).problems] == ["leftover"]
    _export(data, out, 1, "--force")
    assert sorted(os.listdir(out)) == EXPORT_FILES and _verify_cli(out).returncode == 0


# --- a DIR that also holds the user's files: written in place, rolled back ----------------------


@pytest.mark.parametrize("point", ["staged", "backed-up", "moving"])
def test_kill_9_in_a_folder_with_other_files_is_rolled_back_and_keeps_them(data, tmp_path, references, point):
    old, new = references
    out = tmp_path / "ex"
    _export(data, out, 1)
    (out / "notes.txt").write_text("mine")
    (out / "sub").mkdir()
    (out / "sub" / "more.txt").write_text("also mine")
    _signal(_stop_at(_cmd(data, out, 9, "--force"), point), signal.SIGKILL)
    assert (out / "notes.txt").read_text() == "mine" and (out / "sub" / "more.txt").read_text() == "also mine"
    if point != "staged":
        # the old files are in the backup (and, 'moving', a new train.jsonl is in place): not an
        # export anyone may load, and verify says so until the next export rolls it back
        report = verify_export(out)
        assert "leftover" in {p.code for p in report.problems} and _verify_cli(out).returncode != 0
    assert export_leftovers(out)
    notes = recover_destination(out)
    assert notes and not export_leftovers(out)
    restored = {k: v for k, v in _files(out).items() if k in OUTPUT_FILES}
    assert restored == old and verify_export(out).ok
    _export(data, out, 9, "--force")
    assert {k: v for k, v in _files(out).items() if k in OUTPUT_FILES} == new
    assert sorted(os.listdir(out)) == sorted([*EXPORT_FILES, "notes.txt", "sub"])
    assert (out / "sub" / "more.txt").read_text() == "also mine"


def test_sigterm_in_a_folder_with_other_files_rolls_back_at_once(data, tmp_path, references):
    old, _ = references
    out = tmp_path / "ex"
    _export(data, out, 1)
    (out / "notes.txt").write_text("mine")
    code, err = _signal(_stop_at(_cmd(data, out, 9, "--force"), "moving"), signal.SIGTERM)
    assert code == 143 and "interrupted" in err
    assert sorted(os.listdir(out)) == sorted([*EXPORT_FILES, "notes.txt"])
    assert {k: v for k, v in _files(out).items() if k in OUTPUT_FILES} == old


# --- what recovery leaves alone, what the swap keeps -------------------------------------------


def test_a_live_exports_staging_is_left_alone(data, tmp_path):
    out = tmp_path / "ex"
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        staging = tmp_path / f".ex.curator-new-{live.pid}-0123abcd"
        staging.mkdir()
        assert recover_destination(out) == [] and staging.exists()
    finally:
        live.kill()
        live.wait()
    assert recover_destination(out) and not staging.exists()


def test_forced_reexport_through_a_symlink_keeps_the_link_and_the_folder_mode(data, tmp_path, references):
    _, new = references
    real = tmp_path / "real"
    _export(data, real, 1)
    real.chmod(0o750)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    _export(data, link, 9, "--force")
    assert link.is_symlink() and _files(real) == new
    assert real.stat().st_mode & 0o777 == 0o750
    assert sorted(os.listdir(tmp_path)) == ["data.jsonl", "link", "real", "ref_new", "ref_old"]
