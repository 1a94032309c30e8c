"""A support lead's trial of the review desk (support_chat.jsonl, 1,500 examples): the sample's
boxes after a restart, the suggested-keeper wording, who is recorded as reviewer, where a flagged
queue resumes, and which tab a restart opens on. Real window, real project files in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import open_window, when_modal
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from curator.core.decisions import APPROVED
from curator.gui.review_view import ReviewDesk, ReviewerDialog, default_reviewer_name
from curator.gui.settings import REVIEWER


def _restart(qtbot, window, prefs, path: Path):
    """Quit the window (as Ctrl+Q) and start a new one on the same settings and file."""
    window.close()
    assert window.project is None
    return open_window(qtbot, prefs, path)


def _desk(qtbot, w) -> ReviewDesk:
    with qtbot.waitActive(w):
        w.activateWindow()
    qtbot.keyClick(w, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)      # Ctrl+3, as the user did
    desk = w.view_widget("review")
    assert w.views.currentWidget() is desk
    return desk


def _save(widget, name: str) -> None:
    """A screenshot for looking at what changed (not asserted)."""
    widget.grab().save(f"/tmp/{name}")


# --- 1. the sample's boxes show the stored sample; a redraw with decisions asks first --------

def test_reopened_sample_shows_its_fraction_and_a_redraw_asks_first(qtbot, window, prefs, sample):
    w = window
    w.open_path(sample)
    desk = _desk(qtbot, w)
    desk.kind_box.setCurrentIndex(desk.kind_box.findData("sample"))
    desk.fraction.setValue(15)
    desk.seed.setValue(4242)
    qtbot.mouseClick(desk.start_button, Qt.MouseButton.LeftButton)
    assert desk.progress_label.text() == "0 of 225 sampled examples reviewed"
    for _ in range(28):
        qtbot.keyClick(desk, Qt.Key.Key_A)
    assert desk.progress_label.text() == "28 of 225 sampled examples reviewed"

    w = _restart(qtbot, w, prefs, sample)
    desk = _desk(qtbot, w)
    assert desk.queue_kind == "sample" and desk.where.text().startswith("Example 29 of 225")
    assert desk.fraction.isVisible()
    assert (desk.fraction.value(), desk.seed.value(), desk.stratify.currentData()) == (15.0, 4242, None)
    _save(desk, "trial_desk_sample_reopened.png")

    # Start sample with the boxes as shown: the stored sample, where the reviewer left off
    qtbot.mouseClick(desk.start_button, Qt.MouseButton.LeftButton)
    assert desk.where.text().startswith("Example 29 of 225")
    spec = w.project.sample_spec()
    assert (spec.fraction, spec.size) == (0.15, 225)

    # a smaller fraction asks first; Cancel keeps the sample and puts the boxes back
    seen: list[str] = []

    def answer(button: str):
        def go(box: QMessageBox) -> None:
            seen.append(box.text())
            _save(box, "trial_desk_redraw_question.png")
            next(b for b in box.buttons() if b.text() == button).click()
        return go

    desk.fraction.setValue(10)
    when_modal(QMessageBox, answer("Cancel"))
    qtbot.mouseClick(desk.start_button, Qt.MouseButton.LeftButton)
    assert len(seen) == 1
    assert "28 of its 225 sampled examples are already reviewed" in seen[0]
    assert "estimate restarts" in seen[0] and "decisions themselves are kept" in seen[0]
    spec = w.project.sample_spec()
    assert (spec.fraction, spec.size) == (0.15, 225) and desk.fraction.value() == 15.0
    assert desk.where.text().startswith("Example 29 of 225")

    desk.fraction.setValue(10)
    when_modal(QMessageBox, answer("Draw a new sample"))
    qtbot.mouseClick(desk.start_button, Qt.MouseButton.LeftButton)
    assert len(seen) == 2
    spec = w.project.sample_spec()
    assert (spec.fraction, spec.size, spec.seed) == (0.1, 150, 4242)
    assert desk.where.text().split(" · ")[0].endswith("of 150") and desk.fraction.value() == 10.0
    w.close_project()


def test_a_sample_without_decisions_is_redrawn_without_a_question(qtbot, window, sample):
    window.open_path(sample)
    desk = _desk(qtbot, window)
    desk.kind_box.setCurrentIndex(desk.kind_box.findData("sample"))
    desk.fraction.setValue(20)
    qtbot.mouseClick(desk.start_button, Qt.MouseButton.LeftButton)
    desk.fraction.setValue(5)
    desk.stratify.setCurrentIndex(desk.stratify.findData("format"))
    qtbot.mouseClick(desk.start_button, Qt.MouseButton.LeftButton)     # nothing to lose: no modal
    spec = window.project.sample_spec()
    assert (spec.fraction, spec.size, spec.stratify) == (0.05, 75, "format")
    assert desk.progress_label.text() == "0 of 75 sampled examples reviewed"


# --- 2. the suggested-keeper note names the right example -----------------------------------

def test_suggested_keeper_note_says_which_example_to_keep(qtbot, window, sample):
    w = window
    w.open_path(sample)
    desk = _desk(qtbot, w)
    exact = next(g for g in w.project.scan.exact_duplicates if 5 in g.lines)
    assert exact.keeper == 5 and exact.lines == (5, 166, 375)
    desk.start("all", line=5)
    assert "exact duplicate of lines 166, 375; this example is the suggested keeper" in desk.badges.text()
    assert "(suggested keeper)" not in desk.badges.text()
    _save(desk, "trial_desk_keeper.png")
    desk.start("all", line=375)
    assert "exact duplicate of lines 5, 166; suggested keeper: line 5" in desk.badges.text()

    near = w.project.scan.near_duplicates[0]
    other = next(ln for ln in near.lines if ln != near.keeper)
    desk.start("all", line=near.keeper)
    note = next(t for t in desk.badges.text().split("  •  ") if t.startswith("near-duplicate"))
    assert note.endswith("; this example is the suggested keeper")
    desk.start("all", line=other)
    note = next(t for t in desk.badges.text().split("  •  ") if t.startswith("near-duplicate"))
    assert note.endswith(f"; suggested keeper: line {near.keeper}")
    # the same words in the Flags cell's tooltip of the Examples table
    row = w.model.row_of_line(5)
    from curator.gui.table_model import COL_FLAGS

    tip = w.model.index(row, COL_FLAGS).data(Qt.ItemDataRole.ToolTipRole)
    assert "this example is the suggested keeper" in tip


# --- 3. the first decision from anywhere asks for the reviewer's name ------------------------

@pytest.fixture
def nameless(window, sample, monkeypatch):
    """A fresh start: no reviewer name in the settings; the name box counts how often it is asked."""
    window.prefs.reset(REVIEWER)
    monkeypatch.setattr("getpass.getuser", lambda: "dana.ruiz")      # the login name, offered
    monkeypatch.setattr(ReviewerDialog, "GUARD_MS", 1500)    # room for the stray key on a busy machine
    asked: list[int] = []
    ask = window.ask_reviewer

    def counting(parent, current):
        asked.append(1)
        return ask(parent, current)

    window.ask_reviewer = counting
    window.open_path(sample)
    window.asked = asked
    return window


def test_approving_from_the_table_asks_for_the_name_and_drops_a_stray_key(qtbot, nameless):
    w = nameless
    with qtbot.waitActive(w):
        w.activateWindow()
    w.show_view("examples")
    w._select_row(0)
    w.examples.table.setFocus()
    state: dict = {}

    def answer(dlg: ReviewerDialog) -> None:
        state["default"] = dlg.name.text()
        state["guarded"] = not dlg.accepts_keys()
        # the user's second "a", and the auto-repeat of the one held down, reach the box at once
        qtbot.keyClick(dlg.name, Qt.Key.Key_A)
        QApplication.sendEvent(dlg.name, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A,
                                                   Qt.KeyboardModifier.NoModifier, "a", True))
        state["after_stray"] = dlg.name.text()
        state["selected"] = dlg.name.selectedText()
        dlg.grab().save("/tmp/trial_desk_reviewer_dialog.png")
        qtbot.waitUntil(dlg.accepts_keys, timeout=5000)
        qtbot.keyClicks(dlg.name, "Dana Ruiz")          # typing replaces the offered name
        qtbot.keyClick(dlg.name, Qt.Key.Key_Return)

    when_modal(ReviewerDialog, answer, ready=lambda dlg: QApplication.focusWidget() is dlg.name)
    qtbot.keyClick(w.examples.table, Qt.Key.Key_A)
    assert state["default"] == "dana.ruiz" == state["after_stray"]
    assert state["guarded"] and state["selected"] == state["default"]
    d = w.project.decision(1)
    assert d is not None and d.status == APPROVED and d.reviewer == "Dana Ruiz"
    assert w.prefs.get(REVIEWER) == "Dana Ruiz" and w.asked == [1]

    # asked once: the next decisions, in the table and at the desk, use the name
    qtbot.keyClick(w.examples.table, Qt.Key.Key_A)
    desk = _desk(qtbot, w)
    assert desk.reviewer_label.text() == "Reviewer: Dana Ruiz"
    line = desk.current_line()
    qtbot.keyClick(desk, Qt.Key.Key_A)
    assert w.project.decision(line).reviewer == "Dana Ruiz" == w.project.decision(2).reviewer
    assert w.asked == [1]


def test_cancelling_the_name_stores_nothing(qtbot, nameless, monkeypatch):
    w = nameless
    monkeypatch.setattr("getpass.getuser", lambda: "root")
    monkeypatch.setenv("CURATOR_REVIEWER", "Dana Ruiz")
    assert default_reviewer_name() == "Dana Ruiz"  # the name the CLI signs with is offered first
    monkeypatch.delenv("CURATOR_REVIEWER")
    assert default_reviewer_name() == ""           # a system account is no person's name
    with qtbot.waitActive(w):
        w.activateWindow()
    w._select_row(0)
    w.examples.table.setFocus()
    when_modal(ReviewerDialog, lambda dlg: dlg.reject())
    qtbot.keyClick(w.examples.table, Qt.Key.Key_A)
    assert w.project.decisions() == {} and w.prefs.get(REVIEWER) == "" and w.asked == [1]
    assert w.current_line() == 1                    # nothing decided: the row stays


def test_resolving_a_finding_first_asks_and_the_open_desk_shows_the_name(qtbot, nameless):
    w = nameless
    desk = _desk(qtbot, w)
    assert desk.reviewer_label.text() == "Reviewer: (asked at the first decision)"
    w.show_view("findings")
    item = next(it for it in w.findings.model.items if it.kind == "duplicate" and 5 in it.lines)

    def answer(dlg: ReviewerDialog) -> None:
        qtbot.waitUntil(dlg.accepts_keys, timeout=5000)
        dlg.name.setText("Dana Ruiz")
        dlg.ok.click()

    when_modal(ReviewerDialog, answer)
    w.resolve_finding(item, "keep", 5)
    assert {w.project.decision(ln).reviewer for ln in item.lines} == {"Dana Ruiz"}
    assert desk.reviewer_label.text() == "Reviewer: Dana Ruiz" and w.asked == [1]


def test_the_desk_asks_through_the_same_name_box(qtbot, nameless):
    w = nameless
    desk = _desk(qtbot, w)

    def answer(dlg: ReviewerDialog) -> None:
        qtbot.waitUntil(dlg.accepts_keys, timeout=5000)
        dlg.name.setText("Dana Ruiz")
        dlg.ok.click()

    when_modal(ReviewerDialog, answer)
    qtbot.keyClick(desk, Qt.Key.Key_R)          # asked before the reason, so no choice is lost
    assert w.asked == [1] and desk.reason_panel.isVisible()
    assert desk.reviewer_label.text() == "Reviewer: Dana Ruiz"
    qtbot.keyClick(desk.reason_panel.list, Qt.Key.Key_3)
    d = w.project.decision(1)
    assert (d.status, d.reason, d.reviewer) == ("rejected", "wrong", "Dana Ruiz") and w.asked == [1]


# --- 4. resolving findings does not move the resume point past undecided examples ------------

def test_flagged_queue_resumes_at_its_first_undecided_example_after_findings(qtbot, window, prefs, sample):
    w = window
    w.open_path(sample)
    desk = _desk(qtbot, w)
    desk.kind_box.setCurrentIndex(desk.kind_box.findData("flagged"))
    flagged = list(desk.lines)
    assert desk.current_line() == flagged[0]
    qtbot.keyClick(desk, Qt.Key.Key_A)                       # approve the first flagged example
    w.show_view("findings")
    late = []
    for it in w.findings.model.items:       # two contradictions far down the queue, four examples
        if it.kind == "contradiction" and min(flagged.index(ln) for ln in it.lines) > 20 \
                and not any(set(it.lines) & set(o.lines) for o in late):
            late.append(it)
    late = late[:2]
    assert len(late) == 2
    for it in late:
        w.resolve_finding(it, "keep_all", it.lines[0])      # "Keep both"
    assert all(w.project.decision(ln).status == APPROVED for it in late for ln in it.lines)

    w.close_project()
    w.open_path(Path(w.prefs.recent_files()[0]))            # File › Open Recent
    desk = _desk(qtbot, w)
    assert desk.queue_kind == "flagged"
    assert desk.current_line() == flagged[1]
    assert desk.where.text().startswith(f"Example 2 of {len(flagged)}")
    assert desk.progress_label.text() == f"5 of {len(flagged)} flagged examples reviewed"


# --- 5. a restart opens on the tab the reviewer was using -----------------------------------

def test_restart_reopens_the_last_tab_of_that_file(qtbot, window, prefs, sample, tmp_path, make_chat_file):
    w = window
    w.open_path(sample)
    _desk(qtbot, w)
    w = _restart(qtbot, w, prefs, sample)
    assert w.views.currentWidget() is w.view_widget("review")

    w.show_view("findings")
    w.close_project()
    other = make_chat_file(tmp_path / "other.jsonl", 50)
    w.open_path(other)                       # a file never opened before: the Examples tab
    assert w.views.currentWidget() is w.examples
    w.open_path(sample)
    assert w.views.currentWidget() is w.findings
