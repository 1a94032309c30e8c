"""JSON Schemas (draft 2020-12) for each format, and record validation."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from .records import Problem


def resources_dir() -> Path:
    """The folder holding schemas/icons/styles (packaged copy first, then the source tree)."""
    here = Path(__file__).resolve().parent.parent
    for cand in (here / "resources", here.parent / "resources"):
        if cand.is_dir():
            return cand
    raise FileNotFoundError("Curator's resources folder is missing; reinstall Curator")


def schema_path(fmt: str) -> Path:
    return resources_dir() / "schemas" / f"{fmt}.schema.json"


class SchemaFileError(Exception):
    """A user-supplied schema cannot be used."""


@lru_cache(maxsize=16)
def builtin_validator(fmt: str) -> Draft202012Validator:
    schema = json.loads(schema_path(fmt).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def load_user_validator(path: str | Path) -> Draft202012Validator:
    p = Path(path)
    try:
        schema = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SchemaFileError(f"{p}: cannot read the schema ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise SchemaFileError(f"{p}: the schema is not valid JSON ({exc})") from exc
    cls = Draft202012Validator
    try:
        from jsonschema.validators import validator_for

        cls = validator_for(schema, default=Draft202012Validator)
        cls.check_schema(schema)
    except SchemaError as exc:
        raise SchemaFileError(f"{p}: not a valid JSON Schema ({exc.message})") from exc
    return cls(schema)


def json_path(parts) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def _plain(err) -> str:
    """A schema violation in words a non-programmer can follow."""
    v = err.validator
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return f'the field "{missing}" is missing'
    if v == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        return f"expected {want}, found {_kind(err.instance)}"
    if v == "additionalProperties":
        return err.message.replace("Additional properties are not allowed", "unexpected field(s)")
    if v == "enum":
        allowed = ", ".join(json.dumps(x) for x in err.validator_value)
        return f"{json.dumps(err.instance)[:60]} is not allowed here; expected one of {allowed}"
    if v == "const":
        return f"expected {json.dumps(err.validator_value)}, found {json.dumps(err.instance)[:60]}"
    if v == "minItems":
        return f"the list needs at least {err.validator_value} item(s)"
    if v == "anyOf" or v == "oneOf":
        return f"{_kind(err.instance)} does not fit any of the allowed shapes"
    return err.message


def _kind(x: object) -> str:
    if isinstance(x, bool):
        return "true/false"
    if isinstance(x, dict):
        return "an object"
    if isinstance(x, list):
        return "a list"
    if isinstance(x, str):
        return "a string"
    if x is None:
        return "null"
    return "a number"


def validate(validator: Draft202012Validator, obj: object, line: int, start_line: int) -> list[Problem]:
    """Every schema violation of ``obj`` as a :class:`Problem` with its JSON path."""
    if validator.is_valid(obj):  # fast path: most records are valid
        return []
    out = []
    for err in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path))):
        out.append(Problem(line, "schema", _plain(err), json_path(err.absolute_path), "error", start_line))
    return out
