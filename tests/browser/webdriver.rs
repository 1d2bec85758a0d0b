//! A small WebDriver client over reqwest, for the browser tests: chromedriver started on a free
//! port, one headless Chromium session, and the handful of commands the tests use.
//!
//! Hand-written rather than a WebDriver crate: the maintained ones bring a second TLS stack (a C
//! build of aws-lc) for a client that only ever talks to 127.0.0.1.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The key WebDriver puts an element's id under.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    http: reqwest::Client,
    screenshots: PathBuf,
}

/// A page element.
pub struct Element(String);

impl Browser {
    /// Starts chromedriver (`CHROMEDRIVER`, else `chromedriver` on the PATH) and a headless
    /// Chromium session with a `width` × `height` window.
    pub async fn start(width: u32, height: u32) -> Browser {
        Self::launch(width, height, false).await
    }

    /// A session emulating a phone's screen (a desktop window cannot be narrower than ~500 px).
    pub async fn start_phone(width: u32, height: u32) -> Browser {
        Self::launch(width, height, true).await
    }

    async fn launch(width: u32, height: u32, phone: bool) -> Browser {
        let port = free_port();
        let program = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let driver = Command::new(&program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program} (install chromium-driver): {e}"));
        let http = reqwest::Client::new();
        let root = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{root}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-gpu".into(),
            format!("--window-size={width},{height}"),
        ];
        if let Ok(bin) = std::env::var("CHROMIUM") {
            args.push(format!("--binary={bin}"));
        }
        let mut options = json!({"args": args});
        if phone {
            options["mobileEmulation"] =
                json!({"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2}});
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": options,
        }}});
        let res: Value = http
            .post(format!("{root}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session answer");
        let id = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {res}"));
        let screenshots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
        std::fs::create_dir_all(&screenshots).unwrap();
        Browser {
            driver,
            base: format!("{root}/session/{id}"),
            http,
            screenshots,
        }
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res: Value = req
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("json");
        if let Some(err) = res["value"]["error"].as_str() {
            panic!("webdriver {path}: {err}: {}", res["value"]["message"]);
        }
        res["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub async fn exec(&self, script: &str, args: Vec<Value>) -> Value {
        let body = json!({"script": script, "args": args});
        self.cmd(reqwest::Method::POST, "/execute/sync", Some(body))
            .await
    }

    /// Runs `script`, which calls `arguments[arguments.length - 1](value)` when done.
    pub async fn exec_async(&self, script: &str, args: Vec<Value>) -> Value {
        let body = json!({"script": script, "args": args});
        self.cmd(reqwest::Method::POST, "/execute/async", Some(body))
            .await
    }

    /// Waits up to 15 s for `condition` (a JavaScript expression) to be truthy.
    pub async fn wait_for(&self, condition: &str) {
        let script = format!("return !!({condition});");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if self.exec(&script, vec![]).await == Value::Bool(true) {
                return;
            }
            if Instant::now() > deadline {
                self.screenshot("timeout").await;
                let text = self.text("body").await;
                panic!("waited 15 s for {condition}; the page says: {text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        let id = v[ELEMENT].as_str();
        Element(id.unwrap_or_else(|| panic!("{css}: {v}")).to_string())
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/click", el.0),
            Some(json!({})),
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/value", el.0),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Types `keys` (WebDriver key codes allowed, e.g. `\u{E004}` for Tab) into whatever has
    /// the focus.
    pub async fn keys(&self, keys: &str) {
        let v = self
            .cmd(reqwest::Method::GET, "/element/active", None)
            .await;
        let id = v[ELEMENT].as_str().expect("a focused element").to_string();
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": keys})),
        )
        .await;
    }

    /// The visible text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let v = self
            .exec(
                "const el = document.querySelector(arguments[0]); return el ? el.innerText : '';",
                vec![json!(css)],
            )
            .await;
        v.as_str().unwrap_or_default().to_string()
    }

    /// Saves a PNG of the window as `NAME.png` in the screenshots folder.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64"))
            .expect("png");
        let path = self.screenshots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

impl Browser {
    /// Ends the session (closing Chromium) before chromedriver is stopped.
    pub async fn close(self) {
        let _ = self.http.delete(&self.base).send().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
