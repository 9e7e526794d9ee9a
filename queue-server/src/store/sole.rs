//! One server per database, and why a database could not be opened, in Vietnamese.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use super::OpenError;
use crate::config::io_vietnamese;

/// The lock file of database `db`: `<db>.lock` beside it.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Makes this process the one server of database `db`: holds an exclusive lock (flock(2)) on
/// `<db>.lock` for as long as the returned file lives. A second `queue-server` started on the same
/// database (a manual run beside the service) is refused at start, instead of numbering tickets
/// on its own copy of the day and handing out numbers the first one gave. The lock goes with the
/// process however it ends (`kill -9` included), so a restart is never refused by a dead server.
///
/// Errors: the lock is held by another process, or the lock file cannot be made (its folder is
/// missing or not writable); each message Vietnamese and naming the file.
pub fn sole_server(db: &Path) -> Result<File, OpenError> {
    let path = lock_path(db);
    if let Some(folder) = db.parent().filter(|f| !f.as_os_str().is_empty() && !f.is_dir()) {
        return Err(OpenError(format!(
            "không có thư mục {} để đặt cơ sở dữ liệu {}; tạo thư mục đó hoặc chọn --db khác",
            folder.display(),
            db.display()
        )));
    }
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| {
        OpenError(format!("không tạo được tệp khóa {} của cơ sở dữ liệu: {}", path.display(), io_vietnamese(&e)))
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(OpenError(format!(
            "cơ sở dữ liệu {} đang được một máy chủ khác dùng (tệp khóa {}); dừng máy chủ đó trước \
             (systemctl stop queue-server) hoặc dùng --db khác",
            db.display(),
            path.display()
        ))),
        Err(TryLockError::Error(e)) => {
            Err(OpenError(format!("không khóa được tệp {}: {}", path.display(), io_vietnamese(&e))))
        }
    }
}

/// Why SQLite could not open or read a database, in Vietnamese (its own words kept after).
pub fn sqlite_vietnamese(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode;
    let said = match e.sqlite_error_code() {
        Some(ErrorCode::CannotOpen) => "không mở được tệp (thư mục không có, hoặc không có quyền đọc và ghi ở đó)",
        Some(ErrorCode::NotADatabase) => "tệp này không phải cơ sở dữ liệu SQLite của motcua",
        Some(ErrorCode::ReadOnly) => "không có quyền ghi vào tệp",
        Some(ErrorCode::PermissionDenied) => "không có quyền truy cập tệp",
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => "tệp đang bị chương trình khác khóa",
        Some(ErrorCode::DiskFull) => "ổ đĩa đã đầy",
        Some(ErrorCode::DatabaseCorrupt) => "tệp bị hỏng; khôi phục từ bản sao lưu (xem README, Sao lưu)",
        _ => "lỗi cơ sở dữ liệu",
    };
    format!("{said} ({e})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_server_on_the_same_database_is_refused_until_the_first_is_gone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("motcua.db");
        let first = sole_server(&db).expect("the first server");
        let second = sole_server(&db).expect_err("a second server on the same file");
        assert!(second.0.contains("đang được một máy chủ khác dùng"), "{second}");
        assert!(second.0.contains(&lock_path(&db).display().to_string()), "{second}");
        // Another database beside it is another centre's: not refused.
        let _other = sole_server(&dir.path().join("other.db")).expect("another database");
        drop(first);
        sole_server(&db).expect("free again once the first is gone");
    }

    #[test]
    fn a_database_that_cannot_be_opened_is_said_in_vietnamese() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("no-such-folder").join("motcua.db");
        let e = super::super::schema::open(&missing).expect_err("no folder");
        assert!(sqlite_vietnamese(&e).starts_with("không mở được tệp"), "{}", sqlite_vietnamese(&e));
        let not_db = dir.path().join("notes.db");
        std::fs::write(&not_db, "đây là ghi chú, không phải cơ sở dữ liệu ".repeat(200)).expect("write");
        let e = super::super::schema::open(&not_db)
            .and_then(|c| c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)))
            .expect_err("not a database");
        assert!(sqlite_vietnamese(&e).starts_with("tệp này không phải"), "{}", sqlite_vietnamese(&e));
        let e = sole_server(&missing).expect_err("no folder for the database");
        assert!(e.0.starts_with("không có thư mục") && e.0.contains("no-such-folder"), "{e}");
    }
}
