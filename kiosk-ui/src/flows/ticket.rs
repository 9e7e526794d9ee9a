//! Taking a ticket: field → priority class → issue → print → number on screen.

use motcua_protocol::api::{IssueTicketRequest, PriorityClassInfo, ServiceInfo, Ticket};

use super::{Effect, Keys};
use crate::api::ApiError;

/// Where the flow is; numbers match `TicketAdapter.step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Choosing a field.
    Choose = 0,
    /// Choosing a priority class.
    Class = 1,
    /// Issuing and printing.
    Printing = 2,
    /// The number is shown.
    Done = 3,
    /// A message.
    Message = 4,
}

/// The ticket flow.
#[derive(Debug, Clone)]
pub struct TicketFlow {
    /// Where it is.
    pub step: Step,
    /// The chosen field.
    pub service: Option<ServiceInfo>,
    /// The issued ticket.
    pub ticket: Option<Ticket>,
    /// Whether the ticket came out of the printer.
    pub printed: bool,
    /// Message title.
    pub title: String,
    /// Message text.
    pub message: String,
    keys: Keys,
    /// The last request that got no answer: retrying the same choice reuses its key, so the server
    /// never issues two tickets for one press.
    unanswered: Option<IssueTicketRequest>,
}

impl TicketFlow {
    /// A flow for this kiosk, making its idempotency keys from `keys`.
    pub fn new(keys: Keys) -> Self {
        Self {
            step: Step::Choose,
            service: None,
            ticket: None,
            printed: false,
            title: String::new(),
            message: String::new(),
            keys,
            unanswered: None,
        }
    }

    /// The citizen left (home, or the screen went idle): a press that got no answer is not retried
    /// with its key by the next person, who may want the same field and class.
    pub fn forget_unanswered(&mut self) {
        self.unanswered = None;
    }

    /// Starts again at the field choice.
    pub fn open(&mut self) {
        self.step = Step::Choose;
        self.service = None;
        self.ticket = None;
        self.printed = false;
    }

    /// The citizen chose a field.
    pub fn choose(&mut self, services: &[ServiceInfo], classes: &[PriorityClassInfo], code: &str) -> Effect {
        let Some(service) = services.iter().find(|s| s.code == code) else {
            return self.show("Không tìm thấy lĩnh vực", "Danh sách lĩnh vực vừa thay đổi, xin ông/bà chọn lại.");
        };
        if !service.open {
            let reason = service.closed_reason.clone().unwrap_or_else(|| "Lĩnh vực này tạm thời không nhận số.".into());
            return self.show(&format!("{} chưa nhận số", service.name_vi), &reason);
        }
        self.service = Some(service.clone());
        if classes.is_empty() {
            return self.choose_class("");
        }
        self.step = Step::Class;
        Effect::None
    }

    /// The citizen chose a priority class (`""` for none).
    pub fn choose_class(&mut self, class: &str) -> Effect {
        let Some(service) = &self.service else {
            self.open();
            return Effect::None;
        };
        let priority = (!class.is_empty()).then(|| class.to_string());
        let request = match &self.unanswered {
            Some(r) if r.service == service.code && r.priority == priority => r.clone(),
            _ => IssueTicketRequest {
                service: service.code.clone(),
                priority,
                idempotency_key: Some(self.keys.next("t")),
                channel: Some("kiosk".into()),
            },
        };
        self.unanswered = Some(request.clone());
        self.step = Step::Printing;
        Effect::Issue(request)
    }

    /// The server answered the issue request.
    pub fn issued(&mut self, answer: Result<Ticket, ApiError>) -> Effect {
        match answer {
            Ok(ticket) => {
                self.unanswered = None;
                self.ticket = Some(ticket.clone());
                Effect::Print(Box::new(ticket))
            }
            Err(e) => {
                if !e.is_transient() {
                    self.unanswered = None;
                }
                let (title, message) = e.friendly();
                self.show(&title, &message)
            }
        }
    }

    /// The printer answered; the number is shown either way.
    pub fn printed(&mut self, ok: bool) {
        self.printed = ok;
        self.step = Step::Done;
    }

    fn show(&mut self, title: &str, message: &str) -> Effect {
        self.step = Step::Message;
        self.title = title.to_string();
        self.message = message.to_string();
        Effect::None
    }
}

#[cfg(test)]
mod tests {
    use motcua_protocol::api::TicketStatus;

    use super::*;

    fn service(code: &str, open: bool) -> ServiceInfo {
        ServiceInfo {
            code: code.into(),
            name_vi: "Đất đai".into(),
            name_en: "Land".into(),
            waiting: 3,
            estimated_wait_minutes: Some(12),
            remaining_today: if open { 50 } else { 0 },
            capacity_today: 120,
            open,
            closed_reason: (!open).then(|| "Lĩnh vực Đất đai đã hết số hôm nay".into()),
            intake_closed: None,
            counters_open: 1,
            walk_ins_today: 0,
            booked_today: 0,
            bookings_left_today: 0,
        }
    }

    fn class() -> PriorityClassInfo {
        PriorityClassInfo { code: "elderly".into(), name_vi: "Người cao tuổi".into(), name_en: "Elderly".into() }
    }

    fn ticket() -> Ticket {
        crate::fixtures::ticket(1012, TicketStatus::Waiting, None)
    }

    #[test]
    fn a_field_then_a_class_issues_then_prints() {
        let mut flow = TicketFlow::new(Keys::new("k1"));
        assert_eq!(flow.choose(&[service("DD", true)], &[class()], "DD"), Effect::None);
        assert_eq!(flow.step, Step::Class);
        let Effect::Issue(request) = flow.choose_class("elderly") else { panic!("issues") };
        assert_eq!((request.service.as_str(), request.priority.as_deref()), ("DD", Some("elderly")));
        assert_eq!(flow.step, Step::Printing);
        assert_eq!(flow.issued(Ok(ticket())), Effect::Print(Box::new(ticket())));
        flow.printed(false);
        assert_eq!((flow.step, flow.printed), (Step::Done, false), "the number is shown even when the printer failed");
    }

    #[test]
    fn a_closed_field_explains_why_and_asks_nothing_of_the_server() {
        let mut flow = TicketFlow::new(Keys::new("k1"));
        assert_eq!(flow.choose(&[service("DD", false)], &[class()], "DD"), Effect::None);
        assert_eq!(flow.step, Step::Message);
        assert!(flow.message.contains("hết số"));
    }

    #[test]
    fn retrying_after_no_answer_reuses_the_key_but_a_new_choice_does_not() {
        let mut flow = TicketFlow::new(Keys::new("k1"));
        flow.choose(&[service("DD", true)], &[], "DD");
        let first = flow.unanswered.clone().expect("pending");
        flow.issued(Err(ApiError::Unavailable("timeout".into())));
        assert_eq!(flow.step, Step::Message);
        flow.open();
        let Effect::Issue(again) = flow.choose(&[service("DD", true)], &[], "DD") else { panic!("issues") };
        assert_eq!(again.idempotency_key, first.idempotency_key, "same press, same key");
        flow.issued(Err(ApiError::Refused {
            status: 409,
            code: "capacity_exhausted".into(),
            message: "Hết số".into(),
        }));
        assert_eq!(flow.message, "Hết số");
        flow.open();
        let Effect::Issue(fresh) = flow.choose(&[service("DD", true)], &[], "DD") else { panic!("issues") };
        assert_ne!(fresh.idempotency_key, first.idempotency_key, "a refusal ends the press");
    }
}
