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
    let source = crate::store::schema::open(db).with_context(|| format!("không mở được {}", db.display()))?;
    let mut partial = dest.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let pages = {
        let mut copy =
            rusqlite::Connection::open(&partial).with_context(|| format!("không ghi được {}", partial.display()))?;
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
        pages
    };
    std::fs::rename(&partial, dest).with_context(|| format!("không đặt được {}", dest.display()))?;
    let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
    Ok(Summary { pages, bytes, took: started.elapsed() })
}

/// `queue-server backup`.
#[derive(Debug, Parser)]
#[command(
    name = "queue-server backup",
    about = "Sao lưu cơ sở dữ liệu của trung tâm khi máy chủ đang chạy (bản sao nhất quán, đã kiểm tra toàn vẹn)"
)]
struct Args {
    /// Tệp sao lưu sẽ ghi (ghi đè khi sao lưu xong và kiểm tra đạt).
    #[arg(value_name = "TỆP")]
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
    let args =
        match Args::try_parse_from(std::iter::once("queue-server backup".to_string()).chain(args[1..].iter().cloned()))
        {
            Ok(a) => a,
            Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => {
                write!(out, "{e}")?;
                return Ok(());
            }
            Err(e) => bail!("{}", e.render().to_string().trim()),
        };
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
