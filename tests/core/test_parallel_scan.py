"""The scan's second core: run_scan(workers=2) runs the near-duplicate pass on a helper thread
(``progress.Alongside``) while the calling thread finds contradictions. Same result, same
cancel, nothing left running afterwards."""

from __future__ import annotations

import gc
import json
import sys
import threading
import time
from pathlib import Path

import pytest

from curator.core.dataset import load_dataset
from curator.core.progress import Alongside, CancelFlag, Cancelled
from curator.core.scan import run_scan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from bench_scan_data import make_records, write_jsonl


def _helpers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "curator-alongside"]


def _doc(result) -> dict:
    doc = result.to_json()
    doc.pop("timings")
    return doc


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "generated_6000.jsonl"
    write_jsonl(path, make_records(6000)[0])
    return load_dataset(path)


def test_two_workers_give_the_single_thread_result(sample_data, generated):
    for ds in (load_dataset(sample_data / "support_chat.jsonl"), generated):
        one = run_scan(ds, workers=1)
        two = run_scan(ds, workers=2)
        assert two.near_duplicates and two.contradictions
        assert json.dumps(_doc(one), sort_keys=True) == json.dumps(_doc(two), sort_keys=True)
        assert set(two.timings) == set(one.timings)
    assert not _helpers()


def test_cancel_while_the_helper_runs_stops_both_threads(generated):
    flag = CancelFlag()
    labels = []

    class Sink:
        def update(self, *, done, total=None, label=""):
            labels.append(label)
            if label == "Comparing answers to the same question":   # the helper is running now
                flag.set()

    with pytest.raises(Cancelled):
        run_scan(generated, workers=2, progress=Sink(), cancel=flag)
    assert "Comparing answers to the same question" in labels
    assert not _helpers()


def test_scan_leaves_the_garbage_collector_as_it_found_it(sample_data):
    ds = load_dataset(sample_data / "clinical_notes.jsonl")
    assert gc.isenabled()
    run_scan(ds, settings={"near": False, "contradictions": False})
    assert gc.isenabled()
    gc.disable()
    try:
        run_scan(ds, settings={"near": False, "contradictions": False})
        assert not gc.isenabled()
    finally:
        gc.enable()
    flag = CancelFlag()
    flag.set()
    with pytest.raises(Cancelled):
        run_scan(ds, cancel=flag)
    assert gc.isenabled()


def test_alongside_hands_back_the_value_or_the_error():
    before = sys.getswitchinterval()
    with Alongside(lambda cancel: 6 * 7) as job:
        assert sys.getswitchinterval() == min(before, Alongside.SWITCH_INTERVAL)   # the helper gets the GIL back soon
        assert job.result() == 42
    assert sys.getswitchinterval() == before
    with pytest.raises(RuntimeError, match="after its with-block"):
        job.result()

    def broken(cancel):
        raise ValueError("in the helper")

    with Alongside(broken) as job, pytest.raises(ValueError, match="in the helper"):
        job.result()
    assert not _helpers() and sys.getswitchinterval() == before


def test_an_error_in_the_caller_aborts_and_joins_the_helper():
    stopped = []

    def patient(cancel):
        while not cancel.is_set():
            time.sleep(0.005)
        stopped.append(True)
        raise Cancelled()

    with pytest.raises(KeyError), Alongside(patient):
        raise KeyError("caller failed")
    assert stopped == [True]
    assert not _helpers()


def test_a_failed_helper_leaves_nothing_behind_with_the_collector_off():
    # the GUI runs heavy work with the cyclic collector off: a kept exception (whose traceback
    # points back at the helper) must not pin the helper and its data
    import weakref

    big = bytearray(10_000_000)

    def broken(cancel, data=big):
        raise ValueError("in the helper")

    gc.disable()
    try:
        job = Alongside(broken)
        ref = weakref.ref(job)
        with job, pytest.raises(ValueError):
            job.result()
        del job
        assert ref() is None
        with pytest.raises(KeyError), Alongside(broken) as job2:
            raise KeyError("caller failed")
        ref2 = weakref.ref(job2)
        del job2
        assert ref2() is None
    finally:
        gc.enable()
