//! The built-in demo centre (`queue-server --demo`): the example configuration's 15 fields and 12
//! counters, a catalogue of procedures and dossiers in every status, loaded into an empty database.

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, params};

use crate::catalogue::{self, LinhVucMap};

/// Tokens of the demo centre, printed at start (they are in `deploy/motcua.example.toml`).
pub const TOKENS: &[(&str, &str)] = &[
    ("demo-kiosk", "kiosk: lấy số, đánh giá"),
    ("demo-counter", "cán bộ: mọi quầy"),
    ("demo-counter-3", "cán bộ: quầy 3"),
    ("demo-supervisor", "giám sát: mọi thao tác"),
    ("demo-lgsp", "liên thông tỉnh: gửi hồ sơ"),
];

/// Staff accounts of the demo centre: (user, password, role, name). Made when the database has none.
pub const STAFF: &[(&str, &str, &str, &str)] = &[
    ("canbo1", "demo-canbo1", "officer", "Nguyễn Thị Lan"),
    ("canbo2", "demo-canbo2", "officer", "Trần Văn Hùng"),
    ("canbo3", "demo-canbo3", "officer", "Lê Thị Mai"),
    ("giamsat", "demo-giamsat", "supervisor", "Phạm Quốc Bảo"),
    ("quantri", "demo-quantri", "admin", "Võ Minh Tâm"),
];

/// Makes the demo staff accounts if there are no accounts yet.
pub fn seed_staff(
    accounts: &crate::accounts::Accounts,
    now: jiff::Timestamp,
) -> Result<(), crate::accounts::AccountError> {
    if !accounts.users(now)?.is_empty() {
        return Ok(());
    }
    for (user, password, role, name) in STAFF {
        accounts.add_user(user, name, crate::accounts::StaffRole::parse(role)?, password, "demo", now)?;
    }
    Ok(())
}

/// The demo catalogue: the example catalogue file in the national database's columns, loaded
/// through the same import as a real centre's (`queue-server catalogue import`).
pub const CATALOGUE_CSV: &str = include_str!("../../../deploy/catalogue.example.csv");
/// Its name, as recorded in `catalogue_imports`.
pub const CATALOGUE_FILE: &str = "deploy/catalogue.example.csv";

/// The demo catalogue as the import reads it with `map` (the example configuration's lĩnh vực).
pub fn catalogue(map: &LinhVucMap) -> Result<catalogue::Parsed, catalogue::ImportError> {
    catalogue::parse(&catalogue::read_bytes(CATALOGUE_FILE, CATALOGUE_CSV.as_bytes())?, map)
}

/// Processing days of a procedure of the demo catalogue (5 when unknown, at least 1).
fn processing_days(catalogue: &catalogue::Parsed, procedure: &str) -> i64 {
    catalogue.procedures.get(procedure).map_or(5, |p| i64::from(p.processing_days.max(1)))
}

/// A demo dossier: receipt code, procedure, applicant, phone, days since received, status path.
struct DemoDossier {
    code: &'static str,
    procedure: &'static str,
    name: &'static str,
    phone: &'static str,
    received_days_ago: i64,
    steps: &'static [(&'static str, i64, &'static str)],
    apology: Option<(&'static str, i64)>,
}

/// Dossiers in every status. Steps: (status, days after receipt, note).
const DOSSIERS: &[DemoDossier] = &[
    DemoDossier {
        code: "H56.22-261120-0001",
        procedure: "1.001193",
        name: "Nguyễn Văn An",
        phone: "0912345678",
        received_days_ago: 0,
        steps: &[("received", 0, "Tiếp nhận tại quầy 4")],
        apology: None,
    },
    DemoDossier {
        code: "H56.22-261118-0002",
        procedure: "1.004203",
        name: "Trần Thị Bích Ngọc",
        phone: "0987654321",
        received_days_ago: 2,
        steps: &[("received", 0, "Tiếp nhận tại quầy 1"), ("processing", 1, "Chuyển Văn phòng đăng ký đất đai")],
        apology: None,
    },
    DemoDossier {
        code: "H56.22-261116-0003",
        procedure: "1.009972",
        name: "Lê Hoàng Minh",
        phone: "0905111222",
        received_days_ago: 4,
        steps: &[
            ("received", 0, "Tiếp nhận tại quầy 3"),
            ("processing", 1, "Chuyển phòng Quản lý đô thị"),
            ("needs_supplement", 3, "Bổ sung bản vẽ mặt bằng móng có chữ ký của đơn vị thiết kế"),
        ],
        apology: None,
    },
    DemoDossier {
        code: "H56.22-261113-0004",
        procedure: "2.000815",
        name: "Phạm Thu Hà",
        phone: "0936777888",
        received_days_ago: 7,
        steps: &[
            ("received", 0, "Tiếp nhận trực tuyến"),
            ("processing", 1, "Chuyển Sở Tư pháp"),
            ("ready", 6, "Kết quả đã về Trung tâm, mời nhận tại quầy 4"),
        ],
        apology: None,
    },
    DemoDossier {
        code: "H56.22-261110-0005",
        procedure: "2.001610",
        name: "Võ Đức Thắng",
        phone: "0978123456",
        received_days_ago: 10,
        steps: &[
            ("received", 0, "Tiếp nhận tại quầy 6"),
            ("processing", 0, "Chuyển phòng Tài chính – Kế hoạch"),
            ("ready", 2, "Đã có kết quả"),
            ("returned", 3, "Đã trả kết quả cho công dân"),
        ],
        apology: None,
    },
    DemoDossier {
        code: "H56.22-261030-0006",
        procedure: "1.004227",
        name: "Đặng Thị Lan",
        phone: "0915222333",
        received_days_ago: 22,
        steps: &[("received", 0, "Tiếp nhận tại quầy 2"), ("processing", 1, "Chuyển Văn phòng đăng ký đất đai")],
        apology: None,
    },
    DemoDossier {
        code: "H56.22-261027-0007",
        procedure: "1.004199",
        name: "Bùi Quang Huy",
        phone: "0934555666",
        received_days_ago: 25,
        steps: &[
            ("received", 0, "Tiếp nhận tại quầy 1"),
            ("processing", 1, "Chuyển Văn phòng đăng ký đất đai"),
            ("processing", 20, "Gia hạn: chờ kết quả đo đạc lại ranh giới thửa đất"),
        ],
        apology: Some((
            "Trung tâm Phục vụ hành chính công tỉnh Minh Hà chân thành xin lỗi ông/bà vì hồ sơ chưa được giải quyết đúng hẹn do phải đo đạc lại ranh giới thửa đất. Ngày hẹn trả kết quả mới được ghi dưới đây.",
            5,
        )),
    },
    DemoDossier {
        code: "H56.22-261119-0008",
        procedure: "2.001198",
        name: "Hoàng Văn Bảy",
        phone: "0388999000",
        received_days_ago: 1,
        steps: &[
            ("received", 0, "Tiếp nhận, thu nhận vân tay và ảnh chân dung tại quầy 9"),
            ("processing", 0, "Chuyển Công an tỉnh"),
        ],
        apology: None,
    },
    DemoDossier {
        code: "H56.22-261117-0009",
        procedure: "1.002804",
        name: "Ngô Thị Mai",
        phone: "0362444555",
        received_days_ago: 3,
        steps: &[
            ("received", 0, "Tiếp nhận tại quầy 8"),
            ("processing", 0, "Chuyển Sở Giao thông vận tải"),
            ("ready", 3, "Đã có kết quả, mời nhận tại quầy 8"),
        ],
        apology: None,
    },
    DemoDossier {
        code: "H56.22-261114-0010",
        procedure: "1.001978",
        name: "Dương Minh Tuấn",
        phone: "0356111000",
        received_days_ago: 6,
        steps: &[
            ("received", 0, "Tiếp nhận tại quầy 7"),
            ("needs_supplement", 2, "Bổ sung quyết định thôi việc có dấu của đơn vị"),
        ],
        apology: None,
    },
];

/// Loads the demo catalogue (through the catalogue import, lĩnh vực mapped by `map`) and dossiers
/// into an empty database; does nothing if procedures exist.
pub fn seed(conn: &mut Connection, map: &LinhVucMap, now: Timestamp) -> rusqlite::Result<()> {
    let existing: i64 = conn.query_row("SELECT count(*) FROM procedures", [], |r| r.get(0))?;
    if existing > 0 {
        return Ok(());
    }
    let parsed = catalogue(map).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    catalogue::apply(conn, &parsed, CATALOGUE_FILE, "demo", now.as_millisecond())?;
    let tx = conn.transaction()?;
    let day = |n: i64| now.checked_sub(SignedDuration::from_hours(24 * n)).unwrap_or(now);
    for d in DOSSIERS {
        let received = day(d.received_days_ago);
        let processing_days = processing_days(&parsed, d.procedure);
        let due = received.checked_add(SignedDuration::from_hours(24 * processing_days)).unwrap_or(received);
        let (last, _, _) = d.steps.last().copied().unwrap_or(("received", 0, ""));
        let new_due =
            d.apology.map(|(_, in_days)| now.checked_add(SignedDuration::from_hours(24 * in_days)).unwrap_or(now));
        let completed = matches!(last, "ready" | "returned")
            .then(|| received + SignedDuration::from_hours(24 * d.steps.last().map_or(0, |s| s.1)));
        tx.execute(
            "INSERT INTO dossiers (receipt_code, procedure_code, applicant_name, applicant_phone, status, received_at_ms, due_at_ms, new_due_at_ms, apology, completed_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![d.code, d.procedure, d.name, d.phone, last, received.as_millisecond(), due.as_millisecond(),
                new_due.map(|t| t.as_millisecond()), d.apology.map(|a| a.0), completed.map(|t| t.as_millisecond())],
        )?;
        for (status, after, note) in d.steps {
            let at = received.checked_add(SignedDuration::from_hours(24 * after)).unwrap_or(received);
            tx.execute(
                "INSERT INTO dossier_steps (receipt_code, at_ms, status, note) VALUES (?1, ?2, ?3, ?4)",
                params![d.code, at.as_millisecond(), status, note],
            )?;
        }
        if let Some(new_due) = new_due {
            let payload =
                serde_json::json!({ "kind": "dossier_apology", "new_due_at_ms": new_due.as_millisecond() }).to_string();
            tx.execute(
                "INSERT INTO events (at_ms, day, kind, dossier, payload) VALUES (?1, ?2, 'dossier_apology', ?3, ?4)",
                params![now.as_millisecond(), now.to_string().get(..10).unwrap_or_default(), d.code, payload],
            )?;
        }
    }
    tx.commit()
}

/// Receipt codes of the demo dossiers, with their last status, for the start-up banner.
pub fn dossier_codes() -> impl Iterator<Item = (&'static str, &'static str)> {
    DOSSIERS.iter().map(|d| (d.code, d.steps.last().map_or("received", |s| s.0)))
}

/// A short description of a demo dossier's situation, for the start-up banner.
pub fn dossier_situation(code: &str) -> &'static str {
    let Some(d) = DOSSIERS.iter().find(|d| d.code == code) else { return "" };
    // Read once for the whole banner.
    static CATALOGUE: std::sync::OnceLock<catalogue::Parsed> = std::sync::OnceLock::new();
    let parsed = CATALOGUE.get_or_init(|| catalogue(&crate::Config::demo().linh_vuc).unwrap_or_default());
    let days = processing_days(parsed, d.procedure);
    let finished = d.steps.last().is_some_and(|s| matches!(s.0, "ready" | "returned"));
    match (d.apology.is_some(), !finished && d.received_days_ago > days) {
        (true, _) => "(trễ hẹn, đã xin lỗi và hẹn lại)",
        (false, true) => "(quá hạn)",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::config::Config;

    #[test]
    fn the_catalogue_covers_every_field_with_unique_codes() {
        let config = Config::demo();
        let all = catalogue(&config.linh_vuc).expect("the example catalogue imports");
        assert!(all.unmapped.is_empty(), "every lĩnh vực of the example file has a field: {:?}", all.unmapped);
        let lines = CATALOGUE_CSV.lines().filter(|l| l.split(',').next().is_some_and(|n| n.parse::<u32>().is_ok()));
        assert_eq!(all.procedures.len(), lines.count(), "every row imports");
        assert!(all.procedures.len() >= 60, "{} procedures", all.procedures.len());
        for service in &config.centre.services {
            let n = all.procedures.values().filter(|p| p.service == service.code.as_str()).count();
            assert!(n >= 4, "{} has {n} procedures", service.code);
        }
        let p = all.procedures.values();
        assert!(p.clone().all(|p| !p.documents.is_empty() && p.documents.iter().all(|d| !d.trim().is_empty())));
        assert!(p.clone().all(|p| !p.processing_time.is_empty() && !p.steps.is_empty()));
    }

    #[test]
    fn dossiers_cover_every_status_and_reference_real_procedures() {
        let last: HashSet<&str> = dossier_codes().map(|(_, s)| s).collect();
        for status in ["received", "processing", "needs_supplement", "ready", "returned"] {
            assert!(last.contains(status), "{status}");
        }
        for d in DOSSIERS {
            let all = catalogue(&Config::demo().linh_vuc).expect("catalogue");
            assert!(all.procedures.contains_key(d.procedure), "{}", d.code);
            assert!(crate::domain::ReceiptCode::parse(d.code).is_ok(), "{}", d.code);
        }
    }
}
