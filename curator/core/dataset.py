"""Load a dataset: read, detect formats, build the canonical view, validate."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping

from . import formats as F
from .io import FileReadError, RawFile, gc_paused, read_file, refuse_wrapper
from .progress import CancelToken, ProgressSink, Ticker
from .records import Dataset, Problem, Record
from .schema import SchemaFileError, builtin_validator, fast_predicate, load_user_validator, validate

__all__ = ["load_dataset", "FileReadError", "build_record"]


def load_dataset(path: str | os.PathLike, *, format: str = "auto", schema: str | os.PathLike | None = None,
                 mapping: Mapping[str, str] | None = None, progress: ProgressSink | None = None,
                 cancel: CancelToken | None = None, schema_check: bool = True) -> Dataset:
    """Read and validate a fine-tuning file.

    The source file is opened read-only and never modified.

    Parameters
    ----------
    format
        ``"auto"`` (detect per record; the file's format is the most common one) or
        one of :data:`curator.core.formats.FORMAT_NAMES` to validate every record as that format.
    schema
        A user JSON Schema that replaces the built-in schema of the format.
    mapping
        Canonical field → source field, e.g. ``{"output": "response"}``.
    schema_check
        False skips the JSON Schema pass (for measuring it; every other check still runs).

    Raises :class:`FileReadError` when the file cannot be read at all, and
    :class:`curator.core.schema.SchemaFileError` for an unusable ``schema``.
    """
    if format != "auto" and format not in F.FORMAT_NAMES:
        raise ValueError(f"unknown format {format!r}; expected auto or one of {', '.join(F.FORMAT_NAMES)}")
    user_validator = load_user_validator(schema) if schema else None
    # Loading allocates millions of small objects and frees none; the cyclic garbage
    # collector would rescan them all over and over (it tripled load time), and parsed
    # JSON holds no reference cycles. Paused for the load only.
    with gc_paused():
        raw = read_file(path, progress=progress, cancel=cancel)
        if len(raw.records) == 1 and format == "auto" and not mapping and not schema \
                and isinstance(raw.records[0].value, dict) and F.detect_format(raw.records[0].value) == "unknown":
            # {"data": [records]} on one line: said as for the same wrapper pretty-printed (a trial:
            # read as one record of format "unknown"); a record read with --field/--schema is not one
            refuse_wrapper(raw.path, raw.records[0].value, items_are_records=True)
        try:
            ds = build_dataset(raw, format=format, user_validator=user_validator, schema=schema,
                               mapping=mapping, progress=progress, cancel=cancel, schema_check=schema_check)
        except SchemaFileError as exc:
            if schema and not str(exc).startswith(str(schema)):
                raise SchemaFileError(f"{schema}: {exc}") from exc
            raise
        del raw  # free the raw lines before the collector is back
    return ds


def build_dataset(raw: RawFile, *, format: str = "auto", user_validator=None, schema=None,
                  mapping: Mapping[str, str] | None = None, progress: ProgressSink | None = None,
                  cancel: CancelToken | None = None, schema_check: bool = True) -> Dataset:
    detected: list[str] = []
    views: list[dict | None] = []
    detect = F.detect_format
    add_view, add_format = views.append, detected.append
    for r in raw.records:
        value = r.value
        if r.error_code is None and type(value) is dict:
            view = F.apply_mapping(value, mapping) if mapping else value
            add_view(view)
            add_format("openai" if "messages" in view else detect(view))  # the first test of detect_format
        else:
            add_view(None)
            add_format("unknown")
    counts = Counter(d for d in detected if d != "unknown")
    if format != "auto":
        file_format = format
    elif counts:
        file_format = counts.most_common(1)[0][0]
    else:
        file_format = "unknown"
    file_warnings: list[Problem] = []
    if format == "auto" and len(counts) > 1:
        others = sorted((n, f) for f, n in counts.items() if f != file_format)
        desc = ", ".join(f"{n} {f}" for n, f in others)
        first_lines = [raw.records[i].line for i, d in enumerate(detected)
                       if d not in (file_format, "unknown")][:5]
        file_warnings.append(Problem(0, "mixed_formats",
                                     f"the file mixes formats: {counts[file_format]} {file_format}, {desc} "
                                     f"(first at line(s) {', '.join(map(str, first_lines))}); trainers expect one format per file",
                                     None, "warning"))
    records: list[Record] = []
    append = records.append
    ticker = Ticker(progress, cancel, len(raw.records), "Checking schema", every=2000)
    checkers: dict[str, tuple] = {}  # format → (validator, compiled predicate or None)
    record_view = F.record_view
    auto = format == "auto"
    for i, (r, view, fmt) in enumerate(zip(raw.records, views, detected)):
        if not (i & 1023):
            ticker.tick(i)
        rec = Record(i, r.line, r.start_line, r.value, raw=r.raw)
        append(rec)
        if r.error_code is not None:
            rec.errors.append(Problem(r.line, r.error_code, r.error or "", None, "error", r.start_line))
            continue
        assert view is not None
        use = fmt if auto else format
        if fmt == "unknown" and auto:
            keys = ", ".join(list(view)[:8]) or "none"
            rec.errors.append(Problem(r.line, "unknown_format",
                                      "no known fine-tuning format: expected messages, conversations, "
                                      f"instruction/output, prompt/completion or text; found keys: {keys}",
                                      "$", "error", r.start_line))
            continue
        rec.format = use
        if auto and fmt != file_format:
            rec.errors.append(Problem(r.line, "mixed_format",
                                      f"this record is in {fmt} format but the file is {file_format}",
                                      "$", "error", r.start_line))
        checker = checkers.get(use)
        if checker is None:
            validator = user_validator or builtin_validator(use)
            checker = checkers[use] = (validator, fast_predicate(validator))
        schema_errors: list[Problem] = []
        if schema_check and (checker[1] is None or not checker[1](view)):
            # not provably valid: jsonschema decides and reports every violation
            schema_errors = validate(checker[0], view, r.line, r.start_line)
            rec.errors.extend(schema_errors)
        rec.turns, rec.prompt, rec.response, errs, warns = record_view(view, use, r.line, r.start_line)
        if not schema_errors or user_validator is not None:
            if errs:
                rec.errors.extend(errs)
            if warns:
                rec.warnings.extend(warns)
        if mapping and (rec.errors or rec.warnings):
            rec.errors[:] = [_source_path(p, mapping) for p in rec.errors]
            rec.warnings[:] = [_source_path(p, mapping) for p in rec.warnings]
    ticker.report(len(raw.records))
    return Dataset(path=raw.path, container=raw.container, gzip=raw.gzip, format=file_format,
                   format_counts=dict(counts), records=records, size=raw.size, sha256=raw.sha256,
                   file_warnings=file_warnings,
                   schema_source=str(schema) if schema else f"builtin:{file_format}",
                   mapping=dict(mapping) if mapping else None)


def _source_path(p: Problem, mapping: Mapping[str, str]) -> Problem:
    """Name the user's field in a problem found through a field mapping (``$.output`` → ``$.response``)."""
    if not p.path:
        return p
    for canonical, source in mapping.items():
        prefix = f"$.{canonical}"
        if p.path == prefix or p.path.startswith(prefix + ".") or p.path.startswith(prefix + "["):
            msg = p.message.replace(f'"{canonical}"', f'"{source}"')
            return Problem(p.line, p.code, msg, f"$.{source}" + p.path[len(prefix):], p.severity, p.start_line)
    if p.path == "$":
        # a missing field is reported on the record itself: name the user's field in the message
        msg = p.message
        for canonical, source in mapping.items():
            msg = msg.replace(f'the field "{canonical}"', f'the field "{source}"')
        if msg != p.message:
            return Problem(p.line, p.code, msg, p.path, p.severity, p.start_line)
    return p


def record_from_fix(dataset: Dataset, line: int, fixed: dict) -> Record:
    """The record a stored fix of ``line`` makes, read like the file's records (same format and
    field mapping)."""
    rec = dataset.by_line(line)
    return build_record(fixed, line=rec.line, fmt=rec.format, index=rec.index, mapping=dataset.mapping)


def build_record(obj: dict, *, line: int, fmt: str, index: int = 0, validator=None,
                 mapping: Mapping[str, str] | None = None) -> Record:
    """Build and validate one record from an object (used for fixes typed by a reviewer).

    ``mapping`` is the dataset's field mapping (``Dataset.mapping``): a fix is the user's own
    record, with the user's field names, read the way the file's records are read.
    """
    rec = Record(index=index, line=line, start_line=line, data=obj)
    if not isinstance(obj, dict):
        rec.errors.append(Problem(line, "not_object", "expected a JSON object {...}"))
        return rec
    view = F.apply_mapping(obj, mapping) if mapping else obj
    use = fmt if fmt in F.FORMAT_NAMES else F.detect_format(view)
    if use == "unknown":
        rec.errors.append(Problem(line, "unknown_format", "no known fine-tuning format"))
        return rec
    rec.format = use
    rec.errors.extend(validate(validator or builtin_validator(use), view, line, line))
    rec.turns = F.to_turns(view, use)
    rec.prompt, rec.response = F.split_prompt_response(rec.turns)
    if not rec.errors:
        errs, warns = F.semantic_checks(view, use, rec.turns, line, line)
        rec.errors.extend(errs)
        rec.warnings.extend(warns)
    if mapping and (rec.errors or rec.warnings):
        rec.errors[:] = [_source_path(p, mapping) for p in rec.errors]
        rec.warnings[:] = [_source_path(p, mapping) for p in rec.warnings]
    return rec
