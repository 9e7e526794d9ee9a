//! Vietnamese text as 1-bit raster lines, drawn with a TrueType font found at run time.
//!
//! Thermal printers rarely have a Vietnamese code page, so text with diacritics is drawn here and
//! sent as a raster image (`GS v 0`). Only the ink is sent: each line is cropped to its glyphs.

use std::path::{Path, PathBuf};
use std::process::Command;

use ab_glyph::{Font, FontArc, PxScale, ScaleFont};

use crate::Error;

/// Fonts tried after the configured one and fontconfig's answer.
const KNOWN_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
];

/// Letters a font must have to print Vietnamese.
const PROBE: &str = "ĐđƠơƯưĂăẤầẩẫậếềểễệốồổỗộớờởỡợứừửữựýỳỷỹỵ";

/// A font able to draw Vietnamese.
#[derive(Clone)]
pub struct TicketFont {
    font: FontArc,
    path: PathBuf,
}

impl std::fmt::Debug for TicketFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TicketFont({})", self.path.display())
    }
}

impl TicketFont {
    /// Loads the font at `path`; refuses one without Vietnamese letters.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Font(format!("không đọc được phông chữ {}: {e}", path.display())))?;
        let font = FontArc::try_from_vec(bytes)
            .map_err(|_| Error::Font(format!("{} không phải phông TrueType/OpenType", path.display())))?;
        if let Some(missing) = PROBE.chars().find(|&c| font.glyph_id(c).0 == 0) {
            return Err(Error::Font(format!("phông chữ {} thiếu chữ tiếng Việt «{missing}»", path.display())));
        }
        Ok(Self { font, path: path.to_path_buf() })
    }

    /// Finds a font: the configured path if any (and only it), else fontconfig's bold sans, else
    /// a list of common paths.
    pub fn find(configured: Option<&Path>) -> Result<Self, Error> {
        if let Some(path) = configured {
            return Self::load(path);
        }
        let from_fontconfig = Command::new("fc-match")
            .args(["-f", "%{file}", "sans-serif:bold:lang=vi"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim().to_string()))
            .filter(|p| !p.as_os_str().is_empty());
        let candidates = from_fontconfig.into_iter().chain(KNOWN_FONTS.iter().map(PathBuf::from));
        let mut tried = Vec::new();
        for path in candidates {
            match Self::load(&path) {
                Ok(font) => return Ok(font),
                Err(_) => tried.push(path.display().to_string()),
            }
        }
        Err(Error::Font(format!(
            "không tìm thấy phông chữ có dấu tiếng Việt (đã thử: {}); cài gói fonts-dejavu-core hoặc chỉ rõ đường dẫn phông trong cấu hình máy in",
            tried.join(", ")
        )))
    }

    /// Where the font was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A 1-bit image, rows of `width_bytes` bytes, most significant bit leftmost, 1 = black.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    /// Width in dots.
    pub width: u32,
    /// Height in dots.
    pub height: u32,
    /// Packed rows.
    pub data: Vec<u8>,
}

impl Bitmap {
    /// Bytes per row.
    pub fn width_bytes(&self) -> u32 {
        self.width.div_ceil(8)
    }

    /// Whether the dot at (x, y) is black.
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let byte = self.data[(y * self.width_bytes() + x / 8) as usize];
        byte & (0x80 >> (x % 8)) != 0
    }

    /// The `GS v 0` command printing this bitmap at normal density.
    pub fn gs_v_0(&self) -> Vec<u8> {
        let (xb, h) = (self.width_bytes(), self.height);
        let mut cmd =
            vec![0x1D, 0x76, 0x30, 0x00, (xb & 0xFF) as u8, (xb >> 8) as u8, (h & 0xFF) as u8, (h >> 8) as u8];
        cmd.extend_from_slice(&self.data);
        cmd
    }
}

impl TicketFont {
    /// Width in dots of `text` at `px`.
    pub fn text_width(&self, text: &str, px: f32) -> f32 {
        let scaled = self.font.as_scaled(PxScale::from(px));
        let mut width = 0.0;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                width += scaled.kern(p, id);
            }
            width += scaled.h_advance(id);
            previous = Some(id);
        }
        width
    }

    /// Splits `text` into lines no wider than `max_width` dots at `px`, breaking between words.
    pub fn wrap(&self, text: &str, px: f32, max_width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if self.text_width(&candidate, px) <= max_width || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Draws one line of `text` at `px`, cropped to its ink (blank rows and columns removed).
    /// `None` for text with no ink.
    pub fn render(&self, text: &str, px: f32) -> Option<Bitmap> {
        let scaled = self.font.as_scaled(PxScale::from(px));
        let ascent = scaled.ascent();
        let full_height = (ascent - scaled.descent()).ceil() as u32 + 2;
        let full_width = self.text_width(text, px).ceil() as u32 + 2;
        let mut coverage = vec![0f32; (full_width * full_height) as usize];
        let mut x = 1.0;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = previous {
                x += scaled.kern(p, id);
            }
            let glyph = id.with_scale_and_position(PxScale::from(px), ab_glyph::point(x, 1.0 + ascent));
            x += scaled.h_advance(id);
            previous = Some(id);
            if let Some(outlined) = self.font.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                outlined.draw(|gx, gy, c| {
                    let (px, py) = (bounds.min.x as i32 + gx as i32, bounds.min.y as i32 + gy as i32);
                    if px >= 0 && py >= 0 && (px as u32) < full_width && (py as u32) < full_height {
                        let cell = &mut coverage[(py as u32 * full_width + px as u32) as usize];
                        *cell = (*cell + c).min(1.0);
                    }
                });
            }
        }
        let ink = |x: u32, y: u32| coverage[(y * full_width + x) as usize] >= 0.5;
        let rows: Vec<u32> = (0..full_height).filter(|&y| (0..full_width).any(|x| ink(x, y))).collect();
        let cols: Vec<u32> = (0..full_width).filter(|&x| (0..full_height).any(|y| ink(x, y))).collect();
        let (top, bottom) = (*rows.first()?, *rows.last()?);
        let (left, right) = (*cols.first()?, *cols.last()?);
        let (width, height) = (right - left + 1, bottom - top + 1);
        let width_bytes = width.div_ceil(8);
        let mut data = vec![0u8; (width_bytes * height) as usize];
        for y in 0..height {
            for x in 0..width {
                if ink(left + x, top + y) {
                    data[(y * width_bytes + x / 8) as usize] |= 0x80 >> (x % 8);
                }
            }
        }
        Some(Bitmap { width, height, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_font_is_a_clear_error() {
        let err = TicketFont::find(Some(Path::new("/nonexistent/font.ttf"))).expect_err("no such file");
        assert!(err.to_string().contains("/nonexistent/font.ttf"));
        let not_a_font = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(not_a_font.path(), b"not a font").expect("writes");
        assert!(TicketFont::load(not_a_font.path()).is_err());
    }

    #[test]
    fn text_is_cropped_to_its_ink_and_diacritics_add_height() {
        let font = TicketFont::find(None).expect("the machine has a Vietnamese font");
        let plain = font.render("Dat dai", 32.0).expect("ink");
        let marked = font.render("Đất đai", 32.0).expect("ink");
        assert!(marked.height > plain.height, "the circumflex and dot below add height");
        assert!((0..marked.width).any(|x| marked.get(x, 0)), "top row has ink");
        assert!((0..marked.width).any(|x| marked.get(x, marked.height - 1)), "bottom row has ink");
        assert!(font.render("   ", 32.0).is_none());
        let bm = Bitmap { width: 9, height: 1, data: vec![0x80, 0x80] };
        assert_eq!(bm.gs_v_0(), vec![0x1D, 0x76, 0x30, 0, 2, 0, 1, 0, 0x80, 0x80]);
        assert!(bm.get(0, 0) && bm.get(8, 0) && !bm.get(1, 0));
    }

    #[test]
    fn long_text_wraps_between_words() {
        let font = TicketFont::find(None).expect("font");
        let lines = font.wrap("Trung tâm Phục vụ hành chính công tỉnh Minh Hà", 24.0, 300.0);
        assert!(lines.len() >= 2, "{lines:?}");
        assert!(lines.iter().all(|l| font.text_width(l, 24.0) <= 300.0));
        assert_eq!(lines.join(" "), "Trung tâm Phục vụ hành chính công tỉnh Minh Hà");
    }
}
