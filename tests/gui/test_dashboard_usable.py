"""The dashboard says how many of the usable records are near copies kept because a number differs
(the same answer with another ticket number), from the export's own choice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curator import open_project
from curator.core.export import ExportOptions, plan_export

from gui_helpers import support_chat_rows


def _file(path: Path, templated: int = 16, distinct: int = 60) -> Path:
    rows = support_chat_rows(templated, distinct)
    if distinct:
        rows.append(rows[-1])                         # an exact copy: left out
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path):
    p = open_project(_file(tmp_path / "support.jsonl"), reviewer="Ana")
    yield p
    p.close()


def _beside_keeper(project) -> tuple[int, int]:
    """(records the default export writes, of them near-duplicates that are not their cluster's
    keeper) — read from the export plan, not from the dashboard's numbers."""
    plan = plan_export(project.dataset, project.scan, project.decisions(), options=ExportOptions(),
                       sample_lines=project.sample_lines())
    out = {e.line for e in plan.entries}
    beside = {ln for c in project.scan.near_duplicates for ln in c.lines if ln != c.keeper} & out
    return len(out), len(beside)


def test_usable_says_how_many_are_near_copies_that_differ_in_a_number(qtbot, project):
    from curator.gui.dashboard import DashboardView

    view = DashboardView()
    qtbot.addWidget(view)
    view.set_data(project.dataset, project.scan, project.decisions(), project.sample_lines())
    exported, beside = _beside_keeper(project)
    assert (exported, beside) == (76, 14)       # 16 templated chats: 2 keepers, 14 kept for their ticket number
    assert f"~{exported} usable for export ({beside} of them near copies that differ in a number)" \
        in view.summary.text()
    assert "another ticket or order number" in view.summary.toolTip()

    # a decision changes both numbers, as it changes the export
    copy = next(ln for c in project.scan.near_duplicates for ln in c.lines if ln != c.keeper)
    project.reject(copy, reason="duplicate")
    view.refresh(project.decisions())
    exported, beside = _beside_keeper(project)
    assert (exported, beside) == (75, 13)
    assert f"~{exported} usable for export ({beside} of them near copies that differ in a number)" \
        in view.summary.text()


def test_no_near_copies_no_breakdown(qtbot, tmp_path):
    from curator.gui.dashboard import DashboardView

    with open_project(_file(tmp_path / "plain.jsonl", templated=0), reviewer="Ana") as p:
        view = DashboardView()
        qtbot.addWidget(view)
        view.set_data(p.dataset, p.scan, p.decisions(), p.sample_lines())
        assert "~60 usable for export · format openai" in view.summary.text()
        assert view.summary.toolTip().startswith("What an export with the default options keeps")
        assert "near copies" not in view.summary.toolTip() and "near-duplicates" not in view.summary.toolTip()


def test_the_dashboard_shares_the_export_plan_cache(qtbot, project, tmp_path):
    """A recount after a decision compares only that record's cluster again (on the 80k templated
    file 5.5 s -> 0.3 s), and the export dialog opened next reuses what the dashboard worked out."""
    from curator.gui import run_op
    from curator.gui.dashboard import DashboardPage
    from curator.gui.export_dialog import ExportDialog, plan_cache_for

    page = DashboardPage(project)
    qtbot.addWidget(page)
    page.show()
    view = page.ensure_view()
    cache = plan_cache_for(project)
    assert view.plan_cache is cache
    components = cache.computed["duplicates"]
    assert components > 0 and not cache.reused

    copy = next(ln for c in project.scan.near_duplicates for ln in c.lines if ln != c.keeper)
    project.reject(copy, reason="duplicate")
    page.project_changed()
    assert cache.computed["duplicates"] == components + 1          # its own cluster only
    assert cache.reused["duplicates"] == components - 1
    exported, beside = _beside_keeper(project)
    assert f"~{exported} usable for export ({beside} of them near copies that differ in a number)" \
        in view.summary.text()

    dlg = ExportDialog(project, run_op.OpRunner(), folder=tmp_path / "out")
    qtbot.addWidget(dlg)
    assert dlg.plan is not None and len(dlg.plan.entries) == exported
    assert cache.computed["duplicates"] == components + 1          # nothing compared again


def test_a_sample_full_of_defects_turns_the_size_check_into_a_warning(qtbot, tmp_path):
    """A clinician's sample had 7 defects in 10 and the dashboard still said "~5,437 usable for
    export" with a green "✓ … within the usual range". The export is blocked there, so the
    dashboard counts what goes in without overriding it (approved and fixed) and says why."""
    from curator.gui.dashboard import DashboardPage

    with open_project(_file(tmp_path / "s.jsonl", templated=0, distinct=300), reviewer="Ana") as p:
        p.draw_sample(0.1, seed=1)
        sample = p.sample_lines()
        page = DashboardPage(p)
        qtbot.addWidget(page)
        page.show()
        view = page.ensure_view()
        assert "~300 usable for export" in view.summary.text()
        p.approve(sample[:3])
        p.reject(sample[3:10])
        page.project_changed()
        assert "~3 usable for export (reviewed only: the review sample blocks the unreviewed rest)" \
            in view.summary.text(), view.summary.text()
        text = view.guidance.text()
        assert text.startswith("⚠ Export blocked for the unreviewed records: the review sample shows")
        assert view.guidance.property("level") == "warning"
        # the same numbers as the export: blocked by default, the reviewed-only count otherwise
        plan = plan_export(p.dataset, p.scan, p.decisions(), sample_lines=sample, estimate=p.estimate())
        assert [b.code for b in plan.blockers][:1] == ["sample_defects"]


def test_the_dashboard_says_who_decided_how_many(qtbot, tmp_path):
    """Two reviewers on one project: the summary names each with their decisions."""
    from curator.gui.dashboard import DashboardView

    path = _file(tmp_path / "team.jsonl", templated=0, distinct=40)
    with open_project(path, reviewer="Ana") as p:
        p.approve([1, 2, 3])
    with open_project(path, reviewer="Ben") as p:
        p.reject(4, reason="wrong")
        view = DashboardView()
        qtbot.addWidget(view)
        view.set_data(p.dataset, p.scan, p.decisions(), p.sample_lines())
        assert "(by Ana 3, Ben 1)" in view.summary.text(), view.summary.text()
