//! One-time codes to the phone before a booking is confirmed: the command that queues the message
//! (the code itself is kept and checked by the HTTP layer, `http/verify.rs`).

use jiff::Timestamp;

use super::booking::{BookingCode, BookingStatus, mobile_number};
use super::commands::{Executed, Outcome};
use super::error::DomainError;
use super::facts::{Change, Fact, Notice, NoticeKind};
use super::queue::Queue;

/// A one-time code in a command: written into its message, never into logs (`Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(******)")
    }
}

impl Queue {
    /// Queues a one-time code to `phone` for confirming the held booking `code` (the caller keeps
    /// the code and checks it before [`Command::Confirm`](super::Command::Confirm)). Refused like a
    /// confirmation: unknown booking, a hold run out, a booking no longer held, an invalid number,
    /// a phone at its bookings for that day (`per_phone_per_day`) — told before a code is spent.
    pub(super) fn send_verification(
        &mut self,
        code: BookingCode,
        phone: &str,
        secret: &str,
        now: Timestamp,
    ) -> Result<Executed, DomainError> {
        let phone = mobile_number(phone).ok_or(DomainError::InvalidPhone)?;
        let booking = self.book.get(&code).ok_or_else(|| DomainError::UnknownBooking(code.to_string()))?;
        match booking.status {
            BookingStatus::Held if booking.hold_until.is_some_and(|until| until > now) => {}
            BookingStatus::Held | BookingStatus::Lapsed => return Err(DomainError::HoldExpired),
            status => return Err(DomainError::BookingNotActive(status.label_vi())),
        }
        self.check_phone_cap(&phone, booking, None)?;
        let s = &self.centre.schedule;
        let when = format!("{} ngày {}", s.local_hhmm(booking.slot_at), s.local_date(booking.slot_at));
        let text = format!(
            "{}: Mã xác nhận đặt lịch {} lúc {when} là {secret}. Không đưa mã này cho người khác.",
            self.centre.name,
            self.centre.service_name(&booking.service)
        );
        let notice = Notice { kind: NoticeKind::Verification, booking: code.clone(), phone, text };
        let change = Change { notice: Some(notice), ..Change::of(Fact::BookingVerificationSent) };
        Ok(Executed { outcome: Outcome::Booking(code), changes: vec![change] })
    }
}
