"""Preferences, declared once (STYLE.md §6).

Every preference the app keeps lives in :data:`ALL` with its QSettings key, its type and its
default; widgets read and write them through :class:`Preferences`, never with raw keys.
Project data (decisions, fixes, samples) is never stored here: that is the project store's job.

Tests point QSettings at a temporary folder with :func:`use_settings_dir`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from curator.core.scan import ScanSettings

from . import shortcuts as sc

ORGANIZATION = "Curator"
APPLICATION = "Curator"
MAX_RECENT = 10


@dataclass(frozen=True, slots=True)
class Pref:
    key: str
    type: type
    default: Any
    label: str = ""
    help: str = ""


REVIEWER = Pref("review/reviewer", str, "", "Reviewer name",
                "Recorded with every decision you make.")
THEME = Pref("view/theme", str, "system", "Theme", "Follow the system, or force light or dark.")
# the detectors' defaults are the core's (curator scan, the export and the window must agree: the
# window once defaulted to 50 for answers where the core uses 35, and found other contradictions)
_SCAN = ScanSettings()
NEAR_THRESHOLD = Pref("scan/near_threshold", int, int(_SCAN.near_threshold), "Near-duplicate threshold",
                      "Two examples at least this similar (0–100) are near duplicates.")
PROMPT_THRESHOLD = Pref("scan/prompt_threshold", int, int(_SCAN.prompt_threshold), "Same-question threshold",
                        "Prompts at least this similar (0–100) ask the same thing.")
RESPONSE_THRESHOLD = Pref("scan/response_threshold", int, int(_SCAN.response_threshold),
                          "Different-answer threshold",
                          "Answers to the same question below this similarity (0–100) contradict.")
TOKEN_BUDGET = Pref("scan/token_budget", int, _SCAN.token_budget, "Token budget",
                    "Examples longer than this many (estimated) tokens are flagged as very long.")
KEY_OVERRIDES = Pref("keys/overrides", dict, {}, "Key overrides",
                     "Action id → list of key sequences, replacing the defaults.")
RECENT_FILES = Pref("files/recent", list, [], "Recent files")
LAST_DIR = Pref("files/last_dir", str, "", "Last folder")
GEOMETRY = Pref("window/geometry", bytes, b"")
STATE = Pref("window/state", bytes, b"")
SPLITTERS = Pref("window/splitters", dict, {})
# dataset path -> the tab last shown for it ("examples", "findings", "review" …): reopening a file
# returns to the view the reviewer was using
LAST_VIEWS = Pref("window/last_views", dict, {})

ALL: tuple[Pref, ...] = (REVIEWER, THEME, NEAR_THRESHOLD, PROMPT_THRESHOLD, RESPONSE_THRESHOLD, TOKEN_BUDGET,
                         KEY_OVERRIDES, RECENT_FILES, LAST_DIR, GEOMETRY, STATE, SPLITTERS, LAST_VIEWS)
SCAN_PREFS = (NEAR_THRESHOLD, PROMPT_THRESHOLD, RESPONSE_THRESHOLD, TOKEN_BUDGET)
THEMES = ("system", "light", "dark")


def use_settings_dir(folder: Path) -> None:
    """Keep every preference in INI files under ``folder`` (tests, portable installs)."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))


#: Preferences a running window keeps as it read or set them: another window (another reviewer on
#: the same machine, sharing the settings file) changing them changes the default for the next
#: start, not this window. Two reviewers' trial: Ben set his name in his window and Ana's next
#: decision in hers was recorded as Ben's.
PER_WINDOW = frozenset({REVIEWER.key})


class Preferences:
    """Typed access to the declared preferences."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        # defaultFormat() so that use_settings_dir() (INI under a folder) applies.
        self.qs = qsettings if qsettings is not None else QSettings(
            QSettings.defaultFormat(), QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)
        # values this process keeps once read or set (see PER_WINDOW)
        self._pinned: dict[str, Any] = {}

    def get(self, pref: Pref) -> Any:
        if pref.key in self._pinned:
            return _copy(self._pinned[pref.key])
        value = self._get(pref)
        if pref.key in PER_WINDOW and value:
            self._pinned[pref.key] = _copy(value)
        return value

    def _get(self, pref: Pref) -> Any:
        raw = self.qs.value(pref.key)
        if raw is None:
            return _copy(pref.default)
        try:
            if pref.type is bool:
                return raw in (True, "true", "1", 1)
            if pref.type is int:
                return int(raw)
            if pref.type is str:
                return str(raw)
            if pref.type is bytes:
                return bytes(raw.data()) if isinstance(raw, QByteArray) else bytes(raw)
            if pref.type in (dict, list):
                value = json.loads(raw) if isinstance(raw, str) else raw
                return value if isinstance(value, pref.type) else _copy(pref.default)
        except (TypeError, ValueError):
            return _copy(pref.default)
        return raw

    def set(self, pref: Pref, value: Any) -> None:
        if pref.key in PER_WINDOW:
            self._pinned[pref.key] = _copy(value)
        if pref.type in (dict, list):
            # JSON keeps nested structures intact across INI / registry / plist back ends.
            self.qs.setValue(pref.key, json.dumps(value))
        elif pref.type is bytes:
            self.qs.setValue(pref.key, QByteArray(bytes(value)))
        else:
            self.qs.setValue(pref.key, pref.type(value))

    def reset(self, pref: Pref) -> None:
        self._pinned.pop(pref.key, None)
        self.qs.remove(pref.key)

    def sync(self) -> None:
        self.qs.sync()

    # -- conveniences ----------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        return [p for p in self.get(RECENT_FILES) if isinstance(p, str)]

    def add_recent(self, path: str | Path) -> list[str]:
        p = str(Path(path).resolve())
        files = [p] + [f for f in self.recent_files() if f != p]
        self.set(RECENT_FILES, files[:MAX_RECENT])
        self.set(LAST_DIR, str(Path(p).parent))
        return files[:MAX_RECENT]

    def remove_recent(self, path: str | Path) -> None:
        p = str(Path(path).resolve())
        self.set(RECENT_FILES, [f for f in self.recent_files() if f != p])

    def scan_settings(self) -> dict[str, int]:
        """The detector thresholds, keyed as the scan settings name them."""
        return {pref.key.split("/", 1)[1]: self.get(pref) for pref in SCAN_PREFS}

    def key_overrides(self) -> dict[str, list[str]]:
        raw = self.get(KEY_OVERRIDES)
        return {str(k): [str(s) for s in v] for k, v in raw.items() if isinstance(v, list)}

    def set_key_overrides(self, overrides: Mapping[str, list[str]]) -> None:
        self.set(KEY_OVERRIDES, {k: list(v) for k, v in overrides.items() if v})


def _copy(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.loads(json.dumps(value))
    return value


class SettingsDialog(QDialog):
    """Reviewer name, theme, detector thresholds and key overrides, read from and saved to :data:`ALL`."""

    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.prefs = prefs
        self.reviewer = QLineEdit(prefs.get(REVIEWER), self)
        self.reviewer.setPlaceholderText("Your name, recorded with each decision")
        self.reviewer.setToolTip(REVIEWER.help)
        self.theme = QComboBox(self)
        for key, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(max(0, THEMES.index(prefs.get(THEME)) if prefs.get(THEME) in THEMES else 0))
        self.theme.setToolTip(THEME.help)
        general = QGroupBox("General", self)
        gf = QFormLayout(general)
        gf.addRow("&Reviewer name:", self.reviewer)
        gf.addRow("&Theme:", self.theme)

        self.thresholds: dict[str, QSpinBox] = {}
        scan = QGroupBox("Checks (applied by rescanning the open file)", self)
        sf = QFormLayout(scan)
        for pref in SCAN_PREFS:
            box = QSpinBox(self)
            box.setRange(1, 100) if pref is not TOKEN_BUDGET else box.setRange(64, 1_000_000)
            if pref is TOKEN_BUDGET:
                box.setSingleStep(256)
            box.setValue(int(prefs.get(pref)))
            box.setToolTip(pref.help)
            self.thresholds[pref.key] = box
            sf.addRow(pref.label + ":", box)

        keys = QGroupBox("Review keys (comma-separated; empty = default)", self)
        kf = QFormLayout(keys)
        overrides = prefs.key_overrides()
        self.key_edits: dict[str, QLineEdit] = {}
        for s in sc.SHORTCUTS:
            edit = QLineEdit(", ".join(overrides.get(s.action, [])), self)
            edit.setPlaceholderText(", ".join(s.keys))
            edit.setToolTip(s.help)
            self.key_edits[s.action] = edit
            kf.addRow(s.label + ":", edit)
        self.problem = QLabel(self)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #c0392b;")
        self.problem.setVisible(False)

        inner = QWidget(self)
        il = QVBoxLayout(inner)
        il.addWidget(general)
        il.addWidget(scan)
        il.addWidget(keys)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel
                                        | QDialogButtonBox.StandardButton.RestoreDefaults, self)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        lay = QVBoxLayout(self)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)
        self.resize(560, 640)

    def overrides(self) -> dict[str, list[str]]:
        out = {}
        for action, edit in self.key_edits.items():
            keys = [k.strip() for k in edit.text().split(",") if k.strip()]
            if keys:
                out[action] = keys
        return out

    def check(self) -> list[str]:
        """Problems with the typed keys: unknown key names, or one key for two actions."""
        problems = []
        ov = self.overrides()
        for action, keys in ov.items():
            for k in keys:
                if QKeySequence(k).isEmpty() or QKeySequence(k).toString() == "":
                    problems.append(f"{sc.BY_ACTION[action].label}: '{k}' is not a key Qt knows")
        for key, actions in sc.conflicts(ov).items():
            names = " and ".join(sc.BY_ACTION[a].label for a in actions)
            problems.append(f"'{key}' is bound to {names}")
        return problems

    def _accept(self) -> None:
        problems = self.check()
        self.problem.setText("\n".join(problems))
        self.problem.setVisible(bool(problems))
        if not problems:
            self.accept()

    def restore_defaults(self) -> None:
        self.theme.setCurrentIndex(0)
        for pref in SCAN_PREFS:
            self.thresholds[pref.key].setValue(int(pref.default))
        for edit in self.key_edits.values():
            edit.clear()

    def save(self) -> None:
        self.prefs.set(REVIEWER, self.reviewer.text().strip())
        self.prefs.set(THEME, self.theme.currentData())
        for pref in SCAN_PREFS:
            self.prefs.set(pref, self.thresholds[pref.key].value())
        self.prefs.set_key_overrides(self.overrides())
        self.prefs.sync()
