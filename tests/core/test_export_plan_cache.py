"""PlanCache: option changes reuse the expensive parts of export planning, never a stale result.

Each plan made with the cache is compared with one made without it (the files it would write and
its summary), and the cache's counters say which part was reused or worked out again.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from curator.core.export import (
    DISTINCT_NUMBER,
    ExportOptions,
    PlanCache,
    plan_export,
    render_files,
    select_records,
)
from curator.core.progress import CancelFlag, Cancelled
from curator.core.project import open_project

TOPICS = ["my parcel has not arrived", "I was charged twice for my order", "I cannot log in to my account",
          "how do I return a damaged blender", "can I change the delivery address", "my coupon code is rejected"]
ANSWERS = [("I am sorry to hear that. Please share the order number and we will track the parcel for you "
            "within one business day, then write back with the courier's status and a new delivery date."),
           ("Thank you for telling us. We will review both charges on the card and refund the duplicate one "
            "within five business days; you will receive an email once the refund has been issued."),
           ("Please reset the password from the sign-in page. If the reset email does not arrive within ten "
            "minutes, check the spam folder or reply here and we will unlock the account by hand."),
           ("You can return it within thirty days. Print the prepaid label from the orders page, pack the "
            "blender in its box and drop it at any post office; the refund follows the inspection."),
           ("Yes, as long as the parcel has not shipped. Open the order, choose change address and save the "
            "new one; if it has shipped already, the courier can redirect it for a small fee."),
           ("Coupons apply to full-price items only and expire at midnight of the date printed on them. "
            "Send us the code and the basket and we will check why it was refused.")]


def write_support(path: Path, n: int = 240, seed: int = 3) -> None:
    """Templated support chats: each topic's question and answer repeated with another ticket
    number (near copies kept because the number differs), plus exact copies and one pair whose
    answers contradict."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        k = i % len(TOPICS)
        ticket = rng.randrange(10000, 99999)
        rows.append({"messages": [{"role": "user", "content": f"{TOPICS[k]} (ticket {ticket})"},
                                  {"role": "assistant", "content": f"{ANSWERS[k]} Ref {ticket}."}],
                     "intent": f"t{k}"})
    rows += [json.loads(json.dumps(rows[j])) for j in (0, 7, 19)]        # exact copies
    rows.append({"messages": [{"role": "user", "content": "Is the store open on Sunday?"},
                              {"role": "assistant", "content": "Yes, the store is open on Sunday from ten to four."}],
                 "intent": "hours"})
    rows.append({"messages": [{"role": "user", "content": "Is the store open on Sunday?"},
                              {"role": "assistant", "content": "No, the store is not open on Sunday at all."}],
                 "intent": "hours"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def project(tmp_path):
    data = tmp_path / "support.jsonl"
    write_support(data)
    with open_project(data, reviewer="ana") as p:
        assert p.scan.near_duplicates, "the templated file must have near-duplicate clusters"
        yield p


def plan(p, options: ExportOptions, cache: PlanCache | None = None, **kw):
    return plan_export(p.dataset, p.scan, p.decisions(), options=options, sample_lines=p.sample_lines(),
                       estimate=p.estimate(), project_path=str(p.path), cache=cache, **kw)


def same_plan(a, b) -> None:
    assert render_files(a) == render_files(b)
    assert a.summary() == b.summary()
    assert a.excluded == b.excluded


def test_a_format_change_reuses_the_duplicate_step_and_the_split(project):
    cache = PlanCache()
    first = plan(project, ExportOptions(allow_contradictions=True), cache)
    n_components = cache.computed["duplicates"]
    assert n_components > 0 and cache.computed["split"] == 1 and not cache.reused
    assert first.leakage is not None and first.entries

    for fmt in ("openai", "sharegpt", "alpaca"):
        opts = ExportOptions(allow_contradictions=True, format=fmt)
        cached = plan(project, opts, cache)
        same_plan(cached, plan(project, opts))
    # nothing the two parts read changed: neither was worked out again
    assert cache.computed["duplicates"] == n_components and cache.computed["split"] == 1
    assert cache.reused["duplicates"] == 3 * n_components and cache.reused["split"] == 3

    # nor for the options they do not read at all
    cached = plan(project, ExportOptions(allow_contradictions=False), cache)
    same_plan(cached, plan(project, ExportOptions(allow_contradictions=False)))
    assert cached.blockers and cached.blockers[0].code == "unresolved_contradictions"
    assert cache.computed["split"] == 1


@pytest.mark.parametrize("change", [{"seed": 5}, {"eval_fraction": 0.2}, {"stratify": "intent"},
                                    {"near_threshold": 80.0}])
def test_an_option_the_split_reads_splits_again_but_keeps_the_duplicate_step(project, change):
    cache = PlanCache()
    plan(project, ExportOptions(allow_contradictions=True), cache)
    n_components = cache.computed["duplicates"]
    opts = ExportOptions(allow_contradictions=True, **change)
    cached = plan(project, opts, cache)
    same_plan(cached, plan(project, opts))
    assert cache.computed["split"] == 2 and cache.reused["split"] == 0
    assert cache.computed["duplicates"] == n_components


def test_a_decision_made_meanwhile_recomputes_its_own_cluster_and_the_split(project):
    opts = ExportOptions(allow_contradictions=True)
    cache = PlanCache()
    plan(project, opts, cache)
    n_components = cache.computed["duplicates"]
    cluster = max(project.scan.near_duplicates, key=lambda c: len(c.lines))
    step, splits = {}, {}

    def check(label: str) -> None:
        before, split_before = cache.computed["duplicates"], cache.computed["split"]
        cached = plan(project, opts, cache)
        same_plan(cached, plan(project, opts))
        step[label] = cache.computed["duplicates"] - before
        splits[label] = cache.computed["split"] - split_before

    project.reject(cluster.keeper, reason="wrong")          # the suggested keeper is rejected
    check("reject")
    other = next(ln for ln in cluster.lines if ln != cluster.keeper)
    project.approve(other)                                 # a member is approved
    check("approve")
    rec = project.dataset.by_line(other)
    fixed = json.loads(json.dumps(rec.data))
    fixed["messages"][0]["content"] = TOPICS[0] + " (ticket 123)"
    project.fix(other, fixed)                              # the approved member's question changes
    check("fix")
    project.undo()                                         # and back: the approved member again
    check("undo")
    # each decision touched one component: only that one was compared again
    assert step == {"reject": 1, "approve": 1, "fix": 1, "undo": 1}
    assert cache.computed["duplicates"] == n_components + 4
    # the split was worked out again whenever the exported records or their texts changed: not
    # for approving a record that was exported anyway (the plan still says "approved": same_plan)
    assert splits == {"reject": 1, "approve": 0, "fix": 1, "undo": 1}


def test_a_fix_of_the_stratification_field_alone_splits_again(project):
    # the fix leaves every compared text as it was: only the stratum label differs
    opts = ExportOptions(allow_contradictions=True, stratify="intent")
    cache = PlanCache()
    plan(project, opts, cache)
    line = project.scan.near_duplicates[0].keeper
    fixed = json.loads(json.dumps(project.dataset.by_line(line).data))
    fixed["intent"] = "hours"
    project.fix(line, fixed)
    cached = plan(project, opts, cache)
    same_plan(cached, plan(project, opts))
    assert cache.computed["split"] == 2 and cache.reused["split"] == 0


def test_a_format_change_that_alters_a_compared_text_splits_again(tmp_path):
    # a legacy stop token is removed by the conversion to a chat format: the compared text changes
    data = tmp_path / "completions.jsonl"
    rows = [{"prompt": f"Question {i}: what is {i} times {i + 3}?", "completion": f" It is {i * (i + 3)}.<|endoftext|>"}
            for i in range(60)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with open_project(data, reviewer="ana") as p:
        cache = PlanCache()
        plan(p, ExportOptions(), cache)
        opts = ExportOptions(format="openai")
        cached = plan(p, opts, cache)
        same_plan(cached, plan(p, opts))
        assert "stop_token_removed" in cached.losses
        assert cache.computed["split"] == 2 and cache.reused["split"] == 0


def test_a_cancelled_plan_leaves_nothing_half_done(project):
    cache = PlanCache()
    flag = CancelFlag()

    class CancelAtLeakageCheck:
        def update(self, done=0, total=None, label=""):
            if "leakage" in label.lower():
                flag.set()

    opts = ExportOptions(allow_contradictions=True)
    with pytest.raises(Cancelled):
        plan(project, opts, cache, progress=CancelAtLeakageCheck(), cancel=flag)
    assert cache.computed["split"] == 0
    project.approve(project.scan.near_duplicates[0].lines[-1])    # a decision while it was running
    cached = plan(project, opts, cache)
    same_plan(cached, plan(project, opts))
    assert cache.computed["split"] == 1


def test_a_rescan_empties_the_cache(project):
    opts = ExportOptions(allow_contradictions=True)
    cache = PlanCache()
    plan(project, opts, cache)
    project.rescan({"near_threshold": 80})              # a new scan object, other clusters
    cached = plan(project, opts, cache)
    same_plan(cached, plan(project, opts))
    assert cache.reused["split"] == 0 and cache.reused["duplicates"] == 0


def test_kept_near_copies_name_the_number_they_differ_in(project):
    sel = select_records(project.dataset, project.scan, project.decisions())
    numbered = [ln for ln, why in sel.kept_near.items() if why == DISTINCT_NUMBER]
    # every templated chat is kept, one per topic as the cluster's keeper, the rest for their ticket number
    assert len(numbered) >= 200
    assert set(sel.kept_near) <= set(sel.eligible)
