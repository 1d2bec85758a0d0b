//! What pack a catalog product is, read from its own name and size, and which products are one
//! product in several packs (a *family*).
//!
//! The rules, in one place: a name word says the pack ("Mustard Oil 5 l Jar", "Egg Tray (30
//! pcs)", "Sunsilk Shampoo Sachet Strip (16 pcs)"; the outer pack wins over a sachet inside it);
//! failing that, 20 kg or more by weight is a sack, and one piece is a piece. A family is the
//! name without its sizes, counts in brackets and pack words, so "Wai Wai Chicken Noodles 75 g"
//! and "Wai Wai Chicken Noodles Carton (30 pcs)" are one product in two packs.

use rust_decimal::Decimal;

use crate::catalog::{PackUnit, Product};
use crate::parsing::Pack;

/// The pack a product comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// An ordinary single pack: a packet, a bar, a bottle of soft drink.
    Plain,
    Piece,
    Sack,
    Carton,
    Tray,
    Strip,
    Bundle,
    Pouch,
    Bottle,
    Jar,
    Tin,
    Can,
}

/// Name words that say the pack, outer packs first.
const NAME_PACKS: &[(&str, Kind)] = &[
    ("tray", Kind::Tray),
    ("strip", Kind::Strip),
    ("bundle", Kind::Bundle),
    ("carton", Kind::Carton),
    ("case", Kind::Carton),
    ("crate", Kind::Carton),
    ("sack", Kind::Sack),
    ("bora", Kind::Sack),
    ("jar", Kind::Jar),
    ("tin", Kind::Tin),
    ("can", Kind::Can),
    ("bottle", Kind::Bottle),
    ("pouch", Kind::Pouch),
    ("sachet", Kind::Pouch),
];

/// A sack starts at this weight, in grams, when the name does not say.
const SACK_FROM_GRAMS: i64 = 20_000;

fn name_words(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The pack of a product.
pub(super) fn kind(p: &Product) -> Kind {
    let words: Vec<String> = name_words(&p.name).collect();
    if let Some((_, k)) = NAME_PACKS
        .iter()
        .find(|(w, _)| words.iter().any(|n| n == w))
    {
        return *k;
    }
    match (grams_or_ml(p), p.unit) {
        (Some(g), Some(PackUnit::G | PackUnit::Kg)) if g >= Decimal::from(SACK_FROM_GRAMS) => {
            Kind::Sack
        }
        _ if p.unit == Some(PackUnit::Pcs) && p.pack_size == Some(Decimal::ONE) => Kind::Piece,
        _ => Kind::Plain,
    }
}

/// Whether a pack word fits a product's pack.
pub(super) fn fits(word: Pack, p: &Product) -> bool {
    let k = kind(p);
    match word {
        Pack::Sack => k == Kind::Sack,
        Pack::Carton => k == Kind::Carton,
        Pack::Crate => matches!(k, Kind::Carton | Kind::Tray),
        Pack::Tray => k == Kind::Tray,
        Pack::Strip => k == Kind::Strip,
        Pack::Bundle => k == Kind::Bundle,
        Pack::Pouch => k == Kind::Pouch,
        Pack::Packet => matches!(k, Kind::Plain | Kind::Pouch),
        Pack::Bottle => k == Kind::Bottle || (k == Kind::Plain && is_volume(p)),
        Pack::Jar => k == Kind::Jar,
        Pack::Tin | Pack::Can => matches!(k, Kind::Tin | Kind::Can),
        Pack::Piece => matches!(k, Kind::Piece | Kind::Plain),
    }
}

/// A pack that holds several of the product's ordinary packs: never meant by "a dozen" or
/// "pieces".
pub(super) fn is_multipack(p: &Product) -> bool {
    matches!(
        kind(p),
        Kind::Sack | Kind::Carton | Kind::Tray | Kind::Strip | Kind::Bundle
    )
}

/// Whether the pack word names the product's own pack, so a count of them is a count of packs
/// ("2 carton" of a carton product is two packs).
pub(super) fn names_own_pack(word: Pack, p: &Product) -> bool {
    fits(word, p) && !matches!(word, Pack::Piece)
}

fn is_volume(p: &Product) -> bool {
    matches!(p.unit, Some(PackUnit::Ml | PackUnit::L))
}

/// One pack of a product in grams or millilitres (pieces for counted products).
pub(super) fn grams_or_ml(p: &Product) -> Option<Decimal> {
    let size = p.pack_size?;
    let factor = match p.unit? {
        PackUnit::Kg | PackUnit::L => Decimal::ONE_THOUSAND,
        PackUnit::G | PackUnit::Ml | PackUnit::Pcs => Decimal::ONE,
    };
    size.checked_mul(factor).map(|d| d.normalize())
}

/// The family key of a product name: lower case, without sizes, counts in brackets and pack
/// words. "Soybean Oil 1 l Pouch" → "soybean oil"; "Egg Tray (30 pcs)" → "egg".
pub(crate) fn family(name: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut rest = name;
    // Brackets holding a digit are counts ("(30 pcs)"); others are names ("(Beaten Rice)").
    let mut kept = String::with_capacity(name.len());
    while let Some(open) = rest.find('(') {
        let close = rest[open..].find(')').map_or(rest.len(), |c| open + c + 1);
        kept.push_str(&rest[..open]);
        let inner = &rest[open..close];
        if !inner.chars().any(|c| c.is_ascii_digit()) {
            kept.push_str(inner);
        }
        rest = &rest[close..];
    }
    kept.push_str(rest);
    let words: Vec<String> = kept
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| c == '(' || c == ')')
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let is_number = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit() || c == '.');
    for (i, w) in words.iter().enumerate() {
        // "75g", "1.5l": a number glued to its unit.
        let digits = w
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(w.len());
        let glued_size = digits > 0 && SIZE_UNITS.contains(&&w[digits..]);
        let unit_after_number =
            SIZE_UNITS.contains(&w.as_str()) && i > 0 && is_number(&words[i - 1]);
        let pack = NAME_PACKS.iter().any(|(p, _)| p == w);
        if !is_number(w) && !glued_size && !unit_after_number && !pack {
            out.push(w.clone());
        }
    }
    out.join(" ")
}

const SIZE_UNITS: &[&str] = &[
    "g", "gm", "kg", "ml", "l", "ltr", "pcs", "pc", "boxes", "sticks",
];

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn product(name: &str, size: i64, unit: PackUnit) -> Product {
        Product {
            id: 1,
            sku: "X".into(),
            name: name.into(),
            brand: None,
            category: None,
            pack_size: Some(Decimal::from(size)),
            unit: Some(unit),
            aliases: Vec::new(),
            barcode: None,
            active: true,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn one_product_in_several_packs_is_one_family() {
        assert_eq!(
            family("Wai Wai Chicken Noodles 75 g"),
            "wai wai chicken noodles"
        );
        assert_eq!(
            family("Wai Wai Chicken Noodles Carton (30 pcs)"),
            "wai wai chicken noodles"
        );
        assert_eq!(family("Soybean Oil 1 l Pouch"), "soybean oil");
        assert_eq!(family("Soybean Oil 15 l Tin"), "soybean oil");
        assert_eq!(family("Egg Tray (30 pcs)"), family("Egg (1 pcs)"));
        assert_eq!(family("Chiura (Beaten Rice) 500 g"), "chiura beaten rice");
        assert_eq!(family("2PM Chicken Noodles 70 g"), "2pm chicken noodles");
        assert_eq!(family("Coca-Cola 1.5 l"), "coca-cola");
        assert_ne!(
            family("Jeera Powder 100 g"),
            family("Jeera (Cumin Seeds) 100 g")
        );
    }

    #[test]
    fn the_pack_is_read_from_the_name_then_the_size() {
        assert_eq!(
            kind(&product("Egg Tray (30 pcs)", 30, PackUnit::Pcs)),
            Kind::Tray
        );
        assert_eq!(
            kind(&product(
                "Sunsilk Shampoo Sachet Strip (16 pcs)",
                16,
                PackUnit::Pcs
            )),
            Kind::Strip
        );
        assert_eq!(
            kind(&product("Mansuli Rice 25 kg", 25, PackUnit::Kg)),
            Kind::Sack
        );
        assert_eq!(
            kind(&product("Mansuli Rice 5 kg", 5, PackUnit::Kg)),
            Kind::Plain
        );
        assert_eq!(kind(&product("Egg (1 pcs)", 1, PackUnit::Pcs)), Kind::Piece);
    }

    #[test]
    fn a_pack_word_fits_only_its_own_pack() {
        let sack = product("Mansuli Rice 25 kg", 25, PackUnit::Kg);
        let bag5 = product("Mansuli Rice 5 kg", 5, PackUnit::Kg);
        assert!(fits(Pack::Sack, &sack) && !fits(Pack::Sack, &bag5));
        assert!(fits(Pack::Packet, &bag5) && !fits(Pack::Packet, &sack));
        let coke = product("Coca-Cola 500 ml", 500, PackUnit::Ml);
        assert!(fits(Pack::Bottle, &coke));
        let tray = product("Egg Tray (30 pcs)", 30, PackUnit::Pcs);
        assert!(fits(Pack::Crate, &tray) && !fits(Pack::Piece, &tray));
    }
}
