"""Sphinx extension: on every page a link to the same page in the other edition of the book,
English ↔ 中文 (issue 15).

The English book is built into ``_build/html/`` and the Chinese one (``zh/``, Sphinx
``language: zh_CN``) into ``_build/html/zh/``, with the same page names, so the link is
relative: from ``book/02_derivative_rules.html`` to ``zh/book/02_derivative_rules.html``
(``../zh/book/02_derivative_rules.html``) and back. It works from ``file://`` and on GitHub
Pages alike. The edition is told by the ``language`` setting: ``zh…`` is the Chinese one.

The link is a template, ``templates/language-switch.html``, put first in the theme's
article header (``article_header_end``), beside the download and full-screen buttons, on
every page (search and index pages too). Its visible text is its accessible name, in its
own language: ``<a lang="zh" hreflang="zh">中文</a>`` on English pages,
``<a lang="en" hreflang="en">English</a>`` on Chinese ones.
"""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"  # language-switch.css: one row with the buttons
TEMPLATE = "language-switch.html"
CHINESE_DIR = "zh"  # where the Chinese edition lies inside the English one's output


def is_chinese(config):
    return str(config.language or "en").lower().startswith("zh")


def other_edition(pagename, chinese):
    """The relative address of the same page in the other edition."""
    up = "../" * pagename.count("/")
    return f"{up}../{pagename}.html" if chinese else f"{up}{CHINESE_DIR}/{pagename}.html"


def configure(app, config):
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    options = dict(config.html_theme_options or {})
    end = options.get("article_header_end") or ["article-header-buttons.html"]
    if isinstance(end, str):
        end = [item.strip() for item in end.split(",") if item.strip()]
    if TEMPLATE not in end:
        end = [TEMPLATE, *end]
    options["article_header_end"] = end
    config.html_theme_options = options


def add_link(app, pagename, templatename, context, doctree):
    chinese = is_chinese(app.config)
    context["chainrule_language_switch"] = {
        "href": other_edition(pagename, chinese),
        "lang": "en" if chinese else "zh",
        "text": "English" if chinese else "中文",
    }


def setup(app):
    app.connect("config-inited", configure)
    app.add_css_file("language-switch.css")
    app.connect("html-page-context", add_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
