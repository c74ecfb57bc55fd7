"""Start one graded kernel inside bubblewrap: ``python -m chainrule.instructor.sandbox_launch SPEC -- CMD…``.

Run by jupyter_client in place of the kernel command (see sandbox.py, which writes SPEC). It sets
the resource limits and replaces itself with ``bwrap``. Run as root, bwrap sets up the sandbox
without a user namespace and the kernel then becomes an unprivileged user of its own (this
file again, ``--drop``): the kernel counts processes per user, and root's are never limited.
Run as anyone else, bwrap uses an unprivileged user namespace and the kernel stays that user.
"""

import json
import os
import resource
import sys
from pathlib import Path

FIRST_UID = 1_000_000_000  # the kernels' users (as root): FIRST_UID + a PID, unused by anyone


def bwrap_arguments(spec, as_root):
    """bwrap's command line from the spec (see sandbox.Sandbox.spec)."""
    args = [spec["bwrap"], "--die-with-parent", "--new-session", "--clearenv"]
    if as_root:
        # No user namespace: the kernel then changes to a real unprivileged user (``--drop``).
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    else:
        args += ["--unshare-all", "--unshare-user", "--disable-userns"]
    args += ["--proc", "/proc", "--dev", "/dev"]
    for target, link in spec["symlinks"]:
        args += ["--symlink", target, link]
    # The folders above each mount point, traversable (bwrap would make them 0700, and the
    # kernel, once it is no longer root, could not reach /root/.pyenv/… below them).
    parents = sorted({str(p) for _, dest in spec["read_only"] + spec["files"] for p in Path(dest).parents}
                     | {str(p) for dest, _ in spec["tmpfs"] for p in Path(dest).parents} - {"/"})
    # The tmpfs mounts first: a read-only mount below one of them (a repository in /tmp/…, its
    # .venv) must be made inside the tmpfs, not hidden by it.
    tmpfs = sorted(spec["tmpfs"], key=lambda entry: len(Path(entry[0]).parts))
    made = set()
    for dest, size in tmpfs:
        for folder in [p for p in parents if Path(dest).is_relative_to(p) and p not in made]:
            args += ["--perms", "0755", "--dir", folder]
            made.add(folder)
        args += ["--perms", "1777" if dest == "/tmp" else "0700", "--size", str(size), "--tmpfs", dest]
    for folder in parents:
        if folder not in made:
            args += ["--perms", "0755", "--dir", folder]
    for source, dest in spec["read_only"]:
        args += ["--ro-bind", source, dest]
    for source, dest in spec["files"]:
        with open(source, "rb") as f:  # bwrap copies it in from this descriptor
            fd = os.dup(f.fileno())
        os.set_inheritable(fd, True)
        args += ["--perms", "0600", "--file", str(fd), dest]
    for name, value in spec["env"].items():
        args += ["--setenv", name, value]
    info = os.open(spec["info"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.set_inheritable(info, True)
    args += ["--info-fd", str(info), "--remount-ro", "/", "--chdir", spec["cwd"]]
    return args


def tasks_of(uid):
    """How many tasks (processes and threads) ``uid`` runs now: what RLIMIT_NPROC counts."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/status") as f:
                    fields = dict(line.split(":", 1) for line in f if ":" in line)
                if int(fields["Uid"].split()[0]) == uid:
                    count += int(fields["Threads"])
            except (OSError, KeyError, ValueError):
                continue  # it ended meanwhile
    return count


def set_limits(limits):
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def become(uid, writable):
    """As root: hand the ``writable`` folders and files to user ``uid`` (group ``uid``) and become
    it — its processes are counted by RLIMIT_NPROC, root's are not."""
    for top in writable:
        for folder, _, files in os.walk(top) if os.path.isdir(top) else [(top, [], [])]:
            for name in [folder, *(os.path.join(folder, f) for f in files)]:
                os.chown(name, uid, uid)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def drop(uid, writable, command):
    """Inside the sandbox, as root: become the kernel's own user, then start the kernel."""
    become(uid, writable)
    os.execv(command[0], command)


def lock_only(spec_path, command):
    """``isolation="lock"``: no bubblewrap; limits, the kernel's own user (as root) and the
    environment that puts the locked package first, then the kernel."""
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    set_limits(spec["limits"])
    os.chdir(spec["cwd"])
    if spec["drop"]:
        become(FIRST_UID + os.getpid(), spec["writable"])
    os.execve(command[0], command, spec["env"])


def main(argv):
    if argv[:1] == ["--lock"]:
        lock_only(argv[1], argv[3:])
    if argv[:1] == ["--drop"]:
        separator = argv.index("--")
        drop(int(argv[1]), argv[2:separator], argv[separator + 1 :])
    spec_path, separator, *command = argv
    if separator != "--" or not command:
        sys.exit("usage: python -m chainrule.instructor.sandbox_launch SPEC -- COMMAND...")
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    as_root = os.getuid() == 0
    args = bwrap_arguments(spec, as_root)
    if as_root:
        writable = [dest for dest, _ in spec["tmpfs"] if dest != "/tmp"]
        # A user of its own, no one's on this machine: RLIMIT_NPROC counts processes per user,
        # so a fork bomb in one kernel cannot starve another graded beside it. Our PID (bwrap's,
        # after exec) is unique while the sandbox lives.
        uid = str(FIRST_UID + os.getpid())
        command = [sys.executable, "-I", spec["launcher"], "--drop", uid, *writable, "--", *command]
    limits = dict(spec["limits"])
    if not as_root and "RLIMIT_NPROC" in limits:
        # As a normal user the count is of all your processes (your desktop's too): allow this many more.
        limits["RLIMIT_NPROC"] += tasks_of(os.getuid())
    set_limits(limits)
    os.execv(spec["bwrap"], [*args, "--", *command])


if __name__ == "__main__":
    main(sys.argv[1:])
