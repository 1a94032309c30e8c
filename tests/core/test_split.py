"""The group-aware, seeded, stratified split (curator.core.split)."""

from __future__ import annotations

import random

import pytest

from curator.core.records import Record, Turn
from curator.core.split import (apportion, fraction_needs_confirmation, link_groups, make_split, record_length,
                                split_groups,
                                stratum_labels)


def _rec(line: int, category: str, text: str = "x") -> Record:
    return Record(index=line - 1, line=line, start_line=line, data={"category": category, "meta": {"lang": "en"}},
                  format="openai", turns=(Turn("user", text), Turn("assistant", text)))


def test_apportion_hits_total_and_each_share_is_within_one_record():
    sizes = {"a": 7, "b": 13, "c": 1, "d": 40, "e": 3}
    for f in (0.05, 0.1, 0.15, 0.2, 0.33, 0.5):
        shares = apportion(sizes, f)
        assert sum(shares.values()) == int(f * sum(sizes.values()) + 0.5)
        for k, n in sizes.items():
            assert abs(shares[k] - f * n) < 1, (f, k)
            assert 0 <= shares[k] <= n


def test_link_groups_is_transitive_and_ties_through_excluded_records():
    groups = link_groups([1, 2, 3, 4, 5, 6], [(1, 2), (2, 3), (4, 99, 5), (7, 8)])
    assert groups == [(1, 2, 3), (4, 5), (6,)]


def test_groups_never_straddle_and_fraction_is_within_one_record():
    rng = random.Random(3)
    lines = list(range(1, 1001))
    links = [tuple(rng.sample(lines, rng.randint(2, 5))) for _ in range(60)]
    groups = link_groups(lines, links)
    for f in (0.1, 0.2, 0.37):
        res = split_groups(groups, eval_fraction=f, seed=11)
        ev = set(res.eval)
        for g in groups:
            assert set(g) <= ev or not set(g) & ev, g
        assert abs(len(res.eval) - f * 1000) <= 1
        assert set(res.train) | ev == set(lines) and not set(res.train) & ev


def test_stratified_split_is_within_one_record_per_stratum():
    rng = random.Random(5)
    cats = {"billing": 211, "shipping": 97, "returns": 45, "other": 9}
    recs, line = [], 1
    for c, n in cats.items():
        for _ in range(n):
            recs.append(_rec(line, c))
            line += 1
    by_line = {r.line: r for r in recs}
    # near-duplicate pairs inside each category
    links = []
    for _ in range(30):
        a = rng.choice(recs)
        same = [r for r in recs if r.data["category"] == a.data["category"] and r.line != a.line]
        links.append((a.line, rng.choice(same).line))
    res = make_split(recs, links, eval_fraction=0.15, seed=7, stratify="category")
    ev = set(res.eval)
    for c, n in cats.items():
        got = sum(1 for ln in ev if by_line[ln].data["category"] == c)
        assert abs(got - 0.15 * n) <= 1, (c, got, n)
        assert res.strata[c].records == n
    assert not res.problems()


def test_split_is_deterministic_for_a_seed_and_changes_with_it():
    groups = [(i,) for i in range(1, 501)]
    a = split_groups(groups, eval_fraction=0.1, seed=1)
    b = split_groups(groups, eval_fraction=0.1, seed=1)
    c = split_groups(groups, eval_fraction=0.1, seed=2)
    assert a.eval == b.eval and a.train == b.train
    assert a.eval != c.eval


def test_big_groups_that_cannot_meet_the_target_are_reported():
    groups = [(1, 2, 3, 4, 5, 6), (7, 8, 9, 10, 11, 12)]
    # target 1 record: the only choices are 0 or 6 records; 0 is within one record
    res = split_groups(groups, eval_fraction=0.1, seed=0)
    assert res.target_eval == 1 and res.eval == () and res.problems() == []
    # target 4: 6 is closer than 0, and the miss is reported in words
    res = split_groups(groups, eval_fraction=0.34, seed=0)
    assert res.target_eval == 4 and len(res.eval) == 6
    assert len(res.problems()) == 1 and "6 eval records instead of 4" in res.problems()[0]


def test_length_and_format_and_nested_field_labels():
    recs = [_rec(i, "a", "w" * (i * 10)) for i in range(1, 41)]
    labels = stratum_labels(recs, "length")
    assert len(set(labels.values())) == 4
    short, long_ = labels[1], labels[40]
    assert short.startswith("length 1/4") and long_.startswith("length 4/4")
    # the ranges do not overlap ("168-239", "239-326" read as if 239 were in both)
    import re
    ranges = sorted({tuple(map(int, re.search(r"\((\d+)-(\d+) chars\)", v).groups())) for v in labels.values()})
    assert all(hi < nxt_lo for (_, hi), (nxt_lo, _) in zip(ranges, ranges[1:])), ranges
    for r in recs:   # and each record's length lies in its own label's range
        lo, hi = map(int, re.search(r"\((\d+)-(\d+) chars\)", labels[r.line]).groups())
        assert lo <= record_length(r) <= hi, (labels[r.line], record_length(r))
    assert set(stratum_labels(recs, "format").values()) == {"openai"}
    assert set(stratum_labels(recs, "meta.lang").values()) == {"en"}
    assert set(stratum_labels(recs, "nope").values()) == {"(missing)"}


@pytest.mark.parametrize("f,needs", [(0.04, True), (0.05, False), (0.1, False), (0.5, False), (0.51, True)])
def test_fraction_outside_5_to_50_percent_needs_confirmation(f, needs):
    assert fraction_needs_confirmation(f) is needs


def test_fraction_must_be_strictly_between_0_and_1():
    with pytest.raises(ValueError):
        split_groups([(1,)], eval_fraction=0.0, seed=0)
    with pytest.raises(ValueError):
        split_groups([(1,)], eval_fraction=1.0, seed=0)
