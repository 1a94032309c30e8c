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
    return subprocess.run([sys.executable, "-m", "curator", *args], check=False, capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


# ---- 1. a reader that closes the pipe early does not change the exit code -------------------------

def early_reader(*args: str, tmp_path: Path) -> tuple[int, bytes, str, int]:
    """Run curator with stdout into a pipe whose reader takes one line and goes away, as
    ``curator ... | head -1`` does: (exit code, the line read, stderr, the pipe's capacity)."""
    import fcntl

    err_path = tmp_path / "stderr.txt"
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning:curator"}
    with open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "curator", *args], stdout=subprocess.PIPE,
                                stderr=err, env=env)
        capacity = fcntl.fcntl(proc.stdout.fileno(), getattr(fcntl, "F_GETPIPE_SZ", 1032))
        first = proc.stdout.readline()
        proc.stdout.close()
        code = proc.wait(timeout=300)
    return code, first, err_path.read_text(encoding="utf-8"), capacity


def chat(i: int, *, last_user: bool = False, answer: bool = True) -> dict:
    turns = [{"role": "user", "content": f"question {i} about the parcel"}]
    if answer:
        turns.append({"role": "assistant", "content": f"answer {i}: it ships on day {i * 7 % 31}."})
    if last_user:
        turns.append({"role": "user", "content": "thanks"})
    return {"messages": turns}


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_validate_with_invalid_records_exits_1_even_when_the_reader_stops_early(tmp_path):
    """`curator validate --format openai BAD | head -2` exited 0 (unpiped: 1): main() turned the
    broken pipe into success, so a CI job piping through head passed bad data."""
    path = write_jsonl(tmp_path / "bad.jsonl", [chat(i, answer=False) for i in range(3000)])
    full = cli("validate", "--format", "openai", str(path))
    assert full.returncode == 1
    for extra in ([], ["--json"]):
        code, first, err, capacity = early_reader("validate", "--format", "openai", str(path), *extra,
                                                  tmp_path=tmp_path)
        assert len(cli("validate", "--format", "openai", str(path), *extra).stdout) > 2 * capacity
        assert first.strip()
        assert code == 1, (extra, err)
        assert err == "", err          # no traceback, no "Exception ignored" at exit


def test_scan_with_findings_exits_1_even_when_the_reader_stops_early(tmp_path):
    rows = []
    for i in range(2500):   # 2,500 exact-duplicate groups: one line each in the report
        row = {"instruction": f"Question {i}: what is {i} times {i + 3}?", "input": "",
               "output": f"It is {i * (i + 3)}."}
        rows += [row, row]
    path = write_jsonl(tmp_path / "dups.jsonl", rows)
    full = cli("scan", str(path))
    assert full.returncode == 1 and "2,500 exact-duplicate groups" in full.stdout
    code, first, err, capacity = early_reader("scan", str(path), tmp_path=tmp_path)
    assert len(full.stdout) > 1.5 * capacity
    assert first.startswith(str(path).encode())
    assert code == 1, err
    assert err == "", err


def test_a_clean_file_still_exits_0_when_the_reader_stops_early(tmp_path):
    """The verdict is kept both ways: a valid file (3,000 warnings, no error) is not failed by a
    reader that goes away."""
    path = write_jsonl(tmp_path / "ok.jsonl", [chat(i, last_user=True) for i in range(3000)])
    full = cli("validate", str(path))
    assert full.returncode == 0 and "3000 warnings" in full.stdout, full.stdout[:300]
    code, first, err, capacity = early_reader("validate", str(path), tmp_path=tmp_path)
    assert len(full.stdout) > 2 * capacity
    assert first.startswith(str(path).encode())
    assert code == 0, err
    assert err == "", err


def test_a_reader_gone_before_the_verdict_is_known_fails_closed(tmp_path):
    """status says on stderr that it set a damaged project aside before it has a verdict; with
    stderr's reader already gone that write fails, and the run must not pass as exit 0."""
    data = write_jsonl(tmp_path / "data.jsonl", [chat(i) for i in range(8)])
    (tmp_path / "data.jsonl.curator").write_bytes(b"not a project file")
    out_path = tmp_path / "stdout.txt"
    with open(out_path, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "curator", "status", str(data), "--fresh-project"],
                                stdout=out, stderr=subprocess.PIPE)
        proc.stderr.close()          # gone before curator has started up
        code = proc.wait(timeout=300)
    assert code == 2                 # not 0, and not 120 (a failed flush at exit)
    assert out_path.read_bytes() == b""
    assert cli("status", str(data)).returncode == 0    # the project itself is usable now


# ---- 2. every --json error is one JSON object on stdout -------------------------------------------

VALIDATE_ERROR_KEYS = {"file", "format", "records", "valid", "invalid", "errors", "warnings", "file_error"}


def json_error(proc: subprocess.CompletedProcess, *words: str) -> dict:
    """The one JSON object an exit-2 run printed: validate's error keys, the message in
    "file_error" (with ``words``), and the human message still on stderr."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    doc = json.loads(proc.stdout)            # exactly one JSON value, nothing else
    assert isinstance(doc, dict) and VALIDATE_ERROR_KEYS <= set(doc), doc
    assert doc["records"] == 0 and doc["errors"] == [] and isinstance(doc["file_error"], str)
    for w in words:
        assert w in doc["file_error"], (w, doc["file_error"])
        assert w in proc.stderr, (w, proc.stderr)
    return doc


def test_status_json_on_an_error_prints_the_error_object_with_statuss_keys(tmp_path):
    data = write_jsonl(tmp_path / "data.jsonl", [chat(i) for i in range(8)])
    good = cli("status", str(data), "--json", "--lines")
    assert good.returncode == 0, good.stderr
    success_keys = set(json.loads(good.stdout))
    missing = json_error(cli("status", str(tmp_path / "nonexist.jsonl"), "--json", "--lines"), "no such file")
    assert missing["file"] == str(tmp_path / "nonexist.jsonl")
    assert success_keys <= set(missing), success_keys - set(missing)
    target = json_error(cli("status", str(data), "--json", "--target", "2"), "--target must be between 0 and 1")
    assert target["file"] == str(data)
    damaged = tmp_path / "damaged.curator"
    damaged.write_bytes(b"this is not a project file")
    bad = json_error(cli("status", str(data), "--project", str(damaged), "--json"), str(damaged), "--fresh-project")
    assert bad["project"] == str(damaged) and not bad["file_error"].startswith("curator:")
    assert cli("status", str(data), "--project", str(damaged)).stdout == ""   # no --json: stderr only


def test_review_json_on_an_error_prints_the_error_object_with_reviews_keys(tmp_path):
    data = write_jsonl(tmp_path / "data.jsonl", [chat(i) for i in range(8)])
    good = cli("review", str(data), "--approve", "1", "--json")
    assert good.returncode == 0, good.stderr
    success_keys = set(json.loads(good.stdout))
    for args, words in [
        (["review", str(tmp_path / "nonexist.jsonl"), "--approve", "1"], ["no such file"]),
        (["review", str(data), "--approve", "abc"], ['--approve: "abc" is not a line number']),
        (["review", str(data), "--approve", "2", "--reject", "2"], ["two decisions"]),
        (["review", str(data)], ["nothing to do"]),
        (["review", str(data), "--approve", "99"], ["99"]),
    ]:
        doc = json_error(cli(*args, "--json"), *words)
        assert success_keys <= set(doc), (args, success_keys - set(doc))
        assert doc["changes"] == [], doc
    opened = json_error(cli("review", str(data), "--approve", "99", "--json"), "99")
    assert opened["project"] == json.loads(good.stdout)["project"]      # the project it opened


def distinct(i: int) -> dict:
    """A record unlike every other (no near-duplicates, so an export can split them)."""
    import random

    rng = random.Random(i)
    words = ["parcel", "invoice", "garden", "violin", "glacier", "compiler", "recipe", "harbour", "comet",
             "ledger", "tulip", "engine", "sonnet", "canyon", "pixel", "walrus", "quartz", "meadow"]
    q = " ".join(rng.sample(words, 6))
    a = " ".join(rng.sample(words, 8))
    return {"instruction": f"Explain {q}.", "input": "", "output": f"It is about {a}."}


def test_export_json_on_an_error_prints_the_error_object_with_the_summarys_keys(tmp_path):
    data = write_jsonl(tmp_path / "data.jsonl", [distinct(i) for i in range(20)])
    good = cli("export", str(data), "--out", str(tmp_path / "out"), "--eval-fraction", "0.2", "--json")
    assert good.returncode == 0, good.stderr
    success_keys = set(json.loads(good.stdout))
    for args, words in [
        (["export", str(tmp_path / "nonexist.jsonl"), "--out", str(tmp_path / "o2")], ["no such file"]),
        (["export", str(data), "--out", str(tmp_path / "o3"), "--eval-fraction", "1.5"], ["--eval-fraction"]),
        (["export", str(data), "--out", str(tmp_path / "no" / "such" / "dir")], [str(tmp_path / "no")]),
        (["export", str(data), "--out", str(tmp_path / "out")], ["--force"]),   # holds an export already
    ]:
        doc = json_error(cli(*args, "--json"), *words)
        assert success_keys <= set(doc), (args, success_keys - set(doc))


def test_scan_and_usage_errors_with_json_print_the_error_object(tmp_path):
    data = write_jsonl(tmp_path / "data.jsonl", [chat(i) for i in range(8)])
    success_keys = set(json.loads(cli("scan", str(data), "--json").stdout))
    doc = json_error(cli("scan", str(data), "--json", "--near-threshold", "150"), "--near-threshold must be between")
    assert success_keys <= set(doc) and doc["file"] == str(data)
    # argparse's own usage errors (missing or bad option) too, for every command that takes --json
    for args, words in [(["validate"], ["required: file"]), (["export", str(data)], ["required: --out"]),
                        (["status", str(data), "--target", "x"], ["--target"]),
                        (["review", str(data), "--reason", "nope"], ["--reason"]),
                        (["scan", str(data), "--format", "csv"], ["--format"]),
                        (["verify"], ["required: dir"])]:
        doc = json_error(cli(*args, "--json"), *words)
        assert doc["file"] is None
    # ... with the command's own keys, empty, as its other errors give them (review finding)
    keys = {"status": {"decisions", "queue", "estimate", "project", "findings"},
            "review": {"changes", "decisions", "project", "reviewer", "sample"},
            "export": {"counts", "blockers", "include"},
            "scan": {"exact_duplicates", "near_duplicates", "contradictions", "lint"}}
    for args in (["status", str(data), "--target", "x"], ["review", str(data), "--fix", "abc"],
                 ["export", str(data)], ["scan", str(data), "--near-threshold", "x"]):
        doc = json_error(cli(*args, "--json"))
        assert keys[args[0]] <= set(doc), (args[0], sorted(doc))
    # verify's own object names what stopped it under the same key
    ver = cli("verify", str(tmp_path / "nowhere"), "--json")
    assert ver.returncode == 2 and "no such folder" in json.loads(ver.stdout)["file_error"]


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


# ---- 4. JSON arrays are read as strictly as trainers read them -----------------------------------

def test_json_array_with_a_trailing_comma_fails_validate_naming_file_and_line(tmp_path):
    """The trial's file: json.load and datasets.load_dataset("json", ...) refuse it, but validate
    said it was valid (exit 0), so the gate passed a file no trainer can read."""
    path = tmp_path / "t.json"
    path.write_bytes(b'[\n{"instruction":"a","input":"","output":"b"},\n]\n')
    try:
        json.loads(path.read_text(encoding="utf-8"))
        raise AssertionError("strict JSON should refuse a trailing comma")
    except json.JSONDecodeError:
        pass
    proc = cli("validate", str(path))
    assert proc.returncode == 2, proc.stdout
    assert proc.stderr.startswith(f"curator: {path}: line 2, column 44: a trailing ','"), proc.stderr
    doc = json.loads(cli("validate", str(path), "--json").stdout)
    assert doc["file_error"].startswith(f"{path}: line 2, column 44: a trailing ','")
    assert "delete the comma" in doc["file_error"] and doc["records"] == 0


def test_json_array_leniencies_are_refused_like_strict_json(tmp_path):
    """Every variant strict JSON refuses between or around the elements is a file error naming the
    file, line and column; the same arrays without the fault load."""
    e = json.dumps(ALPACA)
    variants = {
        "comma on its own line": (f"[\n{e}\n,\n]\n", "line 3, column 1: a trailing ','"),
        "two elements": (f"[{e}, {e},  ]", f"line 1, column {2 * len(e) + 4}: a trailing ','"),
        "comma then blank lines": (f"[\n  {e},\n\n\n]", "line 2, column"),
        "comment after the comma": (f"[\n{e},\n// more to come\n]\n", "line 3, column 1: element 2"),
        "comment before an element": (f"[\n/* first */ {e}\n]\n", "line 2, column 1: element 1"),
        "missing comma": (f"[\n{e}\n{e}\n]\n", "line 3, column 1: expected ',' or ']'"),
        "double comma": (f"[\n{e},,\n{e}\n]\n", "line 2, column"),
        "leading comma": (f"[,\n{e}\n]\n", "line 1, column 2: expected a value before ','"),
    }
    for name, (text, words) in variants.items():
        path = tmp_path / f"{name.replace(' ', '_')}.json"
        path.write_text(text, encoding="utf-8")
        try:
            json.loads(text)
            raise AssertionError(f"{name}: strict JSON accepts it")
        except json.JSONDecodeError:
            pass
        proc = cli("validate", str(path), "--json")
        assert proc.returncode == 2, (name, proc.stdout)
        msg = json.loads(proc.stdout)["file_error"]
        assert msg.startswith(f"{path}: ") and words in msg, (name, msg)
    for text in (f"[\n{e},\n{e}\n]\n", f"[{e}]", f"[ {e} ,\n {e} ]"):
        path = tmp_path / "fine.json"
        path.write_text(text, encoding="utf-8")
        assert json.loads(text)
        proc = cli("validate", str(path))
        assert proc.returncode == 0, (text, proc.stdout, proc.stderr)


def test_an_empty_json_array_is_called_empty_not_blank_lines(tmp_path):
    """`[]` was 'the file holds no records (only blank lines)': it holds no blank lines."""
    for text in ("[]\n", "[\n  \n]\n"):
        path = tmp_path / "empty.json"
        path.write_text(text, encoding="utf-8")
        proc = cli("validate", str(path))
        assert proc.returncode == 2
        assert proc.stderr == f"curator: {path}: the JSON array is empty ([]), no records\n"


def test_review_usage_errors_about_the_sample_store_nothing(tmp_path):
    """`review --approve 1 --sample 0.1 --stratify bogus` stored the approval, then exited 2 on the
    stratification: a usage error must leave the project as it was."""
    from curator.core.project import open_project

    data = write_jsonl(tmp_path / "data.jsonl", [chat(i) for i in range(8)])
    for extra, words in [(["--sample", "0.5", "--stratify", "bogus"], "--stratify: unknown stratification"),
                         (["--stratify", "format"], "apply to --sample"), (["--seed", "3"], "apply to --sample")]:
        doc = json_error(cli("review", str(data), "--approve", "1", *extra, "--json"), words)
        assert doc["changes"] == []
        with open_project(data, scan=False) as p:
            assert p.status_of(1) == "undecided", extra
            assert p.sample_spec() is None


# ---- 5. a second trial: unknown flags, failed reviews, export's shapes, verify's length ---------

def test_an_unknown_option_with_json_prints_the_commands_error_object(tmp_path):
    """`curator validate toy.jsonl --json --bogus` printed argparse's usage and nothing on stdout:
    the top-level parser, which has no --json, reported the subcommand's unknown option."""
    data = write_jsonl(tmp_path / "toy.jsonl", [ALPACA, ALPACA])
    doc = json_error(cli("validate", str(data), "--json", "--bogus"), "unrecognized arguments: --bogus")
    assert set(doc) == VALIDATE_ERROR_KEYS
    proc = cli("scan", str(data), "--bogus", "x", "--json")
    doc = json_error(proc, "unrecognized arguments: --bogus x")
    assert {"exact_duplicates", "contradictions", "lint"} <= set(doc)
    assert proc.stderr.startswith("usage: curator scan"), proc.stderr   # the command's usage
    for cmd in (["status", str(data)], ["review", str(data)], ["export", str(data), "--out", str(tmp_path / "o")],
                ["verify", str(tmp_path)]):
        json_error(cli(*cmd, "--json", "--no-such-flag"), "unrecognized arguments: --no-such-flag")
    plain = cli("validate", str(data), "--bogus")            # without --json: stderr only, as before
    assert plain.returncode == 2 and plain.stdout == "" and "unrecognized arguments: --bogus" in plain.stderr


def test_an_unknown_command_with_json_prints_an_error_object_with_a_null_command(tmp_path):
    for args in (["nosuchcmd", "--json"], ["valdate", str(tmp_path / "x.jsonl"), "--json"],
                 ["--bogus", "--json"]):
        proc = cli(*args, cwd=tmp_path)
        doc = json_error(proc)
        assert doc["command"] is None and doc["file"] is None, doc
        assert doc["file_error"].removeprefix("curator: ") in proc.stderr
    assert "did you mean 'validate'" in json.loads(cli("valdate", "--json", cwd=tmp_path).stdout)["file_error"]
    assert cli("nosuchcmd", cwd=tmp_path).stdout == ""


def test_a_review_that_stores_no_decision_leaves_no_project_file(tmp_path):
    """`review toy.jsonl --approve 99` and a refused --fix created toy.jsonl.curator (53 KB), and
    status then reported a project; an existing project stays byte for byte as it was."""
    data = write_jsonl(tmp_path / "toy.jsonl", [chat(i) for i in range(4)])
    badfix = tmp_path / "badfix.json"
    badfix.write_text(json.dumps(chat(9, answer=False)), encoding="utf-8")
    failing = [(["--approve", "99"], "no record at line 99"),
               (["--fix", "1", "--record", str(badfix)], "refused"),
               (["--skip", "2", "--reject", "7"], "7")]
    for extra, words in failing:
        doc = json_error(cli("review", str(data), *extra, "--json"), words)
        assert doc["project"] is None and doc["changes"] == [], doc
        assert sorted(p.name for p in tmp_path.iterdir()) == ["badfix.json", "toy.jsonl"], extra
        assert cli("review", str(data), *extra).returncode == 2
        assert sorted(p.name for p in tmp_path.iterdir()) == ["badfix.json", "toy.jsonl"], extra
    status = json.loads(cli("status", str(data), "--json").stdout)
    assert status["project"] is None and status["decisions"]["approved"] == 0
    # --project elsewhere: the same
    elsewhere = tmp_path / "sub" / "p.curator"
    elsewhere.parent.mkdir()
    json_error(cli("review", str(data), "--approve", "99", "--project", str(elsewhere), "--json"), "99")
    assert list(elsewhere.parent.iterdir()) == []
    # an existing project is left untouched by a failed review
    assert cli("review", str(data), "--approve", "1").returncode == 0
    project = tmp_path / "toy.jsonl.curator"
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("toy.jsonl.curator")}
    assert list(before) == ["toy.jsonl.curator"]
    for extra, words in failing:
        doc = json_error(cli("review", str(data), *extra, "--json"), words)
        assert doc["project"] == str(project)
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("toy.jsonl.curator")}
    assert after == before
    assert json.loads(cli("status", str(data), "--json").stdout)["decisions"]["approved"] == 1


def damaged_export(tmp_path: Path, n: int = 100) -> Path:
    """An export of ``n`` records whose every train row was then edited: 2 problems per row."""
    data = write_jsonl(tmp_path / "data.jsonl", [distinct(i) for i in range(n)])
    out = tmp_path / "out"
    assert cli("export", str(data), "--out", str(out), "--eval-fraction", "0.2").returncode == 0
    train = out / "train.jsonl"
    rows = [json.loads(line) for line in train.read_text(encoding="utf-8").splitlines()]
    train.write_text("".join(json.dumps({**r, "output": r["output"] + " edited"}) + "\n" for r in rows),
                     encoding="utf-8")
    return out


def test_verify_on_a_badly_damaged_export_shows_a_few_problems_of_each_kind(tmp_path):
    """`verify` printed one line per problem: 18,025 lines for a badly damaged export. The person
    reads the first 20 of each code and how many more; --json still lists every problem."""
    from collections import Counter

    out = damaged_export(tmp_path)
    doc = json.loads(cli("verify", str(out), "--json").stdout)
    codes = Counter(p["code"] for p in doc["problems"])
    assert codes["unknown_row"] == 80 and codes["missing_row"] == 80, codes
    proc = cli("verify", str(out))
    assert proc.returncode == 1 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines[0] == f"{out}: {len(doc['problems'])} problems"
    shown = Counter(line.split(":")[0].strip() for line in lines[1:] if not line.startswith("  …"))
    assert shown == {code: min(n, 20) for code, n in codes.items()}, shown
    assert "  … and 60 more unknown_row problems (--json lists every one)" in lines
    assert "  … and 60 more missing_row problems (--json lists every one)" in lines
    assert len(lines) == 1 + sum(shown.values()) + 2
    # the first problems of each code are the ones shown, in the report's order
    first = [f"  {p['code']}: {p['message']}" for p in doc["problems"] if p["code"] == "missing_row"][:20]
    assert [line for line in lines if line.startswith("  missing_row:")] == first


def test_every_json_object_of_a_command_has_the_same_keys_whatever_the_exit_code(tmp_path):
    """export --json on exit 0 and 1 had no "file_error" (nor "file", "records" ...), exit 2 had:
    a CI script reading d["file_error"] got a KeyError on success. Each command, on success, on
    findings and on errors (its own and argparse's), prints one object with one set of keys."""
    good = write_jsonl(tmp_path / "good.jsonl", [distinct(i) for i in range(20)])
    invalid = write_jsonl(tmp_path / "invalid.jsonl", [distinct(i) for i in range(20)] + [{"instruction": "x"}])
    same_q = {"instruction": "What is the capital of Australia?", "input": ""}
    contra = write_jsonl(tmp_path / "contra.jsonl", [distinct(i) for i in range(20)]
                         + [{**same_q, "output": "Canberra."}, {**same_q, "output": "Sydney."}])
    missing = str(tmp_path / "missing.jsonl")
    out = tmp_path / "out"
    runs = {
        "validate": [(0, [good]), (1, [invalid]), (2, [missing]), (2, [good, "--bogus"])],
        "scan": [(0, [good]), (1, [contra]), (2, [missing]), (2, [good, "--near-threshold", "200"])],
        "status": [(0, [good, "--lines"]), (2, [missing, "--lines"]), (2, [good, "--lines", "--target", "5"]),
                   (2, [good, "--lines", "--target", "x"])],
        "review": [(0, [good, "--approve", "1"]), (0, [good, "--sample", "0.5"]), (2, [good, "--approve", "99"]),
                   (2, [missing, "--approve", "1"]), (2, [good, "--fix", "x"])],
        "export": [(0, [good, "--out", str(out), "--eval-fraction", "0.2"]),
                   (1, [contra, "--out", str(tmp_path / "o2"), "--eval-fraction", "0.2"]),
                   (2, [good, "--out", str(out)]), (2, [missing, "--out", str(tmp_path / "o3")]), (2, [good])],
        "verify": [(0, [str(out)]), (2, [str(tmp_path / "nowhere")]), (2, [])],
    }
    for cmd, cases in runs.items():
        shapes = {}
        for code, args in cases:
            proc = cli(cmd, *args, "--json")
            assert proc.returncode == code, (cmd, args, proc.stderr)
            doc = json.loads(proc.stdout)
            assert (doc["file_error"] is None) == (code != 2), (cmd, args, doc["file_error"])
            shapes[(code, *args)] = set(doc)
        first = next(iter(shapes.values()))
        assert VALIDATE_ERROR_KEYS <= first, (cmd, VALIDATE_ERROR_KEYS - first)
        for case, keys in shapes.items():
            assert keys == first, (cmd, case, sorted(keys ^ first))
    # verify's findings (a changed file: exit 1) too, and the success objects say what was read
    (out / "train.jsonl").write_text((out / "train.jsonl").read_text(encoding="utf-8") + "{}\n", encoding="utf-8")
    proc = cli("verify", str(out), "--json")
    assert proc.returncode == 1 and set(json.loads(proc.stdout)) == shapes[(0, str(out))]
    doc = json.loads(cli("status", str(invalid), "--json").stdout)
    assert (doc["file"], doc["records"], doc["valid"], doc["invalid"], doc["file_error"]) == (str(invalid), 21, 20, 1, None)
    doc = json.loads(cli("review", str(good), "--approve", "2", "--json").stdout)
    assert (doc["file"], doc["format"], doc["records"], doc["file_error"]) == (str(good), "alpaca", 20, None)


def test_an_interrupted_json_run_still_prints_its_error_object(tmp_path, capsys):
    """SIGTERM (or Ctrl+C) in the middle of `scan --json`: exit 143 (130), "interrupted" on stderr,
    and on stdout the scan's error object, as for its other errors (it printed nothing before)."""
    import signal
    import threading

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_scan_data import make_records, write_jsonl

    from curator.cli import main

    data = write_jsonl(tmp_path / "big.jsonl", make_records(30000)[0])
    previous = signal.signal(signal.SIGTERM, lambda *_: None)   # a late signal must not end pytest
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        timer.start()
        code = main(["scan", str(data), "--json"])
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous)
    out, err = capsys.readouterr()
    assert code == 143 and "interrupted" in err
    doc = json.loads(out)
    assert doc["file_error"] == "interrupted (SIGTERM)" and doc["file"] == str(data)
    assert {"exact_duplicates", "near_duplicates", "contradictions", "lint", "timings"} <= set(doc)


def test_export_summary_words_what_was_left_out():
    # a trial read "left out: 3,665 duplicate"
    from curator.cli.export import _left_out

    assert [_left_out(k, n) for k, n in [("duplicate", 3665), ("duplicate", 1), ("rejected", 2),
                                          ("not_reviewed", 5), ("fixed_invalid", 1), ("fixed_invalid", 2)]] \
        == ["3,665 duplicates", "1 duplicate", "2 rejected", "5 not reviewed", "1 invalid fix", "2 invalid fixes"]


def test_a_signal_while_the_commands_load_ends_like_any_interrupt(monkeypatch, capsys, tmp_path):
    """SIGTERM 0.1 s after start, while the commands' modules load: 'interrupted' and exit 143 (a
    trial got a traceback and -15 / -2), and with --json the error object."""
    import signal

    from curator import cli

    # a command module whose import sends this process SIGTERM, as `timeout` or a CI runner would
    pkg = tmp_path / "slowpkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "loading.py").write_text("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n"
                                    "def register(subparsers):\n    subparsers.add_parser('loading')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(cli, "SUBCOMMAND_MODULES", [*cli.SUBCOMMAND_MODULES, "slowpkg.loading"])
    previous = signal.signal(signal.SIGTERM, lambda *_: None)   # without the fix: nothing, not pytest's end
    try:
        code = cli.main(["validate", "x.jsonl", "--json"])
    finally:
        signal.signal(signal.SIGTERM, previous)
        for name in ("slowpkg.loading", "slowpkg"):
            sys.modules.pop(name, None)
    out, err = capsys.readouterr()
    assert code == 143 and "interrupted" in err and "Traceback" not in err
    assert json.loads(out)["file_error"] == "interrupted (SIGTERM)"
