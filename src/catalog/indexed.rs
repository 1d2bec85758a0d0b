//! The catalog with its search index: the only way to change products, so every change
//! reaches the matcher before the call returns. Changes and their index updates are
//! serialized by a lock this type owns, so the index never applies two edits of a product out
//! of order. Reads of the index (search, match, the matcher itself for previews) go through
//! here too.

use std::sync::Arc;

use super::import::ProductInput;
use super::{CatalogError, CatalogService, Product, ProductPatch, store};
use crate::audit::Actor;
use crate::auth::Principal;
use crate::matching::{MatchContext, MatchDecision, MatchEngine, MatchError};
use crate::storage::{Store, StoreError};

impl From<MatchError> for CatalogError {
    fn from(e: MatchError) -> Self {
        CatalogError::Store(StoreError::Io(format!("search index: {e}")))
    }
}

pub struct Catalog {
    service: CatalogService,
    store: Store,
    matcher: Arc<MatchEngine>,
    /// Held from a product write until its index update is done.
    lock: tokio::sync::Mutex<()>,
}

impl Catalog {
    /// Opens the search index for the catalog in `store` (in `dir`, or in memory), rebuilding
    /// it when missing or stale.
    pub async fn open(
        service: CatalogService,
        store: Store,
        dir: Option<std::path::PathBuf>,
    ) -> Result<Catalog, CatalogError> {
        let (items, version) = snapshot(&store).await?;
        let engine =
            tokio::task::spawn_blocking(move || MatchEngine::open(dir.as_deref(), items, version))
                .await
                .map_err(StoreError::from)??;
        Ok(Catalog {
            service,
            store,
            matcher: Arc::new(engine),
            lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The matcher, for reading order texts (previews, the WhatsApp conversation).
    pub fn matcher(&self) -> Arc<MatchEngine> {
        self.matcher.clone()
    }

    pub async fn create_product(
        &self,
        who: &Principal,
        input: ProductInput,
    ) -> Result<Product, CatalogError> {
        let _serial = self.lock.lock().await;
        let p = self.service.create_product(who, input).await?;
        self.index(&p).await?;
        Ok(p)
    }

    pub async fn update_product(
        &self,
        who: &Principal,
        id: u64,
        patch: ProductPatch,
    ) -> Result<Product, CatalogError> {
        let _serial = self.lock.lock().await;
        let p = self.service.update_product(who, id, patch).await?;
        self.index(&p).await?;
        Ok(p)
    }

    /// Imports validated catalog rows in one transaction and rebuilds the index.
    pub async fn import(
        &self,
        actor: Actor,
        rows: Vec<ProductInput>,
    ) -> Result<(usize, usize), CatalogError> {
        let _serial = self.lock.lock().await;
        let counts = self.service.import(actor, rows).await?;
        self.rebuild().await?;
        Ok(counts)
    }

    /// Rebuilds the search index from the database (`khaacho reindex`). Returns the product
    /// count.
    pub async fn reindex(&self) -> Result<usize, CatalogError> {
        let _serial = self.lock.lock().await;
        self.rebuild().await
    }

    /// Product ids best first for a search box.
    pub fn search(&self, q: &str, limit: usize) -> Vec<u64> {
        self.matcher.search(q, limit)
    }

    /// The matcher's decision for a phrase.
    pub fn match_phrase(&self, phrase: &str, ctx: &MatchContext<'_>) -> MatchDecision {
        self.matcher.match_phrase(phrase, ctx)
    }

    async fn index(&self, p: &Product) -> Result<(), CatalogError> {
        let version = self.store.read(store::catalog_version).await?;
        let (engine, item) = (self.matcher.clone(), p.match_item());
        tokio::task::spawn_blocking(move || engine.upsert(item, version))
            .await
            .map_err(StoreError::from)??;
        Ok(())
    }

    async fn rebuild(&self) -> Result<usize, CatalogError> {
        let (items, version) = snapshot(&self.store).await?;
        let (engine, n) = (self.matcher.clone(), items.len());
        tokio::task::spawn_blocking(move || engine.rebuild(items, version))
            .await
            .map_err(StoreError::from)??;
        Ok(n)
    }
}

/// Vendors, listings and product reads, which the index does not hold, are the plain
/// service's; the product writes here shadow its un-indexed ones (which are private to
/// `catalog`).
impl std::ops::Deref for Catalog {
    type Target = CatalogService;
    fn deref(&self) -> &CatalogService {
        &self.service
    }
}

/// Every product as the matcher reads it, and the catalog version they are at.
async fn snapshot(store: &Store) -> Result<(Vec<crate::matching::CatalogItem>, u64), CatalogError> {
    Ok(store
        .read(|tx| {
            let items = store::all_products(tx)?
                .iter()
                .map(Product::match_item)
                .collect::<Vec<_>>();
            Ok::<_, StoreError>((items, store::catalog_version(tx)?))
        })
        .await?)
}
