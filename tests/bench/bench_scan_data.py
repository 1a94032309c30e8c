"""Generated chat data for the scan benchmark and the near-duplicate recall test.

Text is drawn from a Zipf-distributed synthetic vocabulary (plus real English
function words), so unrelated records share common words the way real data does.
Planted on top: exact copies (case/space/punctuation changes), near-duplicates
with a spread of edit strength (typos, word swaps, insertions, deletions — scores
from ~80 to 100, so the 90 threshold cuts through them), and contradictions
(same question, different answer).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson

FUNCTION_WORDS = ("the of and to a in is that for it as with was on be by this are or at from "
                  "an not have which but can all your will you if they more one about how what").split()


def _vocab(rng: np.random.Generator, size: int) -> list[str]:
    syll = ["ka", "lo", "mi", "ra", "te", "su", "ven", "dor", "pli", "sta", "qua", "ber", "nix", "tol",
            "gra", "mun", "fe", "zo", "chi", "wes", "or", "an", "el", "ip", "us"]
    words = set()
    while len(words) < size:
        n = int(rng.integers(2, 5))
        words.add("".join(syll[int(i)] for i in rng.integers(0, len(syll), n)))
    return [str(w) for w in rng.permutation(sorted(words))]


class Generator:
    def __init__(self, seed: int = 7, vocab_size: int = 20000) -> None:
        self.rng = np.random.default_rng(seed)
        self.words = np.array(FUNCTION_WORDS + _vocab(self.rng, vocab_size), dtype=object)
        ranks = np.arange(1, len(self.words) + 1)
        p = 1.0 / ranks ** 1.05
        self.cdf = np.cumsum(p / p.sum())

    def draw(self, n: int) -> np.ndarray:
        return np.minimum(np.searchsorted(self.cdf, self.rng.random(n)), len(self.words) - 1)

    def sentence(self, n: int) -> str:
        idx = self.draw(n)
        return " ".join(self.words[idx]).capitalize() + "."

    def text(self, lo: int, hi: int) -> str:
        n = int(self.rng.integers(lo, hi + 1))
        parts, done = [], 0
        while done < n:
            k = min(n - done, int(self.rng.integers(6, 16)))
            parts.append(self.sentence(k))
            done += k
        return " ".join(parts)

    def mutate(self, text: str, strength: float) -> str:
        """Edit about ``strength`` of the words (typo, substitution, deletion or insertion)."""
        words = text.split(" ")
        out: list[str] = []
        for w in words:
            if self.rng.random() >= strength:
                out.append(w)
                continue
            op = self.rng.integers(0, 4)
            if op == 0 and len(w) > 3:  # typo: swap two adjacent letters
                i = int(self.rng.integers(0, len(w) - 2))
                out.append(w[:i] + w[i + 1] + w[i] + w[i + 2:])
            elif op == 1:
                out.append(str(self.words[self.draw(1)[0]]))
            elif op == 2:
                continue
            else:
                out.append(w)
                out.append(str(self.words[self.draw(1)[0]]))
        return " ".join(out) if out else text


def make_records(n: int, seed: int = 7) -> tuple[list[dict], dict]:
    """``n`` OpenAI-chat records and what was planted (0-based record indexes)."""
    g = Generator(seed)
    rng = g.rng
    recs: list[dict] = []
    planted = {"exact": [], "near": [], "contradictions": []}
    base: list[tuple[str, str]] = []
    while len(recs) < n:
        r = rng.random()
        if base and r < 0.02:      # exact copy with cosmetic changes
            j = int(rng.integers(0, len(base)))
            p, a = base[j]
            p2 = "  " + p.upper() if rng.random() < 0.5 else p + " !"
            planted["exact"].append((j, len(recs)))
            recs.append(_chat(p2, a.replace(" ", "  ", 1)))
            base.append((p, a))
            continue
        if base and r < 0.08:      # near-duplicate with a spread of edit strength
            j = int(rng.integers(0, len(base)))
            p, a = base[j]
            s = float(rng.choice([0.02, 0.05, 0.08, 0.12, 0.18]))
            planted["near"].append((j, len(recs), s))
            p2, a2 = g.mutate(p, s), g.mutate(a, s)
            recs.append(_chat(p2, a2))
            base.append((p2, a2))
            continue
        if base and r < 0.09:      # contradiction: same question, a different answer
            j = int(rng.integers(0, len(base)))
            p, a = base[j]
            a2 = g.text(20, 90)
            planted["contradictions"].append((j, len(recs)))
            recs.append(_chat(p, a2))
            base.append((p, a2))
            continue
        p, a = g.text(8, 30), g.text(20, 100)
        recs.append(_chat(p, a))
        base.append((p, a))
    return recs[:n], planted


def _chat(prompt: str, answer: str) -> dict:
    return {"messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    with open(path, "wb") as f:
        for r in records:
            f.write(orjson.dumps(r))
            f.write(b"\n")
    return path
