"""Reading JSONL, gzipped JSONL and JSON-array files, line by line, with a
plain-language problem for every line that cannot be used.

JSONL framing is LF only: the bytes are split on ``\\n`` and each line is
decoded as strict UTF-8. A BOM at the start and CRLF endings are tolerated;
blank lines are skipped without shifting line numbers. The source is opened
read-only and never written.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import math
import os
import re
import threading
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson

from .progress import CancelToken, ProgressSink, Ticker

MAX_DEPTH = 64                      # deeper nesting is reported, not loaded
MAX_RECORD_BYTES = 16 * 1024 * 1024  # a single record over this is reported, not loaded

_WS_COLON_RE = re.compile(rb'"[ \t\r\n]+:')
_LONG_INT_RE = re.compile(rb"\d{19,}")
_GZIP_MAGIC = b"\x1f\x8b"


_gc_lock = threading.Lock()
_gc_state = {"depth": 0, "restore": False}


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector while building many objects.

    Nests and is thread-safe: the collector is re-enabled (if it was enabled)
    when the last pause ends.
    """
    with _gc_lock:
        if _gc_state["depth"] == 0:
            _gc_state["restore"] = gc.isenabled()
            gc.disable()
        _gc_state["depth"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state["depth"] -= 1
            if _gc_state["depth"] == 0 and _gc_state["restore"]:
                # Everything built meanwhile sits in the youngest generation; the first
                # collection would walk all of it (~1 s per 100k records) only to promote it.
                # freeze()+unfreeze() moves every object straight to the oldest generation
                # instead: nothing is exempt from collection, cycles are still found at the
                # next full collection.
                gc.freeze()
                gc.unfreeze()
                gc.enable()


class FileReadError(Exception):
    """The file cannot be read at all (missing, unreadable, empty, not JSON/JSONL)."""


@dataclass(slots=True)
class RawRecord:
    line: int          # public number: JSONL physical line, or JSON element index
    start_line: int    # physical line where it starts
    raw: bytes
    value: object = None
    error_code: str | None = None
    error: str | None = None


@dataclass(slots=True)
class RawFile:
    path: Path
    container: str     # "jsonl" | "json"
    gzip: bool
    size: int
    sha256: str
    records: list[RawRecord]


def read_bytes(path: str | os.PathLike) -> tuple[bytes, bool, int, str]:
    """Read a file read-only; return (decompressed bytes, was_gzip, size, sha256 of the file)."""
    p = Path(path)
    if not p.exists():
        raise FileReadError(f"{p}: no such file")
    if p.is_dir():
        raise FileReadError(f"{p}: is a folder, not a file")
    try:
        with open(p, "rb") as fh:  # read-only, always
            blob = fh.read()
    except OSError as exc:
        raise FileReadError(f"{p}: cannot be read ({exc.strerror or exc})") from exc
    digest = hashlib.sha256(blob).hexdigest()
    size = len(blob)
    was_gzip = blob[:2] == _GZIP_MAGIC
    if was_gzip:
        try:
            blob = gzip.decompress(blob)
        except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile is an OSError
            raise FileReadError(f"{p}: looks gzip-compressed but cannot be decompressed ({exc})") from exc
    return blob, was_gzip, size, digest


def read_file(path: str | os.PathLike, *, progress: ProgressSink | None = None,
              cancel: CancelToken | None = None, max_record_bytes: int = MAX_RECORD_BYTES) -> RawFile:
    """Read a JSONL / JSONL.gz / JSON-array file into :class:`RawRecord` s.

    Raises :class:`FileReadError` when the file cannot be read at all.
    """
    p = Path(path)
    blob, was_gzip, size, digest = read_bytes(p)
    if blob.startswith(b"\xef\xbb\xbf"):
        blob = blob[3:]
    head = blob.lstrip(b" \t\r\n")
    if not head:
        raise FileReadError(f"{p}: the file is empty" if not blob else
                            f"{p}: the file holds only blank lines, no records")
    container = "jsonl"
    if head[:1] == b"[":
        container = _guess_array(blob)
    if container == "json":
        records = _read_array(p, blob, progress, cancel, max_record_bytes)
    else:
        records = _read_lines(blob, progress, cancel, max_record_bytes)
        # free for normal JSONL: only looked into when the very first record fails to parse
        if records and records[0].error_code is not None and head[:1] == b"{":
            _refuse_spread_objects(p, blob, records)
        if records and all(r.error_code is not None for r in records) and not any(
                r.error_code in ("not_object", "duplicate_key", "too_deep", "too_large", "nan",
                                 "lone_surrogate") for r in records):
            first = records[0]
            not_text = _not_text(blob)
            if not_text:
                raise FileReadError(f"{p}: not a JSON or JSONL file: {not_text}")
            json_like = blob.lstrip(b" \t\r\n")[:1] == b"{" and p.suffix.lower() not in (".csv", ".tsv")
            raise FileReadError(f"{p}: not a JSON or JSONL file (line {first.line}: {first.error})"
                                + (_json_like_hint(p, blob) if json_like else _csv_hint(p, blob)))
    if not records:
        raise FileReadError(f"{p}: the JSON array is empty ([]), no records" if container == "json" else
                            f"{p}: the file holds no records (only blank lines)")
    return RawFile(p, container, was_gzip, size, digest, records)


_RECORD_KEYS = frozenset(("messages", "conversations", "instruction", "output", "prompt", "completion", "text"))


def _refuse_spread_objects(p: Path, blob: bytes, records: list[RawRecord]) -> None:
    """Raise a plain :class:`FileReadError` when the file is not JSONL but pretty-printed JSON
    objects: one object over many lines (a wrapper like ``{"data": [...]}`` or a lone record) or
    several objects each spread over lines. Returns when most lines parse (a JSONL file whose
    first line is bad) or the whole is not a run of JSON objects either."""
    failed = sum(1 for r in records if r.error_code is not None)
    if failed * 2 < len(records):
        return
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return
    decoder = json.JSONDecoder()
    objects: list[tuple[object, int]] = []   # (value, lines it spans)
    pos, n = 0, len(text)
    try:
        while True:
            while pos < n and text[pos] in " \t\r\n":
                pos += 1
            if pos >= n:
                break
            value, end = decoder.raw_decode(text, pos)
            objects.append((value, text.count("\n", pos, end) + 1))
            pos = end
            if len(objects) > 1 and objects[-1][1] == 1:
                return  # a one-line object after the first: JSONL with a bad first line
    except (ValueError, RecursionError):
        return
    if not objects or not all(isinstance(v, dict) for v, _ in objects):
        return
    if len(objects) > 1:
        raise FileReadError(f"{p}: holds {len(objects):,} JSON objects, each spread over several lines "
                            "(pretty-printed); JSONL needs one object per line — rewrite it with "
                            f"jq -c . {_shell_quote(p.name)} > records.jsonl")
    value, spans = objects[0]
    refuse_wrapper(p, value)
    raise FileReadError(f"{p}: holds one JSON object spread over {spans:,} lines; JSONL needs one object "
                        "per line (a list of records is a JSON array [ … ] or one object per line)")


def refuse_wrapper(p: Path, value: object, *, items_are_records: bool = False) -> None:
    """Raise when ``value`` (the file's only JSON object) wraps the records: ``{"data": [...]}``.
    A lone record (its own lists, e.g. "messages", are turns, not records) passes.
    ``items_are_records``: only when the list's items are records themselves (a valid one-line
    JSONL file of one record under custom keys, ``{"dialog": [{"speaker", "text"}]}``, is read)."""
    if not isinstance(value, dict) or not _RECORD_KEYS.isdisjoint(value):
        return
    keys = _RECORD_KEYS - {"text"}

    def record_like(x: object) -> bool:
        return isinstance(x, dict) and (not items_are_records or not keys.isdisjoint(x))

    lists = {k: v for k, v in value.items()
             if isinstance(v, list) and v and sum(map(record_like, v)) * 2 > len(v)}
    if lists:
        key = max(lists, key=lambda k: len(lists[k]))
        path = f".{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f".[{json.dumps(key)}]"
        raise FileReadError(
            f"{p}: is one JSON object, not a list of records; its records seem to be under the key "
            f"{json.dumps(key, ensure_ascii=False)} ({len(lists[key]):,} item{'' if len(lists[key]) == 1 else 's'}) — extract them, e.g. "
            f"with jq -c '{path}[]' {_shell_quote(p.name)} > records.jsonl")


def _shell_quote(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_.,/+-]+", name) else "'" + name.replace("'", "'\\''") + "'"


def _guess_array(blob: bytes) -> str:
    """A file starting with '[' is a JSON array unless its first line is a complete value
    followed by more lines (then it is JSONL whose first record is an array)."""
    first, sep, rest = blob.partition(b"\n")
    if sep and rest.strip():
        try:
            orjson.loads(first)
        except orjson.JSONDecodeError:
            return "json"
        return "jsonl"
    return "json"


def _not_text(blob: bytes) -> str:
    """Why a file none of whose lines parsed is not UTF-8 text at all, or "" (a trial: a binary
    file was called "a CSV file" and its bytes were echoed to the terminal as column names)."""
    sample = blob[:8192]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    bom = sample.startswith((b"\xff\xfe", b"\xfe\xff"))
    if bom or (len(sample) >= 8 and max(even, odd) * 5 >= len(sample) and min(even, odd) * 100 <= len(sample)):
        why = "it starts with a UTF-16 byte-order mark" if bom else "every other byte is zero"
        return (f"it is UTF-16 text ({why}); Curator reads UTF-8 — save it as UTF-8, "
                "e.g. iconv -f UTF-16 -t UTF-8")
    nul = sample.find(b"\x00")
    # (ESC is left out: raw terminal colour codes in text get the loader's own message)
    controls = sum(sample.count(bytes([c])) for c in (*range(1, 9), *range(14, 27), *range(28, 32), 127))
    if nul >= 0 or controls * 20 > len(sample):
        where = f" (a zero byte at byte {nul + 1:,})" if nul >= 0 else " (control bytes)"
        return (f"it holds binary data, not text{where}. Curator reads JSON Lines (one JSON record per "
                "line) or a JSON array of records, as UTF-8 text")
    return ""


def _json_like_hint(p: Path, blob: bytes) -> str:
    """Why lines that look like JSON objects did not parse, for the two common causes (a trial
    found both called "a CSV file" with a pandas command): Python dicts written with str() or
    print() (single quotes), and JSON saved as Windows-1252/Latin-1 instead of UTF-8. (The caller
    has seen that the file starts with "{".)"""
    first = blob.lstrip(b" \t\r\n").split(b"\n", 1)[0].strip()
    try:
        text = first.decode("cp1252")
    except UnicodeDecodeError:
        text = first.decode("latin-1")
    try:
        first.decode("utf-8")
    except UnicodeDecodeError:
        try:
            json.loads(text)
        except ValueError:
            pass
        else:
            return (". The text is not UTF-8 but reads as Windows-1252 (Latin-1); convert it first: "
                    f"iconv -f WINDOWS-1252 -t UTF-8 {_shell_quote(p.name)} > records.jsonl")
    # (otherwise the line's own error says what is wrong: no CSV advice for a JSON-looking line)
    if len(text) > 1_000_000 or ("'" not in text and not re.search(r"\b(?:True|False|None)\b", text)):
        return ""
    try:
        import ast

        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return ""
    if isinstance(value, dict):
        return (". The lines are Python dicts (single quotes, True/None), not JSON: write them with "
                "json.dumps(record, ensure_ascii=False), not str() or print()")
    return ""


def _csv_hint(p: Path, blob: bytes) -> str:
    """How to turn a CSV/TSV file into JSONL, when the file looks like one (a team lead tried the
    Bitext CSV the README benchmarks and got only "not a JSON or JSONL file")."""
    first = blob.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    sep = "\t" if p.suffix.lower() == ".tsv" or first.count("\t") >= 1 else ","
    if p.suffix.lower() not in (".csv", ".tsv") and first.count(sep) < 1:
        return ""
    columns = [c.strip().strip('"') for c in first.split(sep)][:8]
    read = "pd.read_csv(src" + (", sep='\\t'" if sep == "\t" else "") + ", dtype=str, keep_default_na=False)"
    hint = (f". It looks like a {'TSV' if sep == chr(9) else 'CSV'} file (columns: {', '.join(columns)}); Curator "
            "reads JSON Lines. Convert it first, one record per row: python -c \"import pandas as pd, sys; "
            f"src = sys.argv[1]; {read}.to_json(src.rsplit('.', 1)[0] + '.jsonl', orient='records', lines=True, "
            f"force_ascii=False)\" {p.name}")
    col = next((c for c in ("response", "answer", "completion_text") if c in columns), None)
    if "output" not in columns and col is not None:
        hint += f", then open it with --field output={col}"
    return hint


def split_lines(blob: bytes, chunk: int = 1 << 22) -> list[bytes]:
    """``blob.split(b"\\n")``, done in ~4 MB pieces.

    One ``split`` of a 50 MB file holds the GIL for ~200 ms, which freezes the GUI thread while
    a worker loads (tests/bench/bench_gui_stall.py); pieces let it in between.
    """
    out: list[bytes] = []
    n = len(blob)
    start = 0
    while True:
        end = blob.find(b"\n", min(start + chunk, n)) if start + chunk < n else -1
        if end < 0:
            out.extend(blob[start:].split(b"\n"))
            return out
        out.extend(blob[start:end].split(b"\n"))
        start = end + 1


def _read_lines(blob: bytes, progress, cancel, max_record_bytes: int) -> list[RawRecord]:
    lines = split_lines(blob)
    total = len(lines)
    if total and not lines[-1]:
        total -= 1   # the empty piece after the final newline is not a line (80,000, not 80,001)
    ticker = Ticker(progress, cancel, total, "Reading lines", every=5000)
    out: list[RawRecord] = []
    append = out.append
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    scan = _scan
    for i, line in enumerate(lines):
        if not (i & 4095):
            ticker.tick(i)
        if line[-1:] == b"\r":
            line = line[:-1]
        if not line or line.isspace():
            continue
        n = i + 1
        rec = RawRecord(n, n, line)
        append(rec)
        if len(line) > max_record_bytes:
            rec.error_code = "too_large"
            rec.error = _too_large_message("line", len(line), max_record_bytes)
            continue
        try:
            value = loads(line)
        except decode_error:
            _diagnose(rec)
            continue
        if type(value) is not dict:
            rec.value = value
            _not_object(rec)
            continue
        # inline of _post_checks for the common case (an object, no float, keys add up)
        n_keys, too_deep, has_float = scan(value)
        if too_deep or has_float or line.count(b":") != n_keys:
            rec.value = value
            _post_checks(rec, n_keys, too_deep, has_float)
        else:
            rec.value = value
    if out and not blob.endswith(b"\n") and out[-1].line == total and out[-1].error_code == "invalid_json" \
            and "cut off" in (out[-1].error or ""):
        last = out[-1]
        last.error_code = "truncated"
        detail = (last.error or "").replace("not valid JSON — ", "").replace(" (the line may be cut off)", "")
        last.error = ("the last line is cut off: the file ends in the middle of a record "
                      f"(was it copied or downloaded completely?); {detail}")
    ticker.report(total)
    return out


def _too_large_message(what: str, size: int, limit: int) -> str:
    """"the line is 16.9 MiB (17,700,000 bytes) long; records over 16 MiB (16,777,216 bytes) are
    not loaded": both sizes in the limit's binary unit, each with its exact byte count, so a record
    just over the limit never reads as under it (decimal MB rounded 16 MiB up to "17 MB")."""
    unit, scale = next(((u, s) for u, s in (("MiB", 1 << 20), ("KiB", 1 << 10)) if limit >= s), ("bytes", 1))

    def size_text(n: int) -> str:
        if scale == 1:
            return f"{n:,} bytes"
        amount = f"{n // scale:,}" if n % scale == 0 else f"{n / scale:,.1f}"
        return f"{amount} {unit} ({n:,} bytes)"

    return f"the {what} is {size_text(size)} long; records over {size_text(limit)} are not loaded"


class _TooDeep(Exception):
    pass


def _walk(v: object, depth: int) -> tuple[int, bool]:
    if depth > MAX_DEPTH:
        raise _TooDeep
    keys = 0
    has_float = False
    if type(v) is dict:
        keys = len(v)
        items = v.values()
    else:
        items = v
    for x in items:
        t = type(x)
        if t is str:
            continue
        if t is dict or t is list:
            k, f = _walk(x, depth + 1)
            keys += k
            if f:
                has_float = True
        elif t is float:
            has_float = True
    return keys, has_float


def _scan(value: object) -> tuple[int, bool, bool]:
    """(number of object keys, nested deeper than :data:`MAX_DEPTH`, any float) of a parsed value."""
    try:
        keys, has_float = _walk(value, 1)
    except _TooDeep:
        return 0, True, False
    return keys, False, has_float


def _not_object(rec: RawRecord) -> None:
    rec.error_code = "not_object"
    rec.error = f"expected a JSON object {{...}} but found {_json_kind(rec.value)}"


def _key_count_uncertain(line: bytes, n_keys: int) -> bool:
    """True when the text may hold more keys than the parsed object (a duplicate key).

    Exact and cheap for the common cases. Every key in the text is a string
    followed by optional whitespace and ':'; counting colons (then '":') gives an
    upper bound, and equality with the parsed count proves there is no duplicate.
    Extra matches can only come from escaped quotes inside strings (JSON held in a
    string, e.g. tool-call arguments); when no key ends in a backslash those are
    exactly the '\\":' matches.
    """
    if line.count(b":") == n_keys:
        return False
    if _WS_COLON_RE.search(line):
        return True
    upper = line.count(b'":')
    if upper == n_keys:
        return False
    if b'\\\\":' in line:  # a key or string ending in an escaped backslash: ambiguous
        return True
    return upper - line.count(b'\\":') != n_keys


def _post_checks(rec: RawRecord, n_keys: int | None = None, too_deep: bool | None = None,
                 has_float: bool | None = None) -> None:
    value = rec.value
    if not isinstance(value, dict):
        _not_object(rec)
        return
    line = rec.raw
    if n_keys is None or too_deep is None or has_float is None:
        n_keys, too_deep, has_float = _scan(value)
    if too_deep:
        rec.error_code = "too_deep"
        rec.error = f"nesting is more than {MAX_DEPTH} levels deep; that is not supported"
        return
    if _key_count_uncertain(line, n_keys):
        dup = _find_duplicate_key(line)
        if dup is not None:
            rec.error_code = "duplicate_key"
            rec.error = f'the key "{dup}" appears twice in the same object; only one value can be kept'
            return
    if has_float and _LONG_INT_RE.search(line):
        # orjson turns integers beyond 64 bits into floats; the stdlib keeps them exact.
        rec.value = json.loads(line.decode("utf-8"))


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "an array [...]"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    return "a number"


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _pairs_hook(pairs: list[tuple[str, object]]) -> dict:
    d: dict = {}
    for k, v in pairs:
        if k in d:
            raise _DuplicateKey(k)
        d[k] = v
    return d


def _find_duplicate_key(line: bytes) -> str | None:
    try:
        json.loads(line.decode("utf-8", "replace"), object_pairs_hook=_pairs_hook)
    except _DuplicateKey as dup:
        return dup.key
    except (ValueError, RecursionError):
        return None
    return None


def _reject_constant(name: str) -> object:
    raise ValueError(f"__constant__{name}")


def _diagnose(rec: RawRecord) -> None:
    """Explain, in plain words, why a line is not valid JSON (the slow path)."""
    line = rec.raw
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = line[exc.start:exc.start + 1]
        col = len(line[:exc.start].decode("utf-8", "replace")) + 1
        rec.error_code = "invalid_utf8"
        rec.error = (f"not valid UTF-8 text (byte 0x{bad.hex()} at column {col}); "
                     "save the file as UTF-8")
        return
    try:
        value = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_pairs_hook)
    except _DuplicateKey as dup:
        rec.error_code = "duplicate_key"
        rec.error = f'the key "{dup.key}" appears twice in the same object; only one value can be kept'
        return
    except RecursionError:
        rec.error_code = "too_deep"
        rec.error = f"nesting is far deeper than {MAX_DEPTH} levels; not supported"
        return
    except ValueError as exc:
        msg = str(exc)
        if msg.startswith("__constant__"):
            rec.error_code = "nan"
            rec.error = (f"not valid JSON — {msg[12:]} is not a JSON number "
                         "(NaN and Infinity are not allowed; use null or a string)")
            return
        rec.error_code = "invalid_json"
        rec.error = json_error_message(exc, text)
        return
    # stdlib accepted what orjson refused: lone surrogates or too-deep nesting.
    if re.search(r"\\u[dD][89abAB][0-9a-fA-F]{2}", text) or re.search(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}", text):
        if _has_lone_surrogate(value):
            rec.error_code = "lone_surrogate"
            m = re.search(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}", text)
            esc = m.group(0) if m else "a \\uD8xx escape"
            col = str(m.start() + 1) if m else "?"
            rec.error = (f"contains a lone surrogate escape ({esc}) at column {col}, "
                         "which is not valid Unicode text")
            return
    big = _first_infinite(value)
    if big is not None:
        m = re.search(r"-?\d+(\.\d+)?[eE][+-]?\d+|-?\d{309,}", text)
        num = m.group(0) if m else "a number"
        rec.error_code = "number_too_large"
        rec.error = (f"the number {num[:40]} is too large to store (it would become Infinity); "
                     "write it as a string")
        return
    rec.value = value
    _post_checks(rec)


def _first_infinite(value: object) -> float | None:
    stack = [value]
    while stack:
        v = stack.pop()
        if type(v) is float and v in (math.inf, -math.inf):
            return v
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return None


def _has_lone_surrogate(value: object) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


_FRIENDLY = {
    "Expecting ',' delimiter": "expected ',' between items",
    "Expecting ':' delimiter": "expected ':' after a key",
    "Expecting property name enclosed in double quotes": "expected a key in double quotes",
    "Expecting value": "expected a value",
    "Unterminated string starting at": "a string is never closed",
    "Invalid control character at": "a raw control character (such as a tab or newline) inside a string",
    "Invalid \\escape": "an invalid backslash escape",
    "Invalid \\uXXXX escape": "an invalid \\u escape",
}


def json_error_message(exc: ValueError, text: str) -> str:
    """A plain sentence for a JSON syntax error in ``text`` (the loader's wording; the Fix editor's too)."""
    if isinstance(exc, json.JSONDecodeError):
        col = exc.colno
        if exc.msg == "Extra data":
            return (f"not valid JSON — the line holds more than one JSON value "
                    f"(a second one starts at column {col}); put one object per line")
        if exc.pos >= len(text.rstrip()) and exc.msg != "Extra data":
            return (f"not valid JSON — the line ends before the JSON is complete "
                    f"(cut off at column {col}?)")
        if exc.msg.startswith("Unterminated string"):
            return (f"not valid JSON — a string that starts at column {col} is never closed "
                    "(the line may be cut off)")
        friendly = _FRIENDLY.get(exc.msg, exc.msg[:1].lower() + exc.msg[1:])
        ch = text[exc.pos] if exc.pos < len(text) else ""
        near = f" but found '{ch}'" if ch.strip() and friendly.startswith("expected") else ""
        if exc.msg == "Expecting value" and ch:
            return f"not valid JSON — unexpected '{ch}' at column {col}"
        return f"not valid JSON — {friendly}{near} at column {col}"
    return f"not valid JSON — {exc}"


def _read_array(p: Path, blob: bytes, progress, cancel, max_record_bytes: int) -> list[RawRecord]:
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = blob.count(b"\n", 0, exc.start) + 1
        raise FileReadError(f"{p}: not valid UTF-8 text (byte 0x{blob[exc.start:exc.start + 1].hex()} "
                            f"on line {line}); save the file as UTF-8") from exc
    decoder = json.JSONDecoder()
    n = len(text)
    pos = text.index("[") + 1
    line_no = 1 + text.count("\n", 0, pos)
    counted_to = pos
    ws = " \t\r\n"
    out: list[RawRecord] = []
    ticker = Ticker(progress, cancel, n, "Reading JSON array", every=1 << 20)
    index = 0
    expect_value = True
    comma = -1          # where the last ',' between elements is, until the next element
    while True:
        while pos < n and text[pos] in ws:
            pos += 1
        if pos >= n:
            raise FileReadError(f"{p}: the JSON array is never closed (file ends at line {line_no + text.count(chr(10), counted_to, n)})")
        ch = text[pos]
        if ch == "]":
            if comma >= 0:
                # strict JSON (json.load, Hugging Face datasets, trainers) refuses a trailing comma
                raise _array_error(p, text, comma, f"a trailing ',' after the last element (element {index}) "
                                   "before the closing ']'; JSON allows none and trainers' readers "
                                   "refuse the file: delete the comma")
            break
        if ch == ",":
            if expect_value:
                raise _array_error(p, text, pos, "expected a value before ','")
            expect_value = True
            comma = pos
            pos += 1
            continue
        comma = -1
        if not expect_value:
            raise _array_error(p, text, pos, "expected ',' or ']' between elements")
        line_no += text.count("\n", counted_to, pos)
        counted_to = pos
        # the stdlib's C scanner finds the element's end fast; orjson then parses it strictly
        try:
            _, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            if exc.pos >= len(text.rstrip()):
                raise FileReadError(f"{p}: the JSON array is cut off — the file ends inside element "
                                    f"{index + 1}, which starts on line {line_no}") from exc
            raise _array_error(p, text, exc.pos, f"element {index + 1} (starting on line {line_no}) is not "
                               "valid JSON — " + json_error_message(exc, text).replace(
                                   "not valid JSON — ", "").rsplit(" at column ", 1)[0]) from exc
        except RecursionError as exc:
            # too deep for the parser: find where the element ends without recursing, report it
            # as a bad record and read on
            deep_end = _skip_nested(text, pos)
            if deep_end is None:
                raise _array_error(p, text, pos, f"element {index + 1} (starting on line {line_no}) nests "
                                   f"far deeper than {MAX_DEPTH} levels and is never closed") from exc
            index += 1
            rec = RawRecord(index, line_no, text[pos:deep_end].encode("utf-8", "surrogatepass"))
            rec.error_code = "too_deep"
            rec.error = f"nesting is far deeper than {MAX_DEPTH} levels; not supported"
            out.append(rec)
            expect_value = False
            pos = deep_end
            continue
        index += 1
        chunk = text[pos:end].encode("utf-8", "surrogatepass")
        rec = RawRecord(index, line_no, chunk)
        if len(chunk) > max_record_bytes:
            rec.error_code = "too_large"
            rec.error = _too_large_message("element", len(chunk), max_record_bytes)
        else:
            try:
                rec.value = orjson.loads(chunk)
                _post_checks(rec)  # also re-reads integers beyond 64 bits exactly
            except orjson.JSONDecodeError:
                _diagnose(rec)
        out.append(rec)
        expect_value = False
        pos = end
        ticker.tick(pos)
    tail = text[pos + 1:].strip()
    if tail:
        raise _array_error(p, text, pos + 1 + (len(text[pos + 1:]) - len(text[pos + 1:].lstrip())),
                           "unexpected text after the closing ']'")
    ticker.report(n)
    return out


_NESTING_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _skip_nested(text: str, pos: int) -> int | None:
    """End of the bracketed JSON value starting at ``pos`` (strings skipped), or None if unclosed."""
    depth = 0
    for m in _NESTING_TOKEN.finditer(text, pos):
        tok = m.group(0)
        if tok in "[{":
            depth += 1
        elif tok in "]}":
            depth -= 1
            if depth == 0:
                return m.end()
    return None


def _array_error(p: Path, text: str, pos: int, message: str) -> FileReadError:
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return FileReadError(f"{p}: line {line}, column {col}: {message}")
