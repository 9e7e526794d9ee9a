//! `queue-server catalogue import TỆP`: imports the procedure catalogue from a CSV or XLSX file
//! into the database the server uses (it may be running: it reloads the catalogue within
//! `RELOAD_EVERY`). Prints what the import adds, changes and removes before applying it;
//! `--dry-run` prints only.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::store::schema;

/// How often a running server looks for a catalogue imported from the command line.
pub const RELOAD_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// `queue-server catalogue …`
#[derive(Debug, Parser)]
#[command(
    name = "queue-server catalogue",
    about = "Nhập danh mục thủ tục hành chính",
    disable_help_subcommand = true,
    disable_help_flag = true,
    subcommand_help_heading = "Lệnh",
    override_usage = "queue-server catalogue import TỆP [--dry-run] (--config TỆP.toml | --demo) [--db TỆP]",
    help_template = HELP_TEMPLATE
)]
pub struct Catalogue {
    #[command(subcommand)]
    command: Command,
    /// In hướng dẫn này
    #[arg(short, long, action = clap::ArgAction::Help, global = true, help_heading = "Tùy chọn")]
    help: Option<bool>,
}

/// Help in Vietnamese (clap's own headings are English).
const HELP_TEMPLATE: &str = "{about}\n\nCách dùng: {usage}\n\n{all-args}";

#[derive(Debug, Subcommand)]
enum Command {
    /// Nhập danh mục từ tệp CSV hoặc XLSX theo cột của CSDL quốc gia về TTHC (thay toàn bộ danh mục)
    #[command(
        help_template = HELP_TEMPLATE,
        next_help_heading = "Tùy chọn",
        override_usage = "queue-server catalogue import TỆP [--dry-run] (--config TỆP.toml | --demo) [--db TỆP]"
    )]
    Import {
        /// Tệp .csv (UTF-8, phân cách bằng , ; hoặc tab) hoặc .xlsx (trang đầu)
        #[arg(value_name = "TỆP", help_heading = "Đối số")]
        file: PathBuf,
        /// Chỉ xem trước thay đổi, không nhập
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        place: Place,
    },
}

/// Which centre and database.
#[derive(Debug, Args)]
pub struct Place {
    /// Tệp cấu hình TOML (lĩnh vực và cơ sở dữ liệu của trung tâm)
    #[arg(long, value_name = "TỆP")]
    config: Option<PathBuf>,
    /// Trung tâm mẫu (deploy/motcua.example.toml, motcua-demo.db)
    #[arg(long, conflicts_with = "config")]
    demo: bool,
    /// Tệp SQLite (mặc định theo cấu hình, hoặc motcua-demo.db với --demo)
    #[arg(long, value_name = "TỆP")]
    db: Option<PathBuf>,
}

impl Place {
    /// The configuration and the database file.
    pub fn open(&self) -> anyhow::Result<(Config, PathBuf)> {
        let config = match &self.config {
            Some(path) => Config::load(path)?,
            None if self.demo => Config::demo(),
            None => anyhow::bail!("cần --config TỆP.toml (hoặc --demo)"),
        };
        let db = self
            .db
            .clone()
            .or_else(|| config.db.clone().filter(|_| self.config.is_some()))
            .unwrap_or_else(|| PathBuf::from(if self.config.is_some() { "motcua.db" } else { "motcua-demo.db" }));
        Ok((config, db))
    }
}

/// A command-line mistake in Vietnamese (clap words its own in English).
fn vietnamese(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ErrorKind};
    let said = |kind| e.get(kind).map(ToString::to_string).unwrap_or_default();
    let what = match e.kind() {
        ErrorKind::InvalidSubcommand => format!("không có lệnh «{}»", said(ContextKind::InvalidSubcommand)),
        ErrorKind::UnknownArgument => format!("không hiểu tùy chọn «{}»", said(ContextKind::InvalidArg)),
        ErrorKind::MissingRequiredArgument => "thiếu tệp danh mục cần nhập".to_string(),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "thiếu lệnh (import)".to_string()
        }
        ErrorKind::ArgumentConflict => "chỉ dùng một trong --config và --demo".to_string(),
        ErrorKind::NoEquals | ErrorKind::InvalidValue => {
            format!("tùy chọn «{}» cần một giá trị", said(ContextKind::InvalidArg))
        }
        _ => "câu lệnh không đúng".to_string(),
    };
    format!("{what}; xem queue-server catalogue --help")
}

/// Runs `queue-server catalogue …` (`args`: the words after `queue-server`, `catalogue` first);
/// writes what it did to `out`.
pub fn run(args: &[String], out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let words = std::iter::once("queue-server catalogue").chain(args.iter().skip(1).map(String::as_str));
    let parsed = match Catalogue::try_parse_from(words) {
        Ok(parsed) => parsed,
        Err(e) if !e.use_stderr() => {
            let _ = write!(out, "{e}");
            return Ok(());
        }
        Err(e) => anyhow::bail!("{}", vietnamese(&e)),
    };
    let Command::Import { file, dry_run, place } = parsed.command;
    let (config, db) = place.open()?;
    let started = std::time::Instant::now();
    let rows = super::read_file(&file)?;
    let catalogue = super::parse(&rows, &config.linh_vuc)?;
    let mut conn = schema::open(&db).with_context(|| format!("không mở được {}", db.display()))?;
    schema::migrate(&mut conn).with_context(|| format!("không cập nhật được cấu trúc {}", db.display()))?;
    let source = file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let changes = if dry_run {
        super::preview(&super::stored(&conn)?, &catalogue)
    } else {
        super::apply(&mut conn, &catalogue, &source, "cli", jiff::Timestamp::now().as_millisecond())?
    };
    writeln!(out, "{}", super::summary(&catalogue, &changes))?;
    if dry_run {
        writeln!(out, "Chưa nhập gì (--dry-run).")?;
    } else {
        let ms = started.elapsed().as_millis();
        writeln!(out, "Đã nhập {} thủ tục vào {} trong {ms} ms.", catalogue.procedures.len(), db.display())?;
    }
    Ok(())
}
