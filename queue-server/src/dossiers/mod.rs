//! Dossiers (hồ sơ) from the province's TTHC system, in the national public service portal's
//! (DVCQG) exchange shapes as the province's integration platform (LGSP) carries them:
//! `DongBoHoSoMC` (a dossier record) and `CapNhatTienDoHoSoMC` (a processing step).
//!
//! Dates are `yyyyMMddHHmmss` in the centre's time zone (Asia/Ho_Chi_Minh); `TrangThaiHoSo` is
//! the DVCQG status number 1–10 ([`DossierStatus::from_dvcqg`]). A batch is checked whole before
//! anything is written: one bad record (unknown status, bad date, over-long field) refuses it,
//! naming the record and the field. Writing a record the store already holds changes nothing, and
//! a step already recorded is not recorded again, so a batch sent twice writes once
//! ([`store::upsert`]).

pub mod apology;
pub mod connector;
pub mod fake_province;
pub mod import;
mod number;
pub mod store;

pub use number::Number;

use jiff::Timestamp;
use motcua_protocol::api::DossierStatus;
use serde::{Deserialize, Serialize};

use crate::domain::ReceiptCode;
use crate::domain::centre::Schedule;

/// Longest code taken (MaTTHC, MaLinhVuc), in characters.
pub const MAX_CODE: usize = 64;
/// Longest name taken (ChuHoSo, TenLinhVuc, a handler or office), in characters.
pub const MAX_NAME: usize = 300;
/// Longest phone number as written (SoDienThoai), in characters.
pub const MAX_PHONE: usize = 20;
/// Longest free text taken (TenTTHC, NoiDungXuLy), in characters.
pub const MAX_TEXT: usize = 2000;
/// Records in one batch at most.
pub const MAX_BATCH: usize = 5000;

/// A postponement (DanhSachHoSoBoSung item): the due date moved, with the reason given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase", default)]
pub struct Postponement {
    /// The due date before, `yyyyMMddHHmmss`.
    pub ngay_hen_tra_truoc: String,
    /// The new due date, `yyyyMMddHHmmss`.
    pub ngay_hen_tra_moi: String,
    /// Why (the apology's reason, Form 04 of Thông tư 01/2018/TT-VPCP).
    pub ly_do: String,
}

/// A dossier record (DongBoHoSoMC).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase", default)]
pub struct DongBoHoSoMC {
    /// Receipt code (mã hồ sơ), e.g. `000.00.20.H56-261120-0001`.
    pub ma_ho_so: String,
    /// Procedure code (mã TTHC).
    #[serde(rename = "MaTTHC")]
    pub ma_tthc: String,
    /// Procedure name.
    #[serde(rename = "TenTTHC")]
    pub ten_tthc: String,
    /// Lĩnh vực code.
    pub ma_linh_vuc: String,
    /// Lĩnh vực name.
    pub ten_linh_vuc: String,
    /// Applicant (chủ hồ sơ).
    pub chu_ho_so: String,
    /// Applicant's phone.
    pub so_dien_thoai: String,
    /// Received, `yyyyMMddHHmmss`.
    pub ngay_tiep_nhan: String,
    /// Due, `yyyyMMddHHmmss`.
    pub ngay_hen_tra: String,
    /// DVCQG status 1–10.
    #[schema(value_type = String)]
    pub trang_thai_ho_so: Option<Number>,
    /// Returned to the citizen, `yyyyMMddHHmmss` (empty until then).
    pub ngay_tra: String,
    /// Postponements, oldest first.
    pub danh_sach_ho_so_bo_sung: Vec<Postponement>,
}

/// A processing step (CapNhatTienDoHoSoMC).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "PascalCase", default)]
pub struct CapNhatTienDoHoSoMC {
    /// Receipt code.
    pub ma_ho_so: String,
    /// Who handled it.
    pub nguoi_xu_ly: String,
    /// When, `yyyyMMddHHmmss`.
    pub thoi_diem_xu_ly: String,
    /// Which office.
    pub phong_ban_xu_ly: String,
    /// What was done (shown to the citizen with the second factor).
    pub noi_dung_xu_ly: String,
    /// DVCQG status 1–10 after the step.
    #[schema(value_type = String)]
    pub trang_thai: Option<Number>,
}

/// A batch pushed by the province's integration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Batch {
    /// Dossier records.
    #[serde(rename = "DongBoHoSoMC")]
    pub ho_so: Vec<DongBoHoSoMC>,
    /// Processing steps.
    #[serde(rename = "CapNhatTienDoHoSoMC")]
    pub tien_do: Vec<CapNhatTienDoHoSoMC>,
}

/// A dossier as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierRow {
    /// Receipt code.
    pub receipt_code: String,
    /// Procedure code and name.
    pub procedure_code: String,
    /// Procedure name as the province's system gave it.
    pub procedure_name: String,
    /// Lĩnh vực code and name.
    pub linh_vuc_code: String,
    /// Lĩnh vực name.
    pub linh_vuc_name: String,
    /// Applicant.
    pub applicant_name: String,
    /// Applicant's phone.
    pub applicant_phone: String,
    /// Status.
    pub status: DossierStatus,
    /// Received, ms.
    pub received_at_ms: i64,
    /// Due, ms.
    pub due_at_ms: i64,
    /// New due date after the latest postponement, ms.
    pub new_due_at_ms: Option<i64>,
    /// The latest postponement's reason.
    pub apology: Option<String>,
    /// Returned, ms.
    pub completed_at_ms: Option<i64>,
}

/// A step as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    /// Receipt code.
    pub receipt_code: String,
    /// When, ms.
    pub at_ms: i64,
    /// Status after it.
    pub status: DossierStatus,
    /// `Office: what was done` as shown.
    pub note: String,
    /// Who.
    pub handler: String,
}

/// Why a batch was refused: the record and field, in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// `DongBoHoSoMC[3].NgayHenTra`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn invalid(field: String, message: impl Into<String>) -> Invalid {
    Invalid { field, message: message.into() }
}

/// How a date's text was not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadDate {
    /// Not in a form taken.
    Form,
    /// In form, but no such day or time (`20261331…`).
    NoSuchDay,
}

/// A date in the centre's zone: `yyyyMMddHHmmss` (DVCQG), or as exports and spreadsheets write it:
/// `dd/mm/yyyy[ HH:MM[:SS]]`, a 14-digit number a spreadsheet wrote in scientific notation is not
/// taken (its digits are lost), and an Excel serial day number (`46355.3333…`, days since
/// 1899-12-30, as an XLSX date cell reads).
pub fn parse_date(schedule: &Schedule, raw: &str) -> Result<Timestamp, BadDate> {
    let raw = raw.trim();
    let at = |date: jiff::civil::Date, time: jiff::civil::Time| {
        date.to_datetime(time)
            .to_zoned(schedule.time_zone.clone())
            .ok()
            .map(|z| z.timestamp())
            .ok_or(BadDate::NoSuchDay)
    };
    if raw.len() == 14 && raw.bytes().all(|b| b.is_ascii_digit()) {
        let n = |a: usize, b: usize| raw[a..b].parse::<i16>().unwrap_or(-1);
        let small = |a: usize, b: usize| i8::try_from(n(a, b)).unwrap_or(-1);
        let date = jiff::civil::Date::new(n(0, 4), small(4, 6), small(6, 8)).map_err(|_| BadDate::NoSuchDay)?;
        let time =
            jiff::civil::Time::new(small(8, 10), small(10, 12), small(12, 14), 0).map_err(|_| BadDate::NoSuchDay)?;
        return at(date, time);
    }
    // dd/mm/yyyy with an optional time.
    let (day, time) = raw.split_once([' ', 'T']).map_or((raw, ""), |(d, t)| (d.trim(), t.trim()));
    let parts: Vec<&str> = day.split(['/', '-', '.']).collect();
    if let [d, m, y] = parts.as_slice()
        && y.len() == 4
        && [d, m, y].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        let num = |s: &str| s.parse::<i16>().unwrap_or(-1);
        let date =
            jiff::civil::Date::new(num(y), i8::try_from(num(m)).unwrap_or(-1), i8::try_from(num(d)).unwrap_or(-1))
                .map_err(|_| BadDate::NoSuchDay)?;
        let hms: Vec<i8> = if time.is_empty() {
            vec![0, 0, 0]
        } else {
            time.split(':').map(|p| p.trim().parse::<i8>().unwrap_or(-1)).collect()
        };
        let time = match hms.as_slice() {
            [h, m] => jiff::civil::Time::new(*h, *m, 0, 0),
            [h, m, s] => jiff::civil::Time::new(*h, *m, *s, 0),
            _ => return Err(BadDate::Form),
        }
        .map_err(|_| BadDate::NoSuchDay)?;
        return at(date, time);
    }
    // An Excel serial date (days since 1899-12-30, the fraction the time of day), between 2000
    // and 2100.
    if let Ok(serial) = raw.parse::<f64>()
        && (36_526.0..73_051.0).contains(&serial)
    {
        let base = jiff::civil::date(1899, 12, 30).at(0, 0, 0, 0);
        let seconds = (serial * 86_400.0).round() as i64;
        let local = base.checked_add(jiff::SignedDuration::from_secs(seconds)).map_err(|_| BadDate::NoSuchDay)?;
        return at(local.date(), local.time());
    }
    Err(BadDate::Form)
}

fn status(field: String, raw: &Option<Number>) -> Result<DossierStatus, Invalid> {
    let n = match raw {
        Some(number) => number.whole(),
        None => return Err(invalid(field, "thiếu trạng thái hồ sơ (1–10)")),
    };
    n.and_then(|n| u8::try_from(n).ok()).and_then(DossierStatus::from_dvcqg).ok_or_else(|| {
        let shown = match raw {
            Some(Number::Int(n)) => n.to_string(),
            Some(Number::Real(n)) => n.to_string(),
            Some(Number::Text(t)) => t.chars().take(20).collect(),
            None => String::new(),
        };
        invalid(field, format!("mã trạng thái «{shown}» không có trong danh mục DVCQG (1–10)"))
    })
}

fn text(field: String, value: &str, max: usize, required: bool) -> Result<String, Invalid> {
    // Line ends from Windows and tabs are taken as the text meant them.
    let value = value.trim().replace("\r\n", "\n").replace(['\r'], "\n").replace('\t', " ");
    let value = crate::domain::text::nfc(&value).into_owned();
    if required && value.is_empty() {
        return Err(invalid(field, "không được để trống"));
    }
    if value.chars().count() > max {
        return Err(invalid(field, format!("dài quá {max} ký tự")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(field, "có ký tự điều khiển"));
    }
    Ok(value)
}

fn date(schedule: &Schedule, field: String, raw: &str) -> Result<Timestamp, Invalid> {
    parse_date(schedule, raw).map_err(|why| {
        let shown: String = raw.trim().chars().take(20).collect();
        match why {
            BadDate::NoSuchDay => invalid(field, format!("ngày «{shown}» không có thật")),
            BadDate::Form if shown.contains(['E', 'e']) => invalid(
                field,
                format!("ngày «{shown}» đã bị bảng tính đổi thành số mũ; lưu cột ngày dạng văn bản (yyyyMMddHHmmss)"),
            ),
            BadDate::Form => {
                invalid(field, format!("ngày «{shown}» không đúng dạng yyyyMMddHHmmss (hoặc dd/mm/yyyy HH:MM)"))
            }
        }
    })
}

/// A phone number as given: digits with `+`, spaces, dots, dashes, brackets; 9 to 12 digits. A
/// Vietnamese number that lost its leading 0 in a spreadsheet (9 digits from 3–9) gets it back.
fn phone(field: String, raw: &str) -> Result<String, Invalid> {
    let value = text(field.clone(), raw, MAX_PHONE, false)?;
    if value.is_empty() {
        return Ok(value);
    }
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let allowed = value.chars().all(|c| c.is_ascii_digit() || " +.-()".contains(c));
    if !allowed || !(9..=12).contains(&digits.len()) {
        return Err(invalid(field, format!("«{value}» không phải một số điện thoại (9–12 chữ số)")));
    }
    if digits.len() == 9 && value == digits && digits.starts_with(['3', '5', '7', '8', '9']) {
        return Ok(format!("0{digits}"));
    }
    Ok(value)
}

fn optional_date(schedule: &Schedule, field: String, raw: &str) -> Result<Option<Timestamp>, Invalid> {
    if raw.trim().is_empty() { Ok(None) } else { date(schedule, field, raw).map(Some) }
}

impl DongBoHoSoMC {
    /// The row this record makes; `at` names it in refusals (`DongBoHoSoMC[3]`).
    pub fn check(&self, schedule: &Schedule, at: &str) -> Result<DossierRow, Invalid> {
        let f = |name: &str| format!("{at}.{name}");
        let code = ReceiptCode::parse(&self.ma_ho_so).map_err(|e| invalid(f("MaHoSo"), e.message))?;
        let received = date(schedule, f("NgayTiepNhan"), &self.ngay_tiep_nhan)?;
        let due = date(schedule, f("NgayHenTra"), &self.ngay_hen_tra)?;
        if due < received {
            return Err(invalid(f("NgayHenTra"), "ngày hẹn trả trước ngày tiếp nhận"));
        }
        let returned = optional_date(schedule, f("NgayTra"), &self.ngay_tra)?;
        let mut new_due = None;
        let mut apology = None;
        for (i, p) in self.danh_sach_ho_so_bo_sung.iter().enumerate() {
            let at = format!("{at}.DanhSachHoSoBoSung[{i}]");
            optional_date(schedule, format!("{at}.NgayHenTraTruoc"), &p.ngay_hen_tra_truoc)?;
            let moved = date(schedule, format!("{at}.NgayHenTraMoi"), &p.ngay_hen_tra_moi)?;
            let reason = text(format!("{at}.LyDo"), &p.ly_do, MAX_TEXT, false)?;
            new_due = Some(moved.as_millisecond());
            apology = Some(reason).filter(|r| !r.is_empty()).or(apology);
        }
        Ok(DossierRow {
            receipt_code: code.to_string(),
            // As the catalogue keys it (a spreadsheet export may have shortened it).
            procedure_code: crate::catalogue::national_code(&text(f("MaTTHC"), &self.ma_tthc, MAX_CODE, true)?),
            procedure_name: text(f("TenTTHC"), &self.ten_tthc, MAX_TEXT, false)?,
            linh_vuc_code: text(f("MaLinhVuc"), &self.ma_linh_vuc, MAX_CODE, false)?,
            linh_vuc_name: text(f("TenLinhVuc"), &self.ten_linh_vuc, MAX_NAME, false)?,
            applicant_name: text(f("ChuHoSo"), &self.chu_ho_so, MAX_NAME, false)?,
            applicant_phone: phone(f("SoDienThoai"), &self.so_dien_thoai)?,
            status: status(f("TrangThaiHoSo"), &self.trang_thai_ho_so)?,
            received_at_ms: received.as_millisecond(),
            due_at_ms: due.as_millisecond(),
            new_due_at_ms: new_due,
            apology: new_due.map(|_| apology.unwrap_or_else(|| "Hồ sơ được hẹn lại ngày trả kết quả".into())),
            completed_at_ms: returned.map(|t| t.as_millisecond()),
        })
    }
}

impl CapNhatTienDoHoSoMC {
    /// The step this record makes; `at` names it in refusals.
    pub fn check(&self, schedule: &Schedule, at: &str) -> Result<StepRow, Invalid> {
        let f = |name: &str| format!("{at}.{name}");
        let code = ReceiptCode::parse(&self.ma_ho_so).map_err(|e| invalid(f("MaHoSo"), e.message))?;
        let when = date(schedule, f("ThoiDiemXuLy"), &self.thoi_diem_xu_ly)?;
        let office = text(f("PhongBanXuLy"), &self.phong_ban_xu_ly, MAX_NAME, false)?;
        let content = text(f("NoiDungXuLy"), &self.noi_dung_xu_ly, MAX_TEXT, false)?;
        let note = match (office.is_empty(), content.is_empty()) {
            (false, false) => format!("{office}: {content}"),
            (false, true) => office,
            _ => content,
        };
        Ok(StepRow {
            receipt_code: code.to_string(),
            at_ms: when.as_millisecond(),
            status: status(f("TrangThai"), &self.trang_thai)?,
            note,
            handler: text(f("NguoiXuLy"), &self.nguoi_xu_ly, MAX_NAME, false)?,
        })
    }
}

/// A record's place in a batch for a refusal: its index and, when it has one, its receipt code
/// (`DongBoHoSoMC[412] (000.00.20.H56-261201-0413)`), which is what an integrator looks for.
fn named(list: &str, i: usize, code: &str) -> String {
    let code: String = code.trim().chars().take(MAX_CODE).collect();
    if code.is_empty() { format!("{list}[{i}]") } else { format!("{list}[{i}] ({code})") }
}

/// Refuses a receipt code given twice, naming the second place (`name(i)`) and the first.
pub fn refuse_twice<'a>(codes: impl Iterator<Item = &'a str>, name: impl Fn(usize) -> String) -> Result<(), Invalid> {
    let mut first: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, code) in codes.enumerate() {
        if let Some(earlier) = first.insert(code, i) {
            return Err(invalid(name(i), format!("hồ sơ {code} đã có ở {}", name(earlier))));
        }
    }
    Ok(())
}

impl Batch {
    /// Every record checked; the first refusal names its record and field.
    pub fn check(&self, schedule: &Schedule) -> Result<(Vec<DossierRow>, Vec<StepRow>), Invalid> {
        if self.ho_so.len() + self.tien_do.len() > MAX_BATCH {
            return Err(invalid("DongBoHoSoMC".into(), format!("một lần gửi tối đa {MAX_BATCH} bản ghi")));
        }
        let rows = self
            .ho_so
            .iter()
            .enumerate()
            .map(|(i, r)| r.check(schedule, &named("DongBoHoSoMC", i, &r.ma_ho_so)))
            .collect::<Result<Vec<_>, _>>()?;
        // One record a dossier: two snapshots of one dossier in a batch would make a replay write.
        refuse_twice(rows.iter().map(|r| r.receipt_code.as_str()), |i| format!("DongBoHoSoMC[{i}].MaHoSo"))?;
        let steps = self
            .tien_do
            .iter()
            .enumerate()
            .map(|(i, r)| r.check(schedule, &named("CapNhatTienDoHoSoMC", i, &r.ma_ho_so)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((rows, steps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule() -> Schedule {
        crate::Config::demo().centre.schedule.clone()
    }

    fn record() -> DongBoHoSoMC {
        DongBoHoSoMC {
            ma_ho_so: "H56.22-261120-0001".into(),
            ma_tthc: "1.004227".into(),
            ngay_tiep_nhan: "20261120083000".into(),
            ngay_hen_tra: "20261204170000".into(),
            trang_thai_ho_so: Some(Number::Text("4".into())),
            ..DongBoHoSoMC::default()
        }
    }

    #[test]
    fn dates_are_the_centres_local_time_and_impossible_ones_are_refused() {
        let s = schedule();
        let utc = |raw: &str| parse_date(&s, raw).map(|t| t.to_string());
        assert_eq!(utc("20261120083000"), Ok("2026-11-20T01:30:00Z".into()));
        // As exports and spreadsheets write it: dd/mm/yyyy with or without a time, an XLSX date
        // cell's serial day number.
        assert_eq!(utc("20/11/2026 08:30"), Ok("2026-11-20T01:30:00Z".into()));
        assert_eq!(utc("20/11/2026"), Ok("2026-11-19T17:00:00Z".into()));
        assert_eq!(utc("46346.354166666664"), Ok("2026-11-20T01:30:00Z".into()));
        for bad in ["20261320083000", "20260230083000", "20261120246000", "31/02/2026", "20/11/2026 25:00"] {
            assert_eq!(parse_date(&s, bad), Err(BadDate::NoSuchDay), "{bad}");
        }
        for bad in ["2026112008300", "2,02611E+13", "", "hôm qua", "2026-11-20 08:30"] {
            assert_eq!(parse_date(&s, bad), Err(BadDate::Form), "{bad}");
        }
    }

    #[test]
    fn phones_are_checked_and_a_lost_leading_zero_is_given_back() {
        assert_eq!(phone("p".into(), "988000222"), Ok("0988000222".into()));
        assert_eq!(phone("p".into(), "0912.345.678"), Ok("0912.345.678".into()));
        assert_eq!(phone("p".into(), "+84 912 345 678"), Ok("+84 912 345 678".into()));
        assert_eq!(phone("p".into(), ""), Ok(String::new()));
        for bad in ["abc", "12345", "0912 abc 678"] {
            assert!(phone("p".into(), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_record_is_refused_naming_its_field() {
        let s = schedule();
        assert_eq!(record().check(&s, "DongBoHoSoMC[0]").map(|r| r.status), Ok(DossierStatus::Processing));
        // A serializer writing every number as a double: 4.0 is the status 4.
        let real: DongBoHoSoMC =
            serde_json::from_value(serde_json::json!({"MaHoSo": "H56.22-261201-0003", "TrangThaiHoSo": 4.0}))
                .expect("parses");
        assert_eq!(real.trang_thai_ho_so.as_ref().and_then(Number::whole), Some(4));
        let half: Number = serde_json::from_value(serde_json::json!(4.5)).expect("parses");
        assert_eq!(half.whole(), None);
        let bad = DongBoHoSoMC { trang_thai_ho_so: Some(Number::Int(11)), ..record() };
        let e = bad.check(&s, "DongBoHoSoMC[3]").expect_err("status 11");
        assert_eq!(e.field, "DongBoHoSoMC[3].TrangThaiHoSo");
        let bad = DongBoHoSoMC { ngay_hen_tra: "04-12-26".into(), ..record() };
        assert_eq!(bad.check(&s, "DongBoHoSoMC[0]").expect_err("date").field, "DongBoHoSoMC[0].NgayHenTra");
        let early = DongBoHoSoMC { ngay_hen_tra: "20261119170000".into(), ..record() };
        let e = early.check(&s, "DongBoHoSoMC[0]").expect_err("due before received");
        assert!(e.field.ends_with("NgayHenTra") && e.message.contains("trước ngày tiếp nhận"), "{e:?}");
        let bad = DongBoHoSoMC { chu_ho_so: "A".repeat(301), ..record() };
        assert_eq!(bad.check(&s, "DongBoHoSoMC[0]").expect_err("long").field, "DongBoHoSoMC[0].ChuHoSo");
    }
}
