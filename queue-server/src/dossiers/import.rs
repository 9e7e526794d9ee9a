//! `queue-server dossiers import TỆP`: dossiers from a file the province's system exports, for
//! centres whose system only exports: JSON in the batch shape (`DongBoHoSoMC`,
//! `CapNhatTienDoHoSoMC`), or CSV/XLSX with one dossier a row under a header row of the DVCQG
//! field names (`MaHoSo`, `MaTTHC`, `TenTTHC`, `MaLinhVuc`, `TenLinhVuc`, `ChuHoSo`,
//! `SoDienThoai`, `NgayTiepNhan`, `NgayHenTra`, `TrangThaiHoSo`, `NgayTra`) or their Vietnamese
//! words (`Mã hồ sơ`, `Mã thủ tục`, …). Checked whole before anything is written; a dossier held
//! already the same is left alone, so importing the same export again writes nothing.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use super::{Batch, DongBoHoSoMC, Number};
use crate::cli::Place;
use crate::store::schema;

/// Header texts of each field (folded: lower case, no diacritics, punctuation as spaces).
const FIELDS: &[(&str, &[&str])] = &[
    ("MaHoSo", &["mahoso", "ma ho so"]),
    ("MaTTHC", &["matthc", "ma thu tuc", "ma tthc"]),
    ("TenTTHC", &["tentthc", "ten thu tuc", "ten tthc"]),
    ("MaLinhVuc", &["malinhvuc", "ma linh vuc"]),
    ("TenLinhVuc", &["tenlinhvuc", "ten linh vuc", "linh vuc"]),
    ("ChuHoSo", &["chuhoso", "chu ho so", "nguoi nop"]),
    ("SoDienThoai", &["sodienthoai", "so dien thoai", "dien thoai"]),
    ("NgayTiepNhan", &["ngaytiepnhan", "ngay tiep nhan"]),
    ("NgayHenTra", &["ngayhentra", "ngay hen tra"]),
    ("TrangThaiHoSo", &["trangthaihoso", "trang thai ho so", "trang thai"]),
    ("NgayTra", &["ngaytra", "ngay tra", "ngay tra ket qua"]),
];

/// Records from CSV/XLSX rows: the header row found among the first 20, one record a row.
/// Returns each record with its row number as a spreadsheet shows it.
pub fn records(rows: &[Vec<String>]) -> anyhow::Result<Vec<(usize, DongBoHoSoMC)>> {
    let found = rows.iter().take(20).enumerate().find_map(|(i, row)| {
        let mut columns: HashMap<&str, usize> = HashMap::new();
        for (at, cell) in row.iter().enumerate() {
            let key = crate::catalogue::header_key(cell);
            if let Some((field, _)) = FIELDS.iter().find(|(_, names)| names.contains(&key.as_str())) {
                columns.entry(field).or_insert(at);
            }
        }
        columns.contains_key("MaHoSo").then_some((i, columns))
    });
    let (header, columns) = found.context("không thấy dòng tiêu đề có cột MaHoSo (Mã hồ sơ) trong 20 dòng đầu")?;
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(header + 1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get =
            |f: &str| columns.get(f).and_then(|&at| row.get(at)).map(|s| s.trim().to_string()).unwrap_or_default();
        let status = get("TrangThaiHoSo");
        out.push((
            i + 1,
            DongBoHoSoMC {
                ma_ho_so: get("MaHoSo"),
                ma_tthc: get("MaTTHC"),
                ten_tthc: get("TenTTHC"),
                ma_linh_vuc: get("MaLinhVuc"),
                ten_linh_vuc: get("TenLinhVuc"),
                chu_ho_so: get("ChuHoSo"),
                so_dien_thoai: get("SoDienThoai"),
                ngay_tiep_nhan: get("NgayTiepNhan"),
                ngay_hen_tra: get("NgayHenTra"),
                trang_thai_ho_so: (!status.is_empty()).then_some(Number::Text(status)),
                ngay_tra: get("NgayTra"),
                danh_sach_ho_so_bo_sung: vec![],
            },
        ));
    }
    Ok(out)
}

/// `queue-server dossiers …`
#[derive(Debug, Parser)]
#[command(
    name = "queue-server dossiers",
    about = "Nhập hồ sơ từ tệp xuất của hệ thống TTHC của tỉnh",
    disable_help_subcommand = true,
    disable_help_flag = true,
    subcommand_help_heading = "Lệnh",
    subcommand_value_name = "LỆNH",
    help_template = crate::cli::HELP_TEMPLATE
)]
struct Dossiers {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    help: crate::cli::HelpFlag,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Nhập hồ sơ từ tệp .json (DongBoHoSoMC, CapNhatTienDoHoSoMC), .csv hoặc .xlsx
    #[command(help_template = crate::cli::HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    Import {
        /// Tệp xuất của hệ thống TTHC
        #[arg(value_name = "TỆP", help_heading = "Đối số")]
        file: PathBuf,
        #[command(flatten)]
        place: Place,
    },
}

/// Runs `queue-server dossiers …` (`args`: the words after `queue-server`); writes what it did to
/// `out`.
pub fn run(args: &[String], out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let words = std::iter::once("queue-server dossiers".to_string()).chain(args.iter().skip(1).cloned());
    let Some(parsed) = crate::cli::parse::<Dossiers>(words, "queue-server dossiers", out)? else { return Ok(()) };
    let Command::Import { file, place } = parsed.command;
    let (config, db) = place.open()?;
    let schedule = &config.centre.schedule;
    let name = file.display().to_string().to_lowercase();
    let bytes = std::fs::read(&file)
        .map_err(|e| anyhow::anyhow!("không đọc được {}: {}", file.display(), crate::config::io_vietnamese(&e)))?;
    let (rows, steps) = if name.ends_with(".json") {
        let batch: Batch = serde_json::from_slice(&bytes)
            .map_err(|e| anyhow::anyhow!("tệp JSON không đúng: {}", crate::parse_text::vietnamese(&e.to_string())))?;
        batch.check(schedule).map_err(|e| anyhow::anyhow!("{}: {}; chưa nhập hồ sơ nào", e.field, e.message))?
    } else {
        let table = crate::catalogue::read_bytes(&name, &bytes)?;
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        for (line, record) in records(&table)? {
            let row = record
                .check(schedule, &format!("dòng {line}"))
                .map_err(|e| anyhow::anyhow!("{}: {}; chưa nhập hồ sơ nào", e.field, e.message))?;
            rows.push(row);
            lines.push(line);
        }
        super::refuse_twice(rows.iter().map(|r| r.receipt_code.as_str()), |i| format!("dòng {}", lines[i]))
            .map_err(|e| anyhow::anyhow!("{}: {}; chưa nhập hồ sơ nào", e.field, e.message))?;
        (rows, vec![])
    };
    let mut conn = schema::open(&db).with_context(|| format!("không mở được {}", db.display()))?;
    schema::migrate(&mut conn).with_context(|| format!("không cập nhật được cấu trúc {}", db.display()))?;
    let w = super::store::upsert(&mut conn, schedule, &rows, &steps, "file", jiff::Timestamp::now().as_millisecond())?;
    writeln!(
        out,
        "Thêm {} hồ sơ, cập nhật {}, giữ nguyên {}; thêm {} bước xử lý ({} đã có).",
        w.created, w.updated, w.unchanged, w.steps_added, w.steps_known
    )?;
    Ok(())
}
