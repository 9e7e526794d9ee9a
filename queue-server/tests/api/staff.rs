//! Staff sign-in, roles and CSRF over real HTTP; the spoken call-out; the supervisor's alert rules
//! with a manual clock.

use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::helpers::{KIOSK, TestApp, monday, spawn, spawn_at, spawn_demo};

/// A browser-like client: no redirects followed, cookies carried by hand.
pub(crate) struct Staff {
    pub(crate) http: reqwest::Client,
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

fn no_redirects() -> reqwest::Client {
    no_redirects_from(None)
}

/// A client that follows no redirects, connecting from `from` (any 127.x.y.z address is this
/// machine's loopback, so tests play several devices).
pub(crate) fn no_redirects_from(from: Option<std::net::IpAddr>) -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).local_address(from).build().expect("client")
}

fn cookie_of(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

fn between<'a>(text: &'a str, before: &str, after: &str) -> &'a str {
    let start = text.find(before).map(|i| i + before.len()).unwrap_or_else(|| panic!("{before} in page"));
    let end = text[start..].find(after).map(|i| start + i).unwrap_or(text.len());
    &text[start..end]
}

/// Posts the sign-in form as a browser does (form token from the page and its cookie).
async fn post_login(app: &TestApp, user: &str, password: &str) -> reqwest::Response {
    post_login_from(app, user, password, None).await
}

/// [`post_login`] from the device at `from`.
pub(crate) async fn post_login_from(
    app: &TestApp,
    user: &str,
    password: &str,
    from: Option<std::net::IpAddr>,
) -> reqwest::Response {
    let http = no_redirects_from(from);
    let page = http.get(app.url("/login")).send().await.expect("login page");
    let form_cookie = cookie_of(&page, "motcua_login").expect("form cookie");
    let html = page.text().await.expect("html");
    let token = between(&html, "name=\"_form\" value=\"", "\"").to_string();
    http.post(app.url("/login"))
        .header("cookie", form_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={user}&password={password}&next=&_form={token}"))
        .send()
        .await
        .expect("login answers")
}

pub(crate) async fn sign_in(app: &TestApp, user: &str, password: &str) -> Staff {
    let answer = post_login(app, user, password).await;
    assert_eq!(answer.status().as_u16(), 303, "signed in");
    let cookie = cookie_of(&answer, "motcua_session").expect("session cookie");
    let set = answer.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let http = no_redirects();
    let page = http.get(app.url("/counter")).header("cookie", &cookie).send().await.expect("page");
    let html = page.text().await.expect("html");
    let csrf = between(&html, "<meta name=\"csrf\" content=\"", "\"").to_string();
    Staff { http, cookie, csrf }
}

impl Staff {
    pub(crate) async fn get(&self, app: &TestApp, path: &str) -> (u16, String) {
        let r = self.http.get(app.url(path)).header("cookie", &self.cookie).send().await.expect("GET");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    pub(crate) async fn post_json(&self, app: &TestApp, path: &str, body: Value, csrf: bool) -> (u16, Value) {
        let mut request = self.http.post(app.url(path)).header("cookie", &self.cookie).json(&body);
        if csrf {
            request = request.header("x-csrf-token", &self.csrf);
        }
        let r = request.send().await.expect("POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn anonymous_visitors_get_401_and_officers_cannot_open_supervisor_pages() {
    let app = spawn_demo().await;
    let anon = no_redirects();
    for path in ["/counter", "/supervisor", "/reports", "/admin"] {
        let r = anon.get(app.url(path)).send().await.expect("answers");
        assert_eq!(r.status().as_u16(), 401, "{path}");
        assert!(r.text().await.unwrap_or_default().contains("Vui lòng đăng nhập"), "{path} offers the sign-in form");
    }
    for path in ["/api/v1/supervisor/overview", "/api/v1/staff/me", "/api/v1/reports?from=2026-11-23&to=2026-11-23"] {
        let (status, body) = app.get(path).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("missing_token")), "{path}");
    }

    let officer = sign_in(&app, "canbo1", "demo-canbo1").await;
    assert_eq!(officer.get(&app, "/counter").await.0, 200);
    for path in ["/supervisor", "/reports", "/admin"] {
        let (status, html) = officer.get(&app, path).await;
        assert_eq!(status, 403, "{path}");
        assert!(html.contains("không được mở trang này"), "{path}");
    }
    for path in ["/api/v1/supervisor/overview", "/api/v1/reports?from=2026-11-23&to=2026-11-23"] {
        let (status, body) = officer.get(&app, path).await;
        assert_eq!(status, 403, "{path}: {body}");
    }
    // An officer acts only at the counter taken.
    let (status, body) = officer.post_json(&app, "/api/v1/counters/3/open", json!({}), true).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{body}");
    let (status, _) = officer.post_json(&app, "/api/v1/staff/counter", json!({ "counter": 3 }), true).await;
    assert_eq!(status, 200);
    let (status, _) = officer.post_json(&app, "/api/v1/counters/3/pause", json!({ "reason": "Họp" }), true).await;
    assert_eq!(status, 200);

    let supervisor = sign_in(&app, "giamsat", "demo-giamsat").await;
    assert_eq!(supervisor.get(&app, "/supervisor").await.0, 200);
    assert_eq!(supervisor.get(&app, "/api/v1/supervisor/overview").await.0, 200);
    assert_eq!(supervisor.get(&app, "/admin").await.0, 403, "accounts are the admin's");
    let admin = sign_in(&app, "quantri", "demo-quantri").await;
    assert_eq!(admin.get(&app, "/admin").await.0, 200);

    // Every action names who did it.
    let conn = rusqlite::Connection::open(&app.db).expect("db");
    let actor: String = conn
        .query_row("SELECT actor FROM events WHERE kind = 'counter_paused' ORDER BY id DESC LIMIT 1", [], |r| r.get(0))
        .expect("pause event");
    assert_eq!(actor, "staff:canbo1");
    let logins: i64 = conn
        .query_row("SELECT COUNT(*) FROM events WHERE kind = 'staff_login' AND actor LIKE 'staff:%'", [], |r| r.get(0))
        .expect("logins");
    assert_eq!(logins, 3);
    let taken: String = conn
        .query_row("SELECT actor FROM events WHERE kind = 'counter_taken' AND counter_no = 3", [], |r| r.get(0))
        .expect("taken");
    assert_eq!(taken, "staff:canbo1");
    app.stop().await;
}

#[tokio::test]
async fn changes_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = spawn_demo().await;
    let officer = sign_in(&app, "canbo2", "demo-canbo2").await;
    let (status, body) = officer.post_json(&app, "/api/v1/staff/counter", json!({ "counter": 2 }), false).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("csrf_invalid")), "{body}");
    let (_, me) = officer.get(&app, "/api/v1/staff/me").await;
    assert!(me.contains("\"counter\":null"), "{me}");

    // A form post (sign out) without its token: refused, still signed in.
    let r = officer
        .http
        .post(app.url("/logout"))
        .header("cookie", &officer.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status().as_u16(), 403);
    assert_eq!(officer.get(&app, "/counter").await.0, 200, "still signed in");
    // The sign-in form itself without its cookie: refused.
    let r = no_redirects()
        .post(app.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=canbo2&password=demo-canbo2&_form=guess")
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status().as_u16(), 403);
    assert!(cookie_of(&r, "motcua_session").is_none());
    // With its token, sign-out works and the cookie stops working.
    let r = officer
        .http
        .post(app.url("/logout"))
        .header("cookie", &officer.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("_csrf={}", officer.csrf))
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(officer.get(&app, "/counter").await.0, 401);
    app.stop().await;
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_a_while() {
    let app = spawn_at(monday("08:00")).await;
    for i in 1..=4 {
        let r = post_login(&app, "canbo3", "sai-mat-khau").await;
        assert_eq!(r.status().as_u16(), 401, "try {i}");
        assert!(r.text().await.unwrap_or_default().contains("Sai tên đăng nhập hoặc mật khẩu"));
    }
    let r = post_login(&app, "canbo3", "sai-mat-khau").await;
    assert_eq!(r.status().as_u16(), 423);
    assert!(r.text().await.unwrap_or_default().contains("tạm khoá"), "the fifth locks");
    let r = post_login(&app, "canbo3", "demo-canbo3").await;
    assert_eq!(r.status().as_u16(), 423, "locked even with the right password");
    assert!(r.text().await.unwrap_or_default().contains("08:15"), "says until when");
    let clock = app.clock.clone().expect("manual clock");
    clock.advance(SignedDuration::from_mins(14));
    assert_eq!(post_login(&app, "canbo3", "demo-canbo3").await.status().as_u16(), 423);
    clock.advance(SignedDuration::from_mins(1));
    assert_eq!(post_login(&app, "canbo3", "demo-canbo3").await.status().as_u16(), 303, "the lock ran out");
    let db = app.db.clone();
    let mut app = app;
    app.halt().await;
    // Seven failures (four wrong, the locking one, two while locked), written at shutdown as one
    // counted summary, not a row each.
    let conn = rusqlite::Connection::open(&db).expect("opens db");
    let summaries: Vec<String> = conn
        .prepare("SELECT payload FROM events WHERE kind = 'staff_login_failures'")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("reads");
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    let summary: Value = serde_json::from_str(&summaries[0]).expect("json");
    assert_eq!((summary["total"].as_u64(), summary["pairs"][0]["username"].as_str()), (Some(7), Some("canbo3")));
    drop(app);
}

#[tokio::test]
async fn the_call_for_1012_at_counter_3_is_spoken_audio_after_a_chime() {
    let app = spawn_demo().await;
    let r = app.client.get(app.url("/api/v1/announcements/call.wav?number=1012&counter=3")).send().await.expect("wav");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("audio/wav"));
    let bytes = r.bytes().await.expect("body");
    let pcm = queue_server::speech::Pcm::from_wav(&bytes).expect("a WAV file");
    let chime = queue_server::speech::chime(pcm.rate);
    assert!(pcm.seconds() > chime.seconds() + 1.0, "speech after the chime: {} s in all", pcm.seconds());
    assert_eq!(&pcm.samples[..chime.samples.len()], &chime.samples[..], "the chime comes first");
    let speech = &pcm.samples[chime.samples.len()..];
    let rms = (speech.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / speech.len() as f64).sqrt();
    assert!(rms > 500.0, "the speech is audible (rms {rms:.0})");
    println!("call-out 1012 → quầy 3: {:.2} s at {} Hz, speech rms {rms:.0}", pcm.seconds(), pcm.rate);
    let dir = std::env::var_os("CARGO_TARGET_TMPDIR").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    std::fs::write(dir.join("call-1012-quay-3.wav"), &bytes).expect("kept for listening");

    let (status, body) = app.get("/api/v1/announcements/call.wav?number=1012&counter=99").await;
    assert_eq!((status, body["code"].as_str()), (404, Some("unknown_counter")));
    let (status, _) = app.get("/api/v1/announcements/call.wav?number=0&counter=3").await;
    assert_eq!(status, 400);
    let chime = app.client.get(app.url("/api/v1/announcements/chime.wav")).send().await.expect("chime");
    let chime = queue_server::speech::Pcm::from_wav(&chime.bytes().await.expect("body")).expect("WAV");
    assert!(chime.seconds() > 1.0);
    app.stop().await;
}

async fn overview(app: &TestApp) -> Value {
    let (status, body) = app.get_as("/api/v1/supervisor/overview", "demo-supervisor").await;
    assert_eq!(status, 200, "{body}");
    body
}

fn rules_of(o: &Value) -> Vec<(String, String)> {
    o["alerts"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| (x["rule"].as_str().unwrap_or("").into(), x["action"].as_str().unwrap_or("").into()))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_long_wait_alerts_after_its_threshold_with_a_counter_to_open() {
    let app = spawn_at(monday("08:00")).await;
    let clock = app.clock.clone().expect("clock");
    assert_eq!(app.counter(3, "open").await.0, 200);
    app.issue("DD").await;
    clock.advance(SignedDuration::from_mins(30));
    assert!(rules_of(&overview(&app).await).is_empty(), "30 minutes is the threshold, not over it");
    clock.advance(SignedDuration::from_mins(1));
    let o = overview(&app).await;
    let alerts = rules_of(&o);
    assert_eq!(alerts, vec![("long_wait".into(), "Mở thêm quầy 1 cho lĩnh vực Đất đai".into())], "{o}");
    assert_eq!(o["alerts"][0]["severity"], "warning");
    assert_eq!(o["fields"][0]["longest_wait_minutes"], 31);
    clock.advance(SignedDuration::from_mins(29));
    assert_eq!(overview(&app).await["alerts"][0]["severity"], "critical", "twice the threshold");
    app.stop().await;
}

#[tokio::test]
async fn a_long_queue_with_a_paused_counter_alerts_to_resume_it() {
    let app = spawn_at(monday("08:00")).await;
    assert_eq!(app.counter(1, "open").await.0, 200);
    let (status, _) =
        app.post("/api/v1/counters/1/pause", Some("demo-counter"), Some(json!({ "reason": "Họp" }))).await;
    assert_eq!(status, 200);
    for _ in 0..10 {
        app.issue("DD").await;
    }
    assert!(rules_of(&overview(&app).await).is_empty(), "10 is the threshold, not over it");
    app.issue("DD").await;
    let alerts = rules_of(&overview(&app).await);
    assert_eq!(
        alerts,
        vec![("idle_counter".into(), "Cho quầy 1 tiếp tục làm việc và gọi số lĩnh vực Đất đai".into())],
        "{alerts:?}"
    );
    assert_eq!(app.counter(1, "open").await.0, 200);
    let alerts = rules_of(&overview(&app).await);
    assert_eq!(alerts, vec![("idle_counter".into(), "Nhắc quầy 1 gọi số tiếp theo".into())], "open but idle");
    assert_eq!(app.counter(1, "next").await.0, 200);
    assert!(rules_of(&overview(&app).await).is_empty(), "busy again");
    app.stop().await;
}

#[tokio::test]
async fn printer_paper_and_silent_kiosks_alert() {
    let app = spawn_at(monday("08:00")).await;
    let clock = app.clock.clone().expect("clock");
    let report = |printer: &str| json!({ "kind": "kiosk", "printer": printer, "displays": [] });
    assert_eq!(app.post("/api/v1/devices/health", Some(KIOSK), Some(report("ready"))).await.0, 200);
    assert!(rules_of(&overview(&app).await).is_empty());
    app.post("/api/v1/devices/health", Some(KIOSK), Some(report("paper_near_end"))).await;
    let o = overview(&app).await;
    assert_eq!(rules_of(&o).first().map(|r| r.0.as_str()), Some("printer_paper"));
    assert_eq!(o["alerts"][0]["severity"], "warning");
    app.post("/api/v1/devices/health", Some(KIOSK), Some(report("paper_out"))).await;
    let o = overview(&app).await;
    assert_eq!(o["alerts"][0]["severity"], "critical");
    assert!(o["alerts"][0]["text"].as_str().unwrap_or("").contains("hết giấy"), "{o}");
    assert!(o["alerts"][0]["action"].as_str().unwrap_or("").starts_with("Thay cuộn giấy"));
    clock.advance(SignedDuration::from_secs(119));
    assert_eq!(rules_of(&overview(&app).await)[0].0, "printer_paper", "still within 2 minutes");
    clock.advance(SignedDuration::from_secs(1));
    let o = overview(&app).await;
    assert_eq!(rules_of(&o).iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), vec!["device_offline"], "{o}");
    assert!(o["alerts"][0]["text"].as_str().unwrap_or("").contains("mất kết nối từ 08:00"));
    assert_eq!(o["devices"][0]["online"], false);
    app.stop().await;
}

#[tokio::test]
async fn falling_satisfaction_alerts_and_names_the_counter() {
    let app = spawn_at(monday("08:00")).await;
    let clock = app.clock.clone().expect("clock");
    let rate = |score: u8, counter: u16| json!({ "score": score, "counter": counter });
    // Four happy ratings in the morning: too few to judge, and fine anyway.
    for _ in 0..4 {
        assert_eq!(app.post("/api/v1/ratings", Some(KIOSK), Some(rate(4, 2))).await.0, 201);
    }
    assert!(rules_of(&overview(&app).await).is_empty());
    clock.advance(SignedDuration::from_hours(2));
    for (score, counter) in [(1, 5), (2, 5), (1, 5), (4, 2), (2, 7)] {
        assert_eq!(app.post("/api/v1/ratings", Some(KIOSK), Some(rate(score, counter))).await.0, 201);
    }
    let o = overview(&app).await;
    let alerts = rules_of(&o);
    assert_eq!(alerts.len(), 1, "{o}");
    assert_eq!(alerts[0].0, "satisfaction_low");
    assert!(alerts[0].1.contains("quầy 5 (3 đánh giá chưa hài lòng"), "{}", alerts[0].1);
    assert_eq!(o["alerts"][0]["severity"], "critical", "the last hour is below the target");
    assert_eq!(o["satisfaction"]["total"], 9);
    assert_eq!(o["satisfaction"]["satisfied_percent"], 56, "5 of 9 in the two best levels");
    clock.advance(SignedDuration::from_hours(1));
    let o = overview(&app).await;
    assert_eq!(o["alerts"][0]["severity"], "warning", "the bad hour has passed; today as a whole is still low");
    app.stop().await;
}

#[tokio::test]
async fn device_tokens_made_by_the_command_line_work_like_config_tokens() {
    let app = spawn(queue_server::Config::demo(), None, None).await;
    let conn = queue_server::store::schema::open(&app.db).expect("db");
    let accounts = queue_server::accounts::Accounts::new(
        conn,
        queue_server::accounts::Policy::default(),
        std::sync::Arc::new(queue_server::Config::demo().centre.schedule.clone()),
    );
    let token = accounts
        .add_device("Kiosk sảnh B", queue_server::config::Role::Kiosk, &[], "cli", jiff::Timestamp::now())
        .expect("device");
    let (status, ticket) = app.post("/api/v1/tickets", Some(&token), Some(json!({ "service": "DD" }))).await;
    assert_eq!(status, 201, "{ticket}");
    let (status, _) = app.post("/api/v1/counters/1/open", Some(&token), None).await;
    assert_eq!(status, 403, "a kiosk is not a counter");
    let (status, _) = app.post("/api/v1/tickets", Some("dev-unknown"), Some(json!({ "service": "DD" }))).await;
    assert_eq!(status, 401);
    let actor: String = rusqlite::Connection::open(&app.db)
        .and_then(|c| c.query_row("SELECT actor FROM events WHERE kind = 'ticket_issued'", [], |r| r.get(0)))
        .expect("event");
    assert_eq!(actor, "token:Kiosk sảnh B");
    app.stop().await;
}
