//! The quarter's ratings as the province reports them (the national scorecard, QĐ 766/QĐ-TTg,
//! scores the share of ratings **not** "Không hài lòng"): per unit and officer, the counts per level
//! of the centre's scale and of the one-stop 3-level scale it maps to (`ratings.maps_to`), and the
//! share not dissatisfied. As JSON (for the integration to push), CSV and XLSX.
//!
//! Who a rating is of: a ticket's rating, the officer who finished the ticket (else who called it),
//! by user name; a dossier's rating, the one-stop officer who received it (the first step's
//! `NguoiXuLy` the province sent), as `tinh:NAME`; a counter's rating alone, nobody ("").

use std::collections::BTreeMap;

use jiff::civil::Date;
use rusqlite::{Connection, params};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;

use super::export::neutral;
use crate::domain::Centre;
use crate::domain::centre::THREE_LEVELS;

/// Prefix of an officer known only by the name the province's system gave (`NguoiXuLy`).
pub const PROVINCE_NAME: &str = "tinh:";

/// A quarter of a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quarter {
    /// Year.
    pub year: i16,
    /// 1–4.
    pub q: i8,
}

impl Quarter {
    /// `2026-Q4` (or `2026-q4`, `2026-4`): four digits for a year from 2000 to 2200, `-`, an optional
    /// `Q`, and the quarter 1–4; `None` otherwise.
    pub fn parse(text: &str) -> Option<Self> {
        let (y, q) = text.trim().split_once('-')?;
        let q = q.strip_prefix(['Q', 'q']).unwrap_or(q);
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(y, 4) || !digits(q, 1) {
            return None;
        }
        let q = q.parse::<i8>().ok().filter(|q| (1..=4).contains(q))?;
        let year = y.parse::<i16>().ok().filter(|y| (2000..=2200).contains(y))?;
        Some(Self { year, q })
    }

    /// The quarter `day` is in.
    pub fn of(day: Date) -> Self {
        Self { year: day.year(), q: (day.month() - 1) / 3 + 1 }
    }

    /// First and last day.
    pub fn days(self) -> (Date, Date) {
        let first = Date::new(self.year, (self.q - 1) * 3 + 1, 1).unwrap_or_default();
        let next = if self.q == 4 { Date::new(self.year + 1, 1, 1) } else { Date::new(self.year, self.q * 3 + 1, 1) };
        (first, next.ok().and_then(|d| d.yesterday().ok()).unwrap_or(first))
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

/// Records the centre's rating scale as in force from the next rating on, when it is not the one
/// in force already (a scale changed in the configuration): scores given before are read on
/// theirs.
pub fn record_scale(conn: &Connection, centre: &Centre) -> rusqlite::Result<()> {
    let levels = serde_json::to_string(&centre.rating_levels).unwrap_or_default();
    let three = serde_json::to_string(&centre.rating_three).unwrap_or_default();
    let last: Option<(String, String)> = rusqlite::OptionalExtension::optional(conn.query_row(
        "SELECT levels, three FROM rating_scales ORDER BY from_id DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    ))?;
    if last.as_ref() == Some(&(levels.clone(), three.clone())) {
        return Ok(());
    }
    // The first scale recorded covers the ratings already stored.
    let from: i64 = if last.is_none() {
        0
    } else {
        conn.query_row("SELECT coalesce(max(id), 0) + 1 FROM ratings", [], |r| r.get(0))?
    };
    conn.execute(
        "INSERT INTO rating_scales (from_id, levels, three) VALUES (?1, ?2, ?3)
         ON CONFLICT (from_id) DO UPDATE SET levels = excluded.levels, three = excluded.three",
        params![from, levels, three],
    )?;
    Ok(())
}

/// One rating as the export reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rated {
    /// Score, 1 = worst, on the scale it was given on.
    pub score: u8,
    /// Its place on the 3-level scale (1–3), by the scale it was given on.
    pub three: u8,
    /// Whether it was given on the scale in force now (only those count in `levels`).
    pub current_scale: bool,
    /// Whose service it rates: a user name, a name from the province, or "" (see the module).
    pub officer: String,
    /// Whether it rates a dossier.
    pub dossier: bool,
}

/// The figures of one row.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RatingFigures {
    /// Who (a user name, a name from the province's system, or "" for ratings of a counter alone);
    /// `*` for the whole unit.
    pub officer: String,
    /// Their name.
    pub officer_name: String,
    /// Ratings.
    pub ratings: u32,
    /// Of which rate a dossier.
    pub dossier_ratings: u32,
    /// Per level of the centre's scale, worst first (ratings given on it).
    pub levels: Vec<u32>,
    /// Ratings given on an earlier scale of the centre: counted on the 3-level scale by that
    /// scale's mapping, not in `levels`.
    pub other_scale: u32,
    /// Per level of the 3-level scale: Không hài lòng, Hài lòng, Rất hài lòng.
    pub three_levels: [u32; 3],
    /// Ratings not "Không hài lòng" on the 3-level scale.
    pub not_dissatisfied: u32,
    /// Their share, percent to one decimal; absent without ratings.
    pub not_dissatisfied_percent: Option<f64>,
}

/// A quarter's rating export of one unit.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RatingExport {
    /// The unit's official code (`centre.unit_code`).
    pub unit_code: String,
    /// The unit's name.
    pub unit_name: String,
    /// `2026-Q4`.
    pub quarter: String,
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day.
    pub to: String,
    /// The centre's levels, worst first.
    pub scale: Vec<String>,
    /// Each level's name on the 3-level scale.
    pub maps_to: Vec<String>,
    /// Per officer.
    pub officers: Vec<RatingFigures>,
    /// The unit.
    pub total: RatingFigures,
}

/// Reads the ratings of days `from..=to` with whose service they rate.
pub fn read(
    conn: &Connection,
    centre: &Centre,
    from: Date,
    to: Date,
) -> rusqlite::Result<(Vec<Rated>, BTreeMap<String, String>)> {
    let by_ticket = super::officers_by_ticket(conn, from, to)?;
    let names = super::staff_names(conn)?;
    // The scales in force, by the first rating id each covers.
    let mut scales: Vec<(i64, Vec<u8>)> = conn
        .prepare("SELECT from_id, three FROM rating_scales ORDER BY from_id")?
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(Result::ok)
        .map(|(from, three)| (from, serde_json::from_str(&three).unwrap_or_default()))
        .collect();
    if scales.is_empty() {
        scales.push((0, centre.rating_three.clone()));
    }
    let latest_from = scales.last().map_or(0, |s| s.0);
    // From the ratings' events, which the hash chain covers (`crate::chain`): a score edited in
    // the ratings table behind the server's back does not reach the scorecard.
    let mut stmt = conn.prepare(
        "WITH r AS (
             SELECT json_extract(payload, '$.rating.score') AS score,
                    json_extract(payload, '$.rating.ticket') AS ticket_id,
                    json_extract(payload, '$.rating.dossier') AS dossier,
                    json_extract(payload, '$.rating.id') AS id
             FROM events WHERE kind = 'rating_given' AND day BETWEEN ?1 AND ?2)
         SELECT r.score, r.ticket_id, r.dossier,
                (SELECT s.handler FROM dossier_steps s WHERE s.receipt_code = r.dossier AND s.handler <> ''
                 ORDER BY s.at_ms, s.rowid LIMIT 1), r.id
         FROM r ORDER BY r.id",
    )?;
    let rated = stmt
        .query_map(params![from.to_string(), to.to_string()], |r| {
            let ticket: Option<String> = r.get(1)?;
            let dossier: Option<String> = r.get(2)?;
            let handler: Option<String> = r.get(3)?;
            let officer = match (&ticket, &dossier) {
                (Some(t), _) => by_ticket.get(t).cloned().unwrap_or_default(),
                // The province's name for its officer, kept apart from staff user names.
                (None, Some(_)) => handler.map(|h| format!("{PROVINCE_NAME}{h}")).unwrap_or_default(),
                (None, None) => String::new(),
            };
            let (score, id): (u8, i64) = (r.get(0)?, r.get(4)?);
            // (columns: score, ticket, dossier, the reception step's handler, id)
            let scale =
                scales.iter().rev().find(|(from, _)| *from <= id).map(|(_, t)| t.as_slice()).unwrap_or_default();
            let three = scale.get(usize::from(score).wrapping_sub(1)).copied().unwrap_or(0);
            Ok(Rated { score, three, current_scale: id >= latest_from, officer, dossier: dossier.is_some() })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((rated, names))
}

/// The figures of a set of ratings on `centre`'s scale.
pub fn figures(centre: &Centre, officer: &str, name: &str, rated: &[&Rated]) -> RatingFigures {
    let mut levels = vec![0u32; centre.rating_levels.len()];
    let mut three = [0u32; 3];
    let mut other_scale = 0;
    for r in rated.iter().filter(|r| (1..=3).contains(&r.three)) {
        three[usize::from(r.three - 1)] += 1;
        match levels.get_mut(usize::from(r.score).wrapping_sub(1)).filter(|_| r.current_scale) {
            Some(n) => *n += 1,
            None => other_scale += 1,
        }
    }
    let ratings = three.iter().sum::<u32>();
    let not_dissatisfied = three[1] + three[2];
    RatingFigures {
        officer: officer.to_string(),
        officer_name: name.to_string(),
        ratings,
        dossier_ratings: rated.iter().filter(|r| r.dossier && (1..=3).contains(&r.three)).count() as u32,
        other_scale,
        levels,
        three_levels: three,
        not_dissatisfied,
        not_dissatisfied_percent: (ratings > 0)
            .then(|| (f64::from(not_dissatisfied) * 1000.0 / f64::from(ratings)).round() / 10.0),
    }
}

/// The export of `quarter` from its ratings.
pub fn build(centre: &Centre, quarter: Quarter, rated: &[Rated], names: &BTreeMap<String, String>) -> RatingExport {
    let (from, to) = quarter.days();
    let mut by_officer: BTreeMap<&str, Vec<&Rated>> = BTreeMap::new();
    for r in rated {
        by_officer.entry(r.officer.as_str()).or_default().push(r);
    }
    let officers = by_officer
        .into_iter()
        .map(|(officer, rs)| {
            let name = match officer {
                "" => "(không rõ cán bộ)".to_string(),
                named if named.starts_with(PROVINCE_NAME) => named[PROVINCE_NAME.len()..].to_string(),
                user => names.get(user).cloned().unwrap_or_else(|| user.to_string()),
            };
            figures(centre, officer, &name, &rs)
        })
        .collect();
    let all: Vec<&Rated> = rated.iter().collect();
    RatingExport {
        unit_code: centre.unit_code.clone(),
        unit_name: centre.name.clone(),
        quarter: quarter.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        scale: centre.rating_levels.clone(),
        maps_to: centre.rating_three.iter().map(|t| THREE_LEVELS[usize::from(t - 1)].to_string()).collect(),
        officers,
        total: figures(centre, "*", "Toàn đơn vị", &all),
    }
}

/// Column headings: the unit, the officer, the counts, the centre's levels, the 3 levels.
fn headings(export: &RatingExport) -> Vec<String> {
    let mut h: Vec<String> =
        ["Mã đơn vị", "Tên đơn vị", "Quý", "Cán bộ", "Tên cán bộ", "Số đánh giá", "Đánh giá hồ sơ"]
            .map(String::from)
            .to_vec();
    h.extend(export.scale.iter().map(|l| format!("Mức: {l}")));
    h.extend(THREE_LEVELS.iter().map(|l| format!("3 mức: {l}")));
    h.extend(["Không «Không hài lòng»", "Tỷ lệ không «Không hài lòng» (%)"].map(String::from));
    h
}

/// A row's cells: text, then numbers (`None` is an empty cell).
fn cells(export: &RatingExport, f: &RatingFigures) -> (Vec<String>, Vec<Option<f64>>) {
    let text = vec![
        export.unit_code.clone(),
        export.unit_name.clone(),
        export.quarter.clone(),
        f.officer.clone(),
        f.officer_name.clone(),
    ];
    let mut numbers = vec![Some(f64::from(f.ratings)), Some(f64::from(f.dossier_ratings))];
    numbers.extend(f.levels.iter().map(|&n| Some(f64::from(n))));
    numbers.extend(f.three_levels.iter().map(|&n| Some(f64::from(n))));
    numbers.push(Some(f64::from(f.not_dissatisfied)));
    numbers.push(f.not_dissatisfied_percent);
    (text, numbers)
}

fn rows(export: &RatingExport) -> impl Iterator<Item = &RatingFigures> {
    export.officers.iter().chain(std::iter::once(&export.total))
}

/// The export as CSV (UTF-8 with a byte-order mark), one row per officer and one for the unit.
pub fn csv(export: &RatingExport) -> Result<String, csv::Error> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    out.write_record(headings(export).iter().map(|h| neutral(h)))?;
    for f in rows(export) {
        let (text, numbers) = cells(export, f);
        let numbers = numbers.into_iter().map(|n| n.map(|n| n.to_string()).unwrap_or_default());
        out.write_record(text.iter().map(|t| neutral(t)).chain(numbers))?;
    }
    let bytes = out.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}

/// The export as an XLSX workbook of one sheet.
pub fn xlsx(export: &RatingExport) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(format!("Đánh giá {}", export.quarter))?;
    for (col, h) in headings(export).iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(col).unwrap_or(u16::MAX), h, &bold)?;
    }
    for (i, f) in rows(export).enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let (text, numbers) = cells(export, f);
        let n_text = text.len();
        for (col, t) in text.into_iter().enumerate() {
            sheet.write_string(r, u16::try_from(col).unwrap_or(u16::MAX), neutral(&t))?;
        }
        for (col, n) in numbers.into_iter().enumerate() {
            if let Some(n) = n {
                sheet.write_number(r, u16::try_from(n_text + col).unwrap_or(u16::MAX), n)?;
            }
        }
    }
    sheet.set_column_width(4, 28)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_are_read_and_span_their_three_months() {
        let q = Quarter::parse("2026-Q4").expect("a quarter");
        assert_eq!(q.days(), (Date::constant(2026, 10, 1), Date::constant(2026, 12, 31)));
        assert_eq!(
            Quarter::parse("2027-1").map(Quarter::days),
            Some((Date::constant(2027, 1, 1), Date::constant(2027, 3, 31)))
        );
        assert_eq!(Quarter::parse("2026-Q2").map(|q| q.days().1), Some(Date::constant(2026, 6, 30)));
        assert_eq!(Quarter::of(Date::constant(2026, 8, 15)).to_string(), "2026-Q3");
        for bad in ["2026-Q5", "2026", "Q4-2026", "2026-Q0", "1999-Q1"] {
            assert_eq!(Quarter::parse(bad), None, "{bad}");
        }
    }
}
