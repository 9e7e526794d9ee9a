//! The procedure catalogue (searched in memory) and dossier lookups (masked for the public).

use jiff::Timestamp;
use motcua_protocol::api::{self, DossierStatus};
use rusqlite::{Connection, OptionalExtension};

use crate::domain::text::{self, fold, matches_all_words};
use crate::domain::{Centre, ReceiptCode};

/// Every procedure, with its folded text for searching without diacritics.
#[derive(Debug, Default)]
pub struct Catalog {
    procedures: Vec<(api::Procedure, String)>,
}

impl Catalog {
    /// Reads the catalogue.
    pub fn load(conn: &Connection) -> rusqlite::Result<Self> {
        let mut stmt = conn.prepare(
            "SELECT code, name, service, level, online_level, processing_days, fee, documents, processing_time, steps
             FROM procedures ORDER BY service, code",
        )?;
        let procedures = stmt
            .query_map([], |row| {
                let documents: String = row.get(7)?;
                Ok(api::Procedure {
                    code: row.get(0)?,
                    name: row.get(1)?,
                    service: row.get(2)?,
                    level: row.get(3)?,
                    online_level: row.get(4)?,
                    processing_days: row.get(5)?,
                    fee: row.get(6)?,
                    documents: serde_json::from_str(&documents).unwrap_or_default(),
                    processing_time: row.get(8)?,
                    steps: row.get(9)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Self::new(procedures))
    }

    /// A catalogue of these procedures.
    pub fn new(procedures: Vec<api::Procedure>) -> Self {
        let procedures = procedures
            .into_iter()
            .map(|p| {
                let folded = fold(&format!("{} {} {}", p.name, p.code, p.service));
                (p, folded)
            })
            .collect();
        Self { procedures }
    }

    /// Procedures matching every word of `query` (diacritics and case ignored), optionally of one
    /// service; those whose name contains the query as a phrase come first. Returns the first
    /// `limit` and the total count.
    pub fn search(&self, query: &str, service: Option<&str>, limit: usize) -> (Vec<api::Procedure>, usize) {
        let phrase = fold(query.trim());
        let mut hits: Vec<(bool, &api::Procedure)> = self
            .procedures
            .iter()
            .filter(|(p, _)| service.is_none_or(|s| p.service.eq_ignore_ascii_case(s)))
            .filter(|(_, folded)| matches_all_words(folded, query))
            .map(|(p, folded)| (!folded.contains(&phrase), p))
            .collect();
        hits.sort_by_key(|(not_phrase, _)| *not_phrase);
        let total = hits.len();
        (hits.into_iter().take(limit).map(|(_, p)| p.clone()).collect(), total)
    }

    /// A procedure by code.
    pub fn get(&self, code: &str) -> Option<&api::Procedure> {
        self.procedures.iter().map(|(p, _)| p).find(|p| p.code == code)
    }

    /// Number of procedures.
    pub fn len(&self) -> usize {
        self.procedures.len()
    }

    /// Whether the catalogue is empty.
    pub fn is_empty(&self) -> bool {
        self.procedures.is_empty()
    }
}

/// The second factor given with a receipt code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// None given: procedure, status and dates only.
    Absent,
    /// The last 4 digits of the applicant's phone: the masked name, phone and notes too.
    Right,
    /// Given and wrong (or the dossier has no phone to check it against): as absent.
    Wrong,
}

/// Whether `given` is the last 4 digits of `phone`.
fn factor_of(given: Option<&str>, phone: &str) -> Factor {
    let Some(given) = given.map(str::trim).filter(|g| !g.is_empty()) else { return Factor::Absent };
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let last = digits.get(digits.len().saturating_sub(4)..).unwrap_or_default();
    if digits.len() >= 4 && given.len() == 4 && super::super::http::auth::same(given.as_bytes(), last.as_bytes()) {
        Factor::Right
    } else {
        Factor::Wrong
    }
}

/// A dossier as the public sees it: with the second factor (`factor`, the last 4 digits of the
/// applicant's phone) the masked name, phone and notes; without it, or with a wrong one, only
/// the procedure, status and dates. Also says how the factor went.
pub fn dossier(
    conn: &Connection,
    centre: &Centre,
    catalog: &Catalog,
    code: &ReceiptCode,
    factor: Option<&str>,
    now: Timestamp,
) -> rusqlite::Result<Option<(api::Dossier, Factor)>> {
    let row = conn
        .query_row(
            "SELECT procedure_code, applicant_name, applicant_phone, status, received_at_ms, due_at_ms, new_due_at_ms, apology,
                    procedure_name, synced_at_ms
             FROM dossiers WHERE receipt_code = ?1",
            [code.as_str()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, Option<i64>>(9)?,
                ))
            },
        )
        .optional()?;
    let Some((procedure_code, name, phone, status, received, due, new_due, apology, procedure_name, synced)) = row
    else {
        return Ok(None);
    };
    let fmt = |ms: i64| Timestamp::from_millisecond(ms).map(|t| centre.schedule.format(t)).unwrap_or_default();
    let checked = factor_of(factor, &phone);
    let shown = checked == Factor::Right;
    let status = DossierStatus::from_code(&status).unwrap_or(DossierStatus::Received);
    // The latest apology (the province's or a supervisor's) carries the date in force.
    let (apology, new_due) = match crate::dossiers::apology::latest(conn, code.as_str())? {
        Some(a) if new_due.is_none_or(|n| a.new_due_ms >= n) => (Some(a.reason), Some(a.new_due_ms)),
        _ => (apology, new_due),
    };
    let effective_due = new_due.unwrap_or(due).max(due);
    let finished = status.is_closed();
    let overdue = !finished && now.as_millisecond() > effective_due;

    let mut stmt = conn.prepare_cached(
        "SELECT at_ms, status, note FROM dossier_steps WHERE receipt_code = ?1 ORDER BY at_ms, rowid",
    )?;
    let history = stmt
        .query_map([code.as_str()], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)))?
        .filter_map(|r| r.ok())
        .filter_map(|(at, status, note)| {
            let status = DossierStatus::from_code(&status)?;
            Some(api::DossierStep {
                at: fmt(at),
                status,
                status_label: status.label_vi().to_string(),
                note: Some(note).filter(|n| shown && !n.is_empty()),
            })
        })
        .collect();
    Ok(Some((
        api::Dossier {
            receipt_code: code.to_string(),
            procedure_name: catalog
                .get(&procedure_code)
                .map(|p| p.name.clone())
                .or(Some(procedure_name).filter(|n| !n.is_empty()))
                .unwrap_or_default(),
            synced_at: synced.map(fmt),
            procedure_code,
            applicant: if shown { text::mask_name(&name) } else { String::new() },
            phone: if shown { text::mask_phone(&phone) } else { String::new() },
            details_hidden: !shown,
            factor_wrong: checked == Factor::Wrong,
            status,
            status_label: status.label_vi().to_string(),
            received_at: fmt(received),
            due_at: fmt(effective_due),
            overdue,
            // The letter's text may name the applicant: without the factor, a fixed text and the date.
            apology: apology.zip(new_due).map(|(message, new_due)| api::Apology {
                message: if shown {
                    message
                } else {
                    "Trung tâm xin lỗi vì hồ sơ chậm so với hẹn; hồ sơ được hẹn lại ngày trả kết quả.".into()
                },
                new_due_at: fmt(new_due),
            }),
            history,
        },
        checked,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_ignores_diacritics_and_ranks_phrases_first() {
        let p = |code: &str, name: &str, service: &str| api::Procedure {
            code: code.into(),
            name: name.into(),
            service: service.into(),
            level: "Tỉnh".into(),
            online_level: "Một phần".into(),
            processing_days: 1,
            fee: "Không thu phí".into(),
            documents: vec![],
            processing_time: String::new(),
            steps: String::new(),
        };
        let catalog = Catalog::new(vec![
            p("1", "Đăng ký biến động đất đai", "DD"),
            p("2", "Cấp đổi giấy chứng nhận quyền sử dụng đất", "DD"),
            p("3", "Đăng ký khai sinh", "TP"),
        ]);
        let (hits, total) = catalog.search("dat dai", None, 10);
        assert_eq!((total, hits[0].code.as_str()), (1, "1"));
        let (hits, total) = catalog.search("đất", None, 10);
        assert_eq!(total, 2);
        assert_eq!(hits.len(), 2);
        assert_eq!(catalog.search("", Some("tp"), 10).1, 1);
        assert_eq!(catalog.search("dang ky", None, 1).0.len(), 1);
        assert_eq!(catalog.search("dang ky", None, 1).1, 2);
    }
}
