"""The review desk, driven with keys over a real project in tmp_path (real SQLite, real files)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from curator import open_project
from curator.gui import run_op
from curator.gui.review_view import DONE, SAVING, SHOWING, KeyMapOverlay, ReviewDesk
from curator.gui.settings import REVIEWER

HOSTILE = "<img src=x onerror=alert(1)>"


def _chat_file(path: Path, n: int = 60) -> Path:
    rnd = random.Random(5)
    with path.open("w", encoding="utf-8") as f:
        for i in range(1, n + 1):
            q = f"Question {i}: how do I {rnd.choice(['reset a password', 'track a parcel', 'get a refund'])}?"
            a = f"Answer {i}: open Settings, then follow step {rnd.randint(1, 9)}."
            if i == 4:
                a = f"{HOSTILE} <b>bold</b> <script>alert(2)</script>"
            f.write(json.dumps({"messages": [{"role": "user", "content": q},
                                             {"role": "assistant", "content": a}],
                                "metadata": {"category": rnd.choice(["billing", "shipping"])}}) + "\n")
    return path


@pytest.fixture
def project(tmp_path):
    p = open_project(_chat_file(tmp_path / "chat.jsonl"), reviewer="")
    yield p
    p.close()


@pytest.fixture
def desk(qtbot, project, prefs):
    prefs.set(REVIEWER, "Ana")
    runner = run_op.OpRunner()
    d = ReviewDesk(project, runner, prefs)
    qtbot.addWidget(d)
    d.resize(1000, 700)
    d.start("all")
    return shown(qtbot, d)


def shown(qtbot, d):
    """Show the desk as the active window: shortcuts need the keyboard focus inside it."""
    with qtbot.waitActive(d):
        d.show()
        d.activateWindow()
    d.setFocus()
    assert QApplication.focusWidget() is d
    return d


def key(qtbot, widget, k, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(widget, k, modifier)


def test_keys_decide_move_and_undo(qtbot, desk, project):
    assert desk.current_line() == 1 and desk.state == SHOWING
    key(qtbot, desk, Qt.Key.Key_A)
    key(qtbot, desk, Qt.Key.Key_Return)
    assert [project.status_of(n) for n in (1, 2)] == ["approved", "approved"]
    assert desk.current_line() == 3
    key(qtbot, desk, Qt.Key.Key_R)                    # asks why
    assert desk.reason_panel.isVisible()
    key(qtbot, desk.reason_panel.list, Qt.Key.Key_3)  # 3 = third reason code
    d = project.decision(3)
    assert d.status == "rejected" and d.reason == "wrong" and d.reviewer == "Ana"
    key(qtbot, desk, Qt.Key.Key_Backspace)            # reject without a reason: Enter
    key(qtbot, desk.reason_panel.list, Qt.Key.Key_Return)
    assert project.decision(4).status == "rejected" and project.decision(4).reason is None
    key(qtbot, desk, Qt.Key.Key_S)
    assert project.status_of(5) == "skipped"
    assert desk.progress_label.text() == "4 of 60 examples reviewed · 1 skipped"
    # J/K and arrows move without deciding
    key(qtbot, desk, Qt.Key.Key_J)
    key(qtbot, desk, Qt.Key.Key_Right)
    assert desk.current_line() == 8
    key(qtbot, desk, Qt.Key.Key_K)
    key(qtbot, desk, Qt.Key.Key_Left)
    key(qtbot, desk, Qt.Key.Key_Up)
    assert desk.current_line() == 5 and project.status_of(7) == "undecided"
    # undo twice: skip and the reason-less reject come back, and the view shows what was undone
    key(qtbot, desk, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    key(qtbot, desk, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project.status_of(5) == "undecided" and project.status_of(4) == "undecided"
    assert desk.current_line() == 4
    key(qtbot, desk, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert project.status_of(4) == "rejected"
    assert project.redo_label == "Skip line 5"


def test_double_tap_while_saving_decides_once(qtbot, project, prefs):
    """With a real worker thread, a second A while the first is being stored is ignored."""
    import threading

    from PySide6.QtCore import QRunnable, QThreadPool

    run_op.set_inline(False)
    prefs.set(REVIEWER, "Ana")
    # one worker thread, held busy until the keys are pressed, so the write is still pending then
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    gate = threading.Event()
    pool.start(QRunnable.create(lambda: gate.wait(10)))
    runner = run_op.OpRunner(pool=pool)
    d = ReviewDesk(project, runner, prefs)
    qtbot.addWidget(d)
    d.start("all")
    shown(qtbot, d)
    states = []
    d.state_changed.connect(states.append)
    qtbot.keyClick(d, Qt.Key.Key_A)
    assert d.state == SAVING
    qtbot.keyClick(d, Qt.Key.Key_A)                   # ignored: still saving line 1
    qtbot.keyClick(d, Qt.Key.Key_S)
    assert d.trigger("approve") is False
    assert project.decisions() == {}                  # nothing stored yet: the view waits for it
    assert d.current_line() == 1
    gate.set()
    qtbot.waitUntil(lambda: d.state == SHOWING, timeout=5000)
    assert runner.wait_idle(5000)
    assert project.decisions().keys() == {1}
    assert d.current_line() == 2 and states[:2] == [SAVING, SHOWING]
    # the decision is on disk: a second connection sees it
    with open_project(project.dataset.path, scan=False) as again:
        assert again.status_of(1) == "approved"


def test_reviewer_is_asked_once_and_kept(qtbot, project, prefs):
    asked = []

    def ask(_parent):
        asked.append(1)
        return "Dr. Lee"

    prefs.reset(REVIEWER)                 # nobody has given a name yet
    d = ReviewDesk(project, run_op.OpRunner(), prefs, ask_reviewer=ask)
    qtbot.addWidget(d)
    d.start("all")
    shown(qtbot, d)
    assert "asked at the first decision" in d.reviewer_label.text()
    qtbot.keyClick(d, Qt.Key.Key_A)
    qtbot.keyClick(d, Qt.Key.Key_A)
    assert asked == [1] and prefs.get(REVIEWER) == "Dr. Lee"
    assert project.decision(1).reviewer == "Dr. Lee" == project.decision(2).reviewer
    assert d.reviewer_label.text() == "Reviewer: Dr. Lee"


def test_sample_queue_shows_the_live_estimate(qtbot, desk, project):
    desk.kind_box.setCurrentIndex(desk.kind_box.findData("sample"))
    assert desk.fraction.isVisible() and desk.seed.isVisible()
    desk.fraction.setValue(50.0)
    desk.seed.setValue(11)
    qtbot.mouseClick(desk.start_button, Qt.MouseButton.LeftButton)
    sample = project.sample_lines()
    assert desk.lines == sample and len(sample) == 30
    assert desk.current_line() == sample[0]
    assert desk.estimate_label.text() == "Review sampled examples to estimate the rest."
    for _ in range(10):
        qtbot.keyClick(desk, Qt.Key.Key_A)
    est = project.estimate()
    assert est.reviewed == 10 and est.defects == 0
    # ten reviews make a bound of 25.9% whatever was found: too early to show one (MIN_REVIEWED = 20)
    assert desk.estimate_label.text() == "reviewed 10 of 30 sampled — too few to estimate the rest yet (from 20)"
    assert desk.progress_label.text() == "10 of 30 sampled examples reviewed"
    for _ in range(10):
        qtbot.keyClick(desk, Qt.Key.Key_A)
    est = project.estimate()
    assert est.reviewed == 20 and est.defects == 0
    assert desk.estimate_label.text() == f"estimated defect rate of the rest: ≤ {est.upper_bound:.1%} at 95%"
    assert desk.progress_label.text() == "20 of 30 sampled examples reviewed"
    # same seed and fraction → the same sample on reopening the queue
    desk.start("all")
    desk.start("sample", fraction=0.5, seed=11)
    assert desk.lines == sample
    # a stratified sample: each category gets its share (replacing a sample with decisions asks first)
    from gui_helpers import when_modal
    from PySide6.QtWidgets import QMessageBox

    asked = []
    when_modal(QMessageBox, lambda box: (asked.append(box.text()), next(
        b for b in box.buttons() if b.text() == "Draw a new sample").click()))
    desk.stratify.setCurrentIndex(desk.stratify.findData("field:metadata.category"))
    qtbot.mouseClick(desk.start_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "20 of its 30 sampled examples are already reviewed" in asked[0]
    assert project.sample_spec().stratify == "field:metadata.category"
    cats = [project.dataset.by_line(ln).data["metadata"]["category"] for ln in desk.lines]
    everyone = [r.data["metadata"]["category"] for r in project.dataset.records]
    for c in ("billing", "shipping"):
        assert abs(cats.count(c) - everyone.count(c) / 2) <= 1


def test_desk_fits_a_laptop_width_window(qtbot, desk):
    """All controls, sample controls included, fit a 1,024-pixel-wide window (was 1,058 px minimum),
    with the app's style sheet applied as the app does (it widens buttons and combos) and long
    metadata field names in the Stratify list."""
    from curator.gui.app import apply_theme

    apply_theme(QApplication.instance(), "light")
    desk.stratify.addItem("By a_rather_long_metadata_field_name_for_segments", "field:x")
    desk.kind_box.setCurrentIndex(desk.kind_box.findData("sample"))
    assert desk.fraction.isVisible()
    assert desk.minimumSizeHint().width() <= 1000


def test_record_text_is_shown_literally(qtbot, desk):
    desk.start("all", line=4)
    text = desk.reader.toPlainText()
    assert HOSTILE in text and "<script>alert(2)</script>" in text
    html = desk.reader.document().toHtml()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_keymap_overlay_reads_the_table(qtbot, desk):
    from PySide6.QtWidgets import QLabel

    left = []
    desk.leave_requested.connect(lambda: left.append(1))
    qtbot.keyClick(desk, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)
    overlay = desk.findChild(KeyMapOverlay)
    assert overlay is not None and overlay.isVisible()
    texts = {lab.text() for lab in overlay.findChildren(QLabel)}
    assert {"Approve", "Reject", "Fix", "Skip", "Undo", "Redo", "Show keys"} <= texts
    assert "A  /  Enter  /  Enter (keypad)" in texts
    qtbot.keyClick(desk, Qt.Key.Key_Escape)          # closes the overlay, does not leave the desk
    assert not overlay.isVisible() and left == []
    qtbot.keyClick(desk, Qt.Key.Key_Question)
    assert overlay.isVisible()
    qtbot.keyClick(desk, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)
    assert not overlay.isVisible()
    qtbot.keyClick(desk, Qt.Key.Key_Escape)
    assert left == [1]


def test_fix_with_the_live_validating_editor(qtbot, project, prefs):
    from curator.gui.example_view import FixDialog, edit_record

    prefs.set(REVIEWER, "Ana")
    d = ReviewDesk(project, run_op.OpRunner(), prefs,
                   edit_record=lambda parent, rec, fix: edit_record(parent, rec, fix, project))
    qtbot.addWidget(d)
    d.start("all", line=2)
    shown(qtbot, d)
    seen = {}

    def edit():
        [dlg] = [w for w in QApplication.topLevelWidgets() if isinstance(w, FixDialog) and w.isVisible()]
        dlg.editor.setPlainText('{"messages": [{"role": "user", "content": "x"}]}')   # no assistant turn
        seen["invalid_save_enabled"] = dlg.revalidate() or dlg.save_button.isEnabled()
        fixed = json.loads(json.dumps(project.dataset.by_line(2).data))
        fixed["messages"][1]["content"] = "Corrected answer."
        dlg.editor.setPlainText(json.dumps(fixed))
        dlg.revalidate()
        dlg.save_button.click()

    QTimer.singleShot(0, edit)
    qtbot.keyClick(d, Qt.Key.Key_E)
    assert seen["invalid_save_enabled"] is False
    dec = project.decision(2)
    assert dec.status == "fixed" and dec.fixed["messages"][1]["content"] == "Corrected answer."
    assert d.current_line() == 3                      # on to the next undecided
    d.start("all", line=2)
    assert "Corrected answer." in d.reader.toPlainText()


def test_finishing_the_queue(qtbot, project, prefs):
    prefs.set(REVIEWER, "Ana")
    project.approve(range(1, 60))
    d = ReviewDesk(project, run_op.OpRunner(), prefs)
    qtbot.addWidget(d)
    d.start("all")
    shown(qtbot, d)
    assert d.current_line() == 60
    qtbot.keyClick(d, Qt.Key.Key_A)
    assert d.state == DONE and d.where.text().startswith("Queue finished")
    assert d.progress_label.text() == "60 of 60 examples reviewed"
    qtbot.keyClick(d, Qt.Key.Key_K)                   # still browsable
    assert d.state == SHOWING and d.current_line() == 59


def test_desk_keys_do_not_collide_with_window_shortcuts(qtbot, window, tmp_path):
    """Inside the real window every desk key reaches the desk (an ambiguous key would do nothing)."""
    from PySide6.QtGui import QAction, QKeySequence

    from curator.gui import shortcuts as sc

    window.prefs.set(REVIEWER, "Ana")
    window.open_path(_chat_file(tmp_path / "w.jsonl"))
    with qtbot.waitActive(window):
        window.activateWindow()
    window.show_view("review")
    desk = window.view_widget("review")
    assert QApplication.focusWidget() is desk
    desk_keys = {QKeySequence(k).toString() for s in sc.SHORTCUTS for k in sc.keys_for(s.action)}
    window_wide = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)
    clashes = [(act.text(), seq.toString()) for act in window.findChildren(QAction)
               if act.shortcutContext() in window_wide for seq in act.shortcuts()
               if seq.toString() in desk_keys]
    assert clashes == []
    qtbot.keyClick(desk, Qt.Key.Key_A)
    qtbot.keyClick(desk, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.project.status_of(1) == "undecided" and window.project.can_redo
    qtbot.keyClick(desk, Qt.Key.Key_Question)
    assert desk.keymap_visible()


def test_reopening_resumes_the_queue_where_the_reviewer_left_off(qtbot, tmp_path, prefs):
    prefs.set(REVIEWER, "Ana")
    path = _chat_file(tmp_path / "resume.jsonl")
    with open_project(path) as p1:
        d1 = ReviewDesk(p1, run_op.OpRunner(), prefs)
        qtbot.addWidget(d1)
        d1.start("sample", fraction=0.2, seed=3)
        shown(qtbot, d1)
        for _ in range(4):
            qtbot.keyClick(d1, Qt.Key.Key_A)
        sample = list(d1.lines)
        d1.close()
    with open_project(path) as p2:
        d2 = ReviewDesk(p2, run_op.OpRunner(), prefs)
        qtbot.addWidget(d2)
        d2.start(p2.current_queue())
        assert d2.queue_kind == "sample" and d2.kind_box.currentData() == "sample"
        assert d2.lines == sample and d2.current_line() == sample[4]
        assert d2.progress_label.text() == "4 of 12 sampled examples reviewed"


# --- a new user's report: the reason list, the keyboard after a dialog, Esc in the editor ----

def _focus_in(desk) -> bool:
    w = QApplication.focusWidget()
    return w is not None and (w is desk or desk.isAncestorOf(w))


@pytest.mark.parametrize(("width", "font_scale"), [(1000, 1.0), (450, 1.0), (1000, 1.8)])
def test_reject_reasons_are_all_visible(qtbot, desk, width, font_scale):
    """Every reason row is inside the list's viewport, whole (it showed ~2.5 of 9), on a narrow
    desk and after the font grows (a theme or a larger system font)."""
    if font_scale != 1.0:
        f = desk.font()
        f.setPointSizeF(f.pointSizeF() * font_scale)
        desk.setFont(f)
    desk.resize(width, 700)
    qtbot.keyClick(desk, Qt.Key.Key_R)
    lst = desk.reason_panel.list
    assert desk.reason_panel.isVisible() and lst.count() == 9
    view = lst.viewport().rect()
    for i in range(lst.count()):
        rect = lst.visualItemRect(lst.item(i))
        assert view.contains(rect), (lst.item(i).text(), rect, view)
        assert rect.width() >= lst.fontMetrics().horizontalAdvance(lst.item(i).text())


def test_keys_work_after_the_reviewer_name_dialog(qtbot, project, prefs):
    """The real name dialog: once it closes the desk has the keyboard, and the next key decides."""
    from gui_helpers import when_modal

    from curator.gui.review_view import ReviewerDialog

    prefs.reset(REVIEWER)                 # nobody has given a name yet
    d = ReviewDesk(project, run_op.OpRunner(), prefs)
    qtbot.addWidget(d)
    d.resize(1000, 700)
    d.start("all")
    shown(qtbot, d)

    def answer(dlg: ReviewerDialog) -> None:
        qtbot.waitUntil(dlg.accepts_keys, timeout=5000)     # keys in its first moment are dropped
        dlg.name.setText("Dr. Lee")
        dlg.accept()

    when_modal(ReviewerDialog, answer)
    qtbot.keyClick(d, Qt.Key.Key_A)
    assert project.decision(1).reviewer == "Dr. Lee"
    qtbot.waitUntil(lambda: _focus_in(d), timeout=2000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A)      # typed, not clicked into place
    assert project.status_of(2) == "approved"


def test_keys_work_after_the_fix_editor_closes(qtbot, project, prefs):
    from curator.gui.example_view import FixDialog, edit_record

    prefs.set(REVIEWER, "Ana")
    d = ReviewDesk(project, run_op.OpRunner(), prefs,
                   edit_record=lambda parent, rec, fix: edit_record(parent, rec, fix, project))
    qtbot.addWidget(d)
    d.resize(1000, 700)
    d.start("all")
    shown(qtbot, d)

    def cancel():
        [dlg] = [w for w in QApplication.topLevelWidgets() if isinstance(w, FixDialog) and w.isVisible()]
        dlg.reject()            # nothing typed: closes without asking

    QTimer.singleShot(0, cancel)
    qtbot.keyClick(d, Qt.Key.Key_E)
    assert project.status_of(1) == "undecided" and d.state == SHOWING
    qtbot.waitUntil(lambda: _focus_in(d), timeout=2000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A)
    assert project.status_of(1) == "approved"


def test_esc_in_the_fix_editor_asks_before_discarding_edits(qtbot):
    from PySide6.QtWidgets import QMessageBox

    from curator.gui.example_view import FixDialog

    dlg = FixDialog(3, {"messages": [{"role": "user", "content": "q"}]}, lambda o: [])
    qtbot.addWidget(dlg)
    dlg.open()
    qtbot.waitExposed(dlg)
    dlg.editor.setFocus()
    dlg.editor.moveCursor(dlg.editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(dlg.editor, " ")
    assert dlg.edited()
    asked = []

    def answer(button):
        def go():
            box = dlg.discard_box
            assert box is not None and box.isVisible()
            asked.append(box.text())
            box.button(button).click()
        return go

    QTimer.singleShot(0, answer(QMessageBox.StandardButton.Cancel))
    qtbot.keyClick(dlg.editor, Qt.Key.Key_Escape)
    assert asked == ["Discard your changes?"]
    assert dlg.isVisible() and dlg.result() == 0 and dlg.edited()      # still editing, text kept
    QTimer.singleShot(0, answer(QMessageBox.StandardButton.Discard))
    qtbot.keyClick(dlg.editor, Qt.Key.Key_Escape)
    assert len(asked) == 2 and not dlg.isVisible()
    assert dlg.result() == FixDialog.DialogCode.Rejected


def test_esc_in_an_untouched_fix_editor_closes_without_asking(qtbot):
    from curator.gui.example_view import FixDialog

    dlg = FixDialog(3, {"messages": []}, lambda o: [])
    qtbot.addWidget(dlg)
    dlg.open()
    qtbot.waitExposed(dlg)
    qtbot.keyClick(dlg.editor, Qt.Key.Key_Escape)
    assert not dlg.isVisible() and dlg.discard_box is None


# --- a clinician's trial: the arrows in the reason list --------------------------------------

def _typed(qtbot, k):
    """A key as the user types it: to whichever widget has the keyboard focus."""
    qtbot.keyClick(QApplication.focusWidget(), k)


def test_arrow_keys_pick_a_reject_reason_and_a_note(qtbot, desk, project):
    """R, Down x3, Enter rejects with the third reason; R, Down x3, Tab, a note, Enter keeps both.
    The desk's Up/Down 'move' keys took the arrows, so the list stayed on 'No reason' and the
    desk moved to other examples behind the panel."""
    from curator.core.decisions import REJECT_REASONS

    _typed(qtbot, Qt.Key.Key_R)
    lst = desk.reason_panel.list
    assert desk.reason_panel.isVisible() and QApplication.focusWidget() is lst
    for _ in range(3):
        _typed(qtbot, Qt.Key.Key_Down)
    assert lst.currentRow() == 3 and desk.current_line() == 1      # the list moved, the desk did not
    _typed(qtbot, Qt.Key.Key_Up)
    _typed(qtbot, Qt.Key.Key_Down)
    _typed(qtbot, Qt.Key.Key_Return)
    d = project.decision(1)
    assert d.status == "rejected" and d.reason == REJECT_REASONS[2] and d.note is None

    assert desk.current_line() == 2
    _typed(qtbot, Qt.Key.Key_R)
    for _ in range(3):
        _typed(qtbot, Qt.Key.Key_Down)
    _typed(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is desk.reason_panel.note
    qtbot.keyClicks(desk.reason_panel.note, "Dose is wrong")
    _typed(qtbot, Qt.Key.Key_Up)             # the arrows still choose the reason from the note
    assert lst.currentRow() == 2 and desk.reason_panel.note.text() == "Dose is wrong"
    _typed(qtbot, Qt.Key.Key_Return)
    d = project.decision(2)
    assert (d.status, d.reason, d.note) == ("rejected", REJECT_REASONS[1], "Dose is wrong")
    assert project.status_of(3) == "undecided"


def test_the_first_open_says_how_to_reach_a_random_sample(qtbot, window, tmp_path, make_chat_file):
    """A trial pressed Ctrl+3 for "a random sample (Ctrl+3)" and got all 11,983 examples: the desk
    opens on every example, and Alt+Q there picks the sample."""
    window.open_path(make_chat_file(tmp_path / "big.jsonl", 1200))
    assert "a random sample (Ctrl+3, then Alt+Q)" in window.statusBar().currentMessage()


def test_the_desk_says_when_the_sample_shows_the_rest_is_not_clean(qtbot, desk, project):
    """A trial: with 27 defects in 38 sampled the desk only said "≤ 82.8%"; that the rest is clearly
    defective (and the export takes reviewed records only) was said on other tabs."""
    desk.start("sample", fraction=0.5, seed=3)
    sample = project.sample_lines()
    project.approve(sample[:8])
    desk.project_changed(project.reject(sample[8:20], reason="wrong"))
    text, tip = desk.estimate_label.text(), desk.estimate_label.toolTip()
    assert text.startswith("estimated defect rate of the rest: ≤ ") and text.endswith("% at 95% — the rest is not clean")
    low = tip.split("At least ")[1].split("%")[0]
    assert int(low) >= 10 and "Export only reviewed records" in tip
    project.undo()
    desk.project_changed(project.approve(sample[8:20]))          # all clean: no verdict
    assert "not clean" not in desk.estimate_label.text()
