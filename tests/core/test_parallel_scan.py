"""The scan's second core: run_scan(workers=2) runs the MinHash passes in a helper process
(``curator.core.helper``) while the calling thread finds contradictions. Same result, same
cancel, nothing left running afterwards."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from curator.core import helper as helper_module
from curator.core import scan
from curator.core.dataset import load_dataset
from curator.core.helper import HelperProcess, Inline
from curator.core.progress import CancelFlag, Cancelled
from curator.core.scan import run_scan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import helper_jobs
from bench_scan_data import make_records, write_jsonl


def _helpers() -> list:
    """This process's helper threads and live child processes (Linux: from /proc)."""
    found: list = [t for t in threading.enumerate() if t.name.startswith("curator-helper")]
    proc = Path("/proc")
    if proc.is_dir():
        for stat in proc.glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                found.append(int(stat.parent.name))
    return found


def _doc(result) -> dict:
    doc = result.to_json()
    doc.pop("timings")
    return doc


@pytest.fixture
def helper_always(monkeypatch):
    """The helper process for any size (the scan starts it from 8,000 valid records: these sets are smaller)."""
    started: list[HelperProcess] = []

    class Counted(HelperProcess):
        def __enter__(self):
            started.append(self)
            super().__enter__()
            self.started_child = self.concurrent
            return self

    monkeypatch.setattr(scan, "HELPER_MIN_RECORDS", 0)
    monkeypatch.setattr(scan, "HelperProcess", Counted)
    return started


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "generated_6000.jsonl"
    write_jsonl(path, make_records(6000)[0])
    return load_dataset(path)


def test_two_workers_give_the_single_thread_result(sample_data, generated, helper_always):
    for ds in (load_dataset(sample_data / "support_chat.jsonl"), generated):
        one = run_scan(ds, workers=1)
        two = run_scan(ds, workers=2)
        assert two.near_duplicates and two.contradictions
        assert json.dumps(_doc(one), sort_keys=True) == json.dumps(_doc(two), sort_keys=True)
        assert set(two.timings) == set(one.timings)
    assert len(helper_always) == 2 and all(h.started_child and h.failure is None for h in helper_always)
    assert not _helpers()


def test_small_sets_are_scanned_without_a_helper(sample_data, monkeypatch):
    started = []
    monkeypatch.setattr(scan.HelperProcess, "__enter__", lambda self: started.append(self) or self)
    run_scan(load_dataset(sample_data / "support_chat.jsonl"), workers=2)
    assert started == []
    monkeypatch.setattr(scan, "HELPER_MIN_RECORDS", 10)
    run_scan(load_dataset(sample_data / "support_chat.jsonl"), workers=2)
    assert len(started) == 1


def test_cancel_while_the_helper_runs_stops_it(generated, helper_always):
    flag = CancelFlag()
    labels = []

    class Sink:
        def update(self, *, done, total=None, label=""):
            labels.append(label)
            if label == "Comparing answers to the same question":   # the helper has its jobs
                flag.set()

    with pytest.raises(Cancelled):
        run_scan(generated, workers=2, progress=Sink(), cancel=flag)
    assert "Comparing answers to the same question" in labels and len(helper_always) == 1
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


def test_helper_runs_jobs_in_another_process_in_order():
    with HelperProcess() as helper:
        assert helper.concurrent
        jobs = [helper.submit("x", helper_jobs.answer, x, times=2) for x in range(3)]
        values = [job.result() for job in jobs]
    assert [v for v, _ in values] == [0, 2, 4]
    assert {pid for _, pid in values} != {os.getpid()} and len({pid for _, pid in values}) == 1
    assert all(job.seconds is not None for job in jobs)
    assert helper.failure is None and not _helpers()


def test_helper_hands_back_the_error_with_the_childs_traceback():
    with HelperProcess() as helper:
        job = helper.submit("x", helper_jobs.broken)
        with pytest.raises(ValueError, match="broken in the helper") as info:
            job.result()
        assert helper.submit("x", helper_jobs.answer, 5).result()[0] == 5   # and goes on
    assert any("helper process" in note and "helper_jobs.py" in note for note in info.value.__notes__)
    # an exception that cannot be rebuilt here: its text and traceback
    with HelperProcess() as helper, pytest.raises(RuntimeError,
                                                  match=r"(?s)PickyError: picky failure 7.*helper_jobs\.py"):
        helper.submit("x", helper_jobs.picky).result()
    assert not _helpers()


def test_a_dead_helper_leaves_the_work_to_this_process():
    with HelperProcess() as helper:
        crash = helper.submit("x", helper_jobs.die, os.getpid())
        after = helper.submit("x", helper_jobs.answer, 7)
        assert crash.result() == "ran in the parent"
        assert after.result() == (7, os.getpid())
        late = helper.submit("x", helper_jobs.answer, 8)   # submitted after the child died
        assert not helper.concurrent and late.result() == (8, os.getpid())
    assert "exit code 3" in helper.failure
    assert not _helpers()


def test_what_a_job_prints_or_reads_does_not_reach_the_pipes(capfd):
    with HelperProcess() as helper:
        assert helper.submit("x", helper_jobs.scribble).result() == "fine"
        assert helper.submit("x", helper_jobs.read_stdin_in_a_program).result() == "0"   # not the next job
        assert helper.submit("x", helper_jobs.answer, 3).result()[0] == 3
        assert helper.failure is None
    out, err = capfd.readouterr()
    assert "garbage" not in out + err and "prints" not in out + err   # (nor the user's terminal)
    assert not _helpers()


def test_output_while_the_helper_starts_is_skipped(monkeypatch):
    # a sitecustomize or .pth file that prints runs before the helper's own code: its bytes come
    # first on the reply pipe (they read as a 1.6 GB length, and the scan waited for ever)
    monkeypatch.setattr(helper_module, "_BOOT", "import os; os.write(1, b'hi\\n' * 3); " + helper_module._BOOT)
    with HelperProcess() as helper:
        assert helper.submit("x", helper_jobs.answer, 5).result() == (5, helper._child.pid)
        assert helper.failure is None


def test_garbled_replies_stop_the_helper_and_the_jobs_run_here(monkeypatch):
    monkeypatch.setattr(helper_module, "_OK", 7)   # the child's "ok" (0) now reads as junk here
    with HelperProcess() as helper:
        assert helper.submit("x", helper_jobs.answer, 6).result() == (6, os.getpid())
        assert helper.garbled and "garbled" in helper.failure
    assert not _helpers()


def test_a_helper_that_never_gets_ready_is_stopped(monkeypatch):
    monkeypatch.setattr(helper_module, "_BOOT", "import time; time.sleep(60)")   # stuck while starting
    monkeypatch.setattr(helper_module, "READY_TIMEOUT", 1.0)
    t0 = time.monotonic()
    with HelperProcess() as helper:
        assert helper.submit("x", helper_jobs.answer, 8).result() == (8, os.getpid())
        assert "did not start within 1 s" in helper.failure
    assert time.monotonic() - t0 < 10 and not _helpers()


def test_a_helper_out_of_memory_or_an_argument_that_does_not_pickle_leaves_the_job_here():
    with HelperProcess() as helper:
        assert helper.submit("x", helper_jobs.out_of_memory, os.getpid()).result() == "ran in the parent"
        square = lambda v: v * v   # a lambda does not pickle
        value, pid = helper.submit("x", helper_jobs.echo, square).result()
        assert value is square and pid == os.getpid()
        assert helper.submit("x", helper_jobs.answer, 4).result() == (4, helper._child.pid)   # still used
    assert not _helpers()


def test_an_error_from_the_helper_pins_nothing_with_the_collector_off():
    # the GUI runs heavy work with the cyclic collector off: a raised error (whose traceback holds
    # the frame that raised it) must not keep the helper, and the job's data, alive
    import weakref

    gc.disable()
    try:
        helper = HelperProcess()
        ref = weakref.ref(helper)
        with helper:
            job = helper.submit("x", helper_jobs.broken)
            with pytest.raises(ValueError):
                job.result()
        del helper, job
        assert ref() is None
    finally:
        gc.enable()


def test_without_a_python_to_start_jobs_run_here(monkeypatch):
    monkeypatch.setattr(sys, "executable", "")
    with HelperProcess() as helper:
        assert not helper.concurrent and helper.failure
        assert helper.submit("x", helper_jobs.answer, 2).result() == (2, os.getpid())


def test_an_error_in_the_caller_kills_the_helper_at_once():
    t0 = time.monotonic()
    with pytest.raises(KeyError), HelperProcess() as helper:
        helper.submit("x", helper_jobs.slow, 60)
        time.sleep(0.3)
        assert len(_helpers()) >= 3   # the child and its two pipe threads
        raise KeyError("caller failed")
    assert time.monotonic() - t0 < 10
    assert not _helpers()


def test_cancel_while_waiting_for_the_helper():
    flag = CancelFlag()
    labels = []

    class Sink:
        def update(self, *, done, total=None, label=""):
            labels.append(label)

    t0 = time.monotonic()
    with pytest.raises(Cancelled), HelperProcess(Sink(), flag) as helper:
        job = helper.submit("Waiting for the slow one", helper_jobs.slow, 60)
        threading.Timer(0.3, flag.set).start()
        job.result()
    assert time.monotonic() - t0 < 10
    assert labels == ["Waiting for the slow one"]
    assert not _helpers()


def test_inline_runs_when_asked_with_the_callers_progress_and_cancel():
    flag = CancelFlag()
    runner = Inline(None, flag)
    job = runner.submit("x", helper_jobs.slow, 0.01)
    assert not runner.concurrent and job.result() == os.getpid()
    flag.set()
    with pytest.raises(Cancelled):
        runner.submit("x", helper_jobs.slow, 60).result()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_killed_parent_takes_its_helper_with_it():
    # the GUI stops its scan process with SIGTERM (no handler there): the helper must not run on
    assert _helper_outlives_its_killed_parent("helper.submit('x', helper_jobs.slow, 60)") is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_parent_takes_its_helper_with_it_even_inside_a_long_c_call():
    # the helper's own watch for its parent is Python, which cannot run while a C call holds the
    # interpreter lock: the kernel kills it instead
    assert _helper_outlives_its_killed_parent(
        "helper.submit('x', helper_jobs.answer, 1).result(); helper.submit('x', helper_jobs.hold_the_lock, 30)",
        settle=0.3) is False


def _helper_outlives_its_killed_parent(jobs: str, settle: float = 0.0) -> bool:
    """Start a parent process whose helper runs ``jobs``, SIGKILL the parent: is the helper still
    running 5 s later?"""
    code = (f"import sys, time; sys.path[:0] = {sys.path!r}; import helper_jobs\n"
            "from curator.core.helper import HelperProcess\n"
            f"helper = HelperProcess().__enter__(); {jobs}\n"
            "print(helper._child.pid, flush=True); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(parent.stdout.readline())
        time.sleep(settle)
        assert _running(pid)
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()
    deadline = time.monotonic() + 5
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _running(pid)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_scan_says_when_its_second_process_could_not_be_used(sample_data, helper_always, monkeypatch):
    ds = load_dataset(sample_data / "support_chat.jsonl")
    assert not [n for n in run_scan(ds, workers=2).notes if "second process" in n]
    monkeypatch.setattr(sys, "executable", "")
    result = run_scan(ds, workers=2)
    assert [n for n in result.notes if "second process could not be used (no Python executable" in n]
    assert _doc(result)["contradictions"] == _doc(run_scan(ds, workers=1))["contradictions"]
