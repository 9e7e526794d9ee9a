//! Renders every kiosk screen headlessly at 1280×800 and 800×480 into PNG files:
//! `cargo run -p kiosk-ui --example screenshots -- docs/img`.

use std::path::{Path, PathBuf};

use i_slint_backend_testing::ElementHandle;
use i_slint_backend_testing::{TestingBackend, TestingBackendOptions};
use kiosk_ui::ui::{
    AppWindow, CatalogueAdapter, CheckinAdapter, DossierAdapter, Nav, RatingAdapter, ServiceItem, TicketAdapter,
};
use slint::{ComponentHandle, ModelRc, VecModel};

/// Puts a view in the state to draw.
type Setup = Box<dyn Fn(&AppWindow)>;

/// The demo centre's 15 fields with live figures, and five more for a centre of 20.
fn fields(n: usize) -> ModelRc<ServiceItem> {
    const MORE: [&str; 5] =
        ["Nội vụ", "Khoa học và Công nghệ", "Ngoại vụ", "Dân tộc – Tôn giáo", "Thi đua – Khen thưởng"];
    let demo = queue_server::Config::demo();
    let names = demo.centre.services.iter().map(|s| s.name_vi.clone()).chain(MORE.iter().map(|s| s.to_string()));
    let items: Vec<ServiceItem> = names
        .take(n)
        .enumerate()
        .map(|(i, name)| ServiceItem {
            code: format!("F{i}").into(),
            name: name.into(),
            detail: format!("{} người chờ · khoảng {} phút", 2 + i % 7, 6 + 4 * (i % 7)).into(),
            enabled: i != 2,
            reason: "Đã hết số hôm nay".into(),
        })
        .collect();
    ModelRc::new(VecModel::from(items))
}

/// The ticket's field screen with `n` fields, on page `page` (pressing that page's button).
fn field_page(n: usize, page: usize) -> Setup {
    Box::new(move |app| {
        let t = app.global::<TicketAdapter>();
        t.set_services(fields(n));
        t.set_step(0);
        app.global::<Nav>().set_screen(1);
        let label = ElementHandle::find_by_accessible_label(app, "Trang sau").next();
        for _ in 1..page {
            if let Some(next) = &label {
                next.invoke_accessible_default_action();
            }
        }
    })
}

/// Every screen state: name, `Nav.screen`, and how to set its view up (preview data otherwise).
fn states() -> Vec<(&'static str, i32, Setup)> {
    fn ticket(step: i32, printed: bool) -> Setup {
        Box::new(move |app| {
            let t = app.global::<TicketAdapter>();
            t.set_step(step);
            t.set_printed(printed);
            t.set_qr(kiosk_ui::app::qr_image("http://192.168.1.10:8080/t/20261123-DD-1012", 6));
            t.set_title("Chưa thực hiện được".into());
            t.set_message("Lĩnh vực Đất đai đã hết số hôm nay (120 số). Mời quay lại vào ngày làm việc tiếp theo hoặc đặt lịch hẹn".into());
        })
    }
    let step = |screen: &'static str, n: i32| -> Setup {
        Box::new(move |app| match screen {
            "dossier" => app.global::<DossierAdapter>().set_step(n),
            "catalogue" => app.global::<CatalogueAdapter>().set_step(n),
            "checkin" => {
                let c = app.global::<CheckinAdapter>();
                c.set_step(n);
                c.set_number(4012);
                c.set_detail("Căn cước – Cư trú · mời ông/bà chờ gọi số".into());
                c.set_title("Chưa nhận số theo lịch hẹn được".into());
                c.set_message("Trung tâm chưa mở chức năng nhận số theo lịch hẹn tại kiosk. Xin ông/bà lấy số thứ tự thường hoặc hỏi cán bộ.".into());
            }
            _ => app.global::<RatingAdapter>().set_step(n),
        })
    };
    vec![
        ("home", 0, Box::new(|_: &AppWindow| {})),
        ("ticket-fields", 1, ticket(0, true)),
        ("ticket-fields-15", 1, field_page(15, 1)),
        ("ticket-fields-15-page2", 1, field_page(15, 2)),
        ("ticket-fields-20", 1, field_page(20, 1)),
        ("ticket-fields-20-page2", 1, field_page(20, 2)),
        ("ticket-class", 1, ticket(1, true)),
        ("ticket-printing", 1, ticket(2, true)),
        ("ticket-number", 1, ticket(3, true)),
        ("ticket-printer-failed", 1, ticket(3, false)),
        ("ticket-refused", 1, ticket(4, true)),
        ("dossier-entry", 2, step("dossier", 0)),
        ("dossier-result", 2, step("dossier", 2)),
        ("catalogue-fields", 3, step("catalogue", 0)),
        ("catalogue-list", 3, step("catalogue", 1)),
        ("catalogue-detail", 3, step("catalogue", 2)),
        ("checkin-entry", 4, step("checkin", 0)),
        ("checkin-ticket", 4, step("checkin", 2)),
        ("checkin-refused", 4, step("checkin", 3)),
        ("rating-number", 5, step("rating", 0)),
        ("rating-levels", 5, step("rating", 1)),
        ("rating-reasons", 5, step("rating", 2)),
        ("rating-thanks", 5, step("rating", 3)),
    ]
}

fn save(path: &Path, snapshot: &slint::SharedPixelBuffer<slint::Rgba8Pixel>) -> Result<(), Box<dyn std::error::Error>> {
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, snapshot.width(), snapshot.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(snapshot.as_bytes())?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    })))
    .map_err(|e| format!("{e:?}"))?;
    let app = AppWindow::new()?;
    app.show()?;
    for (w, h) in [(1280, 800), (800, 480)] {
        app.window().set_size(slint::PhysicalSize::new(w, h));
        for (name, screen, setup) in states() {
            setup(&app);
            app.global::<Nav>().set_screen(screen);
            let snapshot = app.window().take_snapshot()?;
            let path = dir.join(format!("kiosk-{name}-{w}x{h}.png"));
            save(&path, &snapshot)?;
            println!("{}", path.display());
        }
    }
    Ok(())
}
