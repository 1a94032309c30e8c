"""Open a project and run its scan in a separate process, so the window never waits for the GIL.

The detectors spend seconds inside single numpy / list calls that hold the GIL (measured 6.6 s in
one ``ndarray.tolist()`` on 100,000 templated chats); in a worker *thread* that freezes the
window for as long. Run as ``python -m curator.gui.scan_worker`` (no Qt is imported here), this
module opens the project with ``scan=True`` — loading, validating, scanning and caching the
findings in the project file — and reports progress as JSON lines on stdout. The window then
opens the same project in a thread and finds the scan in the cache.

Protocol: one JSON object on stdin ``{"path", "reviewer", "settings", "fresh", "project"}``
(``project``: the project file, or null for the default); on stdout,
``{"progress": [done, total, label]}`` lines (at most ten a second), then one
``{"ok": true, "set_aside": path|null, "carried": n, "unmatched": n}`` or
``{"ok": false, "error": text}``. Cancel = terminate the process.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import time


class _PipeProgress:
    """A progress sink writing throttled JSON lines to stdout."""

    def __init__(self) -> None:
        self._last = 0.0
        self._label = ""

    def update(self, *, done: int, total: int | None = None, label: str = "") -> None:
        now = time.monotonic()
        if label and label != self._label:
            self._label = label
        elif now - self._last < 0.1:
            return
        self._last = now
        _send({"progress": [int(done), int(total) if total is not None else None, self._label]})


def _send(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def prepare_in_subprocess(path: str, *, reviewer: str | None, settings: dict | None, fresh: bool,
                          project_path: str | os.PathLike | None = None, progress=None,
                          cancel=None) -> dict | None:
    """Run :func:`main` in a child process; relay its progress; return its final message.

    Returns None when the child failed to start or died; raises
    :class:`~curator.core.progress.Cancelled` (after terminating the child) when ``cancel`` is set.
    """
    import queue
    import subprocess
    import threading

    from curator.core.helper import wait_or_kill
    from curator.core.progress import Cancelled

    try:
        child = subprocess.Popen([sys.executable, "-m", "curator.gui.scan_worker"], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8")
    except OSError:
        return None
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(json.dumps({"path": str(path), "reviewer": reviewer, "settings": settings,
                                  "fresh": fresh,
                                  "project": str(project_path) if project_path is not None else None}) + "\n")
    child.stdin.close()
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:     # a blocking readline on its own thread keeps the loop below cancellable
        assert child.stdout is not None
        for line in child.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    final: dict | None = None
    try:
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                break
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "progress" in msg:
                done, total, label = msg["progress"]
                if progress is not None:
                    progress.update(done=done, total=total, label=label)
            else:
                final = msg
    finally:
        if child.poll() is None:
            if cancel is not None and cancel.is_set():
                child.terminate()
            wait_or_kill(child, 10)
        reader.join(timeout=5)
        child.stdout.close()
    return final


def main() -> int:
    gc.disable()   # a short-lived process building millions of objects: collections only cost time
    # Ctrl+C in the app's terminal reaches this process too (same process group): the window
    # decides (it closes, and stops this process); dying here made it redo the open in-process
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    req = json.loads(sys.stdin.readline())
    from curator import open_project
    from curator.core.scan import available_workers

    try:
        project = open_project(req["path"], project_path=req.get("project"), reviewer=req.get("reviewer"),
                               progress=_PipeProgress(), scan=True,
                               scan_settings=req.get("settings"),
                               on_damaged="fresh" if req.get("fresh") else "raise",
                               scan_workers=available_workers())   # this process owns its cores
    except Exception as exc:  # noqa: BLE001 - the window repeats the open in-process and shows the real error
        _send({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        return 1
    try:
        change = project.source_change
        _send({"ok": True, "set_aside": str(project.set_aside) if project.set_aside else None,
               "carried": getattr(change, "carried", 0) if change else None,
               "unmatched": len(getattr(change, "unmatched", ())) if change else None})
    finally:
        project.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
