//! `queue-server backup FILE`: a consistent copy of the centre's database while the server runs,
//! through SQLite's online backup API.
//!
//! The copy is taken in one step under a read transaction (WAL: the server's writer goes on
//! meanwhile), so it holds exactly what was committed when it started: every ticket acknowledged
//! before the backup began. It is written to `FILE.partial`, checked with `PRAGMA
//! integrity_check`, and only then renamed to `FILE`, so a failed backup never replaces a good one.
//! Restore: stop the server, copy the file over the database (removing its `-wal` and `-shm`
//! files), start the server.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use rusqlite::backup::{Backup, StepResult};

/// What a backup did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Pages copied.
    pub pages: i32,
    /// Bytes of the copy.
    pub bytes: u64,
    /// How long it took.
    pub took: Duration,
}

/// Copies the database at `db` to `dest` (see the module's description). Errors: the database
/// cannot be read, the destination's folder cannot be written, or the copy fails its integrity check.
pub fn backup(db: &Path, dest: &Path) -> anyhow::Result<Summary> {
    let started = Instant::now();
    // Writing the copy over the live database (or its journal) would replace the file the server
    // holds open and lose everything after it: refused.
    if let (Some(target), Ok(live)) = (resolved(dest), db.canonicalize()) {
        let mut journal = live.as_os_str().to_owned();
        journal.push("-");
        let journal = journal.to_string_lossy().into_owned();
        if target == live || target.to_string_lossy().starts_with(&journal) {
            bail!("tệp sao lưu {} chính là cơ sở dữ liệu đang dùng; chọn tệp khác", dest.display());
        }
    }
    if dest.is_dir() {
        bail!(
            "{} là một thư mục; cần đường dẫn tệp sao lưu, ví dụ {}/motcua-sao-luu.db",
            dest.display(),
            dest.display()
        );
    }
    let mut partial = dest.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let copied = copy(db, &partial);
    if copied.is_err() {
        // Nothing half-written is left behind (a full disk stays no fuller than before).
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let mut leftover = partial.as_os_str().to_owned();
            leftover.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(leftover));
        }
    }
    let pages = copied?;
    std::fs::rename(&partial, dest).with_context(|| format!("không đặt được {}", dest.display()))?;
    let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
    Ok(Summary { pages, bytes, took: started.elapsed() })
}

/// `path` made absolute with links resolved, whether or not the file exists yet.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.canonicalize().ok()?,
        _ => std::env::current_dir().ok()?,
    };
    Some(parent.join(path.file_name()?))
}

/// The copy itself, into `partial`: the pages copied.
fn copy(db: &Path, partial: &Path) -> anyhow::Result<i32> {
    let source = crate::store::schema::open(db).with_context(|| format!("không mở được {}", db.display()))?;
    let _ = std::fs::remove_file(partial);
    let pages = {
        let mut copy =
            rusqlite::Connection::open(partial).with_context(|| format!("không ghi được {}", partial.display()))?;
        let backup = Backup::new(&source, &mut copy).context("không bắt đầu sao lưu được")?;
        // All pages in one step: a consistent copy of one moment, however busy the server is.
        let mut tries = 0;
        loop {
            match backup.step(-1).context("sao lưu thất bại")? {
                StepResult::Done => break,
                StepResult::More => {}
                // Another connection holds a write lock on the copy (never here) or the source is
                // mid-checkpoint: try again shortly.
                StepResult::Busy | StepResult::Locked => {
                    tries += 1;
                    if tries > 200 {
                        bail!("cơ sở dữ liệu bận quá lâu, chưa sao lưu được");
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => {}
            }
        }
        let pages = backup.progress().pagecount;
        drop(backup);
        let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if check != "ok" {
            bail!("bản sao không toàn vẹn: {check}");
        }
        // One self-contained file (the server's WAL mode would be copied with the pages).
        let _: String = copy.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        pages
    };
    Ok(pages)
}

/// What the daily backup did at one look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Daily {
    /// The copy taken now, if one was due: its file and summary.
    pub taken: Option<(PathBuf, Summary)>,
    /// Older copies deleted to keep `keep`.
    pub removed: Vec<PathBuf>,
}

/// The file of the copy of service day `day` in `dir`: `motcua-YYYY-MM-DD.db`.
pub fn daily_file(dir: &Path, day: jiff::civil::Date) -> PathBuf {
    dir.join(format!("motcua-{day}.db"))
}

/// The daily backup rule, looked at `now`: the copy of the last day whose `plan.at` (the centre's
/// local time) has passed (today after the hour, else yesterday; see [`daily_file`]) is taken if
/// it is not there yet; then all but the newest `plan.keep` copies in `plan.dir` are deleted (only
/// files named like the copies). A copy named for a day after today (made while the clock was
/// wrong) takes no place among the `keep` and is never deleted: an operator decides on it. Run every minute by the server, so a machine switched off after
/// hours takes the evening's copy when it starts the next morning.
/// Errors: the folder cannot be made or read, or the backup fails ([`backup`]); the older copies
/// are then left alone.
pub fn daily(
    plan: &crate::config::BackupPlan,
    db: &Path,
    zone: &jiff::tz::TimeZone,
    now: jiff::Timestamp,
) -> anyhow::Result<Daily> {
    let local = now.to_zoned(zone.clone());
    let due = if local.time() >= plan.at { Some(local.date()) } else { local.date().yesterday().ok() };
    let mut taken = None;
    if let Some(due) = due {
        let file = daily_file(&plan.dir, due);
        if !file.exists() {
            std::fs::create_dir_all(&plan.dir)
                .with_context(|| format!("không tạo được thư mục sao lưu {}", plan.dir.display()))?;
            let summary = backup(db, &file)?;
            taken = Some((file, summary));
        }
    }
    let today = local.date();
    let mut copies: Vec<PathBuf> = std::fs::read_dir(&plan.dir)
        .with_context(|| format!("không đọc được thư mục sao lưu {}", plan.dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.strip_prefix("motcua-")
                .and_then(|n| n.strip_suffix(".db"))
                .and_then(|day| day.parse::<jiff::civil::Date>().ok())
                .is_some_and(|day| day <= today)
        })
        .collect();
    copies.sort();
    let extra = copies.len().saturating_sub(plan.keep as usize);
    let mut removed = Vec::new();
    for old in copies.into_iter().take(extra) {
        std::fs::remove_file(&old).with_context(|| format!("không xoá được bản sao cũ {}", old.display()))?;
        removed.push(old);
    }
    Ok(Daily { taken, removed })
}

/// Looks at the daily backup every minute while the server runs (see [`daily`]).
pub async fn run_daily(
    plan: crate::config::BackupPlan,
    db: PathBuf,
    zone: jiff::tz::TimeZone,
    clock: std::sync::Arc<dyn crate::domain::Clock>,
) {
    if let Err(e) = std::fs::create_dir_all(&plan.dir) {
        tracing::error!(dir = %plan.dir.display(), error = %e, "cannot make the backup folder");
    }
    let mut interval = tokio::time::interval(Duration::from_secs(60));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let (plan, db, zone, now) = (plan.clone(), db.clone(), zone.clone(), clock.now());
        match tokio::task::spawn_blocking(move || daily(&plan, &db, &zone, now)).await {
            Ok(Ok(done)) => {
                if let Some((file, summary)) = &done.taken {
                    tracing::info!(file = %file.display(), bytes = summary.bytes, ms = summary.took.as_millis() as u64, "daily backup taken");
                }
                for old in &done.removed {
                    tracing::info!(file = %old.display(), "old backup removed");
                }
            }
            Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "daily backup failed; trying again in a minute"),
            Err(e) => tracing::error!(error = %e, "daily backup task failed"),
        }
    }
}

/// `queue-server backup`.
#[derive(Debug, Parser)]
#[command(
    name = "queue-server backup",
    about = "Sao lưu cơ sở dữ liệu của trung tâm khi máy chủ đang chạy (bản sao nhất quán, đã kiểm tra toàn vẹn)",
    disable_help_flag = true,
    next_help_heading = "Tùy chọn",
    help_template = crate::cli::HELP_TEMPLATE
)]
struct Args {
    #[command(flatten)]
    help: crate::cli::HelpFlag,
    /// Tệp sao lưu sẽ ghi (ghi đè khi sao lưu xong và kiểm tra đạt).
    #[arg(value_name = "TỆP", help_heading = "Đối số")]
    file: PathBuf,
    /// Tệp SQLite của máy chủ; mặc định theo [server] db trong cấu hình.
    #[arg(long, value_name = "TỆP")]
    db: Option<PathBuf>,
    /// Tệp cấu hình TOML của trung tâm.
    #[arg(long, value_name = "TỆP")]
    config: Option<PathBuf>,
}

/// Runs `queue-server backup …` (`args` begins with `backup`).
pub fn run(args: &[String], out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let words = std::iter::once("queue-server backup".to_string()).chain(args.iter().skip(1).cloned());
    let Some(args) = crate::cli::parse::<Args>(words, "queue-server backup", out)? else { return Ok(()) };
    let db = match (&args.db, &args.config) {
        (Some(db), _) => db.clone(),
        (None, Some(config)) => {
            let text =
                std::fs::read_to_string(config).with_context(|| format!("không đọc được {}", config.display()))?;
            let config = crate::Config::parse(&config.display().to_string(), &text)?;
            config.db.context("cấu hình không có [server] db; chỉ rõ --db")?
        }
        (None, None) => bail!("cần --db TỆP (tệp SQLite của máy chủ) hoặc --config TỆP.toml"),
    };
    if !db.exists() {
        bail!("không có cơ sở dữ liệu {}", db.display());
    }
    let summary = backup(&db, &args.file)?;
    writeln!(
        out,
        "Đã sao lưu {} vào {}: {} trang, {:.1} MB, {} ms; kiểm tra toàn vẹn: đạt.",
        db.display(),
        args.file.display(),
        summary.pages,
        summary.bytes as f64 / 1_048_576.0,
        summary.took.as_millis()
    )?;
    Ok(())
}
