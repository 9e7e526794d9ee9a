//! A report as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Vietnamese
//! right; written by the `csv` crate) and as XLSX (one sheet per grouping, numbers as numbers).
//!
//! Every text cell is neutralised against formula injection (OWASP "CSV Injection"): text that a
//! spreadsheet would take as a formula — starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return, as an officer named `=HYPERLINK(…)` would — gets a leading `'`, in both formats (an XLSX
//! is often saved again as CSV).

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::{Report, Row};

/// Column headings, the rating levels' labels in the middle.
pub fn headings(report: &Report) -> Vec<String> {
    let mut h: Vec<String> = [
        "Nhóm",
        "Mã",
        "Tên",
        "Số phiếu",
        "Đã phục vụ",
        "Chờ TB (phút)",
        "Chờ P90 (phút)",
        "Phục vụ TB (phút)",
        "Vắng mặt (%)",
        "Hài lòng (%)",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    h.extend(report.levels.iter().map(|l| format!("Đánh giá: {l}")));
    h.extend(["Đặt lịch", "Lấy số trực tiếp", "Chuyển từ lĩnh vực khác", "Hồ sơ trễ hạn"].map(String::from));
    h
}

/// A cell: text or a number (none is an empty cell).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// Nothing to show.
    Empty,
}

fn cells(group: &str, row: &Row) -> Vec<Cell> {
    let f = &row.figures;
    let num = |x: Option<f64>| x.map_or(Cell::Empty, Cell::Number);
    let mut c = vec![
        Cell::Text(group.into()),
        Cell::Text(row.key.clone()),
        Cell::Text(row.label.clone()),
        Cell::Number(f64::from(f.tickets)),
        Cell::Number(f64::from(f.served)),
        num(f.avg_wait),
        num(f.p90_wait),
        num(f.avg_service),
        num(f.no_show_rate),
        num(f.satisfied),
    ];
    c.extend(f.ratings.iter().map(|&n| Cell::Number(f64::from(n))));
    c.extend([
        Cell::Number(f64::from(f.bookings)),
        Cell::Number(f64::from(f.walk_ins)),
        Cell::Number(f64::from(f.transferred)),
        num(f.overdue.map(f64::from)),
    ]);
    c
}

/// The groups in order: (sheet and group name, rows).
pub fn groups(report: &Report) -> Vec<(&'static str, Vec<&Row>)> {
    vec![
        ("Lĩnh vực", report.fields.iter().collect()),
        ("Quầy", report.counters.iter().collect()),
        ("Cán bộ", report.officers.iter().collect()),
        ("Tổng", vec![&report.total]),
    ]
}

/// Text a spreadsheet will show as text, never run as a formula.
pub fn neutral(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() }
}

/// The report as CSV.
pub fn csv(report: &Report) -> Result<String, csv::Error> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    out.write_record(headings(report).iter().map(|h| neutral(h)))?;
    for (group, rows) in groups(report) {
        for row in rows {
            out.write_record(cells(group, row).into_iter().map(|c| match c {
                Cell::Text(t) => neutral(&t),
                Cell::Number(n) => format!("{n}"),
                Cell::Empty => String::new(),
            }))?;
        }
    }
    let bytes = out.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(format!("\u{feff}{}", String::from_utf8_lossy(&bytes)))
}

/// The report as an XLSX workbook.
pub fn xlsx(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let heads = headings(report);
    for (group, rows) in groups(report) {
        let sheet = book.add_worksheet();
        sheet.set_name(group)?;
        sheet.write_string(0, 0, format!("Báo cáo từ {} đến {}", report.from, report.to))?;
        for (col, h) in heads.iter().enumerate() {
            sheet.write_string_with_format(1, u16::try_from(col).unwrap_or(u16::MAX), h, &bold)?;
        }
        for (i, row) in rows.iter().enumerate() {
            let r = u32::try_from(i + 2).unwrap_or(u32::MAX);
            for (col, cell) in cells(group, row).into_iter().enumerate() {
                let col = u16::try_from(col).unwrap_or(u16::MAX);
                match cell {
                    Cell::Text(t) => sheet.write_string(r, col, neutral(&t))?,
                    Cell::Number(n) => sheet.write_number(r, col, n)?,
                    Cell::Empty => sheet,
                };
            }
        }
        sheet.set_column_width(2, 30)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::Figures;

    fn row(key: &str, label: &str) -> Row {
        Row {
            key: key.into(),
            label: label.into(),
            figures: Figures {
                tickets: 3,
                served: 2,
                avg_wait: Some(-0.0),
                p90_wait: None,
                avg_service: Some(4.5),
                no_show_rate: None,
                ratings: vec![0, 1, 0, 2],
                satisfied: Some(66.7),
                bookings: 1,
                walk_ins: 2,
                transferred: 0,
                overdue: None,
            },
        }
    }

    const HOSTILE: [&str; 6] =
        ["=HYPERLINK(\"http://x\",\"bấm\")", "+84912345678", "-2+3", "@SUM(A1:A9)", "\tTab", "\rCR"];

    fn report() -> Report {
        Report {
            from: "2026-11-23".into(),
            to: "2026-11-23".into(),
            levels: vec!["Không hài lòng".into(), "Chấp nhận được".into(), "Hài lòng".into(), "Rất hài lòng".into()],
            fields: vec![row("DD", "Đất đai")],
            counters: vec![row("1", "Quầy 1")],
            officers: HOSTILE.iter().enumerate().map(|(i, name)| row(&format!("canbo{i}"), name)).collect(),
            total: row("", "Toàn trung tâm"),
        }
    }

    #[test]
    fn formula_looking_names_come_back_as_text_in_csv_and_xlsx() {
        let text = csv(&report()).expect("csv");
        let mut reader = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let labels: Vec<String> = reader
            .records()
            .map(|r| r.expect("a record"))
            .filter(|r| r.get(0) == Some("Cán bộ"))
            .map(|r| r.get(2).unwrap_or_default().to_string())
            .collect();
        assert_eq!(labels, HOSTILE.iter().map(|h| format!("'{h}")).collect::<Vec<_>>());

        use calamine::Reader;
        let bytes = xlsx(&report()).expect("xlsx");
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("workbook");
        let sheet = book.worksheet_range("Cán bộ").expect("the officers' sheet");
        for (i, hostile) in HOSTILE.iter().enumerate() {
            let cell = sheet.get_value((u32::try_from(i + 2).unwrap_or(0), 2)).cloned();
            assert_eq!(cell, Some(calamine::Data::String(format!("'{hostile}"))), "row {i}");
        }
        let formulas = book.worksheet_formula("Cán bộ").expect("formulas");
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no formula anywhere");
        assert_eq!(neutral("Nguyễn Thị Lan"), "Nguyễn Thị Lan", "ordinary names are left alone");
    }
}
