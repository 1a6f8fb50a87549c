"""The interface's words in one language, straight from the catalogues the app uses, so that browser
tests find buttons and headings as a Dutch or English user reads them."""
from flask_babel import force_locale, gettext


class Words:
    def __init__(self, app, language):
        self.app, self.language = app, language

    def __call__(self, message, **values):
        with self.app.test_request_context(), force_locale(self.language):
            return gettext(message, **values)

    def label(self, lazy):
        with self.app.test_request_context(), force_locale(self.language):
            return str(lazy)
