"""Curator's command line: the same engine as the app, for scripts and CI.

``curator`` or ``curator FILE`` opens the desktop app; ``curator SUBCOMMAND``
runs headless. Each subcommand lives in its own module here and exposes
``register(subparsers)``, which adds its parser and sets ``func``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from curator import __version__

# Modules that define subcommands, in the order --help lists them.
SUBCOMMAND_MODULES = [
    "curator.cli.validate",
    "curator.cli.scan",
    "curator.cli.status",
    "curator.cli.review",
    "curator.cli.export",
    "curator.cli.verify",
]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

# whether this run's arguments ask for --json: then a usage error argparse finds (a missing or
# unknown option) is also one JSON object on stdout, like every other error of the command
_json_requested = [False]
_run_argv: list[str] = []        # this run's arguments before any "--", for the error object's keys


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, like argparse, but say where to look
        self.print_usage(sys.stderr)
        if _json_requested[0] and "--json" in self._option_string_actions:
            from curator.cli.common import print_json_error

            # the command's own keys, empty, as its other errors give them (json_empty: see the
            # commands' register(); built from this parser's defaults, the arguments being unusable)
            empty = self._defaults.get("json_empty")
            known = None
            if empty is not None:
                values = {a.dest: a.default for a in self._actions if a.dest != argparse.SUPPRESS}
                # an on/off flag that was given still shapes the keys (status --lines adds "lines")
                values.update({a.dest: True for a in self._actions if isinstance(a, argparse._StoreTrueAction)
                               and set(a.option_strings) & set(_run_argv)})
                known = empty(argparse.Namespace(**values))
            print_json_error(None, f"{self.prog}: {message}", known)
        elif _json_requested[0]:
            # no command to take keys from (``curator --bogus --json``): the error object, with
            # "command": null saying no command ran
            from curator.cli.common import print_json_error

            print_json_error(None, f"{self.prog}: {message}", {"command": None})
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="curator", description="Curate LLM fine-tuning datasets. "
                     "Run without a subcommand (or with just a file) to open the desktop app.")
    parser.add_argument("--version", action="version", version=f"curator {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _before_double_dash(argv: list[str]) -> list[str]:
    """The arguments before a ``--`` (after it, "--json" would be a file name)."""
    return argv[:argv.index("--")] if "--" in argv else argv


def _subparser(parser: argparse.ArgumentParser, command: str | None) -> argparse.ArgumentParser | None:
    """The parser of subcommand ``command``, or None."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices.get(command) if command else None
    return None


def _subcommand_names() -> set[str]:
    return {m.rsplit(".", 1)[1].replace("_", "-") for m in SUBCOMMAND_MODULES}


def _unknown_command(word: str) -> bool:
    """``curator frobnicate x``: a word that is neither a command nor a file (no such path, no file
    extension) is a mistyped command, not a dataset to open in the app."""
    from pathlib import Path

    if any(c in word for c in "/\\:") or Path(word).suffix:
        return False          # a path ("C:data", "~/x", "data.jsonl"), existing or not
    try:
        return not Path(word).exists()
    except OSError:           # a name the system refuses (too long): not a file to open either
        return True


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in _subcommand_names() and argv[0] != "gui" and not argv[0].startswith("-") \
            and _unknown_command(argv[0]):
        import difflib

        names = sorted(_subcommand_names())
        close = difflib.get_close_matches(argv[0], names, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        message = (f"unknown command '{argv[0]}'{hint}; commands: {', '.join(names)}. "
                   "To open a dataset in the app, give its path: curator FILE")
        print(f"curator: {message}", file=sys.stderr)
        if "--json" in _before_double_dash(argv):
            from curator.cli.common import print_json_error

            print_json_error(None, message, {"command": None})   # no command, so no command keys
        return EXIT_USAGE
    if not argv or (argv[0] not in _subcommand_names() and not argv[0].startswith("-")) or argv[0] == "gui":
        from curator.gui.launch import launch

        return launch(argv[1:] if argv and argv[0] == "gui" else argv)
    # SIGTERM is handled from here on, and Ctrl+C ends the same way ("interrupted", 130/143) also
    # while the commands' modules are still being imported (a trial's Ctrl+C 0.1 s after starting
    # got a traceback and exit -2; SIGTERM, -15)
    restore = _terminate_like_interrupt()
    _running_args[0] = None
    try:
        return _command(argv)
    except KeyboardInterrupt as exc:
        return _interrupted(exc, argv, _running_args[0])
    finally:
        restore()


# the parsed arguments of the command running now (None while the commands' modules load and the
# command line is parsed), for what an interrupt prints
_running_args: list[argparse.Namespace | None] = [None]


def _interrupted(exc: KeyboardInterrupt, argv: list[str], args: argparse.Namespace | None) -> int:
    """Ctrl+C or SIGTERM, whenever it came: "interrupted" on stderr, 130 / 143, and with --json the
    command's error object (its own keys, empty; ``"command": null`` before it was known), unless it
    had already started its report: a script reads stdout whatever the exit code."""
    print("interrupted", file=sys.stderr)
    code = EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    if not (getattr(args, "json", False) if args is not None else "--json" in _before_double_dash(argv)):
        return code
    from curator.cli.common import json_printed, print_json_error

    if args is None:
        keys: dict | None = {"command": None}
    elif json_printed():
        return code
    else:
        empty = getattr(args, "json_empty", None)
        keys = empty(args) if empty is not None else None
    try:
        print_json_error(getattr(args, "file", None),
                         "interrupted (SIGTERM)" if code == EXIT_TERMINATED else "interrupted (Ctrl+C)", keys)
        sys.stdout.flush()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    return code


def _command(argv: list[str]) -> int:
    parser = build_parser()
    _run_argv[:] = _before_double_dash(argv)
    _json_requested[0] = "--json" in _run_argv
    args, extra = parser.parse_known_args(argv)
    if extra:
        # an unknown option (``validate FILE --json --bogus``) is the command's usage error, not
        # the top-level parser's: its usage, and with --json its error object with its keys
        chosen = _subparser(parser, getattr(args, "command", None)) or parser
        chosen.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from curator.cli.common import decided, forget_decision

    forget_decision()
    _running_args[0] = args   # (after forget_decision: json_printed() is this run's)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()   # a reader gone away shows here, not as "Exception ignored" at exit
        return code
    except BrokenPipeError:
        # The reader closed the pipe (``curator validate FILE | head``). That must not change the
        # verdict a CI job sees: return the exit code the command decided on before writing, or
        # fail closed when it had not decided yet.
        _stop_writing()
        code = decided()
        return EXIT_USAGE if code is None else code


# Ctrl-C and SIGTERM (what `timeout`, CI runners, docker stop and systemd send) end a command the
# same way: the work in progress cleans up (an export removes what it staged, its DIR as it was),
# "interrupted" on stderr, exit 128 + the signal's number
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, like Ctrl-C's KeyboardInterrupt (so every
    ``except KeyboardInterrupt`` / ``finally`` cleanup runs for it too)."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def _terminate_like_interrupt():
    """Install the SIGTERM handler for a command's run; return what puts the old one back
    (main() also runs in-process, from tests and the app's helpers)."""
    import signal

    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except (ValueError, OSError, AttributeError):   # not the main thread, or no SIGTERM here
        return lambda: None
    return lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _stop_writing() -> None:
    """Point stdout at os.devnull, as the Python docs advise for a closed pipe, so nothing still
    buffered for it can raise again ("Exception ignored ... BrokenPipeError") at exit."""
    import os

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return                      # not a real file (an in-process capture): nothing to redirect
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
