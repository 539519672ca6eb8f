"""The category taxonomy: the alliance's seven axes and their sub-categories.

Codes are stable identifiers stored in the database (table ``categories``, seeded by a
migration); labels are shown in French and English.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    label_fr: str
    label_en: str
    parent: str | None = None

    @property
    def axis(self) -> str:
        return self.parent or self.code

    def label(self, locale: str) -> str:
        return self.label_en if locale == "en" else self.label_fr


AXES: tuple[Category, ...] = (
    Category("ai", "Intelligence artificielle", "Artificial intelligence"),
    Category("data", "Données", "Data"),
    Category("cloud", "Cloud souverain et infrastructures", "Sovereign cloud and infrastructure"),
    Category("it", "Informatique et environnement de travail numérique", "IT and digital workplace"),
    Category("lowcode", "Low code / no code", "Low code / no code"),
    Category("cyber", "Cybersécurité", "Cybersecurity"),
    Category("quantum", "Quantique", "Quantum"),
)

SUBCATEGORIES: tuple[Category, ...] = (
    Category("ai.llm", "Grands modèles de langage (LLM)", "Large language models (LLM)", "ai"),
    Category("ai.agents", "Agents et automatisation intelligente", "Agents and intelligent automation", "ai"),
    Category("ai.vision", "Vision par ordinateur", "Computer vision", "ai"),
    Category("ai.nlp", "Traitement du langage et documents", "Language and document processing", "ai"),
    Category("ai.ml", "Apprentissage automatique et prédiction", "Machine learning and forecasting", "ai"),
    Category("data.platform", "Plateformes de données", "Data platforms", "data"),
    Category("data.analytics", "Analyse et visualisation", "Analytics and visualisation", "data"),
    Category("data.governance", "Gouvernance et qualité des données", "Data governance and quality", "data"),
    Category("data.opendata", "Données ouvertes et partage", "Open data and data sharing", "data"),
    Category("cloud.iaas", "Infrastructure cloud (IaaS)", "Cloud infrastructure (IaaS)", "cloud"),
    Category("cloud.paas", "Plateformes cloud (PaaS)", "Cloud platforms (PaaS)", "cloud"),
    Category("cloud.hosting", "Hébergement qualifié", "Qualified hosting", "cloud"),
    Category("cloud.edge", "Edge et réseaux", "Edge and networks", "cloud"),
    Category("it.workplace", "Poste de travail et collaboration", "Workplace and collaboration", "it"),
    Category("it.erp", "Gestion (ERP, RH, finance)", "Business software (ERP, HR, finance)", "it"),
    Category("it.citizen", "Services aux usagers", "Citizen and customer services", "it"),
    Category("it.devops", "Développement et DevOps", "Software development and DevOps", "it"),
    Category("lowcode.apps", "Applications low code", "Low-code applications", "lowcode"),
    Category("lowcode.workflow", "Workflows et formulaires", "Workflows and forms", "lowcode"),
    Category("cyber.soc", "Détection et réponse (SOC, EDR)", "Detection and response (SOC, EDR)", "cyber"),
    Category("cyber.identity", "Identité et accès", "Identity and access", "cyber"),
    Category("cyber.crypto", "Chiffrement et PKI", "Encryption and PKI", "cyber"),
    Category("cyber.audit", "Audit et tests d’intrusion", "Audit and penetration testing", "cyber"),
    Category("quantum.computing", "Calcul quantique", "Quantum computing", "quantum"),
    Category("quantum.pqc", "Cryptographie post-quantique", "Post-quantum cryptography", "quantum"),
    Category("quantum.sensing", "Capteurs et communications quantiques", "Quantum sensing and communication", "quantum"),
)

ALL: tuple[Category, ...] = AXES + SUBCATEGORIES
BY_CODE: dict[str, Category] = {c.code: c for c in ALL}


def children(axis: str) -> list[Category]:
    return [c for c in SUBCATEGORIES if c.parent == axis]


def is_known(code: str) -> bool:
    return code in BY_CODE
