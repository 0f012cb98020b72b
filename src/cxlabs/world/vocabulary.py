"""Fixed vocabularies the world draws from: names, nicknames, places, products, texts.

Everything here is constant data; no randomness. Changing a list changes the world, so
the content-hash manifest in ``datasets/`` will tell you when you did.
"""

from __future__ import annotations

# First names with their common nicknames (used by source systems as noise).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Will"), "Robert": ("Bob", "Rob"), "Elizabeth": ("Liz", "Beth"),
    "Margaret": ("Maggie", "Peggy"), "James": ("Jim", "Jamie"), "Katherine": ("Kate", "Kathy"),
    "Michael": ("Mike",), "Jennifer": ("Jen", "Jenny"), "Thomas": ("Tom",),
    "Alexander": ("Alex",), "Christopher": ("Chris",), "Daniel": ("Dan", "Danny"),
    "Samantha": ("Sam",), "Joseph": ("Joe",), "Patricia": ("Pat", "Trish"),
    "Richard": ("Rick", "Dick"), "Rebecca": ("Becky",), "Andrew": ("Andy", "Drew"),
    "Victoria": ("Vicky",), "Matthew": ("Matt",), "Jonathan": ("Jon",), "Susan": ("Sue",),
    "Benjamin": ("Ben",), "Nicholas": ("Nick",), "Anthony": ("Tony",), "Deborah": ("Debbie",),
    "Edward": ("Ed", "Ted"), "Frederick": ("Fred",), "Johannes": ("Hannes",),
    "Friedrich": ("Fritz",), "Wolfgang": ("Wolf",), "Franziska": ("Franzi",),
    "Guillaume": ("Guill",), "Stephanie": ("Steph",), "Gabriel": ("Gabe",),
    "Isabella": ("Bella",), "Charlotte": ("Lotte", "Charlie"), "Maximilian": ("Max",),
}

FIRST_NAMES: tuple[str, ...] = tuple(NICKNAMES) + (
    "Olivia", "Emma", "Sophie", "Lucas", "Noah", "Liam", "Mia", "Ava", "Ella", "Leon",
    "Paul", "Anna", "Lena", "Hannah", "Julia", "Laura", "Sara", "Lea", "Emil", "Finn",
    "Jan", "Pieter", "Daan", "Sanne", "Femke", "Lotte", "Bram", "Ruben", "Camille", "Chloe",
    "Manon", "Louis", "Hugo", "Jules", "Arthur", "Ines", "Zoe", "Maria", "Carlos", "Sofia",
    "Diego", "Lucia", "Mateo", "Valentina", "Aisha", "Omar", "Priya", "Arjun", "Mei", "Wei",
    "Yuki", "Kenji", "Grace", "Henry", "George", "Oscar", "Harry", "Jack", "Amelia", "Isla",
    "Freya", "Ethan", "Mason", "Logan", "Aiden", "Chloe", "Nora", "Ruth", "Ivy", "Leo",
)
FIRST_NAMES = tuple(dict.fromkeys(FIRST_NAMES))  # drop repeats, keep order

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
    "Hall", "Wood", "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips",
    "Mason", "Mitchell", "Rose", "Davis", "Rodriguez", "Cox", "Alexander", "Morgan",
    "Moore", "Martin", "Harris", "Lee", "Clark", "Young", "King", "Scott", "Baker",
    "Adams", "Nelson", "Hill", "Campbell", "Carter", "Perez", "Turner", "Parker",
    "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Garcia",
    "Martinez", "Lopez", "Gonzalez", "Hernandez", "Nguyen", "Kim", "Chen", "Wang",
    "Mueller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz",
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Fournier", "Girard",
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser",
    "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks",
    "O'Brien", "O'Connor", "McDonald", "MacLeod", "Fitzgerald", "Sullivan", "Kowalski",
    "Nowak", "Novak", "Horvat", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi",
)
LAST_NAMES = tuple(dict.fromkeys(LAST_NAMES))

# Markets: code -> (region, privacy regime, country calling code, share of customers).
MARKETS: dict[str, tuple[str, str, str, float]] = {
    "UK": ("UK", "GDPR", "44", 0.25),
    "DE": ("EU", "GDPR", "49", 0.15),
    "FR": ("EU", "GDPR", "33", 0.12),
    "NL": ("EU", "GDPR", "31", 0.08),
    "US-CA": ("US", "CCPA", "1", 0.15),
    "US-NY": ("US", "US-other", "1", 0.12),
    "US-TX": ("US", "US-other", "1", 0.13),
}

CITIES: dict[str, tuple[str, ...]] = {
    "UK": ("London", "Manchester", "Birmingham", "Leeds", "Bristol", "Glasgow", "Cardiff"),
    "DE": ("Berlin", "Hamburg", "Munich", "Cologne", "Frankfurt", "Stuttgart", "Leipzig"),
    "FR": ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille", "Bordeaux"),
    "NL": ("Amsterdam", "Rotterdam", "Utrecht", "The Hague", "Eindhoven", "Groningen"),
    "US-CA": ("Los Angeles", "San Francisco", "San Diego", "San Jose", "Sacramento"),
    "US-NY": ("New York", "Buffalo", "Rochester", "Albany", "Syracuse"),
    "US-TX": ("Houston", "Dallas", "Austin", "San Antonio", "Fort Worth", "El Paso"),
}

def _districts(area: str, numbers) -> tuple[str, ...]:
    """UK outward codes: a postcode area (its letters) followed by district numbers."""
    if not isinstance(area, str):  # fail at once on anything else (the package scan feeds it whole tables)
        raise TypeError("area should be a postcode area's letters")
    return tuple(f"{area}{d}" for d in numbers)


#: Where each city's postal codes start, as the real systems write them (the rest of a code
#: is drawn). UK: outward codes, the postcode area's letters and a district (London spans
#: several areas, Manchester is area M). DE, FR: the first two digits (a German postal
#: region; a French département). NL: the first two of four digits. US: the first three
#: digits of the ZIP code, whose first digit names a group of states (9 for California, 1
#: for New York, 7 for most of Texas; El Paso also uses 885).
POSTCODE_PREFIXES: dict[str, tuple[str, ...]] = {
    "London": (_districts("E", range(1, 19)) + _districts("N", range(1, 23)) + _districts("NW", range(1, 12))
               + _districts("SE", range(1, 29)) + _districts("SW", range(2, 21)) + _districts("W", range(2, 15))),
    "Manchester": _districts("M", range(1, 36)), "Birmingham": _districts("B", range(1, 49)),
    "Leeds": _districts("LS", range(1, 30)), "Bristol": _districts("BS", range(1, 17)),
    "Glasgow": _districts("G", range(1, 54)), "Cardiff": _districts("CF", (3, 5, 10, 11, 14, 15, 23, 24)),
    "Berlin": ("10", "12", "13", "14"), "Hamburg": ("20", "21", "22"), "Munich": ("80", "81"),
    "Cologne": ("50", "51"), "Frankfurt": ("60",), "Stuttgart": ("70",), "Leipzig": ("04",),
    "Paris": ("75",), "Lyon": ("69",), "Marseille": ("13",), "Toulouse": ("31",), "Nantes": ("44",),
    "Lille": ("59",), "Bordeaux": ("33",),
    "Amsterdam": ("10", "11"), "Rotterdam": ("30", "31"), "Utrecht": ("35",), "The Hague": ("25",),
    "Eindhoven": ("56",), "Groningen": ("97",),
    "Los Angeles": tuple(str(z) for z in (*range(900, 909), *range(910, 919))),
    "San Francisco": ("940", "941"), "San Diego": ("919", "920", "921"), "San Jose": ("950", "951"),
    "Sacramento": ("956", "957", "958"),
    "New York": ("100", "101", "102", "103", "104", "110", "111", "112", "113", "114", "116"),
    "Buffalo": ("140", "141", "142"), "Rochester": ("144", "145", "146"), "Albany": ("120", "121", "122"),
    "Syracuse": ("130", "131", "132"),
    "Houston": ("770", "772", "773", "774", "775"), "Dallas": ("750", "751", "752", "753"),
    "Austin": ("786", "787"), "San Antonio": ("780", "781", "782"), "Fort Worth": ("760", "761"),
    "El Paso": ("798", "799", "885"),
}
#: Letters of the inward code of a UK postcode ("1AA"): never C, I, K, M, O or V.
UK_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
#: Letters of a Dutch postcode ("1012 AB"): never F, I, O, Q, U or Y.
NL_POSTCODE_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"

STREET_NAMES: tuple[str, ...] = (
    "Oak", "Maple", "Station", "Church", "Mill", "High", "Park", "Victoria", "Kings",
    "Queens", "Bridge", "Market", "Garden", "Lake", "Hill", "River", "Elm", "Cedar",
    "Linden", "Rose", "Meadow", "Forest", "Harbour", "Castle", "Spring", "Willow",
)
STREET_TYPES: tuple[str, ...] = ("Street", "Road", "Avenue", "Lane", "Way", "Drive")
STREET_ABBREVIATIONS: dict[str, str] = {
    "Street": "St", "Road": "Rd", "Avenue": "Ave", "Lane": "Ln", "Way": "Wy", "Drive": "Dr",
}

EMAIL_DOMAINS: dict[str, tuple[str, ...]] = {
    "UK": ("gmail.com", "outlook.com", "yahoo.co.uk", "btinternet.com", "icloud.com"),
    "DE": ("gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.com"),
    "FR": ("gmail.com", "orange.fr", "free.fr", "laposte.net", "outlook.com"),
    "NL": ("gmail.com", "ziggo.nl", "kpnmail.nl", "outlook.com", "hotmail.nl"),
    "US-CA": ("gmail.com", "yahoo.com", "icloud.com", "outlook.com", "aol.com"),
    "US-NY": ("gmail.com", "yahoo.com", "icloud.com", "outlook.com", "aol.com"),
    "US-TX": ("gmail.com", "yahoo.com", "icloud.com", "outlook.com", "att.net"),
}
# Equivalent domains: a source system may hold the variant instead of the canonical one.
DOMAIN_VARIANTS: dict[str, str] = {
    "gmail.com": "googlemail.com", "outlook.com": "hotmail.com", "yahoo.com": "ymail.com",
    "yahoo.co.uk": "yahoo.com", "icloud.com": "me.com", "web.de": "email.de",
    "gmx.de": "gmx.net", "hotmail.nl": "live.nl", "aol.com": "aim.com",
}

COMPANY_WORDS = (
    "Harbor", "Summit", "Northwind", "Bluebell", "Crescent", "Granite", "Meridian", "Pinnacle",
    "Riverside", "Oakridge", "Silverline", "Beacon", "Evergreen", "Keystone", "Lighthouse",
    "Redwood", "Sterling", "Westgate", "Ashford", "Brightwater",
)
COMPANY_KINDS = (
    ("Hotels", "hospitality"), ("Property Management", "property"), ("Housing", "property"),
    ("Academy", "education"), ("Clinics", "healthcare"), ("Care Homes", "healthcare"),
    ("Retail Group", "retail"), ("Student Living", "property"), ("Suites", "hospitality"),
)

# Product catalogue: category -> (price range in USD, margin range, smart?, lead time days).
PRODUCT_CATEGORIES: dict[str, tuple[tuple[float, float], tuple[float, float], bool, tuple[int, int]]] = {
    "washing machine": ((399, 1299), (0.18, 0.30), False, (14, 45)),
    "refrigerator": ((499, 2499), (0.15, 0.28), False, (21, 60)),
    "dishwasher": ((349, 1199), (0.18, 0.30), False, (14, 45)),
    "oven": ((299, 1899), (0.20, 0.32), False, (14, 40)),
    "vacuum cleaner": ((99, 799), (0.25, 0.40), False, (7, 30)),
    "smart thermostat": ((129, 329), (0.35, 0.50), True, (10, 35)),
    "smart speaker": ((49, 299), (0.30, 0.45), True, (7, 28)),
    "security camera": ((79, 399), (0.35, 0.50), True, (10, 35)),
    "smart lighting": ((19, 149), (0.40, 0.60), True, (7, 21)),
    "accessory": ((9, 79), (0.50, 0.70), False, (5, 14)),
}
PRODUCT_BRANDS = ("Aurel", "Kestrel", "Novu", "Halden", "Lumo", "Brisa", "Torvik", "Zenra")
