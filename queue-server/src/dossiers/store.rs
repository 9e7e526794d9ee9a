//! Dossiers in the database: written from pushed batches (and later pulls and files), a record
//! already held changing nothing.

use rusqlite::{Connection, OptionalExtension, params};

use super::{DossierRow, StepRow};
use crate::domain::centre::Schedule;
use motcua_protocol::api::DossierStatus;

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Written {
    /// Dossiers new to the store.
    pub created: u32,
    /// Dossiers whose record differed and was replaced.
    pub updated: u32,
    /// Dossiers the same as held (nothing written).
    pub unchanged: u32,
    /// Processing steps recorded.
    pub steps_added: u32,
    /// Steps already recorded (nothing written).
    pub steps_known: u32,
}

fn stored(conn: &Connection, code: &str) -> rusqlite::Result<Option<DossierRow>> {
    conn.query_row(
        "SELECT receipt_code, procedure_code, procedure_name, linh_vuc_code, linh_vuc_name, applicant_name,
                applicant_phone, status, received_at_ms, due_at_ms, new_due_at_ms, apology, completed_at_ms
         FROM dossiers WHERE receipt_code = ?1",
        [code],
        |r| {
            let status: String = r.get(7)?;
            Ok(DossierRow {
                receipt_code: r.get(0)?,
                procedure_code: r.get(1)?,
                procedure_name: r.get(2)?,
                linh_vuc_code: r.get(3)?,
                linh_vuc_name: r.get(4)?,
                applicant_name: r.get(5)?,
                applicant_phone: r.get(6)?,
                status: DossierStatus::from_code(&status).unwrap_or(DossierStatus::Received),
                received_at_ms: r.get(8)?,
                due_at_ms: r.get(9)?,
                new_due_at_ms: r.get(10)?,
                apology: r.get(11)?,
                completed_at_ms: r.get(12)?,
            })
        },
    )
    .optional()
}

/// How a dossier stands in the store: where it came from, when it was last synchronised (ms),
/// whether it is finished (DVCQG 9 or 10).
pub fn sync_state(conn: &Connection, code: &str) -> rusqlite::Result<Option<(String, Option<i64>, bool)>> {
    conn.query_row("SELECT source, synced_at_ms, status FROM dossiers WHERE receipt_code = ?1", [code], |r| {
        let status: String = r.get(2)?;
        let finished = DossierStatus::from_code(&status).is_some_and(DossierStatus::is_closed);
        Ok((r.get(0)?, r.get(1)?, finished))
    })
    .optional()
}

fn add_step(conn: &Connection, step: &StepRow) -> rusqlite::Result<bool> {
    let added = conn.execute(
        "INSERT INTO dossier_steps (receipt_code, at_ms, status, note, handler) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO NOTHING",
        params![step.receipt_code, step.at_ms, step.status.code(), step.note, step.handler],
    )?;
    Ok(added > 0)
}

/// Writes dossier records and steps in one transaction at `now_ms` (`source`: `push`, `pull`,
/// `file`). A record equal to the one held writes nothing; a changed status also becomes a step
/// of the history; a step already recorded (same dossier, time, status and note) is not recorded
/// again. Steps of dossiers not held are kept and shown once the dossier arrives.
///
/// A record carrying a new return date (`DanhSachHoSoBoSung`) the store did not have is also the
/// province's apology: recorded as one ([`super::apology::from_province`]), its message queued.
pub fn upsert(
    conn: &mut Connection,
    schedule: &Schedule,
    rows: &[DossierRow],
    steps: &[StepRow],
    source: &str,
    now_ms: i64,
) -> rusqlite::Result<Written> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut written = Written::default();
    for row in rows {
        let before = stored(&tx, &row.receipt_code)?;
        if before.as_ref() == Some(row) {
            written.unchanged += 1;
            // Fetched from the province and the same: it was just confirmed current. Pushes
            // write nothing at all when the same.
            if source != "push" {
                tx.execute(
                    "UPDATE dossiers SET synced_at_ms = ?1 WHERE receipt_code = ?2",
                    params![now_ms, row.receipt_code],
                )?;
            }
            continue;
        }
        tx.execute(
            "INSERT INTO dossiers (receipt_code, procedure_code, procedure_name, linh_vuc_code, linh_vuc_name,
                 applicant_name, applicant_phone, status, received_at_ms, due_at_ms, new_due_at_ms, apology,
                 completed_at_ms, synced_at_ms, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
             ON CONFLICT (receipt_code) DO UPDATE SET procedure_code = excluded.procedure_code,
                 procedure_name = excluded.procedure_name, linh_vuc_code = excluded.linh_vuc_code,
                 linh_vuc_name = excluded.linh_vuc_name, applicant_name = excluded.applicant_name,
                 applicant_phone = excluded.applicant_phone, status = excluded.status,
                 received_at_ms = excluded.received_at_ms, due_at_ms = excluded.due_at_ms,
                 new_due_at_ms = excluded.new_due_at_ms, apology = excluded.apology,
                 completed_at_ms = excluded.completed_at_ms, synced_at_ms = excluded.synced_at_ms,
                 source = excluded.source",
            params![
                row.receipt_code,
                row.procedure_code,
                row.procedure_name,
                row.linh_vuc_code,
                row.linh_vuc_name,
                row.applicant_name,
                row.applicant_phone,
                row.status.code(),
                row.received_at_ms,
                row.due_at_ms,
                row.new_due_at_ms,
                row.apology,
                row.completed_at_ms,
                now_ms,
                source
            ],
        )?;
        if let Some(new_due) = row.new_due_at_ms.filter(|n| before.as_ref().is_none_or(|b| b.new_due_at_ms != Some(*n)))
        {
            let reason = row.apology.clone().unwrap_or_default();
            // The date in force before: the stored record's (its latest new date, else its own).
            let due_before = before.as_ref().map_or(row.due_at_ms, |b| b.new_due_at_ms.unwrap_or(b.due_at_ms));
            // Told to the applicant only when it is news: a dossier already held, pushed or
            // fetched (not a file read in bulk), whose new date is still ahead.
            let tell = before.is_some() && source != "file" && new_due > now_ms;
            let postponed = super::apology::Postponed { reason: &reason, due_before, new_due, tell };
            super::apology::from_province(&tx, schedule, row, &postponed, now_ms)?;
        }
        if before.is_none() {
            written.created += 1;
        } else {
            written.updated += 1;
        }
        let stepped =
            |status: DossierStatus| steps.iter().any(|s| s.receipt_code == row.receipt_code && s.status == status);
        let automatic = |at_ms: i64, status: DossierStatus| {
            let step = StepRow {
                receipt_code: row.receipt_code.clone(),
                at_ms,
                status,
                note: String::new(),
                handler: String::new(),
            };
            add_step(&tx, &step)
        };
        // A new dossier was received on its reception date; a status no step of the batch tells
        // of is recorded as of now (its time unknown).
        if before.is_none() && row.status != DossierStatus::Registered {
            automatic(row.received_at_ms, DossierStatus::Received)?;
        }
        let changed = before.as_ref().map_or(row.status != DossierStatus::Received, |b| b.status != row.status);
        if changed && row.status != DossierStatus::Registered && !stepped(row.status) {
            automatic(now_ms, row.status)?;
        }
    }
    for step in steps {
        if add_step(&tx, step)? {
            written.steps_added += 1;
        } else {
            written.steps_known += 1;
        }
    }
    tx.commit()?;
    Ok(written)
}
