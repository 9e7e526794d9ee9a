//! The catalogue in the database: what is stored, what an import changes, applying it.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};

use super::{Imported, Parsed};

/// What an import would change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    /// Codes new to the catalogue.
    pub added: Vec<String>,
    /// Codes whose name, field or any other column differs.
    pub changed: Vec<String>,
    /// Codes in the catalogue and not in the file (or now of a lĩnh vực no field serves).
    pub removed: Vec<String>,
    /// Codes the same as before.
    pub unchanged: usize,
}

/// The procedures stored now, by code.
pub fn stored(conn: &Connection) -> rusqlite::Result<BTreeMap<String, Imported>> {
    let mut stmt = conn.prepare(
        "SELECT code, name, service, linh_vuc_code, linh_vuc_name, level, online_level, processing_time,
                processing_days, fee, documents, steps FROM procedures",
    )?;
    let rows = stmt.query_map([], |r| {
        let documents: String = r.get(10)?;
        Ok(Imported {
            code: r.get(0)?,
            name: r.get(1)?,
            service: r.get(2)?,
            linh_vuc_code: r.get(3)?,
            linh_vuc_name: r.get(4)?,
            level: r.get(5)?,
            online_level: r.get(6)?,
            processing_time: r.get(7)?,
            processing_days: r.get(8)?,
            fee: r.get(9)?,
            documents: serde_json::from_str(&documents).unwrap_or_default(),
            steps: r.get(11)?,
        })
    })?;
    rows.map(|r| r.map(|p| (p.code.clone(), p))).collect()
}

/// What importing `parsed` over `current` changes.
pub fn preview(current: &BTreeMap<String, Imported>, parsed: &Parsed) -> Preview {
    let mut out = Preview::default();
    for (code, p) in &parsed.procedures {
        match current.get(code) {
            None => out.added.push(code.clone()),
            Some(old) if old != p => out.changed.push(code.clone()),
            Some(_) => out.unchanged += 1,
        }
    }
    out.removed = current.keys().filter(|c| !parsed.procedures.contains_key(*c)).cloned().collect();
    out
}

/// Replaces the catalogue with `parsed` in one transaction and records the import (`source`: the
/// file's name; `actor`: who, e.g. `staff:quantri` or `cli`). Returns what changed.
pub fn apply(
    conn: &mut Connection,
    parsed: &Parsed,
    source: &str,
    actor: &str,
    at_ms: i64,
) -> rusqlite::Result<Preview> {
    apply_over(conn, parsed, source, actor, at_ms, None).map(|applied| applied.unwrap_or_default())
}

/// [`apply`], only if the latest import is still `expected` (checked inside the transaction, so
/// two imports made from the same preview cannot both land); `None` when it is not.
pub fn apply_over(
    conn: &mut Connection,
    parsed: &Parsed,
    source: &str,
    actor: &str,
    at_ms: i64,
    expected: Option<i64>,
) -> rusqlite::Result<Option<Preview>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    if expected.is_some_and(|v| version(&tx).is_ok_and(|now| now != v)) {
        return Ok(None);
    }
    let changes = preview(&stored(&tx)?, parsed);
    for code in &changes.removed {
        tx.execute("DELETE FROM procedures WHERE code = ?1", [code])?;
    }
    {
        let mut upsert = tx.prepare(
            "INSERT INTO procedures (code, name, service, linh_vuc_code, linh_vuc_name, level, online_level,
                 processing_time, processing_days, fee, documents, steps)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, service = excluded.service,
                 linh_vuc_code = excluded.linh_vuc_code, linh_vuc_name = excluded.linh_vuc_name,
                 level = excluded.level, online_level = excluded.online_level,
                 processing_time = excluded.processing_time, processing_days = excluded.processing_days,
                 fee = excluded.fee, documents = excluded.documents, steps = excluded.steps",
        )?;
        for code in changes.added.iter().chain(&changes.changed) {
            let Some(p) = parsed.procedures.get(code) else { continue };
            let documents = serde_json::to_string(&p.documents).unwrap_or_else(|_| "[]".into());
            upsert.execute(params![
                p.code,
                p.name,
                p.service,
                p.linh_vuc_code,
                p.linh_vuc_name,
                p.level,
                p.online_level,
                p.processing_time,
                p.processing_days,
                p.fee,
                documents,
                p.steps
            ])?;
        }
    }
    tx.execute(
        "INSERT INTO catalogue_imports (at_ms, source, actor, added, changed, removed, unchanged)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            at_ms,
            source,
            actor,
            changes.added.len() as i64,
            changes.changed.len() as i64,
            changes.removed.len() as i64,
            changes.unchanged as i64
        ],
    )?;
    tx.commit()?;
    Ok(Some(changes))
}

/// The latest import's id (0 before any): a server reloads its catalogue when this moves on.
pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT coalesce(max(id), 0) FROM catalogue_imports", [], |r| r.get(0))
}
