"""Calling a learner's function safely: a time limit, a cap on printing, one-line errors.

A learner's bug must never kill the kernel or flood the notebook. The time limit uses
SIGALRM, so it works in the main thread on Linux and macOS (Jupyter, Colab); elsewhere
the call simply runs without a limit.
"""

import contextlib
import io
import os
import signal
import sys
import threading
import traceback

TIME_LIMIT_S = 5.0
MAX_PRINTED_CHARS = 2_000


class LearnerTimeout(Exception):
    pass


class PrintFlood(Exception):
    pass


class CappedWriter(io.TextIOBase):
    """Collects printed text; raises PrintFlood inside the learner's code past the cap."""

    def __init__(self, cap):
        self.cap, self.parts, self.size = cap, [], 0

    def writable(self):
        return True

    def write(self, text):
        self.size += len(text)
        if self.size > self.cap:
            raise PrintFlood()
        self.parts.append(text)
        return len(text)

    def text(self):
        return "".join(self.parts)


@contextlib.contextmanager
def time_limit(seconds):
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or not seconds:
        yield
        return

    def on_alarm(signum, frame):
        raise LearnerTimeout()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def learner_line(exc):
    """Where in the learner's code the exception happened (their own innermost frame)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not os.path.abspath(f.filename).startswith(package)]
    return f" (line {frames[-1].lineno} of your code)" if frames else ""


def call_learner(fn, args, seconds=None, max_chars=MAX_PRINTED_CHARS):
    """Call fn(*args). Returns (value, None) or (None, reason) — reason is one line, or
    "not implemented". NotImplementedError is told apart so the stub gets its own message."""
    seconds = TIME_LIMIT_S if seconds is None else seconds
    out = CappedWriter(max_chars)
    try:
        with time_limit(seconds), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            return fn(*args), None
    except NotImplementedError:
        return None, "not implemented"
    except LearnerTimeout:
        return None, f"your function ran longer than {seconds:g} s and was stopped: an endless loop?"
    except PrintFlood:
        return None, f"your function printed more than {max_chars:,} characters and was stopped: printing in a loop?"
    except RecursionError:
        return None, "your function called itself too deeply (RecursionError): a recursion without a base case?"
    except MemoryError:
        return None, "your function ran out of memory (MemoryError): an array far larger than the inputs?"
    except Exception as exc:  # the learner's bug: one line, not a traceback
        message = str(exc).splitlines()[0][:200] if str(exc) else ""
        return None, f"your code raised {type(exc).__name__}: {message}{learner_line(exc)}"
    finally:
        sys.stdout.flush()
