#!/usr/bin/env python3
"""A small Nepali kirana catalog written for this evaluation, and queries against it in
romanized Nepali (with the spelling variants people use), Devanagari (with Devanagari
digits), English, codes, and sizes written every way.

Writes out/nepali_catalog.csv and out/nepali_queries.tsv. Every query names exactly one
active product (by alias + size, brand, or code); ambiguous phrases are tested as decisions
in tests/matching_decisions.rs instead.

usage: gen_nepali.py [--out DIR] [--seed N]
"""
import argparse
import csv
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

# sku, name, brand, category, pack_size, unit, aliases, active
CATALOG = [
    ("RICE-1KG", "Basmati Rice", "Gyan", "Grains", "1", "kg", "chamal|चामल|basmati chamal|बासमती चामल", 1),
    ("RICE-5KG", "Basmati Rice", "Gyan", "Grains", "5", "kg", "chamal|चामल|basmati chamal|बासमती चामल", 1),
    ("RICE-JM-25KG", "Jeera Masino Rice", "Gyan", "Grains", "25", "kg", "jeera masino chamal|जीरा मसिनो चामल|masino chamal", 1),
    ("SUGAR-1KG", "Sugar", "", "Grocery", "1", "kg", "chini|चिनी", 1),
    ("SUGAR-5KG", "Sugar", "", "Grocery", "5", "kg", "chini|चिनी", 1),
    ("SALT-1KG", "Iodized Salt", "Aayo", "Grocery", "1", "kg", "nun|नुन", 1),
    ("OIL-SOY-1L", "Soybean Oil", "Dhara", "Oil", "1", "l", "tel|तेल|bhatmas tel|भटमासको तेल", 1),
    ("OIL-SOY-5L", "Soybean Oil", "Dhara", "Oil", "5", "l", "tel|तेल|bhatmas tel|भटमासको तेल", 0),
    ("OIL-MUS-1L", "Mustard Oil", "Dhara", "Oil", "1", "l", "tori tel|तोरीको तेल|sarson tel", 1),
    ("OIL-SUN-1L", "Sunflower Oil", "Sunpure", "Oil", "1", "l", "suryamukhi tel|सूर्यमुखी तेल", 1),
    ("TEA-500G", "Tokla Tea", "Tokla", "Beverages", "500", "g", "chiya|चिया", 1),
    ("TEA-GREEN-100G", "Ilam Green Tea", "Ilam", "Beverages", "100", "g", "hariyo chiya|हरियो चिया", 1),
    ("COFFEE-50G", "Nescafe Classic Coffee", "Nescafe", "Beverages", "50", "g", "kafi|कफी", 1),
    ("DAL-MAS-1KG", "Black Lentil", "", "Pulses", "1", "kg", "maas|मास|kalo dal|कालो दाल", 1),
    ("DAL-MUSURO-1KG", "Red Lentil", "", "Pulses", "1", "kg", "musuro|मुसुरो|musuro dal|मुसुरोको दाल", 1),
    ("DAL-RAHAR-1KG", "Pigeon Pea Lentil", "", "Pulses", "1", "kg", "rahar|रहर|rahar dal|रहरको दाल", 1),
    ("DAL-MUNG-1KG", "Green Gram Lentil", "", "Pulses", "1", "kg", "mung|मुगी|mugi dal|मुगीको दाल", 1),
    ("CHANA-1KG", "Chickpeas", "", "Pulses", "1", "kg", "chana|चना|kalo chana|कालो चना", 1),
    ("ATTA-5KG", "Chakki Atta", "Gyan", "Flour", "5", "kg", "pitho|पीठो|gahu ko pitho|गहुँको पीठो|atta|आटा", 1),
    ("MAIDA-1KG", "Maida Flour", "Gyan", "Flour", "1", "kg", "maida|मैदा", 1),
    ("BESAN-500G", "Gram Flour", "", "Flour", "500", "g", "besan|बेसन", 1),
    ("CHIURA-1KG", "Beaten Rice", "", "Grains", "1", "kg", "chiura|चिउरा", 1),
    ("NOODLE-WAIWAI", "Wai Wai Chicken Noodles", "Wai Wai", "Noodles", "75", "g", "chauchau|चाउचाउ", 1),
    ("NOODLE-RARA", "Rara Veg Noodles", "Rara", "Noodles", "70", "g", "chauchau|चाउचाउ", 1),
    ("BISCUIT-GLU", "Nebico Glucose Biscuit", "Nebico", "Biscuits", "100", "g", "biskut|बिस्कुट", 1),
    ("BISCUIT-MARIE", "Marie Gold Biscuit", "Britannia", "Biscuits", "120", "g", "", 1),
    ("GHEE-1L", "Pure Cow Ghee", "DDC", "Dairy", "1", "l", "ghiu|घिउ", 1),
    ("MILK-1L", "Standard Milk", "DDC", "Dairy", "1", "l", "dudh|दूध", 1),
    ("MILK-POWDER-500G", "Milk Powder", "Anchor", "Dairy", "500", "g", "dudh powder|धुलो दूध", 1),
    ("SOAP-LUX", "Lux Soap", "Lux", "Personal care", "100", "g", "sabun|साबुन", 1),
    ("SOAP-DETTOL", "Dettol Original Soap", "Dettol", "Personal care", "125", "g", "dettol sabun", 1),
    ("DETERGENT-1KG", "Surf Excel Detergent Powder", "Surf Excel", "Household", "1", "kg", "sarf|सर्फ|luga dhune sabun|लुगा धुने साबुन", 1),
    ("TURMERIC-200G", "Turmeric Powder", "Everest", "Spices", "200", "g", "besar|बेसार|haldi|हल्दी", 1),
    ("CUMIN-100G", "Cumin Seeds", "", "Spices", "100", "g", "jeera|जीरा|jira", 1),
    ("CHILLI-200G", "Red Chilli Powder", "Everest", "Spices", "200", "g", "khursani|खुर्सानी|rato khursani|रातो खुर्सानी", 1),
    ("CORIANDER-200G", "Coriander Powder", "Everest", "Spices", "200", "g", "dhaniya|धनियाँ", 1),
    ("MOMO-MASALA-50G", "Momo Masala", "Everest", "Spices", "50", "g", "momo masala|मम मसला", 1),
    ("EGGS-30", "Eggs", "", "Dairy", "30", "pcs", "anda|अण्डा|phul|फुल", 1),
    ("POTATO-1KG", "Potato", "", "Vegetables", "1", "kg", "aalu|आलु", 1),
    ("ONION-1KG", "Onion", "", "Vegetables", "1", "kg", "pyaj|प्याज", 1),
    ("MATCH-10", "Matchbox", "", "Household", "10", "pcs", "salai|सलाई", 1),
    ("CANDLE-6", "Candle", "", "Household", "6", "pcs", "mainbatti|मैनबत्ती", 1),
    ("TOOTHPASTE-100G", "Colgate Strong Teeth Toothpaste", "Colgate", "Personal care", "100", "g", "manjan|मन्जन", 1),
    ("SOYA-CHUNKS-200G", "Soya Chunks", "Nutrela", "Grocery", "200", "g", "soya|सोयाबिन", 1),
    ("GUNDRUK-100G", "Gundruk", "", "Grocery", "100", "g", "गुन्द्रुक", 1),
]

# Hand-written queries: how shopkeepers write these products.
QUERIES = [
    ("RICE-1KG", ["chamal 1kg", "चामल १ किलो", "basmati chamal 1 kg", "bashmati chaamal 1kg",
                  "RICE-1KG", "rice-1kg", "gyan basmati 1kg", "चामल 1 केजी", "basmati rice 1 kilo"]),
    ("RICE-5KG", ["chamal 5 kg", "चामल ५ किलो", "basmati chamal 5kg", "gyan basmati rice 5 kg",
                  "RICE-5KG", "chaamal 5 kilo"]),
    ("RICE-JM-25KG", ["jeera masino 25 kg", "जीरा मसिनो चामल", "jira masino chamal",
                      "jeera masino chamal 25kg", "masino chamal 25 kg"]),
    ("SUGAR-1KG", ["chini 1kg", "cheeni 1 kg", "चिनी १ किलो", "suger 1kg", "sugar 1 kg", "SUGAR-1KG"]),
    ("SUGAR-5KG", ["chini 5kg", "चिनी ५ किलो", "cheeni 5 kg", "suger 5 kg"]),
    ("SALT-1KG", ["nun", "noon", "नुन", "aayo salt", "iodized salt 1kg", "nun 1kg", "iodised salt"]),
    ("OIL-SOY-1L", ["dhara soyabean oil", "bhatmas tel 1 ltr", "भटमासको तेल", "soybean oil 1l",
                    "bhatmas ko tel 1 litre"]),
    ("OIL-MUS-1L", ["tori tel", "तोरीको तेल", "toriko tel", "mustard oil", "dhara mustard oil 1l",
                    "sarson tel", "mastard oil"]),
    ("OIL-SUN-1L", ["suryamukhi tel", "सूर्यमुखी तेल", "sunflower oil", "sunpure oil", "sunflawer oil"]),
    ("TEA-500G", ["tokla chiya", "tokla tea 500g", "chiya 500 gm", "चिया ५०० ग्राम", "tokla 500 gm",
                  "tokla chia 500g"]),
    ("TEA-GREEN-100G", ["hariyo chiya", "हरियो चिया", "ilam green tea", "green tea 100g", "ilam grean tea"]),
    ("COFFEE-50G", ["nescafe", "nescafe classic", "kafi", "कफी", "nescafe coffee 50g", "neskafe classic"]),
    ("DAL-MAS-1KG", ["maas", "मास", "kalo dal", "कालो दाल", "maas ko dal", "black lentil 1kg", "mas dal"]),
    ("DAL-MUSURO-1KG", ["musuro", "मुसुरो", "musuro dal", "red lentil", "musuro ko dal 1 kg", "mushuro"]),
    ("DAL-RAHAR-1KG", ["rahar", "रहर", "rahar dal", "rahar ko dal", "pigeon pea", "rahar daal 1kg"]),
    ("DAL-MUNG-1KG", ["mugi", "मुगी", "mugi dal", "mugi ko dal", "green gram", "moogi dal"]),
    ("CHANA-1KG", ["chana", "चना", "kalo chana", "chickpeas 1kg", "chana 1 kg", "chhana"]),
    ("ATTA-5KG", ["pitho", "पीठो", "atta 5kg", "aata 5 kg", "आटा ५ किलो", "gahu ko pitho", "chakki atta",
                  "gyan atta"]),
    ("MAIDA-1KG", ["maida", "मैदा", "maida 1kg", "maidaa", "gyan maida"]),
    ("BESAN-500G", ["besan", "बेसन", "besan 500g", "gram flour", "beshan"]),
    ("CHIURA-1KG", ["chiura", "चिउरा", "chiura 1kg", "beaten rice", "chiuraa"]),
    ("NOODLE-WAIWAI", ["wai wai", "waiwai", "wai wai chauchau", "wai wai chicken", "vai vai noodles",
                       "वाइवाइ चाउचाउ"]),
    ("NOODLE-RARA", ["rara", "rara chauchau", "rara noodles", "rara veg", "रारा चाउचाउ"]),
    ("BISCUIT-GLU", ["biskut", "बिस्कुट", "nebico biscuit", "glucose biscuit", "nebico glucose",
                     "biscut nebico"]),
    ("BISCUIT-MARIE", ["marie gold", "britannia marie", "marie biscuit", "mari gold biscuit"]),
    ("GHEE-1L", ["ghiu", "घिउ", "ddc ghee", "pure ghee 1 ltr", "cow ghee"]),
    ("MILK-1L", ["ddc milk", "dudh 1 litre", "दूध १ लिटर", "standard milk", "ddc dudh"]),
    ("MILK-POWDER-500G", ["dudh powder", "धुलो दूध", "milk powder", "anchor milk powder", "anchor 500g"]),
    ("SOAP-LUX", ["lux", "lux sabun", "lux soap 100g", "लक्स साबुन"]),
    ("SOAP-DETTOL", ["dettol sabun", "dettol soap", "dettol original", "detol soap"]),
    ("DETERGENT-1KG", ["sarf", "सर्फ", "surf excel", "luga dhune sabun", "surf excel 1kg", "serf excel"]),
    ("TURMERIC-200G", ["besar", "बेसार", "turmeric", "everest turmeric", "haldi powder everest",
                       "turmaric powder"]),
    ("CUMIN-100G", ["jeera", "जीरा", "jira", "cumin", "jeera 100g", "cumin seed"]),
    ("CHILLI-200G", ["khursani", "खुर्सानी", "rato khursani", "red chilli powder", "khursani powder",
                     "everest chilli"]),
    ("CORIANDER-200G", ["dhaniya", "धनियाँ", "dhania powder", "coriander powder", "everest dhaniya"]),
    ("MOMO-MASALA-50G", ["momo masala", "मम मसला", "everest momo masala", "momo masla"]),
    ("EGGS-30", ["anda", "अण्डा", "phul", "फुल", "eggs 30 pcs", "anda 30 wota", "fool"]),
    ("POTATO-1KG", ["aalu", "alu", "आलु", "potato", "aalu 1kg", "potatos"]),
    ("ONION-1KG", ["pyaj", "प्याज", "onion", "pyaaj 1kg", "piyaj", "oniyan"]),
    ("MATCH-10", ["salai", "सलाई", "matchbox", "salaai", "match box"]),
    ("CANDLE-6", ["mainbatti", "मैनबत्ती", "candle", "mainbati", "candel"]),
    ("TOOTHPASTE-100G", ["manjan", "मन्जन", "colgate", "colgate toothpaste", "colget strong teeth",
                         "toothpaste 100g"]),
    ("SOYA-CHUNKS-200G", ["nutrela", "soya chunks", "सोयाबिन", "nutrela soya 200g", "soyabin"]),
    ("GUNDRUK-100G", ["gundruk", "गुन्द्रुक", "gundruk 100g", "gundrook"]),
]


def variants(q, rnd):
    """A second spelling of a romanized query, as another person would type it."""
    swaps = [("aa", "a"), ("a", "aa"), ("ee", "i"), ("i", "ee"), ("oo", "u"), ("u", "oo"),
             ("w", "v"), ("v", "w"), ("chh", "ch"), ("ch", "chh"), ("sh", "s"), ("ph", "f")]
    rnd.shuffle(swaps)
    for a, b in swaps:
        if a in q and not any(c.isdigit() for c in a):
            i = q.index(a)
            return q[:i] + b + q[i + len(a):]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rnd = random.Random(args.seed)
    with open(f"{args.out}/nepali_catalog.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sku", "name", "brand", "category", "pack_size", "unit", "aliases", "active"])
        for row in CATALOG:
            w.writerow(list(row[:7]) + ["true" if row[7] else "false"])
    rows = []
    for sku, qs in QUERIES:
        for q in qs:
            rows.append((q, sku))
            if q.isascii() and "-" not in q and rnd.random() < 0.5:
                v = variants(q, rnd)
                if v and v != q:
                    rows.append((v, sku))
    with open(f"{args.out}/nepali_queries.tsv", "w") as f:
        f.write("query\texpected_sku\n")
        for q, s in rows:
            f.write(f"{q}\t{s}\n")
    print(f"{len(CATALOG)} products, {len(rows)} queries")


if __name__ == "__main__":
    main()
