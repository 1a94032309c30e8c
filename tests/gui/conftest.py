"""GUI test fixtures (STYLE.md §8): one QApplication (pytest-qt's), ops run inline, QSettings in
tmp_path, and a template project built from sample_data/ once per session, copied for each test."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data" / "support_chat.jsonl"
HOSTILE = "<img src=x onerror=alert(1)>"


def _chat(q: str, a: str, system: str | None = None) -> dict:
    msgs = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": q}, {"role": "assistant", "content": a}]
    return {"messages": msgs}


@pytest.fixture(autouse=True)
def gui_env(tmp_path, qapp, monkeypatch):
    """Preferences and the log under tmp_path, ops inline and deterministic, the exception hook
    removed after."""
    from curator.gui import errors, run_op
    from curator.gui.app import create_app
    from curator.gui.settings import use_settings_dir

    use_settings_dir(tmp_path / "settings")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))   # where the log goes
    create_app()
    run_op.set_inline(True)
    yield
    run_op.set_inline(False)
    errors.uninstall()


@pytest.fixture
def prefs():
    from curator.gui.settings import REVIEWER, Preferences

    p = Preferences()
    # a returning reviewer: the window asks "Who is reviewing?" before a first decision when no
    # name is set, and a modal question nobody answers hangs a test (tests of the asking reset it)
    p.set(REVIEWER, "Tess Tester")
    return p


@pytest.fixture(scope="session")
def template_project(tmp_path_factory):
    """The support sample with its project already scanned (dataset path, project path)."""
    from curator import open_project
    from curator.core.project import default_project_path
    from curator.gui.settings import NEAR_THRESHOLD, PROMPT_THRESHOLD, RESPONSE_THRESHOLD, SCAN_PREFS

    assert SAMPLE.exists(), f"{SAMPLE} is missing: run sample_data/make_samples.py"
    folder = tmp_path_factory.mktemp("template")
    data = folder / SAMPLE.name
    shutil.copy(SAMPLE, data)
    assert {NEAR_THRESHOLD, PROMPT_THRESHOLD, RESPONSE_THRESHOLD} <= set(SCAN_PREFS)
    settings = {p.key.split("/", 1)[1]: p.default for p in SCAN_PREFS}
    with open_project(data, scan=True, scan_settings=settings):
        pass
    return data, default_project_path(data)


@pytest.fixture
def sample(tmp_path, template_project) -> Path:
    """A private copy of the support sample and its scanned project."""
    data, project = template_project
    dst = tmp_path / "data"
    dst.mkdir()
    shutil.copy(data, dst / data.name)
    shutil.copy(project, dst / project.name)
    return dst / data.name


@pytest.fixture
def hostile_file(tmp_path) -> Path:
    """Records whose text is HTML/JS that must be shown literally."""
    rows = [
        _chat(f"Show me {HOSTILE}", f"Here it is: {HOSTILE} <b>bold</b> &amp; <script>alert(2)</script>"),
        _chat(f"Show me {HOSTILE}", f"Here it is: {HOSTILE} <b>bold</b> &amp; <script>alert(3)</script>"),
        {"instruction": f"Render {HOSTILE}", "input": "<a href='javascript:alert(4)'>x</a>", "output": HOSTILE},
    ]
    p = tmp_path / "hostile.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return p


@pytest.fixture
def window(qtbot, prefs):
    from curator.gui.main_window import MainWindow

    w = MainWindow(prefs)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    yield w
    if w.project is not None:
        w.close_project()


@pytest.fixture
def opened(window, sample):
    """The window with the support sample open (scan done: ops are inline)."""
    window.open_path(sample)
    assert window.project is not None, "the sample did not open"
    return window


@pytest.fixture
def make_chat_file():
    """``make_chat_file(path, n)``: see :func:`write_chat_file`."""
    return write_chat_file


def write_chat_file(path: Path, n: int, *, seed: int = 1) -> Path:
    """A generated support-chat file with duplicates, broken lines and hostile text, ``n`` records."""
    import random

    rnd = random.Random(seed)
    topics = ["reset my password", "track my parcel", "get a refund", "change my address", "cancel my order",
              "update my card", "close my account", "use a coupon"]
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            if i % 997 == 13:
                f.write("{this line is not json\n")
                continue
            t = topics[i % len(topics)]
            q = f"How do I {t}? Ticket {i}, customer {rnd.randint(1000, 99999)}."
            a = f"To {t}, open Settings and follow the steps. Reference {rnd.randint(10**5, 10**6)}."
            if i % 500 == 7:
                a = HOSTILE + " " + a
            rec = _chat(q, a, "You are a helpful support agent for an online shop.")
            f.write(json.dumps(rec) + "\n")
            if i % 250 == 3:
                f.write(json.dumps(rec) + "\n")
    return path


@pytest.fixture
def dialog(qtbot, project, tmp_path):
    """The export dialog over the test module's ``project`` fixture, writing to tmp_path/out."""
    from curator.gui import run_op
    from curator.gui.export_dialog import ExportDialog

    dlg = ExportDialog(project, run_op.OpRunner(), folder=tmp_path / "out")
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg
