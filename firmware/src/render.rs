//! Drawing the unit: the counter label small on top, the number as big seven-segment digits.

use embedded_graphics::mono_font::ascii::{FONT_4X6, FONT_6X10};
use embedded_graphics::mono_font::{MonoFont, MonoTextStyle};
use embedded_graphics::pixelcolor::{BinaryColor, Rgb565};
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{PrimitiveStyle, Rectangle};
use embedded_graphics::text::{Alignment, Baseline, Text, TextStyleBuilder};

use crate::unit::DisplayUnit;

/// Colours of a layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette<C> {
    /// Background.
    pub background: C,
    /// The digits.
    pub number: C,
    /// The label.
    pub label: C,
}

/// A panel the unit can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    /// 128×64 monochrome (e.g. SSD1306 OLED).
    Mono128x64,
    /// 64×32 RGB LED matrix.
    Rgb64x32,
}

impl Panel {
    /// Width and height in pixels.
    pub fn size(self) -> Size {
        match self {
            Panel::Mono128x64 => Size::new(128, 64),
            Panel::Rgb64x32 => Size::new(64, 32),
        }
    }

    fn label_font(self) -> &'static MonoFont<'static> {
        match self {
            Panel::Mono128x64 => &FONT_6X10,
            Panel::Rgb64x32 => &FONT_4X6,
        }
    }

    /// The area the digits use.
    pub fn digits_area(self) -> Rectangle {
        match self {
            Panel::Mono128x64 => Rectangle::new(Point::new(0, 13), Size::new(128, 50)),
            Panel::Rgb64x32 => Rectangle::new(Point::new(0, 7), Size::new(64, 25)),
        }
    }
}

/// The monochrome palette.
pub const MONO: Palette<BinaryColor> =
    Palette { background: BinaryColor::Off, number: BinaryColor::On, label: BinaryColor::On };

/// The RGB palette at `brightness` 0..=15: amber digits, green label.
pub fn rgb(brightness: u8) -> Palette<Rgb565> {
    let scale = |max: u8, level: u8| -> u8 { ((u16::from(max) * u16::from(level.min(15))) / 15) as u8 };
    Palette {
        background: Rgb565::BLACK,
        number: Rgb565::new(scale(31, brightness), scale(40, brightness), 0),
        label: Rgb565::new(0, scale(50, brightness), scale(8, brightness)),
    }
}

/// Segments lit for each digit, bits a..g = 0..6.
const SEGMENTS: [u8; 10] = [0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F];

/// Draws one seven-segment digit filling `cell`.
pub fn draw_digit<D: DrawTarget>(target: &mut D, digit: u8, cell: Rectangle, color: D::Color) -> Result<(), D::Error> {
    let (x, y) = (cell.top_left.x, cell.top_left.y);
    let (w, h) = (cell.size.width as i32, cell.size.height as i32);
    let t = (w / 5).max(2);
    let half = h / 2;
    let bar =
        |x: i32, y: i32, w: i32, h: i32| Rectangle::new(Point::new(x, y), Size::new(w.max(1) as u32, h.max(1) as u32));
    let segments = [
        bar(x + t, y, w - 2 * t, t),                // a: top
        bar(x + w - t, y + t, t, half - t),         // b: top right
        bar(x + w - t, y + half, t, h - half - t),  // c: bottom right
        bar(x + t, y + h - t, w - 2 * t, t),        // d: bottom
        bar(x, y + half, t, h - half - t),          // e: bottom left
        bar(x, y + t, t, half - t),                 // f: top left
        bar(x + t, y + half - t / 2, w - 2 * t, t), // g: middle
    ];
    let lit = SEGMENTS[usize::from(digit % 10)];
    // A lone 1 stands in the middle of its cell, so "1012" does not read as "10 12".
    let shift = if digit % 10 == 1 { -(w - t) / 2 } else { 0 };
    for (i, segment) in segments.iter().enumerate() {
        if lit & (1 << i) != 0 {
            segment.translate(Point::new(shift, 0)).into_styled(PrimitiveStyle::with_fill(color)).draw(target)?;
        }
    }
    Ok(())
}

/// The cells the digits of `number` occupy on `panel`, left to right.
pub fn digit_cells(panel: Panel, digits: usize) -> impl Iterator<Item = Rectangle> {
    let area = panel.digits_area();
    let n = digits.max(1) as i32;
    let h = area.size.height as i32;
    let gap = (h / 10).max(1);
    let w = ((area.size.width as i32 - 2 - (n - 1) * gap) / n).min(h * 11 / 20).max(3);
    let total = n * w + (n - 1) * gap;
    let left = area.top_left.x + (area.size.width as i32 - total) / 2;
    (0..n)
        .map(move |i| Rectangle::new(Point::new(left + i * (w + gap), area.top_left.y), Size::new(w as u32, h as u32)))
}

/// Draws the whole panel for `unit` at `now_ms`.
pub fn draw<D: DrawTarget>(
    unit: &DisplayUnit,
    target: &mut D,
    panel: Panel,
    palette: &Palette<D::Color>,
    now_ms: u64,
) -> Result<(), D::Error> {
    target.clear(palette.background)?;
    let Some((number, label)) = unit.shown() else { return Ok(()) };
    let size = panel.size();
    let style = MonoTextStyle::new(panel.label_font(), palette.label);
    let centred = TextStyleBuilder::new().alignment(Alignment::Center).baseline(Baseline::Top).build();
    Text::with_text_style(label.as_str(), Point::new(size.width as i32 / 2, 1), style, centred).draw(target)?;
    if !unit.number_visible(now_ms) {
        return Ok(());
    }
    let mut buf = [0u8; 10];
    let mut n = number;
    let mut len = 0;
    loop {
        buf[len] = (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for (cell, digit) in digit_cells(panel, len).zip(buf[..len].iter().rev()) {
        draw_digit(target, *digit, cell, palette.number)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use embedded_graphics::mock_display::MockDisplay;
    use motcua_protocol::display::{Frame, Label, Message};

    use super::*;

    fn pattern(digit: u8) -> MockDisplay<BinaryColor> {
        let mut display = MockDisplay::new();
        display.set_allow_overdraw(true);
        draw_digit(&mut display, digit, Rectangle::new(Point::zero(), Size::new(10, 16)), BinaryColor::On)
            .expect("draws");
        display
    }

    #[test]
    fn a_digit_lights_exactly_its_segments() {
        // 10x16 cell: segments 2 px thick, a lone 1 centred; a = rows 0-1, b/f = rows 2-7, g = rows 7-8, c/e = rows 8-13, d = rows 14-15.
        pattern(1).assert_pattern(&[
            "          ",
            "          ",
            "    ##    ",
            "    ##    ",
            "    ##    ",
            "    ##    ",
            "    ##    ",
            "    ##    ",
            "    ##    ",
            "    ##    ",
            "    ##    ",
            "    ##    ",
            "    ##    ",
            "    ##    ",
        ]);
        pattern(7).assert_pattern(&[
            "  ######  ",
            "  ######  ",
            "        ##",
            "        ##",
            "        ##",
            "        ##",
            "        ##",
            "        ##",
            "        ##",
            "        ##",
            "        ##",
            "        ##",
            "        ##",
            "        ##",
        ]);
        pattern(8).assert_pattern(&[
            "  ######  ",
            "  ######  ",
            "##      ##",
            "##      ##",
            "##      ##",
            "##      ##",
            "##      ##",
            "##########",
            "##########",
            "##      ##",
            "##      ##",
            "##      ##",
            "##      ##",
            "##      ##",
            "  ######  ",
            "  ######  ",
        ]);
    }

    #[test]
    fn four_digits_fit_both_panels_without_overlap() {
        for panel in [Panel::Mono128x64, Panel::Rgb64x32] {
            let cells: Vec<Rectangle> = digit_cells(panel, 4).collect();
            let bounds = Rectangle::new(Point::zero(), panel.size());
            for pair in cells.windows(2) {
                assert!(pair[0].top_left.x + pair[0].size.width as i32 <= pair[1].top_left.x, "{panel:?}");
            }
            assert!(
                cells
                    .iter()
                    .all(|c| bounds.contains(c.top_left) && bounds.contains(c.bottom_right().expect("non-empty")))
            );
        }
    }

    #[test]
    fn the_64x32_layout_draws_label_and_number_and_blanks_the_number_when_blinking_dark() {
        let mut unit = DisplayUnit::new(3);
        unit.apply(
            Frame { address: 3, message: Message::Show { number: 7, label: Label::new("Q3").expect("ascii") } },
            0,
        );
        let mut lit = MockDisplay::<BinaryColor>::new();
        lit.set_allow_overdraw(true);
        draw(&unit, &mut lit, Panel::Rgb64x32, &MONO, 0).expect("draws");
        let digits = Panel::Rgb64x32.digits_area();
        let in_digits =
            |d: &MockDisplay<BinaryColor>| digits.points().filter(|p| d.get_pixel(*p) == Some(BinaryColor::On)).count();
        assert!(in_digits(&lit) > 20, "a big 7 is drawn");
        unit.apply(Frame { address: 3, message: Message::Blink { tenths: 10 } }, 0);
        let mut dark = MockDisplay::<BinaryColor>::new();
        dark.set_allow_overdraw(true);
        draw(&unit, &mut dark, Panel::Rgb64x32, &MONO, 300).expect("draws");
        assert_eq!(in_digits(&dark), 0, "dark half of the blink");
        let label_area = Rectangle::new(Point::zero(), Size::new(64, 7));
        assert!(label_area.points().any(|p| dark.get_pixel(p) == Some(BinaryColor::On)), "the label stays");
    }
}
