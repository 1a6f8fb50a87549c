"""Refresh the translation catalogues: extract, update nl and en, fill en, compile.

    .venv/bin/python -m saas.translations.update

1. extracts every message from the source (babel.cfg) into saas/translations/messages.pot;
2. updates (or creates) saas/translations/{nl,en}/LC_MESSAGES/messages.po, without fuzzy matching,
   so a changed message shows up as untranslated instead of with a stale guess;
3. fills every empty msgstr of the English catalogue with its msgid (English is the source language);
4. compiles both catalogues to .mo files (git-ignored; the Makefile compiles them too).

Afterwards, translate the entries it reports as untranslated in nl/LC_MESSAGES/messages.po and run it
once more to compile them. tests/test_i18n.py fails while any message lacks a translation.
"""
from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MAPPING = ROOT / "babel.cfg"
POT = HERE / "messages.pot"
LOCALES = ("nl", "en")
SOURCE_LOCALE = "en"
# Babel's defaults (_, gettext, ngettext, ...) plus the lazy variants the code imports.
KEYWORDS = ("_l", "lazy_gettext", "lazy_ngettext:1,2")
WIDTH = "76"


def pybabel(*args: str) -> None:
    """Run one pybabel command in this process, exactly as on the command line."""
    status = CommandLineInterface().run(["pybabel", "--quiet", *args])
    if status:
        raise SystemExit(f"pybabel {args[0]} failed ({status})")


def extract(output: Path) -> None:
    """Extract the messages of the current source tree into `output` (a .pot file)."""
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    output = Path(output).resolve()
    with contextlib.chdir(ROOT):  # so the locations read "saas/...", not an absolute path
        pybabel("extract", "-F", str(MAPPING), *keywords, "--add-location=file", "--sort-output",
                "--project=Koers", "--copyright-holder=Koers", "-c", "TRANSLATORS:", "-w", WIDTH,
                "-o", str(output), ".")


def catalogue_path(locale: str) -> Path:
    return HERE / locale / "LC_MESSAGES" / "messages.po"


def _without_date(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if not line.startswith('"POT-Creation-Date:')]


def refresh_template() -> bool:
    """Extract into messages.pot; leave the file alone when only its date would change."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        extract(fresh)
        if _without_date(fresh) == _without_date(POT):
            return False
        POT.write_text(fresh.read_text(encoding="utf-8"), encoding="utf-8")
        return True


def update_catalogue(locale: str) -> None:
    pybabel("update", "-i", str(POT), "-d", str(HERE), "-l", locale, "--init-missing", "--no-fuzzy-matching",
            "--ignore-obsolete", "--ignore-pot-creation-date", "-w", WIDTH)


def fill_source_language(locale: str = SOURCE_LOCALE) -> int:
    """In the English catalogue, an empty msgstr becomes its msgid (plural forms: singular, plural)."""
    path = catalogue_path(locale)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (list, tuple)):
            singular, plural = message.id[0], message.id[1]
            strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
            strings += [""] * (catalog.num_plurals - len(strings))
            wanted = [singular if index == 0 else plural for index in range(len(strings))]
            new = tuple(s or w for s, w in zip(strings, wanted))
            if new != tuple(strings):
                message.string = new
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        if message.fuzzy:
            message.flags.discard("fuzzy")
            filled += 1
    if filled:
        with path.open("wb") as handle:
            write_po(handle, catalog, width=int(WIDTH), ignore_obsolete=True)
    return filled


def untranslated(locale: str) -> list[str]:
    """The msgids that have no translation (or a fuzzy one) in `locale`."""
    with catalogue_path(locale).open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.fuzzy or not all(strings):
            missing.append(message.id[0] if isinstance(message.id, (list, tuple)) else message.id)
    return missing


def compile_catalogues() -> None:
    pybabel("compile", "-d", str(HERE), "-D", "messages")


def main() -> int:
    changed = refresh_template()
    print(f"messages.pot {'updated' if changed else 'unchanged'}")
    for locale in LOCALES:
        update_catalogue(locale)
    filled = fill_source_language()
    if filled:
        print(f"en: filled {filled} message(s) with the English source text")
    compile_catalogues()
    complete = True
    for locale in LOCALES:
        missing = untranslated(locale)
        if missing:
            complete = False
            print(f"\n{locale}: {len(missing)} message(s) still need a translation in "
                  f"{catalogue_path(locale).relative_to(ROOT)}:")
            for msgid in missing:
                print(f"  - {msgid!r}")
    if complete:
        print("All catalogues are complete.")
    return 0  # tests/test_i18n.py is the gate; this script only reports


if __name__ == "__main__":
    sys.exit(main())
