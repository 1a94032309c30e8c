"""Seeded samples: deterministic, the requested size, proportional strata, stored in the project."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import curator
from curator.core.sampling import allocate, default_fraction, draw_sample, parse_stratify


def test_same_seed_same_sample_other_seed_other_sample() -> None:
    lines = list(range(1, 5001))
    a, _, _ = draw_sample(lines, fraction=0.1, seed=7)
    b, _, _ = draw_sample(list(reversed(lines)), fraction=0.1, seed=7)   # input order does not matter
    c, _, _ = draw_sample(lines, fraction=0.1, seed=8)
    assert a == b
    assert a != c and len(set(a) & set(c)) < 200                          # ~10% overlap expected, 50
    assert len(a) == 500 and len(set(a)) == 500 and set(a) <= set(lines)


def test_sample_is_identical_in_another_process() -> None:
    # no dependence on hash randomisation or interpreter state: a fresh interpreter agrees
    code = ("from curator.core.sampling import draw_sample;"
            "print(draw_sample(range(1, 2001), fraction=0.15, seed=42)[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}).stdout
    assert out.strip() == str(draw_sample(range(1, 2001), fraction=0.15, seed=42)[0])


@pytest.mark.parametrize("n,fraction,size", [(1000, 0.1, 100), (1000, 0.2, 200), (999, 0.15, 150),
                                             (10, 0.01, 1), (3, 1.0, 3), (1234, 0.1234, 152)])
def test_fraction_is_honoured(n: int, fraction: float, size: int) -> None:
    got, _, used = draw_sample(range(1, n + 1), fraction=fraction, seed=1)
    assert len(got) == size == min(n, max(1, round(fraction * n))) and used == fraction


def test_default_is_everything_below_1000_else_ten_percent() -> None:
    assert default_fraction(999) == 1.0 and default_fraction(1000) == 0.1
    assert len(draw_sample(range(999), seed=3)[0]) == 999
    assert len(draw_sample(range(5000), seed=3)[0]) == 500
    with pytest.raises(ValueError):
        draw_sample(range(10), fraction=0, seed=1)
    with pytest.raises(ValueError):
        draw_sample(range(10), fraction=1.5, seed=1)


def test_prefix_of_the_sample_order_is_spread_over_the_file() -> None:
    # review order is random, not file order: the first 50 reviewed are not all from the top
    got, _, _ = draw_sample(range(1, 10001), fraction=0.1, seed=5)
    assert got != sorted(got)
    assert max(got[:50]) > 5000 and min(got[:50]) < 5000


def test_stratified_allocation_is_proportional() -> None:
    strata = {ln: ("a" if ln <= 700 else "b" if ln <= 950 else "c") for ln in range(1, 1001)}
    got, labels, _ = draw_sample(strata, fraction=0.2, seed=11, strata=strata)
    counts = Counter(labels[ln] for ln in got)
    assert counts == {"a": 140, "b": 50, "c": 10}
    assert allocate({"x": 1, "y": 1, "z": 1}, 2) == {"x": 1, "y": 1, "z": 0}
    assert sum(allocate({"x": 5, "y": 3, "z": 2}, 7).values()) == 7
    assert parse_stratify("field:category") == "field:category" and parse_stratify(None) is None
    with pytest.raises(ValueError, match="stratification"):
        parse_stratify("colour")


def write_dataset(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            rec = {"instruction": f"Question {i}?", "input": "", "output": f"Answer {i}.",
                   "category": "billing" if i % 4 == 0 else "shipping"}
            fh.write(json.dumps(rec) + "\n")
    return path


def test_project_stores_the_sample_and_reuses_it(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "d.jsonl", 2000)
    with curator.open_project(data, scan=False) as p:
        assert p.sample_lines() is None and p.estimate() is None
        first = p.queue("sample")                           # default: 10% of 2,000, random seed
        assert len(first) == 200 and p.sample_spec().fraction == 0.1
        assert p.queue("sample") == first                   # same stored sample
        seed = p.sample_spec().seed
        regrouped = p.queue("sample", stratify="format")     # only the stratification changes
        assert p.sample_spec().fraction == 0.1 and p.sample_spec().seed == seed and len(regrouped) == 200
        strat = p.queue("sample", fraction=0.2, seed=9, stratify="field:category")
        counts = Counter(p.dataset.by_line(ln).data["category"] for ln in strat)
        assert counts == {"billing": 100, "shipping": 300}
    copy = tmp_path / "copy.curator"
    copy.write_bytes((tmp_path / "d.jsonl.curator").read_bytes())  # "another machine"
    with curator.open_project(data, project_path=copy, scan=False) as p:
        assert p.sample_lines() == strat and p.current_queue() == "sample"
        assert p.sample_spec().to_json() == {"fraction": 0.2, "seed": 9, "stratify": "field:category",
                                             "population": 2000, "size": 400}
        assert [e["action"] for e in p.events()].count("sample") == 3
