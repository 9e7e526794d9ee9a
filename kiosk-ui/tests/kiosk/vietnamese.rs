//! Vietnamese on the ticket as it really arrives: field names written decomposed (NFD, as some
//! keyboards and spreadsheets produce) print exactly as composed ones, and a printer with the
//! Windows-1258 code page prints every field name of the demo centre without a `?`, as the printer
//! simulator reads the bytes back.

use motcua_hardware::printer::{TextMode, TicketContent, TicketFont, TicketLayout};
use motcua_hardware::sim::escpos::EscPosDecoder;
use unicode_normalization::UnicodeNormalization;

fn demo_fields() -> Vec<String> {
    queue_server::Config::demo().centre.services.iter().map(|s| s.name_vi.clone()).collect()
}

fn ticket(service: &str) -> TicketContent {
    TicketContent { service: service.to_string(), ..TicketContent::sample() }
}

fn layout(text: TextMode) -> TicketLayout {
    TicketLayout { paper_dots: 384, font: TicketFont::find(None).expect("a Vietnamese font"), text }
}

#[test]
fn a_field_named_in_nfd_prints_the_same_bytes_as_its_nfc_name() {
    for text in [TextMode::Raster, TextMode::CodePage1258 { esc_t: 52 }] {
        let layout = layout(text.clone());
        for name in demo_fields() {
            let nfd: String = name.nfd().collect();
            if nfd == name {
                continue;
            }
            let composed = layout.encode(&ticket(&name)).expect("encodes");
            let decomposed = layout.encode(&ticket(&nfd)).expect("encodes");
            assert!(composed == decomposed, "{text:?}: «{name}» prints differently when written decomposed");
        }
    }
}

#[test]
fn with_code_page_1258_every_demo_field_name_prints_without_a_question_mark() {
    let layout = layout(TextMode::CodePage1258 { esc_t: 52 });
    let fields = demo_fields();
    assert_eq!(fields.len(), 15);
    for name in &fields {
        let bytes = layout.encode(&ticket(name)).expect("encodes");
        let mut printer = EscPosDecoder::new();
        printer.push(&bytes, &|_| 0);
        assert!(printer.unknown.is_empty(), "commands the printer does not know: {:?}", printer.unknown);
        let paper = printer.finished.first().expect("a cut ticket");
        let lines: Vec<&str> = paper.texts().map(|(t, _, _)| t).collect();
        assert!(lines.contains(&name.as_str()), "«{name}» not on the paper: {lines:?}");
        assert!(lines.iter().all(|l| !l.contains('?')), "a ? on the paper: {lines:?}");
        assert_eq!(paper.rasters().count(), 0, "every line fits the code page: {lines:?}");
    }
    // A line the code page cannot hold is drawn instead.
    let bytes = layout.encode(&ticket("Hộ tịch 户籍")).expect("encodes");
    let mut printer = EscPosDecoder::new();
    printer.push(&bytes, &|_| 0);
    let paper = printer.finished.first().expect("a cut ticket");
    assert!(paper.texts().all(|(t, _, _)| !t.contains('?') && !t.contains("户")));
    assert_eq!(paper.rasters().count(), 1, "that one line as a picture");
}
