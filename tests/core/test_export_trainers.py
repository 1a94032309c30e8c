"""Exports load in Hugging Face ``datasets`` exactly as the export's README says.

TRL, Axolotl and Unsloth read training data through ``datasets``, which turns the rows into one
Arrow table: a column must keep one type across rows (FORMATS.md §1.6). This runs the README's two
loading snippets on real exports — every target format, real files with tool calls, system prompts,
Chinese text and Alpaca fields — and checks that every row comes back as written.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from curator.core.dataset import load_dataset
from curator.core.export import ExportOptions, plan_export, render_readme, write_export
from curator.core.scan import run_scan

datasets = pytest.importorskip("datasets", reason="the test extra installs datasets")

SOURCES = {
    "glaive": "llamafactory-glaive-toolcall-en-demo/glaive_toolcall_en_demo.json",   # ShareGPT + tools
    "toy": "openai-toy-chat/toy_chat_fine_tuning.jsonl",                            # OpenAI + system
    "medical": "medicalgpt-medical-sft-1k/medical_sft_1K_format.jsonl",              # Chinese ShareGPT
}
SAMPLES = ("support_chat.jsonl", "clinical_notes.jsonl")   # OpenAI with tool calls; Alpaca
FORMATS = ("same", "openai", "alpaca", "sharegpt")


def _without_nulls(value):
    """A row without its null values: Arrow gives every row every column (None where a row had no
    such key), and the export writes ``"content": null`` on tool-call messages."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


@pytest.fixture(scope="module")
def scanned(shared_datasets, sample_data):
    out = {}
    for name, rel in SOURCES.items():
        out[name] = shared_datasets / rel
    for name in SAMPLES:
        out[name] = sample_data / name
    return {name: (ds, run_scan(ds, settings={"lint": False})) for name, ds in
            ((n, load_dataset(p)) for n, p in out.items())}


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("source", [*SOURCES, *SAMPLES])
def test_export_loads_in_hugging_face_datasets_as_written(scanned, source, fmt, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ds, scan = scanned[source]
    # 0.3: the toy file has five records, one of them not convertible to alpaca/sharegpt
    plan = plan_export(ds, scan, {}, options=ExportOptions(format=fmt, allow_contradictions=True, eval_fraction=0.3))
    assert not plan.blockers
    out = tmp_path / "export"
    write_export(plan, out)
    readme = render_readme(plan)
    snippet = 'load_dataset("json", data_files={"train": "train.jsonl", "test": "eval.jsonl"})'
    assert snippet in readme

    monkeypatch.chdir(out)   # the snippet's relative paths, run where the README sits
    loaded = datasets.load_dataset("json", data_files={"train": "train.jsonl", "test": "eval.jsonl"},
                                   cache_dir=str(tmp_path / "hf"))
    by_folder = datasets.load_dataset(str(out), cache_dir=str(tmp_path / "hf-folder"))
    for split, name in (("train", "train.jsonl"), ("test", "eval.jsonl")):
        written = [orjson.loads(x) for x in (out / name).read_bytes().splitlines()]
        assert written, f"{name} is empty"
        assert _rows_equal(loaded[split].to_list(), written)
        # the README's other claim: loading the folder by name makes eval.jsonl the "test" split
        assert by_folder[split].num_rows == len(written)
    assert sorted(by_folder) == ["test", "train"]


def test_the_round_trip_check_catches_a_changed_value(tmp_path):
    """The comparison above can fail: ``datasets`` reads an integer beyond 64 bits as a float, and
    the check sees the row come back changed."""
    f = tmp_path / "train.jsonl"
    f.write_bytes(b'{"id": 1180591620717411303425, "text": "x"}\n')
    written = [{"id": 1180591620717411303425, "text": "x"}]
    loaded = datasets.load_dataset("json", data_files={"train": str(f)}, cache_dir=str(tmp_path / "hf"))
    assert not _rows_equal(loaded["train"].to_list(), written)
    assert _rows_equal(loaded["train"].to_list(), [{"id": float(1180591620717411303425), "text": "x"}])


def _rows_equal(loaded: list, written: list) -> bool:
    return [_without_nulls(r) for r in loaded] == [_without_nulls(r) for r in written]
