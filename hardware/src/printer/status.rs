//! Real-time status (`DLE EOT n`, answered even while the printer is busy or offline).
//!
//! The escpos crate's `real_time_status` sends `DLE EOT n 00`; Epson documents `DLE EOT n` only, so
//! the three-byte request is built here. Each answer is one byte with bits 1 and 4 set and bits 0
//! and 7 clear; anything else is not a status byte.

use std::time::Duration;

use crate::Error;
use crate::transport::{Transport, read_exact};

/// What the printer can do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrinterStatus {
    /// Ready to print.
    Ready,
    /// Printing works but the roll is nearly used up.
    PaperNearEnd,
    /// No paper.
    PaperOut,
    /// The cover is open.
    CoverOpen,
    /// Offline or not answering.
    Offline,
}

impl PrinterStatus {
    /// Whether a ticket can be printed.
    pub fn can_print(self) -> bool {
        matches!(self, PrinterStatus::Ready | PrinterStatus::PaperNearEnd)
    }

    /// Machine code, as reported to the server.
    pub fn code(self) -> &'static str {
        match self {
            PrinterStatus::Ready => "ready",
            PrinterStatus::PaperNearEnd => "paper_near_end",
            PrinterStatus::PaperOut => "paper_out",
            PrinterStatus::CoverOpen => "cover_open",
            PrinterStatus::Offline => "offline",
        }
    }

    /// Vietnamese description.
    pub fn message(self) -> &'static str {
        match self {
            PrinterStatus::Ready => "sẵn sàng",
            PrinterStatus::PaperNearEnd => "sắp hết giấy",
            PrinterStatus::PaperOut => "hết giấy",
            PrinterStatus::CoverOpen => "nắp máy in đang mở",
            PrinterStatus::Offline => "máy in không trả lời",
        }
    }
}

/// `DLE EOT 1`: printer status.
pub const PRINTER: u8 = 1;
/// `DLE EOT 2`: offline cause.
pub const OFFLINE_CAUSE: u8 = 2;
/// `DLE EOT 4`: roll paper sensor.
pub const PAPER_SENSOR: u8 = 4;

/// The request bytes for status `n`.
pub fn request(n: u8) -> [u8; 3] {
    [0x10, 0x04, n]
}

fn valid(byte: u8) -> bool {
    byte & 0b1001_0011 == 0b0001_0010
}

/// The status from the three answers (printer, offline cause, paper sensor).
pub fn interpret(printer: u8, cause: u8, paper: u8) -> PrinterStatus {
    if !valid(printer) || !valid(cause) || !valid(paper) {
        return PrinterStatus::Offline;
    }
    if cause & 0x04 != 0 {
        return PrinterStatus::CoverOpen;
    }
    if cause & 0x20 != 0 || paper & 0x60 != 0 {
        return PrinterStatus::PaperOut;
    }
    if printer & 0x08 != 0 {
        return PrinterStatus::Offline;
    }
    if paper & 0x0C != 0 {
        return PrinterStatus::PaperNearEnd;
    }
    PrinterStatus::Ready
}

/// Asks the printer; a printer that does not answer within `timeout` per question is `Offline`.
pub fn query(transport: &mut dyn Transport, timeout: Duration) -> Result<PrinterStatus, Error> {
    let mut discard = [0u8; 64];
    while transport.read(&mut discard, Duration::from_millis(1))? > 0 {}
    let mut answers = [0u8; 3];
    for (slot, n) in answers.iter_mut().zip([PRINTER, OFFLINE_CAUSE, PAPER_SENSOR]) {
        transport.write_all(&request(n))?;
        let mut byte = [0u8; 1];
        match read_exact(transport, &mut byte, timeout) {
            Ok(()) => *slot = byte[0],
            Err(Error::Timeout) => return Ok(PrinterStatus::Offline),
            Err(e) => return Err(e),
        }
    }
    Ok(interpret(answers[0], answers[1], answers[2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_map_to_states() {
        assert_eq!(interpret(0x12, 0x12, 0x12), PrinterStatus::Ready);
        assert_eq!(interpret(0x12, 0x12, 0x1E), PrinterStatus::PaperNearEnd);
        assert_eq!(interpret(0x1A, 0x32, 0x72), PrinterStatus::PaperOut);
        assert_eq!(interpret(0x1A, 0x16, 0x12), PrinterStatus::CoverOpen);
        assert_eq!(interpret(0x1A, 0x12, 0x12), PrinterStatus::Offline);
        assert_eq!(interpret(0xFF, 0x12, 0x12), PrinterStatus::Offline, "not a status byte");
        assert_eq!(request(4), [0x10, 0x04, 0x04], "no trailing 00");
    }
}
