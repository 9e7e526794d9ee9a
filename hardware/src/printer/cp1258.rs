//! Windows-1258 (Vietnamese) encoding for printers that have the code page.
//!
//! Windows-1258 has the base letters ă â ê ô ơ ư đ but no toned vowels: a tone is a combining byte
//! after the letter (grave 0xCC, acute 0xEC, hook above 0xD2, tilde 0xDE, dot below 0xF2). That
//! split is the project's own table below; every other character (ASCII, and punctuation such as
//! – — … “ ” ‘ ’ « » € at their Windows-1258 places) goes through `encoding_rs`. Text is composed
//! (NFC) first, so text written decomposed encodes the same. A character the code page does not
//! have makes the whole text unencodable (`None`): the caller prints that line another way, never
//! a `?`.

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

/// `text` in Windows-1258, or `None` when it holds a character the code page does not have.
pub fn encode(text: &str) -> Option<Vec<u8>> {
    use unicode_normalization::UnicodeNormalization;
    let mut out = Vec::with_capacity(text.len());
    for c in text.nfc() {
        if c.is_ascii() {
            out.push(c as u8);
        } else if let Some((_, byte)) = BASES.iter().find(|(b, _)| *b == c) {
            out.push(*byte);
        } else if let Some((base, tone)) =
            LETTERS.iter().find_map(|(base, forms)| forms.chars().position(|f| f == c).map(|i| (*base, TONES[i])))
        {
            out.extend([base, tone]);
        } else {
            let mut one = [0u8; 4];
            let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258.encode(c.encode_utf8(&mut one));
            if unmappable {
                return None;
            }
            out.extend_from_slice(&bytes);
        }
    }
    Some(out)
}

/// Windows-1258 bytes back to text, composed (what a printer with the code page shows).
pub fn decode(bytes: &[u8]) -> String {
    use unicode_normalization::UnicodeNormalization;
    let (text, _) = encoding_rs::WINDOWS_1258.decode_without_bom_handling(bytes);
    text.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toned_letters_are_base_plus_combining_tone() {
        assert_eq!(encode("Đất đai"), Some(vec![0xD0, 0xE2, 0xEC, b't', b' ', 0xF0, b'a', b'i']));
        assert_eq!(encode("Người"), Some(vec![b'N', b'g', 0xFD, 0xF5, 0xCC, b'i']));
        assert_eq!(encode("Quầy 3"), Some(vec![b'Q', b'u', 0xE2, 0xCC, b'y', b' ', b'3']));
        assert_eq!(encode("ỵ€"), Some(vec![b'y', 0xF2, 0x80]));
    }

    #[test]
    fn punctuation_has_its_place_and_decomposed_text_encodes_as_composed() {
        assert_eq!(encode("Tư pháp – Hộ tịch"), encode("Tu\u{31b} pha\u{301}p – Ho\u{323}\u{302} ti\u{323}ch"));
        assert_eq!(
            encode("– — … “ ” « »"),
            Some(vec![0x96, b' ', 0x97, b' ', 0x85, b' ', 0x93, b' ', 0x94, b' ', 0xAB, b' ', 0xBB])
        );
        assert_eq!(encode("Căn cước – Cư trú").map(|b| decode(&b)).as_deref(), Some("Căn cước – Cư trú"));
        assert_eq!(encode("东"), None, "not in the code page: the caller prints it another way");
    }
}
