"""A clinician's keyboard-first trial of Curator on two medical datasets (chatdoctor-genmedgpt-5k,
a JSON array of 5,452 Alpaca records; medicalgpt-medical-sft-1k): choosing a random sample by
keyboard, the comparison colours, what "Fix record N" does to the other record, the words after a
fix, the lint message, the early sample estimate, the key list and the counts. Real window, real
dataset copies and project files in tmp_path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from gui_helpers import when_modal
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QMessageBox, QPlainTextEdit

from curator.core.decisions import APPROVED, REJECTED, UNDECIDED
from curator.core.estimate import MIN_REVIEWED
from curator.gui.review_view import ReviewDesk

SHOTS = Path("/tmp/clin_shots")


def _copy(src: Path, folder: Path) -> Path:
    """A copy to review (the project file goes beside it, never beside the shared original)."""
    dst = folder / src.name
    shutil.copy(src, dst)
    return dst


@pytest.fixture
def chatdoctor(tmp_path, shared_datasets) -> Path:
    return _copy(shared_datasets / "chatdoctor-genmedgpt-5k" / "chatdoctor5k.json", tmp_path)


@pytest.fixture
def medical_sft(tmp_path, shared_datasets) -> Path:
    return _copy(shared_datasets / "medicalgpt-medical-sft-1k" / "medical_sft_1K_format.jsonl", tmp_path)


def _save(widget, name: str) -> None:
    """A screenshot for looking at what changed (not asserted)."""
    from PySide6.QtTest import QTest

    SHOTS.mkdir(exist_ok=True)
    QTest.qWait(50)            # let a label's new text be laid out first
    widget.grab().save(str(SHOTS / name))


def _desk(qtbot, w) -> ReviewDesk:
    with qtbot.waitActive(w):
        w.activateWindow()
    qtbot.keyClick(w, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    desk = w.view_widget("review")
    assert w.views.currentWidget() is desk and QApplication.focusWidget() is desk
    return desk


def _key(qtbot, key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    """A key to whatever has the keyboard focus, as a user's key press goes."""
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, key, mods)


# --- 1. the queue, by keyboard ---------------------------------------------------------------

def test_a_random_sample_is_chosen_and_started_by_keyboard(qtbot, window, chatdoctor):
    w = window
    w.open_path(chatdoctor)
    desk = _desk(qtbot, w)
    desk.start("all", line=3)
    assert desk.current_line() == 3
    _key(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)        # Alt+Q: the Queue list opens
    view = desk.kind_box.view()
    qtbot.waitUntil(view.isVisible, timeout=2000)
    assert desk.in_queue_row()
    _key(qtbot, Qt.Key.Key_Down)
    _key(qtbot, Qt.Key.Key_Down)
    # the arrows moved the list's highlight, not the example behind it (was Example 3 -> 4)
    assert view.currentIndex().row() == 2 and desk.current_line() == 3
    _save(desk, "queue_list_open.png")
    _save(view.window(), "queue_list_popup.png")      # the open list is a window of its own
    _key(qtbot, Qt.Key.Key_Return)                                     # picks "Random sample"
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=2000)
    assert desk.kind_box.currentData() == "sample" and desk.fraction.isVisible()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and desk.in_queue_row(), timeout=2000)
    # in the sample's boxes the desk's letters are typing, not decisions
    _key(qtbot, Qt.Key.Key_A)
    _key(qtbot, Qt.Key.Key_Down)
    assert w.project.status_of(3) == UNDECIDED and desk.current_line() == 3
    assert w.project.sample_lines() is None
    _key(qtbot, Qt.Key.Key_Return)                                     # Enter starts the sample
    assert desk.queue_kind == "sample" and w.project.sample_lines() is not None
    assert desk.lines == w.project.sample_lines()
    assert QApplication.focusWidget() is desk                           # back to the example
    _key(qtbot, Qt.Key.Key_A)
    assert w.project.status_of(desk.lines[0]) == APPROVED
    # closed, the Queue box opens its list on an arrow rather than switching queue at once
    _key(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(view.isVisible, timeout=2000)
    _key(qtbot, Qt.Key.Key_Escape)                                     # closes the list
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=2000)
    assert QApplication.focusWidget() is desk.kind_box
    line = desk.current_line()
    _key(qtbot, Qt.Key.Key_Up)
    qtbot.waitUntil(view.isVisible, timeout=2000)
    assert desk.current_line() == line and desk.queue_kind == "sample"
    _key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=2000)
    _key(qtbot, Qt.Key.Key_Escape)                                     # and Esc: back to the example
    assert QApplication.focusWidget() is desk


def test_enter_in_the_list_picks_once_and_a_typed_fraction_is_used(qtbot, window, chatdoctor):
    w = window
    w.open_path(chatdoctor)
    desk = _desk(qtbot, w)
    view = desk.kind_box.view()
    _key(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(view.isVisible, timeout=2000)
    _key(qtbot, Qt.Key.Key_Down)
    _key(qtbot, Qt.Key.Key_Return)                       # "Flagged only": the queue starts
    qtbot.waitUntil(lambda: desk.queue_kind == "flagged", timeout=2000)
    assert QApplication.focusWidget() is desk
    first = desk.current_line()
    assert w.project.status_of(first) == UNDECIDED       # the Enter that picked did not approve too
    qtbot.wait(20)
    assert QApplication.focusWidget() is desk            # still: the closed list kept no keyboard
    _key(qtbot, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(view.isVisible, timeout=2000)
    _key(qtbot, Qt.Key.Key_Down)
    _key(qtbot, Qt.Key.Key_Return)                       # "Random sample": on to Fraction
    qtbot.waitUntil(lambda: desk.fraction.hasFocus() or desk.fraction.isAncestorOf(QApplication.focusWidget()),
                    timeout=2000)
    _key(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)       # select the box's text
    for k in (Qt.Key.Key_1, Qt.Key.Key_5):
        _key(qtbot, k)
    _key(qtbot, Qt.Key.Key_Return)                       # starts the sample at the typed 15%
    spec = w.project.sample_spec()
    assert spec is not None and abs(spec.fraction - 0.15) < 1e-9 and desk.queue_kind == "sample"
    assert len(desk.lines) == round(5452 * 0.15) and QApplication.focusWidget() is desk


def test_the_key_maps_say_how_to_choose_the_queue(qtbot, window, chatdoctor):
    w = window
    w.open_path(chatdoctor)
    desk = _desk(qtbot, w)
    assert desk.queue_label.text() == "Queue [Alt+Q]:"
    qtbot.keyClick(desk, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)
    from PySide6.QtWidgets import QLabel

    texts = [lab.text() for lab in desk.show_keymap().findChildren(QLabel)]
    assert "Choose the queue" in texts and "Alt+Q" in texts
    assert any("Up/Down move, Enter picks" in t for t in texts)
    _save(desk, "queue_keymap.png")


# --- 2. and 3. the Findings comparison: neutral highlight; Fix says what it rejects ----------

def _findings(qtbot, w, a: int, b: int):
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    fv = w.findings
    row = next(r for r, it in enumerate(fv.model.items) if set(it.lines) == {a, b})
    fv.list.setCurrentIndex(fv.model.index(row))
    return fv


def _highlights(edit) -> set[tuple[int, int, int, int]]:
    """The background colours of the highlighted runs of a side of the comparison."""
    out = set()
    block = edit.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            bg = frag.charFormat().background()
            if frag.isValid() and bg.style() != Qt.BrushStyle.NoBrush:
                out.add(bg.color().getRgb())
                assert frag.charFormat().fontUnderline()          # never colour alone
            it += 1
        block = block.next()
    return out


def test_both_sides_highlight_their_differing_words_alike(qtbot, window, chatdoctor):
    w = window
    w.open_path(chatdoctor)
    fv = _findings(qtbot, w, 4954, 5312)
    d = fv.diff
    left, right = _highlights(d.left), _highlights(d.right)
    # one tint on both sides: the right-hand answer was green and the left red, read as right/wrong
    assert left and left == right and len(left) == 1
    colour = QColor.fromRgb(*next(iter(left)))
    assert 30 <= colour.hue() <= 50, colour.hue()        # amber: not a red, not a green
    assert d.legend.isVisible() and "words that differ" in d.legend.text()
    assert "does not say which side is right" in d.legend.text()
    _save(w, "findings_neutral_diff.png")


def test_fix_record_says_it_rejects_the_other_and_asks_first(qtbot, window, chatdoctor):
    w = window
    w.open_path(chatdoctor)
    fv = _findings(qtbot, w, 524, 1300)
    d = fv.diff
    left, right = d._line(d.left_pick), d._line(d.right_pick)
    button, key = (d.fix_right, Qt.Key.Key_6) if right == 1300 else (d.fix_btn, Qt.Key.Key_3)
    assert {left, right} == {524, 1300}
    assert button.text().startswith("Fix record 1300… (rejects record 524)"), button.text()
    assert "record 524 is rejected" in button.toolTip()
    _save(w, "findings_fix_buttons.png")
    for b in (d.fix_btn, d.fix_right, d.keep_left, d.keep_right, d.keep_all, d.reject_all):
        assert b.width() >= b.sizeHint().width(), b.text()          # nothing cut off
    # asked first; Cancel leaves both undecided and opens no editor
    asked: list[str] = []

    def answer(box, go: bool) -> None:
        asked.append(box.text())
        _save(box, "findings_fix_confirm.png")
        (box.defaultButton() if go else box.button(QMessageBox.StandardButton.Cancel)).click()

    when_modal(QMessageBox, lambda box: answer(box, False))
    qtbot.keyClick(fv.list, key, Qt.KeyboardModifier.AltModifier)
    assert asked and "record 524 is rejected" in asked[0] and "Fixing record 1300" in asked[0]
    assert w.project.status_of(524) == UNDECIDED == w.project.status_of(1300)
    assert getattr(w, "fix_dialog", None) is None or not w.fix_dialog.isVisible()
    # going on opens the editor for 1300; saving fixes 1300 and rejects 524, as it said
    with qtbot.waitActive(w):          # a window manager gives the window back the keyboard
        w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is fv.list, timeout=2000)
    when_modal(QMessageBox, lambda box: answer(box, True))
    qtbot.keyClick(fv.list, key, Qt.KeyboardModifier.AltModifier)
    assert len(asked) == 2 and w.fix_dialog is not None and w.fix_dialog.windowTitle() == "Fix record 1300"
    dlg = w.fix_dialog
    obj = json.loads(dlg.editor.toPlainText())
    obj["output"] = "Okay, chlamydia is confirmed with a urine test or swab; the usual treatment is doxycycline."
    dlg.tabs.setCurrentIndex(1)
    dlg.editor.setPlainText(json.dumps(obj))
    assert dlg.revalidate()
    dlg.save_button.click()
    assert w.project.status_of(1300) == "fixed" and w.project.status_of(524) == REJECTED


# --- 4. the words after a fix ----------------------------------------------------------------

def test_a_fixed_record_says_no_format_problems_and_shows_the_original(qtbot, window, chatdoctor):
    w = window
    w.open_path(chatdoctor)
    rec = w.project.dataset.by_line(529)
    fixed = dict(rec.data, output="Genital pain has many causes, so we first need to examine you.")
    w.project.fix(529, fixed)
    desk = _desk(qtbot, w)
    desk.start("all", line=529)
    text = desk.reader.toPlainText()
    assert "Genital pain has many causes" in text
    # "It had no problems" read as "its answer was right"; and the desk has no Raw JSON tab
    assert "had no problems" not in text and "Raw JSON" not in text
    assert "No format problems found in it" in text and "not whether its answer is right" in text
    assert rec.data["output"][:60] in text          # the original answer is shown, here
    _save(desk, "desk_fixed_record.png")
    # the Examples tab has a Raw JSON tab: there it may be pointed to
    qtbot.keyClick(w, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert w.select_line(529)
    ex = w.examples.example
    assert "Raw JSON tab" in ex.text() and "No format problems found in it" in ex.text()
    assert ex.tabs.tabText(1) == "Raw JSON"


# --- 5. the lint finding in words ------------------------------------------------------------

def test_the_example_pane_says_what_the_lint_finding_is(qtbot, window, chatdoctor):
    w = window
    w.open_path(chatdoctor)
    lint = next(f for f in w.project.scan.lint if f.line == 2383)
    assert lint.code == "truncated"
    assert w.select_line(2383)
    text = w.examples.example.text()
    assert f"Style check (truncated): {lint.message}" in text, text[:400]
    _save(w.examples.example, "example_lint_message.png")
    desk = _desk(qtbot, w)
    desk.start("all", line=2383)
    assert f"Style check (truncated): {lint.message}" in desk.badges.text()


# --- 6. the early sample estimate ------------------------------------------------------------

def test_the_estimate_waits_for_enough_reviews(qtbot, window, chatdoctor):
    w = window
    w.open_path(chatdoctor)
    desk = _desk(qtbot, w)
    desk.kind_box.setCurrentIndex(desk.kind_box.findData("sample"))
    qtbot.mouseClick(desk.start_button, Qt.MouseButton.LeftButton)
    n = len(w.project.sample_lines())
    assert n == 545
    qtbot.keyClick(desk, Qt.Key.Key_A)
    # one approval gave "≤ 95.0% at 95%": a number about the sample's size, read as a verdict
    assert desk.estimate_label.text() == f"reviewed 1 of {n} sampled — too few to estimate the rest yet (from 20)"
    assert "≤" not in desk.estimate_label.text() and "shown from 20 reviewed on" in desk.estimate_label.toolTip()
    _save(desk, "desk_estimate_too_early.png")
    assert desk.minimumSizeHint().width() <= 1024
    for _ in range(MIN_REVIEWED - 1):
        qtbot.keyClick(desk, Qt.Key.Key_A)
    est = w.project.estimate()
    assert est.reviewed == MIN_REVIEWED == 20
    assert desk.estimate_label.text() == f"estimated defect rate of the rest: ≤ {est.upper_bound:.1%} at 95%"


# --- 7. the key list says what the buttons say -----------------------------------------------

def _key_list(qtbot, w) -> list[str]:
    qtbot.keyClick(w, Qt.Key.Key_F1)
    dlg = w.shortcuts_dialog
    text = dlg.findChild(QPlainTextEdit).toPlainText()
    _save(dlg, "key_list.png")
    dlg.close()
    return text.splitlines()


def _row(lines: list[str], words: str) -> str:
    """The keys of the key list's row for ``words`` (rows are "words<spaces>keys")."""
    import re

    for line in lines:
        m = re.match(r"^(.*?\S)\s{3,}(\S.*)$", line)
        if m and m.group(1) == words:
            return m.group(2)
    raise AssertionError(f"no row {words!r} in the key list")


def test_the_key_list_says_what_the_buttons_say(qtbot, window, chatdoctor):
    import re

    w = window
    w.open_path(chatdoctor)
    with qtbot.waitActive(w):
        w.activateWindow()
    lines = _key_list(qtbot, w)
    text = "\n".join(lines)
    assert "Fix left" not in text and "Keep left" not in text and "reject all" not in text
    # the Examples tab: "Approve [A]" and the list's Approve both start with A
    ex = w.examples.example
    for b in (ex.approve_btn, ex.reject_btn, ex.fix_btn):
        words, key = re.fullmatch(r"(.*?)  \[(.*)\]", b.text()).groups()
        assert _row(lines, words).split(", ")[0] == key, (words, key)
    # the Findings buttons, members named N (acted on) and M (the other)
    fv = _findings(qtbot, w, 524, 1300)
    d = fv.diff
    a, b = d._line(d.left_pick), d._line(d.right_pick)
    for button, side in ((d.keep_left, "left"), (d.keep_right, "right"), (d.fix_btn, "left"),
                         (d.fix_right, "right"), (d.keep_all, ""), (d.reject_all, "")):
        words, key = re.fullmatch(r"(.*?)  \[(.*)\]", button.text()).groups()
        this, other = (a, b) if side == "left" else (b, a)
        generic = words.replace(f"record {this}", "record N").replace(f"record {other}", "record M")
        found = [ln for ln in lines if ln.startswith(generic) and ln.rstrip().endswith(key)]
        assert found, (generic, key)
        if side:
            assert f" — {side} side" in found[0]
    # the review desk: "Approve [A]" … and the queue
    desk = _desk(qtbot, w)
    for button in desk.buttons.values():
        words, key = re.fullmatch(r"(.*?)  \[(.*)\]", button.text()).groups()
        assert key in _row(lines, words).split(", "), (words, key)
    assert _row(lines, "Choose the queue") == "Alt+Q"


# --- 8. counts ---------------------------------------------------------------------------------

def test_counts_of_one_are_singular(qtbot, window, tmp_path):
    """A sample of one example, one finding, a duplicate of two others: no "1 examples", "1
    findings" or "line 166, 375" in the desk and findings views."""
    others = [("How long does chickenpox stay contagious?", "Until every blister has crusted over."),
              ("Which vaccine protects against tetanus?", "The Td or Tdap booster, every ten years."),
              ("Can antibiotics treat a common cold?", "No: colds are viral; rest and fluids help."),
              ("What is a normal resting heart rate?", "Between 60 and 100 beats a minute in adults.")]
    rows = [{"instruction": "What lowers a fever?", "input": "", "output": "Paracetamol or ibuprofen."}] * 3 + [
        {"instruction": q, "input": "", "output": a} for q, a in others]
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    w = window
    w.open_path(path)
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert w.findings.count_label.text().startswith("1 finding · 1 open")
    desk = _desk(qtbot, w)
    desk.start("all", line=1)
    assert "exact duplicate of lines 2, 3" in desk.badges.text()
    desk.kind_box.setCurrentIndex(desk.kind_box.findData("sample"))
    desk.fraction.setValue(10.0)
    qtbot.mouseClick(desk.start_button, Qt.MouseButton.LeftButton)
    assert len(w.project.sample_lines()) == 1
    assert desk.progress_label.text() == "0 of 1 sampled example reviewed"
    qtbot.keyClick(desk, Qt.Key.Key_A)
    desk.seed.setValue(8)
    asked: list[str] = []
    when_modal(QMessageBox, lambda box: (asked.append(box.text()),
                                         box.button(QMessageBox.StandardButton.Cancel).click()))
    qtbot.mouseClick(desk.start_button, Qt.MouseButton.LeftButton)
    assert asked and "1 example, seed 7" in asked[0] and "1 of its 1 sampled example is already reviewed" in asked[0]
    assert "1 examples" not in asked[0]


def test_the_sample_boxes_underlined_keys_reach_them_not_the_menus(qtbot, window, chatdoctor):
    """"&Fraction" and "S&eed" underlined Alt+F and Alt+E, which opened the File and Edit menus."""
    w = window
    w.open_path(chatdoctor)
    desk = _desk(qtbot, w)
    desk.kind_box.setCurrentIndex(desk.kind_box.findData("sample"))
    for key, box in ((Qt.Key.Key_R, desk.fraction), (Qt.Key.Key_D, desk.seed), (Qt.Key.Key_T, desk.stratify)):
        desk.setFocus()
        _key(qtbot, key, Qt.KeyboardModifier.AltModifier)
        focus = QApplication.focusWidget()
        assert focus is box or box.isAncestorOf(focus), (key, focus)
        assert QApplication.activePopupWidget() is None          # no menu opened
    _key(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)   # Start sample
    qtbot.waitUntil(lambda: w.project.sample_lines() is not None, timeout=3000)
    assert desk.queue_kind == "sample"


def test_near_duplicates_about_two_medicines_say_the_export_keeps_both(qtbot, window, medical_sft):
    """MedicalGPT 816/986 ask how to take two different medicines; the Findings view said "Keep one
    and the others are rejected as its duplicates". The export keeps both (the questions differ in
    an essential word), and the view now says so; a plain near copy keeps the old wording."""
    w = window
    w.open_path(medical_sft)
    fv = _findings(qtbot, w, 816, 986)
    text = fv.diff.scores.text()
    assert "may be different examples" in text and "Approve both if they are" in text, text
    assert "essential word" in text and "Keep one and the others" not in text
    _save(w, "findings_two_medicines.png")


def test_findings_point_to_the_lint_flagged_examples(qtbot, window, chatdoctor):
    """"7 findings · 0 open" read as nothing else to look at, while lint-flagged answers (a leaked
    "Patient:" turn, garbled text, a refusal) went to training: the Findings tab has a button that
    opens them in the Examples table."""
    w = window
    w.open_path(chatdoctor)
    linted = w.table.counts()["flag:lint"]
    assert linted >= 190
    button = w.findings.lint_button
    assert not button.isHidden() and f"Show the {linted:,} examples flagged by style checks" in button.text()
    button.click()
    assert w.views.currentWidget() is w.examples and w.model.rowCount() == linted
    assert w.examples.flag_box.currentData() == "lint"


def test_findings_use_the_example_panes_headings(qtbot, window, chatdoctor):
    """ChatDoctor is Alpaca: the example pane says Instruction / Input / Output, and Findings said
    "User: … Assistant: …" for the same records."""
    w = window
    w.open_path(chatdoctor)
    fv = _findings(qtbot, w, 2662, 3153)
    left = fv.diff.left.toPlainText()
    assert left.startswith("Instruction: If you are a doctor") and "\n\nOutput: " in left, left[:200]
    assert "User:" not in left and "Assistant:" not in left
