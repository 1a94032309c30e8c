"""Exact duplicates: records whose normalised text is identical."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

from curator.core.findings import ExactGroup
from curator.core.progress import Ticker


def find_exact_duplicates(keys: Sequence[Hashable], lines: Sequence[int], *,
                          keeper_rank: Callable[[int], tuple] | None = None,
                          progress=None, cancel=None) -> tuple[list[ExactGroup], list[int]]:
    """Group positions whose key is identical.

    Parameters
    ----------
    keys
        one normalised key per record (see :func:`normalize`).
    lines
        the public line of each record, same order as ``keys``.
    keeper_rank
        position → sort key; the member with the largest key is the suggested keeper
        (default: the first line).

    Returns
    -------
    (groups, representatives)
        groups of 2+ lines, sorted by first line; and one position per distinct key
        (the keeper's position), which later detectors compare instead of every copy.
    """
    tick = Ticker(progress, cancel, len(keys), "Finding exact duplicates", every=20000)
    first: dict[Hashable, list[int]] = {}
    for i, k in enumerate(keys):
        first.setdefault(k, []).append(i)
        if not i % 20000:
            tick.tick(i)
    groups: list[ExactGroup] = []
    reps: list[int] = []
    for members in first.values():
        if len(members) == 1:
            reps.append(members[0])
            continue
        keep = max(members, key=keeper_rank) if keeper_rank else members[0]
        reps.append(keep)
        groups.append(ExactGroup(tuple(lines[m] for m in members), lines[keep]))
    tick.finish()
    groups.sort(key=lambda g: g.lines[0])
    reps.sort()
    return groups, reps
