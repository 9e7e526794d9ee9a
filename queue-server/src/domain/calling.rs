//! Which ticket a counter calls next, and why.
//!
//! The rule, in order:
//! 1. Only tickets waiting in services the counter serves are candidates.
//! 2. A ticket that has waited `aging_minutes` or more goes first, the longest waiting first,
//!    whatever it is: so nobody's wait is unbounded — not a walk-in behind a steady stream of
//!    appointments or priority tickets, not a field the counter prefers less.
//! 3. A booked appointment that is due (its time minus the grace period has come) goes next,
//!    earliest appointment first.
//! 4. Class: when priority and normal tickets both wait, the counter calls `priority_ratio` priority
//!    tickets, then one normal ticket (N:1), so neither class starves. When only one class waits,
//!    that class is called.
//! 5. Within the class the counter's services are taken in its order of preference, first come
//!    first served within a service.
//!
//! With one counter and arrivals that never stop, a ticket is therefore called at the latest
//! `aging_minutes` after it arrived plus the service times of the tickets that aged before it.

use jiff::Timestamp;

use super::centre::{Centre, CounterSpec};
use super::ids::ServiceCode;
use super::ticket::Ticket;

/// Machine code of a call reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// A due appointment.
    AppointmentDue,
    /// Waited past the aging limit.
    Aged,
    /// Priority class turn.
    PriorityTurn,
    /// Normal turn.
    NormalTurn,
    /// Chosen by the officer.
    Chosen,
}

impl ReasonCode {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AppointmentDue => "appointment_due",
            Self::Aged => "aged",
            Self::PriorityTurn => "priority_turn",
            Self::NormalTurn => "normal_turn",
            Self::Chosen => "chosen",
        }
    }
}

/// Why a ticket was called: a code and a Vietnamese sentence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reason {
    /// Machine code.
    pub code: ReasonCode,
    /// Explanation in Vietnamese.
    pub text: String,
}

/// The choice for a counter.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice<'a> {
    /// The ticket to call.
    pub ticket: &'a Ticket,
    /// Why.
    pub reason: Reason,
    /// The counter's priority streak after this call.
    pub streak: u32,
}

/// Context the rule reads besides the tickets.
#[derive(Debug, Clone, Copy)]
pub struct CallContext<'a> {
    /// The calling counter.
    pub counter: &'a CounterSpec,
    /// Priority tickets called in a row by this counter since its last normal call.
    pub streak: u32,
    /// The centre: policy, timetable and names.
    pub centre: &'a Centre,
    /// Now.
    pub now: Timestamp,
}

/// What the rule reads of the waiting tickets; every list is in queue order (arrival, number).
pub trait Waiting {
    /// The earliest waiting ticket of `service` that is (or is not) of a priority class.
    fn first(&self, service: &ServiceCode, priority: bool) -> Option<&Ticket>;
    /// Waiting tickets that carry an appointment time, any service.
    fn with_appointment(&self) -> Vec<&Ticket>;
}

/// Chooses the next ticket for the counter in `ctx`.
pub fn choose<'a>(ctx: &CallContext<'_>, waiting: &'a impl Waiting) -> Option<Choice<'a>> {
    let policy = &ctx.centre.policy;
    let services = &ctx.counter.services;

    // Anyone who has waited the aging limit, appointments and both classes alike: the head of each
    // class of each service, and the appointment tickets, are the oldest of their kind.
    let aging = i64::from(policy.aging_minutes);
    let aged = services
        .iter()
        .flat_map(|s| [waiting.first(s, true), waiting.first(s, false)])
        .flatten()
        .chain(waiting.with_appointment().into_iter().filter(|t| services.contains(&t.service)))
        .filter(|t| t.waited_minutes(ctx.now) >= aging)
        .min_by_key(|t| t.queue_key());
    if let Some(ticket) = aged {
        let text = format!(
            "Đã chờ {} phút: ai chờ từ {} phút trở lên được gọi trước, kể cả trước người có lịch hẹn và đối tượng ưu tiên, để không ai phải chờ quá lâu",
            ticket.waited_minutes(ctx.now),
            aging
        );
        let streak = if ticket.priority.is_some() { ctx.streak + 1 } else { 0 };
        return Some(Choice { ticket, reason: Reason { code: ReasonCode::Aged, text }, streak });
    }

    let grace = jiff::SignedDuration::from_mins(i64::from(policy.appointment_grace_minutes));
    let due = waiting
        .with_appointment()
        .into_iter()
        .filter(|t| services.contains(&t.service))
        .filter_map(|t| t.appointment_at.map(|at| (at, t)))
        .filter(|(at, _)| at.checked_sub(grace).is_ok_and(|from| from <= ctx.now))
        .min_by_key(|(at, t)| (*at, t.queue_key()));
    if let Some((at, ticket)) = due {
        let text = format!(
            "Công dân có lịch hẹn lúc {} đã đến giờ hẹn nên được gọi trước",
            ctx.centre.schedule.local_hhmm(at)
        );
        return Some(Choice { ticket, reason: Reason { code: ReasonCode::AppointmentDue, text }, streak: ctx.streak });
    }

    // The head of each class in each of the counter's services, in the counter's order.
    let heads = |priority: bool| -> Vec<(usize, &'a Ticket)> {
        services.iter().enumerate().filter_map(|(rank, s)| waiting.first(s, priority).map(|t| (rank, t))).collect()
    };
    let (priority, normal) = (heads(true), heads(false));
    let ratio = policy.priority_ratio;
    let (class, streak, class_text) = if !priority.is_empty() && (ctx.streak < ratio || normal.is_empty()) {
        let text = if normal.is_empty() {
            "Lượt ưu tiên (không có số thường đang chờ)".to_string()
        } else {
            format!("Lượt ưu tiên {}/{} trước mỗi lượt thường", ctx.streak + 1, ratio)
        };
        (priority, ctx.streak + 1, text)
    } else if !normal.is_empty() {
        let text = if priority.is_empty() {
            "Lượt thường (không có số ưu tiên đang chờ)".to_string()
        } else {
            format!("Lượt thường sau {} lượt ưu tiên liên tiếp", ctx.streak)
        };
        (normal, 0, text)
    } else {
        return None;
    };

    let (rank, ticket) = *class.first()?;
    let order_text = if services.len() > 1 {
        format!(
            "đến sớm nhất trong lĩnh vực {} (lĩnh vực thứ {} của quầy có người chờ)",
            ctx.centre.service_name(&ticket.service),
            rank + 1
        )
    } else {
        format!("đến sớm nhất trong lĩnh vực {}", ctx.centre.service_name(&ticket.service))
    };
    let code = if ticket.priority.is_some() { ReasonCode::PriorityTurn } else { ReasonCode::NormalTurn };
    let class_text = match &ticket.priority {
        Some(p) => {
            let name = ctx.centre.priority_class(p).map_or(p.as_str(), |c| c.name_vi.as_str());
            format!("{class_text}, đối tượng {name}")
        }
        None => class_text,
    };
    Some(Choice { ticket, reason: Reason { code, text: format!("{class_text}; {order_text}") }, streak })
}
