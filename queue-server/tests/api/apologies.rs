//! Apologies for late dossiers (Mẫu 04, Thông tư 01/2018/TT-VPCP): the supervisor's list of
//! overdue dossiers without one, the form's request as a browser sends it (decomposed text, sent
//! twice), the public lookup, the message queued to the applicant, the province's own apologies,
//! and the A5 letter read back by poppler's `pdftotext`.

use jiff::SignedDuration;
use queue_server::Config;
use queue_server::domain::ManualClock;
use serde_json::{Value, json};
use unicode_normalization::UnicodeNormalization;

use crate::helpers::*;
use crate::staff::sign_in;

const LGSP: &str = "demo-lgsp";
const SUPERVISOR: &str = "demo-supervisor";

fn record(seq: u32, due: &str, status: &str) -> Value {
    json!({
        "MaHoSo": format!("H56.22-261201-{seq:04}"),
        "MaTTHC": "1.004227",
        "TenTTHC": "Đăng ký biến động quyền sử dụng đất",
        "MaLinhVuc": "LV-DD",
        "TenLinhVuc": "Đất đai",
        "ChuHoSo": "Nguyễn Văn Hùng",
        "SoDienThoai": "0912345678",
        "NgayTiepNhan": "20261201083000",
        "NgayHenTra": due,
        "TrangThaiHoSo": status,
    })
}

fn overdue_codes(list: &Value) -> Vec<String> {
    // The pushed ones (the demo's own dossiers are of another day).
    list.as_array()
        .expect("a list")
        .iter()
        .map(|d| d["receipt_code"].as_str().unwrap_or_default().to_string())
        .filter(|c| c.starts_with("H56.22-261201-"))
        .collect()
}

/// Text of a PDF as poppler reads it (`pdftotext`, `pdfinfo` from Debian's poppler-utils).
fn pdf_text(bytes: &[u8]) -> (String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, bytes).expect("writes");
    let run = |program: &str, args: &[&str]| {
        let out = std::process::Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} (Debian package poppler-utils): {e}"));
        assert!(out.status.success(), "{program}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let path = path.to_str().expect("path");
    (run("pdftotext", &["-enc", "UTF-8", path, "-"]), run("pdfinfo", &[path]))
}

#[tokio::test]
async fn an_overdue_dossier_stays_on_the_supervisor_list_until_its_apology_which_is_shown_sent_and_printable() {
    let clock = ManualClock::new(at("2026-12-16", "09:00"));
    // The demo centre, for its staff accounts.
    let app = spawn(Config::demo(), Some(clock.clone()), None).await;
    let batch = json!({ "DongBoHoSoMC": [
        record(1, "20261215170000", "4"),  // due yesterday, being processed: overdue
        record(2, "20261220170000", "4"),  // due later
        record(3, "20261210170000", "10"), // returned: closed
        record(4, "20261214170000", "7"),  // withdrawn: closed
    ]});
    let (status, written) = app.post("/api/v1/dossiers/batch", Some(LGSP), Some(batch)).await;
    assert_eq!(status, 200, "{written}");

    // Who may see and act.
    let (status, _) = app.get("/api/v1/supervisor/overdue-dossiers").await;
    assert_eq!(status, 401);
    let (status, _) = app.get_as("/api/v1/supervisor/overdue-dossiers", KIOSK).await;
    assert_eq!(status, 403);
    let (status, list) = app.get_as("/api/v1/supervisor/overdue-dossiers", SUPERVISOR).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(overdue_codes(&list), ["H56.22-261201-0001"], "only the open one past its date: {list}");
    let list: Vec<&Value> =
        list.as_array().expect("list").iter().filter(|d| d["receipt_code"] == "H56.22-261201-0001").collect();
    assert_eq!((list[0]["days_late"].as_i64(), list[0]["apologised_before"].as_bool()), (Some(1), Some(false)));
    assert_eq!(list[0]["applicant"], "Nguyễn V*** H***", "{list:?}");

    // A supervisor signs in and sends the form: the reason typed decomposed, the date as the
    // date field gives it.
    let giamsat = sign_in(&app, "giamsat", "demo-giamsat").await;
    let reason = "Cần xác minh thêm nguồn gốc đất với Ủy ban nhân dân xã";
    let form = json!({ "reason": reason.nfd().collect::<String>(), "new_due": "2026-12-22" });
    let send = |body: Value| {
        giamsat
            .http
            .post(app.url("/api/v1/dossiers/H56.22-261201-0001/apology"))
            .header("cookie", &giamsat.cookie)
            .header("x-csrf-token", &giamsat.csrf)
            .json(&body)
            .send()
    };
    let (status, recorded) = status_json(send(form.clone()).await.expect("answers")).await;
    assert_eq!(status, 201, "{recorded}");
    assert_eq!(recorded["reason"], reason, "kept composed: {recorded}");
    assert_eq!(recorded["actor"], "staff:giamsat");
    assert_eq!(recorded["due_before"], "2026-12-15T17:00:00+07:00");
    assert_eq!(recorded["new_due"], "2026-12-22T17:00:00+07:00");
    assert_eq!(recorded["notified"], true);
    let counts = || (app.count("apologies"), app.count("notifications"), app.count("events"));
    let after_one = counts();
    // The same form sent again (a double tap, a retry): nothing more.
    let (status, again) = status_json(send(form).await.expect("answers")).await;
    assert_eq!((status, again["created"].as_bool()), (200, Some(false)), "{again}");
    assert_eq!(counts(), after_one, "the same apology again writes nothing");

    let (_, list) = app.get_as("/api/v1/supervisor/overdue-dossiers", SUPERVISOR).await;
    assert_eq!(overdue_codes(&list), Vec::<String>::new(), "off the list once apologised: {list}");

    // The applicant's message, in the outbox for the notifier.
    let db = rusqlite::Connection::open(&app.db).expect("db");
    let (kind, phone, text): (String, String, String) = db
        .query_row("SELECT kind, phone, text FROM notifications WHERE booking = 'H56.22-261201-0001'", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("one message");
    assert_eq!((kind.as_str(), phone.as_str()), ("apology", "0912345678"));
    assert!(text.contains(reason) && text.contains("15/12/2026") && text.contains("22/12/2026"), "{text}");

    // The public lookup: the new date always; the reason only with the second factor.
    let (_, seen) = app.get("/api/v1/dossiers/H56.22-261201-0001").await;
    assert_eq!((seen["overdue"].as_bool(), seen["due_at"].as_str()), (Some(false), Some("2026-12-22T17:00:00+07:00")));
    assert!(!seen["apology"]["message"].as_str().unwrap_or_default().contains("xác minh"), "{seen}");
    let (_, seen) = app.get("/api/v1/dossiers/H56.22-261201-0001?phone_last4=5678").await;
    assert_eq!(seen["apology"]["message"], reason, "{seen}");
    let page = app.client.get(app.url("/lookup?code=H56.22-261201-0001&phone_last4=5678")).send().await.expect("page");
    let page = page.text().await.expect("html");
    let apology = &page[page.find("id=\"apology\"").expect("the apology on /lookup")..];
    assert!(apology.contains(reason) && apology.contains("Ngày hẹn trả mới: 22/12/2026"), "{apology}");

    // The letter: A5, addressed by full name, with the reason and both dates.
    let response = app
        .client
        .get(app.url("/api/v1/dossiers/H56.22-261201-0001/apology.pdf"))
        .bearer_auth(SUPERVISOR)
        .send()
        .await
        .expect("pdf");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let bytes = response.bytes().await.expect("bytes");
    let (text, info) = pdf_text(&bytes);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "Kính gửi: Nguyễn Văn Hùng",
        "H56.22-261201-0001",
        reason,
        "15/12/2026",
        "22/12/2026",
        "01/12/2026",
    ] {
        assert!(flat.contains(expected), "«{expected}» not in the letter:\n{text}");
    }
    // A5 is 148 × 210 mm: 419.53 × 595.28 points.
    let size: Vec<f64> = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .map(|s| s.split_whitespace().filter_map(|w| w.parse().ok()).collect())
        .unwrap_or_default();
    assert!(size.len() == 2 && (size[0] - 419.53).abs() < 0.5 && (size[1] - 595.28).abs() < 0.5, "{info}");
    // Kept for looking at: target/apology-letter.pdf.
    let kept = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/apology-letter.pdf");
    let _ = std::fs::write(&kept, &bytes);
    eprintln!("apology letter: {} bytes, {}", bytes.len(), kept.display());

    // The new date passes too: back on the list, as apologised before.
    clock.advance(SignedDuration::from_hours(24 * 7));
    let (_, list) = app.get_as("/api/v1/supervisor/overdue-dossiers", SUPERVISOR).await;
    // The longest late first: 0002 was due on the 20th, 0001's new date was the 22nd.
    assert_eq!(overdue_codes(&list), ["H56.22-261201-0002", "H56.22-261201-0001"], "{list}");
    let first = list.as_array().expect("list").iter().find(|d| d["receipt_code"] == "H56.22-261201-0001");
    assert_eq!(first.map(|d| d["apologised_before"].clone()), Some(json!(true)));
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_apology_is_refused_with_the_field_named_and_nothing_written() {
    let clock = ManualClock::new(at("2026-12-16", "09:00"));
    let app = spawn_centre_at(Config::demo(), clock).await;
    let batch = json!({ "DongBoHoSoMC": [record(1, "20261215170000", "4"), record(3, "20261210170000", "10")] });
    assert_eq!(app.post("/api/v1/dossiers/batch", Some(LGSP), Some(batch)).await.0, 200);
    let before = (app.count("apologies"), app.count("notifications"), app.count("events"));
    let url = "/api/v1/dossiers/H56.22-261201-0001/apology";
    for (body, status, code, words) in [
        (json!({ "reason": "  ", "new_due": "2026-12-22" }), 422, "apology_invalid", "Lý do chậm trễ"),
        (
            json!({ "reason": "Chờ ý kiến sở", "new_due": "2026-12-14" }),
            422,
            "apology_invalid",
            "Ngày hẹn trả mới phải sau 16/12/2026",
        ),
        (json!({ "reason": "Chờ ý kiến sở", "new_due": "31/02/2027" }), 422, "apology_invalid", "không đúng dạng"),
        (json!({ "reason": "Chờ ý kiến sở", "new_due": "2028-12-22" }), 422, "apology_invalid", "quá xa"),
        // A Sunday, and an instant that is a Sunday in Viet Nam: citizens would come to a closed centre.
        (json!({ "reason": "Chờ ý kiến sở", "new_due": "2026-12-20" }), 422, "apology_invalid", "ví dụ 21/12/2026"),
        (
            json!({ "reason": "Chờ ý kiến sở", "new_due": "2026-12-26T20:00:00Z" }),
            422,
            "apology_invalid",
            "27/12/2026 là ngày trung tâm không làm việc",
        ),
        (json!({ "reason": "Chờ ý kiến sở" }), 400, "invalid_json", "new_due"),
    ] {
        let (got, answer) = app.post(url, Some(SUPERVISOR), Some(body.clone())).await;
        assert_eq!(got, status, "{body} → {answer}");
        assert!(answer["code"].as_str().is_some_and(|c| code.is_empty() || c == code), "{answer}");
        assert!(answer["message"].as_str().is_some_and(|m| m.contains(words)), "{answer}");
    }
    let closed = json!({ "reason": "Chờ ý kiến sở", "new_due": "2026-12-22" });
    let (got, answer) =
        app.post("/api/v1/dossiers/H56.22-261201-0003/apology", Some(SUPERVISOR), Some(closed.clone())).await;
    assert_eq!((got, answer["code"].as_str()), (409, Some("dossier_closed")), "{answer}");
    let (got, answer) =
        app.post("/api/v1/dossiers/H56.22-261201-0009/apology", Some(SUPERVISOR), Some(closed.clone())).await;
    assert_eq!((got, answer["code"].as_str()), (404, Some("dossier_not_found")), "{answer}");
    let (got, _) = app.post(url, Some(KIOSK), Some(closed.clone())).await;
    assert_eq!(got, 403, "a kiosk may not apologise");
    let (got, _) = app.post(url, None, Some(closed)).await;
    assert_eq!(got, 401);
    let (got, answer) = app.get_as("/api/v1/dossiers/H56.22-261201-0001/apology.pdf", SUPERVISOR).await;
    assert_eq!((got, answer["code"].as_str()), (404, Some("apology_not_found")), "{answer}");
    assert_eq!((app.count("apologies"), app.count("notifications"), app.count("events")), before);
    app.stop().await;
}

#[tokio::test]
async fn the_provinces_apology_comes_with_the_record_once_goes_out_by_sms_and_its_own_token_may_send_one() {
    let clock = ManualClock::new(at("2026-12-16", "09:00"));
    // An SMS gateway on loopback: the apology goes out through the notifier.
    let (url, seen) = crate::notices::gateway(axum::http::StatusCode::OK).await;
    let mut config = Config::demo();
    config.sms = Some(queue_server::config::SmsGateway { url, post: false });
    let app = spawn_centre_at(config, clock).await;
    // A dossier first seen already postponed (an initial push, a first lookup): the apology is
    // recorded but no message goes out for old news.
    let mut seen_late = record(3, "20261201170000", "4");
    seen_late["DanhSachHoSoBoSung"] = json!([{
        "NgayHenTraTruoc": "20261201170000", "NgayHenTraMoi": "20261210170000", "LyDo": "Bổ sung giấy tờ"
    }]);
    let first =
        json!({ "DongBoHoSoMC": [record(1, "20261215170000", "4"), record(2, "20261212170000", "4"), seen_late] });
    assert_eq!(app.post("/api/v1/dossiers/batch", Some(LGSP), Some(first)).await.0, 200);
    assert_eq!((app.count("apologies"), app.count("notifications")), (1, 0), "recorded, not sent");
    // Then the province postpones one it had sent before: that is news, told once.
    let mut late = record(1, "20261215170000", "4");
    late["DanhSachHoSoBoSung"] = json!([{
        "NgayHenTraTruoc": "20261215170000", "NgayHenTraMoi": "20261223170000", "LyDo": "Chờ kết quả đo đạc"
    }]);
    let batch = json!({ "DongBoHoSoMC": [late, record(2, "20261212170000", "4")] });
    assert_eq!(app.post("/api/v1/dossiers/batch", Some(LGSP), Some(batch.clone())).await.0, 200);
    let once = (app.count("apologies"), app.count("notifications"));
    assert_eq!(once, (2, 1), "the postponement is the province's apology");
    assert_eq!(app.post("/api/v1/dossiers/batch", Some(LGSP), Some(batch)).await.0, 200);
    assert_eq!((app.count("apologies"), app.count("notifications")), once, "the same batch again: nothing more");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let sent = loop {
        let requests = seen.lock().expect("lock").clone();
        if let Some(r) = requests.iter().find(|r| r.get("text").is_some_and(|t| t.contains("Chờ kết quả đo đạc")))
        {
            break r.clone();
        }
        assert!(std::time::Instant::now() < deadline, "the apology never reached the gateway: {requests:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(sent.get("to").map(String::as_str), Some("0912345678"));
    assert!(sent["text"].contains("15/12/2026") && sent["text"].contains("23/12/2026"), "{sent:?}");
    let (_, list) = app.get_as("/api/v1/supervisor/overdue-dossiers", SUPERVISOR).await;
    assert_eq!(overdue_codes(&list), ["H56.22-261201-0003", "H56.22-261201-0002"], "{list}");
    let (_, seen) = app.get("/api/v1/dossiers/H56.22-261201-0001?phone_last4=5678").await;
    assert_eq!(seen["apology"]["message"], "Chờ kết quả đo đạc", "{seen}");
    assert_eq!(seen["due_at"], "2026-12-23T17:00:00+07:00");

    // The integration records one for the other through the API, as a supervisor would.
    let body = json!({ "reason": "Chờ ý kiến của Sở Tài nguyên và Môi trường", "new_due": "21/12/2026" });
    let (status, recorded) = app.post("/api/v1/dossiers/H56.22-261201-0002/apology", Some(LGSP), Some(body)).await;
    assert_eq!(status, 201, "{recorded}");
    assert_eq!(recorded["actor"], "token:Trục LGSP của tỉnh", "{recorded}");
    let (_, list) = app.get_as("/api/v1/supervisor/overdue-dossiers", SUPERVISOR).await;
    assert_eq!(overdue_codes(&list), ["H56.22-261201-0003"]);
    app.stop().await;
}
