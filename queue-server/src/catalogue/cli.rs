//! `queue-server catalogue import TỆP`: imports the procedure catalogue from a CSV or XLSX file
//! into the database the server uses (it may be running: it reloads the catalogue within
//! `RELOAD_EVERY`). Prints what the import adds, changes and removes before applying it;
//! `--dry-run` prints only.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::cli::HELP_TEMPLATE;
pub use crate::cli::Place;

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
    #[command(flatten)]
    help: crate::cli::HelpFlag,
}

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

/// Runs `queue-server catalogue …` (`args`: the words after `queue-server`, `catalogue` first);
/// writes what it did to `out`.
pub fn run(args: &[String], out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let words = std::iter::once("queue-server catalogue".to_string()).chain(args.iter().skip(1).cloned());
    let Some(parsed) = crate::cli::parse::<Catalogue>(words, "queue-server catalogue", out)? else { return Ok(()) };
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
