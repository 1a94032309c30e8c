"""Drive the real main window: open a sample, wait for the scan, filter and search, resolve a
duplicate cluster from the findings panel, fix with live validation, undo, reopen and resume.
Real files in tmp_path, the real SQLite project store."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from curator import open_project
from curator.core.decisions import APPROVED, FIXED, REJECTED, UNDECIDED
from curator.gui.main_window import PAGE_WELCOME, PAGE_WORKSPACE, MainWindow
from curator.gui.table_model import COL_FLAGS, COL_LINE, COL_RESPONSE, FlagsRole, LineRole, StatusRole


def _rows(window, role):
    m = window.model
    return [m.index(r, 0).data(role) for r in range(m.rowCount())]


def test_open_sample_scans_and_fills_everything(opened, sample):
    w = opened
    ds = w.project.dataset
    assert w.stack.currentIndex() == PAGE_WORKSPACE
    assert w.model.rowCount() == len(ds.records) > 100
    assert w.windowTitle().startswith(sample.name)
    assert w.findings.model.rowCount() > 0, "the sample has planted duplicates/contradictions"
    # the table's flags are the scan's flags
    flagged = {ln for ln, f in w.project.scan.flags_by_line().items() if f}
    shown = {w.model.index(r, 0).data(LineRole) for r in range(w.model.rowCount())
             if w.model.index(r, 0).data(FlagsRole)}
    assert flagged <= shown
    # the first example is selected and shown as a conversation
    assert w.current_line() is not None
    assert w.examples.example.text().startswith(f"Line {w.current_line()}")
    assert "Opened" in w.statusBar().currentMessage()
    assert w.prefs.recent_files()[0] == str(sample.resolve())


def test_table_model_passes_qtmodeltester(opened, qtmodeltester):
    qtmodeltester.check(opened.model, force_py=True)
    # still connected: the resets behind filters, search and header sorting are checked too
    opened.examples.flag_box.setCurrentIndex(opened.examples.flag_box.findData("any"))
    opened.examples.search.setText("order")
    opened.apply_filters()
    opened.examples.table.sortByColumn(COL_FLAGS, Qt.SortOrder.DescendingOrder)
    opened.select_line(opened.model.index(0, 0).data(LineRole))
    opened.approve_current()
    opened.undo()


def test_filter_by_flag_status_format_and_search(opened, qtbot):
    w, ex = opened, opened.examples
    total = w.model.rowCount()
    ex.flag_box.setCurrentIndex(ex.flag_box.findData("duplicate"))
    dup = _rows(w, FlagsRole)
    assert dup and all({"duplicate", "near_duplicate"} & set(f) for f in dup)
    assert ex.count.text() == f"{len(dup):,} of {total:,} examples"
    ex.flag_box.setCurrentIndex(ex.flag_box.findData("none"))
    assert all(not f for f in _rows(w, FlagsRole))
    ex.flag_box.setCurrentIndex(0)
    assert w.model.rowCount() == total
    # search: typed into the box, applied after the debounce
    rec = w.project.dataset.records[5]
    full = {r.line: "\n".join(t.content for t in r.turns).lower() for r in w.project.dataset.records}
    words = {x.strip(".,!?;:'\"").lower() for x in rec.response.split()} - {""}
    word = min(sorted(words), key=lambda x: sum(x in text for text in full.values()))   # the rarest
    expected = {ln for ln, text in full.items() if word in text}
    assert rec.line in expected and len(expected) < total
    qtbot.keyClicks(ex.search, word.upper())
    qtbot.waitUntil(lambda: w.model.rowCount() < total, timeout=3000)
    assert set(_rows(w, LineRole)) == expected
    # Esc clears the search
    qtbot.keyClick(ex.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: w.model.rowCount() == total, timeout=3000)
    # status filter follows decisions
    w.select_line(rec.line)
    w.approve_current()
    ex.status_box.setCurrentIndex(ex.status_box.findData(APPROVED))
    assert _rows(w, LineRole) == [rec.line]
    ex.status_box.setCurrentIndex(0)
    fmt = w.project.dataset.format
    ex.format_box.setCurrentIndex(ex.format_box.findData(fmt))
    assert w.model.rowCount() == sum(1 for r in w.project.dataset.records if r.format == fmt)


def test_sorting_by_header_is_done_in_the_core(opened):
    w = opened
    w.examples.table.sortByColumn(COL_LINE, Qt.SortOrder.DescendingOrder)
    lines = _rows(w, LineRole)
    assert lines == sorted(lines, reverse=True)
    w.examples.table.sortByColumn(COL_FLAGS, Qt.SortOrder.DescendingOrder)
    assert w.model.index(0, 0).data(FlagsRole), "most-flagged first"
    assert isinstance(w.model.ids(), np.ndarray)


def test_resolve_duplicate_cluster_from_findings_then_undo(opened, qtbot):
    w = opened
    w.show_view("findings")
    fv = w.findings
    row = next(i for i, it in enumerate(fv.model.items) if it.kind in ("duplicate", "near_duplicate"))
    fv.list.setCurrentIndex(fv.model.index(row))
    item = fv.model.items[row]
    diff = fv.diff
    assert diff.item is item
    keep = diff._line(diff.left_pick)
    assert diff.left.toPlainText() and diff.right.toPlainText()
    assert diff.scores.text()
    qtbot.mouseClick(diff.keep_left, Qt.MouseButton.LeftButton)
    d = w.project.decisions()
    assert d[keep].status == APPROVED
    others = [ln for ln in item.lines if ln != keep]
    assert all(d[ln].status == REJECTED and d[ln].reason == "duplicate" for ln in others)
    # the table and the findings list show it
    assert w.model.index(w.model.row_of_line(keep), 0).data(StatusRole) == APPROVED
    assert fv.model.is_resolved(item)
    assert fv.model.index(row).data().startswith("✔")
    # and it survives a reopen of the project file (on disk before the call returned)
    with open_project(w.project.dataset.path, scan=False) as again:
        assert again.status_of(keep) == APPROVED
    # undo from the Edit menu action mirrors the project
    assert w.undo_action.isEnabled() and "Keep line" in w.undo_action.text()
    w.undo_action.trigger()
    assert all(w.project.status_of(ln) == UNDECIDED for ln in item.lines)
    assert w.model.index(w.model.row_of_line(keep), 0).data(StatusRole) == UNDECIDED
    assert w.redo_action.isEnabled()
    w.redo_action.trigger()
    assert w.project.status_of(keep) == APPROVED


def test_resolve_contradiction_keep_right_and_reject_both(tmp_path, window, qtbot):
    rows = [{"messages": [{"role": "user", "content": "How long do refunds take?"},
                          {"role": "assistant", "content": "Refunds take 5 to 7 business days."}]},
            {"messages": [{"role": "user", "content": "How long do refunds take?"},
                          {"role": "assistant", "content": "We do not offer refunds on any order."}]},
            {"messages": [{"role": "user", "content": "Do you ship to Norway?"},
                          {"role": "assistant", "content": "Yes, in about a week."}]}]
    p = tmp_path / "c.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    window.open_path(p)
    items = [it for it in window.findings.model.items if it.kind == "contradiction"]
    if not items:
        # the contradiction detector is not in this build's scan: nothing to resolve here
        assert window.project.scan.contradictions == []
        return
    window.show_view("findings")
    window.findings.list.setCurrentIndex(window.findings.model.index(window.findings.model.items.index(items[0])))
    diff = window.findings.diff
    right = diff._line(diff.right_pick)
    diff.keep_right.click()
    d = window.project.decisions()
    assert d[right].status == APPROVED and {x.status for x in d.values()} == {APPROVED, REJECTED}
    # the word diff highlights the differing answer words
    assert "Refunds" in diff.left.toPlainText() or "refunds" in diff.left.toPlainText()
    # a false alarm: "Approve both" (Alt+5) approves both, one undo step, and the export is not blocked
    window.undo_action.trigger()
    assert window.project.decisions() == {}
    assert diff.keep_all.isVisible() and diff.keep_all.text() == "Approve both  [Alt+5]"
    qtbot.keyClick(window.findings.list, Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)
    d = window.project.decisions()
    assert {ln: x.status for ln, x in d.items()} == {items[0].lines[0]: APPROVED, items[0].lines[1]: APPROVED}
    from curator.core.export import ExportOptions, plan_export

    plan = plan_export(window.project.dataset, window.project.scan, d, options=ExportOptions(include="unrejected"))
    assert not [b for b in plan.blockers if b.code == "unresolved_contradictions"]
    assert set(items[0].lines) <= {e.line for e in plan.entries}
    # the right-hand answer can be the one to correct (a new user's report: only "Fix left")
    right = diff._line(diff.right_pick)
    left = diff._line(diff.left_pick)
    assert diff.fix_right.isVisible() and diff.fix_right.text() == f"Fix line {right}… (rejects line {left})  [Alt+6]"
    from gui_helpers import when_modal
    from PySide6.QtWidgets import QMessageBox

    when_modal(QMessageBox, lambda box: box.defaultButton().click())   # "Fix line 2, reject line 1"
    diff.fix_right.click()
    assert window.fix_dialog is not None and window.fix_dialog.windowTitle() == f"Fix line {right}"
    window.fix_dialog.reject()


def test_findings_compare_a_fixed_example_in_its_fixed_form_and_keep_keeps_the_fix(tmp_path, window, qtbot):
    """A new user's report: after fixing line 1 ("14 days" → "5 days"), its contradiction still
    showed "14 days" under "Line 1 · fixed", and "Keep line 1" then exported the original."""
    rows = [{"messages": [{"role": "user", "content": "How long is the course of nitrofurantoin?"},
                          {"role": "assistant", "content": "Take it twice daily for 14 days."}]},
            {"messages": [{"role": "user", "content": "How long is the course of nitrofurantoin?"},
                          {"role": "assistant", "content": "Take it twice daily for 5 days."}]},
            {"messages": [{"role": "user", "content": "Is ibuprofen safe in late pregnancy?"},
                          {"role": "assistant", "content": "No, avoid it after 20 weeks."}]}]
    p = tmp_path / "c.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    window.open_path(p)
    [item] = [it for it in window.findings.model.items if it.kind == "contradiction"]
    window.show_view("findings")
    window.findings.list.setCurrentIndex(window.findings.model.index(window.findings.model.items.index(item)))
    diff = window.findings.diff
    left = diff._line(diff.left_pick)
    fixed = json.loads(json.dumps(rows[left - 1]))
    fixed["messages"][1]["content"] = "Take it twice daily for 5 days (corrected)."
    window.mutate("Fixing", lambda: window.project.fix(left, fixed))
    assert "(corrected)" in diff.left.toPlainText() and "14 days" not in diff.left.toPlainText()
    assert diff.left_head.text() == f"Line {left} · fixed"
    diff.keep_left.click()
    assert window.project.decision(left).status == FIXED and window.project.decision(left).fixed == fixed


def test_fix_with_live_validation_is_stored_and_undoable(opened, qtbot):
    w = opened
    line = w.current_line()
    w.examples.table.setFocus()
    qtbot.keyClick(w.examples.table, Qt.Key.Key_E)
    dlg = w.fix_dialog
    assert dlg is not None and dlg.isVisible()
    save = dlg.buttons.button(QDialogButtonBox.StandardButton.Save)
    assert save.isEnabled()
    dlg.editor.setPlainText('{"messages": [ broken')
    qtbot.waitUntil(lambda: not save.isEnabled(), timeout=2000)
    assert "Not valid JSON" in dlg.status.text()
    dlg.editor.setPlainText(json.dumps({"messages": [{"role": "user", "content": "hi"}]}))
    qtbot.waitUntil(lambda: not save.isEnabled() and "✖" in dlg.status.text(), timeout=2000)
    fixed = {"messages": [{"role": "user", "content": "How do I reset it?"},
                          {"role": "assistant", "content": "Use the Zephyrine reset link."}]}
    dlg.editor.setPlainText(json.dumps(fixed))
    qtbot.waitUntil(save.isEnabled, timeout=2000)
    save.click()
    d = w.project.decision(line)
    assert d.status == FIXED and d.fixed == fixed
    assert "Use the Zephyrine reset link." in w.examples.example.text()
    assert "fixed version" in w.examples.example.raw.toPlainText()
    row = w.model.row_of_line(line)
    assert w.model.index(row, COL_RESPONSE).data() == "Use the Zephyrine reset link."   # the table shows the fix
    w.examples.search.setText("zephyrine RESET")
    w.apply_filters()
    assert [w.model.index(r, 0).data(LineRole) for r in range(w.model.rowCount())] == [line]
    w.undo()
    assert w.project.decision(line) is None
    assert w.model.index(w.model.row_of_line(line), COL_RESPONSE).data() != "Use the Zephyrine reset link."


def test_fix_form_corrects_the_answer_in_a_box_and_keeps_the_rest_of_the_record(opened, qtbot):
    """Clinicians are not asked to edit JSON: the Fix editor opens on a form with one box per text,
    focused on the answer; the fix changes only that string."""
    import copy

    w = opened
    line = w.current_line()
    source = copy.deepcopy(w.project.dataset.by_line(line).data)
    w.examples.table.setFocus()
    qtbot.keyClick(w.examples.table, Qt.Key.Key_E)
    dlg = w.fix_dialog
    qtbot.waitExposed(dlg)
    save = dlg.save_button
    assert dlg.tabs.currentIndex() == 0 and dlg.tabs.isTabEnabled(0)
    labels = [dlg._form_layout.itemAt(i).widget().text() for i in range(0, 2 * len(dlg.form_boxes), 2)]
    assert labels == ["System prompt (message 1)", "User (message 2)", "Assistant (message 3)"]
    answer = dlg.focusWidget()
    assert answer is dlg.form_boxes[-1]
    answer.selectAll()
    qtbot.keyClick(answer, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: not save.isEnabled(), timeout=2000)          # an empty answer is refused
    assert "✖" in dlg.status.text()
    qtbot.keyClicks(answer, "Reset it from Settings > Security.")
    qtbot.waitUntil(save.isEnabled, timeout=2000)
    dlg.tabs.setCurrentIndex(1)                                          # the JSON shows the same change
    assert "Reset it from Settings > Security." in dlg.editor.toPlainText()
    dlg.tabs.setCurrentIndex(0)
    dlg.activateWindow()
    qtbot.waitUntil(dlg.isActiveWindow, timeout=2000)
    qtbot.keyClick(answer, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)   # the button's animated click
    qtbot.waitUntil(lambda: w.project.decision(line) is not None, timeout=2000)
    expected = copy.deepcopy(source)
    expected["messages"][-1]["content"] = "Reset it from Settings > Security."
    d = w.project.decision(line)
    assert d.status == FIXED and d.fixed == expected


def test_fix_form_follows_edits_made_in_the_json_tab(opened, qtbot):
    w = opened
    line = w.current_line()
    dlg = w.open_fix_dialog(line)
    qtbot.waitExposed(dlg)
    try:
        _form_follows_json(qtbot, dlg)
    finally:
        dlg.done(0)          # never left open with edits: closing the window would ask (and wait)


def _form_follows_json(qtbot, dlg) -> None:
    dlg.tabs.setCurrentIndex(1)
    obj = json.loads(dlg.editor.toPlainText())
    obj["messages"][1]["content"] = "How do I change my password?"
    dlg.editor.setPlainText(json.dumps(obj))
    dlg.tabs.setCurrentIndex(0)
    assert dlg.form_boxes[1].toPlainText() == "How do I change my password?"
    qtbot.waitUntil(lambda: dlg.focusWidget() is dlg.form_boxes[-1], timeout=2000)   # the cursor is in the answer
    before = dlg.form_boxes[-1].height()
    dlg.form_boxes[-1].setPlainText("\n".join(f"line {i}" for i in range(9)))
    assert dlg.form_boxes[-1].height() > before             # the box grows with what is typed
    dlg.tabs.setCurrentIndex(1)
    dlg.editor.setPlainText('{"messages": [{"role": "user", "content": "cut off')   # unreadable JSON: no form
    dlg.revalidate()
    assert "is never closed" in dlg.status.text()           # the loader's plain words, not the parser's
    dlg.tabs.setCurrentIndex(0)
    assert not dlg.form_scroll.isEnabled() and "correct it in the JSON tab" in dlg.hint.text()


def test_reopening_resumes_the_project(window, sample, prefs, qtbot):
    window.open_path(sample)
    # a first open says where to start (a new user saw no pointer to the findings or the sample)
    assert "start with the findings (Ctrl+2)" in window.statusBar().currentMessage()
    lines = [r.line for r in window.project.dataset.records[:3]]
    for ln in lines:
        window.select_line(ln)
        window.approve_current()
    window.close()
    w2 = MainWindow(prefs)
    qtbot.addWidget(w2)
    w2.show()
    # the welcome screen lists the file as a recent project; activating it reopens it
    assert w2.stack.currentIndex() == PAGE_WELCOME
    item = w2.welcome.recent.item(0)
    assert item.data(Qt.ItemDataRole.UserRole) == str(sample.resolve())
    w2.welcome.recent.itemActivated.emit(item)
    assert w2.project is not None
    assert "start with" not in w2.statusBar().currentMessage()     # decisions exist: no first-step hint
    assert [w2.project.status_of(ln) for ln in lines] == [APPROVED] * 3
    assert [w2.model.index(w2.model.row_of_line(ln), 0).data(StatusRole) for ln in lines] == [APPROVED] * 3
    assert w2.undo_action.isEnabled()          # undo survives the restart
    w2.undo_action.trigger()
    assert w2.project.status_of(lines[-1]) == UNDECIDED
    w2.close_project()


def test_drop_a_file_on_the_window_opens_it(window, tmp_path, make_chat_file):
    p = make_chat_file(tmp_path / "dropped.jsonl", 300)
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(p))])
    ev = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    window.dropEvent(ev)
    assert window.project is not None and window.path == p
    assert window.model.rowCount() == len(window.project.dataset.records)


def test_missing_and_unreadable_files_are_explained(window, tmp_path):
    window.open_path(tmp_path / "nope.jsonl")
    assert window._last_box.isVisible() and "does not exist" in window._last_box.text()
    window._last_box.close()
    (tmp_path / "adir").mkdir()             # a folder is not "missing" (a trial)
    window.open_path(tmp_path / "adir")
    assert "This is a folder, not a file" in window._last_box.text() and "does not exist" not in window._last_box.text()
    window._last_box.close()
    bad = tmp_path / "bad.json"
    bad.write_text("[{\"a\": 1}, oops")
    window.open_path(bad)
    assert window.project is None and window.stack.currentIndex() == PAGE_WELCOME
    assert window._last_box.isVisible() and "bad.json" in window._last_box.text()


def test_damaged_project_offers_a_fresh_one(window, sample):
    from curator.core.project import default_project_path

    default_project_path(sample).write_bytes(b"this is not sqlite" * 100)
    window.open_path(sample)
    box = window._last_box
    assert window.project is None and box.isVisible() and "fresh project" in box.text()
    box.button(box.StandardButton.Yes).click()
    assert window.project is not None
    assert window.project.set_aside is not None and window.project.set_aside.exists()


def test_project_from_a_newer_curator_is_not_offered_a_fresh_start(window, sample):
    """A fresh project would not help (and would shelve the newer decisions): say what to do."""
    import sqlite3

    from curator.core.project import default_project_path
    from curator.core.store import SCHEMA_VERSION

    proj = default_project_path(sample)
    with sqlite3.connect(proj) as c:
        c.execute("UPDATE schema_version SET version=?", (SCHEMA_VERSION + 1,))
    before = proj.read_bytes()
    window.open_path(sample)
    box = window._last_box
    assert window.project is None and box.isVisible()
    assert "newer Curator" in box.text() and "fresh project" not in box.text()
    assert box.button(box.StandardButton.Yes) is None
    assert proj.read_bytes() == before


def test_threaded_open_shows_the_step_and_cancels(window, tmp_path, qtbot, make_chat_file):
    from curator.gui import run_op

    p = make_chat_file(tmp_path / "big.jsonl", 60000)
    run_op.set_inline(False)
    window.open_path(p)
    assert window.stack.currentIndex() == 1   # the loading page
    qtbot.waitUntil(lambda: " / " in window.loading.step.text(), timeout=20000)
    assert "…" in window.loading.step.text() and window.loading.bar.maximum() > 0
    qtbot.mouseClick(window.loading.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=20000)
    assert window.project is None and window.stack.currentIndex() == PAGE_WELCOME
    assert "cancelled" in window.statusBar().currentMessage().lower()


def test_threaded_open_completes(window, tmp_path, qtbot, make_chat_file):
    from curator.gui import run_op

    p = make_chat_file(tmp_path / "mid.jsonl", 3000)
    run_op.set_inline(False)
    window.open_path(p)
    qtbot.waitUntil(lambda: window.project is not None, timeout=60000)
    assert window.model.rowCount() == len(window.project.dataset.records)
    assert window.stack.currentIndex() == PAGE_WORKSPACE
    # the scan ran in a child process (no GIL shared with the window) and the window found it cached
    assert window.last_scan_process is not None and window.last_scan_process["ok"] is True
    assert window.project.scan.exact_duplicates


def test_threaded_open_of_a_damaged_project_reports_the_file_kept_aside(window, sample, qtbot):
    from curator.core.project import default_project_path
    from curator.gui import run_op

    default_project_path(sample).write_bytes(b"not a database" * 50)
    run_op.set_inline(False)
    window.open_path(sample, fresh=True)
    qtbot.waitUntil(lambda: window.project is not None, timeout=60000)
    assert window.last_scan_process["set_aside"] is not None
    assert window.project.set_aside is not None and window.project.set_aside.exists()
    assert "kept aside" in window._last_box.text()


def test_layout_and_settings_are_remembered(window, prefs, qtbot, sample):
    window.open_path(sample)
    window.examples.splitter.setSizes([300, 400])
    sizes = window.examples.splitter.sizes()
    window.examples.table.setColumnWidth(COL_FLAGS, 211)
    window.close()
    w2 = MainWindow(prefs)
    qtbot.addWidget(w2)
    w2.show()
    w2.stack.setCurrentIndex(2)
    QApplication.processEvents()
    got = w2.examples.splitter.sizes()
    assert abs(got[0] / sum(got) - sizes[0] / sum(sizes)) < 0.02
    assert w2.examples.table.columnWidth(COL_FLAGS) == 211


def test_registered_views_come_and_go_with_the_project(window, sample):
    from PySide6.QtWidgets import QLabel

    made = []

    def make(win):
        lab = QLabel(f"{len(win.project.dataset.records)} records")
        made.append(lab)
        return lab

    spec = window.register_view("extra", "Extra", make, shortcut="Ctrl+9")
    assert not spec.action.isEnabled()
    window.open_path(sample)
    assert not made and spec.action.isEnabled()   # created on first show, not while opening
    tab = next(i for i in range(window.views.count()) if window.views.tabText(i) == "Extra")
    window.views.setCurrentIndex(tab)              # clicking its tab creates it in place
    assert len(made) == 1 and window.views.currentWidget() is made[0] and window.views.indexOf(made[0]) == tab
    window.show_view("examples")
    spec.action.trigger()
    assert window.views.currentWidget() is made[0] and len(made) == 1
    window.close_project()
    assert window.views.count() == 2 and not spec.action.isEnabled()
    window.open_path(sample)
    assert window.view_widget("extra") is made[1]     # a fresh one for the new project


def test_keyboard_only_navigation(opened, qtbot):
    w = opened
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert w.views.currentWidget() is w.findings
    qtbot.keyClick(w, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert w.views.currentWidget() is w.examples
    qtbot.keyClick(w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is w.examples.search
    qtbot.keyClicks(w.examples.search, "zzzqqq-no-such-word")
    qtbot.keyClick(w.examples.search, Qt.Key.Key_Return)
    assert w.model.rowCount() == 0 and QApplication.focusWidget() is w.examples.table
    w.examples.search.clear()
    w.apply_filters()
    w.examples.table.setFocus()
    first = w.current_line()
    qtbot.keyClick(w.examples.table, Qt.Key.Key_Down)
    assert w.current_line() != first
    line = w.current_line()
    qtbot.keyClick(w.examples.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert w.project.status_of(line) == APPROVED
    qtbot.keyClick(w.examples.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert w.project.status_of(line) == UNDECIDED
    qtbot.keyClick(w.examples.table, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert w.project.status_of(line) == APPROVED


def test_settings_dialog_saves_and_rescans(opened, prefs):
    from curator.gui.settings import NEAR_THRESHOLD, REVIEWER, THEME

    dlg = opened.show_settings()
    dlg.reviewer.setText("Dr. Ana Ruiz")
    dlg.thresholds[NEAR_THRESHOLD.key].setValue(85)
    dlg.theme.setCurrentIndex(dlg.theme.findData("dark"))
    dlg.key_edits["approve"].setText("A, R")   # conflicts with reject's default R
    dlg._accept()
    assert dlg.isVisible() and "bound to" in dlg.problem.text()
    dlg.key_edits["approve"].setText("Y")
    dlg._accept()
    assert not dlg.isVisible()
    assert prefs.get(REVIEWER) == "Dr. Ana Ruiz" and prefs.get(THEME) == "dark"
    assert prefs.key_overrides() == {"approve": ["Y"]}
    assert opened.project.reviewer == "Dr. Ana Ruiz"
    assert opened.project.scan_settings["near_threshold"] == 85
    assert QApplication.instance().property("curatorTheme") == "dark"
    opened.set_theme("light")


def test_about_and_shortcuts_dialogs_are_plain_text(opened):
    box = opened.show_about()
    assert box.textFormat() == Qt.TextFormat.PlainText and "Curator" in box.text()
    box.close()
    dlg = opened.show_shortcuts()
    text = dlg.findChild(type(opened.examples.example.raw)).toPlainText()
    assert "Undo" in text and "Approve" in text and "Ctrl+Z" in text
    dlg.close()


def test_curator_FILE_starts_the_window_with_the_file_open(sample, qtbot):
    from curator.cli import main
    from curator.gui import errors
    from curator.gui.launch import start

    _app, w = start([str(sample)])          # what `curator FILE` runs before the event loop
    qtbot.addWidget(w)
    assert w.isVisible() and w.path == sample and w.model.rowCount() == 1500
    assert errors.log_path() is not None and "data-home" in str(errors.log_path())   # hook installed
    w.close()
    # and the CLI routes a bare file argument to the app (here refused: no display)
    import os

    env_display = os.environ.pop("DISPLAY", None)
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    try:
        assert main([str(sample)]) == 2
    finally:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        if env_display is not None:
            os.environ["DISPLAY"] = env_display


def test_findings_resolve_with_the_keyboard(opened, qtbot):
    w = opened
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is w.findings.list
    qtbot.keyClick(w.findings.list, Qt.Key.Key_Down)
    item = w.findings.diff.item
    keep = w.findings.diff._line(w.findings.diff.right_pick)
    qtbot.keyClick(w.findings.list, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)   # keep right
    assert w.project.status_of(keep) == APPROVED
    assert all(w.project.status_of(x) == REJECTED for x in item.lines if x != keep)
    qtbot.keyClick(w.findings.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert all(w.project.status_of(x) == UNDECIDED for x in item.lines)


def test_edit_actions_follow_the_findings_panel(opened, qtbot):
    w = opened
    w.show_view("findings")
    left = w.findings.diff._line(w.findings.diff.left_pick)
    qtbot.keyClick(w.findings.list, Qt.Key.Key_E)
    assert w.fix_dialog is not None and w.fix_dialog.windowTitle() == f"Fix line {left}"
    w.fix_dialog.reject()
    w.approve_action.trigger()
    assert w.project.status_of(left) == APPROVED


def test_opening_a_second_file_while_the_first_loads_keeps_only_the_second(window, tmp_path, qtbot,
                                                                            make_chat_file):
    from curator.gui import run_op

    first = make_chat_file(tmp_path / "first.jsonl", 40000)
    second = make_chat_file(tmp_path / "second.jsonl", 500, seed=2)
    run_op.set_inline(False)
    window.open_path(first)
    qtbot.waitUntil(lambda: " / " in window.loading.step.text(), timeout=20000)
    window.open_path(second)
    pages = []
    window.stack.currentChanged.connect(pages.append)
    qtbot.waitUntil(lambda: not window.runner.busy(), timeout=60000)
    assert pages == [PAGE_WORKSPACE]      # the loading page stayed up until the second file was in
    assert window.project is not None and window.path == second
    assert window.model.rowCount() == len(window.project.dataset.records) < 1000
    assert window.stack.currentIndex() == PAGE_WORKSPACE


def test_keyboard_on_the_welcome_screen_and_typing_e_in_search(window, sample, qtbot):
    window.prefs.add_recent(sample)
    window._refresh_recent()
    window.welcome.recent.setFocus()
    window.welcome.recent.setCurrentRow(0)
    qtbot.keyClick(window.welcome.recent, Qt.Key.Key_Return)
    assert window.project is not None and window.path == sample
    window.focus_search()
    qtbot.keyClicks(window.examples.search, "Eve")
    assert window.examples.search.text() == "Eve" and window.fix_dialog is None


def test_first_start_opens_the_bundled_sample_later_starts_greet(sample, qtbot, monkeypatch):
    """`curator` with no file: a first start opens the support sample at once (README promise);
    once something has been opened, the welcome screen with samples and recent projects greets."""
    from curator.gui import welcome
    from curator.gui.launch import start
    from curator.gui.settings import Preferences

    monkeypatch.setattr(welcome, "sample_dir", lambda: sample.parent)   # a private copy, not the checkout's
    assert Preferences().recent_files() == []
    _app, first = start([])
    qtbot.addWidget(first)
    qtbot.waitUntil(lambda: first.model.rowCount() == 1500, timeout=60000)
    assert first.path == sample
    first.close()
    assert Preferences().recent_files() == [str(sample.resolve())]
    _app, later = start([])
    qtbot.addWidget(later)
    assert later.stack.currentWidget() is later.welcome
    assert later.welcome.recent.count() == 1 and later.welcome.samples.count() >= 1
    later.close()


def test_dataset_in_a_read_only_folder_offers_the_user_project_folder(window, read_only_folder, sample, qtbot):
    """A dataset on a drive the reviewer cannot write to: the window offers to keep the project in
    the user's own folder, opens it there, and finds it again next time without asking."""
    from PySide6.QtWidgets import QMessageBox

    from curator.core.project import user_project_path

    data = read_only_folder("support.jsonl", sample.read_text(encoding="utf-8"))
    window.open_path(data)
    box = window._last_box
    assert window.project is None and box.isVisible()
    assert "cannot write" in box.text() and str(user_project_path(data)) in box.text()
    box.button(QMessageBox.StandardButton.Yes).click()
    assert window.project is not None and window.project.path == user_project_path(data)
    assert str(user_project_path(data)) in window.statusBar().currentMessage()
    line = window.current_line()
    window.approve_current()
    qtbot.waitUntil(lambda: window.project.status_of(line) == "approved", timeout=5000)
    window.close_project()

    window.open_path(data)                       # again: no question, the same project
    assert window.project is not None and window.project.path == user_project_path(data)
    assert window.project.status_of(line) == "approved"
    assert sorted(p.name for p in data.parent.iterdir()) == ["support.jsonl"]


def test_window_scans_with_the_same_defaults_as_the_cli(prefs, tmp_path):
    """A fresh window's detector settings are the core's defaults, so `curator scan` and the
    window find the same contradictions (the window once used 50 for answers, the core 35)."""
    from curator.core.scan import ScanSettings

    core = ScanSettings().to_dict()
    mine = prefs.scan_settings()
    assert mine and all(float(v) == float(core[k]) for k, v in mine.items())


def test_a_file_that_fails_to_open_leaves_the_open_project_open(opened, tmp_path):
    """A new user's report: opening an empty file while a project was open closed that project and
    left "Opened support_chat.jsonl" in the status bar over the welcome page."""
    w = opened
    before = w.project
    line = w.current_line()
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    w.open_path(empty)
    assert w.project is before and w.stack.currentIndex() == PAGE_WORKSPACE
    assert w._last_box.isVisible() and "empty" in w._last_box.text()
    assert "Could not open empty.jsonl" in w.statusBar().currentMessage()
    w._last_box.close()
    w.approve_current()                               # still reviewing the same project
    assert w.project.status_of(line) == APPROVED
    name = w.project.dataset.path.name
    w.close_project()
    assert w.stack.currentIndex() == PAGE_WELCOME and w.statusBar().currentMessage() == f"Closed {name}."


def test_the_bundled_sample_in_a_read_only_install_opens_without_a_question(window, read_only_folder, sample,
                                                                              monkeypatch):
    """A new user's report: with the app installed where users cannot write, the very first start
    (which opens the bundled sample) began with the "Keep the project elsewhere?" question."""
    from curator.core.project import user_project_path
    from curator.gui.launch import first_run_sample

    data = read_only_folder("support_chat.jsonl", sample.read_text(encoding="utf-8"))
    monkeypatch.setenv("CURATOR_SAMPLE_DIR", str(data.parent))
    assert first_run_sample() == data
    window.open_path(data)
    assert window.project is not None and window.project.path == user_project_path(data)
    box = getattr(window, "_last_box", None)
    assert box is None or not box.isVisible()


def test_nothing_changes_the_open_project_while_another_loads(opened, tmp_path, qtbot, make_chat_file):
    """Review finding: with the open project kept open during a background open, Undo/Approve/
    Close stayed live behind the loading page, and a decision queued behind the load landed on
    the closed store (an error dialog, the decision lost)."""
    from curator.gui import run_op

    w = opened
    line = w.current_line()
    w.approve_current()
    assert w.undo_action.isEnabled()
    big = make_chat_file(tmp_path / "next.jsonl", 20000)
    run_op.set_inline(False)
    try:
        w.open_path(big)
        assert w._opening()
        for act in (w.undo_action, w.approve_action, w.reject_action, w.close_action, w.rescan_action):
            assert not act.isEnabled(), act.text()
        assert w.mutate("late", lambda: w.project.approve(line)) is None
        qtbot.waitUntil(lambda: w.project is not None and w.path == big, timeout=60000)
        assert w.approve_action.isEnabled() and w.close_action.isEnabled()
    finally:
        run_op.set_inline(True)


def test_counts_of_one_are_singular(window, tmp_path):
    """A new user's report: '1 examples'."""
    p = tmp_path / "one.jsonl"
    p.write_text(json.dumps({"messages": [{"role": "user", "content": "Hi"},
                                          {"role": "assistant", "content": "Hello!"}]}) + "\n")
    window.open_path(p)
    assert window.examples.count.text() == "1 of 1 example"
    assert window.count_label.text().endswith("0 examples flagged")
