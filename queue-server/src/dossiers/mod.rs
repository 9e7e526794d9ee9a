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
pub mod store;

use jiff::Timestamp;
use motcua_protocol::api::DossierStatus;
use serde::{Deserialize, Serialize};

use crate::domain::ReceiptCode;
use crate::domain::centre::Schedule;

/// Longest texts taken, in characters.
const MAX_CODE: usize = 64;
const MAX_NAME: usize = 300;
const MAX_PHONE: usize = 20;
const MAX_TEXT: usize = 2000;
/// Records in one batch at most.
pub const MAX_BATCH: usize = 5000;

/// A number or a string holding one (`"4"` and `4` are both seen from LGSPs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Number {
    /// As a number.
    Int(i64),
    /// As a string.
    Text(String),
}

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

/// A `yyyyMMddHHmmss` date in the centre's zone.
pub fn parse_date(schedule: &Schedule, raw: &str) -> Option<Timestamp> {
    let raw = raw.trim();
    if raw.len() != 14 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |a: usize, b: usize| raw[a..b].parse::<i16>().ok();
    let small = |a: usize, b: usize| n(a, b).and_then(|v| i8::try_from(v).ok());
    let date = jiff::civil::Date::new(n(0, 4)?, small(4, 6)?, small(6, 8)?).ok()?;
    let time = jiff::civil::Time::new(small(8, 10)?, small(10, 12)?, small(12, 14)?, 0).ok()?;
    date.to_datetime(time).to_zoned(schedule.time_zone.clone()).ok().map(|z| z.timestamp())
}

fn status(field: String, raw: &Option<Number>) -> Result<DossierStatus, Invalid> {
    let n = match raw {
        Some(Number::Int(n)) => Some(*n),
        Some(Number::Text(t)) => t.trim().parse::<i64>().ok(),
        None => return Err(invalid(field, "thiếu trạng thái hồ sơ (1–10)")),
    };
    n.and_then(|n| u8::try_from(n).ok()).and_then(DossierStatus::from_dvcqg).ok_or_else(|| {
        let shown = match raw {
            Some(Number::Int(n)) => n.to_string(),
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
    parse_date(schedule, raw).ok_or_else(|| {
        let shown: String = raw.chars().take(20).collect();
        invalid(field, format!("ngày «{shown}» không đúng dạng yyyyMMddHHmmss"))
    })
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
            applicant_phone: text(f("SoDienThoai"), &self.so_dien_thoai, MAX_PHONE, false)?,
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
            .map(|(i, r)| r.check(schedule, &format!("DongBoHoSoMC[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        // One record a dossier: two snapshots of one dossier in a batch would make a replay write.
        refuse_twice(rows.iter().map(|r| r.receipt_code.as_str()), |i| format!("DongBoHoSoMC[{i}].MaHoSo"))?;
        let steps = self
            .tien_do
            .iter()
            .enumerate()
            .map(|(i, r)| r.check(schedule, &format!("CapNhatTienDoHoSoMC[{i}]")))
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
        assert_eq!(parse_date(&s, "20261120083000").map(|t| t.to_string()), Some("2026-11-20T01:30:00Z".into()));
        for bad in ["20261320083000", "20260230083000", "2026112008300", "2026-11-20 08:30", "20261120246000", ""] {
            assert_eq!(parse_date(&s, bad), None, "{bad}");
        }
    }

    #[test]
    fn a_record_is_refused_naming_its_field() {
        let s = schedule();
        assert_eq!(record().check(&s, "DongBoHoSoMC[0]").map(|r| r.status), Ok(DossierStatus::Processing));
        let bad = DongBoHoSoMC { trang_thai_ho_so: Some(Number::Int(11)), ..record() };
        let e = bad.check(&s, "DongBoHoSoMC[3]").expect_err("status 11");
        assert_eq!(e.field, "DongBoHoSoMC[3].TrangThaiHoSo");
        let bad = DongBoHoSoMC { ngay_hen_tra: "04/12/2026".into(), ..record() };
        assert_eq!(bad.check(&s, "DongBoHoSoMC[0]").expect_err("date").field, "DongBoHoSoMC[0].NgayHenTra");
        let bad = DongBoHoSoMC { chu_ho_so: "A".repeat(301), ..record() };
        assert_eq!(bad.check(&s, "DongBoHoSoMC[0]").expect_err("long").field, "DongBoHoSoMC[0].ChuHoSo");
    }
}
