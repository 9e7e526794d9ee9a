//! What every `queue-server` command shares on the command line: clap parsing in Vietnamese
//! ([`motcua_protocol::cli`]), and which centre and database a command works on.

use std::path::PathBuf;

pub use motcua_protocol::cli::{HELP_TEMPLATE, HelpFlag, parse, socket_address, vietnamese};

use crate::config::Config;

/// Which centre and database a command works on: `--config TỆP.toml` or `--demo`, and `--db`.
#[derive(Debug, Clone, clap::Args)]
pub struct Place {
    /// Tệp cấu hình TOML (lĩnh vực và cơ sở dữ liệu của trung tâm)
    #[arg(long, value_name = "TỆP")]
    pub config: Option<PathBuf>,
    /// Trung tâm mẫu (deploy/motcua.example.toml, motcua-demo.db)
    #[arg(long, conflicts_with = "config")]
    pub demo: bool,
    /// Tệp SQLite (mặc định theo cấu hình, hoặc motcua-demo.db với --demo)
    #[arg(long, value_name = "TỆP")]
    pub db: Option<PathBuf>,
}

impl Place {
    /// The configuration and the database file. Errors: neither `--config` nor `--demo`, or the
    /// configuration cannot be read (the message says which line and why, in Vietnamese).
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
