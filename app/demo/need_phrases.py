"""Everyday wording around needs: doctrine notes, reasons, questions, bids and feedback."""

from __future__ import annotations

from app.needs.doctrine import CRITERIA

SECTOR_CONTEXT = {
    "admin": "La direction interministérielle porte la transformation numérique de l’administration.",
    "defense": "Les besoins concernent des services de soutien ; aucun système d’armes n’est visé.",
    "security": "Les services concernés sont répartis sur l’ensemble du territoire, outre-mer compris.",
    "finance": "Les équipes traitent chaque jour des volumes importants de pièces et de paiements.",
    "health": "Les données de santé exigent un niveau de protection renforcé.",
    "education": "Le besoin concerne les services académiques et les établissements.",
    "justice": "Les juridictions et services pénitentiaires sont concernés.",
    "environment": "Les services déconcentrés et les opérateurs du ministère utiliseront la solution.",
    "transport": "Les données de mobilité proviennent de nombreux opérateurs et collectivités.",
    "social": "Plusieurs millions d’allocataires sont concernés par les services visés.",
    "employment": "Le réseau compte plusieurs centaines d’agences.",
    "culture": "Les fonds conservés représentent plusieurs pétaoctets de données.",
    "territory": "Le projet s’inscrit dans la stratégie numérique responsable du territoire.",
    "insurance": "Le groupe sert plusieurs millions de sociétaires en France.",
    "energy": "Le groupe exploite des installations de production et de distribution en Europe.",
    "industry": "Les sites industriels du groupe sont soumis à des exigences de sûreté élevées.",
    "telecom": "Le réseau du groupe couvre l’ensemble du territoire métropolitain.",
    "retail": "Le groupe compte plusieurs centaines de magasins et une activité en ligne.",
}

REUSE_NOTES = [
    "Le catalogue des solutions mutualisées a été consulté : aucune ne couvre le besoin.",
    "La solution déjà utilisée par un autre membre a été étudiée ; sa couverture fonctionnelle est partielle.",
    "Une solution existante sera réutilisée ; le besoin porte sur son adaptation et son déploiement.",
    "Les solutions des autres ministères ont été examinées avec leurs équipes.",
]
OFF_THE_SHELF_NOTES = [
    "Une dizaine d’offres du marché ont été identifiées, dont plusieurs de startups françaises.",
    "Un sourcing auprès de l’écosystème a permis d’identifier des solutions sur étagère adaptées.",
    "Les solutions sur étagère existent mais ne couvrent pas les contraintes d’intégration.",
    "Un appel à manifestation d’intérêt a recueilli une quinzaine de réponses.",
]
CUSTOM_JUSTIFICATIONS = [
    "Aucune solution existante ne gère nos règles métier spécifiques ; le code produit sera publié sous licence libre.",
    "Les contraintes d’interconnexion avec nos systèmes historiques imposent un développement spécifique.",
    "Les solutions du marché ont été testées lors d’un sourcing ; aucune n’atteint le niveau de sécurité exigé.",
]
CANCEL_REASONS = [
    "Besoin redéfini à la suite d’une réorganisation interne ; une nouvelle consultation sera publiée.",
    "Projet suspendu faute de crédits sur l’exercice en cours.",
    "Une solution mutualisée répondant au besoin a été identifiée après publication.",
]
UNSUCCESSFUL_REASONS = [
    "Aucune offre ne respectait l’exigence d’hébergement qualifié SecNumCloud.",
    "Les offres reçues dépassaient sensiblement le budget prévu.",
    "Aucune offre reçue dans le délai.",
    "Les offres reçues ne couvraient pas le périmètre fonctionnel demandé.",
]

QUESTIONS = [
    ("Une réponse en groupement (cotraitance) avec une autre PME est-elle acceptée ?",
     "Oui, les groupements sont acceptés ; un mandataire unique doit être désigné."),
    ("Le budget indiqué inclut-il la maintenance et le support ?",
     "Oui, le budget couvre la mise en œuvre et trois ans de maintenance et de support."),
    ("Une démonstration est-elle prévue dans la procédure ?",
     "Les candidats retenus à l’issue de la première analyse seront invités à une démonstration de 45 minutes."),
    ("Pouvez-vous préciser la volumétrie (nombre d’utilisateurs, de documents) ?",
     "Environ 3 000 utilisateurs au lancement, 12 000 à terme ; 500 000 documents à reprendre."),
    ("Un hébergement dans un autre pays de l’Union européenne est-il acceptable ?",
     "Oui, sous réserve que le prestataire ne soit soumis à aucune loi extraterritoriale non européenne."),
    ("Le code développé sera-t-il publié sous licence libre ?",
     "Oui, le code spécifique sera publié sous licence libre (EUPL ou équivalent)."),
    ("Quel est le calendrier de déploiement attendu ?",
     "Un pilote au trimestre suivant la notification, puis une généralisation sur douze mois."),
    ("Une startup sans référence publique peut-elle candidater ?",
     "Oui. Les références privées et les expérimentations sont prises en compte."),
    ("Faut-il fournir un plan de réversibilité dès l’offre ?",
     "Oui, un plan de réversibilité synthétique est attendu ; il sera détaillé à la notification."),
    ("Les données de test seront-elles anonymisées ?",
     "Oui, un jeu de données anonymisé sera fourni aux candidats retenus."),
    ("Une solution en cours de qualification SecNumCloud est-elle recevable ?",
     "Elle est recevable si la qualification est attendue avant la mise en production ; joignez le calendrier."),
    ("Quels formats d’échange sont imposés ?",
     "Des formats ouverts et documentés (CSV, JSON, ODF) et des API REST décrites en OpenAPI."),
]

AMENDMENT_SUMMARIES = {
    "deadline": "Date limite de réponse reportée à la demande de plusieurs candidats.",
    "budget": "Budget révisé à la suite de l’arbitrage budgétaire.",
    "scope": "Précisions sur le périmètre et ajout d’une annexe technique.",
}

INVITATION_MESSAGES = [
    "Votre solution nous semble correspondre à ce besoin : nous serions heureux de recevoir votre offre.",
    "Suite à notre échange lors du salon, nous vous invitons à répondre à cette consultation.",
    "Votre profil nous a été recommandé par notre ambassadeur auprès de l’écosystème.",
]

BID_SUMMARIES = [
    "Offre fondée sur {product}, déjà utilisée par des clients comparables, {where}.",
    "Proposition associant {product} et un accompagnement au déploiement par nos équipes.",
    "Réponse en mode projet : cadrage, pilote puis généralisation, avec {product}.",
]
BID_PROPOSAL = (
    "Compréhension du besoin\n{summary}\n\n"
    "Solution proposée\n{product_summary}\n\n"
    "Souveraineté\n{sovereignty}\n\n"
    "Méthode et calendrier\nCadrage (1 mois), pilote (3 mois), déploiement progressif ; "
    "comités de suivi mensuels et indicateurs partagés.\n\n"
    "Équipe\nUn chef de projet dédié, deux experts techniques et un référent sécurité."
)
FEEDBACK = [
    "Offre de qualité, mais moins bien classée sur le critère de réversibilité.",
    "Prix nettement supérieur aux autres offres pour un périmètre comparable.",
    "L’hébergement proposé ne répondait pas entièrement aux exigences de souveraineté.",
    "Offre solide ; l’offre retenue présentait une meilleure intégration à nos outils.",
]
CANCEL_FEEDBACK = "La consultation a été annulée ; merci pour votre participation."
UNSUCCESSFUL_FEEDBACK = "La consultation a été déclarée sans suite ; aucune offre n’a été retenue."
EVALUATION_COMMENTS = [
    "Réponse complète et bien argumentée.",
    "Bonne maîtrise technique ; plan de réversibilité à préciser.",
    "Équipe expérimentée, références pertinentes.",
    "Prix élevé au regard du périmètre.",
    None,
]

CRITERION_FR = {
    "sovereignty": "souveraineté", "performance": "performance", "security": "sécurité",
    "maintenance": "maintenance", "availability": "disponibilité", "reversibility": "réversibilité",
    "interoperability": "interopérabilité", "durability": "durabilité", "cost": "coût",
}  # fmt: skip
assert set(CRITERION_FR) == set(CRITERIA)


def euros(cents: int) -> str:
    """A budget as a French reader writes it: « 450 000 € »."""
    return f"{cents // 100:,}".replace(",", "\u202f") + " €"


def need_description(*, buyer_label: str, central_state: bool, sector: str, summary: str, detail: str,
                     need, months: int) -> str:
    """The long description of a need, in plain paragraphs and dash lists.

    ``buyer_label`` is the anonymous label when the buyer is anonymised: the text never
    names an anonymised buyer.
    """
    sovereignty = ["- Réversibilité : plan de sortie, formats ouverts et restitution des données exigés."]
    if need.sensitive_data:
        sovereignty.append("- Données sensibles : hébergement qualifié SecNumCloud obligatoire.")
    elif need.requires_secnumcloud:
        sovereignty.append("- Hébergement qualifié SecNumCloud exigé.")
    if need.eu_data_residency:
        sovereignty.append("- Données hébergées et traitées exclusivement dans l’Union européenne.")
    if need.open_source_preferred:
        sovereignty.append("- Les solutions open source seront appréciées.")
    sovereignty.append("- Aucune exposition à une législation extraterritoriale non européenne.")
    if need.route == "public":
        threshold = 143_000_00 if central_state else 221_000_00  # EU thresholds for services
        procedure = "procédure adaptée" if need.budget_max_cents < threshold else "procédure formalisée"
        terms = [f"- Marché public passé selon une {procedure}."]
    else:
        terms = ["- Consultation privée ; contrat-cadre du groupe avec conditions de paiement à 30 jours."]
    if need.sme_set_aside:
        terms.append("- Réservé aux PME et startups européennes.")
    weights = ", ".join(f"{CRITERION_FR[c]} {getattr(need, f'weight_{c}')} %" for c in CRITERIA)
    terms.append(f"- Critères d’évaluation : {weights}.")
    terms.append(f"- Budget indicatif : {euros(need.budget_min_cents)} à {euros(need.budget_max_cents)} HT.")
    return "\n\n".join([
        f"Contexte\nAcheteur : {buyer_label}. {SECTOR_CONTEXT.get(sector, '')}".rstrip(),
        f"Objet\n{summary}",
        f"Attendus\n{detail}\n- Durée envisagée : {months} mois.",
        "Exigences de souveraineté\n" + "\n".join(sovereignty),
        "Modalités\n" + "\n".join(terms),
    ])
