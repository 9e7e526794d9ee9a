//! Device tests with real bytes over real transports: the ticket layout decoded by the printer
//! simulator, and printer status over a `socat` pseudo-terminal and over TCP.

mod status;
mod ticket;

use motcua_hardware::printer::{TextMode, TicketContent, TicketFont, TicketLayout};

/// The sample ticket of the acceptance: Đất đai, 1012, elderly, 7 ahead, about 25 minutes.
pub fn sample() -> TicketContent {
    TicketContent {
        centre: "Trung tâm Phục vụ hành chính công tỉnh Minh Hà".into(),
        service: "Đất đai".into(),
        number: 1012,
        priority: Some("Người cao tuổi".into()),
        issued_at: "09:30 23/11/2026".into(),
        ahead: 7,
        wait_minutes: 25,
        url: "http://192.168.1.10:8080/t/20261123-DD-1012".into(),
        footer: "Xin cảm ơn ông/bà đã đến Trung tâm".into(),
    }
}

/// A 58 mm raster layout with the machine's Vietnamese font.
pub fn layout() -> TicketLayout {
    TicketLayout {
        paper_dots: 384,
        font: TicketFont::find(None).expect("a Vietnamese font is installed"),
        text: TextMode::Raster,
    }
}
