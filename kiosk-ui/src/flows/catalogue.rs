//! The procedure catalogue: field → procedures (searchable, diacritics optional) → detail → ticket.

use motcua_protocol::api::{Procedure, ProceduresResponse};

use super::{Effect, backspace, type_key};
use crate::api::ApiError;

/// Steps, matching `CatalogueAdapter.step`.
pub mod steps {
    /// Fields.
    pub const FIELDS: i32 = 0;
    /// Procedures of a field.
    pub const LIST: i32 = 1;
    /// One procedure.
    pub const DETAIL: i32 = 2;
    /// A message.
    pub const MESSAGE: i32 = 3;
}

/// The catalogue flow.
#[derive(Debug, Clone, Default)]
pub struct CatalogueFlow {
    /// Where it is.
    pub step: i32,
    /// The field's code and name.
    pub field: Option<(String, String)>,
    /// The search typed so far.
    pub query: String,
    /// Whether the on-screen keyboard is shown.
    pub keyboard: bool,
    /// The procedures shown.
    pub procedures: Vec<Procedure>,
    /// The procedure opened.
    pub detail: Option<Procedure>,
    /// Message title.
    pub title: String,
    /// Message text.
    pub message: String,
}

impl CatalogueFlow {
    /// Starts at the fields.
    pub fn open(&mut self) {
        *self = Self::default();
    }

    /// A field was chosen.
    pub fn choose_field(&mut self, code: &str, name: &str) -> Effect {
        self.field = Some((code.to_string(), name.to_string()));
        self.query.clear();
        self.step = steps::LIST;
        self.search()
    }

    fn search(&self) -> Effect {
        Effect::Search(self.query.clone(), self.field.as_ref().map(|(c, _)| c.clone()))
    }

    /// A key was typed into the search: searches again.
    pub fn key(&mut self, key: &str) -> Effect {
        let key = if self.query.is_empty() || self.query.ends_with(' ') { key.to_string() } else { key.to_lowercase() };
        type_key(&mut self.query, &key, 60);
        self.search()
    }

    /// Delete was touched.
    pub fn backspace(&mut self) -> Effect {
        backspace(&mut self.query);
        self.search()
    }

    /// The keyboard was shown or hidden.
    pub fn toggle_keyboard(&mut self) {
        self.keyboard = !self.keyboard;
    }

    /// Search results for `query`; results for an older query are dropped.
    pub fn results(&mut self, query: &str, answer: Result<ProceduresResponse, ApiError>) {
        if query != self.query || self.step != steps::LIST {
            return;
        }
        match answer {
            Ok(found) => self.procedures = found.procedures,
            Err(e) => {
                (self.title, self.message) = e.friendly();
                self.step = steps::MESSAGE;
            }
        }
    }

    /// A procedure was opened.
    pub fn open_procedure(&mut self, code: &str) {
        if let Some(p) = self.procedures.iter().find(|p| p.code == code) {
            self.detail = Some(p.clone());
            self.step = steps::DETAIL;
        }
    }

    /// "Take a number for this procedure".
    pub fn take_ticket(&self) -> Effect {
        self.detail.as_ref().map_or(Effect::None, |p| Effect::TakeTicketFor(p.service.clone()))
    }

    /// Back one step.
    pub fn back(&mut self) {
        self.step = match self.step {
            steps::DETAIL | steps::MESSAGE => steps::LIST,
            _ => steps::FIELDS,
        };
        self.keyboard = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn procedure(code: &str) -> Procedure {
        Procedure {
            code: code.into(),
            name: "Cấp đổi Giấy chứng nhận".into(),
            service: "DD".into(),
            level: "Tỉnh".into(),
            online_level: "Một phần".into(),
            processing_days: 7,
            fee: "50.000 đồng".into(),
            documents: vec!["Tờ khai".into()],
            processing_time: "7 ngày làm việc".into(),
            steps: String::new(),
        }
    }

    #[test]
    fn typing_searches_and_stale_results_are_dropped() {
        let mut flow = CatalogueFlow::default();
        assert_eq!(flow.choose_field("DD", "Đất đai"), Effect::Search(String::new(), Some("DD".into())));
        assert_eq!(flow.key("C"), Effect::Search("C".into(), Some("DD".into())));
        assert_eq!(flow.key("A"), Effect::Search("Ca".into(), Some("DD".into())));
        flow.results("C", Ok(ProceduresResponse { procedures: vec![procedure("old")], total: 1 }));
        assert!(flow.procedures.is_empty(), "an answer for an older query is dropped");
        flow.results("Ca", Ok(ProceduresResponse { procedures: vec![procedure("1.004203")], total: 1 }));
        flow.open_procedure("1.004203");
        assert_eq!(flow.step, steps::DETAIL);
        assert_eq!(flow.take_ticket(), Effect::TakeTicketFor("DD".into()));
        flow.back();
        flow.back();
        assert_eq!(flow.step, steps::FIELDS);
    }
}
