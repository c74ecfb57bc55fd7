"""The sandbox every graded kernel runs in: bubblewrap, no container runtime needed.

One ``Sandbox`` serves a whole grading run; each submission's kernel gets a fresh one of these:

- a file system of its own: the system's ``/usr`` and ``/etc``, the Python that runs the
  grader and its packages, all read-only, and the locked copy of ``chainrule`` (no reference
  solutions, see reference_lock.py) over the real package. Nothing else of the machine is
  there: not the instructor's home, not the submissions, not the grader's outputs;
- a working directory (``/home/student``, also ``$HOME``) holding a copy of the notebook, a
  private ``/tmp`` and a directory for the kernel's sockets, each a size-limited tmpfs; the
  rest is read-only, and no file may exceed the same size;
- no network (its own, empty network namespace): the grader reaches the kernel's ZeroMQ
  sockets as files, through ``/proc/<pid>/root``, never over TCP;
- its own PID namespace, killed whole when grading it ends (or the grader dies);
- limits on memory (address space), processes, CPU time and open files; as root the kernel
  runs as a user of its own, whose processes the kernel counts.

What it does not do: it cannot stop a submission from using the CPU and memory it is allowed,
and the kernel still sees the machine's ``/usr`` and ``/etc`` (read-only).
"""

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

from .reference_lock import build_locked_package

WORKDIR = "/home/student"
SOCKETS = "/run/kernel"
LAUNCHER = Path(__file__).with_name("sandbox_launch.py")
INSTALL = (
    "bubblewrap is needed to grade in a sandbox: install it with `sudo apt-get install bubblewrap` "
    "(Debian, Ubuntu), `sudo dnf install bubblewrap` (Fedora) or `sudo pacman -S bubblewrap` (Arch); "
    "or grade with --no-sandbox (submissions then run as you, with your files and network)"
)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create a sandbox here; the message says what to do."""


@dataclass
class Limits:
    memory_mb: int = 4096  # address space of each process
    processes: int = 1024  # tasks (threads count: TensorFlow starts dozens)
    cpu_seconds: int = 1800  # CPU time of each process
    disk_mb: int = 256  # each tmpfs (working directory, /tmp), and the largest file
    open_files: int = 1024

    def rlimits(self):
        mb = 2**20
        return {
            "RLIMIT_AS": self.memory_mb * mb,
            "RLIMIT_NPROC": self.processes,
            "RLIMIT_CPU": self.cpu_seconds,
            "RLIMIT_FSIZE": self.disk_mb * mb,
            "RLIMIT_NOFILE": self.open_files,
            "RLIMIT_CORE": 0,
        }


@cache
def check_bwrap():
    """The path of a bwrap that works here, or SandboxUnavailable saying why and what to do."""
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(f"bwrap not found. {INSTALL}")
    probe = [sys.executable, "-I", str(LAUNCHER)]
    spec = Path(tempfile.mkdtemp(prefix="chainrule-probe-"))
    try:
        mounts = [["/usr", "/usr"], [str(LAUNCHER.parent), str(LAUNCHER.parent)]] + [[p, p] for p in python_paths()[0]]
        trivial = {
            "bwrap": path, "symlinks": host_symlinks(), "read_only": mounts, "tmpfs": [], "files": [],
            "env": {}, "info": str(spec / "info.json"), "cwd": "/", "limits": {}, "launcher": str(LAUNCHER),
        }
        (spec / "spec.json").write_text(json.dumps(trivial))
        done = subprocess.run([*probe, str(spec / "spec.json"), "--", sys.executable, "-c", "pass"],
                              capture_output=True, text=True, timeout=30)
    finally:
        shutil.rmtree(spec, ignore_errors=True)
    if done.returncode != 0:
        why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit status {done.returncode}"
        raise SandboxUnavailable(
            f"bwrap cannot create a sandbox here ({why}). It needs unprivileged user namespaces: on Ubuntu 24.04 "
            "and later, `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0` or an AppArmor profile for "
            "bwrap; in a container, run it with user namespaces allowed. Or grade with --no-sandbox."
        )
    return path


def host_symlinks():
    """/bin, /lib, … as the host has them: merged-/usr systems make them links into /usr."""
    links = []
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            links.append([os.readlink(path), str(path)])
    return links


@cache
def python_paths():
    """What the kernel's Python reads: its installation, the environment's packages, and every
    directory on a clean interpreter's sys.path (.pth files included) except the one holding
    ``chainrule`` itself (only the locked package is mounted there)."""
    import chainrule

    package = Path(chainrule.__file__).resolve().parent
    found = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent}
    found |= {Path(p) for p in (sysconfig.get_path("stdlib"), sysconfig.get_path("purelib"), sysconfig.get_path("platlib"))}
    clean = subprocess.run([sys.executable, "-c", "import sys, json; print(json.dumps(sys.path))"],
                           capture_output=True, text=True, check=True, env={"PATH": os.environ.get("PATH", "")}, cwd="/")
    found |= {Path(p) for p in json.loads(clean.stdout) if p}
    found |= {Path(p) for p in site.getsitepackages()}
    paths = []
    for path in sorted(found, key=lambda p: len(p.parts)):
        if not path.is_dir() or path == Path("/") or path == package.parent or package.parent in path.parents:
            continue
        if path == Path("/usr") or Path("/usr") in path.parents:
            continue  # mounted whole
        if any(p == path or p in path.parents for p in paths):
            continue  # inside one already mounted
        paths.append(path)
    return tuple(str(p) for p in paths), str(package)


def matplotlib_font_cache():
    """The grader's matplotlib font list (made on first use), or None: copied into each sandbox."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", "import matplotlib.font_manager as f, matplotlib; print(matplotlib.get_cachedir())"],
            capture_output=True, text=True, timeout=120, env={**os.environ, "MPLBACKEND": "Agg"},
        )
        found = sorted(Path(done.stdout.strip()).glob("fontlist-v*.json")) if done.returncode == 0 else []
    except (OSError, subprocess.TimeoutExpired):
        found = []
    return found[-1] if found else None


class Sandbox:
    """One grading run's sandbox setup: the locked package (built once) and what to mount."""

    def __init__(self, limits=None, env=None, isolation="bwrap"):
        """``isolation="lock"``, where bubblewrap cannot run (a container without user
        namespaces): no new file system, network or PID namespace, only the locked package
        (first on the kernel's path), the limits, and, as root, a user of the kernel's own."""
        if isolation not in ("bwrap", "lock"):
            raise ValueError(f"isolation: 'bwrap' or 'lock', not {isolation!r}")
        self.isolation = isolation
        self.bwrap = check_bwrap() if isolation == "bwrap" else None
        self.limits = limits or Limits()
        self.env = env or {}
        self.root = Path(tempfile.mkdtemp(prefix="chainrule-grading-"))
        self.root.chmod(0o755)  # the kernel's user reads the locked package in it
        self.python, package = python_paths()
        self.locked = self.root / "chainrule"
        build_locked_package(package, self.locked)
        self.package = package
        self.font_cache = matplotlib_font_cache()

    def kernel_env(self, home, **extra):
        """The kernel's whole environment (it starts from none): a home of its own, and matplotlib's
        settings there (``font_cache`` puts the grader's font list in it)."""
        return {
            "HOME": home, "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
            "TF_CPP_MIN_LOG_LEVEL": "3", "MPLCONFIGDIR": f"{home}/.config/matplotlib", **extra, **self.env,
        }

    def spec(self, stage, notebook):
        """What sandbox_launch mounts and sets for one kernel whose files are in ``stage``."""
        mounts = [["/usr", "/usr"], ["/etc", "/etc"]] + [[p, p] for p in self.python] + [[str(self.locked), self.package]]
        venv_bin = str(Path(sys.prefix) / "bin")
        env = self.kernel_env(WORKDIR, PATH=f"{venv_bin}:/usr/local/bin:/usr/bin:/bin", TMPDIR="/tmp")
        size = self.limits.disk_mb * 2**20
        return {
            "bwrap": self.bwrap,
            "symlinks": host_symlinks(),
            "read_only": mounts,
            "tmpfs": [["/tmp", size], [WORKDIR, size], [SOCKETS, 2**20]],
            "files": [
                [str(stage / "kernel.json"), f"{SOCKETS}/kernel.json"],
                [str(notebook), f"{WORKDIR}/{Path(notebook).name}"],
                # matplotlib's font list, or it would search every font again in each fresh $HOME (~1 s)
                *([[str(self.font_cache), f"{env['MPLCONFIGDIR']}/{self.font_cache.name}"]] if self.font_cache else []),
            ],
            "env": env,
            "info": str(stage / "info.json"),
            "cwd": WORKDIR,
            "limits": self.limits.rlimits(),
            "launcher": str(Path(self.package) / "instructor" / LAUNCHER.name),  # inside: the locked copy's
        }

    def kernel_manager(self, notebook, **kw):
        stage = Path(tempfile.mkdtemp(prefix="kernel-", dir=self.root))
        if self.isolation == "lock":
            return LockedKernelManager(sandbox=self, stage=stage, notebook=Path(notebook).resolve(), **kw)
        return SandboxedKernelManager(sandbox=self, stage=stage, notebook=Path(notebook).resolve(), **kw)

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class StagedKernelManager(AsyncKernelManager):
    """A kernel started by sandbox_launch from the files in ``stage`` (its spec, connection file
    and log), which go when the kernel does."""

    def __init__(self, sandbox, stage, notebook, **kw):
        super().__init__(**kw)
        self.sandbox, self.stage, self.notebook = sandbox, stage, notebook
        self.connection_file = str(stage / "kernel.json")

    async def _launch_logged(self, kernel_cmd, spec, **kw):
        (self.stage / "spec.json").write_text(json.dumps(spec))
        kw.pop("env", None)  # the spec holds the kernel's whole environment
        # The kernel's own output (its banner, a crash) goes to a log, not the grader's terminal.
        kw["stdout"] = subprocess.DEVNULL
        with (self.stage / "kernel.log").open("wb") as log:
            kw["stderr"] = log
            await super()._async_launch_kernel(kernel_cmd, **kw)

    async def _async_cleanup_resources(self, restart=False):
        await super()._async_cleanup_resources(restart)
        if not restart:
            shutil.rmtree(self.stage, ignore_errors=True)


class SandboxedKernelManager(StagedKernelManager):
    """A kernel manager whose kernel starts in the sandbox and is reached over IPC sockets."""

    def __init__(self, sandbox, stage, notebook, **kw):
        super().__init__(sandbox, stage, notebook, transport="ipc", ip=f"{SOCKETS}/kernel", **kw)

    @property
    def kernel_spec(self):
        spec = self.stage / "spec.json"
        launch = [sys.executable, "-I", str(LAUNCHER), str(spec), "--"]
        # An interrupt is a message on the control channel: a signal sent to bwrap would not
        # reach the kernel inside its PID namespace.
        return KernelSpec(
            argv=[*launch, sys.executable, "-m", "ipykernel_launcher", "-f", f"{SOCKETS}/kernel.json"],
            display_name="Python 3 (sandboxed)", language="python", interrupt_mode="message",
        )

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await self._launch_logged(kernel_cmd, self.sandbox.spec(self.stage, self.notebook), **kw)
        # The sockets live in the sandbox's tmpfs; the grader reaches them through its root.
        self.ip = f"/proc/{self._wait_for_sandbox()}/root{SOCKETS}/kernel"

    def _wait_for_sandbox(self, timeout=30):
        info = self.stage / "info.json"
        process = getattr(self.provisioner, "process", None)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                pid = json.loads(info.read_text())["child-pid"]
            except (OSError, ValueError, KeyError):  # not written yet, or not completely
                pid = None
            if pid and Path(f"/proc/{pid}/root{SOCKETS}").is_dir():
                return pid
            if process is not None and process.poll() is not None:
                log = (self.stage / "kernel.log").read_text(errors="replace").strip().splitlines()
                why = f": {log[-1]}" if log else ""
                raise SandboxUnavailable(f"the sandbox did not start (bwrap exited with status {process.returncode}{why})")
            time.sleep(0.02)
        raise SandboxUnavailable(f"the sandbox did not start within {timeout} s")


def others_can_run(executable):
    """Whether a user who is not the owner can reach and run ``executable`` (and its real file)."""
    for path in {Path(executable).absolute(), Path(executable).resolve()}:
        if not all(os.stat(p).st_mode & 0o001 for p in [path, *path.parents]):
            return False
    return True


class LockedKernelManager(StagedKernelManager):
    """``isolation="lock"``: an ordinary kernel that imports the locked package, with the limits,
    in a working directory of its own (as root: as a user of its own, see sandbox_launch)."""

    def __init__(self, sandbox, stage, notebook, **kw):
        super().__init__(sandbox, stage, notebook, **kw)
        self.stage.chmod(0o755)

    @property
    def kernel_spec(self):
        spec = self.stage / "spec.json"
        return KernelSpec(
            argv=[sys.executable, "-I", str(LAUNCHER), "--lock", str(spec), "--",
                  sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (reference lock)", language="python",
        )

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        work = self.stage / "work"
        work.mkdir()
        shutil.copyfile(self.notebook, work / self.notebook.name)
        env = self.sandbox.kernel_env(str(work), PATH=os.environ.get("PATH", "/usr/bin:/bin"),
                                      PYTHONPATH=str(self.sandbox.root))
        if self.sandbox.font_cache:
            config = Path(env["MPLCONFIGDIR"])
            config.mkdir(parents=True)
            shutil.copyfile(self.sandbox.font_cache, config / self.sandbox.font_cache.name)
        # As root the kernel becomes a user of its own, if that user can run this Python at all
        # (not one under root's 0700 home); on Gradescope it can (setup.sh's /autograder/venv).
        drop = os.getuid() == 0 and others_can_run(sys.executable)
        spec = {"limits": self.sandbox.limits.rlimits(), "cwd": str(work), "env": env,
                "writable": [str(work), self.connection_file], "drop": drop}
        kw["cwd"] = str(work)
        await self._launch_logged(kernel_cmd, spec, **kw)
