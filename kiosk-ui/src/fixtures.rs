//! Values the unit tests share.

use motcua_protocol::api::{Ticket, TicketStatus};

/// Today's Đất đai ticket `number` in `status`, at `counter` if called.
pub fn ticket(number: u32, status: TicketStatus, counter: Option<u16>) -> Ticket {
    Ticket {
        id: format!("20261123-DD-{number}"),
        number,
        service: "DD".into(),
        service_name_vi: "Đất đai".into(),
        priority: None,
        channel: "kiosk".into(),
        status,
        position: (status == TicketStatus::Waiting).then_some(7),
        estimated_wait_minutes: (status == TicketStatus::Waiting).then_some(25),
        issued_at: String::new(),
        counter,
        called_at: None,
        recalls: 0,
        appointment_at: None,
        rejoin_until: None,
        transferred_from: None,
    }
}
