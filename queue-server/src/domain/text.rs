//! Vietnamese text: composed (NFC) wherever it enters, folded for search ("Đất đai" and "dat dai"
//! match) and personal data masked for public answers.

/// `text` in NFC (Unicode Standard Annex #15: letters and their marks composed, as Vietnamese is
/// normally written), borrowed when it already is.
pub fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => std::borrow::Cow::Borrowed(text),
        _ => std::borrow::Cow::Owned(text.nfc().collect()),
    }
}

/// Lower-cases `s` and strips Vietnamese diacritics (tones and vowel marks, đ → d), so that a search
/// typed without diacritics finds text written with them.
pub fn fold(s: &str) -> String {
    nfc(s).chars().flat_map(char::to_lowercase).map(motcua_protocol::text::base_letter).collect()
}

/// Whether every word of `query` occurs in `haystack`, both folded.
pub fn matches_all_words(folded_haystack: &str, query: &str) -> bool {
    let folded = fold(query);
    folded.split_whitespace().all(|word| folded_haystack.contains(word))
}

/// `Nguyễn Văn An` → `Nguyễn V*** A***`: the family name and initials only.
pub fn mask_name(name: &str) -> String {
    let mut words = name.split_whitespace();
    let Some(first) = words.next() else { return String::new() };
    let rest = words.filter_map(|w| w.chars().next()).map(|c| format!("{c}***"));
    std::iter::once(first.to_string()).chain(rest).collect::<Vec<_>>().join(" ")
}

/// `0912345678` → `09******78`.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 6 {
        return "*".repeat(digits.len());
    }
    let n = digits.len();
    digits.iter().enumerate().map(|(i, c)| if i < 2 || i >= n - 2 { *c } else { '*' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_every_vietnamese_vowel_and_d() {
        assert_eq!(fold("Đất đai"), "dat dai");
        assert_eq!(fold("Cấp Giấy chứng nhận quyền sử dụng đất"), "cap giay chung nhan quyen su dung dat");
        assert_eq!(fold("HỘ TỊCH, Chứng thực"), "ho tich, chung thuc");
        assert_eq!(fold("ỳýỷỹỵ ưừứửữự ơờớởỡợ"), "yyyyy uuuuuu oooooo");
    }

    #[test]
    fn every_query_word_must_match() {
        let hay = fold("Đăng ký khai sinh cho trẻ em");
        assert!(matches_all_words(&hay, "khai sinh"));
        assert!(matches_all_words(&hay, "dang ky KHAI"));
        assert!(matches_all_words(&hay, "Đăng ký"));
        assert!(!matches_all_words(&hay, "khai tu"));
    }

    #[test]
    fn personal_data_is_masked() {
        assert_eq!(mask_name("Nguyễn Văn An"), "Nguyễn V*** A***");
        assert_eq!(mask_name("Lê Thị Ánh Tuyết"), "Lê T*** Á*** T***");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_phone("0912345678"), "09******78");
        assert_eq!(mask_phone("091 234 5678"), "09******78");
        assert_eq!(mask_phone("123"), "***");
    }
}
