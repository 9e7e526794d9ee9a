//! `motcua-bench attack`: the normal work of a centre beside each attack that anyone on the
//! citizens' network can make, with the server's default limits.
//!
//! The server runs in a child process (its memory is its own) on loopback. The normal load comes
//! from the centre's own devices: a kiosk issuing a ticket every 50 ms, a counter calling and
//! finishing, an officer signing in every second from one of ten counter PCs in turn (each
//! within its 10 sign-ins a minute). Each attack comes from other
//! loopback addresses (127.x.y.z, each a phone): sign-in floods, streams resumed from far back and
//! never read, half-sent requests and idle sockets, slot holds, dossier enumeration, anonymous
//! followers of a ticket, made-up bearer tokens. For each phase it prints the kiosk's issue and the
//! officer's sign-in latencies, failures, and the server's peak resident memory.

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use queue_server::domain::SystemClock;
use queue_server::{Config, Options};
use tokio::io::AsyncWriteExt;

use crate::stats::{Latencies, ms};

/// The attacks, in the order they run.
const PHASES: [&str; 8] = [
    "none",
    "sign-in flood",
    "stream replay",
    "idle sockets",
    "hold hoarding",
    "dossier scan",
    "ticket followers",
    "made-up tokens",
];

/// The child: a demo server with default limits on loopback; prints its URL, serves until stdin closes.
pub fn child(dir: &std::path::Path) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let mut config = Config::demo();
    let mut centre = (*config.centre).clone();
    for (i, s) in centre.services.iter_mut().enumerate() {
        let i = u32::try_from(i).unwrap_or(0);
        (s.number_start, s.number_end, s.daily_capacity) = (1 + i * 60_000, (i + 1) * 60_000, 60_000);
    }
    config.centre = Arc::new(centre);
    let options = Options { config, db: dir.join("attack.db"), demo: true, clock: Arc::new(SystemClock) };
    let app = queue_server::build(options)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("http://{}", listener.local_addr()?);
        let stdin_closed = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            while std::io::stdin().read_line(&mut line).map(|n| n > 0).unwrap_or(false) {}
        });
        queue_server::run(listener, app, async move {
            let _ = stdin_closed.await;
        })
        .await?;
        anyhow::Ok(())
    })
}

fn phone(group: u8, n: u16) -> reqwest::Client {
    let [x, y] = n.to_be_bytes();
    let address = IpAddr::V4(Ipv4Addr::new(127, group, x, y.max(1)));
    // Redirects are not followed: a sign-in is its own 303.
    reqwest::Client::builder()
        .local_address(Some(address))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

/// Resident memory of `pid` in MB.
fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .map_or(0.0, |kb: f64| kb / 1024.0)
}

async fn sign_in(http: &reqwest::Client, base: &str, user: &str, password: &str) -> Option<u16> {
    let page = http.get(format!("{base}/login")).send().await.ok()?;
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("motcua_login="))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())?;
    let html = page.text().await.ok()?;
    let token = html.split("name=\"_form\" value=\"").nth(1)?.split('"').next()?.to_string();
    // Names, passwords and the hex token here are plain ASCII: no encoding needed.
    let form = format!("username={user}&password={password}&next=&_form={token}");
    let answer = http
        .post(format!("{base}/login"))
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .ok()?;
    Some(answer.status().as_u16())
}

/// Every slot start of Căn cước – Cư trú offered now, over the booking horizon.
async fn offered_slots(http: &reqwest::Client, base: &str) -> Vec<String> {
    let get = |url: String| async move { http.get(url).send().await.ok()?.json::<serde_json::Value>().await.ok() };
    let Some(services) = get(format!("{base}/api/v1/appointments/services")).await else { return Vec::new() };
    let days: Vec<String> = services["services"]
        .as_array()
        .and_then(|list| list.iter().find(|s| s["code"] == "CA"))
        .and_then(|ca| ca["days"].as_array())
        .map(|days| days.iter().filter_map(|d| d["date"].as_str().map(String::from)).collect())
        .unwrap_or_default();
    let mut starts = Vec::new();
    for day in days {
        if let Some(slots) = get(format!("{base}/api/v1/appointments/slots?service=CA&date={day}")).await {
            let offered = slots["slots"].as_array().into_iter().flatten();
            starts.extend(
                offered.filter(|s| s["left"].as_u64() > Some(0)).filter_map(|s| s["start"].as_str().map(String::from)),
            );
        }
    }
    starts
}

/// Starts one attack; its tasks run until `stop`.
fn start_attack(phase: &str, base: &str, addr: SocketAddr, stop: &Arc<AtomicBool>) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = Vec::new();
    let spawn = |tasks: &mut Vec<_>, f: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>| {
        tasks.push(tokio::spawn(f))
    };
    match phase {
        "sign-in flood" => (0..64u16).for_each(|n| {
            let (base, stop, http) = (base.to_string(), stop.clone(), phone(3, n));
            spawn(
                &mut tasks,
                Box::pin(async move {
                    while !stop.load(Ordering::Relaxed) {
                        let _ = sign_in(&http, &base, "canbo1", "doan-mat-khau").await;
                    }
                }),
            );
        }),
        "stream replay" => (0..20u16).for_each(|n| {
            let (base, stop, http) = (base.to_string(), stop.clone(), phone(4, n));
            spawn(
                &mut tasks,
                Box::pin(async move {
                    // 15 streams each (the cap is 16), resumed from the start of the day, never read.
                    let mut held = Vec::new();
                    for _ in 0..15 {
                        if let Ok(r) =
                            http.get(format!("{base}/api/v1/events")).header("Last-Event-ID", "x:1").send().await
                        {
                            held.push(r);
                        }
                    }
                    while !stop.load(Ordering::Relaxed) {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    drop(held);
                }),
            );
        }),
        "idle sockets" => (0..5u8).for_each(|n| {
            let stop = stop.clone();
            spawn(
                &mut tasks,
                Box::pin(async move {
                    // 60 sockets each from five phones: half a request, then nothing; again when closed.
                    let mut sockets = Vec::new();
                    while !stop.load(Ordering::Relaxed) {
                        sockets.retain(|s: &tokio::net::TcpStream| s.peer_addr().is_ok());
                        while sockets.len() < 60 {
                            let Ok(socket) = tokio::net::TcpSocket::new_v4() else { break };
                            if socket.bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 5, 0, n + 1)), 0)).is_err() {
                                break;
                            }
                            let Ok(mut s) = socket.connect(addr).await else { break };
                            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await;
                            sockets.push(s);
                        }
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }),
            );
        }),
        "hold hoarding" => (0..13u16).for_each(|n| {
            let (base, stop, http) = (base.to_string(), stop.clone(), phone(6, n));
            spawn(
                &mut tasks,
                Box::pin(async move {
                    // Every slot offered, over and over, as a script would.
                    let starts = offered_slots(&http, &base).await;
                    let mut i = usize::from(n);
                    while !stop.load(Ordering::Relaxed) && !starts.is_empty() {
                        i += 1;
                        let body = serde_json::json!({ "service": "CA", "slot": starts[i % starts.len()] });
                        let _ = http.post(format!("{base}/api/v1/appointments/holds")).json(&body).send().await;
                    }
                }),
            );
        }),
        "dossier scan" => (0..20u16).for_each(|n| {
            let (base, stop, http) = (base.to_string(), stop.clone(), phone(7, n));
            spawn(
                &mut tasks,
                Box::pin(async move {
                    let mut i = 0u32;
                    while !stop.load(Ordering::Relaxed) {
                        i += 1;
                        let _ =
                            http.get(format!("{base}/api/v1/dossiers/H56.22-261027-{:04}", i % 10_000)).send().await;
                    }
                }),
            );
        }),
        "ticket followers" => (0..20u16).for_each(|n| {
            let (base, stop, http) = (base.to_string(), stop.clone(), phone(8, n));
            spawn(
                &mut tasks,
                Box::pin(async move {
                    let Ok(ticket) =
                        http.get(format!("{base}/api/v1/tickets/by-number/1")).bearer_auth("demo-kiosk").send().await
                    else {
                        return;
                    };
                    let Ok(ticket) = ticket.json::<serde_json::Value>().await else { return };
                    let id = ticket["id"].as_str().unwrap_or_default().to_string();
                    let mut held = Vec::new();
                    for _ in 0..15 {
                        if let Ok(r) = http.get(format!("{base}/api/v1/tickets/{id}/live")).send().await {
                            held.push(r);
                        }
                    }
                    while !stop.load(Ordering::Relaxed) {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    drop(held);
                }),
            );
        }),
        "made-up tokens" => (0..20u16).for_each(|n| {
            let (base, stop, http) = (base.to_string(), stop.clone(), phone(9, n));
            spawn(
                &mut tasks,
                Box::pin(async move {
                    let mut i = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        i += 1;
                        let body = serde_json::json!({ "service": "DD" });
                        let _ = http
                            .post(format!("{base}/api/v1/tickets"))
                            .bearer_auth(format!("doan-{n}-{i}"))
                            .json(&body)
                            .send()
                            .await;
                    }
                }),
            );
        }),
        _ => {}
    }
    tasks
}

/// One phase's figures.
struct Phase {
    issue: Latencies,
    sign_in: Latencies,
    /// Tickets not issued, sign-ins that did not succeed.
    failed: (usize, usize),
    rss_mb: f64,
}

async fn run_phase(phase: &str, base: &str, addr: SocketAddr, pid: u32, seconds: u64) -> Phase {
    let stop = Arc::new(AtomicBool::new(false));
    let attack = start_attack(phase, base, addr, &stop);
    let failed = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let kiosk = {
        let (base, stop, failed, http) = (base.to_string(), stop.clone(), failed.clone(), phone(0, 1));
        tokio::spawn(async move {
            let mut issue = Latencies::default();
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let t = Instant::now();
                let body = serde_json::json!({ "service": "DD" });
                let sent =
                    http.post(format!("{base}/api/v1/tickets")).bearer_auth("demo-kiosk").json(&body).send().await;
                match sent {
                    Ok(r) if r.status().as_u16() == 201 => issue.push(t.elapsed()),
                    _ => drop(failed.fetch_add(1, Ordering::Relaxed)),
                }
                // The counter calls and finishes beside it.
                for action in ["next", "done"] {
                    let _ = http
                        .post(format!("{base}/api/v1/counters/1/{action}"))
                        .bearer_auth("demo-counter")
                        .send()
                        .await;
                }
            }
            issue
        })
    };
    let officer = {
        let (base, stop, failed) = (base.to_string(), stop.clone(), refused.clone());
        let pcs: Vec<reqwest::Client> = (0..10).map(|n| phone(0, 10 + n)).collect();
        tokio::spawn(async move {
            /// Sign-ins made so far, over every phase: the turn of the counter PCs goes on.
            static TURN: AtomicUsize = AtomicUsize::new(0);
            let mut times = Latencies::default();
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let turn = TURN.fetch_add(1, Ordering::Relaxed);
                let (user, password) =
                    [("canbo1", "demo-canbo1"), ("canbo2", "demo-canbo2"), ("canbo3", "demo-canbo3")][turn % 3];
                let t = Instant::now();
                match sign_in(&pcs[turn % pcs.len()], &base, user, password).await {
                    Some(303) => times.push(t.elapsed()),
                    _ => drop(failed.fetch_add(1, Ordering::Relaxed)),
                }
            }
            times
        })
    };
    let mut peak = rss_mb(pid);
    let until = Instant::now() + Duration::from_secs(seconds);
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(100)).await;
        peak = peak.max(rss_mb(pid));
    }
    stop.store(true, Ordering::Relaxed);
    let issue = kiosk.await.unwrap_or_default();
    let sign_in = officer.await.unwrap_or_default();
    for task in attack {
        task.abort();
    }
    Phase { issue, sign_in, failed: (failed.load(Ordering::Relaxed), refused.load(Ordering::Relaxed)), rss_mb: peak }
}

/// Runs every phase for `seconds` each and prints a line per phase.
pub fn run(seconds: u64) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let exe = std::env::current_exe()?;
    let mut server =
        Command::new(exe).arg("attack-server").arg(dir.path()).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    let mut line = String::new();
    BufReader::new(server.stdout.take().ok_or_else(|| anyhow::anyhow!("no stdout"))?).read_line(&mut line)?;
    let base = line.trim().to_string();
    let addr: SocketAddr = base.trim_start_matches("http://").parse()?;
    let pid = server.id();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    println!(
        "attacks beside a centre's normal load, {seconds} s each, server defaults (kiosk issue every 50 ms, counter call+done, an officer signing in every second from one of 10 counter PCs):"
    );
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let _ = http.post(format!("{base}/api/v1/counters/1/open")).bearer_auth("demo-counter").send().await;
        for phase in PHASES {
            let mut p = run_phase(phase, &base, addr, pid, seconds).await;
            println!(
                "  {phase:<17} kiosk issue p50 {:>5.1} ms p99 {:>6.1} ms ({} issued, {} failed) | officer sign-in p50 {:>6.1} ms p99 {:>7.1} ms ({} in, {} failed) | server RSS peak {:.0} MB",
                ms(p.issue.percentile(50.0)),
                ms(p.issue.percentile(99.0)),
                p.issue.len(),
                p.failed.0,
                ms(p.sign_in.percentile(50.0)),
                ms(p.sign_in.percentile(99.0)),
                p.sign_in.len(),
                p.failed.1,
                p.rss_mb
            );
        }
    });
    drop(server.stdin.take());
    let _ = server.wait();
    Ok(())
}
