//! Importing the procedure catalogue (danh mục thủ tục hành chính) from the files the national
//! procedure database (Cơ sở dữ liệu quốc gia về TTHC) and provincial systems export: CSV or XLSX,
//! one procedure a row, under a header row in Vietnamese.
//!
//! Columns are found by their header, with or without diacritics, in any order; other columns are
//! ignored, title rows above the header are skipped. Recognised headers (see [`COLUMNS`]):
//! `Mã thủ tục` (or `Mã TTHC`), `Tên thủ tục`, `Mã lĩnh vực`, `Tên lĩnh vực` (or `Lĩnh vực`),
//! `Cấp thực hiện`, `Mức độ dịch vụ công`, `Thời hạn giải quyết`, `Phí, lệ phí`,
//! `Thành phần hồ sơ` (one document a line, or separated by ` | `), `Trình tự thực hiện`.
//! A code and a name are required, and a lĩnh vực code or name.
//!
//! Each procedure goes to the centre's field (lĩnh vực) whose `linh_vuc` list in the configuration
//! names its lĩnh vực code or name; procedures of lĩnh vực the centre does not serve are left out
//! and reported. An import replaces the whole catalogue: [`Preview`] says what would be added,
//! changed and removed, [`apply`] writes exactly that in one transaction and records the import in
//! `catalogue_imports` (a running server reloads its catalogue when that table moves on).
//! A file with any bad row is refused whole, naming the rows.

pub mod cli;
mod read;
mod store;

use std::collections::{BTreeMap, HashMap};

use motcua_protocol::api;

pub use read::{read_bytes, read_file};
pub use store::{Preview, apply, apply_over, preview, stored, version};

use crate::domain::ServiceCode;
use crate::domain::text::fold;

/// Longest code, name and other texts taken (characters).
const MAX_CODE: usize = 64;
const MAX_NAME: usize = 1000;
const MAX_TEXT: usize = 20_000;
/// Rows read from one file at most.
pub const MAX_ROWS: usize = 50_000;
/// Rows searched for the header row.
const HEADER_SEARCH: usize = 20;
/// Row errors listed in one refusal.
const ERRORS_SHOWN: usize = 20;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// Mã thủ tục.
    Code,
    /// Tên thủ tục.
    Name,
    /// Mã lĩnh vực.
    LinhVucCode,
    /// Tên lĩnh vực.
    LinhVucName,
    /// Cấp thực hiện.
    Level,
    /// Mức độ dịch vụ công trực tuyến.
    OnlineLevel,
    /// Thời hạn giải quyết.
    ProcessingTime,
    /// Phí, lệ phí.
    Fee,
    /// Thành phần hồ sơ.
    Documents,
    /// Trình tự thực hiện.
    Steps,
}

/// Header texts of each column, folded (lower case, no diacritics, punctuation as spaces).
pub const COLUMNS: &[(Column, &[&str])] = &[
    (Column::Code, &["ma thu tuc", "ma tthc", "ma thu tuc hanh chinh", "ma so thu tuc"]),
    (Column::Name, &["ten thu tuc", "ten tthc", "ten thu tuc hanh chinh", "thu tuc hanh chinh"]),
    (Column::LinhVucCode, &["ma linh vuc"]),
    (Column::LinhVucName, &["ten linh vuc", "linh vuc"]),
    (Column::Level, &["cap thuc hien", "cap giai quyet", "cap"]),
    (
        Column::OnlineLevel,
        &["muc do dich vu cong", "muc do dvc", "dich vu cong truc tuyen", "muc do truc tuyen", "muc do"],
    ),
    (Column::ProcessingTime, &["thoi han giai quyet", "thoi gian giai quyet"]),
    (Column::Fee, &["phi le phi", "le phi", "phi"]),
    (Column::Documents, &["thanh phan ho so", "ho so gom"]),
    (Column::Steps, &["trinh tu thuc hien"]),
];

/// A procedure read from a file, with the field it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Mã TTHC, e.g. `1.004227`.
    pub code: String,
    /// Tên thủ tục.
    pub name: String,
    /// The centre's field it goes to.
    pub service: String,
    /// Mã lĩnh vực as in the file.
    pub linh_vuc_code: String,
    /// Tên lĩnh vực as in the file.
    pub linh_vuc_name: String,
    /// Cấp thực hiện.
    pub level: String,
    /// Mức độ dịch vụ công.
    pub online_level: String,
    /// Thời hạn giải quyết as published, e.g. `10 ngày làm việc`.
    pub processing_time: String,
    /// Its first number, in days (0 when the text has none).
    pub processing_days: u32,
    /// Phí, lệ phí.
    pub fee: String,
    /// Thành phần hồ sơ, one document each.
    pub documents: Vec<String>,
    /// Trình tự thực hiện, as published.
    pub steps: String,
}

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// Machine code: `catalogue_unreadable`, `catalogue_no_header`, `catalogue_bad_rows`,
    /// `catalogue_too_large`, `catalogue_empty`.
    pub code: &'static str,
    /// What is wrong, in Vietnamese (rows numbered as a spreadsheet shows them).
    pub message: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ImportError {}

fn refused(code: &'static str, message: impl Into<String>) -> ImportError {
    ImportError { code, message: message.into() }
}

/// The configuration's map from lĩnh vực codes and names to the centre's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinhVucMap(HashMap<String, ServiceCode>);

impl LinhVucMap {
    /// A map from `(lĩnh vực code or name, field)` pairs; `Err` names an entry given to two fields.
    pub fn new(entries: impl IntoIterator<Item = (String, ServiceCode)>) -> Result<Self, String> {
        let mut map = HashMap::new();
        for (key, service) in entries {
            let folded = header_key(&key);
            if folded.is_empty() {
                return Err("mã hoặc tên lĩnh vực không được để trống".into());
            }
            if let Some(other) = map.insert(folded, service.clone()) {
                if other != service {
                    return Err(format!("lĩnh vực «{key}» được gán cho cả {other} và {service}"));
                }
            }
        }
        Ok(Self(map))
    }

    /// The field of a lĩnh vực, by its code first, then its name.
    pub fn field(&self, code: &str, name: &str) -> Option<&ServiceCode> {
        [code, name].into_iter().filter(|k| !k.trim().is_empty()).find_map(|k| self.0.get(&header_key(k)))
    }

    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A text folded for matching headers and lĩnh vực: lower case, no diacritics, any run of
/// punctuation and spaces as one space.
pub(crate) fn header_key(text: &str) -> String {
    let folded = fold(text);
    let spaced: String = folded.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The catalogue a file's rows describe for this centre.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Procedures of the centre's fields, by code.
    pub procedures: BTreeMap<String, Imported>,
    /// Lĩnh vực of the file no field serves: (code, name) → procedures left out.
    pub unmapped: BTreeMap<(String, String), usize>,
}

/// The column headings of the national procedure database's export (CSDL quốc gia về TTHC), in
/// its order, as the import finds them (for example files, the benchmark and the tests).
pub const NATIONAL_COLUMNS: [&str; 11] = [
    "STT",
    "Mã thủ tục",
    "Tên thủ tục",
    "Cấp thực hiện",
    "Mã lĩnh vực",
    "Tên lĩnh vực",
    "Mức độ DVC",
    "Thời hạn giải quyết",
    "Phí, lệ phí",
    "Thành phần hồ sơ",
    "Trình tự thực hiện",
];

/// A procedure code as the national database writes it (`1.004220`: a digit, a dot, six digits
/// starting `00`), given back its trailing zeros when a spreadsheet stored it as a number and
/// wrote it shorter (`1.00422`); any other code (`1.1`, a local `DD-1`) as it is.
pub fn national_code(code: &str) -> String {
    // A spreadsheet set to Vietnamese writes the decimal point as a comma (`1,00422`).
    match code.split_once(['.', ',']) {
        Some((unit, digits))
            if unit.len() == 1
                && unit.bytes().all(|b| b.is_ascii_digit())
                && (3..=6).contains(&digits.len())
                && digits.starts_with("00")
                && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{unit}.{digits:0<6}")
        }
        _ => code.to_string(),
    }
}

/// Reads a catalogue from rows (the first rows up to the header are skipped).
pub fn parse(rows: &[Vec<String>], map: &LinhVucMap) -> Result<Parsed, ImportError> {
    let (header_at, columns) = rows
        .iter()
        .take(HEADER_SEARCH)
        .enumerate()
        .find_map(|(i, row)| {
            let columns = header(row);
            (columns.contains_key(&Column::Code) && columns.contains_key(&Column::Name)).then_some((i, columns))
        })
        .ok_or_else(|| {
            refused(
                "catalogue_no_header",
                format!("Không thấy dòng tiêu đề có cột «Mã thủ tục» và «Tên thủ tục» trong {HEADER_SEARCH} dòng đầu của tệp"),
            )
        })?;
    if !columns.contains_key(&Column::LinhVucCode) && !columns.contains_key(&Column::LinhVucName) {
        return Err(refused("catalogue_no_header", "Tệp thiếu cột «Mã lĩnh vực» hoặc «Tên lĩnh vực»"));
    }
    let mut parsed = Parsed::default();
    let mut errors = Vec::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate().skip(header_at + 1) {
        let line = i + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |c: Column| columns.get(&c).and_then(|&at| row.get(at)).map(|s| s.trim()).unwrap_or("");
        let mut problem = |what: String| errors.push(format!("dòng {line}: {what}"));
        let code = national_code(get(Column::Code));
        let code = code.as_str();
        let name = get(Column::Name);
        let (lv_code, lv_name) = (get(Column::LinhVucCode), get(Column::LinhVucName));
        if code.is_empty() {
            // A totals line under the table ("Tổng cộng: 65 thủ tục") is not a procedure.
            let first = row.iter().map(|c| c.trim()).find(|c| !c.is_empty()).unwrap_or_default();
            if crate::domain::text::fold(first).starts_with("tong") {
                continue;
            }
            problem("thiếu mã thủ tục".into());
            continue;
        }
        if code.chars().count() > MAX_CODE || code.chars().any(char::is_control) {
            problem(format!("mã thủ tục «{}…» quá dài hoặc có ký tự lạ", code.chars().take(20).collect::<String>()));
            continue;
        }
        if name.is_empty() || name.chars().count() > MAX_NAME {
            problem(format!("tên thủ tục {code} trống hoặc dài quá {MAX_NAME} ký tự"));
            continue;
        }
        if lv_code.is_empty() && lv_name.is_empty() {
            problem(format!("thủ tục {code} không có lĩnh vực"));
            continue;
        }
        if let Some(earlier) = first_row.insert(code.to_string(), line) {
            problem(format!("mã thủ tục {code} trùng với dòng {earlier}"));
            continue;
        }
        let long = [Column::Documents, Column::Steps, Column::Fee, Column::ProcessingTime]
            .into_iter()
            .find(|&c| get(c).chars().count() > MAX_TEXT);
        if long.is_some() {
            problem(format!("thủ tục {code} có nội dung dài quá {MAX_TEXT} ký tự"));
            continue;
        }
        let Some(service) = map.field(lv_code, lv_name) else {
            *parsed.unmapped.entry((lv_code.to_string(), lv_name.to_string())).or_default() += 1;
            continue;
        };
        let processing_time = get(Column::ProcessingTime).to_string();
        parsed.procedures.insert(
            code.to_string(),
            Imported {
                code: code.to_string(),
                name: crate::domain::text::nfc(name).into_owned(),
                service: service.to_string(),
                linh_vuc_code: lv_code.to_string(),
                linh_vuc_name: crate::domain::text::nfc(lv_name).into_owned(),
                level: get(Column::Level).to_string(),
                online_level: get(Column::OnlineLevel).to_string(),
                processing_days: first_number(&processing_time),
                processing_time,
                fee: get(Column::Fee).to_string(),
                documents: documents(get(Column::Documents)),
                steps: get(Column::Steps).to_string(),
            },
        );
    }
    if !errors.is_empty() {
        let more = errors.len().saturating_sub(ERRORS_SHOWN);
        let mut message = format!("Tệp có {} dòng không nhận được, chưa nhập gì: ", errors.len());
        message.push_str(&errors.iter().take(ERRORS_SHOWN).cloned().collect::<Vec<_>>().join("; "));
        if more > 0 {
            message.push_str(&format!("; và {more} dòng khác"));
        }
        return Err(refused("catalogue_bad_rows", message));
    }
    if parsed.procedures.is_empty() {
        let why = if parsed.unmapped.is_empty() {
            "Tệp không có thủ tục nào".to_string()
        } else {
            format!(
                "Không thủ tục nào thuộc lĩnh vực của trung tâm; hãy khai báo linh_vuc cho các lĩnh vực trong cấu hình (ví dụ «{}»)",
                parsed
                    .unmapped
                    .keys()
                    .next()
                    .map(|(c, n)| if n.is_empty() { c.clone() } else { n.clone() })
                    .unwrap_or_default()
            )
        };
        return Err(refused("catalogue_empty", why));
    }
    Ok(parsed)
}

/// The columns of a header row.
fn header(row: &[String]) -> HashMap<Column, usize> {
    let mut found = HashMap::new();
    for (at, cell) in row.iter().enumerate() {
        let key = header_key(cell);
        if let Some((column, _)) = COLUMNS.iter().find(|(_, names)| names.contains(&key.as_str())) {
            found.entry(*column).or_insert(at);
        }
    }
    found
}

/// `10 ngày làm việc` → 10; `Trong ngày` → 0.
fn first_number(text: &str) -> u32 {
    let digits: String = text.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(0)
}

/// One document a line (or separated by ` | `), list marks and numbering dropped.
fn documents(cell: &str) -> Vec<String> {
    cell.split(['\n', '\r'])
        .flat_map(|line| line.split(" | "))
        .map(|d| d.trim().trim_start_matches(['-', '+', '•', '*', '–']).trim())
        .filter(|d| !d.is_empty())
        .map(|d| crate::domain::text::nfc(d).into_owned())
        .collect()
}

impl Imported {
    /// As the API shows it.
    pub fn to_api(&self) -> api::Procedure {
        api::Procedure {
            code: self.code.clone(),
            name: self.name.clone(),
            service: self.service.clone(),
            level: self.level.clone(),
            online_level: self.online_level.clone(),
            processing_days: self.processing_days,
            fee: self.fee.clone(),
            documents: self.documents.clone(),
            processing_time: self.processing_time.clone(),
            steps: self.steps.clone(),
        }
    }
}

/// What an import does, in Vietnamese, for the command line and the admin page: counts, the first
/// codes of each kind, and the lĩnh vực left out.
pub fn summary(parsed: &Parsed, changes: &Preview) -> String {
    let list = |codes: &[String]| {
        let shown: Vec<&str> = codes.iter().take(10).map(String::as_str).collect();
        let more = codes.len().saturating_sub(shown.len());
        if codes.is_empty() {
            String::new()
        } else if more > 0 {
            format!(": {} và {more} thủ tục khác", shown.join(", "))
        } else {
            format!(": {}", shown.join(", "))
        }
    };
    let mut out = format!(
        "Thêm {}{}\nSửa {}{}\nBỏ {}{}\nGiữ nguyên {}",
        changes.added.len(),
        list(&changes.added),
        changes.changed.len(),
        list(&changes.changed),
        changes.removed.len(),
        list(&changes.removed),
        changes.unchanged
    );
    for ((code, name), n) in &parsed.unmapped {
        let which =
            [code.as_str(), name.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" – ");
        out.push_str(&format!("\nBỏ qua {n} thủ tục của lĩnh vực {which}: chưa gán cho lĩnh vực nào của trung tâm (linh_vuc trong cấu hình)"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(csv: &str) -> Vec<Vec<String>> {
        read_bytes("danh-muc.csv", csv.as_bytes()).expect("rows")
    }

    fn map() -> LinhVucMap {
        let code = |c: &str| ServiceCode::parse(c).expect("code");
        LinhVucMap::new([("Đất đai".to_string(), code("DD")), ("G09-TP".to_string(), code("TP"))]).expect("map")
    }

    #[test]
    fn columns_are_found_by_header_under_title_rows_and_fields_by_code_or_name() {
        let csv = "DANH MỤC THỦ TỤC HÀNH CHÍNH;;;;\n\
                   ;;;;\n\
                   STT;Mã TTHC;Tên thủ tục;Lĩnh vực;Mã lĩnh vực;Thời hạn giải quyết;Thành phần hồ sơ;Ghi chú\n\
                   1;1.004227;Đăng ký biến động đất đai;Đất Đai;;10 ngày làm việc;\"- Đơn đề nghị\n- Giấy chứng nhận\";x\n\
                   2;2.000001;Đăng ký khai sinh;Hộ tịch;G09-TP;Trong ngày;Tờ khai | CCCD;\n\
                   3;3.000001;Cấp phép xây dựng;Xây dựng;G10;15 ngày;;\n";
        let parsed = parse(&rows(csv), &map()).expect("parsed");
        let land = &parsed.procedures["1.004227"];
        assert_eq!((land.service.as_str(), land.processing_days), ("DD", 10));
        assert_eq!(land.documents, ["Đơn đề nghị", "Giấy chứng nhận"]);
        let birth = &parsed.procedures["2.000001"];
        assert_eq!((birth.service.as_str(), birth.processing_days, birth.documents.len()), ("TP", 0, 2));
        assert_eq!(parsed.unmapped.get(&("G10".to_string(), "Xây dựng".to_string())), Some(&1));
    }

    #[test]
    fn a_national_code_a_spreadsheet_shortened_gets_its_zeros_back() {
        assert_eq!(national_code("1.00422"), "1.004220");
        assert_eq!(national_code("2.0021"), "2.002100");
        assert_eq!(national_code("1,00422"), "1.004220");
        assert_eq!(national_code("1,004227"), "1.004227");
        // Local codes that merely look numeric are left alone (1.1 and 1.10 stay two codes).
        assert_eq!(national_code("1.1"), "1.1");
        assert_eq!(national_code("1.10"), "1.10");
        assert_eq!(national_code("1.004227"), "1.004227");
        for other in ["DD-1", "12.5", "1.", "1.0042270", "A.12345", "1.2a"] {
            assert_eq!(national_code(other), other);
        }
        // Read from an XLSX whose code cell is the number 1.00422 (as typed into a spreadsheet).
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (col, h) in ["Mã thủ tục", "Tên thủ tục", "Tên lĩnh vực"].iter().enumerate() {
            sheet.write_string(0, col as u16, *h).expect("cell");
        }
        sheet.write_number(1, 0, 1.00422).expect("cell");
        sheet.write_string(1, 1, "Đăng ký đất đai").expect("cell");
        sheet.write_string(1, 2, "Đất đai").expect("cell");
        let bytes = book.save_to_buffer().expect("xlsx");
        let rows = read::read_bytes("danh-muc.xlsx", &bytes).expect("read");
        let parsed = parse(&rows, &map()).expect("parsed");
        assert_eq!(parsed.procedures.keys().collect::<Vec<_>>(), ["1.004220"]);
    }

    #[test]
    fn a_file_with_bad_rows_is_refused_whole_naming_them() {
        let csv = "Mã thủ tục,Tên thủ tục,Tên lĩnh vực\nDD-1,Một,Đất đai\n,Không mã,Đất đai\nDD-1,Trùng,Đất đai\nDD-2,,Đất đai\n,Tổng cộng: 4 thủ tục,\n";
        let e = parse(&rows(csv), &map()).expect_err("bad rows");
        assert_eq!(e.code, "catalogue_bad_rows");
        assert!(e.message.contains("dòng 3: thiếu mã thủ tục"), "{e}");
        assert!(e.message.contains("dòng 4: mã thủ tục DD-1 trùng với dòng 2"), "{e}");
        assert!(e.message.contains("dòng 5: tên thủ tục DD-2"), "{e}");
        assert!(!e.message.contains("dòng 6"), "a totals line is no procedure: {e}");
        let e = parse(&rows("STT,Tên\n1,x\n"), &map()).expect_err("no header");
        assert_eq!(e.code, "catalogue_no_header");
        let e = parse(&rows("Mã thủ tục,Tên thủ tục,Lĩnh vực\n9.9,Khác,Y tế\n"), &map()).expect_err("none mapped");
        assert!(e.code == "catalogue_empty" && e.message.contains("Y tế"), "{e}");
    }

    #[test]
    fn a_field_named_twice_in_the_configuration_is_refused() {
        let code = |c: &str| ServiceCode::parse(c).expect("code");
        let e = LinhVucMap::new([("Đất đai".into(), code("DD")), ("dat dai".into(), code("XD"))]).expect_err("twice");
        assert!(e.contains("DD") && e.contains("XD"), "{e}");
    }
}
