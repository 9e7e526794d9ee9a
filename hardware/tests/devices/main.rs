//! Device tests with real bytes over real transports: the ticket layout decoded by the printer
//! simulator, and printer status over a `socat` pseudo-terminal and over TCP.

mod status;
mod ticket;

use motcua_hardware::printer::{TextMode, TicketContent, TicketFont, TicketLayout};

/// The sample ticket of the acceptance: Đất đai, 1012, elderly, 7 ahead, about 25 minutes.
pub fn sample() -> TicketContent {
    TicketContent::sample()
}

/// A 58 mm raster layout with the machine's Vietnamese font.
pub fn layout() -> TicketLayout {
    TicketLayout {
        paper_dots: 384,
        font: TicketFont::find(None).expect("a Vietnamese font is installed"),
        text: TextMode::Raster,
    }
}
