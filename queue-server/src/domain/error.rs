//! Why the engine refuses a command. Each refusal has a stable code and a Vietnamese message;
//! `crate::http::error` maps them to HTTP statuses.

use std::fmt;

use super::centre::Closed;

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
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for DomainError {}
