"""Every table on a page scrolls inside its own box, so a wide table never makes the page scroll sideways
(issue 17: every page usable at 390 px; tables overflowing at 1,280 px).

One rule instead of a wrapper in every template: this Jinja extension puts each `<table …>…</table>` of the
page templates inside `<div class="table-scroll" role="region" tabindex="0" aria-label="Table">` when the
template is compiled. The box scrolls sideways on its own (koers.css, section "Layout"); it is a focusable,
named region so that keyboard users can scroll it too (axe: scrollable-region-focusable). A table that is
the first thing in a template's own `<div role="region" …>` keeps that box. Mail templates are left alone.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from jinja2.ext import Extension

_TAG = re.compile(r"<table\b|</table\s*>")
_OWN_BOX = re.compile(r'<div\b[^>]*\brole="region"[^>]*>\s*\Z')  # the table already sits in a scrolling region
BOX_OPEN = '<div class="table-scroll" role="region" tabindex="0" aria-label="{{ table_box_label }}">'
BOX_CLOSE = "</div>"


class ScrollingTables(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.globals["table_box_label"] = _l("Table")  # the region's name, in the reader's language

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if not name or not name.endswith(".html") or name.startswith("mail/"):
            return source
        parts, wrapped, last = [], [], 0  # wrapped: for each open table, whether it got a box
        for tag in _TAG.finditer(source):
            parts.append(source[last:tag.start()])
            if tag.group(0).startswith("</"):
                parts.append(tag.group(0) + (BOX_CLOSE if wrapped and wrapped.pop() else ""))
            else:
                box = not _OWN_BOX.search(source, 0, tag.start())  # a template's own region is kept as it is
                wrapped.append(box)
                parts.append((BOX_OPEN if box else "") + tag.group(0))
            last = tag.end()
        parts.append(source[last:])
        return "".join(parts)
