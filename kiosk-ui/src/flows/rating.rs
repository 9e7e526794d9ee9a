//! Rating: the number on the ticket (or its QR code), a level, reasons for a low one; kept in the
//! outbox until the server has it, so a rating given while offline is not lost.

use motcua_protocol::api::{Ticket, TicketStatus};

use super::{Effect, Keys, backspace, type_key};
use crate::api::ApiError;

/// Steps, matching `RatingAdapter.step`.
pub mod steps {
    /// Typing the number.
    pub const NUMBER: i32 = 0;
    /// Choosing a level.
    pub const LEVEL: i32 = 1;
    /// Choosing reasons.
    pub const TAGS: i32 = 2;
    /// Thank you.
    pub const THANKS: i32 = 3;
    /// A message.
    pub const MESSAGE: i32 = 4;
}

/// A rating waiting to be delivered.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingRating {
    /// The ticket's id, when known.
    pub ticket: Option<String>,
    /// The number on the ticket, to find it when the id is not known yet.
    pub number: u32,
    /// The service day of the ticket (`YYYY-MM-DD`), as the kiosk last heard it from the server;
    /// filled in when the rating is kept.
    #[serde(default)]
    pub day: Option<String>,
    /// When the citizen gave it (RFC 3339, by the server's clock as the kiosk keeps it); filled in
    /// when the rating is kept.
    #[serde(default)]
    pub given_at: Option<String>,
    /// 1..=levels.
    pub score: u8,
    /// Reasons.
    pub tags: Vec<String>,
    /// Makes delivery repeatable.
    pub idempotency_key: String,
    /// Instead of a ticket: the dossier rated, by the receipt code scanned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_code: Option<String>,
}

/// The rating flow.
#[derive(Debug, Clone)]
pub struct RatingFlow {
    /// Where it is.
    pub step: i32,
    /// The number typed.
    pub value: String,
    /// The ticket, once found.
    pub ticket: Option<Ticket>,
    /// The number being rated.
    pub number: u32,
    /// Chosen level.
    pub score: u8,
    /// Reason tags with their selection.
    pub tags: Vec<(String, bool)>,
    /// Whether the rating waits in the outbox.
    pub queued: bool,
    /// Message title.
    pub title: String,
    /// Message text.
    pub message: String,
    /// The id from a scanned ticket QR, kept so that a rating given while the server cannot be
    /// reached still names the ticket scanned.
    scanned_id: Option<String>,
    /// The dossier being rated (its receipt scanned) and its procedure's name once known.
    pub dossier: Option<(String, String)>,
    keys: Keys,
}

impl RatingFlow {
    /// A flow for this kiosk with these reason tags, making its idempotency keys from `keys`.
    pub fn new(keys: Keys, tags: &[String]) -> Self {
        Self {
            step: steps::NUMBER,
            value: String::new(),
            ticket: None,
            number: 0,
            score: 0,
            tags: tags.iter().map(|t| (t.clone(), false)).collect(),
            queued: false,
            title: String::new(),
            message: String::new(),
            scanned_id: None,
            dossier: None,
            keys,
        }
    }

    /// Starts again.
    pub fn open(&mut self) {
        self.step = steps::NUMBER;
        self.value.clear();
        self.ticket = None;
        self.scanned_id = None;
        self.dossier = None;
        self.number = 0;
        self.queued = false;
        self.tags.iter_mut().for_each(|t| t.1 = false);
    }

    /// A key was touched.
    pub fn key(&mut self, key: &str) {
        if key.bytes().all(|b| b.is_ascii_digit()) {
            type_key(&mut self.value, key, 6);
        }
    }

    /// Delete was touched.
    pub fn backspace(&mut self) {
        backspace(&mut self.value);
    }

    /// Next was touched after typing the number.
    pub fn submit_number(&mut self) -> Effect {
        match self.value.parse::<u32>() {
            Ok(n) if n > 0 => {
                self.number = n;
                self.scanned_id = None;
                self.dossier = None;
                self.ticket = None;
                self.step = steps::NUMBER;
                Effect::FindNumber(n)
            }
            _ => self.show("Số phiếu chưa đúng", "Xin ông/bà nhập số in to trên phiếu, ví dụ 1012."),
        }
    }

    /// The ticket's QR code was scanned (it holds `…/t/{id}`).
    pub fn scanned(&mut self, text: &str) -> Effect {
        match super::scanner::classify(text) {
            super::scanner::Scan::Ticket(id) => self.find_ticket(&id),
            _ => {
                self.value = text.trim().chars().filter(char::is_ascii_digit).collect();
                self.submit_number()
            }
        }
    }

    /// A ticket's QR was scanned: its id (`YYYYMMDD-FIELD-NUMBER`).
    pub fn find_ticket(&mut self, id: &str) -> Effect {
        self.fresh();
        self.ticket = None;
        self.dossier = None;
        self.scanned_id = Some(id.to_string());
        self.number = id.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(0);
        self.step = steps::NUMBER;
        Effect::FindId(id.to_string())
    }

    /// A dossier's receipt was scanned: the dossier is looked up, then rated.
    pub fn scanned_receipt(&mut self, code: &str) -> Effect {
        let code = code.trim().to_uppercase();
        self.fresh();
        self.ticket = None;
        self.scanned_id = None;
        self.number = 0;
        self.dossier = Some((code.clone(), String::new()));
        self.step = steps::NUMBER;
        Effect::FindDossier(code)
    }

    /// The server answered about the scanned dossier. When it cannot be reached the rating goes
    /// ahead and is delivered later.
    pub fn found_dossier(&mut self, answer: Result<motcua_protocol::api::Dossier, ApiError>) {
        let Some((code, _)) = self.dossier.clone() else { return };
        match answer {
            Ok(d) => {
                self.dossier = Some((code, d.procedure_name));
                self.step = steps::LEVEL;
            }
            Err(e) if e.is_transient() => self.step = steps::LEVEL,
            Err(e) => {
                let (title, message) = match e.code() {
                    Some("dossier_not_found") => (
                        "Không tìm thấy hồ sơ".to_string(),
                        format!("Trung tâm chưa có hồ sơ mã {code}. Xin ông/bà kiểm tra lại giấy tiếp nhận."),
                    ),
                    _ => e.friendly(),
                };
                self.dossier = None;
                let _ = self.show(&title, &message);
            }
        }
    }

    /// The server answered the lookup. When it cannot be reached the rating goes ahead by number
    /// and is delivered later.
    pub fn found(&mut self, answer: Result<Ticket, ApiError>) {
        match answer {
            Ok(ticket) if ticket.status == TicketStatus::Done => {
                self.number = ticket.number;
                self.ticket = Some(ticket);
                self.step = steps::LEVEL;
            }
            Ok(ticket) => {
                let _ = self.show(
                    &format!("Số {} chưa phục vụ xong", ticket.number),
                    "Xin ông/bà đánh giá sau khi đã làm xong thủ tục tại quầy.",
                );
            }
            Err(e) if e.is_transient() => {
                self.ticket = None;
                self.step = steps::LEVEL;
            }
            Err(e) => {
                let (title, message) = match e.code() {
                    Some("ticket_not_found") => (
                        "Không tìm thấy số này".to_string(),
                        format!("Hôm nay chưa có số {}. Xin ông/bà kiểm tra lại số trên phiếu.", self.number),
                    ),
                    _ => e.friendly(),
                };
                let _ = self.show(&title, &message);
            }
        }
    }

    /// The subject line shown above the levels.
    pub fn subject(&self) -> String {
        if let Some((code, procedure)) = &self.dossier {
            return if procedure.is_empty() {
                format!("Hồ sơ {code}")
            } else {
                format!("Hồ sơ {code} · {procedure}")
            };
        }
        match &self.ticket {
            Some(t) => match t.counter {
                Some(c) => format!("Số {} · Quầy {c} · {}", t.number, t.service_name_vi),
                None => format!("Số {} · {}", t.number, t.service_name_vi),
            },
            None => format!("Số {}", self.number),
        }
    }

    /// A level was chosen; a low one (the lower half of `levels`) asks for reasons first.
    pub fn choose(&mut self, score: u8, levels: usize) -> Effect {
        self.score = score;
        if usize::from(score) * 2 <= levels && !self.tags.is_empty() {
            self.step = steps::TAGS;
            return Effect::None;
        }
        self.send()
    }

    /// A reason was touched.
    pub fn toggle_tag(&mut self, index: usize) {
        if let Some(tag) = self.tags.get_mut(index) {
            tag.1 = !tag.1;
        }
    }

    /// Send was touched (or a good level chosen).
    pub fn send(&mut self) -> Effect {
        let pending = PendingRating {
            ticket: self.ticket.as_ref().map(|t| t.id.clone()).or_else(|| self.scanned_id.clone()),
            number: self.number,
            day: None,
            given_at: None,
            score: self.score,
            tags: self.tags.iter().filter(|t| t.1).map(|t| t.0.clone()).collect(),
            idempotency_key: self.keys.next(&format!("r{}-", self.number)),
            receipt_code: self.dossier.as_ref().map(|(code, _)| code.clone()),
        };
        self.step = steps::THANKS;
        Effect::Rate(pending)
    }

    /// Whether the outbox could not deliver it yet.
    pub fn set_queued(&mut self, queued: bool) {
        self.queued = queued;
    }

    /// Try again.
    pub fn again(&mut self) {
        self.step = steps::NUMBER;
    }

    /// A new subject to rate: the reasons ticked and the outbox note of the last one are cleared.
    fn fresh(&mut self) {
        self.tags.iter_mut().for_each(|t| t.1 = false);
        self.queued = false;
        self.score = 0;
    }

    fn show(&mut self, title: &str, message: &str) -> Effect {
        self.step = steps::MESSAGE;
        self.title = title.to_string();
        self.message = message.to_string();
        Effect::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served() -> Ticket {
        crate::fixtures::ticket(1012, TicketStatus::Done, Some(3))
    }

    #[test]
    fn a_low_level_asks_for_reasons_and_the_rating_carries_them() {
        let mut flow = RatingFlow::new(Keys::new("k1"), &["Chờ quá lâu".into(), "Hướng dẫn chưa rõ".into()]);
        for k in ["1", "0", "1", "2"] {
            flow.key(k);
        }
        assert_eq!(flow.submit_number(), Effect::FindNumber(1012));
        flow.found(Ok(served()));
        assert_eq!((flow.step, flow.subject()), (steps::LEVEL, "Số 1012 · Quầy 3 · Đất đai".to_string()));
        assert_eq!(flow.choose(1, 4), Effect::None);
        flow.toggle_tag(0);
        let Effect::Rate(pending) = flow.send() else { panic!("rates") };
        assert_eq!(
            (pending.ticket.as_deref(), pending.score, pending.tags.as_slice()),
            (Some("20261123-DD-1012"), 1, &["Chờ quá lâu".to_string()][..])
        );
    }

    #[test]
    fn offline_a_scanned_ticket_is_rated_by_its_id_not_the_number_rated_before() {
        let mut flow = RatingFlow::new(Keys::new("k1"), &[]);
        flow.value = "1002".into();
        flow.submit_number();
        flow.found(Ok(served()));
        let _ = flow.choose(4, 4);
        flow.open();
        assert_eq!(
            flow.scanned("http://192.168.1.10:8080/t/20261130-DD-1003"),
            Effect::FindId("20261130-DD-1003".into())
        );
        flow.found(Err(ApiError::Unavailable("down".into())));
        assert_eq!(flow.subject(), "Số 1003");
        let Effect::Rate(pending) = flow.choose(4, 4) else { panic!("rates") };
        assert_eq!((pending.ticket.as_deref(), pending.number), (Some("20261130-DD-1003"), 1003));
    }

    #[test]
    fn offline_the_rating_goes_ahead_by_number_and_a_wrong_number_is_explained() {
        let mut flow = RatingFlow::new(Keys::new("k1"), &[]);
        flow.value = "1012".into();
        flow.submit_number();
        flow.found(Err(ApiError::Unavailable("down".into())));
        assert_eq!(flow.step, steps::LEVEL);
        let Effect::Rate(pending) = flow.choose(4, 4) else { panic!("a good level sends at once") };
        assert_eq!((pending.ticket, pending.number), (None, 1012));

        flow.open();
        flow.value = "77".into();
        flow.submit_number();
        flow.found(Err(ApiError::Refused { status: 404, code: "ticket_not_found".into(), message: String::new() }));
        assert!(flow.message.contains("77"));
        let mut waiting = served();
        waiting.status = TicketStatus::Waiting;
        flow.found(Ok(waiting));
        assert!(flow.title.contains("chưa phục vụ xong"));
    }
}
