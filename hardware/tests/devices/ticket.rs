//! The ticket layout, decoded by the printer simulator.

use motcua_hardware::printer::TextMode;
use motcua_hardware::sim::escpos::EscPosDecoder;
use motcua_hardware::sim::printer::Condition;

use crate::{layout, sample};

#[test]
fn the_sample_ticket_decodes_to_its_content_and_a_picture_of_the_paper() {
    let bytes = layout().encode(&sample()).expect("encodes");
    let mut printer = EscPosDecoder::new();
    let replies = printer.push(&bytes, &|n| Condition::Ready.status_byte(n));
    assert!(replies.is_empty(), "a ticket asks nothing");
    assert!(printer.unknown.is_empty(), "every command is understood: {:?}", printer.unknown);
    assert_eq!(printer.finished.len(), 1, "one ticket, cut once");
    let paper = &printer.finished[0];

    let texts: Vec<(&str, u8, u8)> = paper.texts().collect();
    assert_eq!(texts, vec![("1012", 6, 6)], "the number is native text, six times the normal size");
    assert_eq!(paper.qr_codes().collect::<Vec<_>>(), vec!["http://192.168.1.10:8080/t/20261123-DD-1012"]);
    let rasters: Vec<_> = paper.rasters().collect();
    // centre (2 lines), field, class, time, people ahead, wait, QR hint, footer
    assert!(rasters.len() >= 9, "{} raster lines", rasters.len());
    assert!(rasters.iter().all(|r| r.width <= 384 && r.height >= 10 && r.data.iter().any(|&b| b != 0)));

    let image = paper.render(384);
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ticket-sample.png");
    image.save_png(&path, 1).expect("saves");
    assert!(path.metadata().map(|m| m.len()).unwrap_or(0) > 1000);
}

#[test]
fn a_ticket_fits_in_8_kib_so_a_9600_baud_printer_gets_it_in_under_10_s() {
    let bytes = layout().encode(&sample()).expect("encodes");
    assert!(bytes.len() <= 8 * 1024, "{} bytes", bytes.len());
    // 9600 baud, 8N1: 10 bits a byte.
    let seconds = bytes.len() as f64 * 10.0 / 9600.0;
    assert!(seconds < 10.0, "{seconds:.1} s");
}

#[test]
fn wider_paper_and_the_code_page_mode_also_decode() {
    let mut wide = layout();
    wide.paper_dots = 576;
    let mut printer = EscPosDecoder::new();
    printer.push(&wide.encode(&sample()).expect("encodes"), &|n| Condition::Ready.status_byte(n));
    assert_eq!(printer.finished[0].texts().next(), Some(("1012", 8, 8)));

    let mut code_page = layout();
    code_page.text = TextMode::CodePage1258 { esc_t: 52 };
    let bytes = code_page.encode(&sample()).expect("encodes");
    assert!(bytes.windows(3).any(|w| w == [0x1B, 0x74, 52]), "selects the code page");
    assert!(bytes.windows(4).any(|w| w == [0xD0, 0xE2, 0xEC, b't']), "Đất in Windows-1258");
    let mut printer = EscPosDecoder::new();
    printer.push(&bytes, &|n| Condition::Ready.status_byte(n));
    assert!(printer.unknown.is_empty());
    assert_eq!(printer.finished[0].rasters().count(), 0, "no raster needed");
    assert!(bytes.len() < 1024, "{} bytes", bytes.len());
}
