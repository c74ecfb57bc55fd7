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

The Chinese edition also gets the theme's own labels in Chinese: the zh_CN catalogues of
sphinx-book-theme and pydata-sphinx-theme leave buttons such as "Launch on Colab", "Open
issue" and "Color mode" in English (and give 列印, traditional, for "Print"). ``THEME_LABELS_ZH``
is consulted before those catalogues, for the themes' Python code and templates alike.
"""

import gettext
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"  # language-switch.css: one row with the buttons
TEMPLATE = "language-switch.html"
CHINESE_DIR = "zh"  # where the Chinese edition lies inside the English one's output


SEARCH_BAR_ZH = "搜索本书……"
THEME_LABELS_ZH = {
    "Launch on": "启动于",  # + " Colab", " Binder", " JupyterHub"
    "Launch interactive content": "启动交互式内容",
    "Live Code": "在线运行代码",
    "Launch Thebe": "启动 Thebe",
    "Source repositories": "源代码仓库",
    "Source repository": "源代码仓库",
    "Repository": "仓库",
    "Open issue": "提交问题",
    "Open an issue": "提交问题",
    "Show source": "查看源代码",
    "Suggest edit": "建议修改",
    "Download this page": "下载此页",
    "Download source file": "下载源文件",
    "Print to PDF": "打印为 PDF",
    "Fullscreen mode": "全屏模式",
    "Color mode": "颜色模式",
}


class ThemeLabels(gettext.NullTranslations):
    """The Chinese labels first, then the catalogue they were put in front of."""

    def __init__(self, labels, fallback):
        super().__init__()
        self.labels = labels
        self.add_fallback(fallback)

    def gettext(self, message):
        return self.labels.get(message) or super().gettext(message)


def translate_theme_labels(app):
    """In the Chinese edition, put THEME_LABELS_ZH in front of the catalogues the themes read:
    "booktheme" (sphinx-book-theme's buttons, made in Python) and "sphinx" (every template)."""
    if not is_chinese(app.config):
        return
    from sphinx import locale

    templates = getattr(getattr(app.builder, "templates", None), "environment", None)
    for catalog in ("booktheme", "sphinx"):
        if locale.is_translator_registered(catalog):
            labels = ThemeLabels(THEME_LABELS_ZH, locale.get_translator(catalog))
            locale.translators[("general", catalog)] = labels
            if catalog == "sphinx" and hasattr(templates, "install_gettext_translations"):
                templates.install_gettext_translations(labels)


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
    if is_chinese(config):
        options["search_bar_text"] = SEARCH_BAR_ZH
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
    app.connect("builder-inited", translate_theme_labels)
    app.add_css_file("language-switch.css")
    app.connect("html-page-context", add_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
