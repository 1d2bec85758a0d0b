//! Test helpers: the real server on 127.0.0.1:0 with a temporary data directory and a manual
//! clock, plus small HTTP conveniences.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use khaacho::app::{App, AppOptions};
use khaacho::config::Config;
use khaacho::support::clock::ManualClock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub dir: Arc<TempDir>,
    pub clock: ManualClock,
    pub admin_phone: String,
    pub admin_password: String,
    pub state: khaacho::app::AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

pub struct Options {
    pub demo: bool,
    pub dir: Option<Arc<TempDir>>,
    pub clock: Option<ManualClock>,
    pub tweak: Box<dyn FnOnce(&mut Config) + Send>,
    /// Run the scheduled jobs and the outbox sender in the background (tests drive them by hand).
    pub background: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            demo: true,
            dir: None,
            clock: None,
            tweak: Box::new(|_| {}),
            background: false,
        }
    }
}

pub fn test_config(dir: &std::path::Path) -> Config {
    let mut cfg = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    cfg.log.file = false;
    cfg
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

pub async fn spawn_with(opts: Options) -> TestApp {
    let dir = opts
        .dir
        .unwrap_or_else(|| Arc::new(tempfile::tempdir().expect("temp dir")));
    let clock = opts
        .clock
        .unwrap_or_else(|| ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 4, 0, 0).unwrap()));
    let mut cfg = test_config(dir.path());
    (opts.tweak)(&mut cfg);
    let app = App::build(
        cfg,
        AppOptions {
            clock: Arc::new(clock.clone()),
            load_demo: opts.demo,
            background: opts.background,
        },
    )
    .await
    .expect("app builds");
    let base = format!("http://{}", app.local_addr());
    let (admin_phone, admin_password) = app
        .bootstrap_admin
        .clone()
        .map(|(p, pw)| (p.to_string(), pw))
        .unwrap_or_default();
    let state = app.state().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        app.run(async {
            let _ = stopped.await;
        })
        .await
        .expect("server runs");
    });
    let mut app = TestApp {
        base,
        http: reqwest::Client::new(),
        dir,
        clock,
        admin_phone,
        admin_password,
        state,
        stop: Some(stop),
        task: Some(task),
    };
    if !app.admin_password.is_empty() {
        app.change_first_admin_password().await;
    }
    app
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Stops the server and waits until it has let go of the database.
    pub async fn stop(mut self) -> Arc<TempDir> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.expect("server task ends cleanly");
        }
        let dir = self.dir.clone();
        drop(self);
        dir
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// A message through the simulator "from" a phone: every message it caused, as
    /// `{"to", "body"}`.
    pub async fn simulate(&self, token: &str, from: &str, body: &str) -> Vec<Value> {
        let (s, r) = self
            .post(
                "/api/v1/simulator/messages",
                token,
                json!({"from": from, "body": body}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        r["replies"].as_array().unwrap().clone()
    }

    /// What the sender itself was answered, one message a line.
    pub async fn answer_to(&self, token: &str, from: &str, body: &str) -> String {
        self.simulate(token, from, body)
            .await
            .iter()
            .filter(|m| m["to"] == from)
            .map(|m| m["body"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn login(&self, phone: &str, password: &str) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"phone": phone, "password": password})),
        )
        .await
    }

    /// Logs in and returns the access token, failing the test otherwise.
    pub async fn token(&self, phone: &str, password: &str) -> String {
        let (status, body) = self.login(phone, password).await;
        assert_eq!(status, StatusCode::OK, "login of {phone}: {body}");
        body["access_token"]
            .as_str()
            .expect("access token")
            .to_string()
    }

    /// The first admin must change the printed password before anything else; tests do that
    /// at once and log in with the new one from then on.
    async fn change_first_admin_password(&mut self) {
        let (s, tokens) = self.login(&self.admin_phone, &self.admin_password).await;
        assert_eq!(s, StatusCode::OK, "{tokens}");
        assert_eq!(tokens["password_change_required"], true, "{tokens}");
        let token = tokens["access_token"].as_str().unwrap().to_string();
        let new = format!("{}-changed", self.admin_password);
        let (s, b) = self
            .post(
                "/api/v1/auth/password",
                &token,
                json!({"current_password": self.admin_password, "new_password": new}),
            )
            .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
        self.admin_password = new;
        // The test starts with no login counted against it.
        self.state.svc.auth().reset_login_limits(None);
    }

    pub async fn admin_token(&self) -> String {
        self.token(&self.admin_phone, &self.admin_password).await
    }

    /// Creates a user as admin and returns a token for it.
    pub async fn user_token(&self, role: &str, phone: &str) -> String {
        let admin = self.admin_token().await;
        let password = "a long enough password";
        let (status, body) = self
            .post("/api/v1/users", &admin, json!({"phone": phone, "name": format!("{role} {phone}"), "role": role, "password": password}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.token(phone, password).await
    }
}

/// Asserts the JSON error shape and returns its code.
pub fn error_code(body: &Value) -> &str {
    let err = &body["error"];
    assert!(err["message"].is_string(), "error has a message: {body}");
    assert!(err["details"].is_object(), "error has details: {body}");
    err["code"].as_str().expect("error has a code")
}
