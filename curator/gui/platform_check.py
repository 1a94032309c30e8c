"""Before Qt starts: find out whether it can open a window, and say what to install when it cannot.

Without this, a Linux machine lacking the X libraries Qt 6 loads aborts with "Could not load
the Qt platform plugin "xcb" in "" even though it was found" and a core dump, and a machine
without libGL/libEGL fails with an ImportError deep in PySide6. Nothing here imports Qt.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Callable

# Libraries QtGui itself links against, whatever the platform plugin (offscreen too).
GUI_LIBS = {
    "GL": "libgl1",
    "EGL": "libegl1",
    "fontconfig": "libfontconfig1",
    "xkbcommon": "libxkbcommon0",
    "dbus-1": "libdbus-1-3",
    "glib-2.0": "libglib2.0-0",
}
# Libraries Qt 6's xcb (X11) plugin loads, with the Debian/Ubuntu package that ships each.
XCB_LIBS = {
    "xcb": "libxcb1",
    "X11-xcb": "libx11-xcb1",
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-randr": "libxcb-randr0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}
# The same libraries on Fedora/RHEL, for the hint line.
DNF_NAMES = {
    "libxcb-cursor0": "xcb-util-cursor", "libxcb-icccm4": "xcb-util-wm", "libxcb-keysyms1": "xcb-util-keysyms",
    "libxcb-image0": "xcb-util-image", "libxcb-render-util0": "xcb-util-renderutil",
    "libxkbcommon-x11-0": "libxkbcommon-x11", "libgl1": "mesa-libGL", "libegl1": "mesa-libEGL",
}
ALL_PACKAGES = sorted(set(GUI_LIBS.values()) | set(XCB_LIBS.values()))
APT_LINE = "sudo apt-get install " + " ".join(ALL_PACKAGES)

Finder = Callable[[str], "str | None"]


def missing_platform_libs(find: Finder = ctypes.util.find_library, *, xcb: bool = True) -> list[str]:
    """Debian package names whose libraries Qt needs here but the system cannot find."""
    libs = dict(GUI_LIBS)
    if xcb:
        libs.update(XCB_LIBS)
    return [pkg for lib, pkg in libs.items() if find(lib) is None]


def install_hint(packages: list[str]) -> str:
    apt = "sudo apt-get install " + " ".join(sorted(set(packages)))
    dnf = sorted({DNF_NAMES[p] for p in packages if p in DNF_NAMES})
    hint = f"On Debian/Ubuntu install them with:\n  {apt}"
    if dnf:
        hint += f"\nOn Fedora/RHEL: sudo dnf install {' '.join(dnf)}"
    return hint


def startup_problem(env: dict[str, str] | None = None, find: Finder = ctypes.util.find_library,
                    platform: str | None = None) -> str | None:
    """A plain explanation of why a window cannot open here, or None if it should."""
    env = dict(os.environ) if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "")
    uses_xcb = not qpa or qpa.startswith("xcb")
    if uses_xcb and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return ("Curator needs a graphical display, and none is set (DISPLAY is empty).\n"
                "Run it from a desktop session, use `xvfb-run curator` on a server, or use the\n"
                "command line instead: `curator validate FILE`, `curator scan FILE`, `curator --help`.")
    # A Wayland session without DISPLAY uses Qt's wayland plugin: only QtGui's own libraries matter.
    wayland_only = bool(env.get("WAYLAND_DISPLAY")) and not env.get("DISPLAY") and not qpa
    missing = missing_platform_libs(find, xcb=uses_xcb and not wayland_only)
    if missing:
        return ("Qt cannot open a window: system libraries it needs are missing\n"
                f"({', '.join(missing)}).\n{install_hint(missing)}\nThen start Curator again.")
    return None
