"""A support lead's trial of the window (broken.jsonl, support_chat.jsonl): a missing answer is
added in the Fix form, a repaired line reads as its fix everywhere, the Findings counts and keys,
and the export dialog's preview and paths. Real files in tmp_path, real widgets, real SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics, QTextCursor

from curator import open_project
from curator.core.decisions import FIXED
from curator.gui import run_op
from curator.gui.table_model import COL_FLAGS, COL_FORMAT, FlagsRole

REPO = Path(__file__).resolve().parents[2]
SUPPORT = REPO / "sample_data" / "support_chat.jsonl"
SYSTEM = "You are Larkspur Home's support assistant. Be friendly and accurate."
ANSWER = "Yes: unopened sheets can be returned within 30 days for a full refund."


def _support_lines(n: int) -> list[str]:
    return SUPPORT.read_text(encoding="utf-8").splitlines()[:n]


def _write(path: Path, rows: list[object]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _open_fix(window, qtbot, line: int, request):
    """Select ``line`` in the Examples table and press E, as the reviewer did. A dialog a failed
    test leaves open is closed without its "Discard changes?" question (which would wait forever)."""
    assert window.select_line(line)
    window.examples.table.setFocus()
    qtbot.keyClick(window.examples.table, Qt.Key.Key_E)
    dlg = window.fix_dialog
    assert dlg is not None
    request.addfinalizer(lambda: dlg.done(0) if dlg.isVisible() else None)
    qtbot.waitExposed(dlg)
    return dlg


# ---- 1. a missing answer is typed into the form, and saved in the format's own shape ----------

Q = "Hey there, can I return the Prairie percale sheet set (king)? I changed my mind."
CASES = {
    # format: (a good record, the record without an answer, what saving the typed answer gives)
    "openai": ({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]},
               {"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": Q}],
                "category": "returns"},
               {"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": Q},
                             {"role": "assistant", "content": ANSWER}], "category": "returns"}),
    "sharegpt": ({"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}]},
                 {"conversations": [{"from": "human", "value": Q}], "id": "t-20"},
                 {"conversations": [{"from": "human", "value": Q}, {"from": "gpt", "value": ANSWER}],
                  "id": "t-20"}),
    "alpaca": ({"instruction": "Say hi", "input": "", "output": "Hello!"},
               {"instruction": Q, "input": "", "source": "chat"},
               {"instruction": Q, "input": "", "source": "chat", "output": ANSWER}),
    "alpaca-empty": ({"instruction": "Say hi", "input": "", "output": "Hello!"},
                     {"instruction": Q, "input": "", "output": ""},
                     {"instruction": Q, "input": "", "output": ANSWER}),
    "prompt-completion": ({"prompt": "Say hi", "completion": "Hello!"},
                          {"prompt": Q, "ticket": 20},
                          {"prompt": Q, "ticket": 20, "completion": ANSWER}),
    "conversational prompt-completion": (
        {"prompt": [{"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Hello!"}]},
        {"prompt": [{"role": "user", "content": Q}]},
        {"prompt": [{"role": "user", "content": Q}], "completion": [{"role": "assistant", "content": ANSWER}]}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_missing_answer_is_added_in_the_form(window, qtbot, tmp_path, case, request):
    good, missing, expected = CASES[case]
    data = _write(tmp_path / "broken.jsonl", [good, missing, good])
    window.open_path(data)
    assert window.project is not None
    dlg = _open_fix(window, qtbot, 2, request)
    assert dlg.tabs.currentIndex() == 0 and dlg.tabs.isTabEnabled(0)      # the form, not the JSON tab
    assert not dlg.save_button.isEnabled()                                  # no answer yet
    # the cursor waits in an empty answer box, whose label says it is the answer to add
    qtbot.waitUntil(lambda: dlg.focusWidget() in dlg.form_boxes, timeout=2000)
    box = dlg.focusWidget()
    field = dlg._fields[dlg.form_boxes.index(box)]
    assert field.role == "assistant" and box.toPlainText() == "" and box.isVisible()
    assert ("Add assistant reply" in box.accessibleName() or "none yet" in box.accessibleName())
    qtbot.keyClicks(box, ANSWER)
    qtbot.waitUntil(dlg.save_button.isEnabled, timeout=3000)
    assert "Valid" in dlg.status.text()
    qtbot.mouseClick(dlg.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.project.status_of(2) == FIXED, timeout=3000)
    assert window.project.decision(2).fixed == expected          # the format's shape; nothing else changed
    assert not window.project.fixed_record(2).errors


def test_the_added_reply_stays_out_when_left_empty(window, qtbot, tmp_path, request):
    """Editing another box and leaving the reply empty adds no empty assistant message."""
    good, missing, _ = CASES["openai"]
    window.open_path(_write(tmp_path / "broken.jsonl", [good, missing, good]))
    dlg = _open_fix(window, qtbot, 2, request)
    try:
        user_box = dlg.form_boxes[1]
        user_box.moveCursor(QTextCursor.MoveOperation.End)
        qtbot.keyClicks(user_box, " Thanks!")
        dlg.tabs.setCurrentIndex(1)                       # the JSON tab shows what would be saved
        shown = json.loads(dlg.editor.toPlainText())
        assert [m["role"] for m in shown["messages"]] == ["system", "user"]
        assert shown["messages"][1]["content"] == Q + " Thanks!"
    finally:
        dlg.done(0)                                       # closed without the "Discard?" question


# ---- 2. a repaired line reads as its fix: table badge and format, detail pane ----------------


def test_a_repaired_line_is_shown_by_its_fix(window, qtbot, tmp_path, request):
    lines = _support_lines(12)
    cut = lines[9][: lines[9].rindex('"}]') - 40]          # line 10 cut off inside the last answer
    lines[9] = cut
    window.open_path(_write(tmp_path / "broken.jsonl", lines))
    model = window.model
    row = model.row_of_line(10)
    assert "invalid" in model.index(row, COL_FLAGS).data(FlagsRole)
    assert model.index(row, COL_FORMAT).data() == "unknown"

    dlg = _open_fix(window, qtbot, 10, request)
    assert dlg.tabs.currentIndex() == 1                   # a broken line is repaired in the JSON tab
    qtbot.keyClicks(dlg.editor, '"}]}')
    qtbot.waitUntil(dlg.save_button.isEnabled, timeout=3000)
    qtbot.keyClick(dlg.editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.project.status_of(10) == FIXED, timeout=3000)

    # the table: no red badge, the fix's format; its tooltip no longer says "not valid JSON"
    assert "invalid" not in model.index(row, COL_FLAGS).data(FlagsRole)
    assert model.index(row, COL_FORMAT).data() == "openai"
    tip = model.index(row, COL_FLAGS).data(Qt.ItemDataRole.ToolTipRole) or ""
    assert "not valid JSON" not in tip
    assert window.table.counts()["flag:invalid"] == 0

    # the detail pane leads with the fix; the original's error comes after, labelled as such
    window.select_line(10)
    text = window.examples.example.text()
    head = text.split("\n", 3)
    assert head[0] == "Line 10 · openai"
    fixed_at = text.index("Showing the fixed version")
    original_at = text.index("The original line (before the fix)")
    error_at = text.index("not valid JSON")
    assert fixed_at < text.index("Assistant") < original_at < error_at
    assert "the original line: not valid JSON" in text

    # undo brings the broken line back, badge and all
    window.undo()
    qtbot.waitUntil(lambda: window.project.status_of(10) != FIXED, timeout=3000)
    assert "invalid" in model.index(row, COL_FLAGS).data(FlagsRole)
    assert model.index(row, COL_FORMAT).data() == "unknown"
    window.select_line(10)
    assert window.examples.example.text().index("not valid JSON") < 200       # the error leads again


# ---- 3. Findings: open count, keys on the buttons, elision, "Approve both" ------------------


def _show_findings(window, qtbot):
    window.show_view("findings")
    fv = window.findings
    qtbot.waitUntil(lambda: fv.model.items != [], timeout=3000)
    return fv


def test_finding_counts_go_down_as_findings_are_resolved(opened, qtbot):
    fv = _show_findings(opened, qtbot)
    n = len(fv.model.items)
    assert n > 1
    assert fv.count_label.text().startswith(f"{n} findings · {n} open")
    fv.list.setFocus()
    qtbot.keyClick(fv.list, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)     # keep left
    qtbot.waitUntil(lambda: f"· {n - 1} open" in fv.count_label.text(), timeout=3000)
    assert fv.count_label.text().startswith(f"{n} findings · {n - 1} open")
    opened.undo()
    qtbot.waitUntil(lambda: f"· {n} open" in fv.count_label.text(), timeout=3000)


def test_one_finding_is_singular(window, qtbot, tmp_path):
    lines = _support_lines(6)
    window.open_path(_write(tmp_path / "one.jsonl", lines + [lines[2]]))       # one exact copy
    fv = _show_findings(window, qtbot)
    assert len(fv.model.items) == 1
    assert fv.count_label.text().startswith("1 finding · 1 open")


def test_findings_buttons_show_their_keys_unclipped(opened, qtbot):
    fv = _show_findings(opened, qtbot)
    d = fv.diff
    contradiction = next(r for r, it in enumerate(fv.model.items) if it.kind == "contradiction")
    fv.list.setCurrentIndex(fv.model.index(contradiction))
    keys = {d.keep_left: "Alt+1", d.keep_right: "Alt+2", d.fix_btn: "Alt+3", d.reject_all: "Alt+4",
            d.keep_all: "Alt+5", d.fix_right: "Alt+6"}
    for button, key in keys.items():
        assert button.isVisible()
        assert button.text().endswith(f"[{key}]"), button.text()
        # as wide as its text needs: nothing cut off
        assert button.width() >= button.sizeHint().width(), (button.text(), button.width())
        assert button.geometry().right() <= d.width()
    # "Keep both" approves both: the button says so
    assert d.keep_all.text().startswith("Approve both")
    assert "approved" in d.keep_all.toolTip() and "both go into the export" in d.keep_all.toolTip()
    item = d.item
    qtbot.keyClick(fv.list, Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: all(opened.project.status_of(x) == "approved" for x in item.lines), timeout=3000)


def test_long_member_lists_are_elided_once(window, qtbot, tmp_path):
    lines = _support_lines(3)
    window.open_path(_write(tmp_path / "copies.jsonl", lines + [lines[1]] * 49))     # 50 copies
    window.resize(900, 700)
    fv = _show_findings(window, qtbot)
    index = fv.model.index(0)
    title, detail = index.data().split("\n")
    assert "50 copies" in title
    fm = QFontMetrics(fv.list.font())
    full = fm.horizontalAdvance(detail)
    # whatever the row's width, the list's own elision and the text's never stack ("… …")
    for width in range(40, full + 20, 3):
        shown = fm.elidedText(detail, Qt.TextElideMode.ElideRight, width)
        assert shown.count("…") + shown.count("...") <= 1, shown
    # and what the row shows at the window's width ends in one mark
    width = fv.list.visualRect(index).width()
    shown = fm.elidedText(detail, Qt.TextElideMode.ElideRight, width)
    assert shown.count("…") == 1 and shown.rstrip().endswith("…")
    assert fv.list.indexAt(QPoint(5, 5)) == index


# ---- 4. the export dialog: the estimate once, absolute paths, the folder after writing -------


@pytest.fixture
def relative_project(tmp_path, monkeypatch):
    """The support sample opened by a relative name (as from a terminal), with a reviewed sample
    that does not yet show the rest is clean."""
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "support_chat.jsonl").write_bytes(SUPPORT.read_bytes())
    monkeypatch.chdir(folder)
    p = open_project(Path("support_chat.jsonl"), reviewer="Dana", scan=True)
    lines = p.draw_sample(fraction=0.02, seed=3)
    p.reject(lines[0], reason="low_quality")
    p.approve(lines[1:4])
    yield p
    p.close()


def test_export_preview_says_the_sample_estimate_once(qtbot, relative_project):
    from curator.gui.export_dialog import ExportDialog

    dlg = ExportDialog(relative_project, run_op.OpRunner())
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.plan is not None, timeout=5000)
    sentence = relative_project.estimate().sentence()
    assert not relative_project.estimate().meets_target
    text = dlg.preview.toPlainText()
    assert text.count(sentence) == 1, text
    assert "the review sample does not show the unreviewed records are clean" in text


def test_export_folder_is_absolute_and_shown_after_writing(qtbot, relative_project, tmp_path):
    from curator.gui.export_dialog import ExportDialog

    dlg = ExportDialog(relative_project, run_op.OpRunner())
    qtbot.addWidget(dlg)
    dlg.show()
    out = tmp_path / "work" / "support_chat-export"
    assert dlg.folder.text() == str(out)                  # absolute though the file was opened as a relative name
    dlg.allow_contradictions.setChecked(True)
    dlg.include.setCurrentIndex(dlg.include.findData("unrejected"))
    qtbot.waitUntil(dlg.export_button.isEnabled, timeout=5000)
    assert not dlg.written_row.isVisible()
    qtbot.mouseClick(dlg.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: (out / "manifest.json").exists() and dlg.written_row.isVisible(), timeout=5000)
    assert str(out) in dlg.written_path.text()
    assert dlg.written_path.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    assert dlg.open_folder.isVisible() and dlg.open_folder.isEnabled()
    opened = []
    dlg.open_url = opened.append
    qtbot.mouseClick(dlg.open_folder, Qt.MouseButton.LeftButton)
    assert [u.toLocalFile() for u in opened] == [str(out)]
    # a folder typed as a relative name is written where it says, and shown in full
    dlg.folder.setText("second")
    qtbot.waitUntil(dlg.export_button.isEnabled, timeout=5000)
    qtbot.mouseClick(dlg.export_button, Qt.MouseButton.LeftButton)
    second = tmp_path / "work" / "second"
    qtbot.waitUntil(lambda: (second / "manifest.json").exists(), timeout=5000)
    qtbot.waitUntil(lambda: str(second) in dlg.written_path.text(), timeout=5000)
