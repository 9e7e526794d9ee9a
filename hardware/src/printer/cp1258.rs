//! Windows-1258 (Vietnamese) encoding for printers that have the code page.
//!
//! Windows-1258 has the base letters ă â ê ô ơ ư đ but no toned vowels: a tone is a combining byte
//! after the letter (grave 0xCC, acute 0xEC, hook above 0xD2, tilde 0xDE, dot below 0xF2). Letters
//! outside Vietnamese and ASCII become `?`.

/// Tones in the order the tables below list them.
const TONES: [u8; 5] = [0xCC, 0xEC, 0xD2, 0xDE, 0xF2];

/// (base byte, the five toned forms: grave, acute, hook, tilde, dot below)
const LETTERS: [(u8, &str); 24] = [
    (b'a', "àáảãạ"),
    (0xE3, "ằắẳẵặ"),
    (0xE2, "ầấẩẫậ"),
    (b'e', "èéẻẽẹ"),
    (0xEA, "ềếểễệ"),
    (b'i', "ìíỉĩị"),
    (b'o', "òóỏõọ"),
    (0xF4, "ồốổỗộ"),
    (0xF5, "ờớởỡợ"),
    (b'u', "ùúủũụ"),
    (0xFD, "ừứửữự"),
    (b'y', "ỳýỷỹỵ"),
    (b'A', "ÀÁẢÃẠ"),
    (0xC3, "ẰẮẲẴẶ"),
    (0xC2, "ẦẤẨẪẬ"),
    (b'E', "ÈÉẺẼẸ"),
    (0xCA, "ỀẾỂỄỆ"),
    (b'I', "ÌÍỈĨỊ"),
    (b'O', "ÒÓỎÕỌ"),
    (0xD4, "ỒỐỔỖỘ"),
    (0xD5, "ỜỚỞỠỢ"),
    (b'U', "ÙÚỦŨỤ"),
    (0xDD, "ỪỨỬỮỰ"),
    (b'Y', "ỲÝỶỸỴ"),
];

/// Base letters without a tone.
const BASES: [(char, u8); 14] = [
    ('ă', 0xE3),
    ('â', 0xE2),
    ('ê', 0xEA),
    ('ô', 0xF4),
    ('ơ', 0xF5),
    ('ư', 0xFD),
    ('đ', 0xF0),
    ('Ă', 0xC3),
    ('Â', 0xC2),
    ('Ê', 0xCA),
    ('Ô', 0xD4),
    ('Ơ', 0xD5),
    ('Ư', 0xDD),
    ('Đ', 0xD0),
];

/// `text` in Windows-1258.
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c as u8);
        } else if let Some((_, byte)) = BASES.iter().find(|(b, _)| *b == c) {
            out.push(*byte);
        } else if let Some((base, tone)) =
            LETTERS.iter().find_map(|(base, forms)| forms.chars().position(|f| f == c).map(|i| (*base, TONES[i])))
        {
            out.extend([base, tone]);
        } else {
            out.push(b'?');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toned_letters_are_base_plus_combining_tone() {
        assert_eq!(encode("Đất đai"), vec![0xD0, 0xE2, 0xEC, b't', b' ', 0xF0, b'a', b'i']);
        assert_eq!(encode("Người"), vec![b'N', b'g', 0xFD, 0xF5, 0xCC, b'i']);
        assert_eq!(encode("Quầy 3"), vec![b'Q', b'u', 0xE2, 0xCC, b'y', b' ', b'3']);
        assert_eq!(encode("ỵ€"), vec![b'y', 0xF2, b'?']);
    }
}
