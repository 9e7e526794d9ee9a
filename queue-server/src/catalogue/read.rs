//! Rows of cell texts from a CSV (UTF-8, `,` `;` or tab) or XLSX (first sheet) file.

use std::path::Path;

use super::{ImportError, MAX_ROWS, refused};

/// The rows of a CSV or XLSX file (by its extension), each a list of cell texts.
pub fn read_file(path: &Path) -> Result<Vec<Vec<String>>, ImportError> {
    let bytes = std::fs::read(path)
        .map_err(|e| refused("catalogue_unreadable", format!("Không đọc được tệp {}: {e}", path.display())))?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    read_bytes(&name, &bytes)
}

/// The rows of a file's bytes; `name` (its file name) tells XLSX (`.xlsx`) from CSV (anything else;
/// also recognised by content: an XLSX is a ZIP).
pub fn read_bytes(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    if name.ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else if name.ends_with(".xls") {
        Err(refused(
            "catalogue_unreadable",
            "Tệp .xls (Excel 97-2003) chưa được hỗ trợ; hãy lưu lại dạng .xlsx hoặc .csv",
        ))
    } else {
        read_csv(bytes)
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| {
        refused("catalogue_unreadable", "Tệp CSV không phải mã UTF-8; hãy lưu lại với «CSV UTF-8» hoặc dùng .xlsx")
    })?;
    // Exports from spreadsheets set to Vietnamese often separate with ';' (or tabs). The line of
    // the first 20 with the most separators is taken for the header; ',' on a tie.
    let count = |d: u8| text.lines().take(20).map(|l| l.matches(char::from(d)).count()).max().unwrap_or(0);
    let delimiter =
        [b';', b'\t'].into_iter().filter(|&d| count(d) > count(b',')).max_by_key(|&d| count(d)).unwrap_or(b',');
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        if i >= MAX_ROWS {
            return Err(refused("catalogue_too_large", format!("Tệp có quá {MAX_ROWS} dòng")));
        }
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            refused("catalogue_unreadable", format!("Dòng {line} của tệp CSV không đọc được (dấu nháy kép chưa đóng?)"))
        })?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok(rows)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    use calamine::{Reader, Xlsx};
    let unreadable =
        |_| refused("catalogue_unreadable", "Tệp XLSX không đọc được (hỏng hoặc không phải bảng tính Excel)");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let sheet = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| refused("catalogue_empty", "Bảng tính không có trang nào"))?;
    let range = book
        .worksheet_range(&sheet)
        .map_err(|_| refused("catalogue_unreadable", "Trang đầu của bảng tính không đọc được"))?;
    if range.height() > MAX_ROWS {
        return Err(refused("catalogue_too_large", format!("Tệp có quá {MAX_ROWS} dòng")));
    }
    // Rows as the spreadsheet numbers them: blank rows above the data are kept blank.
    let top = range.start().map_or(0, |(row, _)| row as usize);
    let mut rows = vec![Vec::new(); top];
    rows.extend(range.rows().map(|row| row.iter().map(cell_text).collect()));
    Ok(rows)
}

fn cell_text(cell: &calamine::Data) -> String {
    use calamine::Data;
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}
