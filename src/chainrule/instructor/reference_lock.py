"""Build the locked copy of ``chainrule`` that a graded kernel imports (see exercises/lock.py).

The copy is the package's source with, in every exercise module, each module-level function
that is not needed to *define* the exercises (the reference solutions, the case generators,
the helpers they call) rewritten to ``return <chainrule.exercises.lock>.locked_call("module.name")``. Two kinds keep
their bodies: functions called while the module is imported (a diagnosis factory such as
``_weight_mistakes("A1", ...)``: they only build diagnoses), and functions a case hands to the
learner as an argument (the ``f`` of a central difference). The copy holds no reference source and no
bytecode of it (its ``__pycache__`` is compiled from the locked source), so reading the
installed package from inside the sandbox shows the locked bodies only.
"""

import ast
import compileall
import shutil
from pathlib import Path

# The checker's machinery, not exercises: left as it is.
MACHINERY = {"__init__", "core", "guard", "lock", "remote", "summary"}


def called_at_import(tree):
    """Names of module-level functions called while the module is imported (outside any def)."""
    names = set()

    def visit(node, in_def):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            # A def's decorators and defaults run at import; its body does not.
            if not isinstance(node, ast.Lambda):
                for part in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                    if part is not None:
                        visit(part, in_def)
            return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not in_def:
            names.add(node.func.id)
        for child in ast.iter_child_nodes(node):
            visit(child, in_def)

    for node in tree.body:
        visit(node, False)
    return names


def passed_as_values(tree):
    """Names of module-level functions a function body uses as a value, not a call: the
    functions a case hands to the learner (``central_difference(f, x, eps)`` gets ``_cubic``).
    They travel to the kernel by name, so they must work there."""
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    names = set()
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        called = {id(c.func) for c in ast.walk(node) if isinstance(c, ast.Call)}
        for body_node in node.body:
            for n in ast.walk(body_node):
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in defined and id(n) not in called:
                    names.add(n.id)
    return names


def lock_module(source, module):
    """The source of exercise module ``module`` with its solution-bearing functions locked."""
    tree = ast.parse(source)
    keep = called_at_import(tree) | passed_as_values(tree)
    locked = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name not in keep:
            qualname = f"{module}.{node.name}"
            # Self-contained, so that even a copy of it exec'd elsewhere records the use.
            call = ast.parse(f"return __import__('chainrule.exercises.lock').exercises.lock.locked_call({qualname!r})").body
            node.body = call
            locked.append(node.name)
    # Mark them, so the grader can tell `mul_backward = <the reference>` without calling it.
    tree.body += [ast.parse(f"{name}.__chainrule_locked__ = True").body[0] for name in locked]
    ast.fix_missing_locations(tree)
    header = f'"""Locked for grading: the bodies of {len(locked)} functions are not available."""\n'
    return header + ast.unparse(tree) + "\n", locked


def build_locked_package(package_dir, out_dir):
    """Copy the package at ``package_dir`` to ``out_dir`` (which must not exist), locked.
    Returns {module: [locked function names]}."""
    package_dir, out_dir = Path(package_dir), Path(out_dir)
    shutil.copytree(package_dir, out_dir, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    report = {}
    for path in sorted((out_dir / "exercises").glob("*.py")):
        if path.stem in MACHINERY:
            continue
        text, locked = lock_module(path.read_text(encoding="utf-8"), f"chainrule.exercises.{path.stem}")
        path.write_text(text, encoding="utf-8")
        report[path.stem] = locked
    lock = out_dir / "exercises" / "lock.py"
    text = lock.read_text(encoding="utf-8")
    if "\nLOCKED = False" not in text:
        raise RuntimeError("exercises/lock.py has no `LOCKED = False` line to switch on")
    lock.write_text(text.replace("\nLOCKED = False", "\nLOCKED = True", 1), encoding="utf-8")
    compileall.compile_dir(out_dir, quiet=1)  # the sandbox mounts it read-only: no bytecode written there
    return report
