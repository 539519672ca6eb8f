"""Word parts for invented names: companies, people and places.

Company names are put together from syllables and words so that no real company is
named; cities and regions are real places.
"""

from __future__ import annotations

from random import Random

PREFIXES = [
    "Aer", "Alta", "Argo", "Astra", "Azur", "Bela", "Bori", "Cala", "Cera", "Cobal", "Cryp",
    "Elva", "Eno", "Feli", "Galen", "Hexa", "Hélio", "Iko", "Iri", "Jade", "Kala", "Kéo",
    "Lumi", "Lyra", "Mira", "Néo", "Nuva", "Océ", "Opa", "Orbi", "Pala", "Quar", "Rhéa",
    "Sela", "Sylva", "Taï", "Téra", "Ulti", "Vala", "Véga", "Xéno", "Zéphy", "Oria", "Brio",
]  # fmt: skip
SUFFIXES = [
    "bridge", "code", "flow", "gate", "grid", "lis", "logic", "mind", "nexus", "nia", "node",
    "ria", "sec", "sens", "shield", "sphère", "stack", "vault", "verse", "wave",
    "xis", "ys", "tica", "nova", "lyx", "quant", "dom",
]  # fmt: skip
# Evocative French words for two-word names ("Vigie Cyber", "Atelier Sorbier")
NOUNS = [
    "Vigie", "Sémaphore", "Boussole", "Phare", "Ancre", "Héron", "Martinet", "Lynx",
    "Chouette", "Tramontane", "Sirocco", "Alizé", "Granit", "Ardoise", "Lichen", "Sorbier",
    "Cormoran", "Balise", "Sextant", "Escale", "Calanque", "Aubépine", "Grésil", "Falaise",
]  # fmt: skip
AXIS_WORDS = {
    "ai": ["IA", "Labs", "Intelligence", "AI"],
    "data": ["Data", "Analytics", "Données", "Insight"],
    "cloud": ["Cloud", "Infra", "Hosting", "Datacenters"],
    "it": ["Systems", "Software", "Numérique", "Solutions"],
    "lowcode": ["Apps", "Studio", "Forms", "Builder"],
    "cyber": ["Cyber", "Sécurité", "Defense", "Trust"],
    "quantum": ["Quantum", "Quantique", "Qubits", "Photonics"],
}

FIRST_NAMES = [
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Claire", "Sophie", "Élodie",
    "Nadia", "Amina", "Aurélie", "Hélène", "Marion", "Pauline", "Laure", "Yasmine", "Anaïs",
    "Émilie", "Lucas", "Hugo", "Thomas", "Nicolas", "Julien", "Antoine", "Maxime", "Alexandre",
    "Romain", "Karim", "Mehdi", "Mathieu", "Pierre", "Olivier", "Guillaume", "Vincent",
    "Sébastien", "Benoît", "Arnaud", "Yann", "Théo", "Louis", "Samuel", "Omar", "Baptiste",
    "Quentin", "Agathe", "Margaux", "Solène", "Gaëlle",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin",
    "Muller", "Henry", "Roussel", "Perrin", "Morin", "Clément", "Gauthier", "Dumont", "Lopez",
    "Fontaine", "Chevalier", "Robin", "Benali", "Haddad", "Nguyen", "Le Gall", "Kerboul", "Tran",
    "Diallo", "Ferreira",
]  # fmt: skip
EU_PEOPLE = {
    "DE": (["Lena", "Jonas", "Mia", "Felix", "Anna", "Lukas"], ["Schneider", "Fischer", "Weber", "Becker", "Wagner"]),
    "BE": (["Lotte", "Arthur", "Elise", "Jules", "Noor"], ["Peeters", "Janssens", "Maes", "Claes", "Dupuis"]),
    "NL": (["Sanne", "Daan", "Fleur", "Bram", "Eva"], ["de Vries", "Jansen", "Visser", "Bakker", "Smit"]),
    "ES": (["Lucía", "Pablo", "Carmen", "Javier", "Marta"], ["García", "Fernández", "López", "Sánchez", "Romero"]),
    "IT": (["Giulia", "Marco", "Chiara", "Luca", "Sara"], ["Rossi", "Russo", "Ferrari", "Esposito", "Colombo"]),
    "PT": (["Inês", "João", "Beatriz", "Tiago", "Rita"], ["Silva", "Santos", "Costa", "Oliveira", "Pereira"]),
    "EE": (["Kadri", "Martin", "Liis", "Rasmus", "Triin"], ["Tamm", "Saar", "Sepp", "Mägi", "Kask"]),
    "FI": (["Aino", "Eero", "Sanna", "Mikko", "Noora"], ["Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Laine"]),
    "SE": (["Elsa", "Erik", "Maja", "Oskar", "Ingrid"], ["Andersson", "Johansson", "Karlsson", "Nilsson", "Lind"]),
    "AT": (["Hannah", "Tobias", "Sophie", "Florian", "Katharina"], ["Gruber", "Huber", "Bauer", "Wagner", "Pichler"]),
    "PL": (["Zofia", "Jakub", "Maja", "Kacper", "Alicja"], ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamińska"]),
    "IE": (["Aoife", "Conor", "Siobhán", "Cian", "Niamh"], ["Murphy", "Kelly", "O’Brien", "Walsh", "Byrne"]),
    "LU": (["Lara", "Ben", "Charlotte", "Noah", "Emma"], ["Schmit", "Muller", "Weber", "Hoffmann", "Wagner"]),
    "DK": (["Freja", "Mads", "Ida", "Rasmus", "Sofie"], ["Nielsen", "Jensen", "Hansen", "Pedersen", "Larsen"]),
    "CZ": (["Tereza", "Jan", "Eliška", "Tomáš", "Klára"], ["Novák", "Svoboda", "Dvořák", "Černá", "Procházka"]),
}

# Real French cities by region code (app.needs.regions), with a weight for sampling
FR_CITIES: dict[str, tuple[int, list[str]]] = {
    "11": (40, ["Paris", "Boulogne-Billancourt", "Issy-les-Moulineaux", "Saclay", "Montreuil",
                "Nanterre", "Saint-Denis", "Versailles", "Palaiseau"]),
    "84": (12, ["Lyon", "Grenoble", "Clermont-Ferrand", "Saint-Étienne", "Annecy", "Villeurbanne"]),
    "76": (9, ["Toulouse", "Montpellier", "Nîmes", "Perpignan", "Albi"]),
    "93": (8, ["Marseille", "Nice", "Valbonne", "Aix-en-Provence", "Toulon"]),
    "53": (6, ["Rennes", "Brest", "Lannion", "Vannes", "Saint-Malo"]),
    "75": (6, ["Bordeaux", "Poitiers", "La Rochelle", "Limoges", "Pau"]),
    "32": (5, ["Lille", "Amiens", "Roubaix", "Valenciennes"]),
    "52": (5, ["Nantes", "Angers", "Le Mans", "Saint-Nazaire"]),
    "44": (4, ["Strasbourg", "Nancy", "Metz", "Reims", "Mulhouse"]),
    "28": (2, ["Caen", "Rouen", "Le Havre"]),
    "27": (1, ["Dijon", "Besançon", "Belfort"]),
    "24": (1, ["Orléans", "Tours", "Bourges"]),
    "04": (1, ["Saint-Denis de La Réunion", "Saint-Pierre"]),
}
EU_CITIES = {
    "DE": ["Berlin", "Munich", "Hambourg"], "BE": ["Bruxelles", "Gand", "Liège"],
    "NL": ["Amsterdam", "Eindhoven", "Delft"], "ES": ["Madrid", "Barcelone", "Valence"],
    "IT": ["Milan", "Turin", "Rome"], "PT": ["Lisbonne", "Porto"], "EE": ["Tallinn", "Tartu"],
    "FI": ["Helsinki", "Espoo"], "SE": ["Stockholm", "Göteborg"], "AT": ["Vienne", "Graz"],
    "PL": ["Varsovie", "Cracovie"], "IE": ["Dublin", "Cork"], "LU": ["Luxembourg", "Esch-sur-Alzette"],
    "DK": ["Copenhague", "Aarhus"], "CZ": ["Prague", "Brno"],
}  # fmt: skip
# How many suppliers come from each other EU country (the rest are French)
EU_SUPPLIER_COUNTS = {
    "DE": 9, "BE": 6, "NL": 6, "ES": 5, "IT": 5, "PT": 4, "EE": 3, "FI": 3, "SE": 3,
    "AT": 2, "PL": 3, "IE": 2, "LU": 2, "DK": 2, "CZ": 2,
}  # fmt: skip


def pick_french_city(rng: Random) -> tuple[str, str]:
    """(region code, city), weighted towards where French tech companies are."""
    codes = list(FR_CITIES)
    region = rng.choices(codes, weights=[FR_CITIES[c][0] for c in codes])[0]
    return region, rng.choice(FR_CITIES[region][1])


def person(rng: Random, country: str = "FR") -> tuple[str, str]:
    """(first name, last name) for someone working in ``country``."""
    if country in EU_PEOPLE and rng.random() < 0.85:
        firsts, lasts = EU_PEOPLE[country]
    else:
        firsts, lasts = FIRST_NAMES, LAST_NAMES
    return rng.choice(firsts), rng.choice(lasts)


class CompanyNamer:
    """Invented company names, never the same twice."""

    def __init__(self, rng: Random):
        self.rng = rng
        self._used: set[str] = set()

    def _candidate(self, axis: str) -> str:
        rng = self.rng
        stem = rng.choice(PREFIXES) + rng.choice(SUFFIXES)
        roll = rng.random()
        if roll < 0.55:
            return stem
        if roll < 0.85:
            return f"{stem} {rng.choice(AXIS_WORDS[axis])}"
        return f"{rng.choice(NOUNS)} {rng.choice(AXIS_WORDS[axis])}"

    def reserve(self, name: str) -> None:
        self._used.add(name.lower())

    def company(self, axis: str) -> str:
        while True:
            name = self._candidate(axis)
            if name.lower() not in self._used:
                self._used.add(name.lower())
                return name
