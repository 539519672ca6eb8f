"""Folding, words and highlights shared by the search backends."""

from __future__ import annotations

import pytest

from search.base import MARK_END as E
from search.base import MARK_START as S
from search.text import STOP_WORDS, fold, highlight, index_text, words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Sécurité", "securite"),
        ("SÉCURITÉ", "securite"),
        ("Œuvre cœur", "oeuvre coeur"),
        ("Straße", "strasse"),
        ("Æther Øresund Łódź", "aether oresund lodz"),
        ("ﬁbre", "fibre"),
    ],
)
def test_fold_ignores_case_accents_and_ligatures(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("L'intelligence artificielle", ["intelligence", "artificielle"]),
        ("qu’elle jusqu'au d'État", ["elle", "au", "etat"]),
        ("post-quantique", ["post", "quantique"]),
        ("the company's 5G and ISO27001", ["the", "company", "5g", "and", "iso27001"]),
        ("cloud, souverain; (SecNumCloud)!", ["cloud", "souverain", "secnumcloud"]),
        ("", []),
    ],
)
def test_words_for_french_and_english(text, expected):
    assert words(text) == expected


def test_index_text_takes_strings_numbers_and_lists():
    assert index_text(["Cybersécurité", "IA"]) == "cybersecurite ia"
    assert index_text(2026) == "2026"
    assert index_text(None) == "" and index_text(True) == ""


def test_stop_words_are_french_and_english_and_folded():
    assert {"le", "la", "des", "the", "and"} <= STOP_WORDS
    assert "cloud" not in STOP_WORDS
    assert all(fold(w) == w for w in STOP_WORDS)


def test_highlight_marks_words_of_the_original_text():
    text = "L'Intelligence artificielle et la cybersécurité du ministère"
    assert highlight(text, {"intelligence", "cybersecurite"}) == (
        f"L'{S}Intelligence{E} artificielle et la {S}cybersécurité{E} du ministère"
    )
    assert highlight(text, set(), {"minist"}) == f"L'Intelligence artificielle et la cybersécurité du {S}ministère{E}"
    assert highlight("Œuvre", {"oeuvre"}) == f"{S}Œuvre{E}"
    assert highlight("the company's offer", {"company"}) == f"the {S}company{E}'s offer"
    assert highlight("rien à voir", {"cloud"}) == "rien à voir"
