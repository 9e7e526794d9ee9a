//! The mixed load: clients issuing tickets, counters calling, finishing and rating.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::stats::Latencies;

/// What one run measured.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Issue latencies.
    pub issue: Latencies,
    /// Latencies of counter actions (next, done) and ratings.
    pub counter: Latencies,
    /// Failed requests.
    pub errors: u64,
    /// Tickets called.
    pub calls: u64,
    /// Ratings recorded.
    pub ratings: u64,
    /// How long the load ran.
    pub elapsed: Duration,
}

/// Runs `clients` issuing clients and one client per counter in `counters` for `run`.
pub async fn run(base: &str, clients: usize, counters: &[u16], services: &[String], run: Duration) -> LoadReport {
    let client =
        reqwest::Client::builder().pool_max_idle_per_host(clients + counters.len()).build().unwrap_or_default();
    let stop = Arc::new(AtomicBool::new(false));
    for &no in counters {
        let _ = client.post(format!("{base}/api/v1/counters/{no}/open")).bearer_auth("demo-supervisor").send().await;
    }
    let start = Instant::now();
    let mut issuers = Vec::new();
    for c in 0..clients {
        let (client, base, stop, services) = (client.clone(), base.to_string(), stop.clone(), services.to_vec());
        issuers.push(tokio::spawn(async move {
            let (mut lat, mut errors, mut i) = (Latencies::default(), 0u64, c);
            while !stop.load(Ordering::Relaxed) {
                let body = json!({ "service": services[i % services.len()] });
                i += 1;
                let t = Instant::now();
                let ok =
                    client.post(format!("{base}/api/v1/tickets")).bearer_auth("demo-kiosk").json(&body).send().await;
                match ok {
                    Ok(r) if r.status().as_u16() == 201 => lat.push(t.elapsed()),
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut officers = Vec::new();
    for &no in counters {
        let (client, base, stop) = (client.clone(), base.to_string(), stop.clone());
        officers.push(tokio::spawn(async move {
            let (mut lat, mut errors, mut calls, mut ratings) = (Latencies::default(), 0u64, 0u64, 0u64);
            let post = |path: String| client.post(format!("{base}{path}")).bearer_auth("demo-supervisor");
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let called = match post(format!("/api/v1/counters/{no}/next")).send().await {
                    Ok(r) if r.status().as_u16() == 200 => r.json::<serde_json::Value>().await.ok(),
                    Ok(r) if r.status().as_u16() == 204 => {
                        lat.push(t.elapsed());
                        tokio::task::yield_now().await;
                        continue;
                    }
                    _ => None,
                };
                let Some(called) = called else {
                    errors += 1;
                    continue;
                };
                lat.push(t.elapsed());
                calls += 1;
                let t = Instant::now();
                match post(format!("/api/v1/counters/{no}/done")).send().await {
                    Ok(r) if r.status().is_success() => lat.push(t.elapsed()),
                    _ => errors += 1,
                }
                let t = Instant::now();
                let rating = json!({ "ticket": called["ticket"]["id"], "score": 1 + (calls % 4) });
                match client.post(format!("{base}/api/v1/ratings")).bearer_auth("demo-kiosk").json(&rating).send().await
                {
                    Ok(r) if r.status().as_u16() == 201 => {
                        lat.push(t.elapsed());
                        ratings += 1;
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors, calls, ratings)
        }));
    }
    tokio::time::sleep(run).await;
    stop.store(true, Ordering::Relaxed);
    let mut report = LoadReport::default();
    for task in issuers {
        if let Ok((lat, errors)) = task.await {
            report.issue.extend(lat);
            report.errors += errors;
        }
    }
    report.elapsed = start.elapsed();
    for task in officers {
        if let Ok((lat, errors, calls, ratings)) = task.await {
            report.counter.extend(lat);
            report.errors += errors;
            report.calls += calls;
            report.ratings += ratings;
        }
    }
    report
}
