"""Contracts of the command line that a new user's trial found broken: exit codes that survive a
reader closing the pipe early, one JSON object on stdout for every --json error, a size limit
message that agrees with itself, and JSON arrays read as strictly as trainers read them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from curator.core.io import MAX_RECORD_BYTES

ALPACA = {"instruction": "a", "input": "", "output": "b"}


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning:curator"}
    return subprocess.run([sys.executable, "-m", "curator", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


# ---- 3. the size limit message -------------------------------------------------------------------

def test_a_line_just_over_the_limit_is_not_called_smaller_than_the_limit(tmp_path):
    """A 16.9 MB line was reported as 'the line is 16.9 MB long; records over 17 MB are not
    loaded': the 16 MiB limit rounded up in decimal megabytes read as larger than the line."""
    size = 17_700_000
    assert size > MAX_RECORD_BYTES
    body = b'{"instruction": "a", "input": "", "output": "'
    line = body + b"x" * (size - len(body) - 2) + b'"}'
    assert len(line) == size
    path = tmp_path / "big.jsonl"
    path.write_bytes(json.dumps(ALPACA).encode() + b"\n" + line + b"\n")
    proc = cli("validate", str(path), "--json")
    assert proc.returncode == 1, proc.stderr
    (err,) = json.loads(proc.stdout)["errors"]
    assert err["line"] == 2 and err["code"] == "too_large"
    assert err["message"] == ("the line is 16.9 MiB (17,700,000 bytes) long; records over 16 MiB "
                              "(16,777,216 bytes) are not loaded")
    # both sizes in the same unit and exact bytes: the shown size is above the shown limit
    shown = [int(n.replace(",", "")) for n in re.findall(r"\(([\d,]+) bytes\)", err["message"])]
    assert shown == [size, MAX_RECORD_BYTES]
    mib = [float(n) for n in re.findall(r"([\d.]+) MiB", err["message"])]
    assert mib[0] > mib[1] == MAX_RECORD_BYTES / 2**20


def test_an_array_element_over_the_limit_names_both_sizes_exactly(tmp_path):
    path = tmp_path / "big.json"
    element = b'{"instruction": "a", "input": "", "output": "' + b"y" * (MAX_RECORD_BYTES + 1) + b'"}'
    path.write_bytes(b"[\n" + json.dumps(ALPACA).encode() + b",\n" + element + b"\n]\n")
    proc = cli("validate", str(path), "--json")
    assert proc.returncode == 1, proc.stderr
    (err,) = json.loads(proc.stdout)["errors"]
    assert err["line"] == 2 and err["code"] == "too_large"
    assert f"({len(element):,} bytes) long; records over 16 MiB (16,777,216 bytes)" in err["message"]
    assert "MB " not in err["message"]
