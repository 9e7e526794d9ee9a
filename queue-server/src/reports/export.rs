//! A report as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Vietnamese
//! right) and as XLSX (one sheet per grouping, numbers as numbers).

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
    h.extend(["Đặt lịch", "Lấy số trực tiếp", "Hồ sơ trễ hạn"].map(String::from));
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
    c.extend([Cell::Number(f64::from(f.bookings)), Cell::Number(f64::from(f.walk_ins)), num(f.overdue.map(f64::from))]);
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

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

/// The report as CSV.
pub fn csv(report: &Report) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&headings(report).iter().map(|h| csv_field(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for (group, rows) in groups(report) {
        for row in rows {
            let line: Vec<String> = cells(group, row)
                .into_iter()
                .map(|c| match c {
                    Cell::Text(t) => csv_field(&t),
                    Cell::Number(n) => format!("{n}"),
                    Cell::Empty => String::new(),
                })
                .collect();
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
    }
    out
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
                    Cell::Text(t) => sheet.write_string(r, col, t)?,
                    Cell::Number(n) => sheet.write_number(r, col, n)?,
                    Cell::Empty => sheet,
                };
            }
        }
        sheet.set_column_width(2, 30)?;
    }
    book.save_to_buffer()
}
