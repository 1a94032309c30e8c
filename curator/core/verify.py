"""The leakage check, and ``verify``: re-check an export folder against its manifest.

The leakage check compares every train record with every eval record on the
same text and scorer the near-duplicate detector uses, and reports every
cross-split pair at or above the threshold plus the highest cross-split
similarity. ``verify_export`` re-reads the files, re-hashes them, checks every
row against the manifest (so a moved or added record is named, not just "hash
differs") and re-runs the leakage check on what is actually in the files.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from .findings import PairScore
from .formats import detect_format, to_turns
from .progress import CancelToken, ProgressSink, check_cancel
from .records import Turn

# Exhaustive comparison up to this many train×eval pairs (rapidfuzz cdist, ~3 µs per pair of
# ~350-character texts on one core); beyond it, candidates come from MinHash/LSH blocking.
EXHAUSTIVE_PAIR_LIMIT = 5_000_000
BLOCK_ROWS = 256


def leak_text(turns: Sequence[Turn], discount: Mapping | None = None) -> str:
    """The text two records are compared on: every turn, normalised, in order.

    ``discount`` (the manifest's ``leakage.discounted``: ``{"lines": [...], "prefixes": [...]}``,
    normalised) is the boilerplate the scan leaves out — a system prompt or instruction shared by
    a large share of the records. It is left out here too: otherwise one long shared system prompt
    makes every short example "the same" as every other, and the split ties unrelated records
    together (a new user's export put 691 of 1,000 records in one group).
    """
    from .detect.normalize import normalize

    if not discount:
        return "\n".join(normalize(t.content) for t in turns if t.content)
    from .detect.boilerplate import Boilerplate

    bp = Boilerplate(set(discount.get("lines") or ()), [p for p in discount.get("prefixes") or () if p])
    return bp.varying_text(turns)


def row_turns(obj: object) -> tuple[Turn, ...]:
    """Canonical turns of one exported row (any format)."""
    if not isinstance(obj, dict):
        return ()
    fmt = detect_format(obj)
    return to_turns(obj, fmt) if fmt != "unknown" else ()


def _scorer():
    from rapidfuzz import fuzz

    return fuzz.ratio


SCORER_NAME = "rapidfuzz.fuzz.ratio on normalised text"


def similarity_words(max_score: float, compared: int, threshold: float, digits: int = 0,
                     method: str = "exhaustive") -> str:
    """"highest train/eval similarity 87 (threshold 90)", or, when no pair was scored, why: every
    pair was provably below the threshold (exhaustive), or the MinHash blocking proposed none (not
    exhaustive). "similarity 0" read like a measurement (a trial)."""
    if not compared:
        if method == "exhaustive":
            return (f"no train/eval pair can reach the threshold {threshold:g} (their lengths rule it out, "
                    "so none needed a full comparison)")
        return (f"the MinHash blocking proposed no train/eval pair to compare with the threshold {threshold:g} "
                "(a candidate search, not every pair)")
    return f"highest train/eval similarity {max_score:.{digits}f} (threshold {threshold:g})"


@dataclass
class LeakageResult:
    threshold: float
    scorer: str
    method: str                       # "exhaustive" | "candidates"
    compared: int                     # train×eval pairs scored
    max_score: float                  # highest cross-split similarity found (0 when nothing compared)
    max_pair: tuple[int, int] | None  # (train id, eval id) of that score
    pairs: list[PairScore] = field(default_factory=list)  # a = train id, b = eval id, score ≥ threshold
    # the boilerplate left out of the compared texts (see leak_text), None when there is none
    discounted: dict | None = None

    @property
    def passed(self) -> bool:
        return not self.pairs

    def to_json(self) -> dict:
        return {"threshold": self.threshold, "scorer": self.scorer, "method": self.method,
                "compared": self.compared, "max_score": round(self.max_score, 2),
                "max_pair": list(self.max_pair) if self.max_pair else None,
                "violations": len(self.pairs), "passed": self.passed,
                "pairs": [{"train": p.a, "eval": p.b, "score": round(p.score, 2)} for p in self.pairs[:100]],
                **({"discounted": self.discounted} if self.discounted else {})}


def check_leakage(train: Sequence[tuple[int, str]], eval: Sequence[tuple[int, str]], *, threshold: float,
                  method: str = "auto", progress: ProgressSink | None = None,
                  cancel: CancelToken | None = None) -> LeakageResult:
    """Every (train, eval) pair scoring ≥ ``threshold``, and the highest cross-split score.

    ``train`` and ``eval`` are (id, text) with text from :func:`leak_text`.
    ``method``: ``"exhaustive"`` scores every pair; ``"candidates"`` scores the
    pairs the near-duplicate detector's MinHash/LSH blocking proposes (then
    ``max_score`` is the highest among candidates); ``"auto"`` is exhaustive up
    to :data:`EXHAUSTIVE_PAIR_LIMIT` pairs.
    """
    import numpy as np
    from rapidfuzz import process

    n_t, n_e = len(train), len(eval)
    if not n_t or not n_e:
        return LeakageResult(threshold, SCORER_NAME, "exhaustive", 0, 0.0, None, [])
    if method == "candidates" or (method == "auto" and n_t * n_e > EXHAUSTIVE_PAIR_LIMIT):
        try:
            return _check_candidates(train, eval, threshold=threshold, progress=progress, cancel=cancel)
        except ImportError:  # no reusable candidate generator in this build: compare every pair
            pass
    # Length bound (fuzz.ratio ≤ 200·min(la, lb)/(la + lb)): with both sides sorted by length,
    # each block of eval texts is scored only against the train texts whose length lets the
    # pair reach the threshold. Every pair at or above it is still found; the others are
    # provably below it, and max_score is the highest among the scored pairs.
    scorer = _scorer()
    t_idx = sorted(range(n_t), key=lambda i: (len(train[i][1]), i))
    t_len = np.fromiter((len(train[i][1]) for i in t_idx), dtype=np.int64, count=n_t)
    t_texts = [train[i][1] for i in t_idx]
    e_idx = sorted(range(n_e), key=lambda i: (len(eval[i][1]), i))
    lo_f = threshold / (200.0 - threshold) if threshold < 200 else 1.0
    pairs: list[PairScore] = []
    best, best_pair, compared = -1.0, None, 0
    # blocks of eval texts of similar length (≤ BLOCK_ROWS, lengths within ~5%) keep windows tight
    blocks: list[list[int]] = []
    for i in e_idx:
        n = len(eval[i][1])
        if not blocks or len(blocks[-1]) >= BLOCK_ROWS or n > len(eval[blocks[-1][0]][1]) * 1.05 + 2:
            blocks.append([])
        blocks[-1].append(i)
    for bi, block in enumerate(blocks):
        check_cancel(cancel)
        if progress:
            progress.update(done=bi, total=len(blocks), label="Checking train/eval leakage")
        chunk = [eval[i] for i in block]
        lmin, lmax = len(chunk[0][1]), len(chunk[-1][1])
        lo = int(np.searchsorted(t_len, lmin * lo_f - 1e-6, side="left"))
        hi = int(np.searchsorted(t_len, lmax / lo_f + 1e-6, side="right")) if lo_f > 0 else n_t
        if lo >= hi:
            continue
        m = process.cdist([t for _, t in chunk], t_texts[lo:hi], scorer=scorer, dtype=np.float32, workers=-1)
        compared += m.size
        r, c = np.unravel_index(int(np.argmax(m)), m.shape)
        if float(m[r, c]) > best:
            best, best_pair = float(m[r, c]), (train[t_idx[lo + c]][0], chunk[r][0])
        for r, c in zip(*np.nonzero(m >= threshold)):
            pairs.append(PairScore(train[t_idx[lo + int(c)]][0], chunk[int(r)][0], float(m[r, c])))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return LeakageResult(threshold, SCORER_NAME, "exhaustive", compared, max(best, 0.0), best_pair, pairs)


def _check_candidates(train, eval, *, threshold, progress, cancel) -> LeakageResult:
    """Train×eval pairs from the near-duplicate detector's MinHash/LSH blocking, each scored."""
    import numpy as np
    from rapidfuzz import fuzz

    from .detect.near import drop_common, length_feasible, lsh_candidates, shingle_hashes, signatures

    texts = [t for _, t in train] + [t for _, t in eval]
    n_t = len(train)
    if progress:
        progress.update(done=0, total=len(texts), label="Leakage check: hashing shingles")
    sig = signatures(drop_common(shingle_hashes(texts, cancel=cancel)), bins=64)
    cand = lsh_candidates(sig, bands=32, rows=2, progress=progress, cancel=cancel)
    cand = cand[(cand[:, 0] < n_t) != (cand[:, 1] < n_t)]          # cross-split pairs only
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    # with very many candidates, pairs whose lengths alone rule out the threshold are skipped
    # (max_score is then the best among the feasible ones)
    pairs: list[PairScore] = []
    best, best_pair, compared = -1.0, None, 0
    feasible = length_feasible(cand, lengths, threshold) if len(cand) > 200_000 else cand
    for k, (i, j) in enumerate(feasible.tolist()):
        if not k % 20000:
            check_cancel(cancel)
        ti, ei = (i, j - n_t) if i < n_t else (j, i - n_t)
        s = float(fuzz.ratio(train[ti][1], eval[ei][1]))
        compared += 1
        if s > best:
            best, best_pair = s, (train[ti][0], eval[ei][0])
        if s >= threshold:
            pairs.append(PairScore(train[ti][0], eval[ei][0], s))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return LeakageResult(threshold, SCORER_NAME, "candidates", compared, max(best, 0.0), best_pair, pairs)


# --- verify ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyProblem:
    code: str          # missing_file | hash | size | count | unknown_row | moved | missing_row | split_group
    message: str       # | leakage | manifest | duplicate_row | leftover

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.message}


@dataclass
class VerifyReport:
    folder: str
    problems: list[VerifyProblem] = field(default_factory=list)
    checked: dict = field(default_factory=dict)
    leakage: LeakageResult | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {"folder": self.folder, "ok": self.ok, "problems": [p.to_json() for p in self.problems],
                "checked": self.checked, "leakage": self.leakage.to_json() if self.leakage else None}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify_export(folder: str | os.PathLike, *, progress: ProgressSink | None = None,
                  cancel: CancelToken | None = None) -> VerifyReport:
    """Re-check an export folder against its ``manifest.json``.

    Checks each file's SHA-256 and size, the record counts, that every row is
    the manifest's record for that split (naming moved, added and missing
    rows), that no linked group straddles the split, and re-runs the leakage
    check on the rows as they are now. Never raises for a bad export: every
    mismatch is a :class:`VerifyProblem`.
    """
    from .export import EVAL_FILE, MANIFEST_FILE, TRAIN_FILE

    root = Path(folder)
    rep = VerifyReport(str(root))
    add = lambda code, msg: rep.problems.append(VerifyProblem(code, msg))  # noqa: E731
    mpath = root / MANIFEST_FILE
    if not root.is_dir():
        add("manifest", f"{root}: no such folder" if not root.exists() else
            f"{root}: not a folder (give the export folder, which holds manifest.json)")
        return rep
    # staged files or a backup an interrupted export left in the folder (an in-place write, or an
    # old version's temp files): whoever loads the folder may read them; the next export removes them
    from .export import export_leftovers

    for p in export_leftovers(root):
        add("leftover", f"{p}: left by an interrupted export (the next export into this folder removes "
            "it, or delete it)")
    try:
        manifest = json.loads(mpath.read_bytes())
        records = manifest["records"]
        files = manifest["files"]
        leak_cfg = manifest.get("leakage") or {}
        discount = leak_cfg.get("discounted") if isinstance(leak_cfg.get("discounted"), dict) else None
        # a JSON array's records are numbered by their place in it, not by line
        unit = "record" if (manifest.get("source") or {}).get("container") == "json" else "line"
    except FileNotFoundError:
        add("manifest", f"{mpath}: no manifest.json (not a Curator export, or it was removed)")
        return rep
    except (OSError, ValueError, KeyError, TypeError) as exc:
        add("manifest", f"{mpath}: unreadable manifest: {exc}")
        return rep

    # 1. files: present, hash, size
    blobs: dict[str, bytes] = {}
    for name, info in sorted(files.items()):
        p = root / name
        try:
            data = p.read_bytes()
        except OSError as exc:
            add("missing_file", f"{name}: cannot read ({exc.strerror or exc})")
            continue
        blobs[name] = data
        if len(data) != info.get("bytes"):
            add("size", f"{name}: {len(data)} bytes, manifest says {info.get('bytes')}")
        if _sha(data) != info.get("sha256"):
            add("hash", f"{name}: SHA-256 differs from the manifest (the file was changed)")
    rep.checked["files"] = len(files)

    # 2. rows against the manifest's records
    expected = {"train": [r for r in records if r["split"] == "train"],
                "eval": [r for r in records if r["split"] == "eval"]}
    by_hash: dict[str, list[dict]] = {}
    for r in records:
        by_hash.setdefault(r["sha256"], []).append(r)
    texts: dict[str, list[tuple[int, str]]] = {"train": [], "eval": []}
    for split, name in (("train", TRAIN_FILE), ("eval", EVAL_FILE)):
        if name not in blobs:
            if name not in files:
                add("missing_file", f"{name}: not listed in the manifest")
            continue
        check_cancel(cancel)
        rows = blobs[name].split(b"\n")
        if rows and rows[-1] == b"":
            rows.pop()
        want = expected[split]
        if len(rows) != len(want):
            add("count", f"{name}: {len(rows)} records, manifest says {len(want)}")
        counts = manifest.get("counts", {})
        if counts.get(split) is not None and counts[split] != len(want):
            add("count", f"manifest counts say {counts[split]} {split} records but list {len(want)}")
        # multisets: a reviewer may approve two identical records, so a hash can legitimately repeat
        remaining = Counter(r["sha256"] for r in want)
        for i, row in enumerate(rows, start=1):
            h = _sha(row)
            owners = by_hash.get(h)
            if remaining[h] > 0:
                remaining[h] -= 1
            elif owners is None:
                add("unknown_row", f"{name} row {i}: not in the manifest (added or edited)")
            elif all(o["split"] == split for o in owners):
                add("duplicate_row", f"{name} row {i}: an extra copy of source {unit} {owners[0]['line']}")
            else:
                src = next(o for o in owners if o["split"] != split)
                add("moved", f"{name} row {i}: source {unit} {src['line']} belongs to {src['split']}, "
                             f"but it is in the {split} file")
            try:
                obj = orjson.loads(row)
            except orjson.JSONDecodeError:
                add("unknown_row", f"{name} row {i}: not valid JSON")
                continue
            line = owners[0]["line"] if owners else -i
            texts[split].append((line, leak_text(row_turns(obj), discount)))
        for r in want:
            if remaining[r["sha256"]] > 0:
                remaining[r["sha256"]] -= 1
                add("missing_row", f"{name}: source {unit} {r['line']} is missing")
        rep.checked[f"{split}_rows"] = len(rows)

    # 3. groups never straddle the split (manifest consistency)
    group_splits: dict[int, set[str]] = {}
    for r in records:
        if r.get("group") is not None:
            group_splits.setdefault(r["group"], set()).add(r["split"])
    for g, splits in sorted(group_splits.items()):
        if len(splits) > 1:
            add("split_group", f"the group of source {unit} {g} is in both train and eval")

    # 4. leakage on the rows as they are
    threshold = float(leak_cfg.get("threshold", (manifest.get("thresholds") or {}).get("near_duplicate", 90.0)))
    leak = check_leakage(texts["train"], texts["eval"], threshold=threshold, progress=progress, cancel=cancel)
    leak.discounted = discount
    rep.leakage = leak
    for p in leak.pairs[:50]:
        a = f"source {unit} {p.a}" if p.a > 0 else f"unlisted row {-p.a}"
        b = f"source {unit} {p.b}" if p.b > 0 else f"unlisted row {-p.b}"
        add("leakage", f"train {a} and eval {b} are {p.score:.1f} similar (threshold {threshold:g})")
    if len(leak.pairs) > 50:
        add("leakage", f"… and {len(leak.pairs) - 50} more train/eval pairs at or above {threshold:g}")
    rep.checked["leakage_pairs_compared"] = leak.compared
    rep.checked["max_cross_similarity"] = round(leak.max_score, 2)
    return rep
