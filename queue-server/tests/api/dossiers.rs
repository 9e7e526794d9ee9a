//! Dossiers pushed by the province's integration in the DVCQG shapes: a batch of 1,000, the same
//! batch again, refusals that name the record and field and write nothing, and what the kiosk
//! then shows.

use serde_json::{Value, json};

use crate::helpers::*;

const LGSP: &str = "demo-lgsp";

/// A dossier record as the province's system sends it (receipt codes of unit H56.22, 1 Dec 2026).
fn record(i: u32, status: &str) -> Value {
    json!({
        "MaHoSo": format!("H56.22-261201-{:04}", i + 1),
        "MaTTHC": "1.004227",
        "TenTTHC": "Đăng ký biến động quyền sử dụng đất",
        "MaLinhVuc": "LV-DD",
        "TenLinhVuc": "Đất đai",
        "ChuHoSo": format!("Nguyễn Văn Hùng {i}"),
        "SoDienThoai": "0912345678",
        "NgayTiepNhan": "20261201083000",
        "NgayHenTra": "20261215170000",
        "TrangThaiHoSo": status,
        "NgayTra": "",
        "DanhSachHoSoBoSung": []
    })
}

fn step(i: u32, at: &str, status: u8, what: &str) -> Value {
    json!({
        "MaHoSo": format!("H56.22-261201-{:04}", i + 1),
        "NguoiXuLy": "Trần Thị Bình",
        "ThoiDiemXuLy": at,
        "PhongBanXuLy": "Văn phòng đăng ký đất đai",
        "NoiDungXuLy": what,
        "TrangThai": status
    })
}

#[tokio::test]
async fn a_thousand_pushed_dossiers_are_written_once_and_a_replayed_batch_changes_nothing() {
    let app = spawn_demo().await;
    let batch = json!({
        "DongBoHoSoMC": (0..1000).map(|i| record(i, ["2", "4", "5"][i as usize % 3])).collect::<Vec<_>>(),
        "CapNhatTienDoHoSoMC": (0..1000).map(|i| step(i, "20261202100000", 4, "Thẩm định hồ sơ")).collect::<Vec<_>>(),
    });
    let started = std::time::Instant::now();
    let (status, written) = app.post("/api/v1/dossiers/batch", Some(LGSP), Some(batch.clone())).await;
    let took = started.elapsed();
    assert_eq!(status, 200, "{written}");
    eprintln!("1,000 dossiers and 1,000 steps pushed in {took:?} ({:.0} dossiers/s)", 1000.0 / took.as_secs_f64());
    assert_eq!(
        (written["created"].as_u64(), written["unchanged"].as_u64(), written["steps_added"].as_u64()),
        (Some(1000), Some(0), Some(1000)),
        "{written}"
    );
    let counts = || (app.count("dossiers"), app.count("dossier_steps"), app.count("events"));
    let before = counts();
    let (status, again) = app.post("/api/v1/dossiers/batch", Some(LGSP), Some(batch)).await;
    assert_eq!(status, 200);
    assert_eq!(
        (
            again["created"].as_u64(),
            again["updated"].as_u64(),
            again["unchanged"].as_u64(),
            again["steps_known"].as_u64()
        ),
        (Some(0), Some(0), Some(1000), Some(1000)),
        "{again}"
    );
    assert_eq!(counts(), before, "the same batch again writes nothing");

    // What the kiosk shows: the DVCQG status name, the steps, when it was synchronised.
    let (status, seen) = app.get_as("/api/v1/dossiers/H56.22-261201-0003?phone_last4=5678", KIOSK).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["status_label"], "Yêu cầu bổ sung giấy tờ", "status 5 of DVCQG: {seen}");
    let notes: Vec<&str> =
        seen["history"].as_array().expect("history").iter().filter_map(|s| s["note"].as_str()).collect();
    assert_eq!(notes, ["Văn phòng đăng ký đất đai: Thẩm định hồ sơ"]);
    assert!(seen["synced_at"].is_string(), "{seen}");
    // The result returned: one record changes, the rest stay.
    let mut done = record(2, "10");
    done["NgayTra"] = json!("20261210150000");
    let (status, one) = app.post("/api/v1/dossiers/batch", Some(LGSP), Some(json!({ "DongBoHoSoMC": [done] }))).await;
    assert_eq!((status, one["updated"].as_u64()), (200, Some(1)), "{one}");
    let (_, seen) = app.get_as("/api/v1/dossiers/H56.22-261201-0003", KIOSK).await;
    assert_eq!(seen["status_label"], "Đã trả kết quả");
    app.stop().await;
}

#[tokio::test]
async fn a_bad_record_refuses_the_batch_naming_the_record_and_field_and_writes_nothing() {
    let app = spawn_demo().await;
    let before = (app.count("dossiers"), app.count("dossier_steps"));
    let mut bad_date = record(3, "4");
    bad_date["NgayHenTra"] = json!("20261331170000");
    let mut long_name = record(4, "4");
    long_name["ChuHoSo"] = json!("Nguyễn ".repeat(60));
    let cases = [
        // The record is named by its place and its receipt code.
        (record(2, "11"), "DongBoHoSoMC[2] (H56.22-261201-0003).TrangThaiHoSo", "«11»"),
        (bad_date, "DongBoHoSoMC[2] (H56.22-261201-0004).NgayHenTra", "«20261331170000» không có thật"),
        (long_name, "DongBoHoSoMC[2] (H56.22-261201-0005).ChuHoSo", "dài quá 300"),
    ];
    for (bad, field, said) in cases {
        let batch = json!({ "DongBoHoSoMC": [record(0, "2"), record(1, "2"), bad, record(5, "2")] });
        let (status, refused) = app.post("/api/v1/dossiers/batch", Some(LGSP), Some(batch)).await;
        assert_eq!((status, refused["code"].as_str()), (422, Some("dossier_invalid")), "{refused}");
        let message = refused["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(field) && message.contains(said), "{field}: {message}");
    }
    // One dossier twice in a batch (two snapshots): refused, so a replay cannot write.
    let twice = json!({ "DongBoHoSoMC": [record(0, "4"), record(1, "4"), record(0, "9")] });
    let (status, refused) = app.post("/api/v1/dossiers/batch", Some(LGSP), Some(twice)).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("dossier_invalid")), "{refused}");
    assert!(refused["message"].as_str().unwrap_or_default().starts_with("DongBoHoSoMC[2].MaHoSo"), "{refused}");
    // A wrong type is the JSON's fault, named too, in Vietnamese.
    let (status, refused) =
        app.post("/api/v1/dossiers/batch", Some(LGSP), Some(json!({ "DongBoHoSoMC": [{ "MaHoSo": 5 }] }))).await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("invalid_json")), "{refused}");
    assert!(refused["message"].as_str().unwrap_or_default().contains("MaHoSo"), "{refused}");
    assert_eq!((app.count("dossiers"), app.count("dossier_steps")), before, "nothing written");
    // Only the integration pushes.
    assert_eq!(app.post("/api/v1/dossiers/batch", Some(KIOSK), Some(json!({}))).await.0, 403);
    assert_eq!(app.post("/api/v1/dossiers/batch", None, Some(json!({}))).await.0, 401);
    // One record by PUT; its code must be the path's.
    let put = |path: &str, body: Value| app.client.put(app.url(path)).bearer_auth(LGSP).json(&body).send();
    let (status, written) =
        status_json(put("/api/v1/dossiers/H56.22-261201-0001", record(0, "1")).await.expect("answers")).await;
    assert_eq!((status, written["created"].as_u64()), (200, Some(1)), "{written}");
    let (status, refused) =
        status_json(put("/api/v1/dossiers/H56.22-261201-0009", record(0, "1")).await.expect("answers")).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("dossier_invalid")), "{refused}");
    let (_, seen) = app.get_as("/api/v1/dossiers/H56.22-261201-0001", KIOSK).await;
    assert_eq!(seen["status_label"], "Mới đăng ký");
    app.stop().await;
}

#[tokio::test]
async fn without_the_second_factor_no_personal_data_and_twenty_wrong_ones_are_refused_and_logged() {
    let app = spawn_demo().await;
    let batch = json!({
        "DongBoHoSoMC": (0..100).map(|i| record(i, "4")).collect::<Vec<_>>(),
        "CapNhatTienDoHoSoMC": (0..100).map(|i| step(i, "20261202100000", 4, "Chuyển phòng chuyên môn")).collect::<Vec<_>>(),
    });
    assert_eq!(app.post("/api/v1/dossiers/batch", Some(LGSP), Some(batch)).await.0, 200);
    // 100 sequential codes, as someone enumerating would try them (a kiosk's token, so no rate
    // limit stops it first): status and dates, never a name, a phone or a note.
    for i in 0..100 {
        let (status, seen) = app.get_as(&format!("/api/v1/dossiers/H56.22-261201-{:04}", i + 1), KIOSK).await;
        assert_eq!(status, 200);
        let text = seen.to_string();
        assert!(!text.contains("Nguyễn") && !text.contains("0912") && !text.contains("Chuyển phòng"), "{text}");
        assert_eq!((seen["applicant"].as_str(), seen["phone"].as_str()), (Some(""), Some("")), "{text}");
        assert_eq!(seen["details_hidden"], true);
        assert!(seen.get("factor_wrong").is_none(), "no factor given, none wrong: {text}");
    }
    // With the last 4 digits of the phone: the masked name and the notes.
    let (_, seen) = app.get_as("/api/v1/dossiers/H56.22-261201-0001?phone_last4=5678", KIOSK).await;
    assert_eq!(
        (seen["applicant"].as_str(), seen["details_hidden"].as_bool()),
        (Some("Nguyễn V*** H*** 0***"), Some(false))
    );
    assert!(seen.to_string().contains("Chuyển phòng chuyên môn"));
    // Twenty wrong factors from one phone: then refused, and one event row says so.
    let guesser = phone(21);
    for n in 0..20 {
        let url = app.url(&format!("/api/v1/dossiers/H56.22-261201-0001?phone_last4={:04}", 1000 + n));
        let (status, seen) = status_json(guesser.get(url).send().await.expect("answers")).await;
        assert_eq!((status, seen["details_hidden"].as_bool()), (200, Some(true)), "guess {n}");
        assert_eq!(seen["factor_wrong"], true, "the API says the digits did not match");
    }
    let url = app.url("/api/v1/dossiers/H56.22-261201-0001?phone_last4=5678");
    let (status, refused) = status_json(guesser.get(url).send().await.expect("answers")).await;
    assert_eq!((status, refused["code"].as_str()), (429, Some("too_many_wrong_factors")), "{refused}");
    let conn = rusqlite::Connection::open(&app.db).expect("db");
    let logged: i64 = conn
        .query_row("SELECT count(*) FROM events WHERE kind = 'dossier_factor_refused'", [], |r| r.get(0))
        .expect("count");
    assert_eq!(logged, 1);
    // Another phone is not held back.
    let (_, seen) = status_json(
        phone(22).get(app.url("/api/v1/dossiers/H56.22-261201-0001?phone_last4=5678")).send().await.expect("answers"),
    )
    .await;
    assert_eq!(seen["details_hidden"], false);
    // Guesses spread over many phones stop at the dossier: 100 wrong an hour, then nobody.
    for p in 0..5u32 {
        for n in 0..20 {
            let url = app.url(&format!("/api/v1/dossiers/H56.22-261201-0002?phone_last4={:04}", 2000 + p * 20 + n));
            assert_eq!(status_json(phone(30 + p).get(url).send().await.expect("answers")).await.0, 200);
        }
    }
    let url = app.url("/api/v1/dossiers/H56.22-261201-0002?phone_last4=5678");
    let (status, refused) = status_json(phone(41).get(url).send().await.expect("answers")).await;
    assert_eq!((status, refused["code"].as_str()), (429, Some("too_many_wrong_factors")), "{refused}");
    // A postponement's letter may name the applicant: without the factor, a fixed text.
    let mut late = record(50, "4");
    late["DanhSachHoSoBoSung"] = json!([{ "NgayHenTraTruoc": "20261215170000", "NgayHenTraMoi": "20261222170000",
        "LyDo": "Kính gửi ông Nguyễn Văn Hùng 50: hồ sơ cần xác minh thêm" }]);
    assert_eq!(app.post("/api/v1/dossiers/batch", Some(LGSP), Some(json!({ "DongBoHoSoMC": [late] }))).await.0, 200);
    let (_, hidden) = app.get_as("/api/v1/dossiers/H56.22-261201-0051", KIOSK).await;
    assert!(!hidden.to_string().contains("Nguyễn"), "{hidden}");
    assert_eq!(hidden["apology"]["new_due_at"], "2026-12-22T17:00:00+07:00", "{hidden}");
    let (_, shown) = app.get_as("/api/v1/dossiers/H56.22-261201-0051?phone_last4=5678", KIOSK).await;
    assert!(shown["apology"]["message"].as_str().unwrap_or_default().contains("xác minh thêm"), "{shown}");
    app.stop().await;
}

#[test]
fn an_exported_file_imports_once_and_a_bad_row_is_named_with_nothing_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, db) = (dir.path().join("motcua.toml"), dir.path().join("motcua.db"));
    std::fs::write(&config, queue_server::config::EXAMPLE).expect("config");
    let import = |file: &std::path::Path| {
        let args = [
            "dossiers",
            "import",
            &file.display().to_string(),
            "--config",
            &config.display().to_string(),
            "--db",
            &db.display().to_string(),
        ];
        let mut out = Vec::new();
        queue_server::dossiers::import::run(&args.map(String::from), &mut out)
            .map(|()| String::from_utf8(out).expect("utf-8"))
    };
    // As a spreadsheet in Vietnamese saves it: a title, ';', Vietnamese headers.
    let csv = dir.path().join("ho-so.csv");
    let mut text = String::from(
        "DANH SÁCH HỒ SƠ;;;;\nMã hồ sơ;Mã thủ tục;Người nộp;Số điện thoại;Ngày tiếp nhận;Ngày hẹn trả;Trạng thái\n",
    );
    for i in 1..=30 {
        text.push_str(&format!(
            "H56.22-261201-{i:04};1.004227;Phạm Thị Thu;0912000{i:03};20261201080000;20261215170000;4\n"
        ));
    }
    std::fs::write(&csv, &text).expect("csv");
    assert_eq!(
        import(&csv).expect("imports"),
        "Thêm 30 hồ sơ, cập nhật 0, giữ nguyên 0; thêm 0 bước xử lý (0 đã có).\n"
    );
    assert_eq!(
        import(&csv).expect("imports"),
        "Thêm 0 hồ sơ, cập nhật 0, giữ nguyên 30; thêm 0 bước xử lý (0 đã có).\n"
    );
    // Row 5 has a status DVCQG does not have: refused, naming the row, nothing written.
    // The others now ready (9): none of that may be written either.
    let bad =
        text.replace(";0912000003;20261201080000;20261215170000;4\n", ";0912000003;20261201080000;20261215170000;12\n");
    std::fs::write(&csv, bad.replace(";4\n", ";9\n")).expect("csv");
    let refused = import(&csv).expect_err("a bad row");
    assert!(refused.to_string().starts_with("dòng 5.TrangThaiHoSo: mã trạng thái «12»"), "{refused}");
    let conn = rusqlite::Connection::open(&db).expect("db");
    let ready: i64 =
        conn.query_row("SELECT count(*) FROM dossiers WHERE status = 'ready'", [], |r| r.get(0)).expect("count");
    assert_eq!(ready, 0, "nothing of the refused file was written");
    // JSON in the batch shape, with a step.
    let json_file = dir.path().join("ho-so.json");
    let batch = json!({ "DongBoHoSoMC": [record(40, "9")], "CapNhatTienDoHoSoMC": [step(40, "20261203090000", 9, "Ký kết quả")] });
    std::fs::write(&json_file, batch.to_string()).expect("json");
    assert_eq!(
        import(&json_file).expect("imports"),
        "Thêm 1 hồ sơ, cập nhật 0, giữ nguyên 0; thêm 1 bước xử lý (0 đã có).\n"
    );
}

#[tokio::test]
async fn a_sector_systems_receipt_code_is_told_by_its_configured_form() {
    let text = format!(
        "{}\n[[receipt_patterns]]\nname = \"Hộ tịch\"\npattern = \"HT-(?P<unit>[0-9A-Z]{{3,8}})-(?P<date>[0-9]{{8}})-(?P<seq>[0-9]{{5}})\"\nexample = \"HT-H5622-20261105-00123\"\n",
        queue_server::config::EXAMPLE
    );
    let config = queue_server::Config::parse("motcua.toml", &text).expect("config with a sector form");
    let app = spawn_centre(config, None).await;
    // Not held: the message names the form, the unit and the day it was received.
    let (status, missing) = app.get("/api/v1/dossiers/ht-h5622-20261105-00123").await;
    assert_eq!(status, 404, "{missing}");
    let said = missing["message"].as_str().unwrap_or_default();
    assert!(said.contains("mẫu mã «Hộ tịch», đơn vị H5622, tiếp nhận ngày 05/11/2026"), "{said}");
    // The national form is told too.
    let (_, missing) = app.get("/api/v1/dossiers/000.00.20.H56-261120-0001").await;
    assert!(missing["message"].as_str().unwrap_or_default().contains("mẫu mã «Thông tư 01/2018/TT-VPCP»"), "{missing}");
    // A day that does not exist (a misread digit) is refused, on the API and on /lookup.
    let (status, refused) = app.get("/api/v1/dossiers/HT-H5622-20261131-00123").await;
    assert_eq!((status, refused["code"].as_str()), (400, Some("invalid_receipt_code")), "{refused}");
    assert!(refused["message"].as_str().unwrap_or_default().contains("«20261131», mẫu mã «Hộ tịch»"), "{refused}");
    let page = app.client.get(app.url("/lookup?code=HT-H5622-20261131-00123")).send().await.expect("page");
    assert_eq!(page.status().as_u16(), 400);
    assert!(page.text().await.unwrap_or_default().contains("không có thật"));
    // A code of no known form is looked for as it is.
    assert_eq!(app.get("/api/v1/dossiers/ABC-123456").await.0, 404);
    app.stop().await;

    // A pattern its own example does not match, or that does not compile, is refused by name.
    for (pattern, example, says) in [
        ("HT-[0-9]{5}", "HT-1234", "không khớp"),
        ("HT-(?P<date>[0-9]{8})", "HT-20261131", "không có thật"),
        ("HT-(", "HT-1", "biểu thức chính quy không đúng"),
        ("HT-(?P<ngay>[0-9]{8})", "HT-20261105", "nhóm «ngay»"),
        (".*", "HT-1", "cụ thể hơn"),
    ] {
        let text = format!(
            "{}\n[[receipt_patterns]]\nname = \"Hộ tịch\"\npattern = \"{pattern}\"\nexample = \"{example}\"\n",
            queue_server::config::EXAMPLE
        );
        let e = queue_server::Config::parse("motcua.toml", &text).expect_err("refused");
        assert!(e.to_string().contains("receipt_patterns[0]") && e.to_string().contains(says), "{e}");
    }
}
