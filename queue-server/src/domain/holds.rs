//! Holding a slot while the citizen enters their details, and giving the hold back.

use jiff::Timestamp;

use super::booking::{Booking, BookingCode, BookingStatus};
use super::commands::{Executed, Outcome};
use super::error::DomainError;
use super::facts::Fact;
use super::ids::ServiceCode;
use super::queue::Queue;

impl Queue {
    /// Holds a slot for the citizen while they enter their details.
    pub(super) fn hold(
        &mut self,
        code: BookingCode,
        service: ServiceCode,
        start: Timestamp,
        now: Timestamp,
    ) -> Result<Executed, DomainError> {
        if self.book.get(&code).is_some() {
            return Err(DomainError::BookingCodeTaken);
        }
        let day = self.check_room(&service, start, now)?;
        self.check_holds(&service, day, now)?;
        let minutes = i64::from(self.centre.appointments.hold_minutes);
        let booking = Booking {
            code: code.clone(),
            service,
            day,
            slot_at: start,
            status: BookingStatus::Held,
            citizen: None,
            created_at: now,
            hold_until: now.saturating_add(jiff::SignedDuration::from_mins(minutes)).ok(),
            ticket: None,
            checked_in_at: None,
            late: false,
            reminded: false,
        };
        let change = self.record(booking, Fact::BookingHeld, None);
        Ok(Executed { outcome: Outcome::Booking(code), changes: vec![change] })
    }

    /// Gives a hold back unconfirmed: its place is free at once. A hold that lapsed or was given
    /// back already answers as it is, unchanged (a retry); a confirmed booking is cancelled only
    /// with its phone ([`Queue::cancel_booking`]), so it is refused here.
    pub(super) fn release_hold(&mut self, code: BookingCode) -> Result<Executed, DomainError> {
        let booking = self.book.get(&code).ok_or_else(|| DomainError::UnknownBooking(code.to_string()))?;
        match booking.status {
            BookingStatus::Held => {
                let released = Booking { status: BookingStatus::Lapsed, hold_until: None, ..booking.clone() };
                let change = self.record(released, Fact::BookingReleased, None);
                Ok(Executed { outcome: Outcome::Booking(code), changes: vec![change] })
            }
            BookingStatus::Lapsed => Ok(Executed { outcome: Outcome::Booking(code), changes: vec![] }),
            status => Err(DomainError::BookingNotActive(status.label_vi())),
        }
    }
}
