"""How long the GUI thread is busy per review-desk decision and for the dashboard, at scale.

    QT_QPA_PLATFORM=offscreen python tests/bench/review_latency.py [--records 100000]

Builds a file of N records by repeating ``sample_data/support_chat.jsonl``, opens its project
(load + scan), then measures on the GUI thread: starting the desk, 50 approvals through the desk
(each stores the decision with synchronous=FULL and redraws), undo, and the dashboard (counting
on a worker, then drawing). Prints one line per measurement: median and worst in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="curator-latency-"))
    src = (REPO / "sample_data" / "support_chat.jsonl").read_bytes().splitlines()
    data = tmp / "big.jsonl"
    with data.open("wb") as f:
        for i in range(args.records):
            f.write(src[i % len(src)] + b"\n")

    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from curator import open_project
    from curator.gui import run_op
    from curator.gui.dashboard import DashboardView
    from curator.gui.review_view import SHOWING, ReviewDesk
    from curator.gui.settings import REVIEWER, Preferences, use_settings_dir

    use_settings_dir(tmp / "settings")
    app = QApplication.instance() or QApplication([])
    t0 = time.perf_counter()
    project = open_project(data, reviewer="bench")
    print(f"records {args.records:,}: open_project (load + scan) {time.perf_counter() - t0:.1f} s")
    prefs = Preferences()
    prefs.set(REVIEWER, "bench")
    runner = run_op.OpRunner()
    desk = ReviewDesk(project, runner, prefs)
    desk.resize(1200, 800)
    desk.show()

    t = time.perf_counter()
    desk.start("all")
    print(f"desk start (queue of {len(desk.lines):,}): {(time.perf_counter() - t) * 1000:.0f} ms")

    def busy_ms(action: str) -> float:
        """GUI-thread time of one action: the key handler, then the delivery of the stored change."""
        t1 = time.perf_counter()
        desk.trigger(action)
        gui = time.perf_counter() - t1
        while desk.state != SHOWING or runner.busy():
            runner.pool.waitForDone(5)
            t2 = time.perf_counter()
            QCoreApplication.processEvents()
            gui += time.perf_counter() - t2
        return gui * 1000

    approvals = [busy_ms("approve") for _ in range(50)]
    undos = [busy_ms("undo") for _ in range(5)]
    for name, xs in (("approve", approvals), ("undo", undos)):
        print(f"desk {name}: median {statistics.median(xs):.1f} ms, worst {max(xs):.1f} ms (GUI thread)")

    view = DashboardView(runner=runner)
    view.resize(1200, 800)
    view.show()
    t = time.perf_counter()
    view.set_data(project.dataset, project.scan, project.decisions())
    handoff = time.perf_counter() - t
    while view.current_stats is None:
        runner.pool.waitForDone(5)
        t2 = time.perf_counter()
        QCoreApplication.processEvents()
        handoff = max(handoff, time.perf_counter() - t2)
    t = time.perf_counter()
    view.canvas.draw()
    print(f"dashboard: worst GUI-thread slice while counting {handoff * 1000:.0f} ms, "
          f"chart draw {(time.perf_counter() - t) * 1000:.0f} ms")
    project.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
