"""`curator validate` end to end, through `python -m curator` and the `curator` entry point."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

OK = {"messages": [{"role": "user", "content": "Where is my parcel?"},
                   {"role": "assistant", "content": "It ships today."}]}


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning:curator"}
    return subprocess.run([sys.executable, "-m", "curator", "validate", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=120)


def write(path: Path, rows) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_all_valid_exits_0(tmp_path):
    path = write(tmp_path / "ok.jsonl", [OK, OK])
    out = run(str(path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"{path}: 2 records, JSONL, format openai",
                                       "  2 valid, 0 invalid, 0 warnings"]
    doc = json.loads(run(str(path), "--json").stdout)
    assert doc == {"file": str(path), "format": "openai", "records": 2, "valid": 2, "invalid": 0,
                   "errors": [], "warnings": [], "file_error": None}


def test_invalid_records_exit_1_with_one_line_per_problem(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join([
        json.dumps(OK).encode(),
        b"",
        b'{"messages": [{"role": "user", "content": "a"},, {"role": "assistant", "content": "b"}]}',
        json.dumps({"messages": [{"role": "user", "content": "Hi"}]}).encode(),
        json.dumps({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"},
                                 {"role": "user", "content": "Bye"}]}).encode(),
    ]) + b"\n")
    out = run(str(path))
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        f"{path}: 4 records, JSONL, format openai",
        "  2 valid, 2 invalid, 1 warning",
        "  error   line 3: not valid JSON — unexpected ',' at column 48 [invalid_json]",
        "  error   line 4: the conversation has no assistant turn, so there is nothing to learn "
        "[example_missing_assistant_message]",
        "  warning line 5: the conversation ends on a user turn; that last turn gets no answer and is not "
        "learned [ends_on_user_turn]",
    ]
    js = run(str(path), "--json")
    assert js.returncode == 1
    doc = json.loads(js.stdout)
    assert (doc["records"], doc["valid"], doc["invalid"]) == (4, 2, 2)
    assert doc["records"] == doc["valid"] + doc["invalid"]
    assert doc["errors"] == [
        {"line": 3, "code": "invalid_json", "message": "not valid JSON — unexpected ',' at column 48", "path": None},
        {"line": 4, "code": "example_missing_assistant_message",
         "message": "the conversation has no assistant turn, so there is nothing to learn", "path": "$"},
    ]
    assert [(w["line"], w["code"]) for w in doc["warnings"]] == [(5, "ends_on_user_turn")]
    assert doc["file_error"] is None


def test_json_array_lines_name_element_and_start_line(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('[\n  {"instruction": "a", "output": "b"},\n  {"instruction": "c",\n   "output": ""}\n]\n')
    out = run(str(path))
    assert out.returncode == 1
    assert "  error   record 2 (line 3): the output is empty at $.output [empty_output]" in out.stdout
    doc = json.loads(run(str(path), "--json").stdout)
    assert doc["errors"] == [{"line": 2, "code": "empty_output", "message": "the output is empty", "path": "$.output"}]


def test_gzip_reported_in_summary(tmp_path):
    path = tmp_path / "d.jsonl.gz"
    path.write_bytes(gzip.compress((json.dumps(OK) + "\n").encode()))
    out = run(str(path))
    assert out.returncode == 0 and "JSONL (gzip), format openai" in out.stdout


@pytest.mark.parametrize("make", ["missing", "empty", "folder", "text", "broken-array"])
def test_unreadable_file_exits_2_naming_the_file(tmp_path, make):
    path = tmp_path / "input.jsonl"
    if make == "empty":
        path.write_bytes(b"")
    elif make == "folder":
        path.mkdir()
    elif make == "text":
        path.write_text("Dear team,\nhere is the data.\n")
    elif make == "broken-array":
        path.write_text('[{"text": "a"},\n {"text": "b"')
    out = run(str(path))
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.startswith(f"curator: {path}: ") and "Traceback" not in out.stderr
    js = run(str(path), "--json")
    assert js.returncode == 2
    doc = json.loads(js.stdout)
    assert doc["file"] == str(path) and doc["file_error"].startswith(str(path))
    assert (doc["records"], doc["valid"], doc["invalid"], doc["errors"]) == (0, 0, 0, [])


def test_format_schema_and_field_options(tmp_path):
    path = write(tmp_path / "r.jsonl", [{"instruction": "Translate", "input": "hola", "response": "hello"}])
    assert run(str(path)).returncode == 1
    assert run(str(path), "--field", "output=response").returncode == 0
    forced = run(str(path), "--field", "output=response", "--format", "openai", "--json")
    assert forced.returncode == 1
    assert json.loads(forced.stdout)["errors"][0]["message"] == 'the field "messages" is missing'

    schema = tmp_path / "my.json"
    schema.write_text(json.dumps({"type": "object", "required": ["instruction", "response", "id"]}))
    out = run(str(path), "--schema", str(schema), "--json")
    assert out.returncode == 1
    assert [e["message"] for e in json.loads(out.stdout)["errors"]] == ['the field "id" is missing']

    schema.write_text("{oops")
    bad = run(str(path), "--schema", str(schema))
    assert bad.returncode == 2 and bad.stderr.startswith(f"curator: {schema}: the schema file is not valid JSON")
    bad_json = run(str(path), "--schema", str(schema), "--json")
    assert bad_json.returncode == 2 and json.loads(bad_json.stdout)["file_error"].startswith(str(schema))

    usage = run(str(path), "--format", "csv")
    assert usage.returncode == 2 and "invalid choice" in usage.stderr
    field = run(str(path), "--field", "output")
    assert field.returncode == 2 and "CANONICAL=SOURCE" in field.stderr


def test_curator_entry_point(tmp_path):
    exe = Path(sys.executable).parent / "curator"
    exe = exe if exe.exists() else shutil.which("curator")
    assert exe, "the `curator` console script is not installed (pip install -e .)"
    path = write(tmp_path / "ok.jsonl", [OK])
    out = subprocess.run([str(exe), "validate", str(path), "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and json.loads(out.stdout)["valid"] == 1
    bad = subprocess.run([str(exe), "validate", str(tmp_path / "nope.jsonl")], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "no such file" in bad.stderr
