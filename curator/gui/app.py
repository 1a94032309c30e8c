"""The QApplication: names, icon, style and the light/dark theme."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from curator import __version__
from curator.core.schema import resources_dir

from .settings import APPLICATION, ORGANIZATION


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def app_icon() -> QIcon:
    return QIcon(str(resource("icons", "curator.svg")))


def create_app(argv: list[str] | None = None) -> QApplication:
    """The application object (reused if one exists, as under pytest-qt)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv or [sys.argv[0]]))
    app.setApplicationName(APPLICATION)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    app.setApplicationDisplayName("Curator")
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")  # the same look and palette handling on every platform
    return app


def system_prefers_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None:
        return scheme() == Qt.ColorScheme.Dark
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def theme_palette(name: str) -> QPalette:
    """A complete palette for ``light`` or ``dark`` from resources/styles/<name>.json."""
    colors = json.loads(resource("styles", f"{name}.json").read_text(encoding="utf-8"))
    pal = QPalette()
    for key, value in colors.items():
        group, _, role_name = key.rpartition(":")
        role = getattr(QPalette.ColorRole, role_name)
        if group == "disabled":
            pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(value))
        else:
            pal.setColor(role, QColor(value))
    return pal


def apply_theme(app: QApplication, theme: str = "system") -> str:
    """Apply ``system``/``light``/``dark``; returns the effective one (light or dark)."""
    effective = theme if theme in ("light", "dark") else ("dark" if system_prefers_dark() else "light")
    app.setPalette(theme_palette(effective))
    app.setStyleSheet(resource("styles", "common.qss").read_text(encoding="utf-8"))
    app.setProperty("curatorTheme", effective)
    return effective
