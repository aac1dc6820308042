"""Phrase banks of the demo verbatims, in French and English.

A verbatim is ``opener + core + detail + closer``. The *core* carries the topic (what text
analytics should find), the opener and closer carry tone only, and the detail adds variation.
Each topic has negative cores (used by detractors and, after a "mixed" opener, by passives)
and positive cores (promoters).

Topics map to the public themes of :data:`THEME_OF_TOPIC`. Only the ``delivery`` topics use
delivery words (livraison, livré, livreur, colis, retard, transporteur; delivery, delivered,
courier, parcel, package, late, shipping, arrived), so a keyword search for them finds the
delivery theme and nothing else.
"""

from __future__ import annotations

Bank = dict[str, dict[str, tuple[str, ...]]]

#: topic -> public theme.
THEME_OF_TOPIC: dict[str, str] = {
    "delivery_late": "delivery",
    "delivery_lost": "delivery",
    "delivery_damaged": "delivery",
    "price": "price",
    "staff": "staff_friendliness",
    "phone_wait": "phone_waiting_time",
    "product_quality": "product_quality",
    "website_bugs": "website_bugs",
    "app": "app_usability",
    "returns": "returns_refunds",
    "stock": "stock_availability",
    "loyalty": "loyalty_programme",
}

TOPICS: tuple[str, ...] = tuple(THEME_OF_TOPIC)

_DELIVERY_POS_FR = (
    "livraison rapide",
    "livré en 48 h comme promis",
    "livraison dans les temps",
    "colis bien emballé et livré à l'heure",
    "reçu ma commande dès le lendemain",
    "livraison impeccable",
    "délai de livraison respecté",
    "livreur ponctuel qui a monté le colis à l'étage",
)
_DELIVERY_POS_EN = (
    "fast delivery",
    "delivered within 48 hours as promised",
    "delivery right on time",
    "parcel well packed and delivered on time",
    "received my order the very next day",
    "flawless delivery",
    "delivery date met",
    "quick shipping",
)

#: topic -> language -> "neg" | "pos" -> cores (lower case; the generator capitalises).
CORES: dict[str, Bank] = {
    "delivery_late": {
        "fr": {
            "neg": (
                "livraison en retard",
                "livraison en retard de plus d'une semaine",
                "ma commande est arrivée avec dix jours de retard",
                "le délai de livraison n'a pas été respecté",
                "livraison très en retard, aucune information du transporteur",
                "colis livré avec une semaine de retard",
                "retard de livraison inadmissible",
                "toujours en attente de ma livraison, déjà en retard",
            ),
            "pos": _DELIVERY_POS_FR,
        },
        "en": {
            "neg": (
                "late delivery",
                "delivery was over a week late",
                "my order arrived ten days late",
                "the delivery date was not met",
                "very late delivery and no news from the courier",
                "parcel delivered a week late",
                "unacceptably late delivery",
                "still waiting for a delivery that is already late",
            ),
            "pos": _DELIVERY_POS_EN,
        },
    },
    "delivery_lost": {
        "fr": {
            "neg": (
                "colis jamais arrivé",
                "ma commande n'est jamais arrivée",
                "colis perdu par le transporteur",
                "le colis est indiqué livré mais je n'ai rien reçu",
                "toujours pas reçu mon colis",
                "colis introuvable, personne ne sait où il est",
                "livraison jamais effectuée",
                "le livreur n'est jamais passé",
            ),
            "pos": _DELIVERY_POS_FR,
        },
        "en": {
            "neg": (
                "parcel never arrived",
                "my order never arrived",
                "parcel lost by the courier",
                "tracking says delivered but I received nothing",
                "still have not received my parcel",
                "the package went missing and nobody knows where it is",
                "the delivery never happened",
                "the courier never showed up",
            ),
            "pos": _DELIVERY_POS_EN,
        },
    },
    "delivery_damaged": {
        "fr": {
            "neg": (
                "colis arrivé abîmé",
                "meuble livré cassé",
                "carton éventré à la livraison",
                "le livreur a laissé le colis sous la pluie",
                "vase livré en morceaux",
                "livraison brutale, pied de table tordu",
            ),
            "pos": _DELIVERY_POS_FR,
        },
        "en": {
            "neg": (
                "parcel arrived damaged",
                "furniture delivered broken",
                "box torn open on delivery",
                "the courier left the parcel in the rain",
                "vase delivered in pieces",
                "rough delivery, bent table leg",
            ),
            "pos": _DELIVERY_POS_EN,
        },
    },
    "price": {
        "fr": {
            "neg": (
                "prix trop élevés",
                "trop cher pour la qualité",
                "les prix ont encore augmenté",
                "frais de port exorbitants",
                "promotions trompeuses",
                "moins cher ailleurs pour le même article",
                "rapport qualité-prix décevant",
                "des prix qui ne cessent de monter",
            ),
            "pos": (
                "prix raisonnables",
                "bon rapport qualité-prix",
                "des promos vraiment intéressantes",
                "prix compétitifs",
                "moins cher qu'ailleurs",
                "tarifs honnêtes",
            ),
        },
        "en": {
            "neg": (
                "prices are too high",
                "too expensive for the quality",
                "prices went up again",
                "outrageous extra fees",
                "misleading promotions",
                "cheaper elsewhere for the same item",
                "poor value for money",
                "prices keep rising",
            ),
            "pos": (
                "fair prices",
                "good value for money",
                "really good deals",
                "competitive prices",
                "cheaper than elsewhere",
                "honest pricing",
            ),
        },
    },
    "staff": {
        "fr": {
            "neg": (
                "vendeur désagréable",
                "personnel peu aimable",
                "accueil froid",
                "conseiller méprisant",
                "aucun vendeur disponible pour nous conseiller",
                "personnel débordé et peu souriant",
                "on m'a mal parlé",
                "manque de politesse du personnel",
            ),
            "pos": (
                "personnel très aimable",
                "vendeuse souriante et de bon conseil",
                "accueil chaleureux",
                "conseiller à l'écoute",
                "équipe sympathique et compétente",
                "un vendeur patient qui connaît ses produits",
                "personnel serviable",
                "merci à la conseillère pour sa gentillesse",
            ),
        },
        "en": {
            "neg": (
                "rude staff",
                "unfriendly staff",
                "cold welcome",
                "the adviser was dismissive",
                "no one available to help us",
                "staff overwhelmed and unhelpful",
                "I was spoken to rudely",
                "impolite staff",
            ),
            "pos": (
                "very friendly staff",
                "helpful and smiling sales assistant",
                "warm welcome",
                "the adviser really listened",
                "friendly and knowledgeable team",
                "patient staff who know their products",
                "helpful staff",
                "thanks to the adviser for her kindness",
            ),
        },
    },
    "phone_wait": {
        "fr": {
            "neg": (
                "attente interminable au téléphone",
                "45 minutes d'attente au service client",
                "impossible de joindre le service client",
                "trop d'attente avant d'avoir un conseiller",
                "on m'a fait patienter puis raccroché au nez",
                "temps d'attente au téléphone inacceptable",
                "j'ai dû rappeler quatre fois",
                "la ligne est toujours saturée",
            ),
            "pos": (
                "réponse rapide au téléphone",
                "pas d'attente, un conseiller tout de suite",
                "décroché en moins d'une minute",
                "problème réglé en un seul appel",
                "rappelé rapidement comme promis",
                "service client facile à joindre",
            ),
        },
        "en": {
            "neg": (
                "endless wait on the phone",
                "45 minutes on hold with customer service",
                "impossible to reach customer service",
                "waited far too long to speak to an agent",
                "put on hold then hung up on",
                "unacceptable waiting time on the phone",
                "had to call back four times",
                "the line is always busy",
            ),
            "pos": (
                "quick answer on the phone",
                "no waiting, got an agent straight away",
                "answered in under a minute",
                "sorted in a single call",
                "called back quickly as promised",
                "customer service easy to reach",
            ),
        },
    },
    "product_quality": {
        "fr": {
            "neg": (
                "qualité décevante",
                "produit de mauvaise qualité",
                "le canapé s'est affaissé en quelques mois",
                "tissu qui bouloche après deux lavages",
                "la lampe a lâché au bout d'un mois",
                "finitions bâclées",
                "meuble bancal",
                "couleur différente de la photo",
            ),
            "pos": (
                "produits de très bonne qualité",
                "finitions soignées",
                "le linge de lit est superbe",
                "matériaux solides",
                "très satisfait de mon canapé",
                "la vaisselle est magnifique",
                "produit conforme et durable",
            ),
        },
        "en": {
            "neg": (
                "disappointing quality",
                "poor quality product",
                "the sofa sagged within months",
                "fabric pilled after two washes",
                "the lamp broke after a month",
                "sloppy finish",
                "wobbly furniture",
                "colour not as pictured",
            ),
            "pos": (
                "excellent quality products",
                "beautiful finish",
                "the bed linen is lovely",
                "sturdy materials",
                "very happy with my sofa",
                "the tableware is gorgeous",
                "durable and as described",
            ),
        },
    },
    "website_bugs": {
        "fr": {
            "neg": (
                "le site plante au moment du paiement",
                "impossible de valider mon panier sur le site",
                "bug sur le site à chaque connexion",
                "page de paiement qui tourne dans le vide",
                "le code promo ne fonctionne pas sur le site",
                "site lent et buggé",
                "message d'erreur à la création du compte",
                "mon panier se vide tout seul sur le site",
            ),
            "pos": (
                "site clair et facile à utiliser",
                "commande en ligne simple et rapide",
                "navigation fluide sur le site",
                "paiement en ligne sans souci",
                "site bien pensé",
                "on trouve facilement ce qu'on cherche sur le site",
            ),
        },
        "en": {
            "neg": (
                "the website crashes at checkout",
                "could not validate my basket on the website",
                "bug on the website every time I log in",
                "payment page keeps spinning",
                "the promo code does not work on the website",
                "slow and buggy website",
                "error message when creating an account",
                "my basket empties itself on the website",
            ),
            "pos": (
                "clear and easy website",
                "quick and simple online ordering",
                "smooth browsing on the website",
                "online payment went fine",
                "well designed website",
                "easy to find what I want on the website",
            ),
        },
    },
    "app": {
        "fr": {
            "neg": (
                "l'application plante sans arrêt",
                "appli lente et compliquée",
                "impossible de me connecter à l'application",
                "l'appli se ferme au moment de payer",
                "application pas intuitive du tout",
                "notifications sans intérêt dans l'appli",
                "la mise à jour de l'appli bloque tout",
                "l'appli ne garde pas mon panier",
            ),
            "pos": (
                "application très pratique",
                "appli fluide et intuitive",
                "commande en deux clics sur l'appli",
                "la nouvelle appli est bien plus simple",
                "appli rapide",
                "super pratique de suivre ses commandes dans l'appli",
            ),
        },
        "en": {
            "neg": (
                "the app keeps crashing",
                "slow and confusing app",
                "can't log in to the app",
                "the app closes when I try to pay",
                "the app is not intuitive at all",
                "pointless notifications in the app",
                "the app update broke everything",
                "the app loses my basket",
            ),
            "pos": (
                "very handy app",
                "smooth and intuitive app",
                "two taps to order in the app",
                "the new app is much simpler",
                "fast app",
                "great to track my orders in the app",
            ),
        },
    },
    "returns": {
        "fr": {
            "neg": (
                "remboursement toujours pas reçu",
                "retour compliqué et payant",
                "trois semaines pour être remboursé",
                "on a refusé mon retour",
                "bon de retour introuvable",
                "remboursement partiel sans explication",
                "procédure de retour interminable",
                "un avoir au lieu d'un remboursement",
            ),
            "pos": (
                "retour simple et gratuit",
                "remboursé en quelques jours",
                "échange fait sans discussion",
                "procédure de retour très claire",
                "remboursement rapide",
                "retour en magasin sans problème",
            ),
        },
        "en": {
            "neg": (
                "refund still not received",
                "complicated returns that I had to pay for",
                "three weeks to get my refund",
                "my return was refused",
                "could not find the return label",
                "partial refund with no explanation",
                "endless return process",
                "store credit instead of a refund",
            ),
            "pos": (
                "easy free return",
                "refunded within days",
                "exchange done without fuss",
                "very clear return process",
                "quick refund",
                "returned in store with no problem",
            ),
        },
    },
    "stock": {
        "fr": {
            "neg": (
                "produit en rupture de stock",
                "article jamais disponible",
                "rupture de stock en magasin",
                "indiqué en stock sur le site mais introuvable en magasin",
                "toujours en rupture depuis des semaines",
                "choix très limité",
                "coloris indisponible",
                "commande annulée faute de stock",
            ),
            "pos": (
                "bon choix en magasin",
                "tout était disponible",
                "large choix de produits",
                "article en stock immédiatement",
                "beaucoup de choix",
                "j'ai trouvé tout ce qu'il me fallait",
            ),
        },
        "en": {
            "neg": (
                "product out of stock",
                "item never available",
                "out of stock in the store",
                "shown in stock online but nowhere in the store",
                "out of stock for weeks",
                "very limited choice",
                "colour unavailable",
                "order cancelled for lack of stock",
            ),
            "pos": (
                "good choice in the store",
                "everything was available",
                "wide range of products",
                "item in stock straight away",
                "lots of choice",
                "found everything I needed",
            ),
        },
    },
    "loyalty": {
        "fr": {
            "neg": (
                "programme de fidélité sans intérêt",
                "mes points de fidélité ont disparu",
                "impossible d'utiliser mes points",
                "avantages fidélité ridicules",
                "carte de fidélité non reconnue en caisse",
                "bons d'achat qui expirent trop vite",
            ),
            "pos": (
                "programme de fidélité avantageux",
                "les bons d'achat sont appréciables",
                "on cumule facilement des points",
                "avantages membres intéressants",
                "ventes privées réservées aux membres",
                "la carte Lumière+ vaut vraiment le coup",
            ),
        },
        "en": {
            "neg": (
                "pointless loyalty programme",
                "my loyalty points disappeared",
                "can't use my points",
                "ridiculous loyalty perks",
                "loyalty card not recognised at the till",
                "vouchers expire too quickly",
            ),
            "pos": (
                "rewarding loyalty programme",
                "the vouchers are appreciated",
                "easy to collect points",
                "great member benefits",
                "members-only private sales",
                "the Lumière+ card is really worth it",
            ),
        },
    },
}

#: topic -> language -> sentiment -> details appended after the core ("" = none).
DETAILS: dict[str, Bank] = {
    "delivery_late": {
        "fr": {
            "neg": (
                "",
                " alors que le site annonçait 48 h",
                " pour un cadeau d'anniversaire",
                " sans aucun message du transporteur",
                " malgré plusieurs relances",
                " pour la deuxième fois",
            ),
            "pos": (
                "",
                " même en période de fêtes",
                " avec un suivi par SMS",
                " et un livreur sympa",
            ),
        },
        "en": {
            "neg": (
                "",
                " although the website promised 48 hours",
                " for a birthday present",
                " without a single message from the courier",
                " despite several reminders",
                " for the second time",
            ),
            "pos": (
                "",
                " even over the holidays",
                " with text message tracking",
                " and a nice courier",
            ),
        },
    },
    "delivery_lost": {
        "fr": {
            "neg": (
                "",
                " et le suivi ne bouge plus depuis dix jours",
                " malgré plusieurs relances",
                " alors que c'était un cadeau",
                " et il faut se battre pour être remboursé",
            ),
            "pos": ("",),
        },
        "en": {
            "neg": (
                "",
                " and tracking has not moved for ten days",
                " despite several reminders",
                " and it was a present",
                " and getting my money back is a fight",
            ),
            "pos": ("",),
        },
    },
    "delivery_damaged": {
        "fr": {
            "neg": (
                "",
                " et personne ne veut reconnaître le problème",
                " pour une commande à 400 euros",
            ),
            "pos": ("",),
        },
        "en": {
            "neg": ("", " and nobody will admit the problem", " on a 400 euro order"),
            "pos": ("",),
        },
    },
    "price": {
        "fr": {
            "neg": (
                "",
                " depuis quelques mois",
                " par rapport à la concurrence",
                " pour du linge de maison",
            ),
            "pos": (
                "",
                " pour de la déco de qualité",
                " pendant les soldes",
                " pour toute la famille",
            ),
        },
        "en": {
            "neg": (
                "",
                " for a few months now",
                " compared with competitors",
                " for household linen",
            ),
            "pos": ("", " for quality decor", " during the sales", " for the whole family"),
        },
    },
    "staff": {
        "fr": {
            "neg": (
                "",
                " en caisse",
                " au rayon luminaires",
                " lors de ma dernière visite",
                " malgré l'affluence",
            ),
            "pos": (
                "",
                " en caisse",
                " au rayon luminaires",
                " du début à la fin",
                " même un samedi bondé",
            ),
        },
        "en": {
            "neg": (
                "",
                " at the till",
                " in the lighting section",
                " on my last visit",
                " even with the crowds",
            ),
            "pos": (
                "",
                " at the till",
                " in the lighting section",
                " from start to finish",
                " even on a busy Saturday",
            ),
        },
    },
    "phone_wait": {
        "fr": {
            "neg": (
                "",
                " pour une simple question",
                " avec une musique d'attente insupportable",
                " un samedi matin",
            ),
            "pos": (
                "",
                " pour une simple question",
                " et un conseiller efficace",
                " un samedi matin",
            ),
        },
        "en": {
            "neg": (
                "",
                " for a simple question",
                " with unbearable hold music",
                " on a Saturday morning",
            ),
            "pos": (
                "",
                " for a simple question",
                " and an efficient agent",
                " on a Saturday morning",
            ),
        },
    },
    "product_quality": {
        "fr": {
            "neg": (
                "",
                " pour le prix payé",
                " sur un article pourtant premium",
                " après quelques semaines d'usage",
            ),
            "pos": (
                "",
                " après un an d'usage",
                " exactement comme en photo",
                " pour ma nouvelle maison",
            ),
        },
        "en": {
            "neg": (
                "",
                " for what I paid",
                " on a so-called premium item",
                " after a few weeks of use",
            ),
            "pos": ("", " after a year of use", " exactly as pictured", " for my new home"),
        },
    },
    "website_bugs": {
        "fr": {
            "neg": (
                "",
                " sur ordinateur comme sur mobile",
                " depuis la dernière mise à jour",
                " pendant les soldes",
            ),
            "pos": ("", " même sur mobile", " en quelques minutes"),
        },
        "en": {
            "neg": (
                "",
                " on desktop and mobile alike",
                " since the last update",
                " during the sales",
            ),
            "pos": ("", " even on mobile", " in a few minutes"),
        },
    },
    "app": {
        "fr": {
            "neg": ("", " sur mon téléphone Android", " sur iPhone", " depuis des mois"),
            "pos": ("", " sur mon téléphone", " depuis la mise à jour"),
        },
        "en": {
            "neg": ("", " on my Android phone", " on iPhone", " for months"),
            "pos": ("", " on my phone", " since the update"),
        },
    },
    "returns": {
        "fr": {
            "neg": (
                "",
                " pour un article défectueux",
                " après trois relances",
                " alors que j'ai tout renvoyé",
            ),
            "pos": (
                "",
                " pour un article qui ne convenait pas",
                " sans justificatif",
                " en magasin comme en ligne",
            ),
        },
        "en": {
            "neg": (
                "",
                " for a faulty item",
                " after three reminders",
                " although I sent everything back",
            ),
            "pos": (
                "",
                " for an item that did not suit me",
                " with no questions asked",
                " in store or online",
            ),
        },
    },
    "stock": {
        "fr": {
            "neg": (
                "",
                " pour le modèle en vitrine",
                " pour la deuxième fois",
                " au moment des soldes",
            ),
            "pos": ("", " même pendant les fêtes", " dans toutes les tailles"),
        },
        "en": {
            "neg": (
                "",
                " for the model on display",
                " for the second time",
                " right during the sales",
            ),
            "pos": ("", " even over the holidays", " in every size"),
        },
    },
    "loyalty": {
        "fr": {
            "neg": ("", " après des années de fidélité", " sans explication"),
            "pos": ("", " après des années de fidélité", " à chaque achat"),
        },
        "en": {
            "neg": ("", " after years of loyalty", " without any explanation"),
            "pos": ("", " after years of loyalty", " with every purchase"),
        },
    },
}

#: language -> tone ("neg", "mixed", "pos") -> openers.
OPENERS: Bank = {
    "fr": {
        "neg": (
            "",
            "",
            "Très déçu. ",
            "Très déçue. ",
            "Franchement, ",
            "Décevant : ",
            "Pas terrible : ",
            "Inadmissible ! ",
            "Je suis mécontent : ",
            "Première et dernière commande. ",
            "Grosse déception : ",
        ),
        "mixed": (
            "Bien dans l'ensemble mais ",
            "Correct, mais ",
            "Rien à redire sur le reste, mais ",
            "Plutôt satisfait, sauf que ",
            "Pas mal, mais ",
            "Moyen : ",
        ),
        "pos": (
            "",
            "",
            "Super ! ",
            "Très satisfait : ",
            "Très satisfaite, ",
            "Parfait : ",
            "Rien à dire, ",
            "Bravo, ",
            "Top : ",
            "Excellente expérience : ",
        ),
    },
    "en": {
        "neg": (
            "",
            "",
            "Very disappointed. ",
            "Honestly, ",
            "Disappointing: ",
            "Not great: ",
            "Unacceptable! ",
            "Really unhappy: ",
            "Never again. ",
            "Big letdown: ",
        ),
        "mixed": (
            "Fine overall but ",
            "OK, but ",
            "Nothing to say about the rest, but ",
            "Mostly happy, except that ",
            "Not bad, but ",
            "Average: ",
        ),
        "pos": (
            "",
            "",
            "Great! ",
            "Very happy: ",
            "Perfect: ",
            "No complaints, ",
            "Well done, ",
            "Top: ",
            "Excellent experience: ",
        ),
    },
}

#: language -> tone -> closers.
CLOSERS: Bank = {
    "fr": {
        "neg": (
            "",
            ".",
            " !",
            "...",
            ". Je ne recommande pas.",
            ". À améliorer d'urgence.",
            ". Je vais aller voir ailleurs.",
            ". Vraiment dommage.",
            ". Quelle galère.",
        ),
        "mixed": ("", ".", ". Dommage.", ". Peut mieux faire.", ". À améliorer."),
        "pos": (
            "",
            ".",
            " !",
            ". Je recommande !",
            ". Merci !",
            ". Je reviendrai.",
            ". Continuez comme ça.",
        ),
    },
    "en": {
        "neg": (
            "",
            ".",
            "!",
            "...",
            ". Would not recommend.",
            ". Needs fixing urgently.",
            ". I'll shop elsewhere.",
            ". Such a shame.",
            ". What a hassle.",
        ),
        "mixed": ("", ".", ". Shame.", ". Could do better.", ". Room for improvement."),
        "pos": (
            "",
            ".",
            "!",
            ". Highly recommend!",
            ". Thank you!",
            ". Will be back.",
            ". Keep it up.",
        ),
    },
}
