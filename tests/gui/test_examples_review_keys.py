"""The review desk's keys work in the Examples tab, on the selected row (a new user's report:
A/R/J typed into the table jumped rows by type-ahead and decided nothing)."""

from __future__ import annotations

from gui_helpers import when_modal
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from curator.core.decisions import APPROVED, REJECTED, SKIPPED, UNDECIDED
from curator.gui import shortcuts as sc
from curator.gui.review_view import ReasonPanel, RejectDialog


def _focus_table(qtbot, w, row: int = 0):
    with qtbot.waitActive(w):
        w.activateWindow()
    w.show_view("examples")
    w.examples.table.setFocus()
    w._select_row(row)
    assert QApplication.focusWidget() is w.examples.table
    return w.current_line()


def _focus_returns_to(qtbot, widget):
    """The window takes the keyboard back once the dialog is gone (activation is asynchronous)."""
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=2000)


def _press(qtbot, key):
    """A key as a user types it: to whatever has the keyboard focus."""
    qtbot.keyClick(QApplication.focusWidget(), key)


def _when_reject_dialog(fn):
    """Run ``fn(dlg)`` once the reject dialog is up with the keyboard in its reason list."""
    when_modal(RejectDialog, fn, ready=lambda dlg: QApplication.focusWidget() is dlg.panel.list)


def test_review_keys_decide_the_selected_row_and_move_on(opened, qtbot):
    w = opened
    first = _focus_table(qtbot, w)
    second = w.model.index(1, 0).data(Qt.ItemDataRole.UserRole + 1)
    _press(qtbot, Qt.Key.Key_A)
    assert w.project.status_of(first) == APPROVED
    assert w.current_line() == second                 # on to the next row, like the desk
    _press(qtbot, Qt.Key.Key_S)
    assert w.project.status_of(second) == SKIPPED
    third = w.current_line()
    _press(qtbot, Qt.Key.Key_K)
    assert w.current_line() == second
    _press(qtbot, Qt.Key.Key_J)
    assert w.current_line() == third and w.project.status_of(third) == UNDECIDED

    _when_reject_dialog(lambda dlg: _press(qtbot, Qt.Key.Key_3))      # the desk's numbers: 3 = wrong
    _press(qtbot, Qt.Key.Key_R)
    d = w.project.decision(third)
    assert d.status == REJECTED and d.reason == "wrong"
    # the keyboard is back on the table after the reason dialog: the next key decides again
    _focus_returns_to(qtbot, w.examples.table)
    fourth = w.current_line()
    _press(qtbot, Qt.Key.Key_A)
    assert w.project.status_of(fourth) == APPROVED


def test_cancelled_reject_decides_nothing_and_keeps_the_row(opened, qtbot):
    w = opened
    line = _focus_table(qtbot, w, 2)
    when_modal(RejectDialog, lambda dlg: dlg.reject())
    _press(qtbot, Qt.Key.Key_R)
    assert w.project.status_of(line) == UNDECIDED and w.current_line() == line
    _focus_returns_to(qtbot, w.examples.table)


def test_table_type_ahead_is_off(opened, qtbot):
    """Unbound letters and digits do not jump to another row (the search box is the search)."""
    w = opened
    line = _focus_table(qtbot, w)
    for key in (Qt.Key.Key_7, Qt.Key.Key_1, Qt.Key.Key_X, Qt.Key.Key_Q):
        _press(qtbot, key)
        assert w.current_line() == line
    assert w.project.decisions() == {}


def test_keys_typed_in_the_search_box_are_text(opened, qtbot):
    w = opened
    _focus_table(qtbot, w)
    w.focus_search()
    assert QApplication.focusWidget() is w.examples.search
    qtbot.keyClicks(w.examples.search, "jars kerf")
    assert w.examples.search.text() == "jars kerf"
    assert w.project.decisions() == {} and w.fix_dialog is None


def test_buttons_show_their_keys_from_the_shortcut_table(opened, qtbot, prefs):
    ex = opened.examples.example
    assert ex.approve_btn.text() == "Approve  [A]"
    assert ex.reject_btn.text() == "Reject…  [R]"
    assert ex.fix_btn.text() == "Fix…  [E]"


def test_overridden_keys_are_used_and_shown(qtbot, prefs, sample):
    """The keys come from the one table, with the user's overrides."""
    from curator.gui.main_window import MainWindow

    prefs.set_key_overrides({sc.APPROVE: ["Y", "Return"]})
    w = MainWindow(prefs)
    qtbot.addWidget(w)
    w.show()
    w.open_path(sample)
    try:
        assert w.examples.example.approve_btn.text() == "Approve  [Y]"
        line = _focus_table(qtbot, w)
        _press(qtbot, Qt.Key.Key_A)
        assert w.project.status_of(line) == UNDECIDED
        _press(qtbot, Qt.Key.Key_Y)
        assert w.project.status_of(line) == APPROVED
    finally:
        w.close_project()


def test_changed_keys_apply_without_a_restart(opened, qtbot):
    """Keys changed in Settings work at once, in the Examples tab and the open review desk, and
    the old ones stop (they used to wait for the next start of the app)."""
    from curator.gui.settings import REVIEWER

    w = opened
    w.prefs.set(REVIEWER, "Ana")
    w.show_view("review")
    desk = w.view_widget("review")
    desk.show_keymap()                               # built from the old keys
    dlg = w.show_settings()
    dlg.key_edits[sc.APPROVE].setText("Y")
    dlg._accept()
    assert not dlg.isVisible() and w.prefs.key_overrides() == {sc.APPROVE: ["Y"]}

    assert w.examples.example.approve_btn.text() == "Approve  [Y]"
    line = _focus_table(qtbot, w)
    _press(qtbot, Qt.Key.Key_A)
    assert w.project.status_of(line) == UNDECIDED and w.current_line() == line
    _press(qtbot, Qt.Key.Key_Y)
    assert w.project.status_of(line) == APPROVED

    w.show_view("review")
    desk.setFocus()
    while w.project.status_of(desk.current_line()) != UNDECIDED:
        qtbot.keyClick(desk, Qt.Key.Key_J)           # next (unchanged key)
    target = desk.current_line()
    assert desk.buttons[sc.APPROVE].text().endswith("[Y]")
    assert not desk.keymap_visible()                 # the overlay built from the old keys is gone
    qtbot.keyClick(desk, Qt.Key.Key_A)
    assert w.project.status_of(target) == UNDECIDED
    qtbot.keyClick(desk, Qt.Key.Key_Y)
    assert w.project.status_of(target) == APPROVED
    overlay = desk.show_keymap()
    texts = [lbl.text() for lbl in overlay.findChildren(QLabel)]
    assert "Y" in texts and "A" not in texts


def test_examples_reject_asks_like_the_desk_with_labels_and_a_note(opened, qtbot):
    """The Examples tab's reject was a small combo of raw codes ('low_quality') with no note;
    it is the desk's reason panel: the same words, numbers, arrows and an optional note."""
    w = opened
    line = _focus_table(qtbot, w, 1)
    desk_panel = ReasonPanel()
    desk_rows = [desk_panel.list.item(i).text() for i in range(desk_panel.list.count())]
    seen = {}

    def answer(dlg):
        lst = dlg.panel.list
        seen["rows"] = [lst.item(i).text() for i in range(lst.count())]
        for _ in range(5):
            _press(qtbot, Qt.Key.Key_Down)
        _press(qtbot, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is dlg.panel.note
        qtbot.keyClicks(dlg.panel.note, "Answer copied from another patient")
        _press(qtbot, Qt.Key.Key_Return)

    _when_reject_dialog(answer)
    _press(qtbot, Qt.Key.Key_R)
    assert seen["rows"] == desk_rows and "5  low quality" in desk_rows
    assert not any("_" in r for r in seen["rows"])
    d = w.project.decision(line)
    assert (d.status, d.reason, d.note) == (REJECTED, "low_quality", "Answer copied from another patient")
    assert len(w.project.decisions()) == 1                           # Enter decided once
    _focus_returns_to(qtbot, w.examples.table)
    # the reader names the reason as the list did
    w._select_row(1)
    assert "Decision: rejected (low quality)" in w.examples.example.text()
    assert "low_quality" not in w.examples.example.text()


def test_examples_reject_button_and_esc(opened, qtbot):
    w = opened
    line = _focus_table(qtbot, w, 0)
    _when_reject_dialog(lambda dlg: _press(qtbot, Qt.Key.Key_Escape))
    qtbot.mouseClick(w.examples.example.reject_btn, Qt.MouseButton.LeftButton)
    assert w.project.status_of(line) == UNDECIDED

    def click_reason_then_reject(dlg):
        lst = dlg.panel.list
        qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=lst.visualItemRect(lst.item(6)).center())
        qtbot.mouseClick(dlg.reject_button, Qt.MouseButton.LeftButton)

    _when_reject_dialog(click_reason_then_reject)
    qtbot.mouseClick(w.examples.example.reject_btn, Qt.MouseButton.LeftButton)
    d = w.project.decision(line)
    assert (d.status, d.reason, d.note) == (REJECTED, "off_topic", None)
