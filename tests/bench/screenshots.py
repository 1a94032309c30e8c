"""Save screenshots of the app for the README (docs/screenshots/*.png).

    QT_QPA_PLATFORM=offscreen python tests/bench/screenshots.py [--out docs/screenshots]

Drives the real window over a copy of ``sample_data/support_chat.jsonl`` in a temporary folder
(preferences too, so nothing of the user's is touched): the welcome screen, the examples table
with findings, the review desk on a sample with its live estimate, the findings diff view, the
dashboard and the export dialog. Ops run inline so every shot is deterministic.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_data"
SIZE = (1360, 860)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = ap.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    # a fixed, readable folder name: it shows in the welcome screen's recent list
    tmp = Path(tempfile.gettempdir()) / "curator-demo"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        return _shoot(out, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _shoot(out: Path, tmp: Path) -> int:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from curator.gui.settings import REVIEWER, Preferences, use_settings_dir

    use_settings_dir(tmp / "settings")
    from curator.gui.app import create_app

    app = create_app()
    from curator.gui import run_op
    from curator.gui.main_window import MainWindow

    run_op.set_inline(True)
    data_dir = tmp / "datasets"
    data_dir.mkdir()
    for name in ("support_chat.jsonl", "clinical_notes.jsonl"):
        shutil.copy(SAMPLES / name, data_dir / name)
    prefs = Preferences()
    prefs.set(REVIEWER, "Dana (support lead)")
    for name in ("clinical_notes.jsonl", "support_chat.jsonl"):
        prefs.add_recent(data_dir / name)

    saved: list[Path] = []

    def settle() -> None:
        for _ in range(5):
            QCoreApplication.processEvents()

    def shot(widget, name: str) -> None:
        settle()
        path = out / name
        if not widget.grab().save(str(path)):
            raise SystemExit(f"could not save {path}")
        saved.append(path)

    window = MainWindow(prefs)
    window.resize(*SIZE)
    window.show()
    shot(window, "welcome.png")

    window.open_path(data_dir / "support_chat.jsonl")
    if window.project is None:
        raise SystemExit("the sample did not open")
    project = window.project

    # the table, filtered to flagged examples, one of them selected
    ex = window.examples
    ex.flag_box.setCurrentIndex(ex.flag_box.findData("any"))
    window.apply_filters()
    window._select_row(2)
    shot(window, "table_findings.png")

    # the findings diff view on a planted contradiction (sample_data/defects.json), else the worst finding
    import json

    from curator.gui.findings_view import FindingRole

    planted = json.loads((SAMPLES / "defects.json").read_text(encoding="utf-8"))["support_chat.jsonl"]
    pairs = {tuple(sorted(p)) for p in planted.get("contradictions", [])}
    window.show_view("findings")
    fv = window.findings
    rows = [r for r in range(fv.model.rowCount())
            if tuple(sorted(fv.model.index(r).data(FindingRole).lines)) in pairs]
    if fv.model.rowCount():
        fv.list.setCurrentIndex(fv.model.index(rows[0] if rows else 0))
    shot(window, "diff_view.png")

    # the review desk on a 10% sample, some of it reviewed, so the estimate shows
    window.show_view("review")
    desk = window.view_widget("review")
    desk.start("sample", fraction=0.1, seed=7)
    for i in range(60):
        if i == 17:
            desk.trigger("reject")                         # R, then reason 3 ("wrong")
            desk.reason_panel.list.setCurrentRow(3)
            desk.reason_panel._confirm()
        else:
            desk.trigger("approve")
    flags = project.flags_by_line()
    flagged = [ln for ln in desk.lines[desk.pos:] if flags.get(ln, {"invalid"}) - {"invalid"}]
    if flagged:                                            # show the badges on a flagged example
        for _ in range(desk.lines.index(flagged[0]) - desk.pos):
            desk.trigger("next")
    shot(window, "review_desk.png")

    desk.show_keymap()
    shot(window, "review_keys.png")
    desk.trigger("help")

    # the dashboard
    window.show_view("dashboard")
    page = window.view_widget("dashboard")
    page.ensure_view().canvas.draw()
    shot(window, "dashboard.png")

    # the export dialog with its live preview
    window.open_export()
    dlg = window.export_dialog
    dlg.folder.setText("~/exports/support_chat")          # shown only; nothing is written
    dlg.stratify.setCurrentIndex(max(0, dlg.stratify.findData("format")))
    dlg.update_preview()
    dlg.resize(760, 600)
    shot(dlg, "export_dialog.png")
    dlg.close()

    window.close()
    app.processEvents()
    for p in saved:
        print(f"{p.relative_to(REPO) if p.is_relative_to(REPO) else p}")
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
