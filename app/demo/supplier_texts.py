"""What suppliers say about themselves and their products, by sub-category."""

from __future__ import annotations

# code -> (headlines, product words, product summaries)
OFFERS: dict[str, tuple[list[str], list[str], list[str]]] = {
    "ai.llm": (
        ["Modèles de langage souverains, entraînés et hébergés en Europe",
         "Des assistants IA générative déployables sur votre propre infrastructure"],
        ["Assistant", "Copilote", "LLM", "Scribe"],
        ["Assistant conversationnel fondé sur un modèle de langage ouvert, déployable sur site ou en cloud qualifié.",
         "Plateforme de LLM privée avec recherche augmentée (RAG) sur vos documents internes."],
    ),
    "ai.agents": (
        ["Agents IA qui automatisent les tâches répétitives des équipes métier",
         "L’automatisation intelligente des processus, sous contrôle humain"],
        ["Agents", "Pilot", "Orchestrateur"],
        ["Orchestration d’agents IA pour le traitement de dossiers, avec validation humaine à chaque étape.",
         "Automatisation des processus métiers par agents, journalisée et auditable."],
    ),
    "ai.vision": (
        ["Vision par ordinateur pour l’inspection, la sécurité et l’environnement",
         "Analyse d’images satellites et aériennes à grande échelle"],
        ["Vision", "Lens", "Inspect"],
        ["Détection d’anomalies sur images et vidéos, entraînée sur vos données, exécutée en périphérie.",
         "Analyse d’images satellitaires pour le suivi des territoires et des infrastructures."],
    ),
    "ai.nlp": (
        ["Traitement automatique des documents et du courrier entrant",
         "Comprendre, classer et résumer des millions de documents en français"],
        ["Doc", "Reader", "Tri"],
        ["Lecture automatique, classement et extraction d’informations sur courriers et pièces justificatives.",
         "Anonymisation et pseudonymisation de décisions et de documents administratifs."],
    ),
    "ai.ml": (
        ["Modèles prédictifs pour la maintenance, la demande et la fraude",
         "Apprentissage automatique industrialisé, de l’expérimentation à la production"],
        ["Predict", "Forecast", "MLOps"],
        ["Prévision de la demande et des charges, avec explicabilité des résultats.",
         "Plateforme MLOps pour entraîner, déployer et surveiller des modèles en production."],
    ),
    "data.platform": (
        ["Plateforme de données souveraine, ouverte et interopérable",
         "Votre lac de données en Europe, sans dépendance à un hyperscaler"],
        ["Lake", "Hub", "Platform"],
        ["Plateforme de données gérée (ingestion, stockage, traitement) hébergée en France.",
         "Entrepôt de données open source avec connecteurs vers les principaux logiciels métiers."],
    ),
    "data.analytics": (
        ["Tableaux de bord et analyse de données pour décider vite",
         "La data visualisation accessible aux équipes métier"],
        ["Dashboards", "Insight", "Analytics"],
        ["Tableaux de bord en libre-service, conformes RGAA, avec gestion fine des droits.",
         "Analyse géographique et statistique des données territoriales."],
    ),
    "data.governance": (
        ["Gouvernance, catalogue et qualité des données",
         "Cartographier, documenter et protéger vos données"],
        ["Catalog", "Quality", "Registry"],
        ["Catalogue de données avec lignage, glossaire métier et registre RGPD intégré.",
         "Contrôle qualité automatisé des données de référence."],
    ),
    "data.opendata": (
        ["Ouverture et partage de données entre organisations",
         "Des espaces de données de confiance, conformes au Data Governance Act"],
        ["Open", "Share", "Portal"],
        ["Portail open data clé en main, moissonné par data.gouv.fr.",
         "Espace de partage de données entre partenaires avec contrats d’usage."],
    ),
    "cloud.iaas": (
        ["Infrastructure cloud européenne, opérée en France",
         "Machines virtuelles, stockage et réseau sous droit européen"],
        ["Compute", "IaaS", "Storage"],
        ["Instances de calcul et stockage objet compatibles S3, opérés dans nos centres de données français.",
         "Cloud privé dédié, opéré par nos équipes, réversible par conception."],
    ),
    "cloud.paas": (
        ["Plateforme applicative managée : Kubernetes, bases de données, files de messages",
         "Déployez vos applications sans gérer l’infrastructure"],
        ["Kube", "PaaS", "Apps"],
        ["Kubernetes managé et bases de données PostgreSQL sur infrastructure européenne.",
         "Plateforme d’hébergement applicatif avec déploiement continu intégré."],
    ),
    "cloud.hosting": (
        ["Hébergement qualifié SecNumCloud et HDS pour les données sensibles",
         "Hébergement de confiance pour les données de santé et les systèmes critiques"],
        ["Trust", "Secure Hosting", "Enclave"],
        ["Hébergement qualifié SecNumCloud pour les systèmes d’information sensibles.",
         "Hébergement certifié HDS pour les données de santé, avec plan de réversibilité."],
    ),
    "cloud.edge": (
        ["Edge computing et réseaux privés pour sites industriels et territoires",
         "Connectivité et calcul au plus près des usages"],
        ["Edge", "Mesh", "Relay"],
        ["Micro-centres de données en périphérie pour l’industrie et les collectivités.",
         "Réseau privé 5G et supervision pour sites sensibles."],
    ),
    "it.workplace": (
        ["Suite collaborative souveraine : messagerie, documents, visioconférence",
         "L’environnement de travail numérique, sans dépendance extra-européenne"],
        ["Office", "Meet", "Drive"],
        ["Suite bureautique et collaborative en ligne, open source, hébergée en France.",
         "Visioconférence chiffrée de bout en bout pour les échanges sensibles."],
    ),
    "it.erp": (
        ["Logiciels de gestion : finances, achats, ressources humaines",
         "Un ERP modulaire pensé pour les organisations publiques"],
        ["ERP", "RH", "Finance"],
        ["Gestion financière et comptable conforme aux normes publiques (GBCP, M57).",
         "Système d’information RH : paie, carrières, entretiens, formation."],
    ),
    "it.citizen": (
        ["Services numériques aux usagers : démarches, rendez-vous, relation client",
         "Des parcours usagers simples, accessibles et mesurés"],
        ["Démarches", "Guichet", "Relation"],
        ["Plateforme de démarches en ligne accessible (RGAA) et connectée à FranceConnect.",
         "Prise de rendez-vous et gestion de la relation usagers multicanale."],
    ),
    "it.devops": (
        ["Développement logiciel, DevOps et forges souveraines",
         "Des équipes produit pour construire et opérer vos services numériques"],
        ["Forge", "CI", "Delivery"],
        ["Forge logicielle auto-hébergée avec intégration et déploiement continus.",
         "Équipes produit agiles pour concevoir et opérer des services numériques."],
    ),
    "lowcode.apps": (
        ["Créer des applications métier sans développeur",
         "Low code souverain pour les équipes métier"],
        ["Builder", "Apps", "Studio"],
        ["Atelier low code pour créer des applications métier, hébergé en France.",
         "Plateforme no code de bases de données collaboratives."],
    ),
    "lowcode.workflow": (
        ["Formulaires, circuits de validation et signature électronique",
         "Dématérialiser les procédures internes en quelques jours"],
        ["Forms", "Workflow", "Circuit"],
        ["Formulaires en ligne et circuits de validation avec signature électronique qualifiée.",
         "Automatisation de workflows sans code, connectée aux annuaires de l’organisation."],
    ),
    "cyber.soc": (
        ["Détection et réponse aux incidents, 24 h/24",
         "SOC managé et EDR conçus en Europe"],
        ["SOC", "EDR", "Sentinel"],
        ["Centre opérationnel de sécurité managé, avec réponse à incident 24/7.",
         "Agent EDR léger pour postes et serveurs, console hébergée en France."],
    ),
    "cyber.identity": (
        ["Gestion des identités et des accès, authentification forte",
         "L’authentification sans mot de passe pour agents et usagers"],
        ["ID", "Access", "Pass"],
        ["Fédération d’identités et authentification multifacteur pour agents et partenaires.",
         "Gestion des accès à privilèges (bastion) et revue des habilitations."],
    ),
    "cyber.crypto": (
        ["Chiffrement des données et infrastructures de gestion de clés",
         "Vos clés, vos données : chiffrement de bout en bout"],
        ["Crypt", "KMS", "Key"],
        ["Gestion de clés (KMS) et HSM pour chiffrer les données dans le cloud.",
         "Chiffrement de fichiers et d’échanges de bout en bout, certifié CSPN."],
    ),
    "cyber.audit": (
        ["Audits de sécurité et tests d’intrusion qualifiés PASSI",
         "Tester vos défenses avant les attaquants"],
        ["Audit", "Pentest", "Red Team"],
        ["Tests d’intrusion, audits de configuration et de code par des auditeurs qualifiés.",
         "Exercices de crise cyber et simulations d’hameçonnage."],
    ),
    "quantum.computing": (
        ["Calcul quantique et algorithmes hybrides pour l’optimisation",
         "Accéder au calcul quantique dès aujourd’hui"],
        ["QPU", "Solver", "Qubit"],
        ["Accès à un processeur quantique et à des solveurs hybrides pour l’optimisation logistique.",
         "Émulateur quantique haute performance pour préparer les algorithmes de demain."],
    ),
    "quantum.pqc": (
        ["Cryptographie post-quantique : inventaire et migration",
         "Préparer vos systèmes à l’après-quantique"],
        ["PQC", "Migrate", "Shield"],
        ["Bibliothèque et passerelles de cryptographie post-quantique hybride.",
         "Inventaire cryptographique et plan de migration post-quantique."],
    ),
    "quantum.sensing": (
        ["Capteurs et communications quantiques",
         "Navigation, mesure et distribution de clés quantiques"],
        ["Sense", "QKD", "Gravi"],
        ["Capteurs quantiques de haute précision pour la navigation sans GNSS.",
         "Distribution quantique de clés sur fibre pour les liaisons sensibles."],
    ),
}

REFERENCE_CLIENTS = [
    "une région", "un conseil départemental", "une métropole", "un centre hospitalier universitaire",
    "un ministère", "un opérateur de l’État", "un groupe bancaire", "un assureur mutualiste",
    "un groupe industriel", "un opérateur de transport", "une agglomération", "une université",
]
REFERENCE_SUMMARIES = [
    "Déploiement auprès de {n} utilisateurs en moins de six mois.",
    "Remplacement d’une solution extra-européenne, avec migration des données.",
    "Expérimentation réussie puis généralisation à l’ensemble des services.",
    "Marché de {n} licences sur trois ans, reconduit.",
    "Mise en conformité et accompagnement des équipes internes.",
]

LICENCES = ["AGPL-3.0", "Apache-2.0", "EUPL-1.2", "MIT", "GPL-3.0", "MPL-2.0"]

# Invented hosting providers: (name, country, SecNumCloud-qualified offer, extraterritorial)
HOSTS = [
    ("Nimbus Hexagone (offre SecNumCloud)", "FR", True, False),
    ("Armorique Datacenters (offre qualifiée)", "FR", True, False),
    ("Cloud des Calanques", "FR", False, False),
    ("Nimbus Hexagone", "FR", False, False),
    ("Hébergement interne (centres de données en France)", "FR", False, False),
    ("Rheinwolke", "DE", False, False),
    ("Polder Cloud", "NL", False, False),
    ("Hyperscaler américain, région Europe", "IE", False, True),
    ("Hyperscaler américain, région Paris", "FR", False, True),
]


def describe_supplier(name: str, kind: str, city: str, founded: int, labels_fr: list[str],
                      codes: list[str], labels_of: dict[str, str]) -> str:
    domains = ", ".join(labels_of[c][0].lower() + labels_of[c][1:] for c in codes)
    who = "Startup" if kind == "startup" else "PME"
    text = (f"{who} fondée en {founded} à {city}, {name} accompagne administrations et grands comptes "
            f"sur les sujets suivants : {domains}. ")
    text += ("Nos équipes conçoivent et opèrent nos produits en Europe ; les données de nos clients "
             "restent sous leur contrôle, avec un plan de réversibilité documenté.")
    if labels_fr:
        text += f" Distinctions : {', '.join(labels_fr)}."
    return text


LABEL_NAMES = {
    "french_tech_120": "French Tech 120",
    "next40": "French Tech Next40",
    "jei": "Jeune entreprise innovante",
    "greentech": "GreenTech Innovation",
    "deeptech": "Deeptech",
}
