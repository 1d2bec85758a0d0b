//! Reading with the catalog's index for a shop: a phrase lifted by what the shop ordered
//! before, the preview, and the sku lookups the web layer needs.

use std::collections::HashMap;

use crate::app::services::Services;
use crate::auth::Principal;
use crate::catalog::{CatalogError, Product, store as catalog};
use crate::matching::{MatchContext, MatchDecision};
use crate::storage::{StoreError, TableRead, Tx, tables};

/// How many of a retailer's latest orders shape what "tea" means for it.
const HISTORY_ORDERS: usize = 50;

impl Services {
    /// The matcher's decision for a phrase, lifted by what this retailer ordered before.
    pub async fn match_phrase(
        &self,
        phrase: &str,
        retailer_id: Option<u64>,
    ) -> Result<MatchDecision, CatalogError> {
        let history = match retailer_id {
            Some(r) => self.store.read(move |tx| order_history(tx, r)).await?,
            None => HashMap::new(),
        };
        let ctx = MatchContext {
            history: Some(&history),
            size_hint: None,
        };
        Ok(self.catalog.match_phrase(phrase, &ctx))
    }

    /// The sku of each product id (empty for a missing one).
    pub async fn skus(&self, ids: Vec<u64>) -> Result<Vec<String>, CatalogError> {
        Ok(self
            .store
            .read(move |tx| {
                let products = tx.open(tables::PRODUCTS)?;
                ids.iter()
                    .map(|id| {
                        Ok(products
                            .get(*id)?
                            .map(|p: Product| p.sku)
                            .unwrap_or_default())
                    })
                    .collect::<Result<Vec<_>, StoreError>>()
            })
            .await?)
    }

    pub async fn product_id_by_sku(&self, sku: &str) -> Result<u64, CatalogError> {
        let sku = sku.trim().to_uppercase();
        let found = {
            let sku = sku.clone();
            self.store
                .read(move |tx| catalog::product_by_sku(tx, &sku))
                .await?
        };
        found.map(|p| p.id).ok_or(CatalogError::UnknownSku(sku))
    }
}

/// product id → how many of the retailer's recent orders contained it.
pub fn order_history(tx: &impl Tx, retailer_id: u64) -> Result<HashMap<u64, u32>, StoreError> {
    let orders = tx.open(tables::ORDERS)?;
    let mut counts = HashMap::new();
    let index = tx.open(tables::ORDERS_BY_RETAILER)?;
    for entry in index
        .range((retailer_id, 0)..=(retailer_id, u64::MAX))?
        .rev()
        .take(HISTORY_ORDERS)
    {
        let (_, id) = entry?;
        let o = orders.need(id, "order of retailer")?;
        if o.state == crate::orders::OrderState::Cancelled {
            continue;
        }
        for l in &o.lines {
            *counts.entry(l.product_id).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

/// The longest order text a preview reads (a WhatsApp message is at most 4,096 characters).
pub const PREVIEW_MAX_CHARS: usize = 4096;

impl Services {
    /// The preview a retailer would get on WhatsApp for `text`, writing nothing: staff for any
    /// retailer, a retailer for itself, a vendor never.
    pub async fn preview(
        &self,
        who: &Principal,
        retailer_id: u64,
        text: String,
    ) -> Result<crate::preview::Preview, CatalogError> {
        if !who.may_act_for_retailer(retailer_id) {
            return Err(CatalogError::Forbidden(
                "only staff or the retailer itself may preview its orders".into(),
            ));
        }
        let chars = text.chars().count();
        if text.trim().is_empty() || chars > PREVIEW_MAX_CHARS {
            return Err(CatalogError::invalid(
                "text",
                format!("must be 1 to {PREVIEW_MAX_CHARS} characters"),
            ));
        }
        let (matcher, rules, units) = (
            self.catalog.matcher(),
            self.orders.rules().clone(),
            self.config.whatsapp.traditional_units,
        );
        self.store
            .read(move |tx| {
                let retailer = crate::retailers::store::get(tx, retailer_id)?.ok_or(
                    CatalogError::NotFound {
                        kind: "retailer",
                        id: retailer_id,
                    },
                )?;
                let history = order_history(tx, retailer_id)?;
                let reader = crate::preview::Reader {
                    matcher: &matcher,
                    history: Some(&history),
                    units: &units,
                };
                Ok::<_, CatalogError>(crate::preview::preview(
                    tx,
                    &text,
                    &retailer,
                    &reader,
                    &rules,
                    retailer.language,
                )?)
            })
            .await
    }
}
