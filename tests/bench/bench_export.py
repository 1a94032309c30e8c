"""Benchmark: plan + write + verify an export on generated chat data with planted near-duplicates.

Run from the repository root::

    python tests/bench/bench_export.py                 # 2,000 and 10,000 records
    python tests/bench/bench_export.py --records 5000

Generates Zipf-distributed random-word chats with planted exact copies and
near-duplicates of graded edit strength (1-6 word substitutions). For each size it times run_scan, plan_export (with
--allow-contradictions, since nobody reviewed), write_export and verify_export, and
reports how many train/eval pairs the leakage check had to tie beyond the scan's
links, the highest cross-split similarity, and (up to 20,000 records) an independent
brute-force count of cross-split pairs at or above 90 in the written files (must be 0).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from curator.core.dataset import load_dataset  # noqa: E402
from curator.core.export import ExportOptions, plan_export, write_export  # noqa: E402
from curator.core.scan import run_scan  # noqa: E402
from curator.core.verify import verify_export  # noqa: E402


def make_records(n: int, seed: int = 11) -> list[dict]:
    import numpy as np

    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocab = ["".join(rng.choice(letters, size=int(k))) for k in rng.integers(2, 10, size=20000)]
    p = 1.0 / np.arange(1, len(vocab) + 1)
    p /= p.sum()
    words = rng.choice(len(vocab), size=n * 80, p=p)
    pos = 0

    def text(k: int) -> list[str]:
        nonlocal pos
        out = [vocab[i] for i in words[pos:pos + k]]
        pos += k
        return out

    recs: list[dict] = []
    while len(recs) < n:
        r = rng.random()
        if recs and r < 0.03:           # exact copy
            recs.append(recs[int(rng.integers(0, len(recs)))])
            continue
        if recs and r < 0.10:           # near copy: 1-6 substituted words in the answer
            src = recs[int(rng.integers(0, len(recs)))]
            ans = src["messages"][1]["content"].split()
            for _ in range(int(rng.integers(1, 7))):
                ans[int(rng.integers(0, len(ans)))] = vocab[int(rng.integers(0, len(vocab)))]
            recs.append(_chat(src["messages"][0]["content"], " ".join(ans)))
            continue
        recs.append(_chat(" ".join(text(int(rng.integers(8, 25)))), " ".join(text(int(rng.integers(20, 50))))))
    return recs


def _chat(q: str, a: str) -> dict:
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}


def write_jsonl(path: Path, recs: list[dict]) -> Path:
    import orjson

    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in recs))
    return path


def brute(out: Path) -> int:
    import orjson
    from rapidfuzz import fuzz, process

    from curator.core.verify import leak_text, row_turns

    tr = [leak_text(row_turns(orjson.loads(x))) for x in (out / "train.jsonl").read_bytes().splitlines()]
    ev = [leak_text(row_turns(orjson.loads(x))) for x in (out / "eval.jsonl").read_bytes().splitlines()]
    m = process.cdist(ev, tr, scorer=fuzz.ratio, workers=-1, score_cutoff=90)
    return int((m >= 90).sum())


def run(n: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        src = write_jsonl(Path(d) / "data.jsonl", make_records(n))
        t0 = time.perf_counter()
        ds = load_dataset(src)
        t1 = time.perf_counter()
        scan = run_scan(ds)
        t2 = time.perf_counter()
        plan = plan_export(ds, scan, {}, options=ExportOptions(allow_contradictions=True, stratify="length"))
        t3 = time.perf_counter()
        write_export(plan, Path(d) / "out")
        t4 = time.perf_counter()
        rep = verify_export(Path(d) / "out")
        t5 = time.perf_counter()
        # the same export when the scan links nothing near (near detection off): the leakage
        # check alone must find and tie every near-duplicate pair
        bare = run_scan(ds, settings={"near": False, "contradictions": False})
        t6 = time.perf_counter()
        plan2 = plan_export(ds, bare, {}, options=ExportOptions(stratify="length"))
        t7 = time.perf_counter()
        write_export(plan2, Path(d) / "out2")
        return {"records": n, "exported": len(plan.entries), "eval": len(plan.lines("eval")),
                "scan_near_clusters": len(scan.near_duplicates), "leak_merges": plan.leak_merges,
                "max_cross": round(plan.leakage.max_score, 1), "method": plan.leakage.method,
                "load_s": round(t1 - t0, 2), "scan_s": round(t2 - t1, 2), "plan_s": round(t3 - t2, 2),
                "write_s": round(t4 - t3, 2), "verify_s": round(t5 - t4, 2), "verify_ok": rep.ok,
                "verify_method": rep.leakage.method,
                # all-pairs cdist is ~20 min at 100k on 2 cores: only run it where it is affordable
                "brute_cross_pairs_ge_90": brute(Path(d) / "out") if n <= 20000 else "skipped",
                "no_near_scan": {"plan_s": round(t7 - t6, 2), "leak_merges": plan2.leak_merges,
                                 "max_cross": round(plan2.leakage.max_score, 2),
                                 "brute_cross_pairs_ge_90": brute(Path(d) / "out2") if n <= 20000 else "skipped"},
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, action="append")
    args = ap.parse_args()
    for n in args.records or [2000, 10000]:
        print(run(n), flush=True)


if __name__ == "__main__":
    main()
