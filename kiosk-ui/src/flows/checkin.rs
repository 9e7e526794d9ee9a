//! Appointment check-in: a booking code or a phone number becomes a ticket when the server allows.

use motcua_protocol::api::Ticket;

use super::{Effect, backspace, step, type_key};
use crate::api::{ApiError, CheckInRequest};

/// The check-in flow.
#[derive(Debug, Clone, Default)]
pub struct CheckinFlow {
    /// Entering, checking, ticket, message.
    pub step: i32,
    /// 0 booking code, 1 phone number.
    pub mode: i32,
    /// What was typed.
    pub value: String,
    /// The ticket of the checked-in booking.
    pub ticket: Option<Ticket>,
    /// Message title.
    pub title: String,
    /// Message text.
    pub message: String,
}

impl CheckinFlow {
    /// Starts empty, by booking code.
    pub fn open(&mut self) {
        *self = Self::default();
    }

    /// Switches between booking code and phone.
    pub fn set_mode(&mut self, mode: i32) {
        self.mode = mode;
        self.value.clear();
    }

    /// A key was touched.
    pub fn key(&mut self, key: &str) {
        let max = if self.mode == 1 { 11 } else { 20 };
        type_key(&mut self.value, key, max);
    }

    /// Delete was touched.
    pub fn backspace(&mut self) {
        backspace(&mut self.value);
    }

    /// A booking QR code was scanned.
    pub fn scanned(&mut self, text: &str) -> Effect {
        self.mode = 0;
        self.value = text.trim().rsplit('/').next().unwrap_or_default().to_uppercase();
        self.submit()
    }

    /// Check-in was touched.
    pub fn submit(&mut self) -> Effect {
        let value = self.value.trim().to_string();
        let request = if self.mode == 1 {
            let ok = value.len() == 10 && value.starts_with('0') && value.bytes().all(|b| b.is_ascii_digit());
            if !ok {
                return self
                    .show("Số điện thoại chưa đúng", "Số di động gồm 10 chữ số, bắt đầu bằng 0, ví dụ 0912345678.");
            }
            CheckInRequest { code: None, phone: Some(value) }
        } else {
            if value.len() < 4 {
                return self.show("Mã đặt lịch chưa đủ", "Mã đặt lịch có trong tin nhắn hoặc trang xác nhận đặt lịch.");
            }
            CheckInRequest { code: Some(value.to_uppercase()), phone: None }
        };
        self.step = step::WAITING;
        Effect::CheckIn(request)
    }

    /// The server answered.
    pub fn answered(&mut self, answer: Result<Ticket, ApiError>) -> Effect {
        match answer {
            Ok(ticket) => {
                self.ticket = Some(ticket.clone());
                self.step = step::RESULT;
                Effect::Print(Box::new(ticket))
            }
            Err(ApiError::Refused { status: 404 | 405, code, .. }) if code == "not_found" || code == "method_not_allowed" => self.show(
                "Chưa có check-in lịch hẹn",
                "Trung tâm chưa mở chức năng check-in lịch hẹn tại kiosk. Xin ông/bà lấy số thứ tự thường hoặc hỏi cán bộ.",
            ),
            Err(e) => {
                let (title, message) = e.friendly();
                self.show(&title, &message)
            }
        }
    }

    /// Try again.
    pub fn again(&mut self) {
        self.step = step::ENTERING;
    }

    fn show(&mut self, title: &str, message: &str) -> Effect {
        self.step = step::MESSAGE;
        self.title = title.to_string();
        self.message = message.to_string();
        Effect::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_checked_before_asking() {
        let mut flow = CheckinFlow::default();
        flow.set_mode(1);
        for k in ["0", "9", "1", "2"] {
            flow.key(k);
        }
        assert_eq!(flow.submit(), Effect::None);
        assert_eq!(flow.title, "Số điện thoại chưa đúng");
        flow.again();
        for k in ["3", "4", "5", "6", "7", "8"] {
            flow.key(k);
        }
        assert_eq!(flow.submit(), Effect::CheckIn(CheckInRequest { code: None, phone: Some("0912345678".into()) }));
    }

    #[test]
    fn a_server_without_check_in_is_a_clean_refusal() {
        let mut flow = CheckinFlow::default();
        assert!(
            matches!(flow.scanned("http://x/b/AB12CD"), Effect::CheckIn(CheckInRequest { code: Some(c), .. }) if c == "AB12CD")
        );
        flow.answered(Err(ApiError::Refused {
            status: 404,
            code: "not_found".into(),
            message: "Không có địa chỉ này".into(),
        }));
        assert_eq!(flow.title, "Chưa có check-in lịch hẹn");
    }
}
