"""French/English synonyms of the technology market, for every index that wants them.

Each group lists words or phrases that mean the same thing to a buyer or a supplier;
backends expand a query word into the rest of its group.
"""

from __future__ import annotations

GROUPS: tuple[tuple[str, ...], ...] = (
    ("ia", "ai", "intelligence artificielle", "artificial intelligence"),
    ("llm", "grand modèle de langage", "large language model", "modèle de langage"),
    ("ia générative", "generative ai", "genai"),
    ("agent", "agents", "agentique", "agentic"),
    ("cyber", "cybersécurité", "cybersecurity", "sécurité informatique", "cyber security"),
    ("cloud souverain", "sovereign cloud"),
    ("secnumcloud", "snc"),
    ("données", "data"),
    ("open source", "logiciel libre", "libre"),
    ("low code", "low-code", "lowcode"),
    ("no code", "no-code", "nocode"),
    ("quantique", "quantum"),
    ("cryptographie post-quantique", "post-quantum cryptography", "pqc"),
    ("soc", "centre opérationnel de sécurité", "security operations center"),
    ("edr", "endpoint detection and response"),
    ("iam", "gestion des identités", "identity and access management"),
    ("rgpd", "gdpr"),
    ("erp", "progiciel de gestion intégré"),
    ("ocr", "reconnaissance de caractères"),
    ("chatbot", "agent conversationnel", "assistant conversationnel"),
    ("hébergement", "hosting"),
    ("sauvegarde", "backup"),
    ("messagerie", "email", "courriel"),
    ("visioconférence", "videoconferencing", "visio"),
)


def synonym_map(groups: tuple[tuple[str, ...], ...] = GROUPS) -> dict[str, tuple[str, ...]]:
    """word -> the other words of its group (the form Meilisearch takes)."""
    mapping: dict[str, tuple[str, ...]] = {}
    for group in groups:
        for word in group:
            others = tuple(w for w in group if w != word)
            mapping[word] = tuple(dict.fromkeys(mapping.get(word, ()) + others))
    return mapping
