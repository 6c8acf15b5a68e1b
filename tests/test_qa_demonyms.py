"""Demonyms ("Japanese", "Central Asian", "Africans") reach the known place they name."""

import pytest

from qa.demonyms import (
    CAPITALISED_ONLY,
    NOT_A_PLACE,
    demonym_mentions,
    load_demonyms,
    place_key,
    read_demonyms,
)

# English place and region names as a glossary gives them (corpus/glossary.tsv style).
GLOSSARY = [
    "Guangzhou", "Shenzhen", "Dongguan", "Hong Kong", "Macao (Macau)", "Guangdong",
    "Central Asia", "Northeast Asia", "Southeast Asia", "South Asia", "West Asia",
    "Africa", "Europe", "Central and Eastern Europe", "ASEAN",
]
WORLD = GLOSSARY + [
    "Asia", "Japan", "China", "United States", "United Kingdom", "South Korea", "India",
    "Turkey", "Poland", "Netherlands", "Guinea", "Papua New Guinea", "South Africa",
    "Latin America", "Middle East", "Scandinavia", "Nordic countries", "Vietnam",
    "Czech Republic", "Central Africa", "European Union", "United Arab Emirates",
    "Philippines", "Iran", "Russia",
]

CASES = [
    # The two questions of the brief.
    ("What were Dongguan's imports from Central Asian countries?", GLOSSARY,
     [("Central Asia", 34, 47)]),
    ("How much did Japanese firms invest?", WORLD, [("Japan", 13, 21)]),
    # Spec table of the module docstring.
    ("imports from Central Asian countries", ["Central Asia", "Asia"], [("Central Asia", 13, 26)]),
    ("Africans and Europeans", ["Africa", "Europe"], [("Africa", 0, 8), ("Europe", 13, 22)]),
    ("South African exports", ["Africa"], []),
    ("Papua New Guinean coffee", ["Guinea"], []),
    ("Japanese firms", ["China"], []),
    ("Indiana", ["India"], []),
    ("roast turkey", ["Turkey"], []),
    ("Macanese cuisine", GLOSSARY, [("Macao (Macau)", 0, 8)]),
    ("Korean exports", ["Korea"], [("Korea", 0, 6)]),
    ("US firms", ["United States"], [("United States", 0, 2)]),
    ("tell us", ["United States"], []),
    ("Sino-US trade", WORLD, [("China", 0, 4), ("United States", 5, 7)]),
    ("polish the report", ["Poland"], []),
    # Regions.
    ("Southeast Asian economies", GLOSSARY, [("Southeast Asia", 0, 15)]),
    ("South-East Asian economies", GLOSSARY, [("Southeast Asia", 0, 16)]),
    ("South East Asian economies", GLOSSARY, [("Southeast Asia", 0, 16)]),
    ("Northeast Asian and South Asian markets", GLOSSARY,
     [("Northeast Asia", 0, 15), ("South Asia", 20, 31)]),
    ("Western Asian buyers", GLOSSARY, [("West Asia", 0, 13)]),
    ("trade with Central and Eastern European countries", GLOSSARY,
     [("Central and Eastern Europe", 11, 39)]),
    ("Central and Eastern European countries", ["Europe"], []),
    ("Eastern European countries", GLOSSARY, []),
    ("European investors", GLOSSARY, [("Europe", 0, 8)]),
    ("Middle Eastern oil", WORLD, [("Middle East", 0, 14)]),
    ("Latin American and Scandinavian buyers", WORLD,
     [("Latin America", 0, 14), ("Scandinavia", 19, 31)]),
    ("the Nordics", WORLD, [("Nordic countries", 4, 11)]),
    ("Central African countries", WORLD, [("Central Africa", 0, 15)]),
    ("Central African countries", ["Central African Republic"],
     [("Central African Republic", 0, 15)]),
    ("the Central African Republic", ["Central Africa", "Africa"], []),
    ("Asian and African partners", WORLD, [("Asia", 0, 5), ("Africa", 10, 17)]),
    # Longest first, whole words, no overlaps.
    ("South African mines", WORLD, [("South Africa", 0, 13)]),
    ("Papua New Guinean coffee", WORLD, [("Papua New Guinea", 0, 17)]),
    ("Guinean bauxite", WORLD, [("Guinea", 0, 7)]),
    ("North Korean", WORLD, []),
    ("South Korean and Korean firms", WORLD, [("South Korea", 0, 12), ("South Korea", 17, 23)]),
    ("Indianapolis and Indiana", WORLD, []),
    ("across the Indian Ocean", WORLD, []),
    ("Indian and Chinese exports", WORLD, [("India", 0, 6), ("China", 11, 18)]),
    ("Japanese-Americans", WORLD, [("Japan", 0, 8), ("United States", 9, 18)]),
    ("中国和Japanese企业", WORLD, [("Japan", 3, 11)]),
    ("Japanesey", WORLD, []),
    # Plurals and people nouns.
    ("Filipinos and Pakistanis", ["Philippines", "Pakistan"],
     [("Philippines", 0, 9), ("Pakistan", 14, 24)]),
    ("Czechs and Poles", WORLD, [("Czech Republic", 0, 6), ("Poland", 11, 16)]),
    ("Chinese and Japanese", WORLD, [("China", 0, 7), ("Japan", 12, 20)]),
    ("Hongkongers and Hong Kongers", GLOSSARY, [("Hong Kong", 0, 11), ("Hong Kong", 16, 28)]),
    ("Frenchmen", ["France"], [("France", 0, 9)]),
    ("Chineses", WORLD, []),
    ("Emiratis", WORLD, [("United Arab Emirates", 0, 8)]),
    # Case.
    ("JAPANESE FIRMS", WORLD, [("Japan", 0, 8)]),
    ("japanese firms", WORLD, [("Japan", 0, 8)]),
    ("Polish exports", WORLD, [("Poland", 0, 6)]),
    ("swedes and turnips", ["Sweden"], []),
    ("Swedes", ["Sweden"], [("Sweden", 0, 6)]),
    ("U.S. investment in the UK", WORLD, [("United States", 0, 4), ("United Kingdom", 23, 25)]),
    ("Us and uk", WORLD, []),
    ("EU members", WORLD, [("European Union", 0, 2)]),
    # Shields: phrases with a demonym that does not name its place.
    ("the Dutch disease", WORLD, []),
    ("Dutch exports", WORLD, [("Netherlands", 0, 5)]),
    ("Turkish delight", WORLD, []),
    ("Turkish lira", WORLD, [("Turkey", 0, 7)]),
    ("United Arab Emirates", WORLD, []),
    ("Persian Gulf states", WORLD, []),
    ("Persian carpets", WORLD, [("Iran", 0, 7)]),
    # Fallbacks and spellings of the known place.
    ("Korean exports", WORLD, [("South Korea", 0, 6)]),
    ("Vietnamese rice", ["Viet Nam"], [("Viet Nam", 0, 10)]),
    ("Turkish lira", ["Türkiye"], [("Türkiye", 0, 7)]),
    ("Gambian groundnuts", ["The Gambia"], [("The Gambia", 0, 7)]),
    ("Saint Lucian bananas", ["St. Lucia"], [("St. Lucia", 0, 12)]),
    ("Macanese cuisine", ["Macau"], [("Macau", 0, 8)]),
    ("Dominican cigars", ["Dominica"], [("Dominica", 0, 9)]),
    ("Dominican cigars", ["Dominican Republic", "Dominica"], [("Dominican Republic", 0, 9)]),
    ("American firms", ["Americas"], []),
    ("american firms", ["UNITED STATES"], [("UNITED STATES", 0, 8)]),
    # Unknown places give nothing.
    ("Japanese firms", GLOSSARY, []),
    ("", WORLD, []),
    ("Japanese firms", [], []),
]


@pytest.mark.parametrize(("text", "places", "expected"), CASES)
def test_demonym_mentions(text, places, expected):
    assert demonym_mentions(text, places) == [tuple(m) for m in expected]


def test_mapping_reports_its_values():
    places = {"Japan": "日本", "Central Asia": "中亚"}
    assert demonym_mentions("Japanese and Central Asian firms", places) == [
        ("日本", 0, 8), ("中亚", 13, 26),
    ]


def test_a_single_name_is_one_place():
    assert demonym_mentions("Japanese firms", "Japan") == [("Japan", 0, 8)]


def test_mentions_have_names():
    (mention,) = demonym_mentions("Japanese firms", ["Japan"])
    assert (mention.place, mention.start, mention.end) == ("Japan", 0, 8)


def test_span_is_the_demonym():
    text = "Exports to Middle-Eastern and Sub-Saharan African markets rose."
    found = demonym_mentions(text, ["Middle East", "Sub-Saharan Africa"])
    assert [(p, text[s:e]) for p, s, e in found] == [
        ("Middle East", "Middle-Eastern"),
        ("Sub-Saharan Africa", "Sub-Saharan African"),
    ]


def test_place_key():
    assert place_key("The Gambia") == place_key("gambia")
    assert place_key("Viet Nam") == place_key("Vietnam")
    assert place_key("Côte d'Ivoire") == place_key("Cote d’Ivoire")
    assert place_key("St Lucia") == place_key("Saint Lucia")
    assert place_key("South-East Asia") == place_key("Southeast Asia")
    assert place_key("Stockholm") == "stockholm"


# The 193 UN member states, by a common English short name.
UN_MEMBERS = """\
Afghanistan; Albania; Algeria; Andorra; Angola; Antigua and Barbuda; Argentina; Armenia;
Australia; Austria; Azerbaijan; Bahamas; Bahrain; Bangladesh; Barbados; Belarus; Belgium;
Belize; Benin; Bhutan; Bolivia; Bosnia and Herzegovina; Botswana; Brazil; Brunei; Bulgaria;
Burkina Faso; Burundi; Cape Verde; Cambodia; Cameroon; Canada; Central African Republic;
Chad; Chile; China; Colombia; Comoros; Republic of the Congo; Costa Rica; Côte d'Ivoire;
Croatia; Cuba; Cyprus; Czech Republic; North Korea; Democratic Republic of the Congo;
Denmark; Djibouti; Dominica; Dominican Republic; Ecuador; Egypt; El Salvador; Equatorial
Guinea; Eritrea; Estonia; Eswatini; Ethiopia; Fiji; Finland; France; Gabon; Gambia; Georgia;
Germany; Ghana; Greece; Grenada; Guatemala; Guinea; Guinea-Bissau; Guyana; Haiti; Honduras;
Hungary; Iceland; India; Indonesia; Iran; Iraq; Ireland; Israel; Italy; Jamaica; Japan;
Jordan; Kazakhstan; Kenya; Kiribati; Kuwait; Kyrgyzstan; Laos; Latvia; Lebanon; Lesotho;
Liberia; Libya; Liechtenstein; Lithuania; Luxembourg; Madagascar; Malawi; Malaysia;
Maldives; Mali; Malta; Marshall Islands; Mauritania; Mauritius; Mexico; Federated States of
Micronesia; Moldova; Monaco; Mongolia; Montenegro; Morocco; Mozambique; Myanmar; Namibia;
Nauru; Nepal; Netherlands; New Zealand; Nicaragua; Niger; Nigeria; North Macedonia; Norway;
Oman; Pakistan; Palau; Panama; Papua New Guinea; Paraguay; Peru; Philippines; Poland;
Portugal; Qatar; South Korea; Romania; Russia; Rwanda; Saint Kitts and Nevis; Saint Lucia;
Saint Vincent and the Grenadines; Samoa; San Marino; São Tomé and Príncipe; Saudi Arabia;
Senegal; Serbia; Seychelles; Sierra Leone; Singapore; Slovakia; Slovenia; Solomon Islands;
Somalia; South Africa; South Sudan; Spain; Sri Lanka; Sudan; Suriname; Sweden; Switzerland;
Syria; Tajikistan; Tanzania; Thailand; East Timor; Togo; Tonga; Trinidad and Tobago;
Tunisia; Turkey; Turkmenistan; Tuvalu; Uganda; Ukraine; United Arab Emirates; United
Kingdom; United States; Uruguay; Uzbekistan; Vanuatu; Venezuela; Vietnam; Yemen; Zambia;
Zimbabwe"""


def _un_members() -> set[str]:
    return {name.strip() for name in UN_MEMBERS.replace("\n", " ").split(";")}


def test_every_un_member_has_a_demonym():
    members = _un_members()
    assert len(members) == 193
    places = {place_key(p) for _, p in read_demonyms() if p != NOT_A_PLACE}
    assert sorted(m for m in members if place_key(m) not in places) == []


def test_data_file():
    rows = read_demonyms()
    assert len(rows) >= 230
    assert len(set(rows)) == len(rows)  # no duplicate rows
    forms = {form.casefold() for form, _ in rows}
    assert CAPITALISED_ONLY <= forms | {f + "s" for f in forms}
    assert load_demonyms() is load_demonyms()  # read once
