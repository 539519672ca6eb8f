"""The French catalog is complete, consistent with the code and compiled."""

from __future__ import annotations

from babel.support import Translations

from app.i18n_catalog import extract_messages, mo_path, read_catalog, untranslated


def _key(message):
    return (message.context, message.id if isinstance(message.id, str) else tuple(message.id))


def test_every_french_message_is_translated():
    assert untranslated(read_catalog("fr")) == []


def test_every_message_of_the_code_is_in_the_french_catalog():
    catalog = {_key(m) for m in read_catalog("fr") if m.id}
    missing = [key for key in (_key(m) for m in extract_messages() if m.id) if key not in catalog]
    assert missing == [], "run `flask --app wsgi translations update` and translate the new messages"


def test_translations_keep_the_placeholders_of_their_message():
    problems = [(message.id, [str(e) for e in errors]) for message, errors in read_catalog("fr").check()]
    assert problems == []


def test_the_compiled_catalog_gives_every_translation_of_the_source():
    """What the application reads (.mo) says what the translators wrote (.po)."""
    with mo_path("fr").open("rb") as fileobj:
        compiled = Translations(fileobj)
    stale = []
    for message in read_catalog("fr"):
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id[:2]
            if message.context:
                got = (compiled.npgettext(message.context, singular, plural, 1),
                       compiled.npgettext(message.context, singular, plural, 2))
            else:
                got = (compiled.ngettext(singular, plural, 1), compiled.ngettext(singular, plural, 2))
            expected = tuple(message.string[:2])
        else:
            got = compiled.pgettext(message.context, message.id) if message.context else compiled.gettext(message.id)
            expected = message.string
        if got != expected:
            stale.append(message.id)
    assert stale == [], "run `flask --app wsgi translations compile`"
