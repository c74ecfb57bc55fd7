"""Sphinx extension: include each script once per page.

sphinx-thebe 0.3.1 registers its inline configuration script on every read phase
(``env-before-read-docs``); a build with more than one phase then declares
``const THEBE_JS_URL`` twice and the browser reports a SyntaxError on every page.
Identical script entries are dropped here, keeping the first.
"""


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # Same file (or inline body) and attributes: the same script, whatever its priority
        # (an inline script's filename is None or "" depending on who added it).
        key = (str(getattr(script, "filename", script) or ""), tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)  # after those that add scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
