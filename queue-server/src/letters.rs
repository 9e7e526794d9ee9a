//! The apology letter as an A5 PDF (148 × 210 mm), in the words of Mẫu số 04 of Thông tư
//! 01/2018/TT-VPCP ("Phiếu xin lỗi và hẹn lại ngày trả kết quả"): who received the dossier and
//! when, the return date promised, the reason, the new date.
//!
//! The PDF is written by the krilla crate with the text shaped and the font embedded as a subset
//! (so every PDF reader, and `pdftotext`, gets the Vietnamese text back); lines are broken by the
//! font's own advance widths (ttf-parser). The font is a sans with Vietnamese letters found on the
//! machine: fontconfig's answer, else Debian's DejaVu, Noto or Liberation (package
//! `fonts-dejavu-core`).

use std::path::PathBuf;
use std::sync::OnceLock;

use krilla::Document;
use krilla::geom::Point;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;
/// A5 portrait, in points.
const PAGE: (f32, f32) = (148.0 * PT_PER_MM, 210.0 * PT_PER_MM);
/// Margins, in points.
const MARGIN: f32 = 15.0 * PT_PER_MM;

/// Regular sans fonts with Vietnamese letters, where Debian puts them.
const FONT_FILES: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

/// What the letter says, in words already (dates as `dd/mm/yyyy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApologyLetter {
    /// The centre's name.
    pub centre: String,
    /// The applicant's full name (the letter is addressed to them).
    pub applicant: String,
    /// Receipt code.
    pub receipt_code: String,
    /// Procedure name.
    pub procedure: String,
    /// Reception date.
    pub received: String,
    /// The return date promised before.
    pub due_before: String,
    /// Why it is late.
    pub reason: String,
    /// The new return date.
    pub new_due: String,
    /// Place and date of the letter: `Ngày 01 tháng 12 năm 2026`.
    pub dated: String,
}

/// Why no letter could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LetterError {
    /// No usable font on the machine: the paths tried.
    NoFont(String),
    /// The PDF writer refused.
    Pdf(String),
}

impl std::fmt::Display for LetterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoFont(tried) => {
                write!(f, "Máy chủ không có phông chữ tiếng Việt để in thư (đã thử {tried}); cài gói fonts-dejavu-core")
            }
            Self::Pdf(e) => write!(f, "Không tạo được tệp PDF: {e}"),
        }
    }
}

/// The font's bytes, found once.
fn font_bytes() -> Result<&'static [u8], LetterError> {
    static FOUND: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let fc = std::process::Command::new("fc-match")
            .args(["-f", "%{file}", "sans-serif:regular:lang=vi"])
            .output()
            .ok()
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("ttf")));
        let mut tried = Vec::new();
        for path in fc.into_iter().chain(FONT_FILES.iter().map(PathBuf::from)) {
            let usable = std::fs::read(&path).ok().filter(|bytes| {
                ttf_parser::Face::parse(bytes, 0)
                    .is_ok_and(|face| "ưỡđẶ".chars().all(|c| face.glyph_index(c).is_some()))
            });
            match usable {
                Some(bytes) => return Ok(bytes),
                None => tried.push(path.display().to_string()),
            }
        }
        Err(tried.join(", "))
    });
    found.as_ref().map(Vec::as_slice).map_err(|tried| LetterError::NoFont(tried.clone()))
}

/// Width of `text` at `size` points.
fn width(face: &ttf_parser::Face<'_>, text: &str, size: f32) -> f32 {
    let units: u32 =
        text.chars().map(|c| face.glyph_index(c).and_then(|g| face.glyph_hor_advance(g)).map_or(0, u32::from)).sum();
    units as f32 * size / f32::from(face.units_per_em())
}

/// `text` broken into lines no wider than `max` points, at spaces (a word wider than a line is
/// cut).
fn wrap(face: &ttf_parser::Face<'_>, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if width(face, &candidate, size) <= max || line.is_empty() && width(face, word, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let mut rest = word.to_string();
            while width(face, &rest, size) > max {
                let mut cut = String::new();
                for c in rest.chars() {
                    if width(face, &format!("{cut}{c}"), size) > max {
                        break;
                    }
                    cut.push(c);
                }
                if cut.is_empty() {
                    break;
                }
                rest = rest[cut.len()..].to_string();
                lines.push(cut);
            }
            line = rest;
        }
        lines.push(line);
    }
    lines
}

/// The lines of the letter: (text, size in points, centred).
fn lines(letter: &ApologyLetter) -> Vec<(String, f32, bool)> {
    let body = |t: String| (t, 10.5, false);
    vec![
        (letter.centre.to_uppercase(), 9.5, true),
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".into(), 9.5, true),
        ("Độc lập - Tự do - Hạnh phúc".into(), 9.5, true),
        (letter.dated.clone(), 9.5, true),
        (String::new(), 6.0, false),
        ("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ".into(), 12.0, true),
        (String::new(), 6.0, false),
        body(format!("Kính gửi: {}", letter.applicant)),
        body(if letter.procedure.trim().is_empty() {
            format!(
                "Ngày {}, {} tiếp nhận giải quyết hồ sơ mã {}.",
                letter.received, letter.centre, letter.receipt_code
            )
        } else {
            format!(
                "Ngày {}, {} tiếp nhận giải quyết hồ sơ đề nghị {}; mã hồ sơ: {}.",
                letter.received, letter.centre, letter.procedure, letter.receipt_code
            )
        }),
        body(format!("Thời gian hẹn trả kết quả giải quyết hồ sơ: {}.", letter.due_before)),
        body(format!("Tuy nhiên đến nay, {} chưa trả kết quả giải quyết hồ sơ của Ông/Bà.", letter.centre)),
        body(format!("Lý do: {}", letter.reason)),
        body(format!(
            "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {} xin lỗi Ông/Bà và sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào ngày {}.",
            letter.centre, letter.new_due
        )),
        body("Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./.".into()),
        (String::new(), 10.0, false),
        ("TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG".into(), 9.5, true),
        ("(Ký và ghi rõ họ tên)".into(), 8.5, true),
    ]
}

/// A line placed: x, y (points from the top), size, text, page (from 0).
type Placed = (f32, f32, f32, String, usize);

/// Where each line of the letter goes, and the last page's number: lines are placed first, then
/// drawn page by page, so a long reason goes on to a second A5 page rather than off the first.
fn place(face: &ttf_parser::Face<'_>, letter: &ApologyLetter) -> (Vec<Placed>, usize) {
    use unicode_normalization::UnicodeNormalization;
    let usable = PAGE.0 - 2.0 * MARGIN;
    let mut placed: Vec<Placed> = Vec::new();
    let (mut y, mut on) = (MARGIN, 0usize);
    for (text, size, centred) in lines(letter) {
        let text: String = text.nfc().collect();
        for line in wrap(face, &text, size, usable) {
            y += size * 1.45;
            if y > PAGE.1 - MARGIN {
                on += 1;
                y = MARGIN + size * 1.45;
            }
            let x = if centred { MARGIN + (usable - width(face, &line, size)).max(0.0) / 2.0 } else { MARGIN };
            if !line.is_empty() {
                placed.push((x, y, size, line, on));
            }
        }
        if !centred {
            // A little air between paragraphs.
            y += size * 0.5;
        }
    }
    (placed, on)
}

/// The letter as the bytes of an A5 PDF (a second page when the reason is long).
pub fn apology_pdf(letter: &ApologyLetter) -> Result<Vec<u8>, LetterError> {
    let bytes = font_bytes()?;
    let face = ttf_parser::Face::parse(bytes, 0).map_err(|_| LetterError::Pdf("phông chữ không đọc được".into()))?;
    let font =
        Font::new(bytes.to_vec().into(), 0).ok_or_else(|| LetterError::Pdf("phông chữ không đọc được".into()))?;
    let (placed, on) = place(&face, letter);
    let mut document = Document::new();
    for page_no in 0..=on {
        let settings = PageSettings::from_wh(PAGE.0, PAGE.1).ok_or_else(|| LetterError::Pdf("khổ giấy".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for (x, y, size, line, _) in placed.iter().filter(|p| p.4 == page_no) {
            surface.draw_text(Point::from_xy(*x, *y), font.clone(), *size, line, false, TextDirection::Auto);
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| {
        tracing::error!(error = ?e, "letter not written");
        LetterError::Pdf("lỗi khi ghi tệp".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_at_spaces_within_the_width_and_keep_every_word() {
        let Ok(bytes) = font_bytes() else { panic!("a Vietnamese font on this machine (fonts-dejavu-core)") };
        let face = ttf_parser::Face::parse(bytes, 0).expect("parses");
        let text = "Hồ sơ cần xác minh thêm thông tin tại Văn phòng đăng ký đất đai của tỉnh trước khi trả kết quả";
        let lines = wrap(&face, text, 10.5, 150.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(lines.iter().all(|l| width(&face, l, 10.5) <= 150.0), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        // A word wider than the line is cut rather than overflowing.
        let long = "A".repeat(80);
        let cut = wrap(&face, &long, 10.5, 100.0);
        assert!(cut.len() > 1 && cut.concat() == long, "{cut:?}");
    }

    #[test]
    fn a_reason_of_the_longest_kind_goes_on_to_a_second_page_and_keeps_the_new_date() {
        let letter = ApologyLetter {
            centre: "Trung tâm Phục vụ hành chính công tỉnh Minh Hà".into(),
            applicant: "Nguyễn Văn Hùng".into(),
            receipt_code: "000.00.20.H56-261201-0001".into(),
            procedure: "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất".into(),
            received: "01/12/2026".into(),
            due_before: "15/12/2026".into(),
            reason: "Cần xác minh thêm nguồn gốc sử dụng đất với Ủy ban nhân dân xã. ".repeat(15),
            new_due: "22/12/2026".into(),
            dated: "Ngày 16 tháng 12 năm 2026".into(),
        };
        let Ok(bytes) = font_bytes() else { panic!("a Vietnamese font on this machine (fonts-dejavu-core)") };
        let face = ttf_parser::Face::parse(bytes, 0).expect("parses");
        let (placed, last) = place(&face, &letter);
        assert_eq!(last, 1, "a second page, not text off the first");
        assert!(placed.iter().all(|p| p.1 <= PAGE.1 - MARGIN), "every line within the page");
        let new_date = placed.iter().find(|p| p.3.contains("22/12/2026")).expect("the new date is placed");
        assert_eq!(new_date.4, 1, "on the second page");
        assert!(apology_pdf(&letter).is_ok_and(|pdf| pdf.starts_with(b"%PDF")));
    }
}
