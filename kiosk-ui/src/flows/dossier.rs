//! Dossier lookup: a receipt code typed or scanned, then the dossier or a clear message.

use motcua_protocol::api::Dossier;

use super::{Effect, backspace, step, type_key};
use crate::api::ApiError;

/// The dossier flow.
#[derive(Debug, Clone, Default)]
pub struct DossierFlow {
    /// Entering, looking up, result, message.
    pub step: i32,
    /// The code typed so far.
    pub code: String,
    /// The dossier found.
    pub dossier: Option<Dossier>,
    /// Message title.
    pub title: String,
    /// Message text.
    pub message: String,
    /// The last 4 digits of the applicant's phone, as typed (the second factor).
    pub factor: String,
    /// How printing the apology went: empty, "printing", or what to tell the citizen.
    pub print_note: String,
}

impl DossierFlow {
    /// Starts with an empty code.
    pub fn open(&mut self) {
        *self = Self::default();
    }

    /// A key was touched: the code, or a digit of the factor.
    pub fn key(&mut self, key: &str) {
        if self.step == step::FACTOR {
            if key.chars().all(|c| c.is_ascii_digit()) {
                type_key(&mut self.factor, key, 4);
            }
        } else {
            type_key(&mut self.code, key, 40);
        }
    }

    /// Delete was touched.
    pub fn backspace(&mut self) {
        backspace(if self.step == step::FACTOR { &mut self.factor } else { &mut self.code });
    }

    /// "See the name and notes" was touched on a result whose details are hidden.
    pub fn ask_factor(&mut self) {
        self.factor.clear();
        self.step = step::FACTOR;
    }

    /// The factor was entered: the same dossier again with it.
    pub fn submit_factor(&mut self) -> Effect {
        if self.factor.len() != 4 {
            return Effect::None;
        }
        self.step = step::WAITING;
        Effect::LookUp(self.code.trim().to_uppercase(), Some(self.factor.clone()))
    }

    /// Back from the factor to the result.
    pub fn cancel_factor(&mut self) {
        self.factor.clear();
        self.step = if self.dossier.is_some() { step::RESULT } else { step::ENTERING };
    }

    /// A code came from the scanner: looked up at once.
    pub fn scanned(&mut self, text: &str) -> Effect {
        self.code = text.trim().to_uppercase();
        self.submit()
    }

    /// Look up was touched.
    pub fn submit(&mut self) -> Effect {
        let code = self.code.trim().to_uppercase();
        if code.chars().count() < 6 {
            self.step = step::MESSAGE;
            self.title = "Mã hồ sơ chưa đủ".into();
            self.message = "Mã hồ sơ in trên giấy tiếp nhận, ví dụ H56.22-261120-0001. Xin ông/bà nhập đủ mã.".into();
            return Effect::None;
        }
        self.step = step::WAITING;
        self.factor.clear();
        Effect::LookUp(code, None)
    }

    /// The server answered about `code`. An answer about another code than the one now asked
    /// (two scans back to back, the first answered last) is dropped.
    pub fn answered(&mut self, code: &str, answer: Result<Dossier, ApiError>) {
        if self.step != step::WAITING || code != self.code.trim().to_uppercase() {
            return;
        }
        match answer {
            Ok(dossier) => {
                // "Cập nhật lúc 10:05 01/12/2026": how fresh the province's data is.
                self.message = dossier.synced_at.as_deref().map(synced_label).unwrap_or_default();
                if !self.factor.is_empty() && dossier.details_hidden {
                    let wrong =
                        "4 số cuối điện thoại chưa khớp với hồ sơ; tên người nộp và nội dung xử lý vẫn được ẩn.";
                    self.message =
                        if self.message.is_empty() { wrong.into() } else { format!("{wrong} {}", self.message) };
                }
                self.factor.clear();
                self.print_note.clear();
                self.dossier = Some(dossier);
                self.step = step::RESULT;
            }
            Err(e) => {
                (self.title, self.message) = match e.code() {
                    Some("dossier_not_found") => ("Không tìm thấy hồ sơ".into(), e.friendly().1),
                    Some("invalid_receipt_code") => ("Mã hồ sơ không đúng".into(), e.friendly().1),
                    _ => e.friendly(),
                };
                self.step = step::MESSAGE;
            }
        }
    }

    /// "Print the apology" was touched: the slip of the dossier shown, once at a time, only with
    /// the second factor given (the reason may be personal).
    pub fn print_apology(&mut self) -> Effect {
        let Some(d) = self.dossier.as_ref().filter(|d| d.apology.is_some() && !d.details_hidden) else {
            return Effect::None;
        };
        if self.step != step::RESULT || self.print_note == PRINTING {
            return Effect::None;
        }
        self.print_note = PRINTING.into();
        Effect::PrintApology(Box::new(d.clone()))
    }

    /// The slip of `code` was printed, or not; said only while that dossier is on screen (a
    /// citizen who left does not pass the note to the next).
    pub fn apology_printed(&mut self, code: &str, ok: bool) {
        if self.step != step::RESULT || self.dossier.as_ref().is_none_or(|d| d.receipt_code != code) {
            return;
        }
        self.print_note = if ok {
            "Đã in thư xin lỗi. Mời ông/bà nhận phiếu ở khe máy in.".into()
        } else {
            "Máy in đang gặp sự cố, chưa in được. Ông/bà có thể xem thư ngay trên màn hình hoặc nhờ cán bộ in giúp."
                .into()
        };
    }

    /// Try again / another dossier.
    pub fn again(&mut self) {
        self.step = step::ENTERING;
        self.dossier = None;
    }
}

/// Shown while the apology slip prints.
pub const PRINTING: &str = "Đang in thư xin lỗi…";

/// `2026-12-01T10:05:00+07:00` (the centre's time, from the server) → `Cập nhật lúc 10:05 01/12/2026`.
fn synced_label(at: &str) -> String {
    match (at.get(0..4), at.get(5..7), at.get(8..10), at.get(11..16)) {
        (Some(y), Some(m), Some(d), Some(hm)) => format!("Cập nhật lúc {hm} {d}/{m}/{y}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_code_is_refused_before_asking_the_server() {
        let mut flow = DossierFlow::default();
        flow.key("H");
        flow.key("5");
        assert_eq!(flow.submit(), Effect::None);
        assert_eq!(flow.step, step::MESSAGE);
    }

    #[test]
    fn a_scanned_code_is_looked_up_and_not_found_is_explained() {
        let mut flow = DossierFlow::default();
        assert_eq!(flow.scanned(" h56.22-261120-0001\n"), Effect::LookUp("H56.22-261120-0001".into(), None));
        flow.answered(
            "H56.22-261120-0001",
            Err(ApiError::Refused {
                status: 404,
                code: "dossier_not_found".into(),
                message: "Không tìm thấy hồ sơ mã X".into(),
            }),
        );
        assert_eq!((flow.step, flow.title.as_str()), (step::MESSAGE, "Không tìm thấy hồ sơ"));
        flow.again();
        assert_eq!(flow.code, "H56.22-261120-0001", "the code stays to be corrected");
    }

    #[test]
    fn of_two_scans_back_to_back_the_second_is_shown_whatever_answers_first() {
        let mut flow = DossierFlow::default();
        flow.scanned("H56.22-261027-0007");
        flow.scanned("H56.22-261120-0001");
        let gone = Err(ApiError::Refused { status: 404, code: "dossier_not_found".into(), message: "x".into() });
        flow.answered("H56.22-261027-0007", gone);
        assert_eq!(flow.step, step::WAITING, "the first scan's answer is not shown for the second");
    }
}
