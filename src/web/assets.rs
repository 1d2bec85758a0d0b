//! The web UI: static files from `assets/`, embedded into the binary at build time.
//!
//! For UI development, `http.assets_dir` (`KHAACHO_ASSETS_DIR=assets`) serves the files from
//! disk instead, so an edit shows on reload without rebuilding. Only names in the embedded
//! list are ever served.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;

struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

macro_rules! assets {
    ($($name:literal => $mime:literal),* $(,)?) => {
        &[$(Asset { name: $name, mime: $mime, body: include_bytes!(concat!("../../assets/", $name)) }),*]
    };
}

const ASSETS: &[Asset] = assets![
    "index.html" => "text/html; charset=utf-8",
    "app.css" => "text/css; charset=utf-8",
    "js/main.js" => "text/javascript; charset=utf-8",
    "js/chart.js" => "text/javascript; charset=utf-8",
    "js/i18n.js" => "text/javascript; charset=utf-8",
    "js/lang/ne.js" => "text/javascript; charset=utf-8",
    "js/format.js" => "text/javascript; charset=utf-8",
    "js/dom.js" => "text/javascript; charset=utf-8",
    "js/api.js" => "text/javascript; charset=utf-8",
    "js/ui.js" => "text/javascript; charset=utf-8",
    "js/lookups.js" => "text/javascript; charset=utf-8",
    "js/router.js" => "text/javascript; charset=utf-8",
    "js/pages/login.js" => "text/javascript; charset=utf-8",
    "js/pages/dashboard.js" => "text/javascript; charset=utf-8",
    "js/pages/orders.js" => "text/javascript; charset=utf-8",
    "js/pages/products.js" => "text/javascript; charset=utf-8",
    "js/pages/vendors.js" => "text/javascript; charset=utf-8",
    "js/pages/retailers.js" => "text/javascript; charset=utf-8",
    "js/pages/payments.js" => "text/javascript; charset=utf-8",
    "js/pages/admin.js" => "text/javascript; charset=utf-8",
    "js/pages/whatsapp.js" => "text/javascript; charset=utf-8",
    "js/pages/intelligence.js" => "text/javascript; charset=utf-8",
    "vendor/README.md" => "text/markdown; charset=utf-8",
    "vendor/uplot/uPlot.esm.js" => "text/javascript; charset=utf-8",
    "vendor/uplot/uPlot.min.css" => "text/css; charset=utf-8",
    "vendor/uplot/LICENSE" => "text/plain; charset=utf-8",
    "fonts/noto-sans-devanagari-400.woff2" => "font/woff2",
    "fonts/noto-sans-devanagari-700.woff2" => "font/woff2",
    "fonts/OFL.txt" => "text/plain; charset=utf-8",
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/",
            get(|State(s): State<AppState>| serve(s, "index.html".into())),
        )
        .route(
            "/assets/{*file}",
            get(|State(s): State<AppState>, Path(file): Path<String>| serve(s, file)),
        )
}

async fn serve(state: AppState, name: String) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = match &state.svc.config().http.assets_dir {
        Some(dir) => match tokio::fs::read(dir.join(asset.name)).await {
            Ok(bytes) => bytes,
            Err(_) => asset.body.to_vec(),
        },
        None => asset.body.to_vec(),
    };
    (
        [
            (header::CONTENT_TYPE, asset.mime),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::ASSETS;

    /// Every file under `assets/` is embedded (a module left out would fail only in a browser),
    /// and every embedded name is a file there.
    #[test]
    fn every_file_under_assets_is_embedded() {
        fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, base, out);
                } else {
                    let rel = path.strip_prefix(base).unwrap();
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
        let mut on_disk = Vec::new();
        walk(&base, &base, &mut on_disk);
        on_disk.sort();
        let mut embedded: Vec<String> = ASSETS.iter().map(|a| a.name.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
    }

    /// The `'text'` literals of `t('text'…)` calls in a module.
    fn translated_literals(js: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut rest = js;
        while let Some(at) = rest.find("t('") {
            let before = rest[..at].chars().last();
            rest = &rest[at + 3..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                continue;
            }
            let mut text = String::new();
            let mut chars = rest.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => text.extend(chars.next().map(|(_, c)| c)),
                    '\'' => {
                        rest = &rest[i + 1..];
                        break;
                    }
                    c => text.push(c),
                }
            }
            found.push(text);
        }
        found
    }

    /// Every text the console passes through `t()` has its Nepali in `lang/ne.js`.
    #[test]
    fn every_console_text_has_its_nepali() {
        let ne = ASSETS
            .iter()
            .find(|a| a.name == "js/lang/ne.js")
            .map(|a| std::str::from_utf8(a.body).unwrap())
            .unwrap();
        let keys: std::collections::HashSet<String> = ne
            .lines()
            .filter_map(|l| l.trim().strip_suffix(','))
            .filter_map(|l| {
                let (key, _) = l.split_once("\": ")?;
                serde_json::from_str::<String>(&format!("{key}\"")).ok()
            })
            .collect();
        assert!(keys.len() > 300, "{} keys read", keys.len());
        let mut missing = Vec::new();
        let mut seen = 0;
        for asset in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            let js = std::str::from_utf8(asset.body).unwrap();
            for text in translated_literals(js) {
                seen += 1;
                if !keys.contains(&text) {
                    missing.push(format!("{}: {text:?}", asset.name));
                }
            }
        }
        assert!(
            seen > 300,
            "only {seen} texts found: is the t('…') reader broken?"
        );
        assert!(missing.is_empty(), "no Nepali for: {missing:#?}");
    }
}
