"""Near-duplicates: MinHash + LSH banding for candidates, rapidfuzz to verify every pair.

Pipeline (all heavy steps vectorised with numpy, in chunks so memory stays flat):

1. **Shingles.** Each normalised text is UTF-8 encoded; a shingle is the 8 bytes that start
   at an *anchor*. Texts written with spaces anchor at every word start (a shingle is a word
   plus the start of the next one); texts without spaces (Chinese, Japanese) anchor at every
   character, so a shingle is 2–3 CJK characters. Shingles that occur very often across the
   corpus ("of the ", "is the c") are dropped: they make unrelated texts collide and say
   nothing about whether two texts are the same example.
2. **Signatures.** One-permutation MinHash (one hash per shingle, split into ``bins`` bins,
   minimum per bin) with rotation densification for empty bins — one pass over the shingles
   instead of one pass per hash function.
3. **LSH banding.** ``bands`` × ``rows`` of the signature are hashed into bucket keys; records
   sharing a bucket in any band are candidates.
4. **Verification.** Every candidate pair is scored with ``rapidfuzz.fuzz.ratio`` on the
   normalised text (after a length bound that rules out pairs that cannot reach the
   threshold), so no reported pair is below the threshold.
5. **Clusters.** Union-find over verified pairs; each cluster keeps its pairwise scores.

Scorer: ``fuzz.ratio`` (normalised Indel similarity of the whole text). It matches what a
reviewer calls "the same example": small edits anywhere lower it a little, while reordered
or partially-contained texts (which ``token_sort_ratio``/``partial_ratio`` would score 100) are
different examples for training purposes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from curator.core.progress import Ticker, check_cancel

from .normalize import has_spaces

SHINGLE_BYTES = 8
_PAD_STR = "\0" * SHINGLE_BYTES
_MASK32 = np.uint64(0xFFFFFFFF)
_EMPTY = np.uint32(0xFFFFFFFF)
# fixed odd multipliers (splitmix64 constants): results are the same on every run
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """A well-mixed 64-bit hash of 64-bit values (multiply, xor-shift, multiply; wrapping)."""
    x = x * _M1
    x ^= x >> np.uint64(29)
    x *= _M2
    x ^= x >> np.uint64(32)
    return x


@dataclass
class Shingles:
    """The hash of every anchored shingle, a chunk of texts at a time: ``parts`` holds one
    (hashes uint64, local text int32, ids) triple per chunk; a local text number indexes ``ids``,
    the chunk's text numbers. Kept in chunks, never joined: every step works chunk by chunk, so
    its temporary arrays stay a few MB instead of a few hundred (at 100k records, 10M shingles)."""
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]   # (hashes, local text, ids)
    n: int                  # number of texts


def _anchored_windows(texts: Sequence[str], spaced: bool) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, local doc ids) of the 8-byte windows at every anchor of ``texts``."""
    # one encode of the padded concatenation (PAD text PAD text … PAD) instead of one per text
    joined = _PAD_STR.join(texts)
    raw = (_PAD_STR + joined + _PAD_STR).encode("utf-8")
    if len(raw) == len(joined) + 2 * SHINGLE_BYTES:
        lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))   # all ASCII
    else:
        lens = np.fromiter((len(t.encode("utf-8")) for t in texts), dtype=np.int64, count=len(texts))
    buf = np.frombuffer(raw, dtype=np.uint8)
    starts = np.empty(len(texts), dtype=np.int64)
    starts[0] = SHINGLE_BYTES
    np.cumsum(lens[:-1] + SHINGLE_BYTES, out=starts[1:])
    starts[1:] += SHINGLE_BYTES
    if spaced:
        # a word starts where a delimiter (space, newline, padding NUL) is followed by a non-delimiter
        delim = buf <= 0x20
        after = np.flatnonzero(delim[:-1]) + 1
        pos = after[~delim[after]]
    else:
        # every character start: not a UTF-8 continuation byte, not padding
        pos = np.flatnonzero(((buf & 0xC0) != 0x80) & (buf != 0))
    pos = pos[pos < len(buf) - SHINGLE_BYTES + 1]
    # every byte offset viewed as the little-endian uint64 starting there (unaligned, no copy)
    words = np.ndarray(shape=(len(raw) - SHINGLE_BYTES + 1,), dtype="<u8", buffer=raw, strides=(1,))
    win = words[pos]
    # anchors are never in the padding, so text k owns the anchors from its start to the next one's
    counts = np.diff(np.searchsorted(pos, starts), append=len(pos))
    docs = np.repeat(np.arange(len(texts), dtype=np.int32), counts)
    return _mix(win), docs


def shingle_hashes(texts: Sequence[str], *, cancel=None, chunk: int = 20000) -> Shingles:
    """64-bit hashes of every anchored 8-byte shingle of every text (see module doc)."""
    n = len(texts)
    spaced = np.fromiter((has_spaces(t) for t in texts), dtype=bool, count=n)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for mode in (True, False):
        idx = np.flatnonzero(spaced == mode)
        for c0 in range(0, len(idx), chunk):
            check_cancel(cancel)
            ids = idx[c0:c0 + chunk]
            h, d = _anchored_windows([texts[i] for i in ids.tolist()], mode)
            parts.append((h, d, ids))
    return Shingles(parts, n)


_COUNT_BITS = 20    # drop_common counts shingles in 2^20 buckets (their hashes' top bits)


def drop_common(sh: Shingles, *, max_share: float = 0.01, min_count: int = 200) -> Shingles:
    """Remove shingles that occur in more than ``max_share`` of texts, and in more than
    ``min_count`` (stop-word shingles). The floor keeps small files whole: with 50, a file of 180
    records holding 60 edited copies of one example dropped that example's own shingles and split
    its cluster; below 20,000 texts keeping a few more common shingles only adds candidates, which
    are verified.

    Counts are approximate (2^20 hash buckets, small enough to stay in cache) but only ever over-count, so a rare shingle can be
    dropped by a collision only when it shares a bucket with a very common one. A text that would
    lose almost all its shingles keeps them all, so it can still find its copies.
    """
    if sh.n == 0 or not sh.parts:
        return sh
    shift = np.uint64(64 - _COUNT_BITS)
    counts = np.zeros(1 << _COUNT_BITS, dtype=np.int64)
    for h, _, _ in sh.parts:
        counts += np.bincount((h >> shift).astype(np.intp), minlength=1 << _COUNT_BITS)
    # (one byte per bucket: the lookups below stay in cache)
    rare = counts <= max(min_count, int(max_share * sh.n))
    parts = []
    for h, d, ids in sh.parts:
        keep = rare[(h >> shift).astype(np.intp)]
        kept_per_doc = np.bincount(d[keep], minlength=len(ids))
        total_per_doc = np.bincount(d, minlength=len(ids))
        thin = kept_per_doc < np.minimum(3, total_per_doc)
        if thin.any():
            keep |= thin[d]
        parts.append((h[keep], d[keep], ids))
    return Shingles(parts, sh.n)


def signatures(sh: Shingles, *, bins: int = 64) -> np.ndarray:
    """One-permutation MinHash with rotation densification → (n, bins) uint32."""
    n = sh.n
    bits = int(bins).bit_length() - 1
    assert 1 << bits == bins, "bins must be a power of two"
    sig = np.full(n * bins, _EMPTY, dtype=np.uint32)
    for h, d, ids in sh.parts:
        if len(h):
            b = (h >> np.uint64(64 - bits)).astype(np.int64)
            b += ids[d] * bins
            np.minimum.at(sig, b, (h & _MASK32).astype(np.uint32))
    sig = sig.reshape(n, bins)
    empty = sig == _EMPTY
    if empty.any():
        # each empty bin borrows the next non-empty bin to its right (circularly), re-hashed by
        # the distance so borrowed values do not look like genuine agreement
        idx_t = np.int16 if bins < 16000 else np.int32
        none = np.array(2 * bins, dtype=idx_t)
        cols = np.arange(2 * bins, dtype=idx_t)
        filled = np.where(np.tile(~empty, 2)[:, ::-1], cols[::-1], none)
        nxt = np.ascontiguousarray(np.minimum.accumulate(filled, axis=1)[:, ::-1][:, :bins])
        all_empty = empty.all(axis=1)
        nxt[all_empty] = 0
        # column c of the doubled row is column c mod bins of the row (bins is a power of two);
        # 32-bit indices: with intp ones take_along_axis is 8x slower here (0.25 s at 100k)
        src = np.take_along_axis(sig, nxt.astype(np.int32) & np.int32(bins - 1), axis=1)
        dist = (nxt - np.arange(bins, dtype=idx_t)).astype(np.uint32)
        moved = src + dist * np.uint32(0x9E3779B1)   # wraps mod 2^32
        sig = np.where(empty, moved, sig)
        sig[all_empty] = 0
    return sig


def lsh_candidates(sig: np.ndarray, *, bands: int, rows: int, max_bucket: int = 64,
                   progress=None, cancel=None) -> np.ndarray:
    """Pairs (i<j) sharing a bucket in at least one band, as an (m, 2) int64 array.

    Inside a bucket larger than ``max_bucket`` (many nearly identical records) only members
    less than ``max_bucket`` apart in index order are paired, which keeps candidate counts
    linear; union-find still connects the members through the overlapping windows.

    Bands are keyed a group at a time (about 2M keys per group; the group size bounds memory),
    then each band's texts that may share a bucket are sorted (see ``_sorted_band_keys``): a
    few numpy calls per band.
    """
    n = sig.shape[0]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    if progress is not None:
        progress.update(done=0, total=n, label="Finding candidate pairs")
    mult = _mix(np.arange(1, rows + 1, dtype=np.uint64))
    group = max(1, min(bands, 2_000_000 // n))
    found: list[np.ndarray] = []            # pair codes i·n + j
    pending = merged = 0

    def dedupe(parts: list[np.ndarray]) -> list[np.ndarray]:
        code = np.concatenate(parts)
        code.sort()   # sort + neighbour compare: much faster than np.unique's hash path here
        return [code[np.concatenate(([True], code[1:] != code[:-1]))]]

    for g0 in range(0, bands, group):
        check_cancel(cancel)
        g1 = min(bands, g0 + group)
        order, ks, first_of_band = _sorted_band_keys(sig, g0, g1, bands, rows, mult)
        # runs of equal keys within a band = buckets; each member is paired with the next members
        # of its run, at most max_bucket-1 of them, with a handful of array operations per chunk of
        # members (not one round per distance)
        total = len(ks)
        if total == 0:
            continue
        new_run = np.ones(total, dtype=bool)
        new_run[1:] = ks[1:] != ks[:-1]
        new_run[first_of_band] = True          # a band's first text starts a run
        brk = np.flatnonzero(new_run[1:]) + 1
        run_end = np.repeat(np.append(brk, total), np.diff(np.concatenate(([0], brk, [total]))))
        ahead = np.minimum(run_end - np.arange(total) - 1, max_bucket - 1)   # partners of each member
        members = np.flatnonzero(ahead)
        del ks, new_run, brk, run_end
        ahead = ahead[members]
        ends = np.cumsum(ahead)
        c0 = 0
        while c0 < len(members):
            check_cancel(cancel)
            # members whose pairs fit in about 4M codes (templated data has huge buckets)
            base = ends[c0 - 1] if c0 else 0
            c1 = max(c0 + 1, int(np.searchsorted(ends, base + 4_000_000, side="right")))
            m, k = members[c0:c1], ahead[c0:c1]
            first = np.repeat(m, k)
            step = np.arange(len(first)) - np.repeat(np.cumsum(k) - k, k) + 1   # 1 … k for each member
            a, b = order[first], order[first + step]
            found.append(np.minimum(a, b) * n + np.maximum(a, b))
            pending += len(first)
            if pending - merged > max(4_000_000, merged):
                # the same pairs recur in every band: merge as we go so memory holds the
                # distinct pairs, not bands × pairs
                found = dedupe(found)
                pending = merged = len(found[0])
            c0 = c1
    if progress is not None:
        progress.update(done=n, total=n, label="Finding candidate pairs")
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    code = dedupe(found)[0]
    return np.stack([code // n, code % n], axis=1)


def _sorted_band_keys(sig: np.ndarray, g0: int, g1: int, bands: int, rows: int,
                      mult: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(text numbers, bucket keys, where each band starts) of bands g0 … g1-1, each band sorted by
    key and then by text number, band after band. A band lists only the texts whose key may be
    shared: a text alone in its bucket pairs with nobody, and most texts are alone in every band."""
    n = sig.shape[0]
    k = g1 - g0
    # interleaved columns (band, band+bands, …): densified neighbours copy the same value, so
    # consecutive columns in one band would make it collide as easily as a single bin. Column
    # r·bands + b is row r of band b. The band number is mixed into the key as well.
    key = np.zeros((k, n), dtype=np.uint64)
    for r in range(rows):
        key += np.ascontiguousarray(sig[:, r * bands + g0:r * bands + g1].T).astype(np.uint64) * mult[r]
    key += np.arange(g0, g1, dtype=np.uint64)[:, None]
    key = _mix(key)
    bits = max(1, (n - 1).bit_length())
    # Counting the keys' top bits in about 8n slots finds the texts that are certainly alone in
    # their bucket (their slot holds one key): at 100k texts about 9 in 10 per band. Only the
    # others are sorted (sorting every key was half the time of the near-duplicate pass).
    cbits = min(24, max(8, bits + 3))
    shift = np.uint64(64 - cbits)
    orders: list[np.ndarray] = []
    keys: list[np.ndarray] = []
    starts = np.zeros(k, dtype=np.int64)
    at = 0
    for b in range(k):
        kb = key[b]
        slot = (kb >> shift).astype(np.intp)
        maybe = np.flatnonzero(np.bincount(slot, minlength=1 << cbits)[slot] > 1)
        kb = kb[maybe]
        # The text number rides in the low bits of the key, so a plain sort (SIMD, 1.5x faster
        # than a stable argsort) orders the band by key and then by text number.
        packed = (kb >> np.uint64(bits) << np.uint64(bits)) | maybe.astype(np.uint64)
        packed.sort()
        order = (packed & np.uint64((1 << bits) - 1)).astype(np.int64)
        ks = key[b][order]
        # Two different keys that agree in their top 64 - bits bits would interleave by text
        # number; then sort this band by the whole key instead (at 100k texts, about once in 10^4 bands)
        if (((ks[1:] >> np.uint64(bits)) == (ks[:-1] >> np.uint64(bits))) & (ks[1:] != ks[:-1])).any():
            order = maybe[np.argsort(kb, kind="stable")]
            ks = key[b][order]
        starts[b] = at
        at += len(order)
        orders.append(order)
        keys.append(ks)
    first = starts[starts < at]
    return np.concatenate(orders), np.concatenate(keys), first


def length_feasible(pairs: np.ndarray, lengths: np.ndarray, threshold: float) -> np.ndarray:
    """Drop pairs whose lengths alone keep ``fuzz.ratio`` below the threshold.

    ratio = 100·(la+lb−indel)/(la+lb) and indel ≥ |la−lb|, so ratio ≤ 200·min/(la+lb).
    """
    la, lb = lengths[pairs[:, 0]], lengths[pairs[:, 1]]
    best = 200.0 * np.minimum(la, lb) / np.maximum(la + lb, 1)
    return pairs[best >= threshold - 1e-9]


LARGE_CLUSTER = 50   # clusters above this many members get a bounded pair list (see verify_pairs)


def verify_pairs(texts: Sequence[str], pairs: np.ndarray, threshold: float, *, progress=None,
                 cancel=None, label: str = "Verifying candidate pairs",
                 large_cluster: int | None = None,
                 stats: dict | None = None) -> list[tuple[int, int, float]]:
    """Score every candidate with ``fuzz.ratio``; keep those at or above the threshold.

    With ``large_cluster`` set, a union-find runs alongside: a candidate whose two ends are
    already connected inside a component of more than ``large_cluster`` members is not scored
    (templated data makes clusters where every member matches every other, millions of pairs
    that add nothing to the clusters). Components only grow, so every pair inside a component
    that ends with ``large_cluster`` members or fewer is still scored, and the components are
    exactly those of the full pair list.
    """
    from rapidfuzz import fuzz

    ratio = fuzz.ratio
    out: list[tuple[int, int, float]] = []
    tick = Ticker(progress, cancel, len(pairs), label, every=20000)
    bounded = large_cluster is not None
    parent = list(range(len(texts))) if bounded else []
    size = [1] * len(texts) if bounded else []
    skipped = 0
    k = 0
    # converted chunk by chunk: one tolist() of millions of pairs holds the GIL for seconds
    for c0 in range(0, len(pairs), 50000):
        for i, j in pairs[c0:c0 + 50000].tolist():
            if not k % 20000:
                tick.tick(k)
            k += 1
            if bounded:
                ri = i
                while parent[ri] != ri:
                    parent[ri] = parent[parent[ri]]
                    ri = parent[ri]
                rj = j
                while parent[rj] != rj:
                    parent[rj] = parent[parent[rj]]
                    rj = parent[rj]
                if ri == rj and size[ri] > large_cluster:
                    skipped += 1
                    continue
            s = ratio(texts[i], texts[j], score_cutoff=threshold)
            if s:
                out.append((i, j, round(s, 2)))
                if bounded and ri != rj:
                    if ri > rj:
                        ri, rj = rj, ri
                    parent[rj] = ri
                    size[ri] += size[rj]
    tick.finish()
    if stats is not None:
        stats["skipped_connected"] = skipped
    return out


def bound_cluster_pairs(members: Sequence[int], pairs: Sequence[tuple[int, int, float]], keeper: int,
                        *, large_cluster: int = LARGE_CLUSTER) -> tuple[list[tuple[int, int, float]], bool]:
    """(pairs to report, truncated?) for one cluster.

    A cluster of ``large_cluster`` members or fewer keeps every pair. A larger one keeps each
    member's best verified pair plus every verified pair with the keeper — at most about two
    pairs per member, enough to show why each member is in the cluster.
    """
    if len(members) <= large_cluster:
        return list(pairs), False
    best: dict[int, tuple[int, int, float]] = {}
    keep: set[tuple[int, int, float]] = set()
    for p in pairs:
        i, j, s = p
        if keeper in (i, j):
            keep.add(p)
        for m in (i, j):
            q = best.get(m)
            if q is None or s > q[2] or (s == q[2] and (i, j) < q[:2]):
                best[m] = p
    keep.update(best.values())
    return sorted(keep), True


class UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def cluster_pairs(n: int, pairs: Sequence[tuple[int, int, float]]) -> list[tuple[list[int], list[tuple[int, int, float]]]]:
    """Union-find clusters of verified pairs: [(members, pairs)], members sorted."""
    uf = UnionFind(n)
    for i, j, _ in pairs:
        uf.union(i, j)
    members: dict[int, set[int]] = {}
    cpairs: dict[int, list[tuple[int, int, float]]] = {}
    for i, j, s in pairs:
        r = uf.find(i)
        members.setdefault(r, set()).update((i, j))
        cpairs.setdefault(r, []).append((i, j, s))
    return [(sorted(members[r]), cpairs[r]) for r in sorted(members)]


def near_duplicate_pairs(texts: Sequence[str], *, threshold: float = 90.0, bins: int = 64,
                         bands: int = 32, rows: int = 2, min_agreement: float = 0.15,
                         large_cluster: int | None = None, progress=None, cancel=None,
                         stats: dict | None = None) -> list[tuple[int, int, float]]:
    """Verified pairs (i, j, score) with ``fuzz.ratio(texts[i], texts[j]) >= threshold``.

    ``texts`` should already be normalised and distinct (exact copies are grouped before).
    ``stats`` (optional dict) receives candidate counts for benchmarks and reports.
    ``large_cluster`` (optional): skip candidates already connected inside a component larger
    than this (see :func:`verify_pairs`); the clusters stay the same, the pairs of large
    ones are a subset.
    """
    n = len(texts)
    if n < 2:
        return []
    if progress is not None:
        progress.update(done=0, total=n, label="Hashing shingles")
    sh = drop_common(shingle_hashes(texts, cancel=cancel))
    check_cancel(cancel)
    if progress is not None:
        progress.update(done=0, total=n, label="Computing MinHash signatures")
    sig = signatures(sh, bins=bins)
    del sh
    check_cancel(cancel)
    cand = lsh_candidates(sig, bands=bands, rows=rows, progress=progress, cancel=cancel)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    feasible = length_feasible(cand, lengths, threshold)
    # signature agreement estimates shingle Jaccard; pairs that agree on almost no bins are
    # unrelated texts that met in one band by chance (measured: every pair ≥ 90 on the 10k
    # benchmark set agrees on ≥ 0.29 of bins)
    keep = np.ones(len(feasible), dtype=bool)
    for c0 in range(0, len(feasible), 200000):
        f = feasible[c0:c0 + 200000]
        keep[c0:c0 + len(f)] = (sig[f[:, 0]] == sig[f[:, 1]]).mean(axis=1) >= min_agreement
    feasible = feasible[keep]
    if stats is not None:
        stats.update(candidates=len(cand), verified=len(feasible))
    return verify_pairs(texts, feasible, threshold, progress=progress, cancel=cancel,
                        large_cluster=large_cluster, stats=stats)
