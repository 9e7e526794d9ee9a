//! Why an account action was refused, with a machine code and a Vietnamese message.

use jiff::Timestamp;

use crate::domain::ParseError;
use crate::domain::centre::Schedule;

/// Why an account action was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountError {
    /// Unknown user or wrong password (the same answer for both).
    BadCredentials,
    /// Too many wrong passwords; locked until then.
    Locked(Timestamp),
    /// Another officer has that counter.
    CounterTaken(String),
    /// A name or password breaks the rules.
    Invalid(String),
    /// The user already exists.
    Exists(String),
    /// No such user.
    NoSuchUser(String),
    /// Too many sign-ins are being checked; try again in a moment. Nothing changed.
    Busy,
    /// The database failed; nothing changed.
    Unavailable,
}

impl AccountError {
    /// Machine code.
    pub fn code(&self) -> &'static str {
        match self {
            AccountError::BadCredentials => "bad_credentials",
            AccountError::Locked(_) => "account_locked",
            AccountError::CounterTaken(_) => "counter_taken",
            AccountError::Invalid(_) => "invalid_account",
            AccountError::Exists(_) => "user_exists",
            AccountError::NoSuchUser(_) => "unknown_user",
            AccountError::Busy => "sign_in_busy",
            AccountError::Unavailable => "unavailable",
        }
    }

    /// Vietnamese message; `schedule` formats the lock's end in the centre's time.
    pub fn message(&self, schedule: &Schedule) -> String {
        match self {
            AccountError::BadCredentials => "Sai tên đăng nhập hoặc mật khẩu".into(),
            AccountError::Locked(until) => format!(
                "Tài khoản tạm khoá vì nhập sai mật khẩu nhiều lần; thử lại sau {} hoặc nhờ quản trị mở khoá",
                schedule.local_hhmm(*until)
            ),
            AccountError::CounterTaken(by) => format!("Quầy này đang do {by} sử dụng"),
            AccountError::Invalid(why) => why.clone(),
            AccountError::Exists(user) => format!("Tài khoản «{user}» đã có"),
            AccountError::NoSuchUser(user) => format!("Không có tài khoản «{user}»"),
            AccountError::Busy => "Hệ thống đang kiểm tra nhiều lượt đăng nhập, vui lòng thử lại sau ít giây".into(),
            AccountError::Unavailable => "Hệ thống tạm thời không ghi được dữ liệu, vui lòng thử lại".into(),
        }
    }
}

impl From<rusqlite::Error> for AccountError {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!(error = %e, "account store failed");
        AccountError::Unavailable
    }
}

impl From<ParseError> for AccountError {
    fn from(e: ParseError) -> Self {
        AccountError::Invalid(e.message)
    }
}
