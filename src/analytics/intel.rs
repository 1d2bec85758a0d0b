//! Retailer, inventory and price intelligence and recommendations, as the service answers
//! them with their access rules.

use chrono::NaiveDate;

use super::service::AnalyticsService;
use super::{AnalyticsError, demand, facts, prices, recommend, rules, shops, staff_only, stock};
use crate::auth::Principal;
use crate::storage::{StoreError, TableRead, Tx};

impl AnalyticsService {
    fn churn_rules(&self) -> shops::ChurnRules {
        rules::churn_rules(&self.cfg)
    }

    /// A shop's insights, live (staff, or the shop itself).
    pub async fn insights(
        &self,
        who: &Principal,
        id: u64,
    ) -> Result<shops::Insights, AnalyticsError> {
        if !(who.is_staff() || who.retailer_id() == Some(id)) {
            return Err(AnalyticsError::Forbidden(
                "a shop sees only its own insights".into(),
            ));
        }
        let (today, churn) = (self.today(), self.churn_rules());
        self.store
            .read(move |tx| shops::insights(tx, id, today, &churn))
            .await?
            .ok_or_else(|| AnalyticsError::NotFound(format!("no retailer with id {id}")))
    }

    /// Shops whose usual order is due today, from the last nightly insights (staff).
    pub async fn reorder_due(&self, who: &Principal) -> Result<Vec<ReorderDue>, AnalyticsError> {
        staff_only(who)?;
        let today = self.today();
        Ok(self.store.read(move |tx| reorder_due(tx, today)).await?)
    }

    /// Sends a reorder nudge through the outbox to every due shop that opted in and had none
    /// in the last `nudge_every_days` days (staff). Audited.
    pub async fn send_nudges(&self, who: &Principal) -> Result<Vec<u64>, AnalyticsError> {
        staff_only(who)?;
        let (today, now, every) = (
            self.today(),
            self.clock.now(),
            chrono::Duration::days(i64::from(self.cfg.nudge_every_days)),
        );
        let actor = who.actor();
        Ok(self
            .store
            .write(move |tx| {
                let mut sent = Vec::new();
                for due in reorder_due(tx, today)? {
                    if !due.nudge.opted_in
                        || due.nudge.last_sent_at.is_some_and(|t| now - t < every)
                    {
                        continue;
                    }
                    let Some(r) = crate::retailers::store::get(tx, due.insights.retailer_id)?
                    else {
                        continue;
                    };
                    let items: Vec<(String, u32)> = due
                        .insights
                        .usual_basket
                        .iter()
                        .map(|b| (b.name.clone(), b.usual_quantity))
                        .collect();
                    let body = crate::messaging::texts::reorder_nudge(r.language, &items);
                    crate::messaging::outbox::enqueue(
                        tx,
                        &r.phone,
                        "reorder_nudge",
                        body,
                        None,
                        now,
                    )?;
                    let nudge = shops::Nudge {
                        opted_in: true,
                        last_sent_at: Some(now),
                    };
                    tx.open(crate::storage::tables::NUDGES)?.put(r.id, &nudge)?;
                    crate::audit::record(
                        tx,
                        now,
                        &actor,
                        "retailer.nudge",
                        format!("retailer:{}", r.id),
                        "reorder nudge queued".into(),
                    )?;
                    sent.push(r.id);
                }
                Ok::<_, StoreError>(sent)
            })
            .await?)
    }

    /// A shop turns reorder nudges on or off (staff, or the shop itself). Audited.
    pub async fn set_nudges(
        &self,
        who: &Principal,
        id: u64,
        opted_in: bool,
    ) -> Result<shops::Nudge, AnalyticsError> {
        if !(who.is_staff() || who.retailer_id() == Some(id)) {
            return Err(AnalyticsError::Forbidden(
                "a shop changes only its own choice".into(),
            ));
        }
        let (now, actor) = (self.clock.now(), who.actor());
        self.store
            .write(move |tx| {
                if crate::retailers::store::get(tx, id)?.is_none() {
                    return Ok(None);
                }
                let mut n = shops::nudge_of(tx, id)?;
                n.opted_in = opted_in;
                tx.open(crate::storage::tables::NUDGES)?.put(id, &n)?;
                let what = if opted_in { "on" } else { "off" };
                crate::audit::record(
                    tx,
                    now,
                    &actor,
                    "retailer.nudges",
                    format!("retailer:{id}"),
                    format!("reorder nudges {what}"),
                )?;
                Ok::<_, StoreError>(Some(n))
            })
            .await?
            .ok_or_else(|| AnalyticsError::NotFound(format!("no retailer with id {id}")))
    }

    /// Inventory figures from the last nightly run, with the stock on hand now (staff; a vendor
    /// for its own listings only).
    pub async fn inventory(
        &self,
        who: &Principal,
        vendor: Option<u64>,
        product: Option<u64>,
    ) -> Result<Vec<stock::StockInsight>, AnalyticsError> {
        let vendor = own_vendor(who, vendor, "a vendor sees only its own listings")?;
        Ok(self
            .store
            .read(move |tx| {
                let listings = tx.open(crate::storage::tables::LISTINGS)?;
                let mut out = Vec::new();
                for entry in tx.open(crate::storage::tables::INVENTORY)?.iter()? {
                    let (_, mut s) = entry?;
                    if vendor.is_some_and(|v| v != s.vendor_id)
                        || product.is_some_and(|p| p != s.product_id)
                    {
                        continue;
                    }
                    if let Some(l) = listings.get(s.listing_id)? {
                        s.stock = l.stock;
                        s.days_of_stock =
                            (s.velocity_per_day > 0.0).then(|| l.stock as f64 / s.velocity_per_day);
                        s.stock_out_risk = s.stock_out_risk.map(|r| r.with_stock(l.stock));
                    }
                    out.push(s);
                }
                Ok::<_, StoreError>(out)
            })
            .await?)
    }

    /// Price spreads across vendors and the abnormal changes of the last `days` days (staff).
    pub async fn prices(&self, who: &Principal, days: i64) -> Result<PriceReport, AnalyticsError> {
        staff_only(who)?;
        let (rules, since) = (
            prices::PriceRules::from_config(&self.cfg),
            self.clock.now() - chrono::Duration::days(days),
        );
        Ok(self
            .store
            .read(move |tx| {
                let abnormal = prices::changes(tx, &rules)?
                    .into_iter()
                    .filter(|c| c.abnormal && c.at >= since)
                    .collect();
                Ok::<_, StoreError>(PriceReport {
                    spreads: prices::spreads(tx)?,
                    abnormal_changes: abnormal,
                })
            })
            .await?)
    }

    /// A product's demand forecast, or one vendor's listing's with `vendor` (staff; a vendor
    /// for its own listing only, which it gets without naming itself).
    pub async fn forecast(
        &self,
        who: &Principal,
        product: u64,
        vendor: Option<u64>,
    ) -> Result<demand::ForecastView, AnalyticsError> {
        let vendor = own_vendor(
            who,
            vendor,
            "a vendor sees the forecasts of its own listings only",
        )?;
        let (today, lead) = (self.today(), self.cfg.reorder_cover_days);
        self.store
            .read(move |tx| {
                if crate::catalog::store::product(tx, product)?.is_none() {
                    return Ok(Err(format!("no product with id {product}")));
                }
                let listing = match vendor {
                    Some(v) => match crate::catalog::store::listing_for(tx, v, product)? {
                        Some(l) => Some(l),
                        None => {
                            return Ok(Err(format!(
                                "vendor {v} has no listing of product {product}"
                            )));
                        }
                    },
                    None => None,
                };
                let through =
                    facts::built_through(tx)?.unwrap_or(today - chrono::Duration::days(1));
                Ok::<_, StoreError>(Ok(demand::view(
                    tx,
                    product,
                    listing.as_ref(),
                    through,
                    lead,
                )?))
            })
            .await?
            .map_err(AnalyticsError::NotFound)
    }

    /// A listing's price history (staff, or the listing's vendor).
    pub async fn price_history(
        &self,
        who: &Principal,
        listing: u64,
    ) -> Result<Vec<PricePoint>, AnalyticsError> {
        let who = who.clone();
        self.store
            .read(move |tx| {
                let Some(l) = crate::catalog::store::listing(tx, listing)?
                    .filter(|l| who.may_act_for_vendor(l.vendor_id))
                else {
                    return Ok(None);
                };
                let points = crate::catalog::store::price_history(tx, l.id)?
                    .into_iter()
                    .map(|(at, price)| PricePoint {
                        at: chrono::DateTime::from_timestamp_millis(at).unwrap_or_default(),
                        price_paisa: price,
                    })
                    .collect();
                Ok::<_, StoreError>(Some(points))
            })
            .await?
            .ok_or_else(|| AnalyticsError::NotFound(format!("no listing with id {listing}")))
    }

    pub async fn recommendations(
        &self,
        who: &Principal,
        status: Option<recommend::Status>,
        kind: Option<recommend::Kind>,
        cursor: Option<u64>,
        limit: usize,
    ) -> Result<crate::support::page::Page<recommend::Recommendation>, AnalyticsError> {
        staff_only(who)?;
        Ok(self
            .store
            .read(move |tx| recommend::list(tx, status, kind, cursor, limit))
            .await?)
    }

    /// Marks a recommendation done or dismissed (staff).
    pub async fn close_recommendation(
        &self,
        who: &Principal,
        id: u64,
        to: recommend::Status,
    ) -> Result<recommend::Recommendation, AnalyticsError> {
        staff_only(who)?;
        let (now, actor) = (self.clock.now(), who.actor());
        self.store
            .write(move |tx| recommend::close(tx, id, to, &actor, now))
            .await?
            .ok_or_else(|| AnalyticsError::NotFound(format!("no recommendation with id {id}")))
    }
}

/// The vendor a read is about: any (or none) for staff; a vendor's own, whether it names
/// itself or not; refused for anyone else.
fn own_vendor(
    who: &Principal,
    vendor: Option<u64>,
    refusal: &str,
) -> Result<Option<u64>, AnalyticsError> {
    match (who.is_staff(), who.vendor_id()) {
        (true, _) => Ok(vendor),
        (false, Some(own)) if vendor.is_none_or(|v| v == own) => Ok(Some(own)),
        _ => Err(AnalyticsError::Forbidden(refusal.into())),
    }
}

/// A shop whose usual order is due, with its nudge settings.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReorderDue {
    pub insights: shops::Insights,
    pub nudge: shops::Nudge,
    /// Products of its usual basket whose forecast demand over the restocking lead time is
    /// more than all vendors hold (`high` stock-out risk in the last nightly forecast): the
    /// order may not be filled in full.
    pub basket_at_risk: Vec<u64>,
}

fn reorder_due(tx: &impl Tx, today: NaiveDate) -> Result<Vec<ReorderDue>, StoreError> {
    let mut out = Vec::new();
    let forecasts = tx.open(crate::storage::tables::FORECASTS)?;
    for entry in tx.open(crate::storage::tables::RETAILER_INSIGHTS)?.iter()? {
        let (id, i) = entry?;
        if i.churn.level != "high" && i.next_order_expected.is_some_and(|n| n <= today) {
            let mut basket_at_risk = Vec::new();
            for item in &i.usual_basket {
                let key = facts::dim::product(item.product_id);
                let risk = forecasts.get(key.as_str())?.and_then(|f| f.risk);
                if risk.is_some_and(|r| r.level == "high") {
                    basket_at_risk.push(item.product_id);
                }
            }
            out.push(ReorderDue {
                nudge: shops::nudge_of(tx, id)?,
                insights: i,
                basket_at_risk,
            });
        }
    }
    out.sort_by_key(|d| d.insights.next_order_expected);
    Ok(out)
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PriceReport {
    pub spreads: Vec<prices::Spread>,
    pub abnormal_changes: Vec<prices::Change>,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PricePoint {
    pub at: chrono::DateTime<chrono::Utc>,
    pub price_paisa: i64,
}
