//! The province end to end: real centre servers (SQLite, the demo configuration with `[hub]`)
//! ship to a real hub on a PostgreSQL the test starts; tickets reach `/province` live, an outage
//! with a restart loses nothing, and the hub's report equals the centre's own.

mod common;

use std::time::{Duration, Instant};

use common::{Centre, Stream, at, centre_in, held, hub, hub_on, percentile};
use jiff::SignedDuration;
use province_hub::db;
use province_hub::pg::LocalCluster;
use queue_server::domain::ManualClock;
use serde_json::{Value, json};

/// `n` fields to issue tickets for, round robin over the fields with walk-in places left today.
async fn spread(centre: &Centre, n: usize) -> Vec<String> {
    let (status, services) = centre.get("/api/v1/services", "demo-kiosk").await;
    assert_eq!(status, 200);
    let mut left: Vec<(String, u64)> = services["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| (s["code"].as_str().unwrap_or_default().to_string(), s["remaining_today"].as_u64().unwrap_or(0)))
        .collect();
    let mut plan = Vec::new();
    while plan.len() < n {
        let before = plan.len();
        for (code, places) in left.iter_mut().filter(|(_, p)| *p > 0) {
            if plan.len() < n {
                plan.push(code.clone());
                *places -= 1;
            }
        }
        assert!(plan.len() > before, "the demo centre has fewer than {n} walk-in places today");
    }
    plan
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tickets_issued_and_called_at_three_centres_show_on_the_province_view_live() {
    let cluster = LocalCluster::start(false).expect("postgres starts");
    let hub = hub(&cluster.url()).await;
    let viewer = db::add_viewer(&hub.hub.pool, "Giám sát tỉnh", None).await.expect("viewer");
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(at("2026-11-23", "08:00"));
    let mut centres = Vec::new();
    for code in ["000.00.01.H40", "000.01.01.H40", "000.02.01.H40"] {
        let token = db::add_centre(&hub.hub.pool, code, code, "").await.expect("centre");
        let centre = Centre::start(dir.path(), &hub.base, code, &token, clock.clone()).await;
        assert_eq!(centre.counter(1, "open").await, 200);
        centres.push(centre);
    }
    let mut stream = Stream::open(&format!("{}/api/v1/province/stream", hub.base), Some(&viewer)).await;
    // Until every centre has shown up once.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let view = stream.next_view(deadline).await.expect("a view before the deadline");
        if centres.iter().all(|c| centre_in(&view, &c.code).is_some_and(|v| v["uplink"]["seconds_since"].is_number())) {
            break;
        }
    }
    let mut latencies = Vec::new();
    let mut waiting = [0u64; 3];
    let mut served = [0u64; 3];
    for round in 0..12 {
        for (i, centre) in centres.iter().enumerate() {
            // Two tickets, then (every other round) one called and finished.
            let action = if round % 2 == 1 { "call" } else { "issue" };
            let done = Instant::now();
            if action == "issue" {
                centre.issue("DD").await;
                waiting[i] += 1;
            } else {
                let _ = centre.counter(1, "done").await;
                assert_eq!(centre.counter(1, "next").await, 200);
                waiting[i] -= 1;
                if round > 1 {
                    served[i] += 1;
                }
            }
            let sent = Instant::now();
            let _ = done;
            let deadline = sent + Duration::from_secs(10);
            loop {
                let view = stream.next_view(deadline).await.unwrap_or_else(|| {
                    panic!("{}: waiting {} not shown on /province within 10 s", centre.code, waiting[i])
                });
                let line = centre_in(&view, &centre.code).expect("listed");
                if line["waiting"] == waiting[i] && line["served_today"] == served[i] {
                    latencies.push(sent.elapsed());
                    break;
                }
            }
        }
    }
    println!(
        "province view latency over {} ticket actions at 3 centres: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        latencies.len(),
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 100.0)
    );
    // The drill-down shows the centre's fields and counters.
    let detail: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/province/centres/{}", hub.base, centres[0].code))
        .bearer_auth(&viewer)
        .send()
        .await
        .expect("detail")
        .json()
        .await
        .expect("json");
    let dd = detail["overview"]["fields"].as_array().expect("fields").iter().find(|f| f["code"] == "DD").expect("DD");
    assert_eq!(dd["waiting"], waiting[0]);
    assert!(
        detail["overview"]["counters"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["number"] == 1 && c["state"] == "open"))
    );
    // A centre supervisor sees only their centre.
    let own = db::add_viewer(&hub.hub.pool, "Giám sát xã", Some(&centres[1].code)).await.expect("viewer");
    let http = reqwest::Client::new();
    let mine: Value = http
        .get(format!("{}/api/v1/province/centres", hub.base))
        .bearer_auth(&own)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let codes: Vec<&str> =
        mine["centres"].as_array().expect("list").iter().filter_map(|c| c["code"].as_str()).collect();
    assert_eq!(codes, [centres[1].code.as_str()]);
    let other = http
        .get(format!("{}/api/v1/province/centres/{}", hub.base, centres[0].code))
        .bearer_auth(&own)
        .send()
        .await
        .expect("other");
    assert_eq!(other.status().as_u16(), 403);
    let nobody = http.get(format!("{}/api/v1/province/centres", hub.base)).send().await.expect("anon");
    assert_eq!(nobody.status().as_u16(), 401);
    // The public page's figures: waiting per field and the centre's estimate, no personal data.
    let public: Value =
        http.get(format!("{}/api/v1/public/waits", hub.base)).send().await.expect("public").json().await.expect("json");
    let c0 = public["centres"]
        .as_array()
        .expect("centres")
        .iter()
        .find(|c| c["code"] == centres[0].code.as_str())
        .expect("listed");
    let dd = c0["fields"].as_array().expect("fields").iter().find(|f| f["code"] == "DD").expect("DD");
    assert_eq!(dd["waiting"], waiting[0]);
    assert!(!public.to_string().contains("current") && !public.to_string().contains("officer"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hub_outage_with_a_centre_restart_loses_nothing_and_refuses_no_ticket() {
    let cluster = LocalCluster::start(false).expect("postgres starts");
    let pool = db::pool(&cluster.url(), 2).expect("pool");
    db::migrate(&pool).await.expect("migrates");
    let code = "000.05.01.H50";
    let token = db::add_centre(&pool, code, "Bộ phận Một cửa xã E", "").await.expect("centre");
    // The hub's address, with nothing listening on it yet.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = reserved.local_addr().expect("addr");
    drop(reserved);
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(at("2026-11-23", "08:00"));
    let mut centre = Centre::start(dir.path(), &format!("http://{addr}"), code, &token, clock.clone()).await;
    let start_id = centre.log().last().map_or(0, |e| e.0);

    // The hub is down: 250 tickets, a restart, 250 more; every one issued.
    let mut down = Vec::new();
    let plan = spread(&centre, 750).await;
    for (i, field) in plan[..500].iter().enumerate() {
        if i == 250 {
            centre.restart().await;
        }
        let (_, took) = centre.issue(field).await;
        down.push(took);
    }
    let log = centre.log();
    assert!(log.len() as i64 - start_id >= 500, "500 events written while the hub was away");
    // The supervisor sees the backlog and why.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, uplink) = centre.get("/api/v1/supervisor/uplink", "demo-supervisor").await;
        assert_eq!(status, 200, "{uplink}");
        if uplink["error_code"] == "unreachable" && uplink["backlog"].as_u64() >= Some(500) {
            assert!(uplink["error"].as_str().is_some_and(|e| e.contains("máy chủ tỉnh")), "{uplink}");
            // The centre's metrics carry the same backlog for the province's scraper.
            let text = centre
                .http
                .get(format!("{}/metrics", centre.base))
                .bearer_auth("demo-supervisor")
                .send()
                .await
                .expect("scrapes")
                .text()
                .await
                .expect("text");
            let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("parses");
            let backlog = scrape.samples.iter().find(|x| x.metric == "motcua_uplink_backlog_events").map(|x| &x.value);
            assert!(matches!(backlog, Some(prometheus_parse::Value::Gauge(v)) if *v >= 500.0), "{backlog:?} in {text}");
            break;
        }
        assert!(Instant::now() < deadline, "backlog not shown: {uplink}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The hub comes back on its address: everything arrives, once, in order.
    let listener = tokio::net::TcpListener::bind(addr).await.expect("the hub's port again");
    let hub = hub_on(&cluster.url(), listener).await;
    centre.wait_shipped(&hub.hub, Duration::from_secs(60)).await;
    assert_eq!(held(&hub.hub, code).await, centre.log(), "every event exactly once, in order, as written");

    // With the hub up.
    let mut up = Vec::new();
    for field in &plan[500..] {
        let (_, took) = centre.issue(field).await;
        up.push(took);
    }
    centre.wait_shipped(&hub.hub, Duration::from_secs(30)).await;
    assert_eq!(held(&hub.hub, code).await, centre.log());
    let (_, uplink) = centre.get("/api/v1/supervisor/uplink", "demo-supervisor").await;
    assert!(uplink["error_code"].is_null(), "{uplink}");
    let client = hub.hub.pool.get().await.expect("client");
    let broken: Option<i64> =
        client.query_one("SELECT chain_break_id FROM centres WHERE code = $1", &[&code]).await.expect("row").get(0);
    assert_eq!(broken, None, "the chain holds across the restart");
    println!(
        "ticket latency (ms), hub down: p50 {:.1}, p99 {:.1}; hub up: p50 {:.1}, p99 {:.1}; 0 refused of {}",
        percentile(&down, 50.0),
        percentile(&down, 99.0),
        percentile(&up, 50.0),
        percentile(&up, 99.0),
        down.len() + up.len()
    );
}

async fn sign_in(centre: &Centre, user: &str, password: &str) -> (reqwest::Client, String, String) {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let cookie = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(|v| v.split(';').next().unwrap_or_default().to_string())
            .expect("cookie")
    };
    let between = |text: &str, before: &str| {
        let start = text.find(before).expect("marker") + before.len();
        text[start..].split('"').next().unwrap_or_default().to_string()
    };
    let page = http.get(format!("{}/login", centre.base)).send().await.expect("login page");
    let form_cookie = cookie(&page, "motcua_login");
    let form = between(&page.text().await.expect("html"), "name=\"_form\" value=\"");
    let answer = http
        .post(format!("{}/login", centre.base))
        .header("cookie", form_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={user}&password={password}&next=&_form={form}"))
        .send()
        .await
        .expect("signs in");
    assert_eq!(answer.status().as_u16(), 303);
    let session = cookie(&answer, "motcua_session");
    let html = http.get(format!("{}/counter", centre.base)).header("cookie", &session).send().await.expect("page");
    let csrf = between(&html.text().await.expect("html"), "<meta name=\"csrf\" content=\"");
    (http, session, csrf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_hubs_report_of_a_centre_equals_the_centres_own_figure_by_figure() {
    let cluster = LocalCluster::start(false).expect("postgres starts");
    let hub = hub(&cluster.url()).await;
    let viewer = db::add_viewer(&hub.hub.pool, "Giám sát tỉnh", None).await.expect("viewer");
    let code = "000.06.01.H60";
    let token = db::add_centre(&hub.hub.pool, code, "Bộ phận Một cửa phường F", "").await.expect("centre");
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = ManualClock::new(at("2026-11-23", "07:40"));
    let centre = Centre::start(dir.path(), &hub.base, code, &token, clock.clone()).await;
    let (officer, session, csrf) = sign_in(&centre, "canbo1", "demo-canbo1").await;
    let staff = |path: &str| {
        officer
            .post(format!("{}{path}", centre.base))
            .header("cookie", &session)
            .header("x-csrf-token", &csrf)
            .json(&json!({}))
    };
    let r = officer
        .post(format!("{}/api/v1/staff/counter", centre.base))
        .header("cookie", &session)
        .header("x-csrf-token", &csrf)
        .json(&json!({ "counter": 1 }))
        .send()
        .await
        .expect("takes counter 1");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(centre.counter(9, "open").await, 200);
    // Two days of arrivals, calls, absences and ratings, by a signed-in officer and a counter token.
    for (day, first) in [("2026-11-23", "07:40"), ("2026-11-24", "07:40")] {
        clock.set(at(day, first));
        for step in 0..24u32 {
            clock.advance(SignedDuration::from_mins(i64::from(2 + step % 5)));
            centre.issue(["DD", "TP", "CA", "DD"][(step % 4) as usize]).await;
            if step % 2 == 1 {
                let _ = staff("/api/v1/counters/1/done").send().await;
                if staff("/api/v1/counters/1/next").send().await.expect("next").status().as_u16() == 200 {
                    clock.advance(SignedDuration::from_mins(1));
                    let action = if step % 7 == 3 { "no-show" } else { "serve" };
                    assert_eq!(
                        staff(&format!("/api/v1/counters/1/{action}")).send().await.expect("acts").status().as_u16(),
                        200
                    );
                }
                let _ = centre.counter(9, "done").await;
                if centre.counter(9, "next").await == 200 {
                    centre.counter(9, "serve").await;
                }
            }
            if step % 3 == 2 {
                let score = [3, 1, 2, 3, 2][(step / 3 % 5) as usize];
                let counter = [1, 9][(step / 3 % 2) as usize];
                let (status, body) =
                    centre.post("/api/v1/ratings", "demo-kiosk", json!({ "score": score, "counter": counter })).await;
                assert_eq!(status, 201, "{body}");
            }
        }
        let _ = staff("/api/v1/counters/1/done").send().await;
        let _ = centre.counter(9, "done").await;
    }
    centre.wait_shipped(&hub.hub, Duration::from_secs(30)).await;

    let query = "from=2026-11-23&to=2026-11-24";
    let (status, own) = centre.get(&format!("/api/v1/reports?{query}"), "demo-supervisor").await;
    assert_eq!(status, 200, "{own}");
    let http = reqwest::Client::new();
    let province = |format: &str| {
        http.get(format!("{}/api/v1/province/report?centre={code}&{query}&format={format}", hub.base))
            .bearer_auth(&viewer)
    };
    let theirs: Value = province("json").send().await.expect("report").json().await.expect("json");
    assert!(own["total"]["tickets"].as_u64() >= Some(40), "{}", own["total"]);
    assert!(!own["officers"].as_array().expect("officers").is_empty(), "an officer's row");
    // Figure by figure; overdue dossiers are the province system's figure, not in the event log.
    let strip = |mut r: Value| {
        for group in ["fields", "counters", "officers"] {
            for row in r[group].as_array_mut().into_iter().flatten() {
                row["overdue"] = Value::Null;
            }
        }
        r["total"]["overdue"] = Value::Null;
        r
    };
    assert_eq!(strip(theirs.clone()), strip(own.clone()));

    // The files read back: the same cells but the last column (overdue dossiers).
    let centre_csv = centre
        .http
        .get(format!("{}/api/v1/reports.csv?{query}", centre.base))
        .bearer_auth("demo-supervisor")
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let hub_csv = province("csv").send().await.expect("csv").text().await.expect("text");
    let rows = |text: &str| -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .map(|r| {
                let r = r.expect("record");
                r.iter().take(r.len() - 1).map(String::from).collect()
            })
            .collect()
    };
    let (a, b) = (rows(&centre_csv), rows(&hub_csv));
    assert!(a.len() > 5);
    assert_eq!(a, b);
    let xlsx = |bytes: Vec<u8>| -> Vec<Vec<String>> {
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("xlsx");
        let mut out = Vec::new();
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name).expect("sheet");
            for row in range.rows() {
                out.push(row.iter().take(row.len() - 1).map(|c| c.to_string()).collect());
            }
        }
        out
    };
    let centre_xlsx = centre
        .http
        .get(format!("{}/api/v1/reports.xlsx?{query}", centre.base))
        .bearer_auth("demo-supervisor")
        .send()
        .await
        .expect("xlsx")
        .bytes()
        .await
        .expect("bytes")
        .to_vec();
    let hub_xlsx = province("xlsx").send().await.expect("xlsx").bytes().await.expect("bytes").to_vec();
    let (a, b) = (xlsx(centre_xlsx), xlsx(hub_xlsx));
    assert!(a.len() > 5);
    assert_eq!(a, b);
}
