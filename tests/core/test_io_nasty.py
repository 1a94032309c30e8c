"""A corpus of nasty files, built in tmp_path: every reading case of issue 2 §2.

Each bad line must be reported with its exact line, code and a plain-language
message, and every other line must still load. The source file must come out
byte-for-byte and mtime unchanged.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from curator.core.dataset import load_dataset
from curator.core.io import MAX_DEPTH, MAX_RECORD_BYTES, FileReadError, read_file

GOOD = {"messages": [{"role": "user", "content": "Where is my order?"},
                     {"role": "assistant", "content": "It ships tomorrow."}]}


def good(i: int) -> bytes:
    rec = json.loads(json.dumps(GOOD))
    rec["messages"][0]["content"] = f"Where is order {i}?"
    return json.dumps(rec).encode()


# (physical line, code, words the message must contain) — the line content is in NASTY below
NASTY: list[tuple[bytes, str | None, tuple[str, ...]]] = [
    (good(1), None, ()),
    (b'{"messages": [{"role": "user", "content": "caf\xe9"}, {"role": "assistant", "content": "x"}]}',
     "invalid_utf8", ("not valid UTF-8", "0xe9", "column 47")),
    (b'{"messages": [], "score": NaN}', "nan", ("NaN", "not a JSON number")),
    (b'{"messages": [], "score": Infinity}', "nan", ("Infinity",)),
    (b'{"messages": [], "score": -Infinity}', "nan", ("-Infinity",)),
    (b'{"messages": [{"role": "user", "content": "a"}], "messages": []}', "duplicate_key",
     ('"messages" appears twice',)),
    (b'{"messages": [{"role": "user", "role": "assistant", "content": "a"}]}', "duplicate_key",
     ('"role" appears twice',)),
    (b'{"messages": [{"role": "user", "content": "\\ud800 x"}, {"role": "assistant", "content": "y"}]}',
     "lone_surrogate", ("lone surrogate", "\\ud800", "column 44")),
    (b'{"messages": [{"role": "user", "content": "x \\udc00"}, {"role": "assistant", "content": "y"}]}',
     "lone_surrogate", ("\\udc00",)),
    (b'{"a": ' + b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5) + b"}", "too_deep", (f"{MAX_DEPTH} levels",)),
    (b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}", "too_deep", ("deeper than",)),
    (good(2) + b" " + good(3), "invalid_json",
     ("more than one JSON value", f"starts at column {len(good(2)) + 2}", "one object per line")),
    (good(4) + good(5), "invalid_json", ("more than one JSON value",)),
    (b"42", "not_object", ("expected a JSON object", "a number")),
    (b"[1, 2]", "not_object", ("an array",)),
    (b'"just text"', "not_object", ("a string",)),
    (b"null", "not_object", ("null",)),
    (b'{"messages": [{"role": "user", "content": "a"},, {"role": "assistant", "content": "b"}]}',
     "invalid_json", ("not valid JSON — unexpected ','", "column 48")),
    (b'{"messages": [{"role": "user" "content": "a"}]}', "invalid_json",
     ("not valid JSON — expected ',' between items but found '\"' at column 31",)),
    (b'{"x": 1e400, "messages": []}', "number_too_large", ("1e400", "too large")),
    (good(6), None, ()),
    # JSON inside a string (tool arguments) is not a duplicate key; an escaped backslash at a key's end neither
    (b'{"messages": [{"role": "user", "content": "{\\"a\\": 1, \\"a\\": 2}"}, '
     b'{"role": "assistant", "content": "ok"}], "k\\\\": "v", "k": "\\\\"}', None, ()),
    # a real duplicate hidden among escaped quotes still is one
    (b'{"messages": [{"role": "user", "content": "\\": \\":"}, {"role": "assistant", "content": "ok"}], '
     b'"id": 1, "id": 2}', "duplicate_key", ('"id" appears twice',)),
    (b'{"messages": [{"role": "user", "content": "a", "content": "b"}]}', "duplicate_key", ('"content"',)),
]


def write_corpus(path: Path, *, crlf: bool = False, bom: bool = False, blanks: bool = True,
                 truncated_tail: bool = True) -> dict[int, tuple[str | None, tuple[str, ...]]]:
    """Write NASTY with blank lines between some records; return {line: (code, words)}."""
    expected: dict[int, tuple[str | None, tuple[str, ...]]] = {}
    out: list[bytes] = []
    for i, (data, code, words) in enumerate(NASTY):
        if blanks and i % 4 == 1:
            out.append(b"")            # blank line: skipped, but counted
            out.append(b"   \t ")      # whitespace-only: skipped too
        out.append(data)
        expected[len(out)] = (code, words)
    if truncated_tail:
        out.append(b'{"messages": [{"role": "user", "content": "cut off mid')
        expected[len(out)] = ("truncated", ("last line is cut off", "never closed"))
    eol = b"\r\n" if crlf else b"\n"
    blob = eol.join(out) + (b"" if truncated_tail else eol)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + blob)
    return expected


def check(ds, expected) -> None:
    got = {r.line: r for r in ds.records}
    assert sorted(got) == sorted(expected), "blank lines must be skipped without shifting line numbers"
    for line, (code, words) in expected.items():
        rec = got[line]
        if code is None:
            assert rec.valid, (line, [p.message for p in rec.errors])
            assert rec.parsed and rec.turns and rec.response, line
            continue
        assert [p.code for p in rec.errors][:1] == [code], (line, [(p.code, p.message) for p in rec.errors])
        msg = rec.errors[0].message
        for w in words:
            assert w in msg, (line, w, msg)
        assert rec.errors[0].describe().startswith(f"line {line}: ")


@pytest.mark.parametrize("crlf,bom", [(False, False), (True, False), (False, True), (True, True)],
                         ids=["lf", "crlf", "bom", "bom+crlf"])
def test_every_bad_line_reported_and_rest_loads(tmp_path, crlf, bom):
    path = tmp_path / "nasty.jsonl"
    expected = write_corpus(path, crlf=crlf, bom=bom)
    ds = load_dataset(path)
    check(ds, expected)
    assert ds.format == "openai" and ds.container == "jsonl" and not ds.gzip
    valid = [line for line, (code, _) in expected.items() if code is None]
    assert [r.line for r in ds.records if r.valid] == valid


def test_message_reads_like_the_issue_example(tmp_path):
    path = tmp_path / "x.jsonl"
    lines = [good(i) for i in range(811)] + [
        b'{"messages": [{"role": "user", "content": "a"},, {"role": "assistant", "content": "b"}]}']
    path.write_bytes(b"\n".join(lines) + b"\n")
    ds = load_dataset(path)
    (p,) = ds.errors
    assert p.describe() == "line 812: not valid JSON — unexpected ',' at column 48"


def test_source_file_unchanged_after_loading(tmp_path):
    path = tmp_path / "nasty.jsonl"
    write_corpus(path)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_mode)
    ds = load_dataset(path)
    assert ds.sha256 and ds.size == len(before[0])
    assert (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_mode) == before


def test_source_can_be_read_only(tmp_path):
    path = tmp_path / "ro.jsonl"
    path.write_bytes(good(1) + b"\n")
    path.chmod(0o444)
    try:
        assert load_dataset(path).valid_count == 1
    finally:
        path.chmod(0o644)


def test_big_integers_keep_their_exact_value(tmp_path):
    path = tmp_path / "ints.jsonl"
    rec = dict(GOOD)
    rows = [
        {**rec, "id": 2**53 + 1},
        {**rec, "id": 2**63 + 7, "neg": -(2**63) - 1},
        {**rec, "id": 2**64 + 1, "nested": {"ids": [2**70 + 3, 1.5]}},
        {**rec, "id": 123456789012345678901234567890123},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    ds = load_dataset(path)
    assert ds.invalid_count == 0
    assert ds.by_line(1).data["id"] == 9007199254740993
    assert ds.by_line(2).data["id"] == 9223372036854775815 and ds.by_line(2).data["neg"] == -9223372036854775809
    assert ds.by_line(3).data["id"] == 18446744073709551617
    assert ds.by_line(3).data["nested"]["ids"] == [1180591620717411303427, 1.5]
    assert ds.by_line(4).data["id"] == 123456789012345678901234567890123
    assert all(type(ds.by_line(n).data["id"]) is int for n in range(1, 5))


def test_fifty_megabyte_line_is_reported_not_loaded(tmp_path):
    path = tmp_path / "huge.jsonl"
    big = b'{"text": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    path.write_bytes(good(1) + b"\n" + big + b"\n" + good(3) + b"\n")
    ds = load_dataset(path)
    assert [r.line for r in ds.records] == [1, 2, 3]
    bad = ds.by_line(2)
    assert [p.code for p in bad.errors] == ["too_large"]
    assert "50.0 MiB (52,428,812 bytes)" in bad.errors[0].message
    assert f"{MAX_RECORD_BYTES // 2**20} MiB ({MAX_RECORD_BYTES:,} bytes)" in bad.errors[0].message
    assert ds.by_line(1).valid and ds.by_line(3).valid


def test_gzip_detected_by_magic_bytes_even_when_misnamed(tmp_path):
    blob = (good(1) + b"\n\n" + b'{"messages": [{"role": "user", "content": "hi"}]}' + b"\n")
    for name in ("data.jsonl.gz", "misnamed.jsonl", "no_extension"):
        path = tmp_path / name
        path.write_bytes(gzip.compress(blob))
        ds = load_dataset(path)
        assert ds.gzip and ds.container == "jsonl"
        assert [r.line for r in ds.records] == [1, 3]
        assert [p.code for p in ds.by_line(3).errors] == ["example_missing_assistant_message"]
    plain = tmp_path / "plain.jsonl.gz"  # named .gz but not compressed: read as it is
    plain.write_bytes(blob)
    assert not load_dataset(plain).gzip


def test_gzip_of_json_array(tmp_path):
    path = tmp_path / "arr.json.gz"
    path.write_bytes(gzip.compress(b'[{"instruction": "a", "output": "b"},\n {"instruction": "c", "output": ""}]'))
    ds = load_dataset(path)
    assert ds.gzip and ds.container == "json" and ds.format == "alpaca"
    assert [(p.line, p.start_line, p.code) for p in ds.errors] == [(2, 2, "empty_output")]


ARRAY = b"""[
  {"instruction": "Summarise the note.", "input": "Pt has a cough.", "output": "Cough."},
  {
    "instruction": "List the drugs.",
    "output": ""
  },

  {"instruction": "d", "output": "e", "output": "f"},
  42,
  {"instruction": "g",
   "output": NaN},
  {"instruction": "h", "input": "\\ud800", "output": "i"},
  {"instruction": "Last one", "output": "fine"}
]
"""


def test_json_array_names_element_index_and_start_line(tmp_path):
    path = tmp_path / "alpaca.json"
    path.write_bytes(ARRAY)
    ds = load_dataset(path)
    assert ds.container == "json" and ds.format == "alpaca"
    assert [(r.line, r.start_line) for r in ds.records] == [(1, 2), (2, 3), (3, 8), (4, 9), (5, 10), (6, 12), (7, 13)]
    got = {(p.line, p.start_line, p.code) for p in ds.errors}
    assert got == {(2, 3, "empty_output"), (3, 8, "duplicate_key"), (4, 9, "not_object"), (5, 10, "nan"),
                   (6, 12, "lone_surrogate")}
    assert ds.by_line(2).errors[0].describe("json") == "record 2 (line 3): the output is empty at $.output"
    assert ds.by_line(5).errors[0].describe("json").startswith("record 5 (line 10): not valid JSON — NaN")
    assert ds.by_line(1).valid and ds.by_line(7).valid
    assert ds.by_line(1).prompt == "Summarise the note.\nPt has a cough." and ds.by_line(1).response == "Cough."


@pytest.mark.parametrize("content,words", [
    (b'[\n {"a": 1},\n {"b": 2,\n', ("cut off", "element 2", "line 3")),
    (b'[\n {"a": 1}\n {"b": 2}]\n', ("line 3", "column 2", "expected ',' or ']'")),
    (b'[\n {"a": 1},\n {"b": 2,, "c": 3}]\n', ("line 3", "element 2", "not valid JSON")),
    (b'[\n {"a": 1}\n] trailing', ("after the closing ']'",)),
    (b'[\n {"a": 1},\n "caf\xe9"]\n', ("UTF-8", "line 3")),
], ids=["cut", "missing-comma", "bad-element", "trailing", "utf8"])
def test_broken_json_array_is_a_file_error(tmp_path, content, words):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(FileReadError) as exc:
        load_dataset(path)
    msg = str(exc.value)
    assert msg.startswith(str(path))
    for w in words:
        assert w in msg, (w, msg)


@pytest.mark.parametrize("make,words", [
    (lambda p: None, ("no such file",)),
    (lambda p: p.write_bytes(b""), ("empty",)),
    (lambda p: p.write_bytes(b"\n \n\r\n"), ("only blank lines",)),
    (lambda p: p.mkdir(), ("folder",)),
    (lambda p: p.write_bytes(b"hello world\nthis is a text file\n"), ("not a JSON or JSONL file",)),
    (lambda p: p.write_bytes(b"\x1f\x8b\x08 this is not gzip"), ("gzip",)),
    (lambda p: p.write_bytes(b"\xff\xfe\x00\x00binary\x00junk\n\x00\x01"), ("not a JSON or JSONL file",)),
], ids=["missing", "empty", "blank", "folder", "text", "bad-gzip", "binary"])
def test_unreadable_files_raise_with_the_file_named(tmp_path, make, words):
    path = tmp_path / "input.jsonl"
    make(path)
    with pytest.raises(FileReadError) as exc:
        read_file(path)
    assert str(path) in str(exc.value)
    for w in words:
        assert w in str(exc.value)


def test_jsonl_whose_first_record_is_an_array_is_still_jsonl(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"[1, 2]\n" + good(2) + b"\n")
    ds = load_dataset(path)
    assert ds.container == "jsonl"
    assert [p.code for p in ds.by_line(1).errors] == ["not_object"] and ds.by_line(2).valid


def test_progress_and_cancel(tmp_path):
    from curator.core.progress import Cancelled, CancelFlag

    path = tmp_path / "many.jsonl"
    path.write_bytes(b"\n".join(good(i) for i in range(30_000)) + b"\n")
    seen = []

    class Sink:
        def update(self, *, done, total=None, label=""):
            seen.append((done, total, label))

    assert load_dataset(path, progress=Sink()).valid_count == 30_000
    assert seen and seen[-1][0] == seen[-1][1]
    # the file has 30,000 lines, not 30,001 (the empty piece after the final newline)
    assert {t for _, t, label in seen if label == "Reading lines"} == {30_000}
    flag = CancelFlag()
    flag.set()
    with pytest.raises(Cancelled):
        load_dataset(path, cancel=flag)


def test_random_byte_damage_never_crashes(tmp_path):
    """1,000 randomly damaged files: each loads (every non-blank line accounted for) or is a file error."""
    import random

    rng = random.Random(20261130)
    lines = [json.dumps({"messages": [{"role": "user", "content": f"q{i} é ☃ \\\" :"},
                                      {"role": "assistant", "content": "a", "weight": 1}],
                         "id": 2**65 + i, "x": [1.5, {"k": None}]}, ensure_ascii=i % 2 == 0).encode()
             for i in range(8)]
    sources = [b"\n".join(lines) + b"\n", b"[\n" + b",\n".join(lines) + b"\n]\n"]
    alphabet = b'{}[]":,\\ \n\r\t0123456789eE.-+truefalsnNaIifyu\xff\xfe\xc3\xa9\xed\xa0\x80'
    path = tmp_path / "damaged"
    outcomes = {"loaded": 0, "file_error": 0, "bad_lines": 0}
    for n in range(1000):
        src = bytearray(sources[n % 2])
        for _ in range(rng.randint(1, 6)):
            i = rng.randrange(len(src))
            op = rng.random()
            if op < 0.4:
                src[i] = rng.choice(alphabet)
            elif op < 0.7:
                src.insert(i, rng.choice(alphabet))
            else:
                del src[i]
        path.write_bytes(bytes(src))
        try:
            ds = load_dataset(path)
        except FileReadError as exc:
            assert str(exc).startswith(str(path))
            outcomes["file_error"] += 1
            continue
        outcomes["loaded"] += 1
        outcomes["bad_lines"] += sum(1 for r in ds.records if not r.parsed)
        if ds.container == "jsonl":
            blob = bytes(src).removeprefix(b"\xef\xbb\xbf")
            nonblank = [k + 1 for k, line in enumerate(blob.split(b"\n")) if not line.isspace() and line]
            assert [r.line for r in ds.records] == nonblank
        for r in ds.records:
            assert r.valid == (not r.errors) and all(p.message for p in r.errors)
    assert min(outcomes.values()) > 20, outcomes  # the damage produced every kind of outcome


def test_json_array_element_too_deep_for_the_parser_is_one_bad_record(tmp_path):
    path = tmp_path / "deep.json"
    deep = '{"x": ' + "[" * 5000 + '"]}["' + "]" * 5000 + "}"  # brackets inside a string do not count
    path.write_text('[\n {"text": "a"},\n ' + deep + ',\n {"text": "b"}\n]\n')
    ds = load_dataset(path)
    assert [(r.line, r.start_line, [p.code for p in r.errors]) for r in ds.records] == [
        (1, 2, []), (2, 3, ["too_deep"]), (3, 4, [])]
    unclosed = tmp_path / "deep_unclosed.json"
    unclosed.write_text('[\n {"text": "a"},\n {"x": ' + "[" * 5000 + "\n")
    with pytest.raises(FileReadError, match="element 2 .*line 3"):
        load_dataset(unclosed)


def test_duplicate_key_detection_is_exact_on_tricky_text(tmp_path):
    """The fast colon count must never miss a duplicate, whatever the keys and strings hold."""
    import random

    rng = random.Random(11)
    pieces = ["a", ":", '"', "\\", '\\":', '":', " : ", "é", "{", "}", "[", "]", ",", "\\\\", "k"]

    def word() -> str:
        return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))

    def obj(depth: int) -> dict:
        out: dict = {}
        for _ in range(rng.randint(1, 4)):
            r = rng.random()
            out[word()] = (obj(depth + 1) if r < 0.25 and depth < 3 else
                           [word(), obj(depth + 1)] if r < 0.4 and depth < 3 else word())
        return out

    def dump(value, seps) -> str:
        """Serialise with the given separators (the duplicate is spliced in by the caller)."""
        return json.dumps(value, ensure_ascii=rng.random() < 0.5, separators=seps)

    lines, expect = [], []
    for i in range(1500):
        value = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
                 "meta": obj(0)}
        seps = rng.choice([(",", ":"), (", ", ": "), (" , ", " : "), (",", " :\t")])
        text = dump(value, seps)
        dup = rng.random() < 0.3
        if dup:
            key = rng.choice(list(value["meta"]))
            text = text.replace('"meta"' + seps[1] + "{", '"meta"' + seps[1] + "{" + json.dumps(key) + seps[1]
                                + json.dumps(word()) + seps[0], 1)
        lines.append(text.encode())
        expect.append("duplicate_key" if dup else None)
    path = tmp_path / "dups.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    ds = load_dataset(path)
    got = [r.errors[0].code if r.errors else None for r in ds.records]
    assert got == expect
    assert 300 < expect.count("duplicate_key") < 600


def test_json_array_big_integers_exact(tmp_path):
    path = tmp_path / "ints.json"
    path.write_text('[{"text": "a", "id": 1180591620717411303427},\n {"text": "b", "id": -9223372036854775809, "f": 0.5}]')
    ds = load_dataset(path)
    assert [r.data["id"] for r in ds.records] == [2**70 + 3, -(2**63) - 1]
    assert ds.by_line(2).data["f"] == 0.5 and ds.invalid_count == 0


def test_a_csv_file_gets_a_conversion_command_that_works(tmp_path):
    """A team lead tried a CSV (the README benchmarks one) and got only "not a JSON or JSONL file".
    The error now says it looks like CSV and gives a command that converts it; the command's
    output loads with the --field it names."""
    import shlex
    import subprocess
    import sys

    src = tmp_path / "support.csv"
    src.write_text('instruction,response\n"Where is my order, please?","It ships in 3 days."\n'
                   'Cancel my plan,"Done, it is cancelled."\n', encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "curator", "validate", str(src)], capture_output=True, text=True)
    assert r.returncode == 2 and "It looks like a CSV file (columns: instruction, response)" in r.stderr, r.stderr
    assert "then open it with --field output=response" in r.stderr
    cmd = r.stderr.split("Convert it first, one record per row: ", 1)[1].split(", then open it", 1)[0].strip()
    argv = shlex.split(cmd)
    assert argv[0] == "python"
    subprocess.run([sys.executable, *argv[1:]], cwd=tmp_path, check=True, timeout=120)
    out = subprocess.run([sys.executable, "-m", "curator", "validate", str(tmp_path / "support.jsonl"),
                          "--field", "output=response", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    import json

    assert json.loads(out.stdout)["valid"] == 2


@pytest.mark.parametrize("name, content, said", [
    ("program.jsonl", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, "binary data, not text (a zero byte at byte 8)"),
    ("zeros.json", bytes(100), "binary data, not text (a zero byte at byte 1)"),
    ("random.json", bytes((i * 7919 + 13) % 251 + 1 for i in range(3000)), "binary data, not text (control bytes)"),
    ("utf16.jsonl", '{"instruction": "a", "output": "b"}\n'.encode("utf-16"), "it is UTF-16 text"),
    ("utf16le.jsonl", '{"instruction": "a", "output": "b"}\n'.encode("utf-16-le"), "it is UTF-16 text"),
])
def test_a_file_that_is_not_text_says_so_without_echoing_its_bytes(tmp_path, name, content, said):
    """A trial: a binary file was reported as "a CSV file (columns: ␛*,W-…)", control bytes echoed
    to the terminal, with a pandas command to convert it."""
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(FileReadError) as err:
        read_file(p)
    msg = str(err.value)
    assert msg.startswith(f"{p}: not a JSON or JSONL file: ") and said in msg, msg
    assert "CSV" not in msg and "TSV" not in msg and msg.isprintable(), msg


def test_a_wrapper_object_on_one_line_gets_the_same_advice_as_a_pretty_printed_one(tmp_path):
    """A trial: {"data": [records]} on one line was read as one record of format "unknown" (exit 1),
    while the same object pretty-printed got the jq advice."""
    wrapped = {"data": [{"instruction": "a", "input": "", "output": "b"}, {"instruction": "c", "output": "d"}]}
    for name, text in (("one_line.json", json.dumps(wrapped)), ("pretty.json", json.dumps(wrapped, indent=2))):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        with pytest.raises(FileReadError, match=r"under the key \"data\" \(2 items\) — extract them, e.g. with "
                                                r"jq -c '\.data\[\]'"):
            load_dataset(p)
    # one record whose turns sit under a custom key is still a record
    p = tmp_path / "dialog.jsonl"
    p.write_text(json.dumps({"dialog": [{"speaker": "user", "text": "hi"}, {"speaker": "bot", "text": "hello"}]}) + "\n")
    assert len(load_dataset(p).records) == 1
    # ... and so is one read with a field mapping whose lists hold record-like items (a review
    # finding: tool calls with an "output", few-shot "examples" with prompt/completion were refused)
    for rec in ({"query": "q", "answer": "a", "tool_calls": [{"name": "f", "arguments": "{}", "output": "1"}]},
                {"query": "q", "answer": "a", "examples": [{"prompt": "p", "completion": "c"}]}):
        p.write_text(json.dumps(rec) + "\n")
        ds = load_dataset(p, mapping={"instruction": "query", "output": "answer"})
        assert len(ds.records) == 1 and ds.records[0].format == "alpaca" and ds.records[0].valid


@pytest.mark.parametrize("content, said", [
    ("{'instruction': 'a', 'input': '', 'output': 'b', 'ok': True}\n" * 2,
     "The lines are Python dicts (single quotes, True/None), not JSON: write them with json.dumps("),
    (('{"instruction": "Qu\'est-ce qu\'une clause résolutoire ?", "output": "Elle met fin au contrat."}\n' * 2
      ).encode("cp1252"),
     "The text is not UTF-8 but reads as Windows-1252 (Latin-1); convert it first: iconv -f WINDOWS-1252 -t UTF-8"),
    ('{"a": 1,}\n{"b": 2,}\n', "expected a key in double quotes but found '}' at column 9)"),
])
def test_json_looking_lines_that_do_not_parse_get_their_cause_not_csv_advice(tmp_path, content, said):
    """A trial: Python dicts written with str(), and JSON saved as Windows-1252, were both called
    "a CSV file" with a pandas command to convert them."""
    p = tmp_path / "records.jsonl"
    if isinstance(content, str):
        p.write_text(content, encoding="utf-8")
    else:
        p.write_bytes(content)
    with pytest.raises(FileReadError) as err:
        read_file(p)
    msg = str(err.value)
    assert said in msg and "CSV" not in msg and "pandas" not in msg, msg
