"""Benchmark: ``curator scan`` vs a datasketch MinHashLSH pipeline vs brute-force rapidfuzz.

Run:  python tests/bench/bench_scan.py [--sizes 10000 100000] [--repeat 3] [--workdir /tmp/curator-bench-scan]

Every method runs in its own subprocess on the same generated JSONL file (bench_scan_data.py),
so peak memory (ru_maxrss) is per method. All methods compare the same text: the normalised
record text (user turn + answer), distinct texts only, ``fuzz.ratio`` ≥ 90.

* ours:        load + validate + exact + near + contradictions via ``load_dataset`` +
               ``run_scan(workers=2)`` as ``curator scan`` runs it on 2+ cores: the two MinHash
               passes in a helper process (wall time excludes lint, which is reported in the step
               timings). CPU time is the whole process (lint included) plus the helper process;
               peak memory is this process's peak plus the helper's.
* ours-1thread: the same with ``run_scan(workers=1)``: every step in one thread of one process.
* datasketch:  MinHash(num_perm=128) over word-bigram shingles, MinHashLSH(threshold=0.3),
               every candidate verified with rapidfuzz (same verification as ours).
* datasketch-scan: the full scan of ``ours`` (same load, validation, exact groups, boilerplate,
               contradiction judging, same helper process) with datasketch generating the candidates of
               both MinHash passes — whole records (near-duplicates) and prompts (contradictions) —
               as above: the like-for-like comparison of a full scan.
* brute force: ``rapidfuzz.process.cdist`` over all pairs (10k only; 5·10⁹ pairs at 100k).

Recall/precision at 10k are against brute force (exact). At 100k there is no exhaustive
reference; recall is against the union of verified pairs found by both methods.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _texts(path: Path) -> tuple[list[str], float]:
    from curator.core.dataset import load_dataset
    from curator.core.detect.normalize import normalize

    t0 = time.perf_counter()
    ds = load_dataset(path)
    load_s = time.perf_counter() - t0
    texts = ["\n".join(normalize(t.content) for t in r.turns) for r in ds.records if r.valid]
    return list(dict.fromkeys(texts)), load_s


def run_ours(path: Path, out: Path, workers: int | None = None) -> dict:
    from curator.core.dataset import load_dataset
    from curator.core.detect.normalize import normalize
    from curator.core.scan import available_workers, run_scan

    t0 = time.perf_counter()
    ds = load_dataset(path)
    t_load = time.perf_counter() - t0
    result = run_scan(ds, workers=workers or available_workers())   # what `curator scan` does
    total = time.perf_counter() - t0
    # map reported pairs onto the shared index of distinct texts
    text_of = {r.line: "\n".join(normalize(t.content) for t in r.turns) for r in ds.records if r.valid}
    index = {t: i for i, t in enumerate(dict.fromkeys(text_of.values()))}
    pairs = sorted({tuple(sorted((index[text_of[p.a]], index[text_of[p.b]])))
                    for c in result.near_duplicates for p in c.pairs})
    out.write_text(json.dumps(pairs))
    lint_s = result.timings.get("lint", 0.0)
    return {"seconds": round(total - lint_s, 2), "seconds_with_lint": round(total, 2),
            "load_validate": round(t_load, 2), "steps": result.timings, "pairs": len(pairs),
            "contradictions": len(result.contradictions)}


def _datasketch_pairs(texts, *, threshold: float = 90.0, progress=None, cancel=None, stats=None,
                      **_ignored) -> list[tuple[int, int, float]]:
    """``near_duplicate_pairs`` built on datasketch: the same job (verified pairs ≥ threshold),
    candidates from MinHash(num_perm=128) + MinHashLSH(threshold=0.3) instead of ours."""
    from datasketch import MinHash, MinHashLSH
    from rapidfuzz import fuzz

    lsh = MinHashLSH(threshold=0.3, num_perm=128)
    sigs = []
    for i, t in enumerate(texts):
        w = t.split()
        m = MinHash(num_perm=128)
        m.update_batch([f"{a} {b}".encode() for a, b in itertools.pairwise(w)] or [t.encode()])
        lsh.insert(i, m)
        sigs.append(m)
    out = []
    for i, m in enumerate(sigs):
        for j in lsh.query(m):
            if j > i:
                s = fuzz.ratio(texts[i], texts[j], score_cutoff=threshold)
                if s:
                    out.append((i, j, round(s, 2)))
    if stats is not None:
        stats["skipped_connected"] = 0
    return sorted(out)


def _datasketch_prompt_pairs(uniq, *, threshold: float, large_cluster=None, progress=None,
                             cancel=None) -> tuple[list[tuple[int, int, float]], dict]:
    """``contradictions.near_prompt_pairs`` built on :func:`_datasketch_pairs`."""
    stats: dict = {}
    return _datasketch_pairs(uniq, threshold=threshold, stats=stats), stats


def run_datasketch(path: Path, out: Path) -> dict:
    texts, load_s = _texts(path)
    t0 = time.perf_counter()
    pairs = [(i, j) for i, j, _ in _datasketch_pairs(texts, threshold=90)]
    seconds = time.perf_counter() - t0
    out.write_text(json.dumps(pairs))
    return {"seconds": round(seconds + load_s, 2), "near_only": round(seconds, 2), "pairs": len(pairs)}


def run_datasketch_scan(path: Path, out: Path) -> dict:
    """The same full scan as ``ours`` (same load, exact, boilerplate, judging) with datasketch
    generating the candidates of both MinHash passes (whole records for near-duplicates, prompts
    for contradictions): the like-for-like comparison of a full scan."""
    import bench_scan  # this file as a module: the scan's helper process imports the functions by name

    from curator.core import scan
    from curator.core.detect import contradictions

    scan.near_duplicate_pairs = bench_scan._datasketch_pairs            # records, in the helper process
    scan.near_prompt_pairs = bench_scan._datasketch_prompt_pairs        # questions, in the helper process
    contradictions.near_prompt_pairs = bench_scan._datasketch_prompt_pairs   # (with one worker)
    res = run_ours(path, out)
    res["pipeline"] = "curator scan with datasketch candidates"
    return res


def run_brute(path: Path, out: Path) -> dict:
    import numpy as np
    from rapidfuzz import fuzz, process

    texts, load_s = _texts(path)
    t0 = time.perf_counter()
    pairs = set()
    for s in range(0, len(texts), 1000):
        m = process.cdist(texts[s:s + 1000], texts, scorer=fuzz.ratio, score_cutoff=90,
                          dtype=np.uint8, workers=-1)
        for i, j in zip(*np.nonzero(m)):
            if s + i < j:
                pairs.add((int(s + i), int(j)))
    seconds = time.perf_counter() - t0
    out.write_text(json.dumps(sorted(pairs)))
    return {"seconds": round(seconds + load_s, 2), "near_only": round(seconds, 2), "pairs": len(pairs)}


def run_ours_1thread(path: Path, out: Path) -> dict:
    return run_ours(path, out, workers=1)


METHODS = {"ours": run_ours, "ours-1thread": run_ours_1thread, "datasketch": run_datasketch, "datasketch-scan": run_datasketch_scan,
           "brute": run_brute}


def child(method: str, path: str, out: str) -> None:
    c0 = time.process_time()
    res = METHODS[method](Path(path), Path(out))
    # the scan's helper process (workers=2) counts too: its CPU, and its peak added to this
    # process's (both peaks at once: an upper bound of the memory the scan held)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    res["cpu_seconds"] = round(time.process_time() - c0 + kids.ru_utime + kids.ru_stime, 2)
    res["helper_peak_mb"] = round(kids.ru_maxrss / 1024, 1)
    res["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + res["helper_peak_mb"], 1)
    print(json.dumps(res))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--workdir", default="/tmp/curator-bench-scan")
    ap.add_argument("--brute-max", type=int, default=10000, help="largest size to brute-force")
    ap.add_argument("--repeat", type=int, default=1, help="rounds per size; each method's best is reported")
    ap.add_argument("--child", nargs=3, metavar=("METHOD", "FILE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    from bench_scan_data import make_records, write_jsonl

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.sizes:
        path = work / f"generated_{n}.jsonl"
        if not path.exists():
            write_jsonl(path, make_records(n)[0])
        methods = ["ours", "ours-1thread", "datasketch", "datasketch-scan"] + (["brute"] if n <= args.brute_max else [])
        results, pairs = {}, {}
        runs: dict[str, list[dict]] = {m: [] for m in methods}
        # rounds interleave the methods, so a slow spell of a shared machine hits them alike;
        # each method's best round is reported (its wall time; CPU and memory of that round)
        for _ in range(args.repeat):
            for m in methods:
                out = work / f"pairs_{m}_{n}.json"
                proc = subprocess.run([sys.executable, __file__, "--child", m, str(path), str(out)],
                                      capture_output=True, text=True, check=True)
                runs[m].append(json.loads(proc.stdout.strip().splitlines()[-1]))
                print(f"  {n:>7,} {m:<15} {runs[m][-1]}", flush=True)
        for m in methods:
            results[m] = min(runs[m], key=lambda r: r["seconds"])
            results[m]["all_seconds"] = [r["seconds"] for r in runs[m]]
            pairs[m] = {tuple(p) for p in json.loads((work / f"pairs_{m}_{n}.json").read_text())}
        truth = pairs["brute"] if "brute" in pairs else set().union(*pairs.values())
        ref = "brute force" if "brute" in pairs else "union of methods"
        for m in methods:
            got = pairs[m]
            rows.append((n, m, results[m]["seconds"], results[m]["all_seconds"], results[m]["cpu_seconds"],
                         results[m]["peak_mb"],
                         len(got & truth) / max(1, len(truth)), len(got & truth) / max(1, len(got)), ref))
    print()
    with open("/proc/loadavg") as f:
        print(f"load average at the end: {f.read().split()[:3]}")
    print(f"best of {args.repeat} round(s) per method")
    print("| records | method | wall time (s) | every round (s) | CPU time (s) | peak memory (MB) | recall "
          "| precision | reference |")
    print("|---:|---|---:|---|---:|---:|---:|---:|---|")
    for n, m, s, every, cpu, mb, rec, prec, ref in rows:
        print(f"| {n:,} | {m} | {s:.2f} | {', '.join(f'{x:.2f}' for x in every)} | {cpu:.1f} | {mb:.0f} "
              f"| {rec:.4f} | {prec:.4f} | {ref} |")
    for n in args.sizes:
        best = {m: s for k, m, s, *_ in rows if k == n}
        if "ours" in best:
            print(f"{n:,} records: ours is " + ", ".join(
                f"{best[m] / best['ours']:.1f}x faster than {m}" for m in best if m != "ours"))


if __name__ == "__main__":
    main()
