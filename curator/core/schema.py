"""JSON Schemas (draft 2020-12) for each format, and record validation."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable as _Unresolvable

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
    """A validator for the user's own JSON Schema file (``--schema``).

    Raises :class:`SchemaFileError`, naming the file and what is wrong with it,
    when the file is missing, not JSON, or not a valid JSON Schema.
    """
    p = Path(path)
    if p.is_dir():
        raise SchemaFileError(f"{p}: the schema is a folder, not a file")
    try:
        text = p.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SchemaFileError(f"{p}: cannot read the schema file ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise SchemaFileError(f"{p}: the schema file is not UTF-8 text") from exc
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaFileError(f"{p}: the schema file is not valid JSON (line {exc.lineno}, "
                              f"column {exc.colno}: {exc.msg[:1].lower() + exc.msg[1:]})") from exc
    if not isinstance(schema, (dict, bool)):
        raise SchemaFileError(f"{p}: a JSON Schema must be a JSON object {{...}}, not {_kind(schema)}")
    from jsonschema.validators import validator_for

    cls = validator_for(schema, default=Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        where = json_path(exc.absolute_path) if exc.absolute_path else "the top level"
        raise SchemaFileError(f"{p}: not a valid JSON Schema — at {where}: {exc.message}") from exc
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
    if v == "additionalProperties" and isinstance(err.instance, dict):
        known = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
        extra = [k for k in err.instance if k not in known]
        names = ", ".join(json.dumps(k, ensure_ascii=False) for k in extra)
        allowed = ", ".join(known)
        return (f"unexpected field{'s' if len(extra) > 1 else ''} {names}"
                + (f"; allowed here: {allowed}" if allowed else ""))
    if v == "enum":
        allowed = ", ".join(json.dumps(x) for x in err.validator_value)
        field = err.path[-1] if err.path and isinstance(err.path[-1], str) else "the value"
        return f"{field} {json.dumps(err.instance, default=str)[:60]} is not allowed; expected one of {allowed}"
    if v == "const":
        return f"expected {json.dumps(err.validator_value)}, found {json.dumps(err.instance)[:60]}"
    if v == "minItems":
        return f"the list needs at least {err.validator_value} item(s)"
    if v == "anyOf" or v == "oneOf":
        kinds = [b.get("type") for b in err.validator_value if isinstance(b, dict)]
        if kinds and all(isinstance(k, str) for k in kinds):
            names = {"string": "text", "null": "null", "array": "a list", "object": "an object",
                     "integer": "a whole number", "number": "a number", "boolean": "true/false"}
            want = [names.get(k, k) for k in kinds]
            want_text = ", ".join(want[:-1]) + " or " + want[-1] if len(want) > 1 else want[0]
            return f"expected {want_text}, found {_kind(err.instance)}"
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
    pred = fast_predicate(validator)
    if pred is not None:
        if pred(obj):  # compiled fast path, equal to validator.is_valid(obj)
            return []
    else:
        try:
            if validator.is_valid(obj):
                return []
        except _Unresolvable as exc:
            raise SchemaFileError(f"the schema refers to something that cannot be found offline ({exc})") from exc
    out = []
    try:
        errors = sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    except _Unresolvable as exc:  # e.g. a $ref to a URL: we never fetch from the network
        raise SchemaFileError(f"the schema refers to something that cannot be found offline ({exc})") from exc
    for err in errors:
        out.append(Problem(line, "schema", _plain(err), json_path(err.absolute_path), "error", start_line))
    return out


# ---------------------------------------------------------------- compiled fast path
#
# jsonschema walks a schema with a fresh validator object per keyword and level, which
# costs ~0.5 ms for a five-message chat record: 50 s on 100,000 records. Almost every
# record is valid, so we answer "is it valid?" with a plain-Python predicate compiled
# from the schema, and only when it says no do we ask jsonschema (which then reports
# every error with its path). The compiler knows a closed set of draft 2020-12
# keywords — everything Curator's built-in schemas use and most simple user schemas —
# and implements each exactly as jsonschema does (bool is not a number; 1.0 equals 1;
# keywords only apply to instances of their type). A schema using anything else is not
# compiled and jsonschema handles every record. tests/core/test_validate_schema.py
# checks predicate == ``validator.is_valid`` on real files and thousands of mutants.

_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "definitions", "title", "description",
                          "default", "examples", "deprecated", "readOnly", "writeOnly", "format",
                          "contentMediaType", "contentEncoding", "contentSchema"})
_COMPILED_KEYWORDS = frozenset({"type", "properties", "required", "additionalProperties", "items",
                                "prefixItems", "minItems", "maxItems", "minLength", "maxLength",
                                "enum", "const", "anyOf", "allOf", "oneOf", "not", "$ref"})


class _CannotCompile(Exception):
    pass


_DRAFT_2020_12 = ("https://json-schema.org/draft/2020-12/schema", "https://json-schema.org/draft/2020-12/schema#")
_SIMPLE = frozenset({"type", "enum", "const", "minLength", "maxLength"}) | _ANNOTATIONS
_TYPE_EXPR = {
    "string": "type(v) is str",
    "object": "type(v) is dict",
    "array": "type(v) is list",
    "null": "v is None",
    "boolean": "type(v) is bool",
    # bool is not a number; 1.0 is an integer (jsonschema's draft 2020-12 type checker)
    "integer": "(type(v) is int or (type(v) is float and v.is_integer()))",
    "number": "(type(v) is int or type(v) is float)",
}
_SCALAR_TYPES = frozenset({str, int, float, type(None)})


def _enum_any(values: tuple, x: object) -> bool:
    from jsonschema._utils import equal  # the exact equality jsonschema's enum/const use

    return any(equal(v, x) for v in values)


def _is_int(x: object) -> bool:
    return type(x) is int or (type(x) is float and x.is_integer())  # type: ignore[union-attr]


class _Generator:
    """Writes one Python function per schema node (simple nodes are inlined as expressions)."""

    def __init__(self, root: object) -> None:
        self.root = root
        self.src: list[str] = []
        self.env: dict[str, object] = {"_enum_any": _enum_any, "_SCALAR": _SCALAR_TYPES, "_M": object()}
        self.names: dict[int, str] = {}
        self.keep: list[object] = []  # keeps nodes alive so id() stays unique

    def const(self, value: object) -> str:
        name = f"C{len(self.env)}"
        self.env[name] = value
        return name

    def check_keys(self, schema: dict, top: bool) -> None:
        for key in schema:
            if key not in _COMPILED_KEYWORDS and key not in _ANNOTATIONS:
                raise _CannotCompile(key)
        if "$id" in schema and not top:
            raise _CannotCompile("$id")  # would change the base URI of nested $refs
        if "$schema" in schema and schema["$schema"] not in _DRAFT_2020_12:
            raise _CannotCompile("$schema")

    def expr(self, schema: object) -> str:
        """A boolean expression testing ``v`` against ``schema``."""
        if schema is True:
            return "True"
        if schema is False:
            return "False"
        if not isinstance(schema, dict):
            raise _CannotCompile("schema")
        self.check_keys(schema, False)
        if set(schema) <= _SIMPLE:
            parts = self.simple_parts(schema)
            return " and ".join(f"({p})" for p in parts) if parts else "True"
        if set(schema) - _ANNOTATIONS == {"$ref"}:
            return f"{self.ref(schema['$ref'])}(v)"
        return f"{self.function(schema)}(v)"

    def simple_parts(self, schema: dict) -> list[str]:
        parts = []
        if "type" in schema:
            t = schema["type"]
            names = [t] if isinstance(t, str) else t
            if not isinstance(names, list) or not names or any(n not in _TYPE_EXPR for n in names):
                raise _CannotCompile("type")
            parts.append(" or ".join(_TYPE_EXPR[n] for n in names))
        for key in ("enum", "const"):
            if key in schema:
                values = schema[key] if key == "enum" else [schema[key]]
                if not isinstance(values, list):
                    raise _CannotCompile(key)
                if all(type(x) in _SCALAR_TYPES for x in values):
                    # a list, object or true/false never equals a string, number or null
                    parts.append(f"type(v) in _SCALAR and v in {self.const(frozenset(values))}")
                else:
                    parts.append(f"_enum_any({self.const(tuple(values))}, v)")
        if "minLength" in schema or "maxLength" in schema:
            lo, hi = schema.get("minLength", 0), schema.get("maxLength")
            if not _is_int(lo) or (hi is not None and not _is_int(hi)):
                raise _CannotCompile("length")
            cond = f"{int(lo)} <= len(v)" + (f" <= {int(hi)}" if hi is not None else "")
            parts.append(f"type(v) is not str or {cond}")
        return parts

    def function(self, schema: dict, top: bool = False) -> str:
        key = id(schema)
        if key in self.names:
            return self.names[key]
        name = f"f{len(self.names)}"
        self.names[key] = name
        self.keep.append(schema)
        self.check_keys(schema, top)
        body: list[str] = []
        add = body.append
        add("    v = x")
        for part in self.simple_parts(schema):
            add(f"    if not ({part}): return False")
        t = schema.get("type")
        self.object_part(schema, add, guarded=t == "object")
        self.array_part(schema, add, guarded=t == "array")
        if any(k in schema for k in ("anyOf", "allOf", "oneOf", "not")):
            add("    v = x")  # the loops above rebound v
        for kw, joiner in (("anyOf", " or "), ("allOf", " and ")):
            if kw in schema:
                subs = schema[kw]
                if not isinstance(subs, list) or not subs:
                    raise _CannotCompile(kw)
                add(f"    if not ({joiner.join(f'({self.expr(s)})' for s in subs)}): return False")
        if "oneOf" in schema:
            subs = schema["oneOf"]
            if not isinstance(subs, list) or not subs:
                raise _CannotCompile("oneOf")
            add(f"    if sum(({', '.join(f'bool({self.expr(s)})' for s in subs)},)) != 1: return False")
        if "not" in schema:
            add(f"    if {self.expr(schema['not'])}: return False")
        if "$ref" in schema:
            add(f"    if not {self.ref(schema['$ref'])}(x): return False")
        add("    return True")
        self.src.append(f"def {name}(x):\n" + "\n".join(body) + "\n")
        return name

    def ref(self, ref: object) -> str:
        if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
            raise _CannotCompile("$ref")
        node = self.root
        for part in ref[2:].split("/") if ref != "#" else []:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise _CannotCompile("$ref")
            node = node[part]
        if node is True or node is False:
            return "(lambda x: True)" if node is True else "(lambda x: False)"
        if not isinstance(node, dict):
            raise _CannotCompile("$ref")
        return self.function(node, top=node is self.root)

    def object_part(self, schema: dict, add, guarded: bool) -> None:
        props = schema.get("properties", {})
        required = schema.get("required", [])
        extra = schema.get("additionalProperties", True)
        if not props and not required and extra is True:
            return
        if not isinstance(props, dict) or not isinstance(required, list) or \
                not all(isinstance(r, str) for r in required):
            raise _CannotCompile("properties")
        ind = "    "
        if not guarded:
            add("    if type(x) is dict:")
            ind = "        "
        for r in required:
            add(f"{ind}if {r!r} not in x: return False")
        if extra is True:
            for k, sub in props.items():
                e = self.expr(sub)
                if e != "True":
                    add(f"{ind}v = x.get({k!r}, _M)")
                    add(f"{ind}if v is not _M and not ({e}): return False")
            return
        add(f"{ind}for k, v in x.items():")
        first = True
        for k, sub in props.items():
            add(f"{ind}    {'if' if first else 'elif'} k == {k!r}:")
            add(f"{ind}        if not ({self.expr(sub)}): return False")
            first = False
        e = self.expr(extra)
        if first:
            add(f"{ind}    if not ({e}): return False")
        else:
            add(f"{ind}    elif not ({e}): return False")

    def array_part(self, schema: dict, add, guarded: bool) -> None:
        if not any(k in schema for k in ("items", "prefixItems", "minItems", "maxItems")):
            return
        prefix = schema.get("prefixItems", [])
        lo, hi = schema.get("minItems", 0), schema.get("maxItems")
        if not isinstance(prefix, list) or not _is_int(lo) or (hi is not None and not _is_int(hi)):
            raise _CannotCompile("array")
        ind = "    "
        if not guarded:
            add("    if type(x) is list:")
            ind = "        "
        add(f"{ind}n = len(x)")
        if lo:
            add(f"{ind}if n < {int(lo)}: return False")
        if hi is not None:
            add(f"{ind}if n > {int(hi)}: return False")
        for i, sub in enumerate(prefix):
            e = self.expr(sub)
            if e != "True":
                add(f"{ind}if n > {i}:")
                add(f"{ind}    v = x[{i}]")
                add(f"{ind}    if not ({e}): return False")
        if "items" in schema:
            e = self.expr(schema["items"])
            if e != "True":
                seq = "x" if not prefix else f"x[{len(prefix)}:]"
                add(f"{ind}for v in {seq}:")
                add(f"{ind}    if not ({e}): return False")


def compile_predicate(schema: object):
    """A fast ``instance -> bool`` equal to draft 2020-12 ``is_valid`` for ``schema``,
    or None when the schema uses a keyword the compiler does not know."""
    if schema is True or schema is False:
        return (lambda x: True) if schema is True else (lambda x: False)
    if not isinstance(schema, dict):
        return None
    try:
        gen = _Generator(schema)
        entry = gen.function(schema, top=True)
        code = "\n".join(gen.src)
        env = dict(gen.env)
        exec(compile(code, "<curator compiled schema>", "exec"), env)  # our own generated source
    except (_CannotCompile, RecursionError, TypeError, SyntaxError):
        return None
    fn = env[entry]
    fn.source = code  # type: ignore[attr-defined]  # for tests and debugging
    return fn


_PREDICATES: dict[int, tuple[object, object]] = {}


def fast_predicate(validator):
    """The compiled predicate for a validator (cached), or None when it must use jsonschema."""
    hit = _PREDICATES.get(id(validator))
    if hit is not None and hit[0] is validator:
        return hit[1]
    pred = None
    if type(validator) is Draft202012Validator and getattr(validator, "format_checker", None) is None:
        pred = compile_predicate(validator.schema)
    if len(_PREDICATES) > 64:
        _PREDICATES.clear()
    _PREDICATES[id(validator)] = (validator, pred)
    return pred
