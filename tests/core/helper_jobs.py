"""Module-level jobs for tests/core/test_parallel_scan.py's helper-process tests (a child process
imports them by name; not collected: no test_ prefix)."""

from __future__ import annotations

import os
import time


def answer(x: int, *, times: int = 1, progress=None, cancel=None) -> tuple[int, int]:
    return x * times, os.getpid()


def broken(*, progress=None, cancel=None) -> None:
    raise ValueError("broken in the helper")


def die(parent: int, *, progress=None, cancel=None) -> str:
    """Crashes a helper process (no reply, the process is gone); in the parent, answers."""
    if os.getpid() != parent:
        os._exit(3)
    return "ran in the parent"


def slow(seconds: float, *, progress=None, cancel=None) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cancel is not None and cancel.is_set():
            from curator.core.progress import Cancelled
            raise Cancelled()
        time.sleep(0.01)
    return os.getpid()


class PickyError(Exception):
    """Pickles, but cannot be rebuilt from its args (a keyword-only field)."""

    def __init__(self, *, code: int) -> None:
        super().__init__(f"picky failure {code}")
        self.code = code


def picky(*, progress=None, cancel=None) -> None:
    raise PickyError(code=7)


def scribble(*, progress=None, cancel=None) -> str:
    """Writes to fd 1 behind Python's back, as a C library or a program a job starts would."""
    import subprocess
    import sys

    os.write(1, b"\x00\x10garbage on fd 1\n")
    subprocess.run([sys.executable, "-c", "print('a child program prints')"], check=True)
    print("and print() too")
    return "fine"


def out_of_memory(parent: int, *, progress=None, cancel=None) -> str:
    if os.getpid() != parent:
        raise MemoryError()
    return "ran in the parent"


def echo(value, *, progress=None, cancel=None):
    return value, os.getpid()


def read_stdin_in_a_program(*, progress=None, cancel=None) -> str:
    """Starts a program that reads whatever its stdin holds (it inherits the helper's fd 0)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import sys; print(len(sys.stdin.buffer.read(3)))"],
                          capture_output=True, text=True, timeout=30, check=False)
    return done.stdout.strip()


def hold_the_lock(seconds: int, *, progress=None, cancel=None) -> None:
    """One C call that keeps the interpreter lock (libc sleep through ctypes.PyDLL): no Python
    thread of this process runs meanwhile."""
    import ctypes

    ctypes.PyDLL(None).sleep(seconds)
