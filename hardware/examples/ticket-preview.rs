//! Draws the sample ticket as the printer simulator sees it: `cargo run -p motcua-hardware
//! --example ticket-preview -- docs/img/ticket-sample.png`.

use motcua_hardware::printer::{TextMode, TicketContent, TicketFont, TicketLayout};
use motcua_hardware::sim::escpos::EscPosDecoder;
use motcua_hardware::sim::printer::Condition;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "ticket-sample.png".into());
    let ticket = TicketContent::sample();
    let layout = TicketLayout { paper_dots: 384, font: TicketFont::find(None)?, text: TextMode::Raster };
    let bytes = layout.encode(&ticket)?;
    let mut printer = EscPosDecoder::new();
    printer.push(&bytes, &|n| Condition::Ready.status_byte(n));
    let paper = printer.finished.first().ok_or("nothing printed")?;
    paper.render(layout.paper_dots).save_png(std::path::Path::new(&out), 1)?;
    println!("{} bytes of ESC/POS, font {}, picture {out}", bytes.len(), layout.font.path().display());
    Ok(())
}
