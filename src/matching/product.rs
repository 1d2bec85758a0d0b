//! The catalog side of normalization: one item → the texts it can be called by.
//!
//! A product is known by its name (with its brand in front, or without it) and by each alias;
//! each of these is a *variant* that a phrase is scored against. Sizes come from the declared
//! pack size and from sizes written in the name ("Capsule 500 mg"). This analysis depends on
//! nothing but the item, so it is done once per item and kept across catalog updates.

use super::normalize::{Analyzed, Token, analyze, code_key};
use super::size::{self, Size};
use super::types::CatalogItem;

/// Which text of the product a variant comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VariantKind {
    Name,
    Alias,
}

/// One way to call a product.
#[derive(Debug, Clone)]
pub(crate) struct VariantText {
    pub kind: VariantKind,
    pub tokens: Vec<Token>,
    /// The first `brand_len` tokens are the brand: a phrase may leave them out.
    pub brand_len: usize,
    /// Its exact keys: all words joined, and without the brand.
    pub keys: Vec<String>,
}

/// An item with its normalized texts.
#[derive(Debug, Clone)]
pub(crate) struct ItemText {
    pub item: CatalogItem,
    pub variants: Vec<VariantText>,
    /// Every size the item names: the declared pack size, then sizes written in its texts.
    pub sizes: Vec<Size>,
    pub code: String,
}

impl ItemText {
    pub(crate) fn new(item: CatalogItem) -> ItemText {
        let pack = size::from_item(item.pack_size, item.unit.as_deref());
        let mut sizes: Vec<Size> = pack.into_iter().collect();
        let name = analyze(&item.name);
        let brand = item.brand.as_deref().map(analyze).unwrap_or_default();
        let mut variants = vec![branded(&brand, &name, VariantKind::Name)];
        sizes.extend(name.sizes.iter().copied());
        for alias in &item.aliases {
            let text = analyze(alias);
            sizes.extend(text.sizes.iter().copied());
            if !text.tokens.is_empty() {
                variants.push(branded(&brand, &text, VariantKind::Alias));
            }
        }
        sizes.dedup();
        let code = code_key(&item.sku);
        ItemText {
            item,
            variants,
            sizes,
            code,
        }
    }

    /// Every key under which the index should find this item (word keys and size terms),
    /// space separated.
    pub(crate) fn index_text(&self) -> String {
        let sizes: Vec<String> = self.sizes.iter().map(Size::term).collect();
        let mut words: Vec<&str> = self
            .variants
            .iter()
            .flat_map(|v| v.tokens.iter().map(|t| t.key.as_str()))
            .chain(sizes.iter().map(String::as_str))
            .collect();
        words.sort_unstable();
        words.dedup();
        words.join(" ")
    }
}

/// Brand + text (name or alias), without repeating a brand the text already starts with.
/// An alias gets the brand too: shopkeepers say "rara chauchau", "tokla chiya".
fn branded(brand: &Analyzed, name: &Analyzed, kind: VariantKind) -> VariantText {
    let brand_keys: Vec<&str> = brand.tokens.iter().map(|t| t.key.as_str()).collect();
    let name_keys: Vec<&str> = name.tokens.iter().map(|t| t.key.as_str()).collect();
    let repeated = !brand_keys.is_empty() && name_keys.starts_with(&brand_keys);
    let mut tokens = if repeated {
        Vec::new()
    } else {
        brand.tokens.clone()
    };
    tokens.extend(name.tokens.iter().cloned());
    let brand_len = brand.tokens.len();
    let mut keys = vec![joined_key(&tokens)];
    if let Some(rest) = tokens.get(brand_len..).filter(|r| !r.is_empty()) {
        keys.push(joined_key(rest));
    }
    keys.dedup();
    VariantText {
        kind,
        tokens,
        brand_len,
        keys,
    }
}

/// Joined keys of tokens: the exact-name key of a text.
pub(crate) fn joined_key(tokens: &[Token]) -> String {
    let keys: Vec<&str> = tokens.iter().map(|t| t.key.as_str()).collect();
    keys.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn item(name: &str, brand: Option<&str>) -> CatalogItem {
        CatalogItem {
            product_id: 1,
            sku: "RICE-1KG".into(),
            name: name.into(),
            brand: brand.map(str::to_string),
            category: None,
            pack_size: Some(Decimal::ONE),
            unit: Some("kg".into()),
            aliases: vec!["chamal".into(), "चामल".into()],
            active: true,
        }
    }

    #[test]
    fn the_brand_is_put_in_front_once() {
        let t = ItemText::new(item("Tokla Tea", Some("Tokla")));
        assert_eq!(joined_key(&t.variants[0].tokens), "tokla tea");
        let t = ItemText::new(item("Basmati Rice", Some("Tokla")));
        assert_eq!(joined_key(&t.variants[0].tokens), "tokla basmati rike");
        assert_eq!(t.variants[0].brand_len, 1);
    }

    #[test]
    fn aliases_in_any_script_become_variants_and_the_pack_size_a_size() {
        let t = ItemText::new(item("Rice", None));
        assert_eq!(t.variants.len(), 3);
        assert_eq!(t.sizes, vec![Size::new(Decimal::from(1000), "g").unwrap()]);
        assert_eq!(t.code, "rice1kg");
    }
}
