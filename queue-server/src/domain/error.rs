//! Why the engine refuses a command. Each refusal has a stable code and a Vietnamese message;
//! `crate::http::error` maps them to HTTP statuses.

use std::fmt;

use super::centre::Closed;
use super::slots::SlotProblem;

/// A refused command. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// No such service.
    UnknownService(String),
    /// No such counter.
    UnknownCounter(u16),
    /// No such ticket today.
    UnknownTicket(String),
    /// No such priority class.
    UnknownPriority(String),
    /// The centre does not take tickets now.
    ServiceClosed(Closed),
    /// A supervisor closed the field's intake for the day.
    IntakeClosed {
        /// Field name.
        service: String,
        /// The supervisor's reason.
        reason: String,
    },
    /// A supervisor closed the field's intake for today: no booking for today is taken.
    BookingsClosedToday {
        /// Field name.
        service: String,
        /// The supervisor's reason.
        reason: String,
    },
    /// Walk-in tickets stopped before the closing hour (`calling.stop_intake_before_close_minutes`).
    IntakeStopped {
        /// Field name.
        service: String,
        /// `HH:MM` from which tickets stopped.
        from: String,
    },
    /// The service's daily capacity is spent.
    CapacityExhausted {
        /// Service name.
        service: String,
        /// The capacity.
        capacity: u32,
    },
    /// The service's number range is spent.
    NumberRangeExhausted {
        /// Service name.
        service: String,
    },
    /// The counter is closed.
    CounterClosed(u16),
    /// The counter is paused.
    CounterPaused(u16),
    /// The counter is still dealing with a ticket.
    CounterBusy {
        /// Counter.
        counter: u16,
        /// The ticket's number.
        number: u32,
    },
    /// The counter has no current ticket to act on.
    NoCurrentTicket(u16),
    /// The ticket is not in a state that allows this.
    InvalidTransition {
        /// Ticket number.
        number: u32,
        /// What was asked, in Vietnamese.
        action: &'static str,
        /// The ticket's status label.
        status: &'static str,
    },
    /// The counter does not serve the ticket's service.
    NotServedHere {
        /// Counter.
        counter: u16,
        /// Service name.
        service: String,
    },
    /// Transfer to the service the ticket is already in.
    SameService,
    /// A no-show ticket past its rejoin window.
    RejoinWindowOver(u32),
    /// Bad free text (pause reason, tag, comment, key).
    InvalidText {
        /// Field.
        field: &'static str,
        /// Vietnamese explanation.
        message: String,
    },
    /// Score outside the scale.
    InvalidScore {
        /// Levels of the scale.
        levels: usize,
    },
    /// A rating names neither a ticket nor a counter.
    RatingWithoutTarget,
    /// The ticket was not served, so it cannot be rated.
    NotServedYet(u32),
    /// The ticket was rated already.
    AlreadyRated(u32),
    /// The dossier (receipt code) was rated already.
    DossierAlreadyRated(String),
    /// The field takes no bookings.
    NotBookable(String),
    /// The time is not a slot that can be booked now.
    SlotNotOffered(SlotProblem),
    /// The slot (`HH:MM`) is fully booked.
    SlotFull(String),
    /// As many of the field's places that day are on hold (not yet confirmed) as may be: the
    /// holds lapse or are confirmed within minutes.
    HoldsFull {
        /// Field name.
        service: String,
        /// `dd/mm/yyyy`.
        day: String,
    },
    /// The field's bookings for the day are all taken.
    BookingsFull {
        /// Field name.
        service: String,
        /// `dd/mm/yyyy`.
        day: String,
    },
    /// The generated booking code exists already (the caller draws another).
    BookingCodeTaken,
    /// No such booking (or not with that phone).
    UnknownBooking(String),
    /// The hold ran out before confirmation.
    HoldExpired,
    /// Not a Vietnamese mobile number.
    InvalidPhone,
    /// Not a 12-digit citizen ID number.
    InvalidCitizenId,
    /// The booking's status does not allow this (its label).
    BookingNotActive(&'static str),
    /// The citizen has as many bookings that day as allowed.
    CitizenDayLimit(u32),
    /// The phone has as many bookings that day as allowed, whoever they are for.
    PhoneDayLimit(u32),
    /// The citizen has as many open bookings in the field as allowed.
    CitizenServiceLimit {
        /// The limit.
        limit: u32,
        /// Field name.
        service: String,
    },
    /// Check-in on another day than the booking's (`HH:MM ngày dd/mm/yyyy`).
    CheckInOtherDay {
        /// The booking's time.
        when: String,
    },
    /// Before the check-in window (opens at `HH:MM`).
    CheckInTooEarly {
        /// When check-in opens.
        from: String,
    },
    /// After the check-in window, and late arrivals are refused.
    CheckInTooLate {
        /// The slot, `HH:MM`.
        slot: String,
    },
    /// No booking today for this phone (masked).
    NoBookingToday(String),
    /// The phone has several of today's bookings: the citizen picks one (kiosk: the list of
    /// `GET /api/v1/appointments/today`).
    SeveralBookings {
        /// The phone, masked.
        phone: String,
        /// How many.
        count: usize,
    },
    /// A choice from the kiosk's list of a phone's bookings that is no longer among them (the
    /// list changed, or the server restarted since it was shown).
    ChoiceStale,
    /// The booking was checked in and its ticket is no longer in the queue (served, or called while
    /// the citizen was away and past its rejoin window).
    CheckInTicketOver {
        /// The ticket's number.
        number: u32,
        /// The ticket's status label.
        status: &'static str,
    },
    /// A ticket of a service day too long ago to be rated now.
    RatingTooLate {
        /// The ticket's number.
        number: u32,
        /// How many days a ticket can still be rated.
        days: i64,
    },
    /// An idempotency key already answered a different request (another field, class, channel,
    /// ticket or score): a client bug or two clients sharing keys. Never answered with the old
    /// result (IETF draft "The Idempotency-Key HTTP Header Field", section 2.7: 422).
    KeyReused {
        /// What the key was first used for, in Vietnamese (`số 1029 lĩnh vực Đất đai`).
        first: String,
    },
}

impl DomainError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownService(_) => "unknown_service",
            Self::UnknownCounter(_) => "unknown_counter",
            Self::UnknownTicket(_) => "ticket_not_found",
            Self::UnknownPriority(_) => "unknown_priority",
            Self::ServiceClosed(_) => "service_closed",
            Self::IntakeClosed { .. } => "intake_closed",
            Self::IntakeStopped { .. } => "intake_stopped",
            Self::BookingsClosedToday { .. } => "bookings_closed_today",
            Self::CapacityExhausted { .. } => "capacity_exhausted",
            Self::NumberRangeExhausted { .. } => "number_range_exhausted",
            Self::CounterClosed(_) => "counter_closed",
            Self::CounterPaused(_) => "counter_paused",
            Self::CounterBusy { .. } => "counter_busy",
            Self::NoCurrentTicket(_) => "no_current_ticket",
            Self::InvalidTransition { .. } => "invalid_transition",
            Self::NotServedHere { .. } => "not_served_here",
            Self::SameService => "same_service",
            Self::RejoinWindowOver(_) => "rejoin_window_over",
            Self::InvalidText { .. } => "invalid_text",
            Self::InvalidScore { .. } => "invalid_score",
            Self::RatingWithoutTarget => "rating_without_target",
            Self::NotServedYet(_) => "ticket_not_served",
            Self::AlreadyRated(_) => "already_rated",
            Self::DossierAlreadyRated(_) => "dossier_already_rated",
            Self::NotBookable(_) => "not_bookable",
            Self::SlotNotOffered(SlotProblem::Past) => "slot_in_past",
            Self::SlotNotOffered(SlotProblem::BeyondHorizon) => "slot_beyond_horizon",
            Self::SlotNotOffered(SlotProblem::TooSoon) => "slot_too_soon",
            Self::SlotNotOffered(SlotProblem::NotASlot) => "not_a_slot",
            Self::SlotFull(_) => "slot_full",
            Self::HoldsFull { .. } => "holds_full",
            Self::BookingsFull { .. } => "bookings_full",
            Self::BookingCodeTaken => "booking_code_taken",
            Self::UnknownBooking(_) | Self::NoBookingToday(_) => "booking_not_found",
            Self::SeveralBookings { .. } => "several_bookings",
            Self::ChoiceStale => "booking_choice_stale",
            Self::HoldExpired => "hold_expired",
            Self::InvalidPhone => "invalid_phone",
            Self::InvalidCitizenId => "invalid_citizen_id",
            Self::BookingNotActive(_) => "booking_not_active",
            Self::CitizenDayLimit(_) => "booking_limit_day",
            Self::PhoneDayLimit(_) => "booking_limit_phone",
            Self::CitizenServiceLimit { .. } => "booking_limit_service",
            Self::CheckInOtherDay { .. } => "checkin_other_day",
            Self::CheckInTooEarly { .. } => "checkin_too_early",
            Self::CheckInTooLate { .. } => "checkin_too_late",
            Self::KeyReused { .. } => "idempotency_key_reused",
            Self::RatingTooLate { .. } => "rating_too_late",
            Self::CheckInTicketOver { .. } => "checkin_ticket_over",
        }
    }

    /// Vietnamese message.
    pub fn message(&self) -> String {
        match self {
            Self::UnknownService(c) => format!("Không có lĩnh vực mã «{c}»"),
            Self::UnknownCounter(n) => format!("Không có quầy số {n}"),
            Self::UnknownTicket(id) => format!("Không tìm thấy phiếu «{id}» trong ngày"),
            Self::UnknownPriority(p) => format!("Không có đối tượng ưu tiên «{p}»"),
            Self::ServiceClosed(why) => why.message(),
            Self::IntakeClosed { service, reason } => {
                format!("Lĩnh vực {service} tạm ngừng nhận số hôm nay: {reason}. Người đã có số vẫn được phục vụ")
            }
            Self::BookingsClosedToday { service, reason } => {
                format!("Lĩnh vực {service} tạm ngừng nhận lịch hẹn cho hôm nay: {reason}. Mời chọn ngày khác")
            }
            Self::IntakeStopped { service, from } => format!(
                "Lĩnh vực {service} đã ngừng cấp số từ {from} để kịp phục vụ người đang chờ trước giờ đóng cửa. Mời quay lại vào ngày làm việc tiếp theo hoặc đặt lịch hẹn"
            ),
            Self::CapacityExhausted { service, capacity } => {
                format!(
                    "Lĩnh vực {service} đã hết số hôm nay ({capacity} số). Mời quay lại vào ngày làm việc tiếp theo hoặc đặt lịch hẹn"
                )
            }
            Self::NumberRangeExhausted { service } => format!("Lĩnh vực {service} đã hết dãy số trong ngày"),
            Self::CounterClosed(n) => format!("Quầy {n} đang đóng, hãy mở quầy trước"),
            Self::CounterPaused(n) => format!("Quầy {n} đang tạm dừng, hãy mở lại quầy trước"),
            Self::CounterBusy { counter, number } => {
                format!("Quầy {counter} đang phục vụ số {number}: hãy hoàn thành, chuyển hoặc báo vắng mặt trước")
            }
            Self::NoCurrentTicket(n) => format!("Quầy {n} chưa gọi số nào"),
            Self::InvalidTransition { number, action, status } => {
                format!("Không thể {action} số {number} khi phiếu ở trạng thái «{status}»")
            }
            Self::NotServedHere { counter, service } => format!("Quầy {counter} không phục vụ lĩnh vực {service}"),
            Self::SameService => "Phiếu đã thuộc lĩnh vực này".into(),
            Self::RejoinWindowOver(n) => format!("Số {n} đã quá thời gian được quay lại hàng chờ, mời lấy số mới"),
            Self::InvalidText { message, .. } => message.clone(),
            Self::InvalidScore { levels } => format!("Mức đánh giá phải từ 1 đến {levels}"),
            Self::RatingWithoutTarget => "Đánh giá cần số phiếu đã được phục vụ hoặc số quầy".into(),
            Self::NotServedYet(n) => format!("Số {n} chưa được phục vụ xong nên chưa thể đánh giá"),
            Self::AlreadyRated(n) => format!("Số {n} đã được đánh giá, cảm ơn ông/bà"),
            Self::DossierAlreadyRated(code) => format!("Hồ sơ {code} đã được đánh giá, cảm ơn ông/bà"),
            Self::NotBookable(s) => format!("Lĩnh vực {s} không nhận đặt lịch hẹn, mời lấy số tại kiosk"),
            Self::SlotNotOffered(SlotProblem::Past) => "Không thể đặt lịch vào thời điểm đã qua".into(),
            Self::SlotNotOffered(SlotProblem::BeyondHorizon) => {
                "Ngày này chưa mở đặt lịch, mời chọn ngày gần hơn".into()
            }
            Self::SlotNotOffered(SlotProblem::TooSoon) => {
                "Khung giờ này quá gần, cần đặt trước ít nhất theo quy định, mời chọn khung giờ sau".into()
            }
            Self::SlotNotOffered(SlotProblem::NotASlot) => {
                "Thời điểm này không phải khung giờ làm việc (ngoài giờ, nghỉ trưa hoặc ngày nghỉ)".into()
            }
            Self::SlotFull(at) => format!("Khung giờ {at} đã hết chỗ, mời chọn khung giờ khác"),
            Self::HoldsFull { service, day } => format!(
                "Nhiều người đang giữ chỗ lĩnh vực {service} ngày {day} mà chưa xác nhận; vui lòng thử lại sau vài phút"
            ),
            Self::BookingsFull { service, day } => {
                format!("Lĩnh vực {service} đã hết lượt đặt lịch ngày {day}, mời chọn ngày khác")
            }
            Self::BookingCodeTaken => "Mã lịch hẹn bị trùng, vui lòng thử lại".into(),
            Self::UnknownBooking(code) => {
                format!("Không tìm thấy lịch hẹn «{code}» (hoặc số điện thoại không khớp)")
            }
            Self::NoBookingToday(phone) => format!("Không có lịch hẹn hôm nay cho số điện thoại {phone}"),
            Self::ChoiceStale => {
                "Lịch hẹn đã chọn không còn trong danh sách, mời nhập lại số điện thoại để xem lại".into()
            }
            Self::SeveralBookings { phone, count } => {
                format!("Số điện thoại {phone} có {count} lịch hẹn hôm nay, mời chọn lịch hẹn cần nhận số")
            }
            Self::HoldExpired => "Đã hết thời gian giữ chỗ, khung giờ chưa được đặt. Mời chọn lại khung giờ".into(),
            Self::InvalidPhone => {
                "Số điện thoại di động không hợp lệ: cần 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09".into()
            }
            Self::InvalidCitizenId => {
                "Số định danh cá nhân (CCCD) không hợp lệ: cần đủ 12 chữ số, 3 số đầu là mã tỉnh".into()
            }
            Self::BookingNotActive(status) => format!("Lịch hẹn đang ở trạng thái «{status}», không thể thực hiện"),
            Self::CitizenDayLimit(n) => format!("Mỗi công dân được đặt tối đa {n} lịch hẹn trong một ngày"),
            Self::PhoneDayLimit(n) => format!("Mỗi số điện thoại được đặt tối đa {n} lịch hẹn trong một ngày"),
            Self::CitizenServiceLimit { limit, service } => {
                format!("Mỗi công dân được giữ tối đa {limit} lịch hẹn chưa thực hiện cho lĩnh vực {service}")
            }
            Self::CheckInOtherDay { when } => format!("Lịch hẹn của quý khách là lúc {when}, không phải hôm nay"),
            Self::CheckInTooEarly { from } => {
                format!("Quý khách đến sớm, vui lòng check-in từ {from}")
            }
            Self::CheckInTooLate { slot } => format!(
                "Đã quá giờ check-in của lịch hẹn lúc {slot}. Mời quý khách lấy số thường tại kiosk hoặc đặt lịch khác"
            ),
            Self::CheckInTicketOver { number, status } => format!(
                "Lịch hẹn này đã nhận số {number} và số đó đã «{status}», không dùng lại được. Mời quý khách lấy số thường tại kiosk"
            ),
            Self::RatingTooLate { number, days } => {
                format!("Phiếu số {number} đã quá {days} ngày nên không còn đánh giá được")
            }
            Self::KeyReused { first } => format!(
                "Khóa chống trùng của yêu cầu này đã được dùng cho {first}. Yêu cầu không được thực hiện, xin thử lại"
            ),
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for DomainError {}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
