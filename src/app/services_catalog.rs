//! Reading with the catalog's index for a shop: a phrase lifted by what the shop ordered
//! before, the preview, and the sku lookups the web layer needs.

use std::collections::HashMap;

use crate::app::services::Services;
use crate::auth::Principal;
use crate::catalog::{CatalogError, Product, store as catalog};
use crate::matching::{MatchContext, MatchDecision};
use crate::orders::history::product_counts;
use crate::storage::{StoreError, TableRead, Tx, tables};

impl Services {
    /// The matcher's decision for a phrase, lifted by what this retailer ordered before.
    pub async fn match_phrase(
        &self,
        phrase: &str,
        retailer_id: Option<u64>,
    ) -> Result<MatchDecision, CatalogError> {
        let history = match retailer_id {
            Some(r) => self.store().read(move |tx| product_counts(tx, r)).await?,
            None => HashMap::new(),
        };
        let ctx = MatchContext {
            history: Some(&history),
            size_hint: None,
        };
        Ok(self.catalog().match_phrase(phrase, &ctx))
    }

    /// The sku of each product id (empty for a missing one).
    pub async fn skus(&self, ids: Vec<u64>) -> Result<Vec<String>, CatalogError> {
        Ok(self
            .store()
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

    /// The id of the product with this code (as the API took it: upper-case, exact).
    pub async fn product_id_by_sku(&self, sku: String) -> Result<u64, CatalogError> {
        let (sku, found) = self
            .store()
            .read(move |tx| {
                let found = catalog::product_by_sku(tx, &sku)?;
                Ok::<_, StoreError>((sku, found))
            })
            .await?;
        found.map(|p| p.id).ok_or(CatalogError::UnknownSku(sku))
    }
}

impl Services {
    /// The preview a retailer would get on WhatsApp for `text`, writing nothing (see
    /// [`crate::preview::service`] for who may ask).
    pub async fn preview(
        &self,
        who: &Principal,
        retailer_id: u64,
        text: String,
    ) -> Result<crate::preview::Preview, CatalogError> {
        crate::preview::service::may_preview(who, retailer_id, &text)?;
        let (matcher, rules, units) = (
            self.catalog().matcher(),
            self.orders().rules().clone(),
            self.config().whatsapp.traditional_units,
        );
        let today = crate::support::clock::nepal_date(self.clock().now());
        self.store()
            .read(move |tx| {
                crate::preview::service::preview_for(
                    tx,
                    retailer_id,
                    &text,
                    &matcher,
                    &rules,
                    &units,
                    today,
                )
            })
            .await
    }
}
