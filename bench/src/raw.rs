//! The disk's own limit: single-row durable SQLite commits per second, each waiting for its fsync.

use std::path::Path;
use std::time::{Duration, Instant};

/// Commits one row per transaction for `run` with WAL and `synchronous=FULL`; returns commits/s.
pub fn durable_commits_per_second(dir: &Path, run: Duration) -> anyhow::Result<f64> {
    let path = dir.join("raw-commits.db");
    let conn = rusqlite::Connection::open(&path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")?;
    let mut stmt = conn.prepare("INSERT INTO t (v) VALUES (?1)")?;
    let start = Instant::now();
    let mut commits = 0u64;
    while start.elapsed() < run {
        stmt.execute(["ticket"])?;
        commits += 1;
    }
    Ok(commits as f64 / start.elapsed().as_secs_f64())
}
