//! Vietnamese text folded for search: "Đất đai" and "dat dai" match.

/// Lower-cases `s` and strips Vietnamese diacritics (tones and vowel marks, đ → d), so that a search
/// typed without diacritics finds text written with them.
pub fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).map(motcua_protocol::text::base_letter).collect()
}

/// Whether every word of `query` occurs in `haystack`, both folded.
pub fn matches_all_words(folded_haystack: &str, query: &str) -> bool {
    let folded = fold(query);
    folded.split_whitespace().all(|word| folded_haystack.contains(word))
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
}
