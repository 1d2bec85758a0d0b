//! The store on real redb files: group commit keeps each job all-or-nothing, data survives a
//! restart, backups taken under write load open and pass `check`, newer files are refused.

mod common;

use std::sync::Arc;

use common::{Options, spawn_with};
use khaacho::storage::{Store, StoreError, TableRead, Tx, tables};
use reqwest::StatusCode;

#[derive(Debug, thiserror::Error)]
enum JobError {
    #[error("refused")]
    Refused,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(&dir.path().join("khaacho.redb"))
        .expect("opens")
        .store
}

#[tokio::test]
async fn concurrent_jobs_all_commit_and_a_job_that_fails_after_writing_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let mut handles = Vec::new();
    for i in 0..200u64 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            store
                .write(move |tx| {
                    tx.open(tables::META)?.put(format!("k{i}").as_str(), &i)?;
                    if i % 10 == 0 {
                        // Wrote, then refused: the write must vanish, the others must stay.
                        return Err(JobError::Refused);
                    }
                    Ok(i)
                })
                .await
        }));
    }
    let mut refused = 0;
    for h in handles {
        if let Err(JobError::Refused) = h.await.unwrap() {
            refused += 1;
        }
    }
    assert_eq!(refused, 20);
    let (present, absent) = store
        .read(|tx| {
            let meta = tx.open(tables::META)?;
            let mut present = 0;
            let mut absent = 0;
            for i in 0..200u64 {
                match meta.get(format!("k{i}").as_str())? {
                    Some(v) => {
                        assert_eq!(v, i);
                        present += 1
                    }
                    None => absent += 1,
                }
            }
            Ok::<_, StoreError>((present, absent))
        })
        .await
        .unwrap();
    assert_eq!((present, absent), (180, 20));
}

#[tokio::test]
async fn a_step_that_fails_after_writing_voids_its_job_even_when_the_job_answers() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let mut handles = Vec::new();
    for i in 0..50u64 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            store
                .write(move |tx| {
                    tx.open(tables::META)?
                        .put(format!("before{i}").as_str(), &i)?;
                    // A step that writes and is then refused, whose refusal the job turns
                    // into an answer (as the WhatsApp conversation words refusals).
                    let step = tx.attempt(|tx| {
                        tx.open(tables::META)?
                            .put(format!("step{i}").as_str(), &i)?;
                        if i % 5 == 0 {
                            return Err(JobError::Refused);
                        }
                        Ok(())
                    });
                    Ok::<_, JobError>(step.is_ok())
                })
                .await
        }));
    }
    let mut voided = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(true) => {}
            Err(JobError::Store(StoreError::Aborted(why))) => {
                assert_eq!(why, "refused");
                voided += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(voided, 10);
    let kept = store
        .read(|tx| {
            let meta = tx.open(tables::META)?;
            let mut kept = Vec::new();
            for i in 0..50u64 {
                let before = meta.get(format!("before{i}").as_str())?.is_some();
                let step = meta.get(format!("step{i}").as_str())?.is_some();
                assert_eq!(before, step, "job {i} is all or nothing");
                kept.push(before);
            }
            Ok::<_, StoreError>(kept)
        })
        .await
        .unwrap();
    for (i, k) in kept.iter().enumerate() {
        assert_eq!(*k, i % 5 != 0, "job {i}");
    }
}

#[tokio::test]
async fn a_panicking_job_is_refused_and_the_writer_keeps_going() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let r: Result<(), StoreError> = store
        .write(|tx| {
            tx.open(tables::META)?.put("boom", &1)?;
            panic!("bug in a job");
        })
        .await;
    assert!(matches!(r, Err(StoreError::Panicked(_))), "{r:?}");
    let ok: Result<(), StoreError> = store
        .write(|tx| tx.open(tables::META)?.put("after", &2))
        .await;
    assert!(ok.is_ok());
    let boom = store
        .read(|tx| tx.open(tables::META)?.get("boom"))
        .await
        .unwrap();
    assert_eq!(boom, None);
}

/// Records the thread it is dropped on.
struct DropWitness(Arc<std::sync::Mutex<Option<std::thread::ThreadId>>>);

impl Drop for DropWitness {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = Some(std::thread::current().id());
    }
}

/// What a job's closure holds was allocated by the caller and is freed by the caller once the
/// answer is in: on the writer's thread every such free would be a cross-thread one.
#[tokio::test]
async fn a_jobs_captures_are_dropped_on_the_callers_thread_whatever_the_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let here = std::thread::current().id();
    for outcome in ["ok", "refused"] {
        let dropped_on = Arc::new(std::sync::Mutex::new(None));
        let witness = DropWitness(dropped_on.clone());
        let writer = Arc::new(std::sync::Mutex::new(None));
        let ran_on = writer.clone();
        let r: Result<(), JobError> = store
            .write(move |tx| {
                let _held = &witness;
                *ran_on.lock().unwrap() = Some(std::thread::current().id());
                tx.open(tables::META)?.put("witnessed", &1)?;
                match outcome {
                    "ok" => Ok(()),
                    _ => Err(JobError::Refused),
                }
            })
            .await;
        assert_eq!(r.is_ok(), outcome == "ok", "{outcome}: {r:?}");
        let ran_on = writer.lock().unwrap().expect("the job ran");
        assert_ne!(ran_on, here, "jobs run on the writer's thread");
        assert_eq!(*dropped_on.lock().unwrap(), Some(here), "{outcome}");
    }
}

#[tokio::test]
async fn data_survives_a_restart() {
    let app = spawn_with(Options::default()).await;
    let (admin_phone, admin_password) = (app.admin_phone.clone(), app.admin_password.clone());
    let operator = app.user_token("operator", "+9779811000010").await;
    assert!(!operator.is_empty());
    let dir = app.stop().await;
    let app = spawn_with(Options {
        dir: Some(dir),
        ..Options::default()
    })
    .await;
    assert!(
        app.admin_phone.is_empty(),
        "no second admin is created on restart"
    );
    let (status, _) = app.login(&admin_phone, &admin_password).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.login("+9779811000010", "a long enough password").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_backup_taken_while_writes_go_on_opens_and_passes_check() {
    let app = spawn_with(Options::default()).await;
    let store = app.state.svc.store_for_tests().clone();
    let writing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writer = {
        let (store, writing) = (store.clone(), writing.clone());
        tokio::spawn(async move {
            let mut n = 0u64;
            while writing.load(std::sync::atomic::Ordering::Relaxed) {
                store
                    .write(move |tx| tx.open(tables::META)?.put(format!("load{n}").as_str(), &n))
                    .await
                    .unwrap();
                n += 1;
            }
            n
        })
    };
    let dest = app.dir.path().join("backups").join("snap.redb");
    // Streamed from the server over its control socket, written here.
    let report = khaacho::app::control::backup_to(app.dir.path(), &dest)
        .await
        .unwrap()
        .expect("server answers");
    assert!(report["bytes"].as_u64().unwrap() > 0, "{report}");
    writing.store(false, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.await.unwrap();
    assert!(writes > 0);
    let report = khaacho::app::check::check_file(&dest).expect("backup opens");
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.counts["products"], 205);
    let resp = khaacho::app::control::call(app.dir.path(), &khaacho::app::ops::Request::Check)
        .await
        .unwrap()
        .unwrap();
    assert!(
        resp.ok && resp.result["ok"] == true,
        "live check: {:?}",
        resp
    );
}

#[tokio::test]
async fn a_database_written_by_a_newer_schema_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("khaacho.redb");
    {
        let store = open(&dir);
        store
            .write(|tx| khaacho::storage::meta_put(tx, "schema_version", 99))
            .await
            .unwrap();
    }
    let msg = Store::open(&path)
        .err()
        .expect("a newer file is refused")
        .to_string();
    assert!(msg.contains("newer Khaacho") && msg.contains("99"), "{msg}");
    let check = khaacho::app::check::check_file(&path)
        .unwrap_err()
        .to_string();
    assert!(check.contains("newer"), "{check}");
}

#[tokio::test]
async fn check_finds_an_order_whose_posted_hold_was_not_split_out_of_clearing() {
    use khaacho::ledger::{self, AccountKind, LedgerError, NewTransfer, TransferCode};
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let now = chrono::Utc::now();
    let problems = |store: &Store| {
        store.read_now(|tx| {
            Ok::<_, StoreError>(
                ledger::check(tx)?
                    .into_iter()
                    .filter(|p| p.contains("clearing"))
                    .collect::<Vec<_>>(),
            )
        })
    };
    let (clearing, payable) = store
        .write(move |tx| {
            let shop = ledger::ensure_account(tx, AccountKind::RetailerReceivable, 1, now)?;
            let clearing = ledger::ensure_account(tx, AccountKind::OrderClearing, 0, now)?;
            let payable = ledger::ensure_account(tx, AccountKind::VendorPayable, 1, now)?;
            let hold = ledger::transfer(tx, NewTransfer::hold(shop, clearing, 5_000, 7, now))?;
            ledger::post_pending(tx, hold.id, now)?;
            Ok::<_, LedgerError>((clearing, payable))
        })
        .await
        .unwrap();
    let found = problems(&store).unwrap();
    assert_eq!(
        found.len(),
        1,
        "a delivered order's amount left in clearing: {found:?}"
    );
    store
        .write(move |tx| {
            ledger::transfer(
                tx,
                NewTransfer::for_order(clearing, payable, 5_000, TransferCode::VendorShare, 7, now),
            )
        })
        .await
        .unwrap();
    assert_eq!(
        problems(&store).unwrap(),
        Vec::<String>::new(),
        "split out in full"
    );
    let listed = |account: u64| {
        store
            .read_now(|tx| {
                let index = tx.open(tables::LEDGER_ACCOUNT_TRANSFERS)?;
                Ok::<_, khaacho::storage::StoreError>(
                    khaacho::storage::postings::ascending(&index, account, 0)?.count(),
                )
            })
            .unwrap()
    };
    assert_eq!(
        (listed(clearing), listed(payable)),
        (0, 1),
        "clearing, which every order passes through, is not listed; the vendor's account is"
    );
}

/// `khaacho check` adds up the stock move log per listing in one pass; moves naming a listing
/// that does not exist are reported. (Every test that ends with a clean check on the demo
/// catalogue shows the sums agree with the listings' stock.)
#[tokio::test]
async fn check_finds_stock_moves_of_a_listing_that_does_not_exist() {
    use khaacho::catalog::{StockMove, StockReason};
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let stock_problems = |store: &Store| {
        store.read_now(|tx| {
            Ok::<_, StoreError>(
                khaacho::app::check::invariants(tx)?
                    .into_iter()
                    .filter(|p| p.contains("moves"))
                    .collect::<Vec<_>>(),
            )
        })
    };
    assert_eq!(stock_problems(&store).unwrap(), Vec::<String>::new());
    let now = chrono::Utc::now();
    store
        .write(move |tx| {
            let mut log = tx.open(tables::STOCK_MOVES)?;
            let m = StockMove {
                listing_id: 9_999,
                at: now,
                delta: 4,
                reason: StockReason::Initial,
            };
            log.put(u64::MAX, &m)
        })
        .await
        .unwrap();
    let found = stock_problems(&store).unwrap();
    assert_eq!(
        found,
        vec!["stock moves name listing 9999, which does not exist".to_string()]
    );
}

/// `khaacho check` compares the per-owner indexes with the records: an account's transfer left
/// out of its list, and a payment listed under a shop with no such payment, are both reported.
#[tokio::test]
async fn check_finds_an_index_that_disagrees_with_the_records() {
    use khaacho::ledger::{self, AccountKind, LedgerError, NewTransfer};
    use khaacho::storage::postings;
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let index_problems = |store: &Store| {
        store.read_now(|tx| {
            Ok::<_, StoreError>(
                khaacho::app::check::invariants(tx)?
                    .into_iter()
                    .filter(|p| p.starts_with("index of"))
                    .collect::<Vec<_>>(),
            )
        })
    };
    let now = chrono::Utc::now();
    let (shop, hold) = store
        .write(move |tx| {
            let shop = ledger::ensure_account(tx, AccountKind::RetailerReceivable, 1, now)?;
            let clearing = ledger::ensure_account(tx, AccountKind::OrderClearing, 0, now)?;
            let hold = ledger::transfer(tx, NewTransfer::hold(shop, clearing, 5_000, 7, now))?;
            Ok::<_, LedgerError>((shop, hold.id))
        })
        .await
        .unwrap();
    assert_eq!(index_problems(&store).unwrap(), Vec::<String>::new());
    store
        .write(move |tx| {
            assert!(postings::remove(
                tx,
                tables::LEDGER_ACCOUNT_TRANSFERS,
                shop,
                hold
            )?);
            postings::add(tx, tables::PAYMENTS_BY_RETAILER, 1, 42)
        })
        .await
        .unwrap();
    assert_eq!(
        index_problems(&store).unwrap(),
        vec![
            "index of a retailer's payments: owner 1 lists 1 ids where its records say 0 \
             (0 missing, 1 not its own, or out of order)"
                .to_string(),
            format!("index of an account's transfers: owner {shop} lists none of its 1 ids"),
        ]
    );
}

/// A snapshot keeps the tables it opened for its later reads: a table opened again, while an
/// earlier view of it is still being read, and between opens of other tables, reads the same
/// rows.
#[tokio::test]
async fn a_snapshot_reads_one_table_through_many_views_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    store
        .write(|tx| {
            let mut counters = tx.open(tables::COUNTERS)?;
            for (name, n) in [
                ("view test a", 3u64),
                ("view test b", 5),
                ("view test c", 8),
            ] {
                counters.put(name, &n)?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
    let pairs = store
        .read_now(|tx| {
            let outer = tx.open(tables::COUNTERS)?;
            let mut seen = Vec::new();
            for row in outer.range("view test"..)? {
                let (name, n) = row?;
                let _schema = tx.open(tables::META)?.get("schema")?;
                let again = tx
                    .open(tables::COUNTERS)?
                    .need(name.as_str(), "a counter")?;
                seen.push((name, n, again));
            }
            Ok::<_, StoreError>(seen)
        })
        .unwrap();
    assert_eq!(
        pairs,
        vec![
            ("view test a".to_string(), 3, 3),
            ("view test b".to_string(), 5, 5),
            ("view test c".to_string(), 8, 8),
        ]
    );
}

/// A transfer reads its two accounts once and writes both balances from them: with one account
/// on both sides, both effects land on that row; an unknown account is refused before anything
/// is written.
#[tokio::test]
async fn a_transfer_updates_both_balances_even_when_one_account_is_on_both_sides() {
    use khaacho::ledger::{self, AccountKind, LedgerError, NewTransfer, TransferCode};
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let now = chrono::Utc::now();
    let (shop, clearing) = store
        .write(move |tx| {
            let shop = ledger::ensure_account(tx, AccountKind::RetailerReceivable, 1, now)?;
            let clearing = ledger::ensure_account(tx, AccountKind::OrderClearing, 0, now)?;
            ledger::transfer(tx, NewTransfer::hold(shop, clearing, 5_000, 7, now))?;
            ledger::transfer(
                tx,
                NewTransfer::for_order(shop, shop, 300, TransferCode::VendorShare, 7, now),
            )?;
            Ok::<_, LedgerError>((shop, clearing))
        })
        .await
        .unwrap();
    let refused = store
        .write(move |tx| {
            ledger::transfer(
                tx,
                NewTransfer::for_order(shop, 9_999, 1, TransferCode::VendorShare, 8, now),
            )
        })
        .await;
    assert!(
        matches!(refused, Err(LedgerError::NoAccount(9_999))),
        "{refused:?}"
    );
    let (s, c) = store
        .read_now(|tx| {
            Ok::<_, StoreError>((
                ledger::account(tx, shop)?.unwrap(),
                ledger::account(tx, clearing)?.unwrap(),
            ))
        })
        .unwrap();
    assert_eq!(
        (s.debits_pending, s.debits_posted, s.credits_posted),
        (5_000, 300, 300)
    );
    assert_eq!((c.credits_pending, c.credits_posted), (5_000, 0));
    assert!(store.read_now(ledger::check).unwrap().is_empty());
}
