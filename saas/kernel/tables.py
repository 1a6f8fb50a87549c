"""Every table on a page scrolls inside its own box, so a wide table never makes the page scroll sideways
(issue 17: every page usable at 390 px; tables overflowing at 1,280 px).

One rule instead of a wrapper in every template: this Jinja extension puts each `<table …>…</table>` of the
page templates inside `<div class="table-scroll" role="region" tabindex="0" aria-label="Table">` when the
template is compiled. The box scrolls sideways on its own (koers.css, section "Layout"); it is a focusable,
named region so that keyboard users can scroll it too (axe: scrollable-region-focusable). Mail templates are
left alone (mail clients get plain tables).
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from jinja2.ext import Extension

_OPEN = re.compile(r"<table\b")
_CLOSE = re.compile(r"</table\s*>")
BOX_OPEN = '<div class="table-scroll" role="region" tabindex="0" aria-label="{{ table_box_label }}">'
BOX_CLOSE = "</div>"


class ScrollingTables(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["table_box_label"] = _l("Table")  # the region's name, in the reader's language

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if not name or not name.endswith(".html") or name.startswith("mail/"):
            return source
        source = _OPEN.sub(lambda m: BOX_OPEN + m.group(0), source)
        return _CLOSE.sub(lambda m: m.group(0) + BOX_CLOSE, source)
