//! The citizen pages as plain HTTP: served with the centre's name, lookups masked like the kiosk,
//! bad codes answered with a page that says why.

use crate::helpers::*;

async fn page(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app.client.get(app.url(path)).send().await.expect("answers");
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (status, kind, response.text().await.expect("body"))
}

#[tokio::test]
async fn pages_and_their_assets_are_served() {
    let app = spawn_demo().await;
    let (status, kind, html) = page(&app, "/book").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"));
    assert!(html.contains("Trung tâm Phục vụ hành chính công tỉnh Minh Hà") && html.contains("Đặt lịch hẹn"));
    let (status, kind, _) = page(&app, "/assets/book.js").await;
    assert_eq!((status, kind.starts_with("text/javascript")), (200, true));
    let (status, kind, _) = page(&app, "/assets/style.css").await;
    assert_eq!((status, kind.starts_with("text/css")), (200, true));
    let (status, _, _) = page(&app, "/assets/other.js").await;
    assert_eq!(status, 404);
    let (status, _, html) = page(&app, "/t/20261123-DD-1001").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-ticket=\"20261123-DD-1001\""));
    let (status, _, html) = page(&app, "/t/<script>").await;
    assert_eq!(status, 400);
    assert!(html.contains("Mã phiếu không hợp lệ") && !html.contains("<script>"));
    app.stop().await;
}

#[tokio::test]
async fn lookup_masks_the_applicant_and_explains_bad_codes() {
    let app = spawn_demo().await;
    let (status, _, html) = page(&app, "/lookup").await;
    assert_eq!(status, 200);
    assert!(html.contains("Tra cứu hồ sơ"));
    let (status, _, html) = page(&app, "/lookup?code=h56.22-261120-0001").await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("Nguyễn V***") && html.contains("Nhập 4 số cuối"), "hidden without the factor: {html}");
    let (status, _, html) = page(&app, "/lookup?code=h56.22-261120-0001&phone_last4=5678").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Nguyễn V*** A***") && html.contains("09******78"), "masked like the kiosk");
    assert!(!html.contains("Nguyễn Văn An") && !html.contains("0912345678"), "no personal data in full");
    let (status, _, html) = page(&app, "/lookup?code=%3Cb%3E").await;
    assert_eq!(status, 400);
    assert!(html.contains("Mã hồ sơ chưa đúng") && html.contains("&lt;B&gt;") && !html.contains("<B>"), "escaped");
    let (status, _, html) = page(&app, "/lookup?code=H56.22-261231-0001").await;
    assert_eq!(status, 404);
    assert!(html.contains("Không tìm thấy hồ sơ"));
    app.stop().await;
}
