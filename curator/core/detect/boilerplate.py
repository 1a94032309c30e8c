"""Shared boilerplate: text that a large share of records repeat (system prompts, one fixed
instruction, tool descriptions, common prompt prefixes).

Such text makes every pair of records look alike, so detectors compare only what varies.
What was discounted is reported in words (``ScanResult.discounted``) so a reviewer can read
the scores correctly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from curator.core.progress import Ticker
from curator.core.records import Record

from .normalize import normalize


def prompt_turns(rec: Record) -> list:
    """Every turn before the last assistant turn (the part that asks)."""
    turns = rec.turns
    for i in range(len(turns) - 1, -1, -1):
        if turns[i].role == "assistant":
            return list(turns[:i])
    return list(turns)


def _short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass
class Boilerplate:
    lines: set[str] = field(default_factory=set)        # normalised prompt lines shared by many records
    prefixes: list[str] = field(default_factory=list)   # normalised prompt prefixes shared by many records
    discounted: list[str] = field(default_factory=list)

    def varying_prompt(self, rec: Record, norm: list[str] | None = None) -> str:
        """The normalised prompt with boilerplate lines and prefixes removed.

        ``norm`` (optional) holds the record's turns already normalised, which saves the work
        for turns that contain no boilerplate line.
        """
        turns = prompt_turns(rec)
        if norm is not None and not self.lines and not self.prefixes:
            return "\n".join(filter(None, norm[:len(turns)]))   # nothing to remove (the usual case)
        return self.varying_text(turns, norm)

    def varying_text(self, turns: Sequence, norm: Sequence[str] | None = None) -> str:
        """``turns``' normalised texts, one per line, without boilerplate lines and then without a
        boilerplate prefix (the prompt's, as :meth:`varying_prompt` reads it; the export's leakage
        check passes every turn). ``norm``: the turns already normalised, when at hand."""
        kept: list[str] = []
        for k, t in enumerate(turns):
            whole = norm[k] if norm is not None else normalize(t.content)
            if not any(b in whole for b in self.lines):
                if whole:
                    kept.append(whole)
                continue
            for line in t.content.split("\n"):
                n = normalize(line)
                if n and n not in self.lines:
                    kept.append(n)
        text = "\n".join(kept)
        for p in self.prefixes:
            if text.startswith(p):
                text = text[len(p):].lstrip()
                break
        return text


_SAMPLE = 5000


def _prompt_lines(rec: Record) -> set[tuple[str, str]]:
    """(role, line) of every prompt line long enough to be boilerplate."""
    seen = set()
    for t in prompt_turns(rec):
        for line in t.content.split("\n"):
            if len(line) >= 12:
                seen.add((t.role, line))
    return seen


def _lcp(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def find_boilerplate(records: Sequence[Record], *, share: float = 0.3, min_count: int = 20,
                     progress=None, cancel=None) -> Boilerplate:
    """Find prompt lines and prompt prefixes shared by at least ``share`` of the records
    (and at least ``min_count`` of them, so small files are not over-discounted)."""
    n = len(records)
    bp = Boilerplate()
    if n < min_count:
        return bp
    limit = max(min_count, share * n)
    tick = Ticker(progress, cancel, n, "Looking for shared boilerplate", every=10000)
    counts: Counter[str] = Counter()
    roles: dict[str, str] = {}
    # Only lines in at least half the limit's worth of records matter below. Such a line is in
    # that share of a random sample too, give or take: at the default share, 750 of 5,000 expected
    # with a standard deviation of 25. So when a sample finds no line in even half that many of its
    # records, no line can reach the limit and the full count is skipped (100k records without
    # boilerplate: 0.28 -> 0.04 s); when it finds one, everything is counted as before.
    half_in_sample = 0.5 * limit / n * _SAMPLE
    skip = False
    if n > 4 * _SAMPLE and half_in_sample >= 100:
        import random

        sample_counts: Counter[str] = Counter()
        for i in random.Random(1).sample(range(n), _SAMPLE):
            sample_counts.update({line for _, line in _prompt_lines(records[i])})
        skip = not any(c >= half_in_sample / 2 for c in sample_counts.values())
    if not skip:
        for i, rec in enumerate(records):
            for role, line in _prompt_lines(rec):
                counts[line] += 1
                roles.setdefault(line, role)
            tick.tick(i)
    # normalise only the frequent raw lines (cheap), then re-count on the normalised form
    frequent = {normalize(line): roles[line] for line, c in counts.items() if c >= limit * 0.5}
    norm_counts: Counter[str] = Counter()
    for line, c in counts.items():
        if c >= limit * 0.5:
            norm_counts[normalize(line)] += c
    for line, c in sorted(norm_counts.items(), key=lambda kv: -kv[1]):
        if c >= limit and line:
            bp.lines.add(line)
            role = frequent[line]
            bp.discounted.append(f"{role} text shared by {c:,} of {n:,} records ({100 * c / n:.0f}%): "
                                 f"\"{_short(line)}\"")
    # common prefixes of what remains: sorted sample, longest prefix shared by a window of records
    tick.finish()
    import random

    rng = random.Random(0)
    prompts = [bp.varying_prompt(r) for r in (records if n <= 3000 else rng.sample(list(records), 3000))]
    for _ in range(3):
        sample = sorted(p for p in prompts if p)
        m = int(share * len(sample))
        if m < 2:
            break
        best = 0
        best_i = 0
        for i in range(len(sample) - m + 1):
            k = _lcp(sample[i], sample[i + m - 1])
            if k > best:
                best, best_i = k, i
        prefix = sample[best_i][:best]
        cut = prefix.rfind(" ")
        prefix = prefix[: cut + 1] if cut > 0 and best < len(sample[best_i]) else prefix
        if len(prefix.strip()) < 20:
            break
        hits = sum(1 for r in records if bp.varying_prompt(r).startswith(prefix)) if n <= 3000 else \
            int(n * sum(1 for p in prompts if p.startswith(prefix)) / len(prompts))
        if hits < limit:
            break
        bp.prefixes.append(prefix)
        bp.discounted.append(f"prompt prefix shared by about {hits:,} of {n:,} records "
                             f"({100 * hits / n:.0f}%): \"{_short(prefix)}\"")
        prompts = [p for p in prompts if not p.startswith(prefix)]
    return bp
