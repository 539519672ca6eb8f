"""A labelled relevance set: a small fixed corpus of needs and offers, queries, and what
a reader expects at the top.

The corpus (``DOCS``) holds French and English needs and offers on AI/LLM, agents,
cybersecurity, sovereign cloud, data, quantum, low code, digital workplace... shaped as
need documents (app.matching.documents.need_document) and searched with the NEEDS
settings (searchable fields, FR/EN synonyms, typo budget).

Each document carries topics (never indexed). Each query (``QUERIES``) names:

- ``expected``: the ids a reader would be annoyed not to see in the first five results
  (tests/search/test_relevance.py asserts it, query by query);
- ``topics``: what the query is about; every document with one of those topics is
  relevant.

precision@5 is the share of the first five results that are relevant (over K = 5,
textbook; a query with fewer than five relevant documents cannot reach 1, hence the
``ideal_precision`` printed beside it); recall@5 is the share of the expected ids found
in the first five.

Labels were written from the texts, before looking at the engine's answers. After the
first run, labels were completed, never fitted to a ranking: documents that say « open
source » got that topic, encryption and ransomware backup count as cybersecurity, a
« low-code » query accepts no-code tools and « digital workplace » messaging and video;
and « IA » no longer names n04 among its expected ids (twelve AI documents are as
relevant, five of them ranked first), it names the three whose own words say « IA ».
``evaluate`` runs the set on a backend; bench/search_bench.py prints its figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.matching.documents import NEEDS, _axes, _labels
from search.base import IndexSettings, Query

SETTINGS = IndexSettings(name="relevance", searchable=NEEDS.searchable, filterable=NEEDS.filterable,
                         sortable=NEEDS.sortable, synonyms=NEEDS.synonyms,
                         min_word_size_one_typo=NEEDS.min_word_size_one_typo,
                         min_word_size_two_typos=NEEDS.min_word_size_two_typos)
K = 5


@dataclass(frozen=True)
class Doc:
    id: str
    codes: tuple[str, ...]
    title: str
    summary: str
    description: str
    topics: frozenset[str]
    buyer: str = "Ministère de la Transformation et de la Fonction publiques"


def D(id_, codes, title, summary, description, topics, buyer=None):  # noqa: N802 - a table row
    return Doc(id_, tuple(codes.split()), title, summary, description, frozenset(topics.split()),
               buyer or Doc.buyer)


MIN, REG, BANK, HOSP, OPS = ("Ministère de l’Intérieur", "Région Bretagne", "Banque Fontenoy", "Hospitalia Santé",
                             "Ferroviaire Hexagone")

DOCS: tuple[Doc, ...] = (
    # --- AI: LLM, generative AI, assistants
    D("n01", "ai.llm cloud.hosting", "Assistant conversationnel souverain pour les agents",
      "Un assistant d’IA générative qui rédige, résume et recherche dans la documentation interne.",
      "L’assistant repose sur un grand modèle de langage dont les poids sont maîtrisés, hébergé en France, "
      "connecté aux bases documentaires (recherche augmentée).", "llm genai chatbot"),
    D("n02", "ai.llm", "Synthèse automatique des comptes rendus de réunion",
      "Transcrire les réunions et produire un compte rendu structuré avec relecture humaine.",
      "Un modèle de langage identifie décisions et actions ; les enregistrements sont supprimés après traitement.",
      "llm nlp"),
    D("n03", "ai.llm", "Sovereign LLM platform for internal documents",
      "A large language model hosted in the EU, with retrieval-augmented generation over our knowledge base.",
      "The model runs on our own infrastructure; prompts and answers never leave the European Union.",
      "llm genai", BANK),
    D("n04", "ai.llm ai.nlp", "Aide à la rédaction des réponses aux courriers des usagers",
      "Proposer des projets de réponse grâce à l’intelligence artificielle, en citant les sources.",
      "L’outil s’intègre à la gestion du courrier existante et laisse la validation finale à l’agent.",
      "llm nlp genai", REG),
    D("o01", "ai.llm", "Scribe, le copilote de rédaction de Lumiflow",
      "LLM open source affiné pour l’administration française, déployable sur site.",
      "Lumiflow entraîne et héberge ses modèles en Europe ; rédaction, résumé, traduction.", "llm genai opensource",
      "Lumiflow"),
    D("o02", "ai.llm", "Generative AI assistant for customer service",
      "Our AI chatbot answers customers day and night and hands over to a human when needed.",
      "Hosted in Germany, trained on your own knowledge base, with analytics on every conversation.",
      "genai chatbot", "Rheinwolke Labs"),
    # --- AI: agents
    D("n05", "ai.agents", "Agents IA pour l’instruction des dossiers de subvention",
      "Automatiser la vérification de complétude et la pré-instruction des dossiers de demande.",
      "Les agents contrôlent les pièces, signalent les incohérences et préparent une fiche d’instruction ; "
      "chaque étape reste validée par un instructeur.", "agents", REG),
    D("n06", "ai.agents lowcode.workflow", "Automatisation du traitement des factures fournisseurs",
      "Lecture des factures, rapprochement avec les commandes et circuit de validation automatisés.",
      "Objectif : 70 % des factures traitées sans ressaisie, connecté au logiciel de gestion financière.",
      "agents workflow", BANK),
    D("n07", "ai.agents", "Agentic AI to triage IT support tickets",
      "Autonomous agents classify, enrich and route service desk tickets under human supervision.",
      "Integration with our ticketing tool; every action of an agent is logged and reversible.", "agents", OPS),
    D("o03", "ai.agents", "Orchestrateur d’agents intelligents",
      "Orchestration d’agents IA pour les processus métier, journalisée et auditable.",
      "Néonode conçoit des agents qui traitent les dossiers avec une validation humaine à chaque étape.",
      "agents", "Néonode Labs"),
    # --- AI: vision, documents, prediction
    D("n08", "ai.vision", "Détection des dépôts sauvages par analyse d’images",
      "Repérer les dépôts sauvages de déchets à partir des caméras des véhicules de collecte.",
      "Les images sont traitées localement et floutées ; seules les alertes géolocalisées sont transmises.",
      "vision", REG),
    D("n09", "ai.vision", "Inspection visuelle des ouvrages d’art par drone",
      "Détecter fissures et corrosion sur les ponts à partir d’images de drones.",
      "Logiciel d’analyse entraîné sur nos images, formation des équipes de maintenance.", "vision", OPS),
    D("n10", "ai.vision data.analytics", "Computer vision on satellite imagery for land use",
      "Measure land take every quarter from satellite images.",
      "Results feed a map dashboard and are published as open data.", "vision"),
    D("n11", "ai.nlp", "Pseudonymisation automatique des décisions de justice",
      "Pseudonymiser noms, adresses et identifiants avant la diffusion des décisions.",
      "Rappel supérieur à 98 % sur les noms de personnes, interface de relecture.", "nlp pseudo",
      "Ministère de la Justice"),
    D("n12", "ai.nlp", "Tri et routage intelligent du courrier entrant",
      "Classer le courrier numérisé et l’orienter vers le bon service.",
      "Reconnaissance de caractères (OCR) sur les courriers scannés, extraction des références de dossier.",
      "nlp ocr", MIN),
    D("o04", "ai.nlp", "Reader : lecture automatique de documents",
      "OCR et extraction d’informations sur les pièces justificatives.",
      "Classement, extraction et contrôle de cohérence des documents reçus.", "nlp ocr", "Iridoc"),
    D("n13", "ai.ml", "Prévision de l’affluence dans les points d’accueil",
      "Anticiper l’affluence pour ajuster les plannings des équipes.",
      "Le modèle combine historiques, calendrier et événements locaux ; il est explicable.", "ml", REG),
    D("n14", "ai.ml", "Détection de la fraude documentaire par apprentissage automatique",
      "Repérer les pièces justificatives falsifiées parmi les dossiers déposés en ligne.",
      "Score de risque expliqué ; aucune décision sans contrôle humain.", "ml", MIN),
    D("n15", "ai.ml", "Predictive maintenance for the rolling stock fleet",
      "Forecast failures from telematics and maintenance history with machine learning.",
      "Forecasts feed the existing fleet management tool.", "ml", OPS),
    # --- data
    D("n16", "data.platform cloud.paas", "Plateforme de données mutualisée hébergée en France",
      "Une plateforme de données commune : ingestion, stockage, traitement et exposition.",
      "Briques open source, opérée en France, transfert de compétences vers l’équipe interne.", "data-platform opensource"),
    D("n17", "data.platform", "Migration d’un entrepôt de données vers une solution open source",
      "Migrer l’entrepôt de données sous licence propriétaire vers une solution open source.",
      "4 To de données, 300 rapports, 60 flux d’alimentation ; double fonctionnement trois mois.",
      "data-platform opensource", HOSP),
    D("n18", "data.platform", "Enterprise data platform on European infrastructure",
      "A data lake with ingestion, processing and a catalogue, run in the EU.",
      "No dependency on a US hyperscaler; open formats; exit plan required.", "data-platform", BANK),
    D("o05", "data.platform", "Hub, la plateforme de données souveraine d’Ardoise",
      "Lac de données géré, hébergé en France, sans dépendance à un hyperscaler.",
      "Connecteurs vers les principaux logiciels métiers.", "data-platform", "Ardoise Data"),
    D("n19", "data.analytics", "Tableaux de bord de pilotage de l’activité",
      "Des tableaux de bord actualisés chaque jour, sur ordinateur et mobile.",
      "Une quinzaine d’indicateurs, gestion fine des droits, accessibilité RGAA.", "analytics", REG),
    D("n20", "data.governance", "Catalogue de données et registre RGPD",
      "Documenter les données, leur lignage et les traitements au sens du RGPD.",
      "Glossaire métier, registre des traitements, contrôle qualité des données de référence.",
      "governance rgpd", HOSP),
    D("n21", "data.governance", "GDPR compliance audit of customer data",
      "Map personal data across 40 applications and fix retention periods.",
      "Deliverables: data map, records of processing, remediation plan.", "rgpd", BANK),
    D("n22", "data.opendata", "Portail de données ouvertes du territoire",
      "Publier les jeux de données de la collectivité, moissonnés par data.gouv.fr.",
      "Portail clé en main, API, statistiques de réutilisation.", "opendata", REG),
    # --- cloud
    D("n23", "cloud.iaas cloud.hosting", "Hébergement en cloud souverain des applications métiers",
      "Migrer quarante applications vers un cloud souverain qualifié SecNumCloud.",
      "Aucune exposition aux lois extraterritoriales ; plan de réversibilité.", "sovereign-cloud secnumcloud",
      MIN),
    D("n24", "cloud.iaas", "Sovereign cloud for the group’s HR and payroll systems",
      "Move our HR stack to a sovereign cloud provider out of reach of extraterritorial laws.",
      "Exit plan and open formats required; hosting in France or Germany.", "sovereign-cloud erp", BANK),
    D("n25", "cloud.hosting", "Hébergement qualifié SecNumCloud des données de santé",
      "Héberger le dossier patient chez un hébergeur certifié HDS et qualifié SecNumCloud.",
      "Plan de réversibilité, astreinte 24/7, centres de données en France.", "secnumcloud health-hosting", HOSP),
    D("n26", "cloud.paas", "Kubernetes managé et bases de données PostgreSQL",
      "Une plateforme applicative managée pour les équipes de développement.",
      "Clusters Kubernetes, PostgreSQL, files de messages, sur infrastructure européenne.", "paas"),
    D("n27", "cloud.paas", "Managed Kubernetes platform in the EU",
      "Run containers without operating clusters ourselves.",
      "Managed Kubernetes, registry and observability, EU jurisdiction only.", "paas", OPS),
    D("n28", "cloud.edge", "Réseau privé 5G et edge computing pour sites industriels",
      "Connectivité et calcul au plus près des ateliers.", "Micro-centres de données sur site, supervision.",
      "edge", "Astrée Aéronautique"),
    D("n29", "cloud.iaas", "Sauvegarde externalisée et plan de reprise d’activité",
      "Sauvegarder chaque nuit les serveurs et pouvoir redémarrer en quatre heures.",
      "Copies chiffrées dans deux centres de données distants.", "backup", REG),
    D("n30", "cloud.iaas cyber.soc", "Immutable backup for ransomware resilience",
      "Offline, immutable copies of critical systems.", "Restore tests every quarter.", "backup cyber", HOSP),
    D("o06", "cloud.iaas cloud.hosting", "Nimbus Hexagone, le cloud souverain opéré en France",
      "Infrastructure IaaS qualifiée SecNumCloud, opérée par des équipes françaises.",
      "Machines virtuelles, stockage objet, réseau privé.", "sovereign-cloud secnumcloud", "Nimbus Hexagone"),
    D("o07", "cloud.iaas", "Polder Cloud: sovereign cloud infrastructure",
      "Virtual machines, object storage and networks under EU law.", "Operated in the Netherlands.",
      "sovereign-cloud", "Polder Cloud"),
    # --- IT and digital workplace
    D("n31", "it.workplace", "Renouvellement du poste de travail des agents",
      "Fourniture et gestion de 12 000 postes de travail.",
      "Systèmes d’exploitation libres, déploiement et support de proximité.", "workplace opensource", MIN),
    D("n32", "it.workplace", "Suite collaborative : messagerie, documents partagés et visioconférence",
      "Remplacer la suite bureautique actuelle par une suite collaborative hébergée en Europe.",
      "Messagerie, agenda, édition de documents à plusieurs, visioconférence.", "workplace messaging visio"),
    D("n33", "it.workplace", "Visioconférence chiffrée pour les échanges sensibles",
      "Des réunions à distance chiffrées de bout en bout.", "Jusqu’à 300 participants, salles équipées.", "visio",
      MIN),
    D("n34", "it.workplace", "Digital workplace and collaboration suite",
      "Email, calendar, shared documents and chat for 20 000 employees.",
      "Hosted in the EU, with migration from the current suite.", "workplace messaging", BANK),
    D("n35", "it.workplace cyber.crypto", "Messagerie chiffrée de bout en bout pour les dirigeants",
      "Une messagerie instantanée chiffrée pour les échanges des cadres dirigeants.",
      "Applications mobiles et poste de travail, clés conservées par l’organisation.", "messaging crypto", BANK),
    D("n36", "it.erp", "Système d’information RH : paie et carrières",
      "Remplacer le logiciel de paie et de gestion des carrières.", "Reprise des données, formation.", "erp", REG),
    D("n37", "it.erp", "ERP for finance and purchasing", "One ERP for accounting, purchasing and budgets.",
      "Twelve subsidiaries, IFRS reporting.", "erp", "Groupe Solvéa Énergie"),
    D("n38", "it.citizen", "Prise de rendez-vous en ligne pour les usagers",
      "Réserver un créneau en ligne dans les points d’accueil.", "Rappels par SMS, accessibilité RGAA.", "citizen",
      REG),
    D("n39", "it.devops", "Forge logicielle et intégration continue",
      "Une forge auto-hébergée avec intégration et déploiement continus.", "Migration de 800 dépôts.", "devops",
      MIN),
    D("o08", "it.workplace", "Office : la suite bureautique souveraine",
      "Traitement de texte, tableur et messagerie en ligne, open source, hébergés en France.",
      "Compatible avec les formats ouverts.", "workplace messaging opensource", "Lumisphère"),
    # --- low code / no code
    D("n40", "lowcode.apps", "Plateforme low code pour les applications métier",
      "Permettre aux équipes métier de créer leurs applications.",
      "Hébergée en France, connectée à l’annuaire, gouvernance des applications.", "lowcode", MIN),
    D("n41", "lowcode.workflow", "Formulaires en ligne et circuits de validation",
      "Dématérialiser les procédures internes sans écrire de code.",
      "Signature électronique qualifiée, notifications, tableaux de suivi.", "nocode workflow", REG),
    D("n42", "lowcode.apps", "Low-code application builder for business teams",
      "Let business teams build their own apps with governance by IT.", "SSO, audit logs, EU hosting.",
      "lowcode", "Distribution Marelle"),
    D("n43", "lowcode.workflow", "Gestion des demandes de partenariat dans un outil no code",
      "Un outil no code configurable par les équipes pour instruire les demandes.",
      "Formulaires, circuits d’instruction et export en formats ouverts.", "nocode", REG),
    D("o09", "lowcode.apps", "Studio, l’atelier lowcode hébergé en France",
      "Créer des applications métier sans développeur.", "Modèles d’applications, connecteurs, bases de données.",
      "lowcode", "Orbistudio"),
    # --- cybersecurity
    D("n44", "cyber.soc", "SOC managé et réponse à incident 24/7",
      "Surveiller le système d’information jour et nuit et répondre aux incidents.",
      "Prestataire qualifié PDIS, collecte des journaux, astreinte.", "soc cyber", BANK),
    D("n45", "cyber.soc", "Déploiement d’un EDR sur 8 000 postes et serveurs",
      "Détecter et bloquer les menaces sur les terminaux.", "Console hébergée en France, support en français.",
      "soc cyber", MIN),
    D("n46", "cyber.audit", "Tests d’intrusion et audits de sécurité (accord-cadre)",
      "Auditer nos applications exposées sur Internet.", "Prestataire qualifié PASSI, rapports et restitution.",
      "pentest cyber"),
    D("n47", "cyber.audit", "Penetration testing of the online banking services",
      "Yearly penetration tests of web and mobile banking.", "Red team exercise included.", "pentest cyber", BANK),
    D("n48", "cyber.identity", "Gestion des identités et des accès des agents et partenaires",
      "Fédérer les identités et généraliser l’authentification multifacteur.",
      "Annuaire, revue des habilitations, accès à privilèges.", "iam cyber", MIN),
    D("n49", "cyber.identity", "Identity and access management with passwordless login",
      "Single sign-on and passwordless authentication for staff and partners.", "Access reviews every quarter.",
      "iam cyber", OPS),
    D("n50", "cyber.audit", "Sensibilisation à la cybersécurité et exercices de crise",
      "Former les agents aux risques cyber et entraîner la cellule de crise.",
      "Campagnes d’hameçonnage simulé, exercice annuel.", "cyber", REG),
    D("n51", "cyber.soc", "Cybersecurity operations for a hospital group",
      "Monitoring, incident response and hardening for 30 clinics.", "On-call team, French-speaking analysts.",
      "cyber soc", HOSP),
    D("n52", "cyber.crypto", "Gestion de clés et HSM pour chiffrer les données dans le cloud",
      "Garder la maîtrise des clés de chiffrement des données hébergées.", "HSM qualifiés, séparation des rôles.",
      "crypto cyber", BANK),
    D("n53", "cyber.soc", "Détection d’intrusion sur le réseau industriel",
      "Sonde de détection sur les réseaux des usines.", "Sonde qualifiée, supervision par le SOC du groupe.",
      "soc cyber", "Astrée Aéronautique"),
    D("o10", "cyber.soc", "Vigie Cyber : centre opérationnel de sécurité",
      "Un centre opérationnel de sécurité managé, en France, avec réponse à incident.",
      "Analystes certifiés, qualification PDIS.", "soc cyber", "Vigie Cyber"),
    D("o11", "cyber.soc", "Sentinel: endpoint detection and response built in Europe",
      "A light endpoint agent for laptops and servers.", "Console hosted in France.", "soc cyber", "Sentinelys"),
    D("o12", "cyber.audit", "Audits qualifiés PASSI et tests d’intrusion",
      "Tester vos défenses avant les attaquants.", "Audits de configuration, de code et d’architecture.",
      "pentest cyber", "Hexashield"),
    # --- quantum
    D("n54", "quantum.pqc", "Inventaire cryptographique et migration post-quantique",
      "Recenser les usages de la cryptographie et planifier la migration vers des algorithmes résistants.",
      "Priorité aux échanges à longue durée de confidentialité.", "pqc", MIN),
    D("n55", "quantum.pqc", "Post-quantum cryptography migration plan",
      "Plan the move of our payment systems to quantum-safe algorithms.", "Hybrid schemes first.", "pqc", BANK),
    D("n56", "quantum.computing", "Accès à un calculateur quantique pour l’optimisation logistique",
      "Tester des algorithmes hybrides sur un processeur quantique.", "Cas d’usage : tournées de livraison.",
      "quantum-computing", "Distribution Marelle"),
    D("n57", "quantum.computing", "Quantum computing proof of concept for portfolio optimisation",
      "Compare quantum and classical solvers on our portfolios.", "Access to real hardware and an emulator.",
      "quantum-computing", BANK),
    D("n58", "quantum.sensing", "Distribution quantique de clés entre deux sites sensibles",
      "Une liaison QKD sur fibre entre deux centres de données.", "Expérimentation sur douze mois.", "qkd", MIN),
    D("o13", "quantum.computing", "QPU, le calcul quantique en ligne",
      "Accès à un ordinateur quantique et à des solveurs hybrides.", "Émulateur haute performance inclus.",
      "quantum-computing", "Quarqubit"),
    D("o14", "quantum.pqc", "PQC Shield: a quantum-safe VPN gateway",
      "Hybrid post-quantum key exchange for site-to-site links.", "Certified in France.", "pqc", "Cryptalis"),
    # --- chatbots, open source, and things no query is about
    D("n59", "ai.nlp it.citizen", "Chatbot pour répondre aux questions des usagers",
      "Un chatbot sur le site pour les questions fréquentes.", "Escalade vers un conseiller, statistiques.",
      "chatbot", REG),
    D("n60", "it.citizen", "Agent conversationnel pour le service client",
      "Répondre aux clients sur le site et l’application mobile.", "Connecté au CRM, escalade vers un conseiller.",
      "chatbot", "Mutuelle du Ponant Assurances"),
    D("n61", "it.erp", "Logiciel libre de gestion des archives",
      "Un système d’archivage électronique open source.", "Versement, conservation, communication.",
      "opensource", "Établissement public des archives numériques"),
    D("n62", "data.analytics", "Suivi de la qualité de l’eau par capteurs",
      "Collecter et analyser les mesures des capteurs du réseau.", "Alertes, historique, carte des points.",
      "water", "Agence publique des ressources en eau"),
    D("n63", "it.citizen", "Billetterie en ligne pour les musées",
      "Vendre des billets horodatés en ligne.", "Paiement, contrôle d’accès, statistiques.", "ticketing",
      "Établissement public des archives numériques"),
    D("n64", "it.devops", "Refonte du site internet institutionnel",
      "Un site accessible, rapide et facile à mettre à jour.", "Gestion de contenu open source, RGAA.",
      "website opensource", REG),
)


@dataclass(frozen=True)
class Case:
    text: str
    expected: tuple[str, ...]  # must be in the top K
    topics: tuple[str, ...]  # every document with one of them is relevant
    why: str = ""


def C(text, expected, topics, why=""):  # noqa: N802 - a table row
    return Case(text, tuple(expected.split()), tuple(topics.split()), why)


QUERIES: tuple[Case, ...] = (
    # typos and missing accents
    C("cybersecurite", "n50 n51", "cyber", "no accent; cybersecurity is a synonym"),
    C("cybersécurté", "n50", "cyber", "one letter dropped"),
    C("cloud souverian", "n23 o06", "sovereign-cloud", "transposed letters"),
    C("quantiqe", "n56 o13", "quantum-computing pqc qkd", "one letter dropped"),
    C("visioconférance", "n33 n32", "visio", "one letter replaced"),
    C("pseudonimisation", "n11", "pseudo", "one letter replaced"),
    C("kubernetess", "n26 n27", "paas", "one letter added"),
    C("intelligense artificielle", "n04", "llm genai agents vision nlp ml", "typo inside a synonym phrase"),
    C("securite informatique", "n50 n51", "cyber", "no accent, a phrase synonym of cybersécurité"),
    C("hebergement donnees de sante", "n25", "health-hosting", "no accents"),
    C("MESSAGERIE CHIFFREE", "n35", "messaging crypto", "capitals, no accent"),
    # prefixes (search as you type)
    C("cyberséc", "n50 n51", "cyber", "prefix of cybersécurité / cybersecurity"),
    C("visioconf", "n33 n32", "visio", "prefix"),
    C("pseudonym", "n11", "pseudo", "prefix"),
    C("post-quant", "n54 n55", "pqc", "prefix after a hyphen"),
    C("tests d’intru", "n46 o12", "pentest", "prefix on the last word"),
    # synonyms, French and English
    C("IA", "n05 o03 n01", "llm genai agents vision nlp ml chatbot", "IA = AI = intelligence artificielle"),
    C("intelligence artificielle", "n04 n05 o03", "llm genai agents vision nlp ml chatbot", ""),
    C("AI", "n07 o02 n05", "llm genai agents vision nlp ml chatbot", "English acronym"),
    C("cloud souverain", "n23 o06 n24 o07", "sovereign-cloud", "FR query finds EN offers too"),
    C("sovereign cloud", "n24 o07 n23 o06", "sovereign-cloud", "EN query finds FR needs too"),
    C("LLM", "o01 n03 n01", "llm", "LLM = grand modèle de langage"),
    C("grand modèle de langage", "n01 n03 o01", "llm", "phrase synonym of LLM"),
    C("cyber", "n50 o10", "cyber", "cyber = cybersécurité"),
    C("logiciel libre", "n17 n61", "opensource", "= open source"),
    C("GDPR", "n20 n21", "rgpd", "GDPR = RGPD"),
    C("PQC", "o14 n54 n55", "pqc", "PQC = cryptographie post-quantique"),
    C("backup", "n29 n30", "backup", "backup = sauvegarde"),
    C("chatbot", "n59 n60 o02", "chatbot", "chatbot = agent conversationnel"),
    C("low-code", "n40 n42 o09", "lowcode nocode", "low code, low-code and lowcode"),
    C("centre opérationnel de sécurité", "o10 n44", "soc", "= SOC"),
    C("gestion des identités", "n48 n49", "iam", "= IAM = identity and access management"),
    C("quantum", "n57 n56 o13", "quantum-computing pqc qkd", "quantum = quantique"),
    # English queries
    C("penetration testing", "n47 n46 o12", "pentest", ""),
    C("data platform", "n18 n16 o05", "data-platform", "EN query, FR needs too (données = data)"),
    C("quantum computing", "n57 n56 o13", "quantum-computing", ""),
    C("digital workplace", "n34", "workplace messaging visio", ""),
    C("AI agents", "n07 n05 o03", "agents", "agents = agentic"),
    # French queries
    C("poste de travail", "n31", "workplace", ""),
    C("agents IA instruction des dossiers", "n05", "agents", "long query"),
    C("tableaux de bord", "n19", "analytics", ""),
    C("détection d’intrusion", "n53", "soc", ""),
    C("informatique quantique", "n56 o13", "quantum-computing pqc qkd", ""),
    C("SecNumCloud", "n25 n23 o06", "secnumcloud", ""),
    C("plateforme de données", "n16 o05", "data-platform", "données = data"),
    C("factures fournisseurs", "n06", "agents workflow", ""),
)


def document(doc: Doc, position: int) -> dict:
    """The need document (app.matching.documents.need_document's keys) of a corpus row."""
    return {
        "id": doc.id, "reference": f"TRP-2026-{position:04d}", "title": doc.title, "summary": doc.summary,
        "description": doc.description, "buyer_name": doc.buyer, "buyer_id": 1, "buyer_kind": "administration",
        "invited_ids": [], "status": "published", "visibility": "public", "route": "public", "region": "FR",
        "categories": list(doc.codes), "axes": _axes(doc.codes), "category_labels": _labels(doc.codes),
        "budget_min": 100_000, "budget_max": 500_000, "budget_band": "100k-1m", "core_band": True,
        "deadline_ts": 1_798_761_600, "published_ts": 1_790_000_000, "sensitive_data": False,
        "eu_data_residency": False, "open_source_preferred": False, "sme_set_aside": False,
    }


def documents() -> list[dict]:
    return [document(doc, i + 1) for i, doc in enumerate(DOCS)]


def relevant(case: Case) -> set[str]:
    return {d.id for d in DOCS if d.topics & set(case.topics)} | set(case.expected)


@dataclass
class Report:
    queries: int
    documents: int
    precision: float  # mean over queries of |top K ∩ relevant| / K
    ideal_precision: float  # the best a perfect engine gets with these labels (few relevant docs)
    recall: float  # mean over queries of |top K ∩ expected| / |expected|
    expected_found: int
    expected_total: int
    tops: dict[str, list[str]] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)


def evaluate(backend, settings: IndexSettings = SETTINGS) -> Report:
    """Index the corpus in ``backend`` (a fresh one), run every query, measure."""
    backend.ensure_index(settings)
    backend.add_documents(settings, documents())
    precision = ideal = recall = 0.0
    found = total = 0
    tops, misses = {}, []
    for case in QUERIES:
        top = backend.search(settings, Query(text=case.text, per_page=K)).ids[:K]
        tops[case.text] = top
        rel = relevant(case)
        hits = len(set(top) & rel)
        precision += hits / K
        ideal += min(K, len(rel)) / K
        missing = [i for i in case.expected if i not in top]
        recall += 1 - len(missing) / len(case.expected)
        found += len(case.expected) - len(missing)
        total += len(case.expected)
        if missing:
            misses.append(f"{case.text!r}: {missing} not in top {K} {top}")
    n = len(QUERIES)
    return Report(n, len(DOCS), precision / n, ideal / n, recall / n, found, total, tops, misses)
