//! The procedure catalogue from the national database's files: a 1,000-procedure XLSX imported
//! with `queue-server catalogue import` while the server runs (it reloads), a re-import that
//! changes 10 and drops 5, the example file, and a real centre that never shows demo data.

use std::path::Path;

use queue_server::Config;
use queue_server::catalogue::cli;

use crate::helpers::*;

const EXAMPLE: &str = queue_server::config::EXAMPLE;
/// The example configuration's lĩnh vực codes, one per field.
const LINH_VUC: [&str; 5] = ["LV-DD", "LV-XD", "LV-TP", "LV-KD", "LV-CA"];

/// One row of the national export: STT, mã, tên, cấp, mã lĩnh vực, tên lĩnh vực, mức độ, thời hạn,
/// phí, thành phần hồ sơ, trình tự.
fn row(i: usize, fee: &str) -> [String; 11] {
    [
        (i + 1).to_string(),
        format!("2.{:06}", 100_000 + i),
        format!("Cấp giấy phép khai thác nước dưới đất của giếng khoan số {i}"),
        "Tỉnh".into(),
        LINH_VUC[i % LINH_VUC.len()].into(),
        "Tài nguyên nước".into(),
        "Toàn trình".into(),
        format!("{} ngày làm việc", 5 + i % 20),
        fee.into(),
        "- Đơn đề nghị cấp phép\n- Sơ đồ khu vực khai thác\n- Căn cước công dân".into(),
        "Bước 1: Nộp hồ sơ.\nBước 2: Thẩm định.\nBước 3: Trả kết quả.".into(),
    ]
}

/// An XLSX as the national database exports it: a title row, a blank row, then the header.
fn write_xlsx(path: &Path, rows: &[[String; 11]]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "DANH MỤC THỦ TỤC HÀNH CHÍNH CẤP TỈNH").expect("title");
    let header = queue_server::catalogue::NATIONAL_COLUMNS;
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).expect("header");
    }
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r as u32 + 3, c as u16, v).expect("cell");
        }
    }
    book.save(path).expect("saves");
}

fn import(file: &Path, config: &Path, db: &Path) -> String {
    let args = [
        "catalogue",
        "import",
        &file.display().to_string(),
        "--config",
        &config.display().to_string(),
        "--db",
        &db.display().to_string(),
    ];
    let mut out = Vec::new();
    cli::run(&args.map(String::from), &mut out).expect("imports");
    String::from_utf8(out).expect("utf-8")
}

async fn total(app: &TestApp, q: &str) -> u64 {
    let (status, found) = app.get_as(&format!("/api/v1/procedures?q={q}&limit=1"), KIOSK).await;
    assert_eq!(status, 200, "{found}");
    found["total"].as_u64().expect("total")
}

/// The running server's search finds `want` once it reloads the catalogue (as its tick does every
/// `RELOAD_EVERY` after an import from the command line; asked here at once).
async fn until_found(app: &TestApp, q: &str, want: u64) {
    app.store.reload_catalog().await.expect("reloads");
    assert_eq!(total(app, q).await, want, "«{q}»");
}

#[tokio::test]
async fn a_thousand_procedures_import_from_xlsx_while_the_server_runs_and_a_reimport_reports_its_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config_path, db) = (dir.path().join("motcua.toml"), dir.path().join("motcua.db"));
    std::fs::write(&config_path, EXAMPLE).expect("config");
    let app = spawn_centre(Config::parse("motcua.toml", EXAMPLE).expect("config"), Some(db.clone())).await;
    // A real centre before any import: no procedure, no demo dossier.
    assert_eq!(total(&app, "dat").await, 0);
    assert_eq!(app.get_as("/api/v1/dossiers/H56.22-261120-0001", KIOSK).await.0, 404);

    let rows: Vec<[String; 11]> = (0..1000).map(|i| row(i, "Không thu phí")).collect();
    let xlsx = dir.path().join("danh-muc-tthc.xlsx");
    write_xlsx(&xlsx, &rows);
    let said = import(&xlsx, &config_path, &db);
    eprintln!("{said}");
    assert!(said.starts_with("Thêm 1000: 2.100000, "), "{said}");
    assert!(said.contains("\nSửa 0\nBỏ 0\nGiữ nguyên 0\n"), "{said}");
    // Found without diacritics, by the running server, without a restart.
    until_found(&app, "gieng khoan", 1000).await;
    let (_, one) = app.get_as("/api/v1/procedures/2.100007", KIOSK).await;
    assert_eq!((one["service"].as_str(), one["processing_days"].as_u64()), (Some("TP"), Some(12)), "{one}");
    assert_eq!(one["documents"].as_array().map(Vec::len), Some(3), "{one}");
    assert_eq!(one["processing_time"], "12 ngày làm việc");

    // Ten fees changed, five procedures gone: exactly that is reported and written.
    let mut next: Vec<[String; 11]> = rows.clone();
    for r in next.iter_mut().skip(100).take(10) {
        r[8] = "50.000 đồng/hồ sơ".into();
    }
    next.retain(|r| !["2.100500", "2.100501", "2.100502", "2.100503", "2.100504"].contains(&r[1].as_str()));
    write_xlsx(&xlsx, &next);
    let said = import(&xlsx, &config_path, &db);
    let expected = "Thêm 0\nSửa 10: 2.100100, 2.100101, 2.100102, 2.100103, 2.100104, 2.100105, 2.100106, 2.100107, \
                    2.100108, 2.100109\nBỏ 5: 2.100500, 2.100501, 2.100502, 2.100503, 2.100504\nGiữ nguyên 985\n";
    assert!(said.starts_with(expected), "{said}");
    // The server's tick was shown above; from here the test asks for the reload itself.
    app.store.reload_catalog().await.expect("reloads");
    assert!(!app.store.reload_catalog().await.expect("reloads"), "an import is read once");
    until_found(&app, "gieng khoan", 995).await;
    let (_, changed) = app.get_as("/api/v1/procedures/2.100105", KIOSK).await;
    assert_eq!(changed["fee"], "50.000 đồng/hồ sơ");
    let conn = rusqlite::Connection::open(&db).expect("db");
    let imports: Vec<(i64, i64, i64, i64)> = conn
        .prepare("SELECT added, changed, removed, unchanged FROM catalogue_imports ORDER BY id")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect())
        .expect("imports");
    assert_eq!(imports, [(1000, 0, 0, 0), (0, 10, 5, 985)]);

    // The example catalogue file: procedures of every field of the example centre.
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/catalogue.example.csv");
    let said = import(&example, &config_path, &db);
    assert!(said.starts_with("Thêm 65") && said.contains("Bỏ 995"), "{said}");
    app.store.reload_catalog().await.expect("reloads");
    until_found(&app, "gieng khoan", 0).await;
    assert!(total(&app, "su dung dat").await >= 3, "the example's land procedures");
    app.stop().await;
}

#[tokio::test]
async fn a_file_with_bad_rows_changes_nothing_and_names_the_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config_path, db) = (dir.path().join("motcua.toml"), dir.path().join("motcua.db"));
    std::fs::write(&config_path, EXAMPLE).expect("config");
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "Mã thủ tục;Tên thủ tục;Mã lĩnh vực\n1.1;Cấp phép;LV-XD\n").expect("csv");
    assert!(import(&good, &config_path, &db).starts_with("Thêm 1"));
    // Saved by a spreadsheet in Vietnamese: ';', a BOM, NFD text; one row has no name.
    let bad = dir.path().join("bad.csv");
    let nfd: String = unicode_normalization::UnicodeNormalization::nfd("Cấp phép").collect();
    std::fs::write(&bad, format!("\u{feff}Mã thủ tục;Tên thủ tục;Mã lĩnh vực\n1.2;{nfd};LV-XD\n1.3;;LV-XD\n"))
        .expect("csv");
    let args = [
        "catalogue",
        "import",
        &bad.display().to_string(),
        "--config",
        &config_path.display().to_string(),
        "--db",
        &db.display().to_string(),
    ];
    let refused = cli::run(&args.map(String::from), &mut Vec::new()).expect_err("a bad row");
    assert!(refused.to_string().contains("dòng 3: tên thủ tục 1.3"), "{refused}");
    let conn = rusqlite::Connection::open(&db).expect("db");
    let codes: Vec<String> = conn
        .prepare("SELECT code FROM procedures")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("codes");
    assert_eq!(codes, ["1.1"], "nothing written");
}

#[tokio::test]
async fn an_admin_uploads_a_file_sees_what_it_changes_and_applies_exactly_that() {
    let app = spawn_demo().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let xlsx = dir.path().join("danh-muc.xlsx");
    write_xlsx(&xlsx, &(0..50).map(|i| row(i, "Không thu phí")).collect::<Vec<_>>());
    let bytes = std::fs::read(&xlsx).expect("file");
    let upload = |who: &crate::staff::Staff, name: &str, body: Vec<u8>| {
        who.http
            .post(app.url(&format!("/api/v1/catalogue/previews?name={name}")))
            .header("cookie", &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
    };
    // Only an admin imports.
    let officer = crate::staff::sign_in(&app, "canbo1", "demo-canbo1").await;
    assert_eq!(upload(&officer, "danh-muc.xlsx", bytes.clone()).await.expect("answers").status().as_u16(), 403);
    let admin = crate::staff::sign_in(&app, "quantri", "demo-quantri").await;
    // A file that is not a spreadsheet: refused, said why.
    let (status, refused) =
        status_json(upload(&admin, "x.xlsx", b"PK\x03\x04garbage".to_vec()).await.expect("answers")).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("catalogue_unreadable")), "{refused}");
    // The preview: the demo's 65 go, these 50 come; nothing changed yet.
    let (status, preview) = status_json(upload(&admin, "danh-muc.xlsx", bytes.clone()).await.expect("answers")).await;
    assert_eq!(status, 201, "{preview}");
    let count = |key: &str| preview["changes"][key].as_array().map(Vec::len);
    assert_eq!((count("added"), count("changed"), count("removed")), (Some(50), Some(0), Some(65)), "{preview}");
    assert_eq!(total(&app, "gieng khoan").await, 0, "a preview changes nothing");
    let apply = |id: String| {
        admin
            .http
            .post(app.url(&format!("/api/v1/catalogue/previews/{id}/apply")))
            .header("cookie", &admin.cookie)
            .header("x-csrf-token", &admin.csrf)
            .send()
    };
    let id = preview["id"].as_str().expect("id").to_string();
    let (status, applied) = status_json(apply(id.clone()).await.expect("answers")).await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["changes"].get("added"), None, "the changes themselves: {applied}");
    assert_eq!(applied["added"].as_array().map(Vec::len), Some(50), "{applied}");
    assert_eq!(total(&app, "gieng khoan").await, 50, "searchable at once");
    // Applied once: the same id again is gone.
    let (status, again) = status_json(apply(id).await.expect("answers")).await;
    assert_eq!((status, again["code"].as_str()), (404, Some("catalogue_preview_not_found")), "{again}");
    // A preview overtaken by another import is not applied over it.
    let mut fewer: Vec<[String; 11]> = (0..40).map(|i| row(i, "Không thu phí")).collect();
    write_xlsx(&xlsx, &fewer);
    let (_, stale) =
        status_json(upload(&admin, "danh-muc.xlsx", std::fs::read(&xlsx).expect("file")).await.expect("answers")).await;
    fewer[0][8] = "10.000 đồng".into();
    write_xlsx(&xlsx, &fewer);
    let (_, newer) =
        status_json(upload(&admin, "danh-muc.xlsx", std::fs::read(&xlsx).expect("file")).await.expect("answers")).await;
    assert_eq!(status_json(apply(newer["id"].as_str().expect("id").into()).await.expect("answers")).await.0, 200);
    let (status, refused) = status_json(apply(stale["id"].as_str().expect("id").into()).await.expect("answers")).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("catalogue_preview_stale")), "{refused}");
    assert_eq!(total(&app, "gieng khoan").await, 40);
    let (_, first) = app.get_as("/api/v1/procedures/2.100000", KIOSK).await;
    assert_eq!(first["fee"], "10.000 đồng", "the newer file's");
    app.stop().await;
}
