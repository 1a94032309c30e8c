"""Helpers shared by the subcommands: loading with clear errors, JSON output, line lists."""

from __future__ import annotations

import argparse
import json
import sys
import time

from curator.core.dataset import load_dataset
from curator.core.io import FileReadError
from curator.core.records import Dataset
from curator.core.schema import SchemaFileError


def add_load_options(p: argparse.ArgumentParser) -> None:
    """--format / --schema / --field, shared by every command that reads a dataset."""
    p.add_argument("file", help="dataset: .jsonl, .jsonl.gz or a .json array")
    p.add_argument("--format", default="auto",
                   choices=["auto", "alpaca", "openai", "sharegpt", "prompt-completion", "text"],
                   help="record format (default: detect)")
    p.add_argument("--schema", metavar="S", help="validate against this JSON Schema instead of the built-in one")
    p.add_argument("--field", metavar="CANONICAL=SOURCE", action="append", default=[],
                   help="read a canonical field from another key, e.g. --field output=response (repeatable)")


def parse_mapping(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--field takes CANONICAL=SOURCE, got {item!r}")
        if item.count("=") > 1 and "," in item:
            raise ValueError(f"--field takes one CANONICAL=SOURCE each, got {item!r}: repeat it, e.g. "
                             + " ".join(f"--field {x.strip()}" for x in item.split(",")))
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


class LoadFailed(Exception):
    """Loading failed; ``message`` names the file and what is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def load_from_args(args: argparse.Namespace, progress=None) -> Dataset:
    """Load the dataset as the command line says; given no --format/--schema/--field, the way the
    file's review project was made (as status, review, export and the window read it), said on
    stderr so the difference from a plain read is visible."""
    from curator.core.project import project_read_options

    try:
        mapping = parse_mapping(args.field)
        fmt, schema = args.format, args.schema
        if fmt == "auto" and not schema and not mapping:
            fmt, schema, mapping, said = project_read_options(args.file)
            if said:
                print(f"curator: reading {args.file} as its review project does ({said})", file=sys.stderr)
        return load_dataset(args.file, format=fmt, schema=schema, mapping=mapping, progress=progress)
    except (FileReadError, SchemaFileError, ValueError) as exc:
        raise LoadFailed(str(exc)) from exc


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``count(1, "record")`` → "1 record", ``count(2_000, "record")`` → "2,000 records"."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


class TerminalProgress:
    """Progress for a person at a terminal: one line on stderr, redrawn at most five times a second
    and erased by :meth:`clear`. Silent when stderr is not a terminal (pipes, CI, scripts)."""

    WIDTH = 72

    def __init__(self, stream=None, *, interval: float = 0.2) -> None:
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty())
        self.interval = interval
        self._last = 0.0
        self._label = ""
        self._shown = False

    def update(self, *, done: int, total: int | None = None, label: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if label == self._label and now - self._last < self.interval:
            return
        self._last, self._label = now, label or self._label
        text = f"{self._label} {done:,} / {total:,}" if total else f"{self._label}…"
        self.stream.write("\r" + text[:self.WIDTH].ljust(self.WIDTH))
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r" + " " * self.WIDTH + "\r")
            self.stream.flush()
            self._shown = False


# The exit code the running command has decided on, recorded before it writes its report: when the
# reader of stdout goes away early (``curator validate FILE | head``), main() returns this instead of
# letting the closed pipe decide. None until the command knows it.
_verdict: list[int | None] = [None]


def decide(code: int) -> int:
    """Record ``code`` as the command's exit code before writing its report; returns ``code``."""
    _verdict[0] = code
    return code


def decided() -> int | None:
    """The exit code recorded by :func:`decide` in this run, or None."""
    return _verdict[0]


def forget_decision() -> None:
    _verdict[0] = None
    _json_printed[0] = False


_json_printed = [False]


def json_printed() -> bool:
    """Whether this run has started writing its --json object (see :func:`print_json`)."""
    return _json_printed[0]


def print_json(obj: object) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    _json_printed[0] = True
    sys.stdout.write(text)
    sys.stdout.write("\n")


def file_error_report(path: str | None, message: str | None) -> dict:
    """``validate --json``'s object when the command cannot run (exit 2): ``"file_error"`` holds the
    message, every count is empty. Every command's --json error starts from this shape."""
    return {"file": path, "format": None, "records": 0, "valid": 0, "invalid": 0,
            "errors": [], "warnings": [], "file_error": message}


def success_report(doc: dict, ds: Dataset | None = None) -> dict:
    """A command's --json object on exit 0 or 1 with every key its error object has: ``doc``
    after :func:`file_error_report`'s keys (``"file_error"``: null; the dataset's path, format and
    counts when ``ds`` is given). ``"errors"``/``"warnings"`` are validate's per-record lists:
    a command that has its own ``"warnings"`` keeps them; only validate and scan list errors."""
    base = file_error_report(str(ds.path) if ds is not None else None, None)
    if ds is not None:
        base.update(format=ds.format, records=len(ds.records), valid=ds.valid_count, invalid=ds.invalid_count)
    base.update(doc)
    return base


def print_json_error(path: str | None, message: str, success: dict | None = None) -> None:
    """Print :func:`file_error_report` plus ``success``: the command's own success keys (empty, or
    what is known), so a script finds the same keys on success and on error."""
    doc = file_error_report(path, message)
    doc.update(success or {})
    print_json(doc)


def fail(args: argparse.Namespace, message: str, success: dict | None = None) -> int:
    """A usage or I/O error: ``curator: message`` on stderr and, given --json, one JSON object
    (:func:`print_json_error`) on stdout. Returns 2, the exit code for it."""
    print(f"curator: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print_json_error(getattr(args, "file", None), message, success)
    return 2


def parse_lines(spec: str) -> list[int]:
    """``"3,7,10-20"`` → [3, 7, 10, …, 20].

    Raises ValueError with a plain message naming the bad part, e.g.
    ``"abc" is not a line number or range like 3,7,10-20``.
    """
    out: list[int] = []
    parts = spec.split(",")
    if parts and not parts[-1].strip():
        parts.pop()          # a trailing comma, as a script that builds the list leaves
    for k, part in enumerate(parts):
        part = part.strip()
        if not part:
            # "1,,2": a number was lost (a trial: it approved 1 and 2 and said nothing)
            raise ValueError("an empty part " + ("at the start" if k == 0 else f"after {parts[k - 1].strip() or 'a comma'}")
                             + f" in {json.dumps(spec, ensure_ascii=False)}; write line numbers or ranges like 3,7,10-20")
        a, dash, b = part.partition("-")
        a, b = a.strip(), b.strip()
        if not (a.isascii() and a.isdigit()) or (dash and not (b.isascii() and b.isdigit())):
            raise ValueError(f"{json.dumps(part, ensure_ascii=False)} is not a line number or range "
                             "like 3,7,10-20")
        lo = int(a)
        hi = int(b) if dash else lo
        if hi < lo:
            raise ValueError(f"{json.dumps(part, ensure_ascii=False)} is a backwards range; "
                             f"write {hi}-{lo}")
        out.extend(range(lo, hi + 1))
    return out
