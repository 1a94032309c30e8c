"""The whole session through the real window, with real worker threads: open the support sample,
wait for the scan, review ten examples with keys, undo twice, resolve a duplicate cluster in the
findings panel, export, and check the files (and `curator verify` on them)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from curator.gui.findings_view import FindingRole
from curator.gui import run_op
from curator.gui.review_view import DONE, REASON, SHOWING
from curator.gui.settings import REVIEWER

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data" / "support_chat.jsonl"
DEFECTS = REPO / "sample_data" / "defects.json"
NO = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def test_open_review_undo_resolve_export(qtbot, window, tmp_path):
    run_op.set_inline(False)                       # real threads, as in the app
    window.prefs.set(REVIEWER, "Ana")
    data = tmp_path / SAMPLE.name
    shutil.copy(SAMPLE, data)
    planted = json.loads(DEFECTS.read_text(encoding="utf-8"))[SAMPLE.name]

    # 1. open: loading runs in the background, then the workspace shows the scanned project
    window.open_path(data)
    qtbot.waitUntil(lambda: window.project is not None and not window.runner.busy(), timeout=120_000)
    project = window.project
    assert len(project.dataset.records) == 1500
    found = {tuple(g.lines) for g in project.scan.exact_duplicates}
    assert {tuple(g) for g in planted["exact_duplicates"]} <= found

    # 2. the review desk, reached with its key, takes the keyboard
    with qtbot.waitActive(window):
        window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_3, CTRL)
    desk = window.view_widget("review")
    assert window.views.currentWidget() is desk and QApplication.focusWidget() is desk

    def press(k, mod=NO, widget=None):
        qtbot.keyClick(widget or desk, k, mod)
        qtbot.waitUntil(lambda: desk.state in (SHOWING, DONE, REASON) and not window.runner.busy(),
                        timeout=10_000)

    queue = desk.lines
    assert queue[:3] == [1, 2, 3] and desk.current_line() == 1
    press(Qt.Key.Key_A)
    press(Qt.Key.Key_A)
    press(Qt.Key.Key_R)
    press(Qt.Key.Key_1, widget=desk.reason_panel.list)              # reason 1: duplicate
    press(Qt.Key.Key_Return)                                         # Enter approves too
    press(Qt.Key.Key_S)
    press(Qt.Key.Key_A)
    press(Qt.Key.Key_Backspace)
    press(Qt.Key.Key_Return, widget=desk.reason_panel.list)          # no reason
    for _ in range(3):
        press(Qt.Key.Key_A)
    expected = ["approved", "approved", "rejected", "approved", "skipped", "approved", "rejected",
                "approved", "approved", "approved"]
    assert [project.status_of(ln) for ln in queue[:10]] == expected
    assert project.decision(queue[2]).reason == "duplicate" and project.decision(queue[2]).reviewer == "Ana"
    assert desk.progress_label.text() == "9 of 1,500 examples reviewed · 1 skipped"
    assert desk.current_line() == queue[10]

    # 3. undo twice: the last two approvals are taken back, and the desk shows the earlier one
    press(Qt.Key.Key_Z, CTRL)
    press(Qt.Key.Key_Z, CTRL)
    assert [project.status_of(ln) for ln in queue[8:10]] == ["undecided", "undecided"]
    assert desk.current_line() == queue[8]
    assert desk.progress_label.text() == "7 of 1,500 examples reviewed · 1 skipped"
    assert project.undo_label == f"Approve line {queue[7]}"
    assert window.undo_action.text() == f"&Undo Approve line {queue[7]}"   # the window mirrors the desk

    # 4. resolve a duplicate cluster in the findings panel: keep the suggested keeper
    cluster = next(g for g in project.scan.exact_duplicates if len(g.lines) == 3)
    qtbot.keyClick(window, Qt.Key.Key_2, CTRL)
    fv = window.findings
    row = next(r for r in range(fv.model.rowCount())
               if fv.model.index(r).data(FindingRole).lines == tuple(cluster.lines))
    fv.list.setCurrentIndex(fv.model.index(row))
    keep = fv.diff._line(fv.diff.left_pick)
    assert keep == cluster.keeper
    qtbot.mouseClick(fv.diff.keep_left, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=10_000)
    others = [ln for ln in cluster.lines if ln != keep]
    assert project.status_of(keep) == "approved"
    assert all(project.decision(ln).status == "rejected" and project.decision(ln).reason == "duplicate"
               for ln in others)
    # the desk heard about it while hidden
    assert desk.progress_label.text().startswith(f"{7 + len(cluster.lines)} of 1,500")

    # 5. export through the dialog (everything not rejected, so the unreviewed rest goes too)
    window.export_action.trigger()
    dlg = window.export_dialog
    qtbot.waitUntil(lambda: dlg.plan is not None and not window.runner.busy(), timeout=60_000)
    out = tmp_path / "export"
    dlg.folder.setText(str(out))
    dlg.include.setCurrentIndex(dlg.include.findData("unrejected"))
    qtbot.waitUntil(lambda: dlg.plan.include == "unrejected" and not window.runner.busy()
                    and not dlg._timer.isActive(), timeout=60_000)
    if any(b.code == "unresolved_contradictions" for b in dlg.plan.blockers):
        assert "contradict" in dlg.blockers.toPlainText()
        assert not dlg.export_button.isEnabled()
        dlg.allow_contradictions.setChecked(True)
        qtbot.waitUntil(lambda: dlg.plan.options.allow_contradictions and not window.runner.busy()
                        and not dlg._timer.isActive(), timeout=60_000)
    assert dlg.plan.ok, dlg.blockers.toPlainText()
    assert dlg.export_button.isEnabled()
    qtbot.mouseClick(dlg.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.manifest is not None, timeout=60_000)

    # 6. the files
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    train = (out / "train.jsonl").read_bytes().splitlines()
    evl = (out / "eval.jsonl").read_bytes().splitlines()
    assert len(train) == manifest["counts"]["train"] and len(evl) == manifest["counts"]["eval"]
    assert manifest["source"]["sha256"] == project.dataset.sha256
    out_lines = {r["line"]: r["split"] for r in manifest["records"]}
    rejected = [ln for ln, d in project.decisions().items() if d.status == "rejected"]
    assert rejected and not set(rejected) & set(out_lines)
    assert keep in out_lines and not set(others) & set(out_lines)
    invalid = {p["line"] for p in planted["invalid"]}
    assert not invalid & set(out_lines)
    approved = [ln for ln, d in project.decisions().items() if d.status == "approved"]
    assert set(approved) <= set(out_lines)
    # rows are the source records, in the source format, each in the split the manifest says
    by_split = {"train": [json.loads(b) for b in train], "eval": [json.loads(b) for b in evl]}
    for split, rows in by_split.items():
        lines = [r["line"] for r in manifest["records"] if r["split"] == split]
        assert rows == [project.dataset.by_line(ln).data for ln in lines]
    assert 0.08 <= len(evl) / (len(train) + len(evl)) <= 0.12
    assert "Written to" in dlg.preview.toPlainText()
    verify = subprocess.run([sys.executable, "-m", "curator", "verify", str(out)], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
