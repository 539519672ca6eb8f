"""The interface translations: extracting messages, updating and compiling the catalogs.

Message ids are English, in code (``_()``, ``gettext``, ``lazy_gettext as _l``,
``pgettext``/``lazy_pgettext`` with a context, ``ngettext``) and in templates
(``{{ _("...") }}``, ``{{ ngettext(...) }}``). French is the default locale; its catalog
is ``app/translations/fr/LC_MESSAGES/messages.po``, compiled to ``messages.mo`` beside it.
Both files are committed. The extraction mapping is ``app/translations/babel.cfg``.

After adding or changing interface text::

    flask --app wsgi translations update    # extract app/, templates/, notifications/
                                            # and merge into every catalog
    # translate the new entries (empty msgstr) in app/translations/fr/LC_MESSAGES/messages.po
    flask --app wsgi translations compile   # write messages.mo; lists what is untranslated

The same with pybabel, from the project root::

    pybabel extract -F app/translations/babel.cfg -k _l -k lazy_gettext \\
        -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -o /tmp/messages.pot app templates notifications
    pybabel update -i /tmp/messages.pot -d app/translations -l fr --no-fuzzy-matching --ignore-obsolete
    pybabel compile -d app/translations -l fr

``tests/main/test_i18n.py`` fails when a message of the code is missing from the French
catalog or left untranslated, and when ``messages.mo`` does not match ``messages.po``.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from app.config import PROJECT_ROOT

TRANSLATIONS_DIR = PROJECT_ROOT / "app" / "translations"
MAPPING_FILE = TRANSLATIONS_DIR / "babel.cfg"
SOURCE_DIRS = ("app", "templates", "notifications")
DOMAIN = "messages"
# Message ids are English: only the other languages have a catalog.
CATALOG_LOCALES = ("fr",)

KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
    "lazy_npgettext": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ("TRANSLATORS:",)
PO_WIDTH = 100


def po_path(locale: str) -> Path:
    return TRANSLATIONS_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str) -> Path:
    return po_path(locale).with_suffix(".mo")


def extract_messages() -> Catalog:
    """Every translatable message in the sources, as a template catalog (in memory)."""
    with MAPPING_FILE.open() as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, str(MAPPING_FILE))
    template = Catalog(project="Tremplin", charset="utf-8", fuzzy=False)
    for folder in SOURCE_DIRS:
        root = PROJECT_ROOT / folder
        if not root.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            root, method_map, options_map, keywords=KEYWORDS, comment_tags=COMMENT_TAGS, strip_comment_tags=True
        ):
            location = (f"{folder}/{Path(filename).as_posix()}", lineno)
            template.add(message, None, [location], auto_comments=comments, context=context)
    return template


def read_catalog(locale: str) -> Catalog:
    with po_path(locale).open("rb") as fileobj:
        return read_po(fileobj, locale=locale, domain=DOMAIN)


def untranslated(catalog: Catalog) -> list[str]:
    """Message ids with no (or only a fuzzy) translation."""
    missing = []
    for message in catalog:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update_catalogs(locales: tuple[str, ...] = CATALOG_LOCALES) -> dict[str, list[str]]:
    """Merge freshly extracted messages into each catalog; return what is untranslated."""
    template = extract_messages()
    result = {}
    for locale in locales:
        path = po_path(locale)
        if path.exists():
            catalog = read_catalog(locale)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=locale, domain=DOMAIN, project="Tremplin", charset="utf-8", fuzzy=False)
        # No fuzzy matching: a guessed translation of a similar sentence is worse than none.
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        catalog.revision_date = datetime.now().astimezone()
        content = _po_bytes(catalog)
        if not path.exists() or _undated(content) != _undated(path.read_bytes()):
            path.write_bytes(content)  # rewritten only when a message or location changed
        result[locale] = untranslated(catalog)
    return result


def _po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=PO_WIDTH, sort_output=False, include_previous=False)
    return buffer.getvalue()


def _undated(content: bytes) -> bytes:
    return re.sub(rb'^"(POT-Creation|PO-Revision)-Date: .*$', b"", content, flags=re.MULTILINE)


def compile_catalogs(locales: tuple[str, ...] = CATALOG_LOCALES) -> list[Path]:
    """Compile each ``messages.po`` to ``messages.mo`` (fuzzy entries left out)."""
    written = []
    for locale in locales:
        catalog = read_catalog(locale)
        path = mo_path(locale)
        with path.open("wb") as fileobj:
            write_mo(fileobj, catalog, use_fuzzy=False)
        written.append(path)
    return written


@click.group("translations")
def translations_command():
    """Update and compile the interface translations (French catalog)."""


def _report(missing: dict[str, list[str]]) -> None:
    for locale, ids in missing.items():
        if ids:
            click.secho(f"{locale}: {len(ids)} message(s) still to translate in {po_path(locale)}", fg="yellow")
            for message_id in ids:
                click.echo(f"  - {message_id}")
        else:
            click.echo(f"{locale}: every message is translated")


@translations_command.command("update")
def update_command():
    """Extract messages from app/, templates/, notifications/ and merge them into the catalogs."""
    _report(update_catalogs())


@translations_command.command("compile")
def compile_command():
    """Compile the catalogs to .mo files, the form the application reads."""
    for path in compile_catalogs():
        click.echo(f"wrote {path.relative_to(PROJECT_ROOT)}")
    _report({locale: untranslated(read_catalog(locale)) for locale in CATALOG_LOCALES})
