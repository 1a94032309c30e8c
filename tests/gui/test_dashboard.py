"""The dashboard draws real charts from a real file and warns when the set is too small."""

from __future__ import annotations

import json
import subprocess
import sys

from curator.core.dataset import load_dataset
from curator.core.decisions import Decision


def _dataset(tmp_path, n):
    p = tmp_path / "chat.jsonl"
    with p.open("w", encoding="utf-8") as f:
        for i in range(1, n + 1):
            f.write(json.dumps({"messages": [{"role": "user", "content": f"Question {i} " * (i % 7 + 1)},
                                             {"role": "assistant", "content": "Answer $5 " * (i % 11 + 1)}],
                                "metadata": {"category": ["billing", "shipping", "$x$"][i % 3]}}) + "\n")
    return load_dataset(p)


def test_matplotlib_loads_only_when_a_dashboard_opens(tmp_path):
    """Opening the app and a project does not load matplotlib; showing the dashboard tab does."""
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"instruction": f"q{i}", "input": "", "output": f"a{i}"}) + "\n"
                            for i in range(20)), encoding="utf-8")
    code = f"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from curator.gui.settings import use_settings_dir
use_settings_dir({str(tmp_path / "settings")!r})
from curator.gui.app import create_app
app = create_app()
from curator.gui import run_op
run_op.set_inline(True)
from curator.gui.main_window import MainWindow
w = MainWindow()
w.show()
w.open_path({str(data)!r})
assert w.project is not None
print("after open:", "matplotlib" in sys.modules)
w.show_view("dashboard")
app.processEvents()
print("after dashboard:", "matplotlib" in sys.modules)
w.close_project()
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "after open: False" in out.stdout and "after dashboard: True" in out.stdout


def test_dashboard_charts_and_guidance(qtbot, tmp_path):
    from curator.gui.dashboard import DashboardView

    ds = _dataset(tmp_path, 400)
    view = DashboardView(goal="style", eval_fraction=0.1)
    qtbot.addWidget(view)
    view.resize(1100, 760)
    # a sample review: like the export, the unreviewed rest counts as usable
    view.set_data(ds, None, {1: Decision(1, "approved"), 2: Decision(2, "rejected")}, sample_lines=[1, 2, 3])
    view.show()
    view.canvas.draw()
    titles = [ax.get_title(loc="left") for ax in view.figure.axes]
    assert titles[:2] == ["Review status", "Records flagged (scan pending)"]
    assert "Prompt length" in titles and "Response length" in titles
    assert "By metadata.category" in titles
    field_ax = view.figure.axes[titles.index("By metadata.category")]
    labels = [t.get_text() for t in field_ax.get_yticklabels()]
    assert r"\$x\$" in labels   # record text never reaches mathtext
    assert "400 records" in view.summary.text() and "~399 usable" in view.summary.text()
    # 399 usable, 10% eval → 40 eval examples: too few to measure anything
    assert view.guidance.property("level") == "warning"
    assert "eval split is too small" in view.guidance.text()
    with qtbot.waitSignal(view.goal_changed) as sig:
        view.goal_box.setCurrentIndex(view.goal_box.findData("complex"))
    assert sig.args == ["complex"] and "Too small for complex tasks" in view.guidance.text()
    view.goal_box.setCurrentIndex(view.goal_box.findData("style"))
    view.eval_spin.setValue(20)
    assert view.guidance.property("level") == "ok"
    # decisions change → counts redraw
    view.refresh({n: Decision(n, "approved") for n in range(1, 51)})
    status_ax = view.figure.axes[0]
    bar_texts = [t.get_text() for t in status_ax.texts]
    assert view.current_stats.status["approved"] == 50
    assert "50" in bar_texts and "350" in bar_texts      # approved, undecided bars are labelled


def test_dashboard_without_metadata_says_so(qtbot, tmp_path):
    from curator.gui.dashboard import DashboardView

    p = tmp_path / "a.jsonl"
    p.write_text("".join(json.dumps({"instruction": f"q{i}", "input": "", "output": "a"}) + "\n"
                         for i in range(30)), encoding="utf-8")
    view = DashboardView()
    qtbot.addWidget(view)
    view.set_data(load_dataset(p), None, {})
    assert not view.field_box.isEnabled()
    assert any("no\nmetadata field" in t.get_text() for ax in view.figure.axes for t in ax.texts)


def test_counting_runs_on_a_worker_thread(qtbot, tmp_path):
    """With the window's runner, counting happens off the GUI thread: set_data returns at once
    with "Counting…", and the charts follow when the op delivers."""
    from curator.gui import run_op
    from curator.gui.dashboard import DashboardView

    run_op.set_inline(False)
    ds = _dataset(tmp_path, 300)
    view = DashboardView(runner=run_op.OpRunner())
    qtbot.addWidget(view)
    ops = []
    view._runner.started.connect(lambda op: ops.append(op.title))
    view.set_data(ds, None, {})
    assert view.summary.text() == "Counting…" and view.current_stats is None
    qtbot.waitUntil(lambda: view.current_stats is not None, timeout=10_000)
    assert ops == ["Counting for the dashboard"] and view.current_stats.records == 300
    assert "By metadata.category" in [ax.get_title(loc="left") for ax in view.figure.axes]


def test_ctrl_z_undoes_on_the_dashboard_too(opened, qtbot):
    """A trial: the Edit menu showed "Undo Reject line 3753  Ctrl+Z" on the Dashboard, but the key
    did nothing there (the shortcut lived only in the Examples and Findings pages)."""
    from PySide6.QtCore import Qt

    w = opened
    line = w.current_line()
    w.approve_action.trigger()
    qtbot.waitUntil(lambda: w.project.decision(line) is not None, timeout=5000)
    w.show_view("dashboard")
    page = w.views.currentWidget()
    qtbot.waitUntil(lambda: page.isVisible(), timeout=3000)
    page.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.project.decision(line) is None, timeout=5000)
    qtbot.keyClick(page, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: w.project.decision(line) is not None, timeout=5000)
