//! `motcua-bench hub [CENTRES] [EVENTS]`: a province's day arriving at the hub at once.
//!
//! One centre's day is made for real (the demo server on a manual clock: tickets issued, called,
//! served and finished at a few counters, ratings), and its chained log is read back from SQLite.
//! `CENTRES` registered centres (300 by default) then upload that day (the first `EVENTS`, 1,500
//! by default) at the same moment, in the uplink's batches of 500, to a hub on a PostgreSQL this
//! program starts (PostgreSQL's default durability: fsync on). Meanwhile a probe centre sends one
//! small batch every 250 ms with a new waiting count, and a `/province` stream client times each
//! from the probe's send to the view that shows it.
//!
//! Prints: events ingested per second, the time until every centre is caught up, and the
//! dashboard's update latency under that load.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use jiff::SignedDuration;
use motcua_protocol::api::{FieldLoad, Overview, Satisfaction};
use queue_server::chain::ChainEvent;
use queue_server::domain::ManualClock;
use queue_server::uplink::wire::Batch;
use serde_json::json;

use crate::stats::Latencies;

/// One day of a centre's events, made by the demo server on a manual clock.
async fn one_day(dir: &std::path::Path, wanted: usize) -> anyhow::Result<Vec<ChainEvent>> {
    let db = dir.join("day.db");
    let clock = ManualClock::new("2026-11-23T01:00:00Z".parse()?);
    let options = queue_server::Options {
        config: crate::bench_config(),
        db: db.clone(),
        demo: true,
        clock: Arc::new(clock.clone()),
    };
    let app = queue_server::build(options).map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(queue_server::run(listener, app, async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let post = |path: String, token: &'static str, body: serde_json::Value| {
        let http = http.clone();
        async move { http.post(path).bearer_auth(token).json(&body).send().await.map(|r| r.status().as_u16()) }
    };
    for counter in 1..=4 {
        post(format!("{base}/api/v1/counters/{counter}/open"), "demo-counter", json!({})).await?;
    }
    let count = || -> anyhow::Result<usize> {
        let conn = rusqlite::Connection::open(&db)?;
        Ok(conn.query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))? as usize)
    };
    let mut step = 0u32;
    while count()? < wanted {
        clock.advance(SignedDuration::from_secs(40));
        let service = ["DD", "TP", "CA", "DD", "XD"][(step % 5) as usize];
        post(format!("{base}/api/v1/tickets"), "demo-kiosk", json!({ "service": service })).await?;
        let counter = 1 + step % 4;
        post(format!("{base}/api/v1/counters/{counter}/done"), "demo-counter", json!({})).await?;
        if post(format!("{base}/api/v1/counters/{counter}/next"), "demo-counter", json!({})).await? == 200 {
            post(format!("{base}/api/v1/counters/{counter}/serve"), "demo-counter", json!({})).await?;
        }
        if step % 4 == 1 {
            let score = [3, 2, 3, 1][(step / 4 % 4) as usize];
            post(format!("{base}/api/v1/ratings"), "demo-kiosk", json!({ "score": score, "counter": counter })).await?;
        }
        step += 1;
    }
    let _ = stop.send(());
    let _ = server.await;
    let conn = queue_server::store::schema::open(&db)?;
    let events = queue_server::chain::read_after(&conn, 0, wanted as i64)?;
    Ok(events)
}

fn probe_overview(waiting: u32) -> Overview {
    Overview {
        service_day: "2026-11-23".into(),
        at: "2026-11-23T09:00:00+07:00".into(),
        fields: vec![FieldLoad {
            code: "DD".into(),
            name: "Đất đai".into(),
            waiting,
            longest_wait_minutes: 0,
            average_wait_minutes: None,
            served_today: 0,
            counters_open: 1,
            intake_closed: None,
        }],
        counters: Vec::new(),
        satisfaction: Satisfaction { levels: Vec::new(), total: 0, satisfied_percent: None },
        devices: Vec::new(),
        hours: Vec::new(),
        waits: Vec::new(),
        alerts: Vec::new(),
    }
}

/// Runs the benchmark.
pub async fn run(centres: usize, per_centre: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    println!("making one centre's day ({per_centre} events) on the demo server…");
    let day = Arc::new(one_day(dir.path(), per_centre).await?);
    let bytes: usize = day.iter().map(|e| e.payload.len()).sum();
    println!("  {} events, payloads {:.0} KB", day.len(), bytes as f64 / 1024.0);

    println!("starting PostgreSQL (fsync on) and the hub…");
    let cluster = province_hub::pg::LocalCluster::start(true)?;
    let hub = province_hub::connect(&province_hub::Config::for_database(cluster.url())).await?;
    let mut tokens = Vec::with_capacity(centres);
    for i in 0..centres {
        let code = format!("000.{:02}.{:02}.H99", i / 100, i % 100);
        tokens.push((code.clone(), province_hub::db::add_centre(&hub.pool, &code, &code, "").await?));
    }
    let probe = province_hub::db::add_centre(&hub.pool, "PROBE", "Trung tâm đo", "").await?;
    let viewer = province_hub::db::add_viewer(&hub.pool, "bench", None).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(province_hub::run(listener, hub.clone(), std::future::pending()));
    let http = reqwest::Client::builder().pool_max_idle_per_host(400).build()?;

    // The dashboard client and the probe.
    let mut stream =
        http.get(format!("{base}/api/v1/province/stream")).bearer_auth(&viewer).send().await.context("stream")?;
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<(u32, Instant)>();
    let reader = tokio::spawn(async move {
        let mut buffer = Vec::new();
        while let Ok(Some(chunk)) = stream.chunk().await {
            buffer.extend_from_slice(&chunk);
            while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
                let raw: Vec<u8> = buffer.drain(..end + 2).collect();
                let text = String::from_utf8_lossy(&raw);
                let data: String = text.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
                if let Ok(view) = serde_json::from_str::<serde_json::Value>(&data) {
                    let waiting = view["centres"]
                        .as_array()
                        .and_then(|cs| cs.iter().find(|c| c["code"] == "PROBE"))
                        .and_then(|c| c["waiting"].as_u64());
                    if let Some(w) = waiting {
                        let _ = seen_tx.send((w as u32, Instant::now()));
                    }
                }
            }
        }
    });
    let probe_task = {
        let (http, base, done) = (http.clone(), base.clone(), done.clone());
        tokio::spawn(async move {
            let mut sent: Vec<(u32, Instant)> = Vec::new();
            let mut id = 0i64;
            let mut prev = queue_server::chain::GENESIS.to_string();
            let mut waiting = 0u32;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                waiting += 1;
                id += 1;
                let mut e = ChainEvent {
                    id,
                    at_ms: 1_763_870_400_000 + id,
                    day: "2026-11-23".into(),
                    kind: "ticket_issued".into(),
                    ticket_id: None,
                    service: Some("DD".into()),
                    counter_no: None,
                    dossier: None,
                    actor: None,
                    payload: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = queue_server::chain::event_hash(&prev, &e);
                prev = e.hash.clone();
                let batch = Batch {
                    centre: "PROBE".into(),
                    after: id - 1,
                    events: vec![e],
                    backlog: 0,
                    live: Some(probe_overview(waiting)),
                    waits: None,
                    profile: None,
                };
                let at = Instant::now();
                if http.post(format!("{base}/api/v1/ingest")).bearer_auth(&probe).json(&batch).send().await.is_ok() {
                    sent.push((waiting, at));
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            sent
        })
    };
    // Let the probe and the stream settle before the flood.
    tokio::time::sleep(Duration::from_millis(1000)).await;

    println!("{centres} centres upload {} events each at once…", day.len());
    let started = Instant::now();
    let mut uploads = Vec::with_capacity(centres);
    for (code, token) in tokens {
        let (http, base, day) = (http.clone(), base.clone(), day.clone());
        uploads.push(tokio::spawn(async move {
            let mut after = 0;
            for chunk in day.chunks(500) {
                let batch = Batch {
                    centre: code.clone(),
                    after,
                    events: chunk.to_vec(),
                    backlog: (day.len() as i64 - chunk.last().map_or(0, |e| e.id)).max(0) as u64,
                    live: None,
                    waits: None,
                    profile: None,
                };
                loop {
                    let r = http.post(format!("{base}/api/v1/ingest")).bearer_auth(&token).json(&batch).send().await;
                    match r {
                        Ok(r) if r.status().is_success() => break,
                        Ok(r) => anyhow::bail!("{code}: {}", r.text().await.unwrap_or_default()),
                        Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                }
                after = chunk.last().map_or(after, |e| e.id);
            }
            Ok(started.elapsed())
        }));
    }
    let mut finish = Latencies::default();
    for u in uploads {
        finish.push(u.await??);
    }
    let caught_up = started.elapsed();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let sent = probe_task.await?;
    reader.abort();
    let mut seen = Vec::new();
    while let Ok(view) = seen_rx.try_recv() {
        seen.push(view);
    }
    // Each probe update: the first view at or after its send showing it or a later one (views
    // coalesce: a stream shows the state now, not every step).
    let mut during = Latencies::default();
    let mut missed = 0;
    for (w, at) in &sent {
        match seen.iter().find(|(w2, t)| w2 >= w && t >= at) {
            Some((_, t)) => during.push(*t - *at),
            None => missed += 1,
        }
    }
    let client = hub.pool.get().await?;
    let total: i64 = client.query_one("SELECT count(*) FROM events WHERE centre <> 'PROBE'", &[]).await?.get(0);
    let breaks: i64 =
        client.query_one("SELECT count(*) FROM centres WHERE chain_break_id IS NOT NULL", &[]).await?.get(0);
    println!();
    println!("events ingested: {total} ({} centres × {}), chains broken: {breaks}", centres, day.len());
    println!(
        "caught up in {:.1} s: {:.0} events/s (goal: a province's day in < 30 s)",
        caught_up.as_secs_f64(),
        total as f64 / caught_up.as_secs_f64()
    );
    println!("per centre, time until its day was in: {}", finish.summary());
    println!(
        "dashboard update latency during the upload ({} probe updates, {} never shown): {}",
        during.len(),
        missed,
        during.summary()
    );
    drop(cluster);
    Ok(())
}
