//! Errors of the device drivers. Each keeps its source; messages are Vietnamese because they end up
//! in front of an installer or on the supervisor's dashboard.

use std::fmt;
use std::io;

use motcua_protocol::display::{DecodeError, EncodeError};

use crate::printer::PrinterStatus;

/// A device error.
#[derive(Debug)]
pub enum Error {
    /// Reading or writing the device failed.
    Io(io::Error),
    /// Opening or configuring a serial port failed.
    Serial(serialport::Error),
    /// The device did not answer in time.
    Timeout,
    /// The printer is not able to print.
    NotReady(PrinterStatus),
    /// The ESC/POS encoder refused the content.
    Encode(escpos::errors::PrinterError),
    /// No usable font for Vietnamese text.
    Font(String),
    /// A display frame could not be encoded.
    Frame(EncodeError),
    /// A display answered with bytes that are not a valid frame.
    Reply(DecodeError),
    /// A display answered with something other than what was asked.
    UnexpectedReply,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "lỗi đọc/ghi thiết bị: {e}"),
            Error::Serial(e) => write!(f, "không mở được cổng nối tiếp: {e}"),
            Error::Timeout => f.write_str("thiết bị không trả lời"),
            Error::NotReady(status) => write!(f, "máy in chưa sẵn sàng: {}", status.message()),
            Error::Encode(e) => write!(f, "không tạo được lệnh in: {e}"),
            Error::Font(m) => f.write_str(m),
            Error::Frame(e) => write!(f, "không tạo được khung lệnh cho bảng số: {e:?}"),
            Error::Reply(e) => write!(f, "bảng số trả lời sai khung: {e:?}"),
            Error::UnexpectedReply => f.write_str("bảng số trả lời không đúng câu hỏi"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Serial(e) => Some(e),
            Error::Encode(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<serialport::Error> for Error {
    fn from(e: serialport::Error) -> Self {
        Error::Serial(e)
    }
}

impl From<escpos::errors::PrinterError> for Error {
    fn from(e: escpos::errors::PrinterError) -> Self {
        Error::Encode(e)
    }
}
