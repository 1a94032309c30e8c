"""The export dialog re-plans through the project's PlanCache: a format change reuses the duplicate
step and the split, the folder box never re-plans, a decision made meanwhile is never answered from
the cache, and a superseded plan is still cancelled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curator import open_project
from curator.core.export import ExportOptions, plan_export, render_files
from curator.gui import run_op
from curator.gui.export_dialog import ExportDialog, plan_cache_for

from gui_helpers import support_chat_rows


def _file(path: Path, n: int = 16, distinct: int = 80) -> Path:
    """Templated support chats (the same question and answer with another ticket number: near copies
    kept for their number), distinct random-word chats, and two exact copies."""
    rows = support_chat_rows(n, distinct)
    rows += [rows[20], rows[30]]                    # two exact copies
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path):
    p = open_project(_file(tmp_path / "support.jsonl"), reviewer="Ana")
    assert p.scan.near_duplicates
    yield p
    p.close()


def fresh(project, options: ExportOptions):
    return plan_export(project.dataset, project.scan, project.decisions(), options=options,
                       sample_lines=project.sample_lines(), estimate=project.estimate(),
                       project_path=str(project.path))


def test_a_format_change_reuses_the_expensive_steps_and_shows_the_same_plan(qtbot, dialog, project, tmp_path):
    cache = dialog.plan_cache
    assert cache is plan_cache_for(project)
    assert dialog.plan is not None and cache.computed["split"] == 1
    components = cache.computed["duplicates"]
    dialog.format.setCurrentIndex(dialog.format.findData("openai"))
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.plan.options.format == "openai", timeout=5000)
    assert cache.computed == {"split": 1, "duplicates": components}
    assert cache.reused["split"] == 1 and cache.reused["duplicates"] == components
    assert render_files(dialog.plan) == render_files(fresh(project, dialog.options()))

    # the folder box never re-plans: the shown plan stays, and it is what gets written
    shown = dialog.plan
    dialog.folder.setText(str(tmp_path / "elsewhere"))
    qtbot.wait(400)
    assert dialog.plan is shown and cache.reused["split"] == 1 and dialog.export_button.isEnabled()
    dialog.write()
    qtbot.waitUntil(lambda: dialog.manifest is not None, timeout=5000)
    expected = render_files(fresh(project, dialog.options()))
    assert (tmp_path / "elsewhere" / "train.jsonl").read_bytes() == expected["train.jsonl"]
    assert (tmp_path / "elsewhere" / "eval.jsonl").read_bytes() == expected["eval.jsonl"]


def test_a_decision_made_meanwhile_is_never_answered_from_the_cache(qtbot, dialog, project):
    cache = dialog.plan_cache
    cluster = max(project.scan.near_duplicates, key=lambda c: len(c.lines))
    project.reject(cluster.keeper, reason="wrong")     # in the window, while the dialog is open
    dialog.format.setCurrentIndex(dialog.format.findData("sharegpt"))
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.plan.options.format == "sharegpt", timeout=5000)
    assert dialog.plan.excluded.get(cluster.keeper) == "rejected"
    assert cache.computed["split"] == 2 and cache.reused["split"] == 0
    assert render_files(dialog.plan) == render_files(fresh(project, dialog.options()))


def test_reopening_the_dialog_reuses_the_project_cache(qtbot, dialog, project, tmp_path):
    cache = dialog.plan_cache
    dialog.close()
    again = ExportDialog(project, run_op.OpRunner(), folder=tmp_path / "out")
    qtbot.addWidget(again)
    assert again.plan_cache is cache and again.plan is not None
    assert cache.computed["split"] == 1 and cache.reused["split"] == 1
    assert render_files(again.plan) == render_files(fresh(project, again.options()))


def test_a_superseded_plan_is_cancelled(qtbot, project, tmp_path):
    run_op.set_inline(False)              # a real thread pool: the first plan is still running
    try:
        dlg = ExportDialog(project, run_op.OpRunner(), folder=tmp_path / "out")
        qtbot.addWidget(dlg)
        first = dlg._plan_op
        dlg.format.setCurrentIndex(dlg.format.findData("openai"))
        dlg.update_preview()              # the user's change, planned before the first finished
        assert first.cancel.is_set() or first.finished
        qtbot.waitUntil(lambda: dlg.plan is not None and dlg.plan.options.format == "openai"
                        and dlg._plan_op.finished, timeout=20000)
        assert render_files(dlg.plan) == render_files(fresh(project, dlg.options()))
    finally:
        qtbot.waitUntil(lambda: dlg._plan_op is None or dlg._plan_op.finished, timeout=20000)
        run_op.set_inline(True)
