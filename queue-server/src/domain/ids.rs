//! Identifier newtypes: each has a private field and a `parse` constructor, so a value in hand is
//! known to be well formed.

use std::fmt;

/// Why a piece of input is not a valid identifier; the message is Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Machine code, e.g. `invalid_service_code`.
    pub code: &'static str,
    /// Vietnamese message.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ParseError {}

fn err(code: &'static str, message: impl Into<String>) -> ParseError {
    ParseError { code, message: message.into() }
}

/// Code of a service (lĩnh vực): 1 to 8 upper-case ASCII letters, digits or `_`, e.g. `DD`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServiceCode(String);

impl ServiceCode {
    /// Parses a code; lower case is accepted and upper-cased.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let code = raw.trim().to_ascii_uppercase();
        let ok = (1..=8).contains(&code.len())
            && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Self(code))
        } else {
            Err(err("invalid_service_code", format!("Mã lĩnh vực «{}» không hợp lệ", raw.trim())))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Number of a counter (quầy), 1 to 999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct CounterNo(u16);

impl CounterNo {
    /// Parses a counter number from text.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        raw.trim()
            .parse::<u16>()
            .ok()
            .and_then(Self::new)
            .ok_or_else(|| err("invalid_counter", format!("Số quầy «{}» không hợp lệ", raw.trim())))
    }

    /// A counter number from an integer, if it is in 1..=999.
    pub fn new(n: u16) -> Option<Self> {
        (1..=999).contains(&n).then_some(Self(n))
    }

    /// The number.
    pub fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for CounterNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Id of a ticket: `YYYYMMDD-SERVICE-NUMBER`, fixed when the ticket is issued.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketId(String);

impl TicketId {
    /// The id of the ticket numbered `number` for `service` on `day`.
    pub fn new(day: jiff::civil::Date, service: &ServiceCode, number: u32) -> Self {
        Self(format!("{:04}{:02}{:02}-{}-{}", day.year(), day.month(), day.day(), service, number))
    }

    /// Parses an id given by a client.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let bad = || err("invalid_ticket_id", format!("Mã phiếu «{}» không hợp lệ", raw.trim()));
        let raw = raw.trim();
        let mut parts = raw.splitn(3, '-');
        let (Some(day), Some(service), Some(number)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let day_ok = day.len() == 8 && day.bytes().all(|b| b.is_ascii_digit());
        let number_ok = !number.is_empty() && number.len() <= 6 && number.bytes().all(|b| b.is_ascii_digit());
        let service = ServiceCode::parse(service).map_err(|_| bad())?;
        if !day_ok || !number_ok {
            return Err(bad());
        }
        Ok(Self(format!("{day}-{service}-{number}")))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The service day it was issued for (`None` for an id whose date is not a real day).
    pub fn day(&self) -> Option<jiff::civil::Date> {
        let d = self.0.get(..8)?;
        let (y, m, dd) = (d.get(..4)?.parse().ok()?, d.get(4..6)?.parse().ok()?, d.get(6..8)?.parse().ok()?);
        jiff::civil::Date::new(y, m, dd).ok()
    }
}

impl fmt::Display for TicketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Receipt code of a dossier (mã hồ sơ), e.g. `H56.22-261120-0003`: 6 to 40 characters of upper-case
/// ASCII letters, digits, `.` and `-`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReceiptCode(String);

impl ReceiptCode {
    /// Parses a code as typed or scanned: spaces around are dropped, lower case is upper-cased.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let code = raw.trim().to_ascii_uppercase();
        let ok = (6..=40).contains(&code.len())
            && code.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !ok {
            return Err(err(
                "invalid_receipt_code",
                "Mã hồ sơ không hợp lệ: mã gồm 6–40 chữ cái, chữ số, dấu chấm hoặc gạch ngang, in trên giấy tiếp nhận",
            ));
        }
        let code = Self(code);
        // In the form of Thông tư 01/2018 its date must be a real one (a misread digit is caught
        // here rather than looked for in vain).
        if let Some((_, date, _)) = code.tt01_parts() {
            if code.tt01().is_none() {
                return Err(ParseError {
                    code: "invalid_receipt_code",
                    message: format!(
                        "Ngày tiếp nhận trong mã hồ sơ («{date}», dạng năm tháng ngày YYMMDD) không có thật; vui lòng kiểm tra lại mã trên giấy tiếp nhận"
                    ),
                });
            }
        }
        Ok(code)
    }

    /// The three parts of the form of Thông tư 01/2018/TT-VPCP, Điều 19
    /// (`V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`: unit, date, sequence) when the code has its shape:
    /// a 6-digit date and a 4-digit sequence after the unit.
    fn tt01_parts(&self) -> Option<(&str, &str, &str)> {
        let mut parts = self.0.rsplitn(3, '-');
        let (sequence, date, unit) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        (digits(sequence, 4) && digits(date, 6) && !unit.is_empty()).then_some((unit, date, sequence))
    }

    /// The receiving unit's code, the date received and the day's sequence number of a code in the
    /// form of Thông tư 01/2018/TT-VPCP, Điều 19 (e.g. `000.00.20.H56-261120-0001`: unit
    /// `000.00.20.H56`, 20 November 2026, number 1); `None` for other forms (sector systems print
    /// their own).
    pub fn tt01(&self) -> Option<(&str, jiff::civil::Date, u16)> {
        let (unit, date, sequence) = self.tt01_parts()?;
        let n = |a: usize, b: usize| date.get(a..b).and_then(|s| s.parse::<i8>().ok());
        let received = jiff::civil::Date::new(2000 + i16::from(n(0, 2)?), n(2, 4)?, n(4, 6)?).ok()?;
        Some((unit, received, sequence.parse().ok()?))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReceiptCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! text_serde {
    ($t:ty) => {
        impl TryFrom<String> for $t {
            type Error = ParseError;
            fn try_from(raw: String) -> Result<Self, ParseError> {
                Self::parse(&raw)
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
    };
}
text_serde!(ServiceCode);
text_serde!(TicketId);

impl TryFrom<u16> for CounterNo {
    type Error = ParseError;
    fn try_from(n: u16) -> Result<Self, ParseError> {
        Self::new(n).ok_or_else(|| err("invalid_counter", format!("Số quầy «{n}» không hợp lệ")))
    }
}

impl From<CounterNo> for u16 {
    fn from(n: CounterNo) -> u16 {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_code_is_upper_cased_and_bounded() {
        assert_eq!(ServiceCode::parse(" dd ").map(|c| c.to_string()), Ok("DD".to_string()));
        assert!(ServiceCode::parse("").is_err());
        assert!(ServiceCode::parse("TOOLONGCODE").is_err());
        assert!(ServiceCode::parse("Đ").is_err());
        assert_eq!(ServiceCode::parse("x y").map_err(|e| e.code), Err("invalid_service_code"));
    }

    #[test]
    fn counter_number_is_between_1_and_999() {
        assert_eq!(CounterNo::parse("3").map(CounterNo::get), Ok(3));
        assert!(CounterNo::parse("0").is_err());
        assert!(CounterNo::parse("1000").is_err());
        assert!(CounterNo::parse("-1").is_err());
        assert!(CounterNo::parse("ba").is_err());
    }

    #[test]
    fn ticket_id_round_trips_and_rejects_garbage() {
        let day = jiff::civil::date(2026, 11, 21);
        let service = ServiceCode::parse("DD").expect("valid");
        let id = TicketId::new(day, &service, 1012);
        assert_eq!(id.as_str(), "20261121-DD-1012");
        assert_eq!(TicketId::parse("20261121-dd-1012"), Ok(id));
        for bad in ["", "20261121", "20261121-DD", "2026112-DD-1", "20261121-DD-x1", "20261121-Đ-1"] {
            assert!(TicketId::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn receipt_code_accepts_scanned_forms_and_refuses_the_rest() {
        assert_eq!(
            ReceiptCode::parse(" h56.22-261120-0003\n").map(|c| c.to_string()),
            Ok("H56.22-261120-0003".to_string())
        );
        for bad in ["", "abc", "-H56.22-261120", "H56 22 261120", "H56/22/261120", &"A".repeat(41)] {
            assert_eq!(ReceiptCode::parse(bad).map_err(|e| e.code), Err("invalid_receipt_code"), "{bad}");
        }
        // The form of Thông tư 01/2018: unit, date, sequence; an impossible date is refused.
        let code = ReceiptCode::parse("000.00.20.h56-261120-0001").expect("TT 01 form");
        let (unit, date, sequence) = code.tt01().expect("parts");
        assert_eq!((unit, date.to_string(), sequence), ("000.00.20.H56", "2026-11-20".to_string(), 1));
        for impossible in ["000.00.20.H56-261320-0001", "H56.22-260230-0007"] {
            let e = ReceiptCode::parse(impossible).expect_err("no such day");
            assert!(e.message.contains("không có thật"), "{impossible}: {}", e.message);
        }
        // Sector systems' own forms pass as they are.
        assert!(ReceiptCode::parse("HS-2026-00012345").is_ok_and(|c| c.tt01().is_none()));
    }
}
