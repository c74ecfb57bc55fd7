"""Calling a learner's function safely: a time limit, a cap on printing, one-line errors.

A learner's bug must never kill the kernel, hang ``check`` or flood the notebook:

- Time limit: SIGALRM (main thread on Linux and macOS: Jupyter, Colab; elsewhere the call
  runs without a limit). The exception it raises, ``LearnerTimeout``, is a BaseException, so
  ``except Exception: pass`` in a retry loop does not swallow it. Against a bare ``except:``
  (or ``except BaseException``), raising it also makes a SIGINT pending (from C, see
  ``_make_again``), so it is raised again at the next eval-breaker check — a loop's back-edge
  outside the ``try`` — and a trace function raises it again at the next line (the handler's
  own); the alarm repeats every ``RETRY_S`` seconds until the call ends. Measured: one-level
  and nested catch-all retry loops stop on CPython 3.11, 3.12 and 3.13; on 3.10 (trace
  function only) most one-level loops stop, a busy ``except BaseException: continue`` may
  not. One long C call is not interrupted; the grader stops such a kernel from outside.
- Imports are not timed: a learner may import a library inside the function (importing
  TensorFlow takes seconds, once). While an ``import`` statement in the call runs, the clock
  of the time limit stands still, and the import has ``IMPORT_LIMIT_S`` of its own (a module
  whose import never ends is stopped too). ``importlib.import_module`` is timed as ordinary
  code. When a call is stopped, the reason says how long it ran and at which line of the
  learner's code it was — not a guess at why (a slow correct answer and an endless loop look
  alike from here).
- Printing: what the function prints is collected; up to ``MAX_SHOWN_CHARS`` of it (over all
  the calls of one check) is shown after the call (``echo=Echo()``), the rest summarised; only
  an endless flood (more than ``MAX_PRINTED_CHARS``) stops the call, and is not shown.
- ``SystemExit`` (``sys.exit()``, ``exit()``, ``quit()``), ``KeyboardInterrupt`` and every other
  BaseException raised in the learner's code become a one-line reason; none escapes.
- A call with the wrong number of arguments is told apart from a TypeError inside the code.
"""

import builtins
import contextlib
import inspect
import io
import os
import signal
import sys
import threading
import time
import traceback

from ..language import pick, tr

TIME_LIMIT_S = 5.0
IMPORT_LIMIT_S = 60.0  # one import inside the learner's function may take this long (not counted in TIME_LIMIT_S)
RETRY_S = 0.05  # after the limit, the alarm repeats this often until the call has ended
MAX_PRINTED_CHARS = 200_000  # an endless flood is stopped here
MAX_SHOWN_CHARS = 2_000  # what a call printed is shown up to this many characters

# Reasons that end a whole check (evaluate stops at the first case that gives one). A reason may
# come from another kernel (grading) in the other language, so both languages are recognised.
STOPPED = tr("was stopped", "已被中止")
WRONG_ARGUMENTS = tr("your function cannot be called with", "无法这样调用你的函数")


def ends_the_check(reason):
    return any(marker in str(reason) for marker in (STOPPED.en, STOPPED.zh))


def is_wrong_arguments(reason):
    return str(reason).startswith((WRONG_ARGUMENTS.en, WRONG_ARGUMENTS.zh))


class LearnerTimeout(BaseException):
    """Raised in the learner's code at the time limit (BaseException: `except Exception` misses it)."""


class PrintFlood(BaseException):
    pass


class CappedWriter(io.TextIOBase):
    """Collects printed text (the first ``shown`` characters); raises PrintFlood past ``cap``."""

    def __init__(self, cap, shown=MAX_SHOWN_CHARS):
        self.cap, self.shown, self.parts, self.size, self.kept = cap, shown, [], 0, 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        self.size += len(text)
        if self.size > self.cap:
            raise PrintFlood()
        if self.kept < self.shown:
            part = text[: self.shown - self.kept]
            self.parts.append(part)
            self.kept += len(part)
        return len(text)

    def text(self):
        return "".join(self.parts)


def _run(fn, args):
    """The boundary between the checker and the learner's code (the trace function looks for it)."""
    return fn(*args)


def _in_learner_code(frame):
    """Whether ``frame`` runs inside ``_run`` (learner code or what it calls), not the checker."""
    f = frame
    while f is not None:
        if f.f_code is _run.__code__:
            return f is not frame
        f = f.f_back
    return False


def _make_again():
    """An exception class whose raising (``raise Again``, the class) also makes SIGINT pending,
    from C: its __init__ is CPython's PyErr_SetInterrupt, so no bytecode runs in between and the
    next eval-breaker check in the learner's code (a loop's back-edge, a call) raises it again."""
    if sys.version_info < (3, 11):  # 3.10 checks for signals at almost every instruction: the
        return LearnerTimeout, lambda: 0  # handler would re-enter itself; the trace function alone
    try:
        import ctypes

        interrupt = ctypes.pythonapi.PyErr_SetInterrupt
        interrupt.argtypes, interrupt.restype = [], None
        check_signals = ctypes.pythonapi.PyErr_CheckSignals
        check_signals.argtypes, check_signals.restype = [], ctypes.c_int
    except (ImportError, AttributeError, OSError):  # not CPython: the trace function alone
        return LearnerTimeout, lambda: 0

    class Again(LearnerTimeout):
        pass

    Again.__init__ = interrupt
    return Again, check_signals


_Again, _handle_pending_signals = _make_again()
_state = {"active": False, "expired": False, "importing": 0, "expired_in_import": False, "deadline": 0.0}


def _raise_again(frame, event, arg):
    """Trace function installed at the time limit: re-raise at the learner's next line."""
    if not _in_learner_code(frame):
        return None
    if frame.f_code in _GUARD_CODES:
        return _raise_again  # the guard's own import wrapper: the next line of the learner's code
    if event in ("line", "opcode"):
        raise _Again  # raising here switches tracing off (CPython's rule); the pending SIGINT goes on
    return _raise_again


def _on_alarm(signum, frame):
    if not _state["active"]:
        return
    if not _state["expired"]:
        _state["expired_in_import"] = _state["importing"] > 0
    _state["expired"] = True
    if frame is not None and frame.f_code in _GUARD_CODES:
        return  # inside the guard's own code: the alarm repeats
    if not _in_learner_code(frame):
        return  # the call has just ended; time_limit's finally switches everything off
    sys.settrace(_raise_again)
    f = frame
    while f is not None and f.f_code is not _run.__code__:
        f.f_trace = _raise_again
        f = f.f_back
    raise _Again


def _on_interrupt(signum, frame):
    if not _state["active"]:
        return
    if not _state["expired"]:
        raise KeyboardInterrupt  # the learner pressed stop: as usual
    if frame is not None and frame.f_code in _GUARD_CODES:
        # Checked inside the guard's own code (the trace function): raising here would switch
        # tracing off. Make SIGINT pending again — raising the class does it from C, and no
        # eval-breaker check runs before this handler returns — so the learner's code gets it.
        try:
            raise _Again
        except _Again:
            return
    if _in_learner_code(frame):
        raise _Again


def _untimed_import(original):
    """``builtins.__import__`` with the clock of the time limit stopped while it runs: the import
    gets ``IMPORT_LIMIT_S`` of its own, and the call's deadline moves by the time it took. Nested
    imports run inside the outermost one's allowance. The deadline moves only by time spent
    importing, so a loop that imports at every turn still reaches it; once it is reached, an
    import no longer stops the clock."""

    def __import__(name, globals=None, locals=None, fromlist=(), level=0):
        if (
            not _state["active"]
            or _state["expired"]
            or _state["importing"]
            or threading.current_thread() is not threading.main_thread()
            or time.monotonic() >= _state["deadline"]
        ):
            return original(name, globals, locals, fromlist, level)
        start = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, IMPORT_LIMIT_S, RETRY_S)
        _state["importing"] += 1
        if _state["expired"]:  # the limit was reached just now, before the import began: keep it
            signal.setitimer(signal.ITIMER_REAL, RETRY_S, RETRY_S)
        try:
            return original(name, globals, locals, fromlist, level)
        finally:
            _state["importing"] -= 1
            if _state["active"]:
                if _state["expired"]:  # in the import (or just before it): keep the alarm repeating
                    signal.setitimer(signal.ITIMER_REAL, RETRY_S, RETRY_S)
                else:
                    now = time.monotonic()
                    _state["deadline"] += now - start
                    signal.setitimer(signal.ITIMER_REAL, max(_state["deadline"] - now, 1e-6), RETRY_S)

    __import__.chainrule_untimed = True
    return __import__


_GUARD_CODES = {
    _raise_again.__code__,
    _in_learner_code.__code__,
    _on_alarm.__code__,
    _on_interrupt.__code__,
    _untimed_import(None).__code__,  # never stopped halfway: it must give the clock back
}


@contextlib.contextmanager
def time_limit(seconds):
    """Stop the code in the block after ``seconds``, even code that catches the exception:
    at the limit, it is raised at the next line (trace function) and at every eval-breaker check
    (a pending SIGINT re-made by each raise) until the block is left."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or not seconds or _state["active"]:
        yield
        return
    previous_trace = sys.gettrace()
    previous_alarm = signal.signal(signal.SIGALRM, _on_alarm)
    previous_interrupt = signal.signal(signal.SIGINT, _on_interrupt)
    previous_import = builtins.__import__
    _state.update(active=True, expired=False, importing=0, expired_in_import=False, deadline=time.monotonic() + seconds)
    builtins.__import__ = _untimed_import(previous_import)
    signal.setitimer(signal.ITIMER_REAL, seconds, RETRY_S)
    try:
        yield
    finally:
        _state["active"] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        builtins.__import__ = previous_import
        _handle_pending_signals()  # a SIGINT still pending runs _on_interrupt now (inactive: nothing)
        signal.signal(signal.SIGALRM, previous_alarm)
        signal.signal(signal.SIGINT, previous_interrupt)
        sys.settrace(previous_trace)


def learner_line(exc):
    """Where in the learner's code the exception happened (their own innermost frame)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not os.path.abspath(f.filename).startswith(package)]
    if not frames:
        return ""
    return pick(f" (line {frames[-1].lineno} of your code)", f"（你的代码第{frames[-1].lineno}行）")


def arguments_problem(fn, args):
    """A one-line reason if ``fn`` cannot take ``args`` at all, else None."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins and the like: let the call tell
        return None
    try:
        sig.bind(*args)
    except TypeError as exc:
        name = getattr(fn, "__name__", "your function")
        return pick(
            f"{WRONG_ARGUMENTS} {len(args)} arguments: yours is {name}{sig} ({exc})",
            f"{WRONG_ARGUMENTS}：传入{len(args)}个参数，而你的是{name}{sig}（{exc}）",
        )
    return None


def line_in(fn, exc):
    """The innermost line of ``fn``'s own source file in the exception's traceback, as words."""
    filename = getattr(getattr(fn, "__code__", None), "co_filename", None)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    if not frames:
        return ""
    return pick(f" (at line {frames[-1].lineno} of your code)", f"（停在你的代码第{frames[-1].lineno}行）")


def _first_line(exc):
    text = str(exc)
    return text.splitlines()[0][:200] if text.strip() else ""


class Echo:
    """Shows what a learner's function printed, at most ``budget`` characters over all its calls."""

    def __init__(self, budget=MAX_SHOWN_CHARS):
        self.budget = budget

    def __call__(self, out, flooded=False):
        if flooded or not out.size:
            return  # a flood is reported by its reason; repeating it would only flood again
        text = out.text()
        if self.budget <= 0:
            return
        shown = text[: self.budget]
        self.budget -= len(shown)
        left = out.size - len(shown)
        if left > 0:
            shown += pick(f"\n… ({left:,} more printed characters not shown)", f"\n…（另有{left:,}个输出字符未显示）")
        sys.stdout.write(shown if shown.endswith("\n") else shown + "\n")


def call_learner(fn, args, seconds=None, max_chars=None, echo=None):
    """Call fn(*args). Returns (value, None) or (None, reason) — reason is one line, or
    "not implemented". NotImplementedError is told apart so the stub gets its own message.
    ``echo`` (an ``Echo``) shows afterwards what the function printed (capped)."""
    seconds = TIME_LIMIT_S if seconds is None else seconds
    max_chars = MAX_PRINTED_CHARS if max_chars is None else max_chars
    problem = arguments_problem(fn, args)
    if problem:
        return None, problem
    out = CappedWriter(max_chars)
    flooded = False
    try:
        with time_limit(seconds), contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            return _run(fn, args), None
    except NotImplementedError:
        return None, "not implemented"
    except LearnerTimeout as exc:
        where = line_in(fn, exc)
        if _state["expired_in_import"]:
            return None, pick(
                f"an import in your function took longer than {IMPORT_LIMIT_S:g} s and {STOPPED}{where}",
                f"你的函数中的一次导入（import）超过{IMPORT_LIMIT_S:g}秒，{STOPPED}{where}",
            )
        # No guess at the cause: a slow answer and an endless loop look alike from here.
        return None, pick(
            f"your function ran longer than {seconds:g} s (not counting imports) and {STOPPED}{where}",
            f"你的函数运行超过{seconds:g}秒（不计导入时间），{STOPPED}{where}",
        )
    except PrintFlood:
        flooded = True
        return None, pick(
            f"your function printed more than {max_chars:,} characters and {STOPPED}: printing in a loop?",
            f"你的函数输出了超过{max_chars:,}个字符，{STOPPED}：是不是在循环里打印？",
        )
    except RecursionError:
        return None, pick(
            "your function called itself too deeply (RecursionError): a recursion without a base case?",
            "你的函数递归调用过深（RecursionError）：递归是不是缺少终止条件？",
        )
    except MemoryError:
        return None, pick(
            "your function ran out of memory (MemoryError): an array far larger than the inputs?",
            "你的函数耗尽了内存（MemoryError）：是不是创建了比输入大得多的数组？",
        )
    except SystemExit as exc:
        code = "" if exc.code is None else pick(f" (code {exc.code!r})", f"（退出码{exc.code!r}）")
        return None, pick(
            f"your code called exit(){code}{learner_line(exc)} and {STOPPED}: return a value instead",
            f"你的代码调用了exit(){code}{learner_line(exc)}，{STOPPED}：请改为返回一个值",
        )
    except KeyboardInterrupt as exc:
        return None, pick(
            f"your function was interrupted (KeyboardInterrupt){learner_line(exc)} and {STOPPED}",
            f"你的函数被中断了（KeyboardInterrupt）{learner_line(exc)}，{STOPPED}",
        )
    except BaseException as exc:  # the learner's bug (or GeneratorExit and the like): one line, not a traceback
        return None, pick(
            f"your code raised {type(exc).__name__}: {_first_line(exc)}{learner_line(exc)}",
            f"你的代码抛出了{type(exc).__name__}：{_first_line(exc)}{learner_line(exc)}",
        )
    finally:
        sys.stdout.flush()
        if echo is not None:
            echo(out, flooded)
