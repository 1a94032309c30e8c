"""The export dialog: the core export's options, a live preview, blockers before writing, and a
summary of the written manifest after.

Planning (:func:`curator.core.export.plan_export`) and writing
(:func:`curator.core.export.write_export`) both run on the window's op runner; this dialog only
collects options and shows what the core says. Plans of one project share a
:class:`curator.core.export.PlanCache` (kept while the project is open, across openings of the
dialog), so an option the expensive steps do not read — the output format, allowing
contradictions — re-plans in ~3 s instead of ~25 s on an 80,000-record templated file. The folder
and "replace" boxes never re-plan.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from curator.core import export as ex
from curator.core.split import fraction_needs_confirmation
from curator.core.stats import metadata_fields
from curator.core.verify import similarity_words

from .review_view import warning_colour

FORMAT_LABELS = {"same": "Same as the source", "openai": "OpenAI chat (messages)",
                 "alpaca": "Alpaca (instruction / input / output)", "sharegpt": "ShareGPT (conversations)"}
INCLUDE_CHOICES = ((None, "Let the review decide"),
                   (ex.INCLUDE_REVIEWED, "Reviewed only (approved or fixed)"),
                   (ex.INCLUDE_UNREJECTED, "Everything not rejected"))
EXCLUDE_WORDS = {"rejected": "rejected", "skipped": "skipped (decide later)", "invalid": "invalid",
                 "fixed_invalid": "invalid fix",
                 "duplicate": "duplicate copies", "not_reviewed": "not reviewed",
                 "unconvertible": "not convertible to the format"}
PREVIEW_DELAY_MS = 250

# project → its plan cache: reopening the dialog, or changing an option, reuses what still holds
_PLAN_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def plan_cache_for(project) -> ex.PlanCache:
    """The export plan cache of an open project (made on first use, gone with the project)."""
    cache = _PLAN_CACHES.get(project)
    if cache is None:
        cache = _PLAN_CACHES[project] = ex.PlanCache()
    return cache


class ExportDialog(QDialog):
    """Export the open project's dataset as train/eval JSONL with a manifest.

    Parameters
    ----------
    project
        The open :class:`curator.core.project.Project`.
    runner
        The window's :class:`~curator.gui.run_op.OpRunner`.
    """

    written = Signal(object)      # the manifest (dict) after a successful export

    def __init__(self, project, runner, parent: QWidget | None = None, *, folder: str | Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export train/eval split")
        self.project = project
        self.runner = runner
        self.plan_cache = plan_cache_for(project)
        self.plan: ex.ExportPlan | None = None
        self.manifest: dict | None = None
        self._generation = 0
        self._plan_op = None
        self._write_op = None

        self.fraction = QSlider(Qt.Orientation.Horizontal, self)
        self.fraction.setRange(1, 50)
        self.fraction.setValue(10)
        self.fraction.setTickInterval(5)
        self.fraction.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.fraction.setToolTip("Share of the exported examples held out for evaluation (10–20% is usual).")
        self.fraction_label = QLabel(self)
        self.fraction_label.setMinimumWidth(48)
        self.confirm_fraction = QCheckBox("Use this unusual eval share anyway", self)
        self.confirm_fraction.setToolTip("Eval shares outside 5–50% are allowed only when you confirm them.")
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(0)
        self.seed.setToolTip("The same seed and choices give byte-identical files.")
        self.stratify = QComboBox(self)
        self.stratify.addItem("No stratification", None)
        self.stratify.addItem("Format", "format")
        self.stratify.addItem("Length (4 buckets)", "length")
        for name in metadata_fields(project.dataset):
            self.stratify.addItem(f"Field: {name}", name)
        self.stratify.setToolTip("Make eval mirror train in this field: each value gets its share of eval.")
        self.include = QComboBox(self)
        for key, label in INCLUDE_CHOICES:
            self.include.addItem(label, key)
        self.include.setToolTip("Which records go in. Rejected and schema-invalid records never do.")
        self.format = QComboBox(self)
        for key in ex.TARGET_FORMATS:
            self.format.addItem(FORMAT_LABELS.get(key, key), key)
        self.format.setToolTip("Write in the source format or convert; the preview lists what a conversion drops.")
        self.allow_contradictions = QCheckBox("Export even with unresolved contradictions", self)
        self.folder = QLineEdit(self)
        self.folder.setPlaceholderText("Folder for train.jsonl, eval.jsonl, README.md and manifest.json")
        default = Path(folder) if folder else Path(project.dataset.path).parent / f"{Path(project.dataset.path).stem}-export"
        # always absolute: a file opened by a relative name showed "support_chat-export", one picked
        # in the file dialog a full path, and neither said where the files would land
        self.folder.setText(str(absolute(default)))
        self.browse = QPushButton("Browse…", self)
        self.force = QCheckBox("Replace an export already in that folder", self)

        frow = QHBoxLayout()
        frow.addWidget(self.fraction, 1)
        frow.addWidget(self.fraction_label)
        drow = QHBoxLayout()
        drow.addWidget(self.folder, 1)
        drow.addWidget(self.browse)
        form = QFormLayout()
        frac_label = QLabel("&Eval share:", self)
        frac_label.setBuddy(self.fraction)
        folder_label = QLabel("F&older:", self)
        folder_label.setBuddy(self.folder)
        form.addRow(frac_label, frow)
        form.addRow("", self.confirm_fraction)
        form.addRow("&Seed:", self.seed)
        form.addRow("S&tratify by:", self.stratify)
        form.addRow("&Include:", self.include)
        form.addRow("Output &format:", self.format)
        form.addRow("", self.allow_contradictions)
        form.addRow(folder_label, drow)
        form.addRow("", self.force)

        self.preview = QPlainTextEdit(self)
        self.preview.setReadOnly(True)
        self.preview.setObjectName("exportPreview")
        self.preview.setMinimumHeight(150)
        self.blockers = QPlainTextEdit(self)
        self.blockers.setReadOnly(True)
        self.blockers.setObjectName("exportBlockers")
        self.blockers.setStyleSheet(f"color: {warning_colour(self)};")
        self.blockers.setMaximumHeight(110)
        self.state = QLabel(self)
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.state.setWordWrap(True)
        # after writing: where the files are, as text to select and copy, and a way to go there
        self.written_path = QLabel(self)
        self.written_path.setObjectName("exportWrittenPath")
        self.written_path.setTextFormat(Qt.TextFormat.PlainText)
        self.written_path.setWordWrap(True)
        self.written_path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.open_folder = QPushButton("Open folder", self)
        self.open_folder.setToolTip("Show the exported files in your file manager")
        self.open_folder.clicked.connect(self._open_folder)
        self.open_url = QDesktopServices.openUrl      # how the folder is opened (a test may record it)
        self._written_dir: Path | None = None
        where = QHBoxLayout()
        where.addWidget(self.written_path, 1)
        where.addWidget(self.open_folder)
        self.written_row = QWidget(self)
        self.written_row.setLayout(where)
        where.setContentsMargins(0, 0, 0, 0)
        self.written_row.setVisible(False)

        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("&Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setToolTip("Write the files (atomically; nothing partial is ever left)")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.export_button.clicked.connect(self.write)
        self.close_button.clicked.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        head = QLabel("Preview", self)
        f = head.font()
        f.setBold(True)
        head.setFont(f)
        lay.addWidget(head)
        lay.addWidget(self.preview, 1)
        self.blockers_head = QLabel("Blocking problems (fix these before exporting)", self)
        self.blockers_head.setFont(f)
        lay.addWidget(self.blockers_head)
        lay.addWidget(self.blockers)
        lay.addWidget(self.written_row)
        lay.addWidget(self.state)
        lay.addWidget(self.buttons)
        self.resize(720, 680)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.update_preview)
        self.fraction.valueChanged.connect(self._options_changed)
        for box in (self.stratify, self.include, self.format):
            box.currentIndexChanged.connect(self._options_changed)
        self.seed.valueChanged.connect(self._options_changed)
        for cb in (self.allow_contradictions, self.confirm_fraction):
            cb.toggled.connect(self._options_changed)
        self.force.toggled.connect(self._refresh_buttons)
        self.folder.textChanged.connect(self._refresh_buttons)
        self.browse.clicked.connect(self._browse)
        self._sync_fraction_label()
        self.update_preview()

    # -- options ---------------------------------------------------------------------------

    def options(self) -> ex.ExportOptions:
        return ex.ExportOptions(eval_fraction=self.fraction.value() / 100, seed=self.seed.value(),
                                stratify=self.stratify.currentData(), format=self.format.currentData(),
                                include=self.include.currentData(),
                                allow_contradictions=self.allow_contradictions.isChecked(),
                                confirm_fraction=self.confirm_fraction.isChecked())

    def _sync_fraction_label(self) -> None:
        f = self.fraction.value() / 100
        self.fraction_label.setText(f"{self.fraction.value()} %")
        self.confirm_fraction.setVisible(fraction_needs_confirmation(f))

    def _options_changed(self, *_a: Any) -> None:
        self._sync_fraction_label()
        self.export_button.setEnabled(False)      # the shown plan no longer matches the options
        self.state.setText("Updating preview…")
        self._timer.start()

    def _browse(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Export into folder", self.folder.text())
        if name:
            self.folder.setText(str(absolute(Path(name))))

    # -- preview ---------------------------------------------------------------------------

    def update_preview(self) -> None:
        """Plan the export with the current options in the background; show it when done."""
        self._timer.stop()
        self._generation += 1
        gen = self._generation
        if self._plan_op is not None and not self._plan_op.finished:
            self._plan_op.cancel.set()
        project, options, cache = self.project, self.options(), self.plan_cache

        def work(progress=None, cancel=None):
            # the cache keys what it reuses on the decisions, options and scan read here, so a
            # decision made since the last plan is never answered from it
            return ex.plan_export(project.dataset, project.scan, project.decisions(), options=options,
                                  sample_lines=project.sample_lines(), estimate=project.estimate(),
                                  project_path=str(project.path), progress=progress, cancel=cancel,
                                  cache=cache)

        def done(plan: ex.ExportPlan) -> None:
            if gen == self._generation:
                self._show_plan(plan)

        def failed(exc: BaseException, _tb: str) -> None:
            if gen == self._generation:
                self.plan = None
                self.preview.setPlainText("")
                self._show_blockers([str(exc)])
                self._refresh_buttons()

        self.state.setText("Planning the export…")
        self.export_button.setEnabled(False)      # until this plan is shown (an older one may be)
        self._plan_op = self.runner.run(work, title="Planning export", on_done=done, on_error=failed,
                                        on_cancelled=lambda: None)

    def _show_plan(self, plan: ex.ExportPlan) -> None:
        self.plan = plan
        c = plan.counts()
        lines = [(f"{c['exported']:,} of {c['source_records']:,} records go out: "
                 f"{c['train']:,} train · {c['eval']:,} eval"),
                 f"Included: {plan.include} — {plan.include_reason}"]
        if c["by_decision"]:
            lines.append("By decision: " + ", ".join(f"{k} {v:,}" for k, v in c["by_decision"].items()))
        if c["excluded"]:
            lines.append("Left out: " + ", ".join(f"{EXCLUDE_WORDS.get(k, k)} {v:,}"
                                                  for k, v in c["excluded"].items()))
        if plan.split is not None and plan.options.stratify:
            parts = [f"{k} {s.eval}/{s.records}" for k, s in list(plan.split.strata.items())[:8]]
            lines.append(f"Eval per {plan.options.stratify}: " + ", ".join(parts))
        lk = plan.leakage
        if lk is not None:
            verdict = "no train/eval pair at or above it" if lk.passed else f"{len(lk.pairs)} pair(s) at or above it"
            lines.append(f"Leakage check: {similarity_words(lk.max_score, lk.compared, lk.threshold, method=lk.method)}"
                         f" — {verdict}")
        if plan.leak_merges:
            lines.append(f"{plan.leak_merges} cross-split pair(s) were tied into one split.")
        for loss in plan.loss_report():
            lines.append(f"Conversion drops: {loss['text']} ({loss['records']:,} records)")
        sentence = plan.estimate.sentence() if plan.estimate is not None and \
            getattr(plan.estimate, "sentence", None) else ""
        # a warning about the sample already quotes the estimate: say it once, in the warning
        if sentence and not any(sentence in w for w in plan.warnings):
            lines.append("Sample estimate: " + sentence)
        for w in plan.warnings:
            lines.append("Note: " + w)
        self.preview.setPlainText("\n".join(lines))
        self._show_blockers([_blocker_text(b) for b in plan.blockers])
        self.state.setText("")
        self._refresh_buttons()

    def _show_blockers(self, messages: list[str]) -> None:
        self.blockers.setPlainText("\n".join(f"✖ {m}" for m in messages))
        self.blockers.setVisible(bool(messages))
        self.blockers_head.setVisible(bool(messages))

    def _refresh_buttons(self, *_a: Any) -> None:
        planning = self._plan_op is not None and not self._plan_op.finished
        ok = self.plan is not None and self.plan.ok and bool(self.folder.text().strip()) and not planning \
            and not self._timer.isActive() and (self._write_op is None or self._write_op.finished)
        self.export_button.setEnabled(ok)

    # -- writing ---------------------------------------------------------------------------

    def write(self) -> None:
        """Write the previewed plan into the folder (in the background)."""
        plan = self.plan
        if plan is None or not plan.ok:
            return
        out = absolute(Path(self.folder.text().strip()).expanduser())
        force = self.force.isChecked()
        try:
            # a killed earlier export is put right first (as the CLI does): otherwise its restored
            # or half-moved files read as "already holds an export"
            ex.recover_destination(out)
        except OSError as exc:
            self.state.setText(f"Could not clean up after an earlier, interrupted export in {out}: {exc}")
            return
        try:
            ex.check_destination(plan.dataset.path, out, force=force)
        except ex.ExportExists as exc:
            self.state.setText(f"{exc}. Tick “Replace an export already in that folder” to overwrite it.")
            return
        except ex.ExportError as exc:
            self.state.setText(str(exc))
            return
        self.export_button.setEnabled(False)
        self.state.setText(f"Writing to {out}…")

        def work(progress=None, cancel=None):
            return ex.write_export(plan, out, force=force, progress=progress, cancel=cancel)

        def failed(exc: BaseException, _tb: str) -> None:
            self.state.setText(f"Not written: {exc}")
            self._refresh_buttons()

        self._write_op = self.runner.run(work, title="Writing export", on_done=lambda m: self._written(out, m),
                                         on_error=failed, on_cancelled=lambda: self.state.setText("Cancelled."))

    def _open_folder(self) -> None:
        if self._written_dir is not None and self._written_dir.is_dir():
            self.open_url(QUrl.fromLocalFile(str(self._written_dir)))

    def _written(self, out: Path, manifest: dict) -> None:
        self.manifest = manifest
        c = manifest["counts"]
        lk = manifest.get("leakage") or {}
        lines = [f"Written to {out}",
                 (f"{c['train']:,} train + {c['eval']:,} eval records "
                 f"(seed {manifest['options']['seed']}, eval share {manifest['options']['eval_fraction']:.0%}, "
                 f"format {manifest['options']['format']})")]
        for name, info in manifest["files"].items():
            extra = f", {info['records']:,} records" if "records" in info else ""
            lines.append(f"  {name}: {info['bytes']:,} bytes{extra}, sha256 {info['sha256'][:16]}…")
        if lk:
            lines.append("Leakage check passed: " + similarity_words(
                lk.get("max_score", 0), lk.get("compared", 1), lk.get("threshold", 0),
                method=lk.get("method", "exhaustive")))
        lines.append(f"Check it any time with: curator verify {out}")
        self.preview.setPlainText("\n".join(lines))
        self._written_dir = out
        self.written_path.setText(f"Your files are in {out}")
        self.open_folder.setEnabled(out.is_dir())
        self.written_row.setVisible(True)
        self.state.setText("Export written. The manifest records every file's hash and every record's source line.")
        self.close_button.setFocus()
        self._refresh_buttons()
        self.written.emit(manifest)


def absolute(path: Path) -> Path:
    """``path`` from the filesystem root (a relative name is read from the current folder; symlinks
    are not resolved, so the folder reads as the user knows it)."""
    import os

    return Path(os.path.abspath(path.expanduser()))


def _blocker_text(b: ex.Blocker, limit: int = 8) -> str:
    """A blocker as a reader scans it: the headline, then one item per line (the first few)."""
    if b.code == "unresolved_contradictions" and ": " in b.message:
        head, rest = b.message.split(": ", 1)
        items = [x.strip() for x in rest.split(";") if x.strip()]
        if items:                                # the last item carries the core's closing advice
            items[-1] = items[-1].split(". ", 1)[0]
        items = [x for x in items if not x.startswith("and ")]    # the core's "and 53 more"
        shown = items[:limit]
        # how many there are is the headline's number (the core lists 20 of them; a trial read
        # "… and 13 more" of 73)
        total = int(head.split()[0]) if head.split()[0].isdigit() else len(items)
        more = f"\n    … and {total - len(shown)} more" if total > len(shown) else ""
        return (f"{head} — resolve them in Findings (Ctrl+2) or tick “Export even with unresolved "
                f"contradictions”:\n" + "\n".join(f"    {x}" for x in shown) + more)
    return b.message + (f" (lines {_lines(b.lines)})" if b.lines else "")


def _lines(lines: tuple[int, ...], limit: int = 12) -> str:
    shown = ", ".join(str(x) for x in lines[:limit])
    return shown + (f" … (+{len(lines) - limit})" if len(lines) > limit else "")
