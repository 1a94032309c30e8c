"""The export dialog over a real project: live preview = the core's plan, blockers before writing,
the written files and the manifest summary after."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from curator import open_project
from curator.core.export import ExportOptions, plan_export
from curator.gui import run_op
from curator.gui.export_dialog import ExportDialog


WORDS = ("parcel refund invoice courier warranty battery screen hinge charger voucher address password "
         "account locker customs deposit receipt schedule engineer kettle blender mattress sofa lamp drawer "
         "colour size delay damaged missing broken swap upgrade cancel renew postpone weekend evening").split()


def _sentence(rnd: random.Random, n: int) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(n)).capitalize() + "."


def _file(path: Path, n: int = 120) -> Path:
    """Distinct examples (random word sequences, so no two are near-duplicates) plus 4 exact copies."""
    rnd = random.Random(9)
    with path.open("w", encoding="utf-8") as f:
        for i in range(1, n + 1):
            rec = {"instruction": _sentence(rnd, 14), "input": "", "output": _sentence(rnd, 18),
                   "category": rnd.choice(["billing", "shipping", "returns"])}
            f.write(json.dumps(rec) + "\n")
            if i % 30 == 0:
                f.write(json.dumps(rec) + "\n")       # an exact duplicate: only its keeper goes out
    return path


@pytest.fixture
def project(tmp_path):
    p = open_project(_file(tmp_path / "cases.jsonl"), reviewer="Ana")
    yield p
    p.close()


def test_preview_is_the_core_plan_and_follows_the_options(qtbot, dialog, project):
    plan = plan_export(project.dataset, project.scan, project.decisions(),
                       options=ExportOptions(eval_fraction=0.1, seed=0))
    c = plan.counts()
    assert c["exported"] == 120 and c["excluded"] == {"duplicate": 4}
    text = dialog.preview.toPlainText()
    assert f"{c['exported']} of 124 records go out: {c['train']} train · {c['eval']} eval" in text
    assert "duplicate copies 4" in text and "Leakage check" in text
    assert dialog.export_button.isEnabled() and not dialog.blockers.isVisible()
    dialog.fraction.setValue(20)
    assert not dialog.export_button.isEnabled()       # stale preview: no export until re-planned
    qtbot.waitUntil(lambda: "96 train · 24 eval" in dialog.preview.toPlainText(), timeout=3000)
    assert dialog.export_button.isEnabled()
    dialog.stratify.setCurrentIndex(dialog.stratify.findData("category"))
    qtbot.waitUntil(lambda: "Eval per category:" in dialog.preview.toPlainText(), timeout=3000)
    assert dialog.plan.options.stratify == "category"


def test_blockers_are_listed_and_stop_the_export(qtbot, dialog, project):
    project.approve([1, 2, 3])                  # a partial review: only reviewed records go out
    dialog.update_preview()
    assert "3 of 124 records go out" in dialog.preview.toPlainText()
    assert dialog.blockers.isVisible() and "eval split would be empty" in dialog.blockers.toPlainText()
    assert not dialog.export_button.isEnabled()
    dialog.include.setCurrentIndex(dialog.include.findData("unrejected"))
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.plan.include == "unrejected", timeout=3000)
    assert not dialog.blockers.isVisible() and dialog.export_button.isEnabled()
    # an eval share outside 5–50% is refused until confirmed
    dialog.fraction.setValue(3)
    assert dialog.confirm_fraction.isVisible()
    qtbot.waitUntil(lambda: "outside the recommended" in dialog.blockers.toPlainText(), timeout=3000)
    assert not dialog.export_button.isEnabled()
    dialog.confirm_fraction.setChecked(True)
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=3000)


def test_write_shows_the_manifest_and_refuses_to_overwrite(qtbot, dialog, tmp_path):
    out = tmp_path / "out"
    written = []
    dialog.written.connect(written.append)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert written == [manifest]
    train = (out / "train.jsonl").read_text(encoding="utf-8").splitlines()
    evl = (out / "eval.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(train) == manifest["counts"]["train"] == 108 and len(evl) == manifest["counts"]["eval"] == 12
    summary = dialog.preview.toPlainText()
    assert f"Written to {out}" in summary and "108 train + 12 eval records" in summary
    assert manifest["files"]["train.jsonl"]["sha256"][:16] in summary
    assert f"curator verify {out}" in summary
    # a second export into the same folder needs the Replace box
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    assert "already holds an export" in dialog.state.text()
    dialog.force.setChecked(True)
    dialog.seed.setValue(5)
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=3000)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    again = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert again["options"]["seed"] == 5 and len(written) == 2


def test_closing_the_project_closes_the_dialog(qtbot, window, tmp_path):
    window.open_path(_file(tmp_path / "w.jsonl"))
    window.export_action.trigger()
    dlg = window.export_dialog
    assert dlg.isVisible() and dlg.plan is not None and dlg.plan.ok
    window.close_project()
    assert not dlg.isVisible() and window.export_dialog is None
    assert not window.export_action.isEnabled()


def test_unresolved_contradictions_are_listed_until_allowed_or_resolved(qtbot, tmp_path):
    rnd = random.Random(4)
    rows = [{"instruction": _sentence(rnd, 14), "input": "", "output": _sentence(rnd, 18)} for _ in range(60)]
    question = "How many days do customers have to return an unopened blender for a full refund?"
    rows[9] = {"instruction": question, "input": "", "output": "Customers have 30 days to return it for a full refund."}
    rows[40] = {"instruction": question, "input": "", "output": "Returns are not accepted; every sale is final."}
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with open_project(path, reviewer="Ana") as project:
        assert [(k.a, k.b) for k in project.scan.contradictions] == [(10, 41)]
        dlg = ExportDialog(project, run_op.OpRunner(), folder=tmp_path / "out")
        qtbot.addWidget(dlg)
        text = dlg.blockers.toPlainText()
        assert "1 unresolved contradiction(s)" in text and "lines 10 and 41" in text
        assert "resolve them in Findings" in text and not dlg.export_button.isEnabled()
        dlg.allow_contradictions.setChecked(True)
        qtbot.waitUntil(lambda: dlg.export_button.isEnabled(), timeout=3000)
        dlg.allow_contradictions.setChecked(False)
        project.resolve_contradiction(10, 41, "keep_a")
        dlg.include.setCurrentIndex(dlg.include.findData("unrejected"))
        dlg.update_preview()
        assert dlg.plan.ok and not dlg.blockers.isVisible(), dlg.blockers.toPlainText()
        assert 41 in dlg.plan.excluded and "Left out: rejected 1" in dlg.preview.toPlainText()


def test_export_stays_disabled_while_a_new_plan_is_computed(qtbot, dialog):
    """A new user's report: Export was enabled while the preview still said "Planning the export…"
    (an older plan was shown), and clicking it did nothing."""
    assert dialog.export_button.isEnabled()
    run_op.set_inline(False)
    try:
        dialog.update_preview()                      # on a worker thread now; the old plan is still shown
        assert "Planning" in dialog.state.text() and not dialog.export_button.isEnabled()
        dialog.folder.setText(dialog.folder.text() + "2")    # re-checks the buttons: still planning
        assert not dialog.export_button.isEnabled()
        qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=10000)
        assert "Planning" not in dialog.state.text()
    finally:
        run_op.set_inline(True)


def test_a_killed_export_into_a_folder_of_ones_own_files_does_not_block_the_next_one(qtbot, dialog, project, tmp_path):
    """An export killed (SIGKILL) while moving its files into a folder that also holds the user's
    own files leaves a new train.jsonl there; the window said "already holds an export" until the
    user ticked Replace. Like the CLI, it now puts the folder right first."""
    import os
    import signal
    import subprocess
    import sys

    from curator.core.export import TEST_PAUSE_ENV
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "curator", "export", str(project.dataset.path), "--out", str(out)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, TEST_PAUSE_ENV: "moving"})
    for line in proc.stderr:
        if line.strip() == "curator-test-pause: moving":
            break
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert (out / "notes.txt").exists() and len(os.listdir(out)) > 1      # the killed run left files
    qtbot.waitUntil(lambda: dialog.export_button.isEnabled(), timeout=5000)
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (out / "manifest.json").exists(), timeout=10000)
    assert "already holds" not in dialog.state.text()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_the_blocker_counts_the_contradictions_it_does_not_list(tmp_path):
    """A trial: 73 unresolved contradictions were shown as 8 pairs "… and 13 more" (the core lists
    20 and ends with "and 53 more", which was counted as one more pair)."""
    from curator.gui.export_dialog import _blocker_text

    rows = []
    for i in range(73):      # 73 questions, each asked twice with two different answers
        q = f"What is the fee for plan {i} of the premium family package?"
        rows += [{"instruction": q, "input": "", "output": f"The fee is {i + 10} dollars a month."},
                 {"instruction": q, "input": "", "output": f"The fee is {i + 500} dollars a month."}]
    data = tmp_path / "fees.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with open_project(data) as p:
        plan = plan_export(p.dataset, p.scan, p.decisions())
        blocker = next(b for b in plan.blockers if b.code == "unresolved_contradictions")
        assert blocker.message.startswith("73 unresolved") and "; and 53 more." in blocker.message
        text = _blocker_text(blocker)
    listed = [x for x in text.splitlines()[1:] if not x.strip().startswith("…")]
    assert len(listed) == 8 and text.endswith("\n    … and 65 more"), text
    assert "Decide them" not in text and "and 53 more" not in text
