//! `motcua-bench`: load generator for the queue server.
//!
//! Starts the server in this process on loopback with a fresh database (or targets `--url`), then:
//! 0. times laying out queue tickets as ESC/POS bytes and reports their size;
//! 1. measures the disk's raw rate of single-row durable SQLite commits in the same directory;
//! 2. connects `--subscribers` live clients and times calls until the last of them has each one;
//! 3. runs `--clients` clients issuing tickets and one officer per counter calling, finishing and
//!    rating, for `--seconds`, and prints throughput and latency percentiles.
//!
//! `motcua-bench hub [CENTRES] [EVENTS]` measures the provincial hub taking a province's day at
//! once (see `hub.rs`). `motcua-bench kiosk` measures the kiosk instead: touch to ticket bytes at the printer, cold
//! start to first frame and resident memory at idle. `motcua-bench attack [SECONDS]` runs a
//! centre's normal load beside each attack from the citizens' network (see `attack.rs`).
//!
//! The server runs in durable mode (`synchronous=FULL`): a ticket is acknowledged after its commit
//! is on disk.

mod attack;
mod data;
mod fanout;
mod hub;
mod kiosk;
mod load;
mod raw;
mod stats;
mod ticket;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use queue_server::domain::SystemClock;
use queue_server::{Config, Options};
use stats::ms;

/// Load generator and benchmarks of motcua; prints figures (see docs/benchmarks.md).
#[derive(Debug, clap::Parser)]
#[command(name = "motcua-bench", disable_help_subcommand = true)]
struct Cli {
    #[command(flatten)]
    args: Args,
    #[command(subcommand)]
    command: Option<Bench>,
}

/// The centre's own load test (no subcommand).
#[derive(Debug, clap::Args)]
struct Args {
    /// Clients issuing tickets at once
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// Seconds of load
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Live-stream subscribers for the fan-out test
    #[arg(long, default_value_t = 1000)]
    subscribers: usize,
    /// Calls timed in the fan-out test
    #[arg(long, default_value_t = 30)]
    calls: usize,
    /// A running server to load instead of one started here
    #[arg(long, value_parser = trimmed_url)]
    url: Option<String>,
    /// Folder for the databases
    #[arg(long, default_value = ".")]
    dir: PathBuf,
}

#[derive(Debug, clap::Subcommand)]
enum Bench {
    /// The kiosk: touch to ticket bytes, cold start, memory at idle
    Kiosk,
    /// A centre's normal load beside each attack from the citizens' network
    Attack {
        /// Seconds per attack
        #[arg(default_value_t = 5)]
        seconds: u64,
    },
    /// Importing a province's catalogue and dossiers
    Data,
    /// The provincial hub taking a province's day at once
    Hub {
        /// Centres shipping at once
        #[arg(default_value_t = 300)]
        centres: usize,
        /// Events per centre
        #[arg(default_value_t = 1500)]
        events: usize,
    },
    /// (internal) the server process of `attack`
    #[command(hide = true)]
    AttackServer { dir: PathBuf },
    /// (internal) the kiosk process of `kiosk`
    #[command(hide = true)]
    KioskChild { server: String, dir: PathBuf },
}

fn trimmed_url(raw: &str) -> Result<String, String> {
    Ok(raw.trim_end_matches('/').to_string())
}

/// The demo centre with number ranges and capacities large enough for a load test.
fn bench_config() -> Config {
    let mut config = Config::demo();
    let mut centre = (*config.centre).clone();
    for (i, s) in centre.services.iter_mut().enumerate() {
        let i = u32::try_from(i).unwrap_or(0);
        s.number_start = 1 + i * 60_000;
        s.number_end = (i + 1) * 60_000;
        s.daily_capacity = 60_000;
    }
    config.centre = Arc::new(centre);
    // Every simulated kiosk, counter and board connects from this one machine: the per-client
    // limits that protect a centre from one phone would only measure themselves here.
    config.connections.per_client = 60_000;
    config.streams = queue_server::config::StreamLimits { per_client: 100_000, total: 100_000 };
    config.public_rate_per_minute = 1_000_000;
    config
}

fn committed(store: &queue_server::store::Store) -> (u64, u64) {
    use std::sync::atomic::Ordering::Relaxed;
    (store.counters().transactions.load(Relaxed), store.counters().commands.load(Relaxed))
}

fn main() -> anyhow::Result<()> {
    use clap::Parser;
    let cli = Cli::parse();
    let runtime = || tokio::runtime::Builder::new_multi_thread().enable_all().build();
    match cli.command {
        Some(Bench::Kiosk) => kiosk::run(50),
        Some(Bench::Attack { seconds }) => attack::run(seconds),
        Some(Bench::Data) => {
            let dir = tempfile::tempdir().context("cannot make a working directory")?;
            runtime()?.block_on(data::run(dir.path()))
        }
        Some(Bench::Hub { centres, events }) => runtime()?.block_on(hub::run(centres, events)),
        Some(Bench::AttackServer { dir }) => attack::child(&dir),
        Some(Bench::KioskChild { server, dir }) => kiosk::child(&server, &dir),
        None => runtime()?.block_on(server_main(cli.args)),
    }
}

async fn server_main(args: Args) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.dir)?;
    let work = tempfile::tempdir_in(&args.dir).context("cannot make a working directory")?;
    println!(
        "motcua-bench: {} cores, working directory {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        work.path().display()
    );

    let mut tickets = ticket::run(200)?;
    println!(
        "ticket encoding (58 mm, raster Vietnamese, 200 tickets): {}; {}–{} bytes per ticket ({:.1} s at 9,600 baud); font load {:.1} ms",
        tickets.encode.summary(),
        tickets.bytes.0,
        tickets.bytes.1,
        tickets.serial_seconds,
        ms(tickets.font_load)
    );

    let raw = raw::durable_commits_per_second(work.path(), Duration::from_secs(3))?;
    println!("raw durable SQLite commits (1 row each, WAL, synchronous=FULL): {raw:.0}/s");

    let (base, _server, store) = match &args.url {
        Some(url) => (url.clone(), None, None),
        None => {
            let options = Options {
                config: bench_config(),
                db: work.path().join("bench.db"),
                demo: true,
                clock: Arc::new(SystemClock),
            };
            let app = queue_server::build(options)?;
            let store = app.store().clone();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let base = format!("http://{}", listener.local_addr()?);
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let server = tokio::spawn(queue_server::run(listener, app, async move {
                let _ = stopped.await;
            }));
            (base, Some((stop, server)), Some(store))
        }
    };

    // Fan-out: tickets waiting for counter 12 (VH, TT, TC, GD), then calls with many subscribers.
    let http = reqwest::Client::new();
    for _ in 0..args.calls {
        http.post(format!("{base}/api/v1/tickets"))
            .bearer_auth("demo-kiosk")
            .json(&serde_json::json!({ "service": "VH" }))
            .send()
            .await?;
    }
    let mut fan = fanout::run(&base, args.subscribers, args.calls, 12).await?;
    println!(
        "SSE fan-out, {} subscribers, {} calls: call → last subscriber {}; any delivery p99 {:.1} ms; missing {}",
        args.subscribers,
        args.calls,
        fan.last.summary(),
        ms(fan.each.percentile(99.0)),
        fan.missing
    );

    let counters: Vec<u16> = (1..=11).collect();
    let services: Vec<String> =
        ["DD", "XD", "TP", "KD", "LD", "GT", "CA", "TN", "CT", "NN", "YT"].iter().map(|s| s.to_string()).collect();
    let before = store.as_ref().map(committed);
    let started = Instant::now();
    let mut report = load::run(&base, args.clients, &counters, &services, Duration::from_secs(args.seconds)).await;
    let secs = report.elapsed.as_secs_f64().max(f64::EPSILON);
    let issues = report.issue.len() as f64 / secs;
    println!(
        "load, {} issuing clients + {} counters for {:.1} s (durable):",
        args.clients,
        counters.len(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "  ticket issues: {} in all, {issues:.0}/s ({:.1}x the raw commit rate); {}",
        report.issue.len(),
        issues / raw,
        report.issue.summary()
    );
    println!(
        "  counter calls {}, ratings {} ({:.0} counter requests/s); {}",
        report.calls,
        report.ratings,
        report.counter.len() as f64 / secs,
        report.counter.summary()
    );
    println!("  failed requests: {}", report.errors);
    if let (Some(store), Some((t0, c0))) = (&store, before) {
        let (t1, c1) = committed(store);
        let (transactions, commands) = (t1 - t0, c1 - c0);
        println!(
            "  store: {commands} requests in {transactions} durable transactions ({:.1} requests per commit, {:.0} commits/s)",
            commands as f64 / transactions.max(1) as f64,
            transactions as f64 / secs
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
