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
    "app.js" => "text/javascript; charset=utf-8",
    "app.css" => "text/css; charset=utf-8",
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/",
            get(|State(s): State<AppState>| serve(s, "index.html".into())),
        )
        .route(
            "/assets/{file}",
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
