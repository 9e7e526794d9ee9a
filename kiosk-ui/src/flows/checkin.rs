//! Appointment check-in: a booking code or a phone number becomes a ticket when the server allows.

use motcua_protocol::api::{BookingChoice, Ticket, TodaysBookings};

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
    /// The line under its number: the field, and how the ticket will be called.
    pub detail: String,
    /// Message title.
    pub title: String,
    /// Message text.
    pub message: String,
    /// Today's bookings of the phone entered, when it has several: the citizen picks one.
    pub choices: Vec<BookingChoice>,
    /// The phone they were listed for, masked.
    pub choices_for: String,
}

/// Step of picking one of several bookings (after entering, checking, ticket, message).
pub const CHOOSING: i32 = 4;

/// What the citizen is told under the number of a checked-in booking. A booking checked in after
/// its on-time window (with `late_arrival = "walk_in"`) carries no appointment time: it is called
/// in arrival order like a walk-in, and the citizen is told so rather than left to expect a call
/// at the booked time.
pub fn detail_of(ticket: &Ticket) -> String {
    let field = &ticket.service_name_vi;
    // Times come from the server already in the centre's zone, RFC 3339: `…THH:MM:SS+07:00`.
    let booked = ticket.appointment_at.as_deref().and_then(|at| at.get(11..16));
    match booked {
        Some(hhmm) => format!("{field} · lịch hẹn {hhmm} · mời ông/bà chờ gọi số"),
        None if ticket.channel == "appointment" => {
            format!("{field} · ông/bà đến sau giờ hẹn nên số được gọi theo thứ tự đến, như người lấy số trực tiếp")
        }
        None => format!("{field} · mời ông/bà chờ gọi số"),
    }
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
            CheckInRequest { code: None, phone: Some(value), choice: None }
        } else {
            if value.len() < 4 {
                return self.show("Mã đặt lịch chưa đủ", "Mã đặt lịch có trong tin nhắn hoặc trang xác nhận đặt lịch.");
            }
            CheckInRequest { code: Some(value.to_uppercase()), phone: None, choice: None }
        };
        self.step = step::WAITING;
        Effect::CheckIn(request)
    }

    /// The server answered. An answer that comes after the citizen left (the screen went home, or
    /// the next citizen started again) is dropped: nothing printed, nobody else's list shown.
    pub fn answered(&mut self, answer: Result<Ticket, ApiError>) -> Effect {
        if self.step != step::WAITING {
            return Effect::None;
        }
        match answer {
            Ok(ticket) => {
                self.detail = detail_of(&ticket);
                self.ticket = Some(ticket.clone());
                self.step = step::RESULT;
                Effect::Print(Box::new(ticket))
            }
            // The phone has several bookings today (a parent who booked for the family): list them.
            Err(ApiError::Refused { code, .. }) if code == "several_bookings" && self.mode == 1 => {
                self.step = step::WAITING;
                Effect::ListBookings(self.value.trim().to_string())
            }
            Err(ApiError::Refused { status: 404 | 405, code, .. }) if code == "not_found" || code == "method_not_allowed" => self.show(
                "Chưa nhận số theo lịch hẹn được",
                "Trung tâm chưa mở chức năng nhận số theo lịch hẹn tại kiosk. Xin ông/bà lấy số thứ tự thường hoặc hỏi cán bộ.",
            ),
            Err(e) => {
                let (title, message) = e.friendly();
                self.show(&title, &message)
            }
        }
    }

    /// Today's bookings of the phone arrived: offer them, or say why not.
    pub fn listed(&mut self, answer: Result<TodaysBookings, ApiError>) -> Effect {
        if self.step != step::WAITING {
            return Effect::None;
        }
        match answer {
            Ok(list) if list.bookings.len() == 1 => {
                let choice = list.bookings[0].choice.clone();
                self.check_in_choice(choice)
            }
            Ok(list) if list.bookings.is_empty() => {
                self.show("Chưa thực hiện được", &format!("Không có lịch hẹn hôm nay cho số điện thoại {}", list.phone))
            }
            Ok(list) => {
                self.choices = list.bookings;
                self.choices_for = list.phone;
                self.step = CHOOSING;
                Effect::None
            }
            Err(e) => {
                let (title, message) = e.friendly();
                self.show(&title, &message)
            }
        }
    }

    /// One of the listed bookings was touched (by its choice token).
    pub fn choose(&mut self, choice: &str) -> Effect {
        if self.step != CHOOSING || !self.choices.iter().any(|c| c.choice == choice) {
            return Effect::None;
        }
        self.check_in_choice(choice.to_string())
    }

    /// Checks in the chosen booking of the phone entered.
    fn check_in_choice(&mut self, choice: String) -> Effect {
        self.step = step::WAITING;
        Effect::CheckIn(CheckInRequest { code: None, phone: Some(self.value.trim().to_string()), choice: Some(choice) })
    }

    /// Try again.
    pub fn again(&mut self) {
        self.step = step::ENTERING;
        self.choices.clear();
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
        assert_eq!(
            flow.submit(),
            Effect::CheckIn(CheckInRequest { code: None, phone: Some("0912345678".into()), choice: None })
        );
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
        assert_eq!(flow.title, "Chưa nhận số theo lịch hẹn được");
    }

    fn choice(token: &str, time: &str, name: &str) -> BookingChoice {
        BookingChoice {
            choice: token.into(),
            service: "TP".into(),
            service_name_vi: "Tư pháp – Hộ tịch".into(),
            time: time.into(),
            name: name.into(),
            status: "confirmed".into(),
        }
    }

    #[test]
    fn a_phone_with_several_bookings_lists_them_and_checks_in_the_one_chosen() {
        let mut flow = CheckinFlow::default();
        flow.set_mode(1);
        "0912345678".chars().for_each(|c| flow.key(&c.to_string()));
        assert!(matches!(flow.submit(), Effect::CheckIn(CheckInRequest { phone: Some(_), .. })));
        let several =
            ApiError::Refused { status: 409, code: "several_bookings".into(), message: "có 2 lịch hẹn".into() };
        assert_eq!(flow.answered(Err(several)), Effect::ListBookings("0912345678".into()));
        let list = TodaysBookings {
            phone: "09******78".into(),
            bookings: vec![
                choice("AAAAAA", "09:00", "Nguyễn V*** A***"),
                choice("CCCCCC", "09:15", "Nguyễn T*** B***"),
            ],
        };
        assert_eq!(flow.listed(Ok(list)), Effect::None);
        assert_eq!(flow.step, CHOOSING);
        assert_eq!(flow.choose("ZZZZZZ"), Effect::None, "only a listed booking");
        let chosen = CheckInRequest { code: None, phone: Some("0912345678".into()), choice: Some("CCCCCC".into()) };
        assert_eq!(flow.choose("CCCCCC"), Effect::CheckIn(chosen));
        assert_eq!(flow.choose("AAAAAA"), Effect::None, "one choice per listing");
    }

    #[test]
    fn a_late_check_in_is_told_it_is_called_in_arrival_order() {
        let mut on_time = crate::fixtures::ticket(2001, motcua_protocol::api::TicketStatus::Waiting, None);
        on_time.channel = "appointment".into();
        on_time.appointment_at = Some("2026-11-23T10:30:00+07:00".into());
        assert_eq!(detail_of(&on_time), "Đất đai · lịch hẹn 10:30 · mời ông/bà chờ gọi số");
        let late = Ticket { appointment_at: None, ..on_time };
        assert!(detail_of(&late).contains("đến sau giờ hẹn"), "{}", detail_of(&late));
        let mut flow = CheckinFlow::default();
        "ABCDEF".chars().for_each(|c| flow.key(&c.to_string()));
        assert!(matches!(flow.submit(), Effect::CheckIn(_)));
        assert!(matches!(flow.answered(Ok(late)), Effect::Print(_)));
        assert!(flow.detail.contains("thứ tự đến"), "{}", flow.detail);
    }

    #[test]
    fn an_answer_after_the_citizen_left_is_dropped() {
        let mut flow = CheckinFlow::default();
        flow.set_mode(1);
        "0912345678".chars().for_each(|c| flow.key(&c.to_string()));
        assert!(matches!(flow.submit(), Effect::CheckIn(_)));
        // The citizen went home (or timed out) and the next one opened check-in.
        flow.open();
        let list =
            TodaysBookings { phone: "09******78".into(), bookings: vec![choice("AAAAAA", "09:00", "N*** A***")] };
        assert_eq!(flow.listed(Ok(list)), Effect::None, "no check-in for someone who left");
        let ticket = crate::fixtures::ticket(2001, motcua_protocol::api::TicketStatus::Waiting, None);
        assert_eq!(flow.answered(Ok(ticket)), Effect::None, "nothing printed for someone who left");
        assert_eq!(flow.step, step::ENTERING);
    }
}
