"""Starts everywhere: the platform check runs before Qt and says what to install, instead of
Qt's abort "Could not load the Qt platform plugin xcb"."""

from __future__ import annotations

import os
import subprocess
import sys

from curator.gui.platform_check import ALL_PACKAGES, XCB_LIBS, missing_platform_libs, startup_problem


def _env(**over: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(over)
    return env


def _finder(missing: set[str]):
    return lambda name: None if name in missing else f"lib{name}.so"


def test_missing_xcb_libraries_are_named_with_the_install_line():
    msg = startup_problem({"DISPLAY": ":0"}, find=_finder({"xcb-cursor", "xcb-icccm"}), platform="linux")
    assert msg is not None
    assert "libxcb-cursor0" in msg and "libxcb-icccm4" in msg
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4" in msg
    assert "dnf install xcb-util-cursor xcb-util-wm" in msg


def test_no_display_explains_the_alternatives():
    msg = startup_problem({}, find=_finder(set()), platform="linux")
    assert msg is not None and "DISPLAY" in msg and "xvfb-run" in msg and "curator validate" in msg


def test_everything_present_or_offscreen_or_other_os_starts():
    assert startup_problem({"DISPLAY": ":0"}, find=_finder(set()), platform="linux") is None
    # offscreen needs no X libraries, but QtGui's own (libGL …) are still checked
    assert startup_problem({"QT_QPA_PLATFORM": "offscreen"}, find=_finder(set(XCB_LIBS)), platform="linux") is None
    gl = startup_problem({"QT_QPA_PLATFORM": "offscreen"}, find=_finder({"EGL"}), platform="linux")
    assert gl is not None and "libegl1" in gl
    # a Wayland session without X uses the wayland plugin
    assert startup_problem({"WAYLAND_DISPLAY": "wayland-0"}, find=_finder(set(XCB_LIBS)), platform="linux") is None
    assert startup_problem({}, find=_finder(set(XCB_LIBS)), platform="darwin") is None


def test_readme_lists_every_package():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [p for p in ALL_PACKAGES if p not in readme]
    assert not missing, f"README does not list {missing}"


def test_curator_without_a_display_exits_with_a_sentence_not_a_crash():
    r = subprocess.run([sys.executable, "-m", "curator"], env=_env(), capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 2
    assert "needs a graphical display" in r.stderr
    assert "Could not load the Qt platform plugin" not in r.stderr


def test_on_this_machine_the_check_prevents_qts_abort():
    """Where X libraries are really missing (this CI image lacks some), show both sides:
    bare Qt aborts; `curator` prints the packages to install and exits 2."""
    missing = missing_platform_libs()
    env = _env(DISPLAY=":987")                  # a display that does not exist
    r = subprocess.run([sys.executable, "-m", "curator"], env=env, capture_output=True, text=True, timeout=60, check=False)
    if missing:
        assert r.returncode == 2 and all(p in r.stderr for p in missing), r.stderr
        bare = subprocess.run([sys.executable, "-c", "from PySide6.QtWidgets import QApplication; QApplication([])"],
                              env=env, capture_output=True, text=True, timeout=60, check=False)
        assert bare.returncode != 0 and "Could not load the Qt platform plugin" in bare.stderr
    else:
        # all libraries present: the check lets Qt try, and Qt fails only on the absent display
        assert "system libraries it needs are missing" not in r.stderr
