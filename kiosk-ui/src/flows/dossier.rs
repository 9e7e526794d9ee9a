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
}

impl DossierFlow {
    /// Starts with an empty code.
    pub fn open(&mut self) {
        *self = Self::default();
    }

    /// A key was touched.
    pub fn key(&mut self, key: &str) {
        type_key(&mut self.code, key, 40);
    }

    /// Delete was touched.
    pub fn backspace(&mut self) {
        backspace(&mut self.code);
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
        Effect::LookUp(code)
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

    /// Try again / another dossier.
    pub fn again(&mut self) {
        self.step = step::ENTERING;
        self.dossier = None;
    }
}

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
        assert_eq!(flow.scanned(" h56.22-261120-0001\n"), Effect::LookUp("H56.22-261120-0001".into()));
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
