"""Benchmark: does the window's event loop stall while a 100,000-record file loads and scans?

Run from the repository root (no display needed)::

    QT_QPA_PLATFORM=offscreen python tests/bench/bench_gui_stall.py               # 100,000 records
    QT_QPA_PLATFORM=offscreen python tests/bench/bench_gui_stall.py --records 20000

It writes a deterministic support-chat JSONL file (system prompt, varied wording, multi-turn
chats, exact and near duplicates, broken lines) in a temporary folder, opens it in the
real :class:`~curator.gui.main_window.MainWindow` exactly as File › Open does (project store,
load, validation, scan and table build on the worker; progress polled by the window), and
meanwhile a 5 ms :class:`QTimer` on the main thread records the gap between its ticks. The
worst gap is the longest the window was unresponsive. After the open completes it keeps
measuring while it scrolls the 100,000-row table, sorts by a column and runs a search, the
things a user does next. Target: worst stall < 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TOPICS = ["reset my password", "track my parcel", "get a refund", "change my delivery address", "cancel my order",
          "update my card", "close my account", "use a discount code", "return a damaged item", "change my plan"]
SYSTEM = ("You are Larkspur Home's support assistant. Be concise and friendly, never promise what policy does "
          "not allow, and point customers to the right page in their account.")


WORDS = ["the", "a", "to", "of", "and", "in", "is", "for", "on", "with", "your", "order", "account", "refund", "delivery", "package", "please", "could", "you", "help", "me", "we", "have", "has", "been", "was", "not", "can", "will", "would", "should", "password", "login", "email", "address", "card", "payment", "invoice", "tracking", "number", "days", "week", "support", "team", "thanks", "hello", "sorry", "about", "issue", "problem", "update", "change", "cancel", "subscription", "plan", "price", "store", "return", "item", "size", "colour", "warranty", "replace", "parcel", "courier", "label", "receipt", "discount", "code", "voucher", "balance", "charge", "twice", "pending", "bank", "transfer", "cash", "app", "website", "mobile", "basket", "checkout", "stock", "colour", "fabric", "cushion", "lamp", "rug", "chair", "table", "shelf", "mirror", "blanket", "towel", "kettle"]


def write_file(path: Path, n: int, seed: int = 7) -> Path:
    """Varied support chats (random wording, like real tickets), 1% exact duplicates, 0.5%
    near duplicates (one word changed), a broken line every ~2,000 records."""
    rnd = random.Random(seed)

    def words(k: int) -> str:
        return " ".join(rnd.choice(WORDS) for _ in range(k))

    with path.open("w", encoding="utf-8") as f:
        i = 0
        while i < n:
            if i % 1999 == 17:
                f.write('{"messages": [{"role": "user", "content": "truncated\n')
                i += 1
                continue
            t = TOPICS[rnd.randrange(len(TOPICS))]
            q = f"How do I {t}? {words(rnd.randint(8, 30))}. Order {rnd.randint(10000, 99999)}."
            a = f"To {t}, {words(rnd.randint(20, 60))}. Reference {rnd.randint(10000, 99999)}."
            msgs = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": q},
                    {"role": "assistant", "content": a}]
            if rnd.random() < 0.2:
                msgs += [{"role": "user", "content": words(rnd.randint(5, 15)) + "?"},
                         {"role": "assistant", "content": words(rnd.randint(10, 30)) + "."}]
            rec = {"messages": msgs}
            f.write(json.dumps(rec) + "\n")
            i += 1
            r = rnd.random()
            if r < 0.01 and i < n:                      # exact duplicate
                f.write(json.dumps(rec) + "\n")
                i += 1
            elif r < 0.015 and i < n:                   # near duplicate: one answer word changed
                ws = a.split()
                ws[rnd.randrange(1, len(ws) - 2)] = rnd.choice(WORDS)
                msgs2 = [dict(m) for m in msgs]
                msgs2[2]["content"] = " ".join(ws)
                f.write(json.dumps({"messages": msgs2}) + "\n")
                i += 1
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--tick-ms", type=int, default=5)
    args = ap.parse_args(argv)

    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from curator.gui.app import apply_theme, create_app
    from curator.gui.main_window import MainWindow
    from curator.gui.settings import Preferences, use_settings_dir

    tmp = Path(tempfile.mkdtemp(prefix="curator-stall-"))
    use_settings_dir(tmp / "settings")
    t0 = time.perf_counter()
    data = write_file(tmp / "support_100k.jsonl", args.records)
    print(f"wrote {args.records:,} records ({data.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")

    app = create_app([sys.argv[0]])
    apply_theme(app, "light")
    window = MainWindow(Preferences())
    window.resize(1400, 900)
    window.show()
    app.processEvents()

    gaps: list[tuple[float, str]] = []     # (gap ms, what the window was doing)
    at: list[float] = []                   # when each tick came (ms since the timer started)
    clock = QElapsedTimer()
    last = [0.0]
    phase = ["idle"]

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        gaps.append((now - last[0], phase[0]))
        at.append(now)
        last[0] = now

    timer = QTimer()
    timer.setInterval(args.tick_ms)
    timer.timeout.connect(tick)
    clock.start()
    timer.start()

    def wait(cond, timeout_s: float) -> None:
        end = time.perf_counter() + timeout_s
        while not cond() and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    def settle(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    labels: list[str] = []
    window.runner.progressed.connect(lambda op, st: (labels.append(st.label), phase.__setitem__(0, st.label or "open")))
    t_open = time.perf_counter()
    phase[0] = "open"
    window.open_path(data)
    wait(lambda: window.project is not None or not window.runner.busy(), 600)
    open_s = time.perf_counter() - t_open
    if window.project is None:
        print("the file did not open", file=sys.stderr)
        return 1
    phase[0] = "first paint"
    settle(0.5)
    # what a user does next: scroll, sort, search (each is one core query + a model reset)
    table = window.examples.table
    phase[0] = "scroll"
    bar = table.verticalScrollBar()
    for k in range(0, 101, 5):
        bar.setValue(bar.maximum() * k // 100)
        app.processEvents()
    phase[0] = "sort"
    table.sortByColumn(5, table.horizontalHeader().sortIndicatorOrder())
    settle(0.2)
    phase[0] = "search"
    window.examples.search.setText("refund")
    window.apply_filters()                 # runs on the worker; the table swaps when it answers
    wait(lambda: not window.runner.busy(), 60)
    settle(0.2)
    shown = window.model.rowCount()
    timer.stop()

    measured = [(g, p) for g, p in gaps[1:]]
    during_open = [g for g, p in measured if p not in ("first paint", "scroll", "sort", "search")]
    worst_open = max(during_open, default=0.0)
    worst, worst_phase = max(measured, default=(0.0, ""))
    steps = list(dict.fromkeys(lbl for lbl in labels if lbl))
    n = len(window.project.dataset.records)
    print(f"opened {n:,} records in {open_s:.1f} s (steps: {', '.join(steps)}); "
          f"{len(window.findings.model.items):,} findings; search 'refund' shows {shown:,} rows")
    for name, sel in (("while loading and scanning", lambda p: p not in ("first paint", "scroll", "sort", "search")),
                      ("first paint of the table", lambda p: p == "first paint"),
                      ("scrolling 100k rows", lambda p: p == "scroll"),
                      ("sorting by prompt", lambda p: p == "sort"),
                      ("searching 'refund'", lambda p: p == "search")):
        gs = sorted(g for g, p in measured if sel(p))
        if gs:
            p99 = gs[min(len(gs) - 1, int(len(gs) * 0.99))]
            print(f"  {name:<28} ticks {len(gs):>6,}  worst {gs[-1]:7.1f} ms  p99 {p99:6.1f} ms  "
                  f">100 ms: {sum(g > 100 for g in gs)}")
    top = sorted(range(1, len(gaps)), key=lambda k: -gaps[k][0])[:5]
    print("  longest gaps: " + "; ".join(f"{gaps[k][0]:.0f} ms at {at[k] / 1000:.2f} s ({gaps[k][1]})"
                                         for k in sorted(top)))
    print(f"WORST STALL while loading and scanning {n:,} records: {worst_open:.0f} ms "
          f"(target < 200 ms: {'OK' if worst_open < 200 else 'MISSED'})")
    print(f"worst stall overall: {worst:.0f} ms during {worst_phase}")
    window.close()
    QApplication.processEvents()
    return 0 if worst_open < 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
