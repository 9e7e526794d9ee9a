//! The procedure catalogue and dossiers (hồ sơ) as the public sees them.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A procedure of the catalogue (thủ tục hành chính).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Procedure {
    /// Procedure code.
    pub code: String,
    /// Vietnamese name.
    pub name: String,
    /// Service (field) code it belongs to.
    pub service: String,
    /// Administrative level: `Tỉnh`, `Huyện`, `Xã`.
    pub level: String,
    /// Online service level: `Toàn trình`, `Một phần`, `Trực tiếp`.
    pub online_level: String,
    /// Processing time in working days (0 = same day).
    pub processing_days: u32,
    /// Fee, as published (e.g. `50.000 đồng/hồ sơ`, `Không thu phí`).
    pub fee: String,
    /// Documents the citizen brings.
    pub documents: Vec<String>,
    /// Processing time as published (e.g. `10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ`);
    /// empty when not known.
    #[serde(default)]
    pub processing_time: String,
    /// Steps (trình tự thực hiện) as published; empty when not known.
    #[serde(default)]
    pub steps: String,
}

/// Answer of `GET /api/v1/procedures`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProceduresResponse {
    /// Matching procedures, best first.
    pub procedures: Vec<Procedure>,
    /// How many matched in all.
    pub total: u32,
}

/// Status of a dossier (hồ sơ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DossierStatus {
    /// 1 Mới đăng ký: registered online, not yet received.
    Registered,
    /// 2 Được tiếp nhận: received at the counter.
    Received,
    /// 3 Không được tiếp nhận: refused at reception.
    NotAccepted,
    /// 4 Đang xử lý: being processed by the office in charge.
    Processing,
    /// 5 Yêu cầu bổ sung giấy tờ: the citizen must supplement documents.
    NeedsSupplement,
    /// 6 Yêu cầu thực hiện nghĩa vụ tài chính: fees or taxes to pay first.
    FinancialObligation,
    /// 7 Công dân yêu cầu rút hồ sơ: withdrawn at the citizen's request.
    Withdrawn,
    /// 8 Dừng xử lý: processing stopped.
    Stopped,
    /// 9 Đã xử lý xong: result ready to collect.
    Ready,
    /// 10 Đã trả kết quả: result returned to the citizen.
    Returned,
}

impl DossierStatus {
    /// Every status, in the order of their DVCQG codes (1–10).
    pub const ALL: [Self; 10] = [
        Self::Registered,
        Self::Received,
        Self::NotAccepted,
        Self::Processing,
        Self::NeedsSupplement,
        Self::FinancialObligation,
        Self::Withdrawn,
        Self::Stopped,
        Self::Ready,
        Self::Returned,
    ];

    /// The national public service portal's name of the status (TrangThaiHoSo).
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Registered => "Mới đăng ký",
            Self::Received => "Được tiếp nhận",
            Self::NotAccepted => "Không được tiếp nhận",
            Self::Processing => "Đang xử lý",
            Self::NeedsSupplement => "Yêu cầu bổ sung giấy tờ",
            Self::FinancialObligation => "Yêu cầu thực hiện nghĩa vụ tài chính",
            Self::Withdrawn => "Công dân yêu cầu rút hồ sơ",
            Self::Stopped => "Dừng xử lý",
            Self::Ready => "Đã xử lý xong",
            Self::Returned => "Đã trả kết quả",
        }
    }

    /// Stable code, as in JSON.
    pub fn code(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Received => "received",
            Self::NotAccepted => "not_accepted",
            Self::Processing => "processing",
            Self::NeedsSupplement => "needs_supplement",
            Self::FinancialObligation => "financial_obligation",
            Self::Withdrawn => "withdrawn",
            Self::Stopped => "stopped",
            Self::Ready => "ready",
            Self::Returned => "returned",
        }
    }

    /// Parses the stable code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The DVCQG status number (TrangThaiHoSo, 1–10).
    pub fn dvcqg(self) -> u8 {
        Self::ALL.iter().position(|s| *s == self).map_or(0, |i| i as u8 + 1)
    }

    /// The status of a DVCQG number (1–10).
    pub fn from_dvcqg(n: u8) -> Option<Self> {
        Self::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    /// Whether the dossier is finished: overdue is counted only for others (past the due date and
    /// not 9 or 10).
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Ready | Self::Returned)
    }

    /// Whether nothing more will happen to it: finished, or not accepted (3), withdrawn (7),
    /// stopped (8). Such dossiers are never overdue and never fetched again.
    pub fn is_closed(self) -> bool {
        self.is_finished() || matches!(self, Self::NotAccepted | Self::Withdrawn | Self::Stopped)
    }
}

/// One step of a dossier's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DossierStep {
    /// When.
    pub at: String,
    /// The status entered.
    pub status: DossierStatus,
    /// Vietnamese label of that status.
    pub status_label: String,
    /// Note from the office.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Public apology for an overdue dossier, with the new due date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Apology {
    /// The apology in Vietnamese.
    pub message: String,
    /// The new promised date.
    pub new_due_at: String,
}

/// A dossier as the public sees it: personal data masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Dossier {
    /// Receipt code (mã hồ sơ).
    pub receipt_code: String,
    /// Procedure code.
    pub procedure_code: String,
    /// Procedure name.
    pub procedure_name: String,
    /// Applicant's name, masked (`Nguyễn V*** A**`).
    pub applicant: String,
    /// Applicant's phone, masked (`09******78`).
    pub phone: String,
    /// Current status.
    pub status: DossierStatus,
    /// Vietnamese label of the status.
    pub status_label: String,
    /// When it was received.
    pub received_at: String,
    /// When the result is due (the new date after an apology).
    pub due_at: String,
    /// Past its due date without a result.
    pub overdue: bool,
    /// Apology and new date, for a dossier that was late.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apology: Option<Apology>,
    /// Every status change, oldest first.
    pub history: Vec<DossierStep>,
    /// The applicant's name and phone and the history's notes are left out (empty, `None`):
    /// they are shown only with the second factor, the last 4 digits of the applicant's phone
    /// (Nghị định 13/2023/NĐ-CP on personal data: receipt codes are guessable).
    #[serde(default)]
    pub details_hidden: bool,
    /// The last 4 digits given did not match the applicant's phone (the details stay hidden).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub factor_wrong: bool,
    /// When the record was last taken from the province's system (`Cập nhật lúc …`); absent
    /// for dossiers entered here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synced_at: Option<String>,
}

/// A lĩnh vực of an imported catalogue file that no field of the centre takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UnmappedLinhVuc {
    /// Mã lĩnh vực as in the file (may be empty).
    pub code: String,
    /// Tên lĩnh vực as in the file (may be empty).
    pub name: String,
    /// Procedures of it left out.
    pub procedures: u32,
}

/// What a catalogue import changes (or changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CatalogueChanges {
    /// Procedure codes new to the catalogue.
    pub added: Vec<String>,
    /// Codes whose name, field or any other column differs.
    pub changed: Vec<String>,
    /// Codes in the catalogue and not in the file.
    pub removed: Vec<String>,
    /// Procedures the same as before.
    pub unchanged: u32,
    /// Lĩnh vực left out (no field's `linh_vuc` names them).
    pub unmapped: Vec<UnmappedLinhVuc>,
    /// The same in Vietnamese, one line per kind.
    pub summary: String,
}

/// Answer of `POST /api/v1/catalogue/previews`: apply it with its id within 15 minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CataloguePreview {
    /// Id for `POST /api/v1/catalogue/previews/{id}/apply`.
    pub id: String,
    /// The file's name.
    pub source: String,
    /// What applying it changes.
    pub changes: CatalogueChanges,
}
