"""Before Qt starts: find out whether it can open a window, and say what to
install when it cannot (instead of Qt's abort "Could not load the Qt platform plugin xcb")."""

from __future__ import annotations

import ctypes.util
import os
import sys

# Libraries Qt 6's xcb plugin loads, with the Debian/Ubuntu package that ships each.
XCB_LIBS = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-randr": "libxcb-randr0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xkbcommon": "libxkbcommon0",
    "EGL": "libegl1",
    "fontconfig": "libfontconfig1",
    "dbus-1": "libdbus-1-3",
}
APT_LINE = "sudo apt-get install " + " ".join(sorted(set(XCB_LIBS.values())))


def missing_platform_libs() -> list[str]:
    """Debian package names whose libraries the xcb platform plugin needs but cannot find."""
    return [pkg for lib, pkg in XCB_LIBS.items() if ctypes.util.find_library(lib) is None]


def startup_problem() -> str | None:
    """A plain explanation of why a window cannot open here, or None if it should."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None  # offscreen, wayland, vnc …: the user chose
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return ("Curator needs a graphical display, and none is set (DISPLAY is empty).\n"
                "Run it from a desktop session, use `xvfb-run curator` on a server, or use the\n"
                "command line instead: `curator validate FILE`, `curator scan FILE`, `curator --help`.")
    missing = missing_platform_libs()
    if missing:
        return ("Qt cannot open a window: system libraries it needs are missing\n"
                f"({', '.join(missing)}).\nOn Debian/Ubuntu install them with:\n  {APT_LINE}\n"
                "Then start Curator again.")
    return None
