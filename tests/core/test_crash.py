"""A decision whose call returned survives SIGKILL at any moment.

A child process opens a real project and decides in a loop (single approvals and rejections,
20-line bulk approvals, approve-then-undo), printing ``BEGIN …`` before each call and ``DONE …``
after it returned, flushed. The parent kills it with SIGKILL at a random moment, many times, and
after each kill reopens the project file and checks that

* ``PRAGMA integrity_check`` is ``ok``;
* every line holds exactly the state the completed calls left (the one call in flight may have
  landed or not, but atomically: all of its lines or none);
* the current-decisions table agrees with the append-only event log.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import curator
from curator.core.store import Store

CHILD = textwrap.dedent(r"""
    import random, sys
    import curator

    data, proj, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rng = random.Random(seed)
    p = curator.open_project(data, project_path=proj, reviewer="crash", scan=False)
    print("ready", flush=True)
    todo = [ln for ln in p.dataset.lines() if p.decision(ln) is None]
    rng.shuffle(todo)

    def say(*parts):
        sys.stdout.write(" ".join(map(str, parts)) + "\n")
        sys.stdout.flush()

    all_lines = p.dataset.lines()
    while True:
        if not todo:
            # Out of undecided lines (a fast machine): keep deciding by flipping decided lines,
            # so the child is always mid-work when it is killed.
            ln = rng.choice(all_lines)
            d = p.decision(ln)
            if d is not None and d.status == "approved":
                say("BEGIN rejected", ln)
                p.reject(ln, reason="wrong", note="crash test")
            else:
                say("BEGIN approved", ln)
                p.approve(ln)
            say("DONE")
            continue
        r = rng.random()
        if r < 0.1 and len(todo) >= 20:
            lines = [todo.pop() for _ in range(20)]
            say("BEGIN approved", *lines)
            p.bulk_approve(lines)
            say("DONE")
        elif r < 0.2:
            ln = todo.pop()
            say("BEGIN approved", ln)
            p.approve(ln)
            say("DONE")
            say("BEGIN undecided", ln)
            p.undo()
            say("DONE")
            todo.insert(0, ln)
        elif r < 0.5:
            ln = todo.pop()
            say("BEGIN rejected", ln)
            p.reject(ln, reason="wrong", note="crash test")
            say("DONE")
        else:
            ln = todo.pop()
            say("BEGIN approved", ln)
            p.approve(ln)
            say("DONE")
""")


def write_dataset(path: Path, n: int) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"instruction": f"Question number {i}?", "input": "",
                                 "output": f"Answer number {i}."}) + "\n")


def apply_output(expected: dict[int, str | None], text: str) -> tuple[str, list[int]] | None:
    """Replay the child's log into ``expected``; return the call in flight (status, lines), if any."""
    pending: tuple[str, list[int]] | None = None
    for row in text.split("\n")[:-1]:  # a line cut short by the kill is not a whole message
        parts = row.split()
        if not parts:
            continue
        if parts[0] == "BEGIN":
            pending = (parts[1], [int(x) for x in parts[2:]])
        elif parts[0] == "DONE":
            assert pending is not None, text
            status, lines = pending
            for ln in lines:
                expected[ln] = None if status == "undecided" else status
            pending = None
    return pending


def test_sigkill_never_loses_a_returned_decision(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    proj = tmp_path / "data.jsonl.curator"
    write_dataset(data, 5000)
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    rng = random.Random(20261130)
    expected: dict[int, str | None] = {}
    kills = in_flight_landed = in_flight_missed = total_done = 0
    started = time.monotonic()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    while kills < 30 and time.monotonic() - started < 50:
        child = subprocess.Popen([sys.executable, str(script), str(data), str(proj), str(rng.randrange(10**6))],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert child.stdout is not None
        first = child.stdout.readline()
        assert first.strip() == "ready", child.stderr.read() if child.stderr else first
        time.sleep(rng.uniform(0.02, 0.35))
        child.send_signal(signal.SIGKILL)
        # read through the same buffered reader as readline() (communicate() would bypass its buffer)
        out = child.stdout.read()
        err = child.stderr.read() if child.stderr else ""
        child.wait()
        assert child.returncode == -signal.SIGKILL, err
        kills += 1
        total_done += out.count("DONE")
        pending = apply_output(expected, out)

        store = Store(proj)
        try:
            assert store.integrity_check() == "ok"
            got = {ln: d.status for ln, d in store.load_decisions().items()}
            flight = set(pending[1]) if pending else set()
            for ln, status in expected.items():
                if ln not in flight:
                    assert got.get(ln) == status, f"kill {kills}: line {ln} expected {status}, found {got.get(ln)}"
            for ln in set(got) - set(expected) - flight:
                pytest.fail(f"kill {kills}: line {ln} decided ({got[ln]}) but no call for it was made")
            if pending:  # the call in flight is all-or-nothing
                status, lines = pending
                after = None if status == "undecided" else status
                landed = [got.get(ln) == after for ln in lines]
                assert all(landed) or not any(landed), f"kill {kills}: partial command {pending}"
                if all(landed):
                    in_flight_landed += 1
                    for ln in lines:
                        expected[ln] = after
                else:
                    in_flight_missed += 1
                    for ln in lines:
                        expected[ln] = got.get(ln)
            # the current state is what the last event of each line says
            last: dict[int, str | None] = {}
            for ev in store.events():
                if ev["line"] is not None and ev["action"] in ("do", "undo", "redo"):
                    last[ev["line"]] = ev["status"]
            assert {ln: s for ln, s in last.items() if s is not None} == got
        finally:
            store.close()
    # and through the public API, as the app would reopen it
    with curator.open_project(data, project_path=proj, scan=False) as project:
        assert {ln: d.status for ln, d in project.decisions().items()} == \
            {ln: s for ln, s in expected.items() if s is not None}
        assert project.store.integrity_check() == "ok"
    elapsed = time.monotonic() - started
    print(f"\n{kills} SIGKILLs in {elapsed:.1f}s, {total_done} returned calls checked, "
          f"{sum(1 for s in expected.values() if s)} decisions on disk; in-flight call landed "
          f"{in_flight_landed}x, not landed {in_flight_missed}x")
    assert kills >= 20
    assert total_done > 50
