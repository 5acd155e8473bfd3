"""The 32 London boroughs and the City of London, keyed by the slug stored in answers."""

BOROUGHS: dict[str, str] = {
    "barking_and_dagenham": "Barking and Dagenham",
    "barnet": "Barnet",
    "bexley": "Bexley",
    "brent": "Brent",
    "bromley": "Bromley",
    "camden": "Camden",
    "city_of_london": "City of London",
    "croydon": "Croydon",
    "ealing": "Ealing",
    "enfield": "Enfield",
    "greenwich": "Greenwich",
    "hackney": "Hackney",
    "hammersmith_and_fulham": "Hammersmith and Fulham",
    "haringey": "Haringey",
    "harrow": "Harrow",
    "havering": "Havering",
    "hillingdon": "Hillingdon",
    "hounslow": "Hounslow",
    "islington": "Islington",
    "kensington_and_chelsea": "Kensington and Chelsea",
    "kingston_upon_thames": "Kingston upon Thames",
    "lambeth": "Lambeth",
    "lewisham": "Lewisham",
    "merton": "Merton",
    "newham": "Newham",
    "redbridge": "Redbridge",
    "richmond_upon_thames": "Richmond upon Thames",
    "southwark": "Southwark",
    "sutton": "Sutton",
    "tower_hamlets": "Tower Hamlets",
    "waltham_forest": "Waltham Forest",
    "wandsworth": "Wandsworth",
    "westminster": "Westminster",
}

# The City has its own police force and is not covered by the Mayor's plan
# (consultation brief, section 9).
CITY_OF_LONDON = "city_of_london"
