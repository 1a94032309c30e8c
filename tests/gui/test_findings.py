"""The findings panel and the reader: worst first, word-level highlights, and record text that
looks like HTML shown literally everywhere (table cells, tooltips, reader, diff, editor)."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument

from curator.core.findings import Contradiction, ExactGroup, NearCluster, PairScore, ScanResult
from curator.gui.findings_view import FindingRole
from curator.gui.table_model import COL_PROMPT, COL_RESPONSE

HOSTILE = "<img src=x onerror=alert(1)>"


def _no_markup(doc: QTextDocument) -> None:
    """The document holds no image, link or bold run: the tags stayed characters."""
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            assert not fmt.isImageFormat()
            assert not fmt.isAnchor()
            it += 1
        block = block.next()
    html = doc.toHtml()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html and "<script" not in html


def test_hostile_text_is_shown_literally_everywhere(window, hostile_file, qtbot):
    window.open_path(hostile_file)
    m = window.model
    # table cells: the raw characters, tooltips escaped so Qt cannot treat them as rich text
    assert HOSTILE in m.index(0, COL_PROMPT).data()
    assert HOSTILE in m.index(0, COL_RESPONSE).data()
    tip = m.index(0, COL_RESPONSE).data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;img src=x onerror=alert(1)&gt;" in tip and "<img" not in tip
    # the reader: chat and alpaca
    for line in (1, 3):
        window.select_line(line)
        reader = window.examples.example.reader
        assert HOSTILE in reader.toPlainText()
        _no_markup(reader.document())
        assert HOSTILE in window.examples.example.raw.toPlainText()
    window.select_line(1)
    assert "<script>alert(2)</script>" in window.examples.example.text()
    assert "<b>bold</b> &amp;" in window.examples.example.text()
    # the side-by-side diff of the duplicate pair (lines 1 and 2 differ only in alert(2)/alert(3))
    fv = window.findings
    items = fv.model.items
    pair = next((i for i, it in enumerate(items) if set(it.lines) == {1, 2}), None)
    if pair is not None:
        fv.list.setCurrentIndex(fv.model.index(pair))
        for side in (fv.diff.left, fv.diff.right):
            assert HOSTILE in side.toPlainText()
            _no_markup(side.document())
    # the Fix editor shows the JSON source as text
    window.select_line(1)
    dlg = window.fix_current()
    assert HOSTILE in dlg.editor.toPlainText()
    dlg.reject()
    window.grab().save(str(hostile_file.with_suffix(".png")))


def test_alpaca_reads_as_instruction_input_output(window, hostile_file):
    window.open_path(hostile_file)
    window.select_line(3)
    text = window.examples.example.text()
    assert text.index("Instruction") < text.index("Input") < text.index("Output")
    assert "javascript:alert(4)" in text


def test_chat_reads_as_a_conversation_with_roles(window, tmp_path):
    rec = {"messages": [{"role": "system", "content": "Be brief."},
                        {"role": "user", "content": "Hi there"},
                        {"role": "assistant", "content": "Hello!", "weight": 0},
                        {"role": "user", "content": "Bye"},
                        {"role": "assistant", "content": "Goodbye."}]}
    p = tmp_path / "conv.jsonl"
    p.write_text(json.dumps(rec) + "\n")
    window.open_path(p)
    text = window.examples.example.text()
    order = [text.index(s) for s in ("System", "Be brief.", "User", "Hi there", "Assistant · not trained on",
                                     "Hello!", "Bye", "Goodbye.")]
    assert order == sorted(order)


def _highlighted(edit) -> list[str]:
    """The runs of text with a background (the changed words)."""
    runs = []
    block = edit.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.charFormat().background().style() != Qt.BrushStyle.NoBrush:
                runs.append(frag.text())
            it += 1
        block = block.next()
    return runs


def test_diff_view_highlights_the_differing_words(window, tmp_path):
    a = {"messages": [{"role": "user", "content": "How long does a refund take for order 5521?"},
                      {"role": "assistant", "content": "Refunds reach your card in 5 to 7 business days."}]}
    b = {"messages": [{"role": "user", "content": "How long does a refund take for order 5521?"},
                      {"role": "assistant", "content": "Refunds reach your card in 10 to 14 business days."}]}
    p = tmp_path / "pair.jsonl"
    p.write_text(json.dumps(a) + "\n" + json.dumps(b) + "\n")
    window.open_path(p)
    fv = window.findings
    scan = ScanResult(near_duplicates=[NearCluster((1, 2), 1, (PairScore(1, 2, 95.5),))])
    window.table.set_scan(scan)        # the panel shows whatever the core found; drive it directly
    fv.set_table(window.table)
    diff = fv.diff
    assert diff.item is not None and diff.item.lines == (1, 2)
    assert "96%" in diff.scores.text()
    assert _highlighted(diff.left) == ["5", "7"]
    assert _highlighted(diff.right) == ["10", "14"]
    assert diff.keep_left.text() == "Keep line 1  [Alt+1]" and diff.keep_right.text() == "Keep line 2  [Alt+2]"
    assert not diff.fix_btn.isVisible() or diff.fix_btn.isHidden()


def _open_with_findings(window, tmp_path, n: int = 8) -> None:
    """Eight short chats (line k holds q(k-1)) with two duplicate groups and a contradiction."""
    rows = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}
            for i in range(n)]
    p = tmp_path / "f.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    window.open_path(p)
    window.table.set_scan(ScanResult(exact_duplicates=[ExactGroup((1, 2), 1), ExactGroup((3, 4, 5), 4)],
                                     contradictions=[Contradiction(6, 7, 0.95, 0.2, reason="different_labels")]))


def test_findings_are_listed_worst_first_and_multi_member_clusters_pick_members(window, tmp_path):
    _open_with_findings(window, tmp_path)
    fv = window.findings
    fv.set_table(window.table)
    kinds = [fv.model.index(r).data(FindingRole).kind for r in range(fv.model.rowCount())]
    assert kinds == ["contradiction", "duplicate", "duplicate"]
    assert fv.model.index(1).data(FindingRole).lines == (3, 4, 5)
    window.show_view("findings")
    fv.list.setCurrentIndex(fv.model.index(1))
    diff = fv.diff
    assert diff.left_pick.isVisible() and diff.left_pick.count() == 3
    assert diff._line(diff.left_pick) == 4          # the suggested keeper on the left
    assert diff.reject_all.text() == "Reject all  [Alt+4]"
    diff.right_pick.setCurrentIndex(2)
    assert diff.right_head.text().startswith("Line 5")
    diff.reject_all.click()
    assert [window.project.status_of(x) for x in (3, 4, 5)] == ["rejected"] * 3
    # resolving moves on to the next open finding
    assert fv.list.currentIndex().row() != 1
    # contradiction: keep the left one
    fv.list.setCurrentIndex(fv.model.index(0))
    assert diff.fix_btn.isVisibleTo(fv) and "Prompt similarity 95%" in diff.scores.text()
    assert "flagged because the short label answers differ" in diff.scores.text()   # why, in words
    assert diff.left.toPlainText().startswith("User: q5")   # line 6 holds q5
    diff.keep_left.click()
    assert window.project.status_of(6) == "approved" and window.project.status_of(7) == "rejected"



def test_findings_start_at_the_first_open_finding(window, tmp_path):
    """A new user's report: after reopening, the Findings list first landed on a finding already
    resolved before."""
    _open_with_findings(window, tmp_path)
    window.mutate("Resolving", lambda: window.project.resolve_contradiction(6, 7, action="keep_a"))
    fv = window.findings
    fv.set_table(window.table)
    assert fv.model.index(0).data(FindingRole).kind == "contradiction"          # worst first, but resolved

    assert fv.list.currentIndex().row() == 1 and fv.model.index(1).data(FindingRole).lines == (3, 4, 5)


def test_a_two_member_group_marks_its_suggested_keeper(window, tmp_path):
    """A new user's report: near-duplicate pairs showed no "(suggested keeper)" mark; only groups of
    three, whose member pickers carry it, did."""
    rows = [{"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}
            for i in range(4)]
    p = tmp_path / "f.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    window.open_path(p)
    window.table.set_scan(ScanResult(exact_duplicates=[ExactGroup((1, 2), 2)]))
    fv = window.findings
    fv.set_table(window.table)
    diff = fv.diff
    assert diff.left_head.text().startswith("Line 2 ·") and \
        diff.left_head.text().endswith("· suggested keeper")
    assert "keeper" not in diff.right_head.text()
