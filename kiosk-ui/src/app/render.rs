//! Flow state → view properties. Each function renders one view completely from its flow.

use motcua_protocol::api::ServiceInfo;
use slint::{ComponentHandle, Image, ModelRc, Rgb8Pixel, SharedPixelBuffer, SharedString, VecModel};

use super::UiState;
use crate::printing::local_time;
use crate::ui::*;

fn model<T: Clone + 'static>(items: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(items))
}

fn s(text: impl AsRef<str>) -> SharedString {
    SharedString::from(text.as_ref())
}

/// `dd/mm/yyyy` of an RFC 3339 time.
fn date(rfc3339: &str) -> String {
    local_time(rfc3339).split_once(' ').map_or_else(|| rfc3339.to_string(), |(_, d)| d.to_string())
}

/// Numbers left at or below this are shown on the field's button.
const FEW_LEFT: u32 = 20;

fn service_item(svc: &ServiceInfo, english: bool) -> ServiceItem {
    let mut detail = if english {
        match svc.estimated_wait_minutes {
            Some(wait) => format!("{} waiting · about {wait} min", svc.waiting),
            None => format!("{} waiting · wait unknown (no counter open)", svc.waiting),
        }
    } else {
        format!("{} người chờ · {}", svc.waiting, crate::printing::wait_words(svc.estimated_wait_minutes))
    };
    if svc.remaining_today <= FEW_LEFT {
        detail.push_str(&if english {
            format!(" · {} left", svc.remaining_today)
        } else {
            format!(" · còn {} số", svc.remaining_today)
        });
    }
    ServiceItem {
        code: s(&svc.code),
        name: s(if english { &svc.name_en } else { &svc.name_vi }),
        detail: s(detail),
        enabled: svc.open,
        reason: s(svc.closed_reason.clone().unwrap_or_default()),
    }
}

/// A QR code as an image, `module` pixels a module with a quiet zone.
pub fn qr_image(data: &str, module: u32) -> Image {
    let Ok(code) = qrcode::QrCode::new(data.as_bytes()) else { return Image::default() };
    let width = code.width() as u32;
    let side = (width + 8) * module;
    let dark = code.to_colors();
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(side, side);
    for (i, pixel) in buffer.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = ((i as u32 % side) / module, (i as u32 / side) / module);
        let on = x >= 4
            && y >= 4
            && x < width + 4
            && y < width + 4
            && dark[((y - 4) * width + (x - 4)) as usize] == qrcode::Color::Dark;
        *pixel = if on { Rgb8Pixel { r: 0, g: 0, b: 0 } } else { Rgb8Pixel { r: 255, g: 255, b: 255 } };
    }
    Image::from_rgb8(buffer)
}

pub(super) fn home(app: &AppWindow, state: &UiState) {
    let home = app.global::<HomeAdapter>();
    home.set_centre(s(&state.centre.name));
    home.set_online(state.online);
}

pub(super) fn ticket(app: &AppWindow, state: &UiState) {
    let english = app.global::<Lang>().get_english();
    let adapter = app.global::<TicketAdapter>();
    let flow = &state.ticket;
    adapter.set_step(flow.step as i32);
    adapter.set_services(model(state.services.iter().map(|svc| service_item(svc, english)).collect()));
    adapter.set_classes(model(
        state
            .centre
            .priority_classes
            .iter()
            .map(|c| ChoiceItem { code: s(&c.code), name: s(if english { &c.name_en } else { &c.name_vi }) })
            .collect(),
    ));
    adapter
        .set_service_name(s(flow.service.as_ref().map_or("", |svc| if english { &svc.name_en } else { &svc.name_vi })));
    if let Some(t) = &flow.ticket {
        adapter.set_number(t.number as i32);
        let ahead = t.position.unwrap_or(0);
        adapter.set_detail(s(if english {
            match t.estimated_wait_minutes {
                Some(wait) => format!("{ahead} people ahead of you · about {wait} minutes"),
                None => format!("{ahead} people ahead of you · wait unknown"),
            }
        } else {
            format!(
                "Có {ahead} người được gọi trước ông/bà · dự kiến {}",
                crate::printing::wait_words(t.estimated_wait_minutes)
            )
        }));
        adapter.set_qr(qr_image(&format!("{}/t/{}", state.centre.public_url.trim_end_matches('/'), t.id), 6));
    }
    adapter.set_printed(flow.printed);
    adapter.set_progress(if flow.ticket.is_some() { 0.8 } else { 0.35 });
    adapter.set_title(s(&flow.title));
    adapter.set_message(s(&flow.message));
    adapter.set_countdown(state.countdown() as i32);
}

pub(super) fn dossier(app: &AppWindow, state: &UiState) {
    let adapter = app.global::<DossierAdapter>();
    let flow = &state.dossier;
    adapter.set_step(flow.step);
    adapter.set_code(s(&flow.code));
    adapter.set_title(s(&flow.title));
    adapter.set_message(s(&flow.message));
    adapter.set_factor(s(&flow.factor));
    adapter.set_print_note(s(&flow.print_note));
    let Some(d) = &flow.dossier else { return };
    adapter.set_hidden(d.details_hidden);
    adapter.set_procedure(s(&d.procedure_name));
    // Without the second factor the server leaves the applicant out (personal data); the kiosk
    // says so rather than showing a blank.
    adapter.set_applicant(s(if d.details_hidden {
        "(ẩn để bảo vệ thông tin cá nhân)"
    } else {
        d.applicant.as_str()
    }));
    adapter.set_status(s(if d.overdue {
        format!("{} – quá hạn", d.status_label)
    } else {
        d.status_label.clone()
    }));
    adapter.set_due(s(format!("Hẹn trả: {}", date(&d.due_at))));
    adapter.set_overdue(d.overdue);
    adapter.set_apology(s(d
        .apology
        .as_ref()
        .map_or(String::new(), |a| format!("{} Ngày hẹn trả mới: {}.", a.message, date(&a.new_due_at)))));
    adapter.set_history(model(
        d.history
            .iter()
            .map(|h| HistoryItem {
                at: s(date(&h.at)),
                status: s(&h.status_label),
                note: s(h.note.clone().unwrap_or_default()),
            })
            .collect(),
    ));
}

pub(super) fn catalogue(app: &AppWindow, state: &UiState) {
    let english = app.global::<Lang>().get_english();
    let adapter = app.global::<CatalogueAdapter>();
    let flow = &state.catalogue;
    adapter.set_step(flow.step);
    adapter.set_fields(model(state.services.iter().map(|svc| service_item(svc, english)).collect()));
    adapter.set_field_name(s(flow.field.as_ref().map_or("", |(_, name)| name.as_str())));
    adapter.set_query(s(&flow.query));
    adapter.set_keyboard(flow.keyboard);
    adapter.set_procedures(model(
        flow.procedures
            .iter()
            .map(|p| {
                let days = if p.processing_days == 0 {
                    "Trong ngày".to_string()
                } else {
                    format!("{} ngày làm việc", p.processing_days)
                };
                ServiceItem {
                    code: s(&p.code),
                    name: s(&p.name),
                    detail: s(format!("{days} · {}", p.fee)),
                    enabled: true,
                    reason: s(""),
                }
            })
            .collect(),
    ));
    adapter.set_title(s(&flow.title));
    adapter.set_message(s(&flow.message));
    if let Some(p) = &flow.detail {
        adapter.set_name(s(&p.name));
        let days = if p.processing_days == 0 {
            "trong ngày".to_string()
        } else {
            format!("{} ngày làm việc", p.processing_days)
        };
        adapter.set_facts(s(format!(
            "Mã {} · Cấp {} · {} trực tuyến\nThời hạn giải quyết: {days}\nLệ phí: {}",
            p.code,
            p.level.to_lowercase(),
            p.online_level,
            p.fee
        )));
        adapter.set_documents(model(p.documents.iter().map(s).collect()));
        adapter.set_can_take(state.services.iter().any(|svc| svc.code == p.service && svc.open));
    }
}

pub(super) fn checkin(app: &AppWindow, state: &UiState) {
    let adapter = app.global::<CheckinAdapter>();
    let flow = &state.checkin;
    adapter.set_step(flow.step);
    adapter.set_mode(flow.mode);
    adapter.set_value(s(&flow.value));
    adapter.set_title(s(&flow.title));
    adapter.set_message(s(&flow.message));
    adapter.set_choices_for(s(&flow.choices_for));
    adapter.set_choices(ModelRc::new(VecModel::from(
        flow.choices
            .iter()
            .map(|c| ServiceItem {
                code: s(&c.choice),
                name: s(format!("{} · {}", c.time, c.service_name_vi)),
                detail: s(if c.status == "checked_in" {
                    format!("{} · đã nhận số", c.name)
                } else {
                    c.name.clone()
                }),
                enabled: true,
                reason: s(""),
            })
            .collect::<Vec<_>>(),
    )));
    if let Some(t) = &flow.ticket {
        adapter.set_number(t.number as i32);
        adapter.set_detail(s(&flow.detail));
    }
}

pub(super) fn rating(app: &AppWindow, state: &UiState) {
    let adapter = app.global::<RatingAdapter>();
    let flow = &state.rating;
    adapter.set_step(flow.step);
    adapter.set_value(s(&flow.value));
    adapter.set_subject(s(flow.subject()));
    let levels = &state.centre.rating_levels;
    adapter.set_levels(model(
        levels.iter().enumerate().rev().map(|(i, label)| LevelItem { score: i as i32 + 1, label: s(label) }).collect(),
    ));
    adapter.set_tags(model(
        flow.tags.iter().map(|(text, selected)| TagItem { text: s(text), selected: *selected }).collect(),
    ));
    adapter.set_queued(flow.queued);
    adapter.set_title(s(&flow.title));
    adapter.set_message(s(&flow.message));
}

/// Renders every view.
pub(super) fn all(app: &AppWindow, state: &UiState) {
    app.global::<Nav>().set_screen(state.screen);
    home(app, state);
    ticket(app, state);
    dossier(app, state);
    catalogue(app, state);
    checkin(app, state);
    rating(app, state);
}
