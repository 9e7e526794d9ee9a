//! `[backup]`: the daily backup the server takes itself ([`crate::backup::daily`]).

use std::path::PathBuf;

use jiff::civil::Time;
use serde::Deserialize;
use toml::Spanned;

use super::{ConfigError, Source};

/// The section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBackup {
    dir: Option<Spanned<String>>,
    at: Option<Spanned<String>>,
    keep: Option<Spanned<u64>>,
}

/// When and where the daily backup is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupPlan {
    /// Folder of the copies, one file `motcua-YYYY-MM-DD.db` per service day.
    pub dir: PathBuf,
    /// Local time (the centre's zone) after which the day's copy is taken; 21:00, after hours.
    /// A server down at that time takes it as soon as it runs (the next morning, too).
    pub at: Time,
    /// Copies kept, newest first; older ones are deleted; 14.
    pub keep: u32,
}

/// The section, or `None` without a `dir`.
pub(super) fn plan(src: &Source<'_>, raw: &RawBackup) -> Result<Option<BackupPlan>, ConfigError> {
    let Some(dir) = &raw.dir else {
        return match (&raw.at, &raw.keep) {
            (Some(at), _) => {
                Err(src.error(at, "backup.dir", "cần thư mục lưu bản sao (dir), ví dụ /var/lib/motcua/backups"))
            }
            (None, Some(keep)) => {
                Err(src.error(keep, "backup.dir", "cần thư mục lưu bản sao (dir), ví dụ /var/lib/motcua/backups"))
            }
            (None, None) => Ok(None),
        };
    };
    if !std::path::Path::new(dir.get_ref().trim()).is_absolute() {
        return Err(src.error(
            dir,
            "backup.dir",
            "cần đường dẫn đầy đủ của thư mục lưu bản sao, ví dụ /var/lib/motcua/backups",
        ));
    }
    let at = match &raw.at {
        None => Time::constant(21, 0, 0, 0),
        Some(at) => super::parse_time(src, at, "backup.at")?,
    };
    let keep = src.number(&raw.keep, "backup.keep", 14, 1..=3650)?;
    Ok(Some(BackupPlan { dir: PathBuf::from(dir.get_ref().trim()), at, keep: u32::try_from(keep).unwrap_or(14) }))
}
