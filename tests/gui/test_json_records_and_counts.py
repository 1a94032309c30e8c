"""JSON-array datasets speak of records, not lines; the status bar explains its counts; a prompt
opening shared by every record is left out of the Prompt column (a new user's report)."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from curator.gui.table_model import COL_LINE, COL_PROMPT

SHARED = "If you are a doctor, please answer the medical questions based on the patient's description.\n"


def _json_array(path, n=12):
    """A pretty-printed JSON array (so record numbers and line numbers differ) with an exact duplicate."""
    rows = [{"instruction": SHARED + f"Doctor, I have symptom number {i} and worry about it.", "input": "",
             "output": f"Rest and drink water; see a doctor if symptom {i} lasts."} for i in range(n)]
    rows.append(dict(rows[3]))
    path.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return path


def test_json_array_findings_table_and_reader_say_record(window, tmp_path):
    window.open_path(_json_array(tmp_path / "doctor.json"))
    assert window.project is not None and window.project.dataset.container == "json"
    items = window.findings.model.items
    assert items, "the duplicate was not found"
    texts = [f"{it.title} {it.detail}" for it in items]
    assert all("line" not in t.lower() for t in texts) and any("records 4, 13" in t for t in texts), texts
    window.findings.list.setCurrentIndex(window.findings.model.index(0))
    diff = window.findings.diff
    assert diff.keep_left.text().startswith("Keep record ") and diff.left_head.text().startswith("Record ")
    assert window.model.headerData(COL_LINE, Qt.Orientation.Horizontal) == "Record"
    window.select_line(4)
    rec = window.project.dataset.by_line(4)
    assert rec.start_line > 4
    assert window.examples.example.text().startswith(f"Record 4 · starts at line {rec.start_line} · alpaca")
    window.show_view("review")
    desk = window.view_widget("review")
    assert " · record " in desk.where.text() and " line " not in desk.where.text()


def test_jsonl_keeps_lines(opened):
    items = opened.findings.model.items
    assert any(it.detail.startswith("lines ") for it in items)
    assert opened.model.headerData(COL_LINE, Qt.Orientation.Horizontal) == "Line"
    assert opened.examples.example.text().startswith(f"Line {opened.current_line()}")


def test_status_bar_counts_say_what_they_count(opened, qtbot):
    text = opened.count_label.text()
    n_find = len(opened.findings.model.items)
    flagged = opened.table.counts()["flag:any"]
    n_open = opened.findings.model.open_findings()
    assert n_open == n_find > 1
    assert f"{n_find:,} findings, {n_find:,} open" in text and f"{flagged:,} examples flagged" in text
    tip = opened.count_label.toolTip()
    assert "Findings tab" in tip and "at least one flag" in tip and f"{n_open:,} of them are open" in tip
    # deciding every example of one finding takes it out of the open count, as the Findings tab says
    # (a clinician resolved all seven and still read "7 findings" as seven to do)
    first = opened.findings.model.items[0]
    for line in first.lines:
        opened.select_line(line)
        opened.approve_current()
        qtbot.waitUntil(lambda: opened.project.status_of(line) == "approved", timeout=5000)
    qtbot.waitUntil(lambda: opened.findings.model.open_findings() < n_find, timeout=5000)
    still = opened.findings.model.open_findings()
    assert still < n_find
    qtbot.waitUntil(lambda: f"{n_find:,} findings, {still:,} open" in opened.count_label.text(), timeout=5000)


def test_prompt_column_shows_what_varies_when_every_prompt_shares_an_opening(window, tmp_path):
    window.open_path(_json_array(tmp_path / "doctor.json"))
    m = window.model
    shown = [m.index(r, COL_PROMPT).data() for r in range(m.rowCount())]
    assert all(s.startswith("…Doctor, I have symptom number") for s in shown), shown[:3]
    assert len(set(shown)) == m.rowCount() - 1          # only the planted duplicate repeats
    tip = m.index(0, COL_PROMPT).data(Qt.ItemDataRole.ToolTipRole)
    assert "Every prompt starts with the same text" in tip and "If you are a doctor" in tip
    assert "same text" in m.headerData(COL_PROMPT, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)


def test_prompt_column_unchanged_when_prompts_differ(opened):
    assert opened.table.shared_prompt_prefix == ""
    assert not opened.model.index(0, COL_PROMPT).data().startswith("…")


def test_open_recent_tells_two_files_of_one_name_apart(window, tmp_path):
    """A clinician saw "chatdoctor5k.json" twice in File › Open Recent, one of them another
    session's copy, and no way to tell which; the menu now names the folder of each, and shows
    the whole path as a tooltip."""
    a, b, c = tmp_path / "one" / "data.json", tmp_path / "two" / "data.json", tmp_path / "other.jsonl"
    for p in (a, b, c):
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("[]", encoding="utf-8")
        window.prefs.add_recent(p)
    window._fill_recent_menu()
    acts = [x for x in window.recent_menu.actions() if x.isEnabled()]
    labels = [x.text() for x in acts]
    assert labels[0].endswith(" other.jsonl"), labels                   # a unique name stays short
    # the folder (shortened from the left when long) tells the two apart
    assert any("data.json — " in t and t.endswith("two") for t in labels), labels
    assert any("data.json — " in t and t.endswith("one") for t in labels), labels
    assert window.recent_menu.toolTipsVisible()
    assert {x.toolTip() for x in acts} >= {str(a.resolve()), str(b.resolve())} or \
        {x.toolTip() for x in acts} >= {str(a), str(b)}


def test_window_size_is_kept_without_a_clean_quit(window, prefs, qtbot):
    """A clinician's window came back at the default size after kill -9: the layout was saved
    only on quit. It is saved a moment after a resize, so a new window (the next session) has it."""
    from curator.gui.main_window import MainWindow
    from curator.gui.settings import GEOMETRY

    before = prefs.get(GEOMETRY)
    window.resize(700, 520)
    qtbot.waitUntil(lambda: prefs.get(GEOMETRY) != before, timeout=5000)
    again = MainWindow(prefs)          # no closeEvent on the first: as after a kill
    qtbot.addWidget(again)
    assert bytes(window.saveGeometry().data()) == prefs.get(GEOMETRY)
    assert (again.width(), again.height()) == (700, 520)
