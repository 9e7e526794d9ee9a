//! Every field on the ticket and catalogue screens is on screen, inside the window, or one labelled
//! press away, at the two kiosk sizes (1280×800, 800×480) for a centre of 15 and of 20 fields.

mod common;

use i_slint_backend_testing::ElementHandle;
use kiosk_ui::ui::{AppWindow, CatalogueAdapter, Nav, ServiceItem, TicketAdapter};
use slint::{ComponentHandle, ModelRc, VecModel};

const MORE: [&str; 5] = ["Nội vụ", "Khoa học và Công nghệ", "Ngoại vụ", "Dân tộc – Tôn giáo", "Thi đua – Khen thưởng"];

fn fields(n: usize) -> Vec<ServiceItem> {
    let demo = queue_server::Config::demo();
    let names = demo.centre.services.iter().map(|s| s.name_vi.clone()).chain(MORE.iter().map(|s| s.to_string()));
    names
        .take(n)
        .enumerate()
        .map(|(i, name)| ServiceItem {
            code: format!("F{i}").into(),
            name: name.into(),
            detail: "3 người chờ · khoảng 12 phút · còn 50 số".into(),
            enabled: true,
            reason: "".into(),
        })
        .collect()
}

/// Whether a button labelled `label` is shown whole inside the `w`×`h` window.
fn shown(app: &AppWindow, label: &str, w: f32, h: f32) -> bool {
    ElementHandle::find_by_accessible_label(app, label).any(|e| {
        let (at, size) = (e.absolute_position(), e.size());
        at.x >= 0.0
            && at.y >= 0.0
            && at.x + size.width <= w + 0.5
            && at.y + size.height <= h + 0.5
            && size.height >= 79.0
    })
}

/// Labels of the page buttons on screen (`Trang 2/3`).
fn pages(app: &AppWindow) -> Vec<String> {
    (1..=9)
        .map(|p| p.to_string())
        .flat_map(|p| (1..=9).map(move |n| format!("Trang {p}/{n}")))
        .filter(|l| ElementHandle::find_by_accessible_label(app, l).next().is_some())
        .collect()
}

fn check(app: &AppWindow, screen: &str, names: &[String], w: f32, h: f32) {
    let page_buttons = pages(app);
    let mut unseen: Vec<&String> = names.iter().filter(|n| !shown(app, n, w, h)).collect();
    if !unseen.is_empty() {
        assert!(!page_buttons.is_empty(), "{screen} {w}×{h}: {unseen:?} not on screen and no page buttons");
        for page in &page_buttons {
            for e in ElementHandle::find_by_accessible_label(app, page) {
                e.invoke_accessible_default_action();
            }
            unseen.retain(|n| !shown(app, n, w, h));
            assert!(shown(app, page, w, h), "{screen} {w}×{h}: the page button «{page}» is not shown whole");
        }
    }
    assert!(unseen.is_empty(), "{screen} {w}×{h}: {unseen:?} are neither shown nor one press away ({page_buttons:?})");
    println!("{screen} at {w}×{h}, {} fields: {} page(s)", names.len(), page_buttons.len().max(1));
}

#[test]
fn every_field_is_shown_or_one_labelled_press_away() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let app = AppWindow::new().expect("window");
    app.show().expect("shows");
    common::drive(&app, |d| {
        for (w, h) in [(1280u32, 800u32), (800, 480)] {
            for n in [15, 20] {
                for (screen, name) in [(1, "ticket"), (3, "catalogue")] {
                    d.ui(move |app| {
                        app.global::<Nav>().set_screen(0);
                        app.window().set_size(slint::PhysicalSize::new(w, h));
                        let items = fields(n);
                        let model = ModelRc::new(VecModel::from(items));
                        app.global::<TicketAdapter>().set_services(model.clone());
                        app.global::<TicketAdapter>().set_step(0);
                        app.global::<CatalogueAdapter>().set_fields(model);
                        app.global::<CatalogueAdapter>().set_step(0);
                        app.global::<Nav>().set_screen(screen);
                    });
                    // The window's size reaches the views' scale on a later turn of the loop.
                    let scale = (w as f32 / 1280.0).min(h as f32 / 800.0);
                    let started = std::time::Instant::now();
                    while (d.ui(|app| app.global::<kiosk_ui::ui::Theme>().get_scale()) - scale).abs() > 0.001 {
                        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the scale never followed");
                        std::thread::yield_now();
                    }
                    let names: Vec<String> = fields(n).iter().map(|i| i.name.to_string()).collect();
                    d.ui(move |app| check(app, name, &names, w as f32, h as f32));
                }
            }
        }
        // The list shrinks (a search answered) while its last page is shown: what is left shows.
        d.ui(|app| {
            app.global::<Nav>().set_screen(0);
            app.global::<TicketAdapter>().set_services(ModelRc::new(VecModel::from(fields(20))));
            app.global::<Nav>().set_screen(1);
        });
        d.ui(|app| {
            // (The first query after a screen change builds its elements.)
            assert!(pages(app).contains(&"Trang 4/4".to_string()), "{:?}", pages(app));
            let last = ElementHandle::find_by_accessible_label(app, "Trang 4/4").next().expect("page 4 of 4");
            last.invoke_accessible_default_action();
            assert!(shown(app, "Thi đua – Khen thưởng", 800.0, 480.0), "the last page");
            app.global::<TicketAdapter>().set_services(ModelRc::new(VecModel::from(fields(3))));
        });
        let names: Vec<String> = fields(3).iter().map(|i| i.name.to_string()).collect();
        d.ui(move |app| check(app, "a shrunk list", &names, 800.0, 480.0));
    });
}
