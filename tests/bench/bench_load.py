"""Benchmark: Curator's full load against ``pandas.read_json(lines=True)`` on the same file.

Run from the repository root::

    python tests/bench/bench_load.py            # 100,000 records, best of 3
    python tests/bench/bench_load.py --records 20000 --repeat 1

It writes a realistic, deterministic OpenAI-chat JSONL file in a temporary folder
(mixed lengths, system prompts, multi-turn chats, weights, tool calls, and a few bad
records that are valid JSON but break the format: pandas can read them, we must
flag them), then times, each in a fresh subprocess so peak RSS is its own:

* ``load_dataset``  — the full load: parse + per-line error accounting + format
  detection + schema validation + the format checks + the canonical turn view;
* ``load_dataset (no schema)`` — the same without the jsonschema pass
  (``load_dataset(path, schema_check=False)``);
* ``pandas.read_json(path, lines=True)``.

Each load runs in a fresh process, the three methods take turns (best of ``--repeat``
rounds), and the result is freed outside the timed region. Wall time on a shared machine
is noisy; CPU time (user + system of the loading process) is the steadier comparison.

A second file adds a few lines that are not JSON at all (a truncated line, a
stray comma): we load it and report them by line; pandas refuses the whole file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("the a to of and in is for on with your order account refund delivery package "
         "please could you help me I we have has been was not can will would should "
         "password login email address card payment invoice tracking number days week "
         "support team thanks hello sorry about issue problem update change cancel "
         "subscription plan price store return item size colour warranty replace").split()

SYSTEMS = [
    "You are a helpful customer-support assistant for an online shop.",
    "You are a concise clinical scribe. Write in plain English.",
    "You are Acme Bank's virtual agent. Never ask for a full card number.",
]

BAD_RECORDS = [  # valid JSON, invalid records: caught by schema or format checks
    {"messages": [{"role": "user", "content": "Where is my parcel?"}]},                       # no assistant
    {"messages": [{"role": "customer", "content": "hi"}, {"role": "assistant", "content": "Hello"}]},  # bad role
    {"messages": [{"role": "user", "content": "   "}, {"role": "assistant", "content": "Sure."}]},    # empty
    {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Hi", "weight": 2}]},
    {"messages": "not a list"},
]
BROKEN_LINES = [  # not JSON at all: pandas refuses the whole file
    b'{"messages": [{"role": "user", "content": "cut off here',
    b'{"messages": [{"role": "user", "content": "a"},, {"role": "assistant", "content": "b"}]}',
    b'{"messages": [], "n": NaN}',
]


def _text(rng: random.Random, lo: int, hi: int) -> str:
    n = int(rng.triangular(lo, hi, lo + (hi - lo) / 5))
    words = rng.choices(WORDS, k=n)
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice(".?!")


def make_record(rng: random.Random, i: int) -> dict:
    msgs: list[dict] = []
    if rng.random() < 0.7:
        msgs.append({"role": "system", "content": rng.choice(SYSTEMS)})
    exchanges = rng.choices((1, 2, 3, 4), weights=(60, 25, 10, 5))[0]
    for k in range(exchanges):
        msgs.append({"role": "user", "content": _text(rng, 5, 120)})
        if rng.random() < 0.05:
            call_id = f"call_{i}_{k}"
            args = json.dumps({"order_id": str(rng.randrange(10**6, 10**7))})
            msgs.append({"role": "assistant", "content": None, "tool_calls": [
                {"id": call_id, "type": "function", "function": {"name": "lookup_order", "arguments": args}}]})
            msgs.append({"role": "tool", "tool_call_id": call_id, "content": '{"status": "shipped"}'})
        a = {"role": "assistant", "content": _text(rng, 10, 400)}
        if exchanges > 1 and rng.random() < 0.3:
            a["weight"] = int(k == exchanges - 1)
        msgs.append(a)
    rec: dict = {"messages": msgs}
    if any("tool_calls" in m for m in msgs):
        rec["tools"] = [{"type": "function", "function": {
            "name": "lookup_order", "description": "Find an order by its id",
            "parameters": {"type": "object", "properties": {"order_id": {"type": "string"}}}}}]
    return rec


def generate(path: Path, n: int, seed: int = 20261130, broken: bool = False) -> dict:
    """Write ``n`` records; every 20,000th line (from 777) is a bad record. Returns the bad line numbers."""
    rng = random.Random(seed)
    bad_lines: list[int] = []
    broken_lines: list[int] = []
    with open(path, "wb") as fh:
        for i in range(n):
            line_no = i + 1
            if i % 20_000 == 777:
                obj = BAD_RECORDS[len(bad_lines) % len(BAD_RECORDS)]
                bad_lines.append(line_no)
            else:
                obj = make_record(rng, i)
            data = json.dumps(obj, ensure_ascii=False).encode()
            if broken and i % 33_333 == 4242:
                data = BROKEN_LINES[len(broken_lines) % len(BROKEN_LINES)]
                broken_lines.append(line_no)
            fh.write(data + b"\n")
    return {"bad": bad_lines, "broken": broken_lines}


# ---------------------------------------------------------------- workers (run in subprocesses)

def _worker(method: str, path: str, repeat: int) -> None:
    """Time ``repeat`` loads; the result is freed outside the timed region, for both sides."""
    if method == "pandas":
        import pandas as pd

        def load():
            return pd.read_json(path, lines=True)

        def summary(df):
            return {"records": len(df)}
    else:
        from curator.core.dataset import load_dataset

        schema_check = method == "curator"

        def load():
            return load_dataset(path, schema_check=schema_check)

        def summary(ds):
            return {"records": len(ds.records), "invalid": ds.invalid_count,
                    "invalid_lines": [r.line for r in ds.records if not r.valid]}
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    best_wall = best_cpu = float("inf")
    info: dict = {}
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        try:
            result = load()
        except Exception as exc:  # pandas on a file with broken lines
            info = {"failed": f"{type(exc).__name__}: {str(exc)[:80]}"}
            result = None
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
        if result is not None:
            info = summary(result)
        del result
    info.update(seconds=best_wall, cpu_seconds=best_cpu,
                peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                import_rss_mb=base_rss / 1024)
    print(json.dumps(info))


def _measure(method: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", method, str(path), "--repeat", "1"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _best_of(methods: list[str], path: Path, repeat: int) -> dict[str, dict]:
    """Run the methods in turn, ``repeat`` rounds, each load in a fresh process; keep each best.

    Interleaving spreads a shared machine's noise over all methods alike; a fresh process
    per load makes peak RSS each method's own and keeps imports out of the timings.
    """
    best: dict[str, dict] = {}
    for _ in range(repeat):
        for m in methods:
            r = _measure(m, path)
            old = best.get(m)
            if old is None:
                best[m] = r
            else:
                old["seconds"] = min(old["seconds"], r["seconds"])
                old["cpu_seconds"] = min(old["cpu_seconds"], r["cpu_seconds"])
                old["peak_rss_mb"] = max(old["peak_rss_mb"], r["peak_rss_mb"])
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--worker", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(args.worker[0], args.worker[1], args.repeat)
        return 0
    with tempfile.TemporaryDirectory(prefix="curator-bench-") as tmp:
        path = Path(tmp) / "chat_100k.jsonl"
        planted = generate(path, args.records)
        size_mb = path.stat().st_size / 1e6
        print(f"file: {args.records:,} OpenAI-chat records, {size_mb:.1f} MB, "
              f"bad records planted at lines {planted['bad']}; best of {args.repeat}; "
              f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.1f}")
        labels = {"curator": "curator load_dataset (full)", "noschema": "curator load, no schema pass",
                  "pandas": "pandas.read_json(lines=True)"}
        best = _best_of(list(labels), path, args.repeat)
        rows = [(labels[m], best[m]) for m in labels]
        print(f"{'method':32} {'wall s':>7} {'records/s':>10} {'CPU s':>7} {'peak RSS MB':>12}")
        for label, r in rows:
            print(f"{label:32} {r['seconds']:7.2f} {args.records / r['seconds']:10,.0f} "
                  f"{r['cpu_seconds']:7.2f} {r['peak_rss_mb']:12.0f}")
        full, noschema, pandas = (r for _, r in rows)
        assert full["invalid_lines"] == planted["bad"], (full["invalid_lines"], planted["bad"])
        for label, r in (("full load", full), ("load without schema pass", noschema)):
            ratio = pandas["seconds"] / r["seconds"]
            cpu_ratio = pandas["cpu_seconds"] / r["cpu_seconds"]
            print(f"{label} vs pandas: {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU "
                  f"({'as fast or faster' if min(ratio, cpu_ratio) >= 1 else 'SLOWER'})")
        print(f"invalid records found by the full load: {full['invalid']} at lines {full['invalid_lines']}")

        broken_path = Path(tmp) / "chat_100k_broken.jsonl"
        planted_b = generate(broken_path, args.records, broken=True)
        ours = _measure("curator", broken_path)
        theirs = _measure("pandas", broken_path)
        print(f"with {len(planted_b['broken'])} non-JSON lines at {planted_b['broken']}: curator loads "
              f"{ours['records'] - ours['invalid']:,} valid records and reports lines {ours['invalid_lines']}; "
              f"pandas: {theirs.get('failed', 'loaded')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
