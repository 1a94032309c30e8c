"""`curator validate` verdicts on the real third-party files in ../shared/datasets."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from curator.core.dataset import load_dataset

CASES = [
    # (relative path, format, container, records, invalid lines)
    ("anthropic-json-mode/json_mode_dataset.jsonl", "openai", "jsonl", 500, []),
    ("chatdoctor-genmedgpt-5k/chatdoctor5k.json", "alpaca", "json", 5452, []),
    ("code-alpaca-2k/code_alpaca_2k.json", "alpaca", "json", 2017, [238, 1860]),
    ("llamafactory-glaive-toolcall-en-demo/glaive_toolcall_en_demo.json", "sharegpt", "json", 300, []),
    ("medicalgpt-medical-sft-1k/medical_sft_1K_format.jsonl", "sharegpt", "jsonl", 1000, []),
    ("openai-toy-chat/toy_chat_fine_tuning.jsonl", "openai", "jsonl", 5, []),
    ("self-instruct-t0-agnews/ag_news_classify.jsonl", "prompt-completion", "jsonl", 200, []),
]


@pytest.mark.parametrize("rel,fmt,container,n,invalid", CASES, ids=[c[0].split("/")[0] for c in CASES])
def test_verdicts_on_real_files(shared_datasets, rel, fmt, container, n, invalid):
    ds = load_dataset(shared_datasets / rel)
    assert ds.format == fmt
    assert ds.container == container
    assert len(ds.records) == n
    assert sorted({p.line for p in ds.errors}) == invalid


def test_code_alpaca_empty_outputs_name_element_and_line(shared_datasets):
    ds = load_dataset(shared_datasets / "code-alpaca-2k/code_alpaca_2k.json")
    bad = {p.line: p for p in ds.errors}
    assert bad[238].code == "empty_output" and bad[238].path == "$.output"
    # the message names the physical line where element 238 starts
    assert "record 238 (line " in bad[238].describe("json")
    assert ds.by_line(238).start_line > 238


def test_toy_chat_warns_about_missing_user_turn(shared_datasets):
    ds = load_dataset(shared_datasets / "openai-toy-chat/toy_chat_fine_tuning.jsonl")
    assert [(w.line, w.code) for w in ds.warnings] == [(4, "missing_user_message")]
    assert len(ds.by_line(2).turns) == 9  # multi-turn record kept whole


def test_glaive_tool_turns_map_to_canonical_roles(shared_datasets):
    ds = load_dataset(shared_datasets / "llamafactory-glaive-toolcall-en-demo/glaive_toolcall_en_demo.json")
    roles = {(t.source_role, t.role) for r in ds.records for t in r.turns}
    assert ("function_call", "assistant") in roles and ("observation", "tool") in roles


def test_cli_validate_json_contract(shared_datasets):
    path = shared_datasets / "code-alpaca-2k/code_alpaca_2k.json"
    out = subprocess.run([sys.executable, "-m", "curator", "validate", str(path), "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert set(doc) >= {"file", "format", "records", "valid", "invalid", "errors", "warnings", "file_error"}
    assert doc["records"] == doc["valid"] + doc["invalid"] == 2017
    assert doc["file_error"] is None
    assert [e["line"] for e in doc["errors"]] == [238, 1860]
    assert set(doc["errors"][0]) == {"line", "code", "message", "path"}


@pytest.mark.parametrize("rel,fmt,container,n,invalid", CASES, ids=[c[0].split("/")[0] for c in CASES])
def test_cli_verdict_on_real_files(shared_datasets, rel, fmt, container, n, invalid):
    path = shared_datasets / rel
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    out = subprocess.run([sys.executable, "-m", "curator", "validate", str(path), "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == (1 if invalid else 0), out.stderr
    doc = json.loads(out.stdout)
    assert (doc["format"], doc["records"], doc["invalid"]) == (fmt, n, len(invalid))
    assert sorted({e["line"] for e in doc["errors"]}) == invalid
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before  # read-only, always


def test_all_agnews_variants_are_valid_prompt_completion(shared_datasets):
    files = sorted((shared_datasets / "self-instruct-t0-agnews").glob("*.jsonl"))
    assert len(files) == 7
    for path in files:
        ds = load_dataset(path)
        assert (ds.format, len(ds.records), ds.invalid_count) == ("prompt-completion", 200, 0), path.name
        assert all(r.prompt and r.response for r in ds.records)
