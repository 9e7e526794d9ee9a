//! The ticket: what it says, and its layout as a pure function from content to ESC/POS bytes.
//!
//! Encoding goes through the escpos crate (init, alignment, size, QR, cut) into a memory driver.
//! Two things the crate lacks are done here: text with diacritics is sent as raster images from
//! [`TicketFont`] (`GS v 0`; the crate's graphics feature only rasterises image files), and a
//! printer with a Vietnamese code page gets Windows-1258 bytes from [`super::cp1258`] (a line the
//! code page cannot hold is sent as a raster image instead, never with `?`). All text is composed
//! (NFC) first: a name written decomposed prints exactly as the composed one.

use std::cell::RefCell;
use std::rc::Rc;

use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};

use super::cp1258;
use super::raster::TicketFont;
use crate::Error;

/// An estimated wait in words: `khoảng 25 phút`, or `chưa xác định` when it cannot be known.
pub fn wait_words(minutes: Option<u32>) -> String {
    match minutes {
        Some(m) => format!("khoảng {m} phút"),
        None => "chưa xác định".into(),
    }
}

/// Everything printed on a ticket, already in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketContent {
    /// Centre name.
    pub centre: String,
    /// Field name in Vietnamese.
    pub service: String,
    /// The number, printed very large.
    pub number: u32,
    /// Priority class name, if any.
    pub priority: Option<String>,
    /// Issue time as shown, e.g. `09:30 21/11/2026`.
    pub issued_at: String,
    /// People ahead.
    pub ahead: u32,
    /// Estimated wait in minutes; `None` when it cannot be known (no open counter serves the
    /// field).
    pub wait_minutes: Option<u32>,
    /// Address of the ticket's live page, in the QR code.
    pub url: String,
    /// Closing line.
    pub footer: String,
}

impl TicketContent {
    /// A typical ticket (Đất đai, 1012, elderly, 7 ahead, about 25 minutes), for previews, tests and
    /// benchmarks.
    pub fn sample() -> Self {
        TicketContent {
            centre: "Trung tâm Phục vụ hành chính công tỉnh Minh Hà".into(),
            service: "Đất đai".into(),
            number: 1012,
            priority: Some("Người cao tuổi".into()),
            issued_at: "09:30 23/11/2026".into(),
            ahead: 7,
            wait_minutes: Some(25),
            url: "http://192.168.1.10:8080/t/20261123-DD-1012".into(),
            footer: "Xin cảm ơn ông/bà đã đến Trung tâm".into(),
        }
    }
}

/// A slip of text printed on the ticket printer (an apology for a late dossier, a notice):
/// a title, lines of text, a closing line; no number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipContent {
    /// Centre name, at the top.
    pub centre: String,
    /// Title, larger.
    pub title: String,
    /// The body, one entry per paragraph (wrapped to the paper).
    pub lines: Vec<String>,
    /// Closing line.
    pub footer: String,
}

/// How text with diacritics reaches the paper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMode {
    /// Drawn with a font and sent as raster images: works on every printer.
    Raster,
    /// Sent as Windows-1258 text after `ESC t n`, for a printer known to have that code page.
    CodePage1258 {
        /// The printer's `ESC t` number for Windows-1258 (52 on Epson-compatible printers).
        esc_t: u8,
    },
}

/// How tickets are laid out for one printer.
#[derive(Debug, Clone)]
pub struct TicketLayout {
    /// Printable width in dots: 384 for 58 mm paper, 576 for 80 mm.
    pub paper_dots: u32,
    /// Font for raster text.
    pub font: TicketFont,
    /// How Vietnamese text is sent.
    pub text: TextMode,
}

/// Text sizes in pixels (raster) for each kind of line.
const CENTRE_PX: f32 = 22.0;
const SERVICE_PX: f32 = 34.0;
const CLASS_PX: f32 = 26.0;
const INFO_PX: f32 = 22.0;
const SMALL_PX: f32 = 19.0;
/// Dots fed after each raster line.
const LINE_GAP: u8 = 6;

/// A driver that keeps the bytes instead of sending them.
#[derive(Debug, Clone, Default)]
struct Memory(Rc<RefCell<Vec<u8>>>);

impl Driver for Memory {
    fn name(&self) -> String {
        "memory".into()
    }

    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }

    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }

    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

impl TicketLayout {
    fn text(&self, printer: &mut Printer<Memory>, text: &str, px: f32) -> Result<(), Error> {
        use unicode_normalization::UnicodeNormalization;
        let text: String = text.nfc().collect();
        if let TextMode::CodePage1258 { .. } = self.text {
            if let Some(bytes) = cp1258::encode(&text) {
                printer.custom(&bytes)?.custom(b"\n")?;
                return Ok(());
            }
        }
        let max = self.paper_dots.saturating_sub(16) as f32;
        for line in self.font.wrap(&text, px, max) {
            if let Some(bitmap) = self.font.render(&line, px) {
                printer.custom(&bitmap.gs_v_0())?.custom(&[0x1B, 0x4A, LINE_GAP])?;
            }
        }
        Ok(())
    }

    /// The ticket as ESC/POS bytes: a pure function of its content and this layout.
    pub fn encode(&self, t: &TicketContent) -> Result<Vec<u8>, Error> {
        let memory = Memory::default();
        let mut p = Printer::new(memory.clone(), Protocol::default(), None);
        p.init()?.justify(JustifyMode::CENTER)?;
        if let TextMode::CodePage1258 { esc_t } = self.text {
            p.custom(&[0x1B, 0x74, esc_t])?;
        }
        self.text(&mut p, &t.centre, CENTRE_PX)?;
        p.feed()?;
        self.text(&mut p, &t.service, SERVICE_PX)?;
        let digits = if self.paper_dots >= 576 { 8 } else { 6 };
        p.size(digits, digits)?.writeln(&t.number.to_string())?.reset_size()?;
        if let Some(class) = &t.priority {
            self.text(&mut p, &format!("Ưu tiên: {class}"), CLASS_PX)?;
        }
        self.text(&mut p, &format!("Lấy số lúc {}", t.issued_at), SMALL_PX)?;
        let ahead = match t.ahead {
            0 => "Không có ai được gọi trước ông/bà".to_string(),
            n => format!("Có {n} người được gọi trước ông/bà"),
        };
        self.text(&mut p, &ahead, INFO_PX)?;
        self.text(&mut p, &format!("Dự kiến chờ {}", wait_words(t.wait_minutes)), INFO_PX)?;
        p.feed()?;
        p.qrcode_option(&t.url, QRCodeOption::new(QRCodeModel::Model2, 5, QRCodeCorrectionLevel::M))?;
        self.text(&mut p, "Quét mã để theo dõi lượt gọi", SMALL_PX)?;
        self.text(&mut p, &t.footer, SMALL_PX)?;
        p.feeds(3)?.print_cut()?;
        let bytes = memory.0.borrow().clone();
        Ok(bytes)
    }

    /// A slip as ESC/POS bytes: centre and title centred, the paragraphs left-aligned, cut.
    pub fn encode_slip(&self, slip: &SlipContent) -> Result<Vec<u8>, Error> {
        let memory = Memory::default();
        let mut p = Printer::new(memory.clone(), Protocol::default(), None);
        p.init()?.justify(JustifyMode::CENTER)?;
        if let TextMode::CodePage1258 { esc_t } = self.text {
            p.custom(&[0x1B, 0x74, esc_t])?;
        }
        self.text(&mut p, &slip.centre, SMALL_PX)?;
        p.feed()?;
        self.text(&mut p, &slip.title, CLASS_PX)?;
        p.feed()?.justify(JustifyMode::LEFT)?;
        for line in &slip.lines {
            self.text(&mut p, line, INFO_PX)?;
        }
        p.feed()?.justify(JustifyMode::CENTER)?;
        self.text(&mut p, &slip.footer, SMALL_PX)?;
        p.feeds(3)?.print_cut()?;
        let bytes = memory.0.borrow().clone();
        Ok(bytes)
    }
}
