"""The canonical record view shared by detectors, review, export and the GUI.

Every source record keeps its parsed object untouched (``Record.data``) for
round-tripping; on top of it sits one canonical view: a tuple of
:class:`Turn` with roles ``system``/``user``/``assistant``/``tool``, plus the
derived ``prompt`` (everything before the last assistant turn) and
``response`` (the last assistant turn).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

FORMATS = ("alpaca", "openai", "sharegpt", "prompt-completion", "text")
CANONICAL_ROLES = ("system", "user", "assistant", "tool")


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a file.

    ``line`` is the record's public number: its 1-based physical line in
    JSONL, its 1-based element index in a JSON array. ``start_line`` is the
    physical line where a JSON-array element starts (equal to ``line`` for
    JSONL). ``path`` is a JSON path such as ``$.messages[2].content``.
    """

    line: int
    code: str
    message: str
    path: str | None = None
    severity: str = "error"
    start_line: int | None = None

    def to_json(self) -> dict:
        return {"line": self.line, "code": self.code, "message": self.message, "path": self.path}

    def describe(self, container: str = "jsonl") -> str:
        """Human text: ``line 812: not valid JSON — …`` (or ``record 4 (line 120): …``)."""
        if container == "json" and self.start_line is not None:
            where = f"record {self.line} (line {self.start_line})"
        else:
            where = f"line {self.line}"
        loc = f" at {self.path}" if self.path and self.path != "$" else ""
        return f"{where}: {self.message}{loc}"


@dataclass(frozen=True, slots=True)
class Turn:
    """One conversation turn in canonical form.

    ``role`` is canonical (system/user/assistant/tool); ``source_role`` keeps
    the label the file used (``gpt``, ``function_call``, ``observation`` …).
    ``weight`` is OpenAI's 0/1 assistant weight when given.
    """

    role: str
    content: str
    source_role: str = ""
    weight: int | None = None


_new_object = object.__new__
_set_role = Turn.role.__set__            # type: ignore[attr-defined]
_set_content = Turn.content.__set__      # type: ignore[attr-defined]
_set_source_role = Turn.source_role.__set__  # type: ignore[attr-defined]
_set_weight = Turn.weight.__set__        # type: ignore[attr-defined]


def make_turn(role: str, content: str, source_role: str = "", weight: int | None = None) -> Turn:
    """``Turn(role, content, source_role, weight)``, twice as fast.

    A frozen dataclass sets each field through ``object.__setattr__``; the loader
    builds millions of turns, so it fills the slots directly. The result is an
    ordinary, equal, immutable :class:`Turn`.
    """
    t = _new_object(Turn)
    _set_role(t, role)
    _set_content(t, content)
    _set_source_role(t, source_role)
    _set_weight(t, weight)
    return t


@dataclass(slots=True)
class Record:
    """One record of a dataset, valid or not."""

    index: int                      # 0-based position among the file's records
    line: int                       # public number (JSONL line / JSON element index)
    start_line: int                 # physical line where the record starts
    data: object = None             # parsed JSON value (dict for usable records), None if unparsable
    format: str = "unknown"         # one of FORMATS, or "unknown"
    turns: tuple[Turn, ...] = ()
    prompt: str = ""
    response: str = ""
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    raw: bytes = b""                # the record's source bytes (one JSONL line, or a JSON element re-encoded)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def parsed(self) -> bool:
        return isinstance(self.data, dict)

    def content_hash(self) -> str:
        """SHA-256 of the record's canonical JSON (sorted keys, compact).

        Stable across whitespace, key order and line-ending changes, so a
        decision can be carried over when the source file is edited.
        """
        return content_hash(self.data) if self.data is not None else hashlib.sha256(self.raw).hexdigest()


def canonical_json(value: object) -> bytes:
    import orjson

    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # ints beyond 64 bits: fall back to the stdlib
        import json

        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(value: object) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


@dataclass(slots=True)
class Dataset:
    """A loaded file: its records (valid and invalid) and every problem found."""

    path: Path
    container: str                  # "jsonl" or "json" (gzip is transparent)
    gzip: bool
    format: str                     # dominant record format, "mixed" or "unknown"
    format_counts: dict[str, int]
    records: list[Record]
    size: int
    sha256: str
    file_warnings: list[Problem] = field(default_factory=list)  # file-level (mixed formats …)
    schema_source: str = ""         # "builtin:<format>" or the user's schema path
    mapping: dict[str, str] | None = None   # canonical field → the user's field (--field), if any
    _by_line: dict[int, Record] | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for r in self.records for p in r.errors]

    @property
    def warnings(self) -> list[Problem]:
        return self.file_warnings + [p for r in self.records for p in r.warnings]

    @property
    def valid_count(self) -> int:
        return sum(1 for r in self.records if r.valid)

    @property
    def invalid_count(self) -> int:
        return len(self.records) - self.valid_count

    def by_line(self, line: int) -> Record:
        if self._by_line is None:
            self._by_line = {r.line: r for r in self.records}
        return self._by_line[line]

    def lines(self) -> list[int]:
        return [r.line for r in self.records]
