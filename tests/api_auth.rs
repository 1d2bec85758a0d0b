//! Accounts and tokens over the real HTTP server: login, refresh, logout, roles, ownership.

mod common;

use chrono::Duration;
use common::{error_code, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn login_access_refresh_and_logout_work_and_old_tokens_stop_working() {
    let app = spawn_app().await;
    let (status, tokens) = app.login(&app.admin_phone, &app.admin_password).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(tokens["expires_in"], 3600);

    let (status, me) = app.get("/api/v1/auth/me", access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["role"], "admin");
    assert!(me.get("password_hash").is_none());

    let (status, fresh) = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    let new_access = fresh["access_token"].as_str().unwrap();
    let new_refresh = fresh["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, refresh);

    // The exchanged refresh token no longer works (and its reuse ends the session).
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = app.get("/api/v1/auth/me", new_access).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "reuse of a refresh token ends its session"
    );

    // A new login, then logout: both tokens of that session stop working at once.
    let (_, tokens) = app.login(&app.admin_phone, &app.admin_password).await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, _) = app
        .call(Method::POST, "/api/v1/auth/logout", Some(access), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get("/api/v1/auth/me", access).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "session_ended")
    );
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_phone_get_the_same_answer() {
    let app = spawn_app().await;
    let (s1, b1) = app.login(&app.admin_phone, "wrong password here").await;
    let (s2, b2) = app.login("+9779811111111", "wrong password here").await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(b1, b2);
    assert_eq!(error_code(&b1), "invalid_credentials");
}

#[tokio::test]
async fn failed_logins_are_limited_per_phone_until_the_window_passes() {
    let app = spawn_app().await;
    for _ in 0..10 {
        let (status, _) = app.login(&app.admin_phone, "not the password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app.login(&app.admin_phone, &app.admin_password).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
    );
    app.clock.advance(Duration::minutes(15));
    let (status, _) = app.login(&app.admin_phone, &app.admin_password).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn each_role_is_denied_what_it_must_not_do_with_401_and_403_right() {
    let app = spawn_app().await;
    let operator = app.user_token("operator", "+9779811000001").await;
    let vendor = app.user_token("vendor", "+9779801000001").await;
    let retailer = app.user_token("retailer", "+9779802000001").await;

    let res = app.http.get(app.url("/api/v1/users")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().get("www-authenticate").is_some());

    for token in [&operator, &vendor, &retailer] {
        let (status, body) = app.get("/api/v1/users", token).await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::FORBIDDEN, "forbidden")
        );
        let (status, _) = app
            .post("/api/v1/users", token, json!({"phone": "+9779811000009", "name": "X", "role": "admin", "password": "a long enough password"}))
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "nobody but an admin creates users"
        );
    }
}

#[tokio::test]
async fn a_vendor_login_is_linked_to_its_record_and_cannot_read_another_vendor() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let v1 = app.user_token("vendor", "+9779801000001").await;
    let (_, me) = app.get("/api/v1/auth/me", &v1).await;
    assert!(
        me["vendor_id"].as_u64().is_some(),
        "demo vendor with this phone is linked: {me}"
    );
    let (_, other) = app
        .post("/api/v1/users", &admin, json!({"phone": "+9779801000002", "name": "V2", "role": "vendor", "password": "a long enough password"}))
        .await;
    let other_id = other["id"].as_u64().unwrap();
    let (status, _) = app.get(&format!("/api/v1/users/{other_id}"), &v1).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let own_id = me["id"].as_u64().unwrap();
    let (status, _) = app.get(&format!("/api/v1/users/{own_id}"), &v1).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn nobody_changes_their_own_role_or_deactivates_themselves() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, me) = app.get("/api/v1/auth/me", &admin).await;
    let id = me["id"].as_u64().unwrap();
    let path = format!("/api/v1/users/{id}");
    let (status, _) = app
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"role": "operator"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .call(
            Method::POST,
            &format!("{path}/deactivate"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let operator = app.user_token("operator", "+9779811000002").await;
    let (_, op) = app.get("/api/v1/auth/me", &operator).await;
    let op_path = format!("/api/v1/users/{}", op["id"]);
    let (status, _) = app
        .call(
            Method::PATCH,
            &op_path,
            Some(&operator),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an operator cannot make itself admin"
    );
}

#[tokio::test]
async fn a_deactivated_user_loses_access_at_once() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let operator = app.user_token("operator", "+9779811000003").await;
    let (_, op) = app.get("/api/v1/auth/me", &operator).await;
    let path = format!("/api/v1/users/{}", op["id"]);
    let (status, body) = app
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app.get("/api/v1/auth/me", &operator).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.login("+9779811000003", "a long enough password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions_and_needs_the_current_one() {
    let app = spawn_app().await;
    let first = app.admin_token().await;
    let second = app.admin_token().await;
    let body = json!({"current_password": "wrong", "new_password": "a brand new password"});
    let (status, _) = app.post("/api/v1/auth/password", &first, body).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a wrong current password does not end the session"
    );
    let body = json!({"current_password": app.admin_password, "new_password": "short"});
    let (status, _) = app.post("/api/v1/auth/password", &first, body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let body =
        json!({"current_password": app.admin_password, "new_password": "a brand new password"});
    let (status, _) = app.post("/api/v1/auth/password", &first, body).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/auth/me", &first).await.0, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/auth/me", &second).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&app.admin_phone, "a brand new password").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_phone_can_hold_only_one_user() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let body = json!({"phone": "+9779811000004", "name": "A", "role": "operator", "password": "a long enough password"});
    assert_eq!(
        app.post("/api/v1/users", &admin, body.clone()).await.0,
        StatusCode::CREATED
    );
    let (status, err) = app.post("/api/v1/users", &admin, body).await;
    assert_eq!(
        (status, error_code(&err)),
        (StatusCode::CONFLICT, "phone_taken")
    );
}

#[tokio::test]
async fn login_attempts_from_one_address_are_limited_whatever_the_phone() {
    let app = common::spawn_with(common::Options {
        tweak: Box::new(|c| c.auth.login_attempts_per_ip = 5),
        ..common::Options::default()
    })
    .await;
    for i in 0..5 {
        let (status, _) = app
            .login(&format!("+97798110002{i:02}"), "not the password")
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app.login(&app.admin_phone, &app.admin_password).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
    );
    app.clock.advance(Duration::minutes(1));
    assert_eq!(
        app.login(&app.admin_phone, &app.admin_password).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn everyone_changes_their_own_console_language_and_nothing_else() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let operator = app.user_token("operator", "+9779811000012").await;
    let (_, op) = app.get("/api/v1/auth/me", &operator).await;
    assert_eq!(op["language"], "en", "new users read English: {op}");
    let own = format!("/api/v1/users/{}", op["id"]);
    let patch = |token: &str, path: &str, body: serde_json::Value| {
        let (token, path) = (token.to_string(), path.to_string());
        let app = &app;
        async move {
            app.call(Method::PATCH, &path, Some(&token), Some(body))
                .await
        }
    };
    let (status, body) = patch(&operator, &own, json!({"language": "ne"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["language"], "ne");
    let (_, me) = app.get("/api/v1/auth/me", &operator).await;
    assert_eq!(me["language"], "ne", "remembered on the user");

    // Anything else, or anyone else's language, stays the admin's.
    let (status, _) = patch(&operator, &own, json!({"language": "en", "name": "X"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, admin_me) = app.get("/api/v1/auth/me", &admin).await;
    let admins = format!("/api/v1/users/{}", admin_me["id"]);
    let (status, _) = patch(&operator, &admins, json!({"language": "ne"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = patch(&operator, &own, json!({"language": "fr"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, me) = app.get("/api/v1/auth/me", &operator).await;
    assert_eq!(
        (me["language"].as_str(), me["name"].as_str()),
        (Some("ne"), op["name"].as_str())
    );

    // An admin may set it for anyone; the audit log names the change.
    let (status, body) = patch(&admin, &own, json!({"language": "en"})).await;
    assert_eq!(
        (status, body["language"].as_str()),
        (StatusCode::OK, Some("en"))
    );
    let vendor = app.user_token("vendor", "+9779811000013").await;
    let (_, v) = app.get("/api/v1/auth/me", &vendor).await;
    let (status, _) = patch(
        &vendor,
        &format!("/api/v1/users/{}", v["id"]),
        json!({"language": "ne"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, audit) = app.get("/api/v1/audit?limit=50", &admin).await;
    assert!(audit.to_string().contains("language"), "{audit}");
}
