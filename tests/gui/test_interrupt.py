"""Ctrl+C in the terminal that started the app closes it as its own Quit does (no traceback, no
app going on), and does not stop the scan process behind the window's back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from PySide6.QtWidgets import QApplication

from curator.gui.launch import quit_on_interrupt


def test_ctrl_c_closes_the_window(window, qtbot):
    undo = quit_on_interrupt(QApplication.instance())
    try:
        os.kill(os.getpid(), signal.SIGINT)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)
    finally:
        undo()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_scan_process_leaves_ctrl_c_to_the_window(sample_data, tmp_path):
    # it shares the terminal's process group: before, it died and the window redid the open itself
    import json
    import shutil

    data = tmp_path / "support_chat.jsonl"
    shutil.copy(sample_data / "support_chat.jsonl", data)
    child = subprocess.Popen([sys.executable, "-m", "curator.gui.scan_worker"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        child.stdin.write(json.dumps({"path": str(data), "reviewer": None, "settings": None,
                                      "fresh": False}) + "\n")
        child.stdin.close()
        child.stdin = None   # (communicate() below would flush it)
        first = child.stdout.readline()   # its first progress report: it is at work
        assert "progress" in first
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0 and "KeyboardInterrupt" not in err
    assert json.loads(out.strip().splitlines()[-1])["ok"] is True
