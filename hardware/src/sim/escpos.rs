//! Decoding the ESC/POS the project sends, as a printer would, into a model of the paper, and
//! drawing that paper as an image.
//!
//! Understood: `ESC @`, `ESC a`, `ESC E`, `ESC J`, `ESC d`, `ESC t`, `GS !`, `GS v 0` (raster),
//! `GS ( k` (QR: model, size, correction, store, print), `GS V` (cut), `DLE EOT n` (status), LF and
//! text. Anything else is kept in [`EscPosDecoder::unknown`] so tests notice it.

use embedded_graphics::mono_font::MonoTextStyle;
use embedded_graphics::mono_font::ascii::FONT_10X20;
use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::*;
use embedded_graphics::text::{Baseline, Text};

use super::panel::Framebuffer;
use crate::printer::raster::Bitmap;

/// Horizontal alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Left.
    #[default]
    Left,
    /// Centre.
    Center,
    /// Right.
    Right,
}

/// One thing on the paper, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    /// A line of native text.
    Text {
        /// The bytes as text: Windows-1258 after `ESC t 52`, else a Latin-1 view.
        text: String,
        /// Width multiplier 1..=8.
        width: u8,
        /// Height multiplier 1..=8.
        height: u8,
        /// Bold.
        bold: bool,
        /// Alignment.
        align: Align,
    },
    /// A raster image.
    Raster {
        /// The image.
        bitmap: Bitmap,
        /// Alignment.
        align: Align,
    },
    /// A QR code.
    Qr {
        /// Its content.
        data: String,
        /// Module size in dots.
        module: u8,
        /// Alignment.
        align: Align,
    },
    /// Blank paper.
    Feed {
        /// Dots fed.
        dots: u32,
    },
}

/// One ticket: what was printed before a cut.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paper {
    /// Everything printed, in order.
    pub elements: Vec<Element>,
}

/// Native font cell of the simulated printer (Font A is 12×24 dots).
const CELL: (u32, u32) = (12, 24);

impl Paper {
    /// The native text lines, in order.
    pub fn texts(&self) -> impl Iterator<Item = (&str, u8, u8)> {
        self.elements.iter().filter_map(|e| match e {
            Element::Text { text, width, height, .. } => Some((text.as_str(), *width, *height)),
            _ => None,
        })
    }

    /// The QR payloads.
    pub fn qr_codes(&self) -> impl Iterator<Item = &str> {
        self.elements.iter().filter_map(|e| match e {
            Element::Qr { data, .. } => Some(data.as_str()),
            _ => None,
        })
    }

    /// The raster images.
    pub fn rasters(&self) -> impl Iterator<Item = &Bitmap> {
        self.elements.iter().filter_map(|e| match e {
            Element::Raster { bitmap, .. } => Some(bitmap),
            _ => None,
        })
    }

    fn height_of(element: &Element) -> u32 {
        match element {
            Element::Text { height, .. } => CELL.1 * u32::from(*height),
            Element::Raster { bitmap, .. } => bitmap.height,
            Element::Qr { data, module, .. } => qr_modules(data).map_or(0, |(w, _)| w as u32 * u32::from(*module)) + 4,
            Element::Feed { dots } => *dots,
        }
    }

    /// Draws the paper `width` dots wide, with a margin around it.
    pub fn render(&self, width: u32) -> Framebuffer<BinaryColor> {
        const MARGIN: u32 = 16;
        let height = self.elements.iter().map(Self::height_of).sum::<u32>() + 2 * MARGIN;
        let mut fb = Framebuffer::new(Size::new(width + 2 * MARGIN, height));
        let _ = fb.clear(BinaryColor::On);
        let ink = BinaryColor::Off;
        let x_of = |align: Align, w: u32| -> i32 {
            MARGIN as i32
                + match align {
                    Align::Left => 0,
                    Align::Center => (width.saturating_sub(w) / 2) as i32,
                    Align::Right => width.saturating_sub(w) as i32,
                }
        };
        let mut y = MARGIN as i32;
        for element in &self.elements {
            match element {
                Element::Text { text, width: wm, height: hm, align, .. } => {
                    let (wm, hm) = (u32::from(*wm), u32::from(*hm));
                    let mut cell: Framebuffer<BinaryColor> =
                        Framebuffer::new(Size::new(CELL.0 * text.chars().count() as u32, CELL.1));
                    let style = MonoTextStyle::new(&FONT_10X20, BinaryColor::On);
                    // Each character in its own 12-dot cell, as the printer's Font A lays them out.
                    for (i, c) in text.chars().enumerate() {
                        let mut utf8 = [0u8; 4];
                        let at = Point::new(i as i32 * CELL.0 as i32 + 1, 2);
                        let _ = Text::with_baseline(c.encode_utf8(&mut utf8), at, style, Baseline::Top).draw(&mut cell);
                    }
                    let x0 = x_of(*align, cell.size().width * wm);
                    let scaled =
                        cell.bounding_box().points().filter(|p| cell.pixel(*p) == Some(BinaryColor::On)).flat_map(
                            |p| {
                                let (px, py) = (x0 + p.x * wm as i32, y + p.y * hm as i32);
                                (0..wm as i32).flat_map(move |dx| {
                                    (0..hm as i32).map(move |dy| Pixel(Point::new(px + dx, py + dy), ink))
                                })
                            },
                        );
                    let _ = fb.draw_iter(scaled);
                }
                Element::Raster { bitmap, align } => {
                    let x0 = x_of(*align, bitmap.width);
                    let dots = (0..bitmap.height).flat_map(|r| (0..bitmap.width).map(move |c| (c, r)));
                    let _ = fb.draw_iter(
                        dots.filter(|&(c, r)| bitmap.get(c, r))
                            .map(|(c, r)| Pixel(Point::new(x0 + c as i32, y + r as i32), ink)),
                    );
                }
                Element::Qr { data, module, align } => {
                    if let Some((w, dark)) = qr_modules(data) {
                        let m = i32::from(*module);
                        let x0 = x_of(*align, w as u32 * *module as u32);
                        let cells = (0..w).flat_map(|r| (0..w).map(move |c| (c, r)));
                        let _ = fb.draw_iter(cells.filter(|&(c, r)| dark[r * w + c]).flat_map(|(c, r)| {
                            let (px, py) = (x0 + c as i32 * m, y + 2 + r as i32 * m);
                            (0..m).flat_map(move |dx| (0..m).map(move |dy| Pixel(Point::new(px + dx, py + dy), ink)))
                        }));
                    }
                }
                Element::Feed { .. } => {}
            }
            y += Self::height_of(element) as i32;
        }
        fb
    }
}

/// The modules of a QR code for `data`: width and dark flags row by row.
fn qr_modules(data: &str) -> Option<(usize, Vec<bool>)> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M).ok()?;
    let width = code.width();
    Some((width, code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Style {
    align: Align,
    width: u8,
    height: u8,
    bold: bool,
}

impl Default for Style {
    fn default() -> Self {
        Style { align: Align::Left, width: 1, height: 1, bold: false }
    }
}

/// `ESC t` number of Windows-1258 on Epson-compatible printers.
const WPC1258: u8 = 52;

/// A streaming ESC/POS decoder: feed it bytes as they arrive, in any chunks.
#[derive(Debug, Default)]
pub struct EscPosDecoder {
    pending: Vec<u8>,
    style: Style,
    line: Vec<u8>,
    qr_data: Vec<u8>,
    qr_module: u8,
    /// The code page chosen with `ESC t n` (0 at power-on).
    code_page: u8,
    current: Paper,
    /// Papers completed by a cut, oldest first.
    pub finished: Vec<Paper>,
    /// Commands not understood, for tests to check there are none.
    pub unknown: Vec<Vec<u8>>,
}

impl EscPosDecoder {
    /// A decoder at power-on.
    pub fn new() -> Self {
        Self { qr_module: 3, ..Self::default() }
    }

    /// Takes bytes; `status(n)` answers `DLE EOT n`. Returns the bytes to send back.
    pub fn push(&mut self, bytes: &[u8], status: &dyn Fn(u8) -> u8) -> Vec<u8> {
        self.pending.extend_from_slice(bytes);
        let mut replies = Vec::new();
        let mut at = 0;
        while at < self.pending.len() {
            let rest = self.pending[at..].to_vec();
            match self.step(&rest, status, &mut replies) {
                Some(used) => at += used,
                None => break,
            }
        }
        self.pending.drain(..at);
        replies
    }

    /// Handles the command at the start of `b`; returns its length, or `None` if incomplete.
    fn step(&mut self, b: &[u8], status: &dyn Fn(u8) -> u8, replies: &mut Vec<u8>) -> Option<usize> {
        let need = |n: usize| if b.len() >= n { Some(n) } else { None };
        match b[0] {
            0x0A => {
                self.flush_line(true);
                Some(1)
            }
            0x0D => Some(1),
            0x10 => {
                let n = need(3)?;
                if b[1] == 0x04 {
                    replies.push(status(b[2]));
                } else {
                    self.unknown.push(b[..n].to_vec());
                }
                Some(n)
            }
            0x1B => {
                need(2)?;
                match b[1] {
                    b'@' => {
                        self.flush_line(false);
                        self.style = Style::default();
                        self.code_page = 0;
                        Some(2)
                    }
                    b'2' => Some(2),
                    b'a' => {
                        let n = need(3)?;
                        self.style.align = match b[2] {
                            1 | b'1' => Align::Center,
                            2 | b'2' => Align::Right,
                            _ => Align::Left,
                        };
                        Some(n)
                    }
                    b'E' => {
                        let n = need(3)?;
                        self.style.bold = b[2] & 1 == 1;
                        Some(n)
                    }
                    b'J' => {
                        let n = need(3)?;
                        self.flush_line(false);
                        self.current.elements.push(Element::Feed { dots: u32::from(b[2]) });
                        Some(n)
                    }
                    b'd' => {
                        let n = need(3)?;
                        let printed = self.flush_line(false);
                        let lines = u32::from(b[2]).saturating_sub(u32::from(printed));
                        if lines > 0 {
                            self.current
                                .elements
                                .push(Element::Feed { dots: lines * CELL.1 * u32::from(self.style.height) });
                        }
                        Some(n)
                    }
                    b't' => {
                        let n = need(3)?;
                        self.code_page = b[2];
                        Some(n)
                    }
                    b'3' | b'-' | b'G' | b'M' | b'R' | b'{' => need(3),
                    _ => {
                        self.unknown.push(b[..2].to_vec());
                        Some(2)
                    }
                }
            }
            0x1D => {
                need(2)?;
                match b[1] {
                    b'!' => {
                        let n = need(3)?;
                        self.style.width = (b[2] >> 4) + 1;
                        self.style.height = (b[2] & 0x0F) + 1;
                        Some(n)
                    }
                    b'v' => {
                        need(8)?;
                        let (xb, h) =
                            (usize::from(b[4]) | usize::from(b[5]) << 8, usize::from(b[6]) | usize::from(b[7]) << 8);
                        let n = need(8 + xb * h)?;
                        self.flush_line(false);
                        let bitmap = Bitmap { width: (xb * 8) as u32, height: h as u32, data: b[8..n].to_vec() };
                        self.current.elements.push(Element::Raster { bitmap, align: self.style.align });
                        Some(n)
                    }
                    b'(' => {
                        need(5)?;
                        let n = need(5 + (usize::from(b[3]) | usize::from(b[4]) << 8))?;
                        if b[2] == b'k' && n >= 7 && b[5] == 49 {
                            match b[6] {
                                67 if n >= 8 => self.qr_module = b[7],
                                80 => self.qr_data = b[8.min(n)..n].to_vec(),
                                81 => {
                                    self.flush_line(false);
                                    let data = String::from_utf8_lossy(&self.qr_data).into_owned();
                                    self.current.elements.push(Element::Qr {
                                        data,
                                        module: self.qr_module,
                                        align: self.style.align,
                                    });
                                }
                                _ => {}
                            }
                        } else {
                            self.unknown.push(b[..n].to_vec());
                        }
                        Some(n)
                    }
                    b'V' => {
                        let n = need(3)?;
                        let n = if matches!(b[2], 65 | 66) { need(4)? } else { n };
                        self.flush_line(false);
                        self.finished.push(std::mem::take(&mut self.current));
                        Some(n)
                    }
                    b'B' | b'b' => need(3),
                    _ => {
                        self.unknown.push(b[..2].to_vec());
                        Some(2)
                    }
                }
            }
            byte => {
                self.line.push(byte);
                Some(1)
            }
        }
    }

    /// Prints the line buffer; with `feed_empty`, an empty line feeds one line. Returns whether
    /// text was printed.
    fn flush_line(&mut self, feed_empty: bool) -> bool {
        if self.line.is_empty() {
            if feed_empty {
                self.current.elements.push(Element::Feed { dots: CELL.1 * u32::from(self.style.height) });
            }
            return false;
        }
        let bytes: Vec<u8> = self.line.drain(..).collect();
        let text = match self.code_page {
            WPC1258 => crate::printer::cp1258::decode(&bytes),
            _ => bytes.into_iter().map(char::from).collect(),
        };
        let Style { align, width, height, bold } = self.style;
        self.current.elements.push(Element::Text { text, width, height, bold, align });
        true
    }
}
