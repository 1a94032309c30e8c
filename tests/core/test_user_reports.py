"""Problems a new user met with the CLI, each pinned by the command they ran on real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from curator.core.dataset import load_dataset
from curator.core.io import FileReadError
from curator.core.project import open_project
from curator.core.store import ProjectFileError, ProjectNotWritableError

REPO = Path(__file__).resolve().parents[2]


def _cli(*args: str, prefix: list[str] | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run((prefix or []) + [sys.executable, "-m", "curator", *args], capture_output=True, check=False,
                          text=True, timeout=240, cwd=REPO, env={**os.environ, **(env or {})})


def _chat(q: str, a: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})


def _write_chat(path: Path, n: int = 6) -> Path:
    path.write_text("\n".join(_chat(f"question number {i} about topic {i * 7}", f"answer {i} is {i * 13}")
                              for i in range(1, n + 1)) + "\n", encoding="utf-8")
    return path


# ---- 1. a read-only dataset folder ---------------------------------------------------------------

def _as_nobody() -> list[str] | None:
    """A prefix running a command as a user folder permissions bind, or None if there is none
    (or nobody cannot import this checkout, e.g. a clone inside a mode-700 temp folder)."""
    if sys.platform == "win32":
        return None
    if os.geteuid() != 0:
        return []
    tool = shutil.which("setpriv")
    if not tool:
        return None
    prefix = [tool, "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run(prefix + [sys.executable, "-c", "import curator.cli"], capture_output=True, cwd="/",
                           check=False)
    return prefix if probe.returncode == 0 else None


def _assert_says_not_writable(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "not writable" in proc.stderr, proc.stderr
    assert "--project PATH" in proc.stderr, proc.stderr
    assert "--fresh-project" not in proc.stderr, proc.stderr   # a fresh project would fail the same way
    assert "Traceback" not in proc.stderr


def test_read_only_dataset_folder_says_so_and_points_to_project_option(tmp_path):
    prefix = _as_nobody()
    if prefix is None:
        pytest.skip("no user here that folder permissions bind (see the --project test below)")
    base = Path(tempfile.mkdtemp(prefix="curator-ro-"))
    try:
        base.chmod(0o755)
        ro = base / "ro"
        ro.mkdir()
        data = _write_chat(ro / "data.jsonl")
        data.chmod(0o644)
        ro.chmod(0o555)
        home = base / "home"
        home.mkdir()
        home.chmod(0o777)
        env = {"HOME": str(home)}
        for args in (["review", str(data), "--approve", "1"], ["review", str(data), "--approve", "1", "--fresh-project"]):
            _assert_says_not_writable(_cli(*args, prefix=prefix, env=env))
        # status writes nothing, so it answers even there (before any decision)
        proc = _cli("status", str(data), prefix=prefix, env=env)
        assert proc.returncode == 0 and "none yet" in proc.stdout, proc.stderr
        assert sorted(p.name for p in ro.iterdir()) == ["data.jsonl"]
        # a project made earlier (here by root) in the now read-only folder: copy it, don't start over
        ro.chmod(0o755)
        with open_project(data, scan=False) as p:
            p.approve(2)
        (ro / "data.jsonl.curator").chmod(0o644)
        ro.chmod(0o555)
        proc = _cli("status", str(data), prefix=prefix, env=env)
        _assert_says_not_writable(proc)
        assert "copy it somewhere writable" in proc.stderr
        ro.chmod(0o755)
        for side in ro.glob("data.jsonl.curator-*"):
            side.unlink()
        ro.chmod(0o555)
        shutil.copy(ro / "data.jsonl.curator", home / "copy.curator")
        (home / "copy.curator").chmod(0o666)
        proc = _cli("status", str(data), "--project", str(home / "copy.curator"), "--json", prefix=prefix, env=env)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["decisions"]["approved"] == 1
        # the advice works: --project somewhere writable
        proc = _cli("review", str(data), "--approve", "1", "--project", str(home / "p.curator"), prefix=prefix,
                    env=env)
        assert proc.returncode == 0, proc.stderr
        assert (home / "p.curator").exists()
    finally:
        (base / "ro").chmod(0o755)
        shutil.rmtree(base)


def _unwritable_folder() -> Path:
    """A folder that refuses new files even to root (sysfs), else skip."""
    sysfs = Path("/sys")
    if sysfs.is_dir():
        try:
            (sysfs / "curator-probe").open("x").close()
        except OSError:
            return sysfs
        (sysfs / "curator-probe").unlink()
    pytest.skip("no folder here that root cannot write")


def test_project_in_unwritable_folder_cli_and_api(tmp_path):
    """The same check on a --project location nobody (root included) can write: the CLI says
    'not writable' and suggests --project, never --fresh-project; the API raises
    ProjectNotWritableError even with on_damaged="fresh" (setting aside cannot help)."""
    folder = _unwritable_folder() if os.geteuid() == 0 else None
    if folder is None:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
    data = _write_chat(tmp_path / "data.jsonl")
    target = folder / "curator-test.curator"
    for args in (["review", str(data), "--approve", "1", "--project", str(target)],
                 ["review", str(data), "--approve", "1", "--project", str(target), "--fresh-project"]):
        _assert_says_not_writable(_cli(*args))
    # status creates no project, so it answers (nothing reviewed yet) wherever --project points
    assert _cli("status", str(data), "--project", str(target)).returncode == 0
    for mode in ("raise", "fresh"):
        with pytest.raises(ProjectNotWritableError) as info:
            open_project(data, project_path=target, scan=False, on_damaged=mode)
        assert info.value.fresh_helps is False
    assert not target.exists()


def test_damaged_project_still_suggests_fresh_project(tmp_path):
    data = _write_chat(tmp_path / "data.jsonl")
    (tmp_path / "data.jsonl.curator").write_bytes(b"this is not a database at all, just text\n" * 5)
    proc = _cli("status", str(data))
    assert proc.returncode == 2
    assert "--fresh-project" in proc.stderr and "not writable" not in proc.stderr
    with pytest.raises(ProjectFileError) as info:
        open_project(data, scan=False)
    assert info.value.fresh_helps is True
    assert _cli("status", str(data), "--fresh-project").returncode == 0


# ---- 6. error JSON carries the success shape's keys ----------------------------------------------

def test_scan_json_on_missing_file_has_every_success_key(tmp_path):
    data = _write_chat(tmp_path / "data.jsonl")
    ok = _cli("scan", str(data), "--json")
    assert ok.returncode in (0, 1), ok.stderr
    missing = _cli("scan", str(tmp_path / "nope.jsonl"), "--json")
    assert missing.returncode == 2
    good, bad = json.loads(ok.stdout), json.loads(missing.stdout)
    assert set(good) - set(bad) == set(), set(good) - set(bad)
    assert bad["file_error"] and "no such file" in bad["file_error"]
    assert bad["discounted"] == [] and bad["settings"] == {} and bad["exact_duplicates"] == []


def test_validate_json_on_missing_file_has_every_success_key(tmp_path):
    data = _write_chat(tmp_path / "data.jsonl")
    good = json.loads(_cli("validate", str(data), "--json").stdout)
    bad = json.loads(_cli("validate", str(tmp_path / "nope.jsonl"), "--json").stdout)
    assert set(good) == set(bad)


# ---- 2. approving invalid lines; a bad LINES value -----------------------------------------------

def test_review_approving_invalid_lines_warns_per_line_and_export_leaves_them_out(tmp_path):
    lines = [_chat(f"question number {i} about topic {i * 7}", f"answer {i} is {i * 13}") for i in range(1, 7)]
    lines[2] = '{"messages": [{"role": "user", "content": "hi"},'              # line 3: not valid JSON
    lines[4] = json.dumps({"messages": [{"role": "agent", "content": "x"}]})   # line 5: schema-invalid
    data = tmp_path / "data.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = _cli("review", str(data), "--approve", "1-5")
    assert proc.returncode == 0, proc.stderr
    warn = [ln for ln in proc.stderr.splitlines() if "warning" in ln]
    assert len(warn) == 2, proc.stderr
    assert "line 3 is invalid" in warn[0] and "[invalid_json]" in warn[0] and "export leaves" in warn[0]
    assert "line 5 is invalid" in warn[1] and "agent" in warn[1]
    doc = json.loads(_cli("review", str(data), "--approve", "3", "--json").stdout)
    assert [w["line"] for w in doc["warnings"]] == [3] and doc["warnings"][0]["code"] == "invalid_json"
    with open_project(data, scan=False) as p:
        assert p.status_of(3) == "approved"         # still recorded
    out = tmp_path / "out"
    exp = _cli("export", str(data), "--out", str(out), "--eval-fraction", "0.2", "--force",
               "--allow-contradictions", "--json")
    assert exp.returncode == 0, exp.stderr
    exported = (out / "train.jsonl").read_text() + (out / "eval.jsonl").read_text()
    assert '"agent"' not in exported and len(exported.splitlines()) == 3   # lines 1, 2, 4


@pytest.mark.parametrize("flag,value,words", [
    ("--approve", "abc", '--approve: "abc" is not a line number or range like 3,7,10-20'),
    ("--reject", "4,x-9", '--reject: "x-9" is not a line number or range'),
    ("--skip", "5-3", '--skip: "5-3" is a backwards range; write 3-5'),
    ("--approve", "1,,2", '--approve: an empty part after 1 in "1,,2"; write line numbers or ranges like 3,7,10-20'),
    ("--approve", ",2", '--approve: an empty part at the start in ",2"'),
])
def test_review_bad_lines_value_is_a_plain_usage_error(tmp_path, flag, value, words):
    data = _write_chat(tmp_path / "data.jsonl")
    proc = _cli("review", str(data), flag, value)
    assert proc.returncode == 2
    assert words in proc.stderr and "invalid literal" not in proc.stderr
    assert not (tmp_path / "data.jsonl.curator").exists()


# ---- 3./4. tools through export; OpenAI tool messages that answer no call --------------------------

GLAIVE = ("llamafactory-glaive-toolcall-en-demo", "glaive_toolcall_en_demo.json")


def test_alpaca_export_says_tools_are_dropped(shared_datasets, tmp_path):
    src = shared_datasets.joinpath(*GLAIVE)
    source = json.loads(src.read_text(encoding="utf-8"))
    has_tools = {i + 1 for i, r in enumerate(source) if r.get("tools", "").strip() not in ("", "[]")}
    assert len(has_tools) == 191
    out = tmp_path / "alpaca"
    proc = _cli("export", str(src), "--out", str(out), "--format", "alpaca", "--allow-contradictions")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    losses = {x["code"]: x for x in manifest["conversion"]["losses"]}
    assert "tools_dropped" in losses, losses
    rows = [json.loads(ln) for f in ("train.jsonl", "eval.jsonl") for ln in (out / f).read_text().splitlines()]
    assert not any("tools" in r for r in rows)
    # counted exactly: the exported records (manifest "records") whose source defines tools
    exported = {r["line"] for r in manifest["records"] if r["split"] in ("train", "eval")}
    assert len(exported) == len(rows)
    assert losses["tools_dropped"]["records"] == len(exported & has_tools) > 100
    assert "tool (function) definitions in 'tools' were dropped" in (out / "README.md").read_text()


def test_openai_export_of_glaive_has_real_tool_calls_and_validates_clean(shared_datasets, tmp_path):
    out = tmp_path / "oa"
    proc = _cli("export", str(shared_datasets.joinpath(*GLAIVE)), "--out", str(out), "--format", "openai",
                "--allow-contradictions")
    assert proc.returncode == 0, proc.stderr
    text = (out / "train.jsonl").read_text()
    assert "[tool call]" not in text
    n_calls = 0
    for ln in text.splitlines():
        seen = set()
        for m in json.loads(ln)["messages"]:
            for c in m.get("tool_calls") or []:
                assert c["type"] == "function" and c["id"] and isinstance(c["function"]["arguments"], str)
                seen.add(c["id"])
                n_calls += 1
            if m["role"] == "tool":
                assert m["tool_call_id"] in seen
    assert n_calls > 50
    doc = json.loads(_cli("validate", str(out / "train.jsonl"), "--json").stdout)
    assert not [w for w in doc["warnings"] if w["code"] == "tool_message_without_call"]


def test_validate_warns_on_tool_message_answering_no_call(tmp_path):
    call = {"role": "assistant", "content": None,
            "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}
    rows = [
        {"messages": [{"role": "user", "content": "q"}, call,                                   # 1: fine
                      {"role": "tool", "tool_call_id": "call_1", "content": "18C"},
                      {"role": "assistant", "content": "It is 18C."}]},
        {"messages": [{"role": "user", "content": "q"}, call,                                   # 2: no id
                      {"role": "tool", "content": "18C"}, {"role": "assistant", "content": "18C."}]},
        {"messages": [{"role": "user", "content": "q"}, call,                                   # 3: wrong id
                      {"role": "tool", "tool_call_id": "call_9", "content": "18C"},
                      {"role": "assistant", "content": "18C."}]},
        {"messages": [{"role": "user", "content": "q"},                                         # 4: before call
                      {"role": "tool", "tool_call_id": "call_1", "content": "18C"}, call,
                      {"role": "assistant", "content": "18C."}]},
    ]
    data = tmp_path / "tools.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    proc = _cli("validate", str(data), "--json")
    doc = json.loads(proc.stdout)
    hits = [w for w in doc["warnings"] if w["code"] == "tool_message_without_call"]
    assert [w["line"] for w in hits] == [2, 3, 4]
    assert "no tool_call_id" in hits[0]["message"] and '"call_9"' in hits[1]["message"]
    assert not [e for e in doc["errors"] if e["code"] == "tool_message_without_call"]   # a warning only
    assert proc.returncode == 0 and doc["invalid"] == 0


def test_sharegpt_parallel_calls_each_result_answers_its_own_call():
    from curator.core.convert import sharegpt_to_openai

    obj = {"conversations": [
        {"from": "human", "value": "weather in Paris and Rome?"},
        {"from": "function_call", "value": json.dumps([{"name": "w", "arguments": {"city": "Paris"}},
                                                       {"name": "w", "arguments": {"city": "Rome"}}])},
        {"from": "observation", "value": "18C"},
        {"from": "observation", "value": "24C"},
        {"from": "gpt", "value": "Paris 18C, Rome 24C."}]}
    out, _ = sharegpt_to_openai(obj)
    assert [m.get("tool_call_id") for m in out["messages"] if m["role"] == "tool"] == ["call_1", "call_2"]


# ---- 5. one JSON object (or pretty-printed objects) instead of JSONL -----------------------------

def _rows(n: int) -> list[dict]:
    return [{"instruction": f"say {i}", "input": "", "output": f"{i}"} for i in range(n)]


def test_wrapper_object_names_the_key_and_exits_2(tmp_path):
    f = tmp_path / "wrapped.json"
    f.write_text(json.dumps({"version": 2, "data": _rows(40), "tags": ["a"]}, indent=2), encoding="utf-8")
    with pytest.raises(FileReadError) as info:
        load_dataset(f)
    msg = str(info.value)
    assert "is one JSON object, not a list of records" in msg
    assert 'under the key "data" (40 items)' in msg and "jq -c '.data[]' wrapped.json" in msg
    proc = _cli("validate", str(f))
    assert proc.returncode == 2 and "cut off" not in proc.stderr and '"data"' in proc.stderr
    doc = json.loads(_cli("validate", str(f), "--json").stdout)
    assert doc["records"] == 0 and "under the key" in doc["file_error"]
    assert _cli("status", str(f)).returncode == 2


def test_pretty_printed_single_object_and_the_sample_defects_file(tmp_path, sample_data):
    f = tmp_path / "one.json"
    f.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}, indent=2), encoding="utf-8")
    with pytest.raises(FileReadError, match="holds one JSON object spread over 8 lines; JSONL needs one object per line"):
        load_dataset(f)
    proc = _cli("validate", str(sample_data / "defects.json"))
    assert proc.returncode == 2, proc.stdout[:500]
    assert "holds one JSON object spread over" in proc.stderr
    assert len(proc.stdout.splitlines()) + len(proc.stderr.splitlines()) < 5   # not 2,000 per-line errors


def test_pretty_printed_records_say_so(tmp_path):
    f = tmp_path / "pretty.jsonl"
    f.write_text("\n".join(json.dumps(r, indent=1) for r in _rows(5)) + "\n", encoding="utf-8")
    with pytest.raises(FileReadError, match="holds 5 JSON objects, each spread over several lines"):
        load_dataset(f)


def test_jsonl_with_a_bad_first_line_still_loads_per_line(tmp_path):
    f = tmp_path / "bad_first.jsonl"
    f.write_text('{"instruction": "broken",\n' + "\n".join(json.dumps(r) for r in _rows(5)) + "\n",
                 encoding="utf-8")
    ds = load_dataset(f)
    assert len(ds.records) == 6 and not ds.by_line(1).valid and ds.by_line(2).valid


# ---- a dataset on a read-only drive: the project goes to the user's own folder ------------------

def test_project_of_a_dataset_in_a_read_only_folder_lives_in_the_user_folder(read_only_folder):
    from curator.core.project import project_path_for, user_project_dir, user_project_path

    data = read_only_folder("data.jsonl", "\n".join(_chat(f"question {i} about {i * 7}", f"answer {i}")
                                                    for i in range(1, 7)) + "\n")
    mine = user_project_path(data)
    assert mine.parent == user_project_dir() and mine.name.startswith("data.jsonl-")
    # nothing is created without being asked: the CLI says where a project can go
    with pytest.raises(ProjectNotWritableError):
        open_project(data, scan=False)
    assert _cli("status", str(data)).returncode == 0      # status creates nothing, anywhere
    proc = _cli("review", str(data), "--approve", "1")
    _assert_says_not_writable(proc)
    assert f"--project {mine}" in proc.stderr and "found without --project" in proc.stderr
    assert not mine.parent.exists()
    # the suggested place works, creates the folder, and is found from then on without --project
    proc = _cli("review", str(data), "--approve", "1-6", "--project", str(mine))
    assert proc.returncode == 0, proc.stderr
    assert project_path_for(data) == mine
    with open_project(data, scan=False) as p:
        assert p.path == mine and p.status_of(2) == "approved"
    status = json.loads(_cli("status", str(data), "--json").stdout)
    assert status["decisions"]["approved"] == 6 and status["project"] == str(mine)
    out = mine.parent / "export"
    proc = _cli("export", str(data), "--out", str(out), "--eval-fraction", "0.34")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert str(mine) in json.dumps(manifest)              # the export used the decisions kept there
    assert sorted(x.name for x in data.parent.iterdir()) == ["data.jsonl"]   # the drive is untouched


def test_a_mistyped_command_is_not_opened_as_a_file():
    """`curator scna x.jsonl` used to start the app with "scna" as the file to open (and, without a
    display, say it needs one); it is a usage error naming the commands."""
    for args, hint in ((["scna", "x.jsonl"], "did you mean 'scan'?"), (["frobnicate"], "commands: export")):
        proc = _cli(*args, env={"QT_QPA_PLATFORM": "offscreen"})
        assert proc.returncode == 2 and hint in proc.stderr and "unknown command" in proc.stderr, proc.stderr


def test_scan_of_a_json_array_names_records_not_lines(tmp_path):
    """A new user's report: for a JSON array, `curator scan` said "error line 238" where validate
    said "record 238 (line 1187)"; file line 238 is another record."""
    rows = [{"instruction": f"Question number {i} about topic {i * 7}?", "input": "", "output": f"Answer {i}."}
            for i in range(1, 6)]
    rows[2]["output"] = " "
    data = tmp_path / "data.json"
    data.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    proc = _cli("scan", str(data))
    assert proc.returncode == 1, proc.stderr
    start = next(i for i, ln in enumerate(data.read_text().splitlines(), 1) if "Question number 3" in ln) - 1
    assert f"record 3 (line {start}): the response is empty" in proc.stdout, proc.stdout
    assert "record positions in the array" in proc.stdout and " line 3:" not in proc.stdout


def test_a_project_made_with_field_mapping_is_read_the_same_way_by_every_command(tmp_path):
    """A new user's report: `curator review --field ...` approved records, then `curator export`
    (which has no --field) read them unmapped, found them all invalid and exported nothing.
    The project keeps how it was created; a comma-joined --field is refused, not ignored."""
    rows = [{"question": f"Question number {i} about topic {i * 7}?", "answer": f"Answer {i} is {i * 13}."}
            for i in range(1, 13)]
    data = tmp_path / "qa.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    proc = _cli("review", str(data), "--field", "instruction=question,output=answer", "--approve", "1")
    assert proc.returncode == 2 and "--field instruction=question --field output=answer" in proc.stderr
    assert not (tmp_path / "qa.jsonl.curator").exists()
    proc = _cli("review", str(data), "--field", "instruction=question", "--field", "output=answer", "--approve", "1-12")
    assert proc.returncode == 0, proc.stderr
    status = json.loads(_cli("status", str(data), "--json").stdout)        # no --field
    assert status["decisions"]["approved"] == 12 and status["findings"]["invalid"] == 0
    proc = _cli("export", str(data), "--out", str(tmp_path / "out"), "--eval-fraction", "0.25")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["train"] + manifest["counts"]["eval"] == 12
    with open_project(data, scan=False) as p:                              # the window's way in
        assert all(r.valid for r in p.dataset.records)
    # validate and scan (file commands, no project) read it the same way, and say so on stderr
    for cmd in ("validate", "scan"):
        proc = _cli(cmd, str(data), "--json")
        assert json.loads(proc.stdout)["invalid"] == 0, proc.stdout
        assert "as its review project does (--field instruction=question --field output=answer)" in proc.stderr


def test_a_fix_in_a_field_mapped_project_uses_the_users_field_names(tmp_path):
    """Found while building the Fix form: in a project made with --field, a fix (the user's own
    record, with the user's field names) was validated unmapped, so every fix was refused
    ('the field "instruction" is missing') and an export left stored fixes out as invalid."""
    from curator.core.export import ExportOptions, plan_export

    rows = [{"question": f"Question number {i} about topic {i * 7}?", "answer": f"Answer {i} is {i * 13}."}
            for i in range(1, 13)]
    data = tmp_path / "qa.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    mapping = {"instruction": "question", "output": "answer"}
    with open_project(data, mapping=mapping, scan=False) as p:
        fixed = dict(rows[0], answer="Answer 1 is 13, checked.")
        assert p.validate_fix(1, fixed) == []
        [missing] = p.validate_fix(1, {"question": rows[0]["question"]})
        assert missing.message == 'the field "answer" is missing'
        p.fix(1, fixed)
        assert p.fixed_record(1).response == "Answer 1 is 13, checked." and p.fixed_record(2) is None
        plan = plan_export(p.dataset, p.scan, p.decisions(), options=ExportOptions(include="unrejected"))
        assert plan.excluded == {} and plan.ok, plan.excluded
        assert b"Answer 1 is 13, checked." in next(e.output for e in plan.entries if e.line == 1)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_slow_commands_show_progress_on_a_terminal_only(tmp_path):
    """A new user's report: a 100k export ran 11 s with no output. On a terminal, scan and export
    redraw one progress line on stderr and erase it; piped (scripts, CI) they print none."""
    import pty

    data = tmp_path / "clinical_notes.jsonl"
    shutil.copy(REPO / "sample_data" / "clinical_notes.jsonl", data)
    for args in (["scan", str(data)], ["export", str(data), "--out", str(tmp_path / "out"), "--allow-contradictions"]):
        master, slave = pty.openpty()
        try:
            proc = subprocess.run([sys.executable, "-m", "curator", *args], stdout=subprocess.PIPE,
                                  stderr=slave, check=False, timeout=120, cwd=REPO)
            os.close(slave)
            shown = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            os.close(master)
        assert proc.returncode in (0, 1), proc
        text = shown.decode("utf-8", "replace")
        assert "\rReading lines" in text and "Checking schema" in text, repr(text[:300])
        assert text.endswith("\r" + " " * 72 + "\r"), repr(text[-100:])      # erased, not left behind
        piped = _cli(*[str(tmp_path / "out2") if a == str(tmp_path / "out") else a for a in args])
        assert piped.returncode in (0, 1) and "\r" not in piped.stderr, piped.stderr


def test_stored_load_options_survive_odd_paths_a_moved_schema_and_a_cached_scan(tmp_path):
    """Review findings: the stored --field was lost under a folder named 'd#1' (the read-only
    SQLite URI was not escaped); a --schema stored as a relative path broke every later command
    run elsewhere; a scan cached while the file was read another way was reused."""
    rows = [{"question": f"Question number {i} about topic {i * 7}?", "answer": f"Answer {i} is {i * 13}."}
            for i in range(1, 9)]
    rows += rows[:2]                                               # two exact copies
    folder = tmp_path / "d#1 100%"
    folder.mkdir()
    data = folder / "qa.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    schema = folder / "my.schema.json"
    schema.write_text(json.dumps({"type": "object", "required": ["instruction", "output"]}), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "curator", "review", "qa.jsonl", "--schema", "my.schema.json",
                           "--field", "instruction=question", "--field", "output=answer", "--approve", "1"],
                          capture_output=True, text=True, cwd=folder, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    # read the file another way once: its scan (every record invalid, no duplicates) is cached
    assert _cli("status", str(data), "--field", "output=answer").returncode == 0
    status = json.loads(_cli("status", str(data), "--json").stdout)       # from another folder
    assert status["findings"]["invalid"] == 0 and status["findings"]["exact_duplicates"] == 2
    schema.rename(folder / "moved.json")                               # a schema that moved away
    with open_project(data, scan=False) as p:
        assert all(r.valid for r in p.dataset.records)                 # built-in schema, same mapping


def test_odd_first_arguments_are_handled(tmp_path):
    """Review findings: a 300-character argument crashed with 'File name too long'; 'C:data' (a
    Windows drive-relative path) counted as a command."""
    proc = _cli("x" * 300)
    assert proc.returncode == 2 and "unknown command" in proc.stderr and "Traceback" not in proc.stderr
    from curator.cli import _unknown_command

    assert not _unknown_command("C:data") and not _unknown_command("~/data") and _unknown_command("scna")


def test_scan_and_validate_leave_no_sqlite_side_files_beside_the_dataset(tmp_path):
    """A new user's report: after `curator review`, `curator scan FILE` left FILE.curator-wal and
    FILE.curator-shm beside the dataset (it reads the project's load options read-only)."""
    data = tmp_path / "support_chat.jsonl"
    shutil.copy(REPO / "sample_data" / "support_chat.jsonl", data)
    assert _cli("review", str(data), "--approve", "1").returncode == 0
    before = sorted(p.name for p in tmp_path.iterdir())
    assert before == ["support_chat.jsonl", "support_chat.jsonl.curator"]
    for cmd in ("scan", "validate"):
        assert _cli(cmd, str(data)).returncode in (0, 1)
        assert sorted(p.name for p in tmp_path.iterdir()) == before, cmd


def test_status_before_any_review_creates_no_project_file(tmp_path):
    """A new user's report: `curator status` (which sounds read-only) created FILE.curator, and an
    export then recorded that project in its manifest. Before the first decision it reports on a
    throw-away project; once a decision exists it reads the real one."""
    data = tmp_path / "support_chat.jsonl"
    shutil.copy(REPO / "sample_data" / "support_chat.jsonl", data)
    proc = _cli("status", str(data), "--json")
    assert proc.returncode == 0, proc.stderr
    st = json.loads(proc.stdout)
    assert st["project"] is None and st["records"] == 1500 and st["decisions"]["undecided"] == 1500
    assert sorted(p.name for p in tmp_path.iterdir()) == ["support_chat.jsonl"]
    assert "none yet" in _cli("status", str(data)).stdout
    # nor the --project file it is pointed at; an error object names no throw-away project
    assert _cli("status", str(data), "--project", str(tmp_path / "new.curator")).returncode == 0
    proc = _cli("status", str(data), "--json", "--schema", str(tmp_path / "nope.json"))
    assert proc.returncode == 2 and json.loads(proc.stdout)["project"] is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["support_chat.jsonl"]
    assert _cli("review", str(data), "--approve", "3").returncode == 0
    st = json.loads(_cli("status", str(data), "--json").stdout)
    assert st["project"] == str(tmp_path / "support_chat.jsonl.curator") and st["decisions"]["approved"] == 1


def test_review_fix_stores_a_corrected_record_from_a_file_or_stdin(tmp_path):
    """A new user's report: the CLI had no way to fix a record; fixes needed the app or Python."""
    rows = [{"instruction": f"Question number {i} about topic {i * 7}?", "input": "", "output": f"Answer {i}."}
            for i in range(1, 13)]
    data = tmp_path / "qa.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    fixed = dict(rows[2], output="Answer 3, corrected.")
    rec = tmp_path / "fixed.json"
    rec.write_text(json.dumps(fixed), encoding="utf-8")
    proc = _cli("review", str(data), "--fix", "3", "--record", str(rec), "--note", "typo", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["changes"] == [{"label": "Fix line 3", "lines": [3]}]
    with open_project(data, scan=False) as p:
        d = p.decision(3)
        assert (d.status, d.fixed, d.note) == ("fixed", fixed, "typo")
    # from standard input; a record the schema refuses changes nothing and says why
    proc = subprocess.run([sys.executable, "-m", "curator", "review", str(data), "--fix", "4", "--record", "-"],
                          input=json.dumps({"instruction": "Question 4?", "output": 4}), capture_output=True,
                          text=True, cwd=REPO, timeout=120, check=False)
    assert proc.returncode == 2 and "fix for line 4 refused" in proc.stderr, proc.stderr
    array = tmp_path / "qa.json"                 # in a JSON array the id is a record number
    array.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "curator", "review", str(array), "--fix", "4", "--record", "-"],
                          input=json.dumps({"instruction": "Question 4?", "output": 4}), capture_output=True,
                          text=True, cwd=REPO, timeout=120, check=False)
    assert proc.returncode == 2 and "fix for record 4 refused" in proc.stderr, proc.stderr
    bom = tmp_path / "bom.json"                   # Notepad and PowerShell write a BOM
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(dict(rows[5], output="Answer 6, checked.")).encode())
    assert _cli("review", str(data), "--fix", "6", "--record", str(bom)).returncode == 0
    for args, says in ((["--fix", "5"], "--fix LINE and --record FILE go together"),
                       (["--fix", "5", "--record", str(tmp_path / "nope.json")], "cannot read it"),
                       (["--fix", "5", "--record", str(data)], "not valid JSON"),
                       (["--fix", "3", "--approve", "3", "--record", str(rec)], "two decisions")):
        proc = _cli("review", str(data), *args)
        assert proc.returncode == 2 and says in proc.stderr, (args, proc.stderr)
    with open_project(data, scan=False) as p:
        assert p.decision(4) is None and p.decision(5) is None and p.decision(3).status == "fixed"
