//! Every refusal has a code and a Vietnamese message; each maps to its HTTP status.

use super::*;
use jiff::civil::time;

/// One of each refusal. The match below has no wildcard: a new refusal does not compile until
/// it is listed here, so every refusal is checked.
fn every_refusal() -> Vec<DomainError> {
    let all = vec![
        DomainError::UnknownService("ZZ".into()),
        DomainError::UnknownCounter(99),
        DomainError::UnknownTicket("20261123-DD-9999".into()),
        DomainError::UnknownPriority("vip".into()),
        DomainError::ServiceClosed(Closed::Lunch(time(13, 30, 0, 0))),
        DomainError::IntakeClosed { service: "Đất đai".into(), reason: "Bảo trì".into() },
        DomainError::IntakeStopped { service: "Đất đai".into(), from: "16:30".into() },
        DomainError::BookingsClosedToday { service: "Tư pháp".into(), reason: "Bảo trì".into() },
        DomainError::PhoneDayLimit(4),
        DomainError::CapacityExhausted { service: "Đất đai".into(), capacity: 120 },
        DomainError::NumberRangeExhausted { service: "Đất đai".into() },
        DomainError::CounterClosed(1),
        DomainError::CounterPaused(1),
        DomainError::CounterBusy { counter: 1, number: 1001 },
        DomainError::NoCurrentTicket(1),
        DomainError::InvalidTransition { number: 1001, action: "hủy", status: "Đã phục vụ" },
        DomainError::NotServedHere { counter: 4, service: "Xây dựng".into() },
        DomainError::SameService,
        DomainError::RejoinWindowOver(1001),
        DomainError::InvalidText { field: "reason", message: "Lý do phải có từ 1 đến 120 ký tự".into() },
        DomainError::InvalidScore { levels: 4 },
        DomainError::RatingWithoutTarget,
        DomainError::NotServedYet(1001),
        DomainError::AlreadyRated(1001),
        DomainError::DossierAlreadyRated("H56.22-261201-0001".into()),
        DomainError::NotBookable("Đất đai".into()),
        DomainError::SlotNotOffered(SlotProblem::Past),
        DomainError::SlotNotOffered(SlotProblem::BeyondHorizon),
        DomainError::SlotNotOffered(SlotProblem::TooSoon),
        DomainError::SlotNotOffered(SlotProblem::NotASlot),
        DomainError::SlotFull("09:00".into()),
        DomainError::HoldsFull { service: "Tư pháp".into(), day: "23/11/2026".into() },
        DomainError::BookingsFull { service: "Tư pháp".into(), day: "23/11/2026".into() },
        DomainError::BookingCodeTaken,
        DomainError::UnknownBooking("K7MX3Q".into()),
        DomainError::HoldExpired,
        DomainError::InvalidPhone,
        DomainError::InvalidCitizenId,
        DomainError::BookingNotActive("Đã hủy"),
        DomainError::CitizenDayLimit(2),
        DomainError::CitizenServiceLimit { limit: 1, service: "Tư pháp".into() },
        DomainError::CheckInOtherDay { when: "09:00 ngày 24/11/2026".into() },
        DomainError::CheckInTooEarly { from: "08:45".into() },
        DomainError::CheckInTooLate { slot: "09:00".into() },
        DomainError::NoBookingToday("09******78".into()),
        DomainError::SeveralBookings { phone: "09******78".into(), count: 2 },
        DomainError::ChoiceStale,
        DomainError::CheckInTicketOver { number: 4001, status: "Hết hiệu lực" },
        DomainError::RatingTooLate { number: 1001, days: 7 },
        DomainError::KeyReused { first: "số 1029 lĩnh vực Đất đai".into() },
    ];
    for e in &all {
        match e {
            DomainError::UnknownService(_)
            | DomainError::UnknownCounter(_)
            | DomainError::UnknownTicket(_)
            | DomainError::UnknownPriority(_)
            | DomainError::ServiceClosed(_)
            | DomainError::IntakeClosed { .. }
            | DomainError::IntakeStopped { .. }
            | DomainError::BookingsClosedToday { .. }
            | DomainError::PhoneDayLimit(_)
            | DomainError::CapacityExhausted { .. }
            | DomainError::NumberRangeExhausted { .. }
            | DomainError::CounterClosed(_)
            | DomainError::CounterPaused(_)
            | DomainError::CounterBusy { .. }
            | DomainError::NoCurrentTicket(_)
            | DomainError::InvalidTransition { .. }
            | DomainError::NotServedHere { .. }
            | DomainError::SameService
            | DomainError::RejoinWindowOver(_)
            | DomainError::InvalidText { .. }
            | DomainError::InvalidScore { .. }
            | DomainError::RatingWithoutTarget
            | DomainError::NotServedYet(_)
            | DomainError::AlreadyRated(_)
            | DomainError::DossierAlreadyRated(_)
            | DomainError::NotBookable(_)
            | DomainError::SlotNotOffered(_)
            | DomainError::SlotFull(_)
            | DomainError::HoldsFull { .. }
            | DomainError::BookingsFull { .. }
            | DomainError::BookingCodeTaken
            | DomainError::UnknownBooking(_)
            | DomainError::HoldExpired
            | DomainError::InvalidPhone
            | DomainError::InvalidCitizenId
            | DomainError::BookingNotActive(_)
            | DomainError::CitizenDayLimit(_)
            | DomainError::CitizenServiceLimit { .. }
            | DomainError::CheckInOtherDay { .. }
            | DomainError::CheckInTooEarly { .. }
            | DomainError::CheckInTooLate { .. }
            | DomainError::NoBookingToday(_)
            | DomainError::SeveralBookings { .. }
            | DomainError::ChoiceStale
            | DomainError::CheckInTicketOver { .. }
            | DomainError::RatingTooLate { .. }
            | DomainError::KeyReused { .. } => {}
        }
    }
    all
}

#[test]
fn every_refusal_has_a_machine_code_and_a_vietnamese_message() {
    let all = every_refusal();
    for e in &all {
        let code = e.code();
        assert!(!code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{code} is snake_case");
        let message = e.message();
        assert!(message.chars().count() >= 10, "{code}: {message}");
        assert!(!message.is_ascii(), "{code} speaks Vietnamese: {message}");
    }
    // One meaning per code (the two "not found" bookings share theirs on purpose).
    let mut codes: Vec<&str> = all.iter().map(DomainError::code).collect();
    codes.sort_unstable();
    let n = codes.len();
    codes.dedup();
    assert_eq!(n - codes.len(), 1, "only booking_not_found is shared: {codes:?}");
}
