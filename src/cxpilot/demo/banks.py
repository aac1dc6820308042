"""Word banks of the demo company: French names, nicknames, streets, cities, e-mail domains.

Plain data, with a few helpers that derive the spelling variants (typos, missing accents,
abbreviations) the generator picks from. Weights are rough orders of magnitude, not statistics.
"""

from __future__ import annotations

import unicodedata

# fmt: off
# (first name, weight). Women then men.
FEMALE_FIRST_NAMES: tuple[tuple[str, int], ...] = (
    ("Marie", 30), ("Nathalie", 18), ("Isabelle", 18), ("Sylvie", 15), ("Catherine", 15),
    ("Sophie", 16), ("Christine", 12), ("Valérie", 12), ("Sandrine", 12), ("Céline", 13),
    ("Stéphanie", 13), ("Véronique", 10), ("Julie", 14), ("Camille", 14), ("Laura", 10),
    ("Émilie", 12), ("Aurélie", 12), ("Élodie", 11), ("Caroline", 11), ("Audrey", 10),
    ("Léa", 12), ("Manon", 11), ("Chloé", 11), ("Sarah", 10), ("Inès", 8), ("Emma", 10),
    ("Pauline", 9), ("Anaïs", 8), ("Mathilde", 8), ("Charlotte", 8), ("Clémence", 7),
    ("Hélène", 9), ("Françoise", 10), ("Monique", 8), ("Martine", 9), ("Brigitte", 7),
    ("Florence", 8), ("Virginie", 8), ("Laetitia", 7), ("Mélanie", 8), ("Marion", 8),
    ("Justine", 7), ("Océane", 6), ("Zoé", 7), ("Noémie", 6), ("Margaux", 6), ("Juliette", 7),
    ("Alice", 7), ("Lucie", 7), ("Agnès", 6), ("Gaëlle", 5), ("Morgane", 5), ("Jeanne", 6),
    ("Marie-Claire", 4), ("Anne-Sophie", 5), ("Marie-Christine", 4), ("Béatrice", 5),
    ("Patricia", 7), ("Corinne", 6), ("Dominique", 5), ("Fatima", 5), ("Yasmine", 4),
    ("Amandine", 6), ("Elisa", 5), ("Louise", 6), ("Eva", 5), ("Nadia", 4), ("Solène", 4),
)
MALE_FIRST_NAMES: tuple[tuple[str, int], ...] = (
    ("Jean", 28), ("Philippe", 18), ("Michel", 18), ("Alain", 14), ("Nicolas", 17),
    ("Christophe", 16), ("Pierre", 17), ("Laurent", 14), ("Stéphane", 14), ("Sébastien", 14),
    ("Frédéric", 13), ("Julien", 14), ("David", 13), ("Thomas", 15), ("Olivier", 13),
    ("Patrick", 13), ("Éric", 12), ("François", 12), ("Daniel", 10), ("Pascal", 11),
    ("Thierry", 10), ("Alexandre", 13), ("Guillaume", 12), ("Maxime", 12), ("Antoine", 12),
    ("Romain", 11), ("Vincent", 11), ("Mathieu", 10), ("Jérôme", 10), ("Benjamin", 9),
    ("Hugo", 10), ("Lucas", 11), ("Louis", 10), ("Gabriel", 8), ("Léo", 9), ("Nathan", 8),
    ("Théo", 8), ("Clément", 8), ("Quentin", 8), ("Florian", 7), ("Kévin", 7), ("Adrien", 7),
    ("Damien", 7), ("Cédric", 7), ("Fabrice", 6), ("Jacques", 9), ("Bernard", 8), ("André", 8),
    ("Gérard", 7), ("René", 5), ("Yves", 6), ("Jean-Pierre", 8), ("Jean-Luc", 6),
    ("Jean-Baptiste", 5), ("Jean-François", 5), ("Bruno", 7), ("Raphaël", 7), ("Arthur", 7),
    ("Paul", 8), ("Mehdi", 5), ("Karim", 5), ("Mohamed", 6), ("Sylvain", 6), ("Arnaud", 6),
    ("Benoît", 6), ("Grégory", 6), ("Anthony", 6), ("Jonathan", 5), ("Xavier", 5),
)

#: Nicknames and short forms a person gives on a web form or to an agent.
NICKNAMES: dict[str, str] = {
    "Nicolas": "Nico", "Christophe": "Chris", "Frédéric": "Fred", "Alexandre": "Alex",
    "Stéphanie": "Steph", "Stéphane": "Steph", "Catherine": "Cathy", "Philippe": "Phil",
    "Benjamin": "Ben", "Maxime": "Max", "Thomas": "Tom",
    "Sébastien": "Seb", "Jean-Pierre": "JP", "Jean-Baptiste": "JB", "Jean-François": "JF",
    "Jean-Luc": "Jean Luc", "Mathieu": "Matt", "Véronique": "Véro", "Isabelle": "Isa",
    "Caroline": "Caro", "Élodie": "Elo", "Aurélie": "Aurel", "Marie-Claire": "Marie Claire",
    "Anne-Sophie": "Anne Sophie", "Marie-Christine": "Marie-Chris", "Florence": "Flo",
    "Florian": "Flo", "Dominique": "Dom", "Patricia": "Patty", "Valérie": "Val",
    "Virginie": "Virgi", "Mélanie": "Mel", "Raphaël": "Raph", "Clémence": "Clem",
    "Clément": "Clem", "Gabriel": "Gaby", "Amandine": "Amande", "Sandrine": "Sandy",
    "Charlotte": "Charlie", "Antoine": "Toine", "Grégory": "Greg", "Anthony": "Tony",
    "Jonathan": "Jo", "Juliette": "Juju", "Laetitia": "Laeti", "Béatrice": "Béa",
}

LAST_NAMES: tuple[tuple[str, int], ...] = (
    ("Martin", 40), ("Bernard", 30), ("Dubois", 28), ("Thomas", 27), ("Robert", 25),
    ("Richard", 25), ("Petit", 24), ("Durand", 24), ("Leroy", 22), ("Moreau", 22),
    ("Simon", 21), ("Laurent", 21), ("Lefèvre", 20), ("Michel", 20), ("Garcia", 19),
    ("David", 18), ("Bertrand", 18), ("Roux", 18), ("Vincent", 17), ("Fournier", 17),
    ("Morel", 17), ("Girard", 16), ("André", 16), ("Lefebvre", 16), ("Mercier", 16),
    ("Dupont", 16), ("Lambert", 15), ("Bonnet", 15), ("François", 15), ("Martinez", 15),
    ("Legrand", 14), ("Garnier", 14), ("Faure", 14), ("Rousseau", 14), ("Blanc", 14),
    ("Guérin", 13), ("Muller", 13), ("Henry", 13), ("Roussel", 13), ("Nicolas", 13),
    ("Perrin", 13), ("Morin", 13), ("Mathieu", 12), ("Clément", 12), ("Gauthier", 12),
    ("Dumont", 12), ("Lopez", 12), ("Fontaine", 12), ("Chevalier", 12), ("Robin", 12),
    ("Masson", 11), ("Sanchez", 11), ("Gérard", 11), ("Nguyen", 11), ("Boyer", 11),
    ("Denis", 11), ("Lemaire", 11), ("Duval", 11), ("Joly", 10), ("Gautier", 10),
    ("Roger", 10), ("Roche", 10), ("Roy", 10), ("Noël", 10), ("Meyer", 10), ("Lucas", 10),
    ("Meunier", 10), ("Jean", 9), ("Pérez", 9), ("Marchand", 9), ("Dufour", 9),
    ("Blanchard", 9), ("Marie", 9), ("Barbier", 9), ("Brun", 9), ("Dumas", 9), ("Brunet", 9),
    ("Schmitt", 9), ("Leroux", 9), ("Colin", 9), ("Fernandez", 9), ("Pierre", 8),
    ("Renard", 8), ("Arnaud", 8), ("Rolland", 8), ("Caron", 8), ("Aubert", 8), ("Giraud", 8),
    ("Leclerc", 8), ("Vidal", 8), ("Bourgeois", 8), ("Renaud", 8), ("Lemoine", 8),
    ("Picard", 8), ("Gaillard", 8), ("Philippe", 7), ("Leclercq", 7), ("Lacroix", 7),
    ("Fabre", 7), ("Dupuis", 7), ("Olivier", 7), ("Rodriguez", 7), ("Da Silva", 7),
    ("Hubert", 7), ("Louis", 7), ("Charles", 7), ("Guillot", 7), ("Rivière", 7),
    ("Le Gall", 6), ("Guillaume", 6), ("Adam", 6), ("Rey", 6), ("Moulin", 6), ("Gonzalez", 6),
    ("Berger", 6), ("Lecomte", 6), ("Ménard", 6), ("Fleury", 6), ("Deschamps", 6),
    ("Carpentier", 6), ("Julien", 6), ("Benoît", 6), ("Maillard", 5), ("Marchal", 5),
    ("Aubry", 5), ("Vasseur", 5), ("Le Roux", 5), ("Renault", 5), ("Jacquet", 5),
    ("Collet", 5), ("Prévost", 5), ("Poirier", 5), ("Charpentier", 5), ("Royer", 5),
    ("Huet", 5), ("Baron", 5), ("Dupuy", 5), ("Pons", 5), ("Paul", 5), ("Lainé", 5),
    ("Carré", 5), ("Breton", 5), ("Rémy", 5), ("Schneider", 5), ("Perrot", 5), ("Guyot", 5),
    ("Barré", 4), ("Marty", 4), ("Cousin", 4), ("Bouvier", 4), ("Lebrun", 4), ("Haddad", 4),
    ("Benali", 4), ("Mendes", 4), ("Ferreira", 4), ("Le Goff", 4), ("Kerbrat", 3),
    ("Chauvin", 4), ("Bailly", 4), ("Hoarau", 3), ("Besnard", 3), ("Delorme", 3),
    ("Tessier", 3), ("Lévêque", 3), ("Pelletier", 4), ("Bouchet", 3), ("Texier", 3),
    ("Ollivier", 3), ("Lejeune", 4), ("Antoine", 4), ("Bouquet", 3), ("Delaunay", 3),
)

#: (street type, its abbreviations as people write them).
STREET_TYPES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("rue", ("r.", "r", "Rue"), 55),
    ("avenue", ("av.", "ave", "Av"), 15),
    ("boulevard", ("bd", "bld", "Bd"), 8),
    ("place", ("pl.", "pl", "Pl."), 4),
    ("allée", ("all.", "allee", "Allée"), 6),
    ("chemin", ("ch.", "chem.", "Chemin"), 5),
    ("impasse", ("imp.", "imp", "Imp."), 4),
    ("route", ("rte", "rte.", "Rte"), 3),
    ("quai", ("q.", "qu.", "Quai"), 1),
    ("cours", ("crs", "crs.", "Cours"), 1),
)

STREET_NAMES: tuple[str, ...] = (
    "des Lilas", "Victor Hugo", "de la République", "Jean Jaurès", "du Général de Gaulle",
    "Pasteur", "de la Gare", "des Écoles", "du Moulin", "de l'Église", "Nationale",
    "des Acacias", "Gambetta", "Voltaire", "de Verdun", "Émile Zola", "Jules Ferry",
    "de la Paix", "du Château", "des Roses", "Foch", "Carnot", "de Paris", "du Stade",
    "des Peupliers", "Saint-Michel", "de la Mairie", "des Tilleuls", "du Port",
    "Saint-Exupéry", "Molière", "Anatole France", "des Champs", "de la Fontaine",
    "Louis Pasteur", "du 8 Mai 1945", "du 11 Novembre", "Lamartine", "Condorcet",
    "des Vignes", "des Mésanges", "Aristide Briand", "Paul Bert", "de la Liberté",
    "des Érables", "Georges Clemenceau", "Marcel Pagnol", "du Maréchal Leclerc",
    "de Bretagne", "des Châtaigniers", "Édouard Herriot", "de la Forêt", "des Prés",
    "Jean Moulin", "Pierre Curie", "de l'Hôtel de Ville", "des Marronniers", "Berthelot",
)

#: (city, postcodes, weight ~ inhabitants in thousands).
CITIES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("Paris", tuple(f"750{i:02d}" for i in range(1, 21)), 2100),
    ("Marseille", tuple(f"130{i:02d}" for i in range(1, 17)), 870),
    ("Lyon", tuple(f"6900{i}" for i in range(1, 10)), 520),
    ("Toulouse", ("31000", "31100", "31200", "31300", "31400", "31500"), 500),
    ("Nice", ("06000", "06100", "06200", "06300"), 340),
    ("Nantes", ("44000", "44100", "44200", "44300"), 320),
    ("Montpellier", ("34000", "34070", "34080", "34090"), 300),
    ("Strasbourg", ("67000", "67100", "67200"), 290),
    ("Bordeaux", ("33000", "33100", "33200", "33300", "33800"), 260),
    ("Lille", ("59000", "59160", "59260", "59800"), 235),
    ("Rennes", ("35000", "35200", "35700"), 225),
    ("Reims", ("51100",), 180),
    ("Toulon", ("83000", "83100", "83200"), 180),
    ("Saint-Étienne", ("42000", "42100"), 175),
    ("Le Havre", ("76600", "76610", "76620"), 165),
    ("Grenoble", ("38000", "38100"), 160),
    ("Dijon", ("21000",), 160),
    ("Angers", ("49000", "49100"), 157),
    ("Nîmes", ("30000", "30900"), 150),
    ("Villeurbanne", ("69100",), 155),
    ("Clermont-Ferrand", ("63000", "63100"), 147),
    ("Le Mans", ("72000", "72100"), 145),
    ("Aix-en-Provence", ("13090", "13100"), 145),
    ("Brest", ("29200",), 140),
    ("Tours", ("37000", "37100", "37200"), 137),
    ("Amiens", ("80000", "80080", "80090"), 134),
    ("Limoges", ("87000", "87100", "87280"), 130),
    ("Annecy", ("74000",), 130),
    ("Perpignan", ("66000", "66100"), 120),
    ("Boulogne-Billancourt", ("92100",), 120),
    ("Metz", ("57000", "57050", "57070"), 118),
    ("Besançon", ("25000",), 118),
    ("Orléans", ("45000", "45100"), 116),
    ("Saint-Denis", ("93200", "93210"), 113),
    ("Rouen", ("76000", "76100"), 112),
    ("Argenteuil", ("95100",), 110),
    ("Mulhouse", ("68100", "68200"), 108),
    ("Montreuil", ("93100",), 110),
    ("Caen", ("14000",), 106),
    ("Nancy", ("54000", "54100"), 104),
    ("Versailles", ("78000",), 85),
    ("La Rochelle", ("17000",), 77),
    ("Poitiers", ("86000",), 89),
    ("Pau", ("64000",), 76),
    ("Avignon", ("84000",), 90),
    ("Colmar", ("68000",), 67),
    ("Quimper", ("29000",), 63),
    ("Saint-Malo", ("35400",), 47),
    ("Chambéry", ("73000",), 60),
    ("Troyes", ("10000",), 62),
    ("Vannes", ("56000",), 54),
    ("Créteil", ("94000",), 92),
    ("Nanterre", ("92000",), 96),
    ("Vincennes", ("94300",), 50),
    ("Saint-Nazaire", ("44600",), 72),
    ("Bayonne", ("64100",), 52),
    ("Lorient", ("56100",), 57),
    ("Niort", ("79000",), 60),
    ("Saint-Germain-en-Laye", ("78100",), 45),
    ("Châlons-en-Champagne", ("51000",), 44),
    ("Évry-Courcouronnes", ("91000",), 67),
    ("Sainte-Geneviève-des-Bois", ("91700",), 36),
    ("Le Puy-en-Velay", ("43000",), 19),
    ("Fontainebleau", ("77300",), 15),
    ("Sèvres", ("92310",), 23),
)

#: (domain, weight) of personal e-mail addresses in France.
EMAIL_DOMAINS: tuple[tuple[str, int], ...] = (
    ("gmail.com", 45), ("orange.fr", 14), ("hotmail.fr", 10), ("yahoo.fr", 7), ("free.fr", 7),
    ("laposte.net", 5), ("sfr.fr", 4), ("outlook.fr", 4), ("wanadoo.fr", 3), ("icloud.com", 3),
    ("hotmail.com", 2), ("bbox.fr", 1), ("live.fr", 2), ("protonmail.com", 1),
)


# fmt: on


def fold(text: str) -> str:
    """``text`` without accents (é → e, œ → oe): how a form without accents stores it."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def email_part(name: str) -> str:
    """A name as it appears in an e-mail address: folded, lower case, no spaces."""
    return fold(name).lower().replace(" ", "").replace("'", "")


def swap_typo(name: str, which: int) -> str:
    """Swap two adjacent letters: near the middle (``which=0``) or near the end (``1``)."""
    letters = [i for i in range(len(name) - 1) if name[i].isalpha() and name[i + 1].isalpha()]
    if len(letters) < 2:
        return name
    pos = letters[len(letters) // 2] if which == 0 else letters[-1]
    if name[pos].lower() == name[pos + 1].lower():
        pos = letters[max(0, len(letters) // 2 - 1)]
    chars = list(name)
    chars[pos], chars[pos + 1] = chars[pos + 1], chars[pos]
    return "".join(chars)


def drop_typo(name: str) -> str:
    """Drop a doubled letter (``Pierre`` → ``Piere``) or, failing that, the penultimate one."""
    for i in range(1, len(name)):
        if name[i] == name[i - 1] and name[i].isalpha():
            return name[:i] + name[i + 1 :]
    if len(name) > 4:
        return name[:-2] + name[-1]
    return name


def abbreviate_city(city: str) -> str:
    """``Saint-Étienne`` → ``St-Étienne``; ``Sainte-Geneviève`` → ``Ste-Geneviève``."""
    return city.replace("Sainte-", "Ste-").replace("Saint-", "St-")
