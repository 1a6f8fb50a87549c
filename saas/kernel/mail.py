"""Mails from templates: `templates/mail/<name>.txt` and `.html`, in the recipient's language, with
links on BASE_URL.

    mail_to(db, user.email, "pulse_invitation", locale=user.locale or tenant.language,
              name=user.name, tenant=tenant, token=token, closes_on=..., k=k)

The text template sets the subject on its first line (`{% set subject = _("...") -%}`) and writes
the body; its links come from `url_for(..., _external=True)`. The HTML part is the same text as
paragraphs with clickable links, in a plain page that names its language (`mail/_layout.html`), so
both parts always say the same. A mail's template may override the layout's `content` block.

Both are rendered inside a request context built from BASE_URL, so a link is the same whether the
mail is made by a page (whatever host the request came in on), by a job in the worker (no request
at all) or by the CLI. The rendered mail goes into the outbox (saas.kernel.outbox.queue_mail), which keeps
neither recipient nor body once the mail server has it.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import NamedTuple
from urllib.parse import urljoin

from flask import current_app, request
from flask_babel import force_locale, get_locale
from jinja2.utils import urlize
from markupsafe import Markup

from saas.kernel.outbox import OutboundMail, queue_mail


class RenderedMail(NamedTuple):
    subject: str
    text: str
    html: str


@contextmanager
def on_base_url():
    """A request context on BASE_URL: `url_for(..., _external=True)` inside it gives the public link.

    It shares the surrounding app context (and so the request's database session and `g`); only the
    URL adapter and `request` are its own, and they are gone again when it ends."""
    app = current_app._get_current_object()
    with app.test_request_context("/", base_url=app.config["KOERS"].base_url + "/"):
        yield


def absolute(path: str) -> str:
    """A path made by `url_for` (e.g. kept with an in-app notification) as a link on BASE_URL.
    Call it inside `on_base_url()`."""
    return urljoin(request.host_url, path)


def paragraphs(text: str) -> Markup:
    """Plain text as HTML: a blank line starts a paragraph, a line break stays one, links are links."""
    parts = [part.strip("\n") for part in re.split(r"\n[ \t]*\n", str(text).strip("\n")) if part.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup(urlize(part)).replace("\n", Markup("<br>\n")))  # urlize escapes
        for part in parts)


def render_mail(template: str, /, *, locale: str, **context) -> RenderedMail:
    """Subject, text and HTML of `templates/mail/<template>.*` in `locale`, with links on BASE_URL."""
    app = current_app._get_current_object()
    with on_base_url(), force_locale(locale):
        values = {"absolute": absolute, "paragraphs": paragraphs, **context}
        app.update_template_context(values)
        module = app.jinja_env.get_template(f"mail/{template}.txt").make_module(values)
        subject = " ".join(str(getattr(module, "subject", "")).split())
        text = str(module).lstrip("\n")
        html = app.jinja_env.get_template(f"mail/{template}.html").render(
            {**values, "subject": subject, "text": text, "lang": str(get_locale()).replace("_", "-")})
    if not subject:
        raise ValueError(f"templates/mail/{template}.txt sets no subject")
    return RenderedMail(subject, text, html)


def mail_to(db, recipient: str, template: str, /, *, locale: str, **context) -> OutboundMail:
    """Render mail `template` for one recipient in their language and put it in the outbox (delivered
    after commit)."""
    mail = render_mail(template, locale=locale, **context)
    return queue_mail(db, recipient, mail.subject, mail.text, html=mail.html)
