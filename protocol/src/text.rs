//! Vietnamese letters reduced to their base Latin letter, for text that must be plain ASCII (the
//! counter-display labels) or matched without diacritics (catalogue search). `no_std`.

/// Weekday names, Monday first, as every date label on the wire writes them (`Thứ Hai 23/11`).
pub const WEEKDAYS_VI: [&str; 7] = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"];

/// The base letter of a Vietnamese letter (`ấ` → `a`, `Ư` → `U`, `đ` → `d`); other characters are
/// returned unchanged.
pub fn base_letter(c: char) -> char {
    const GROUPS: [(char, &str); 12] = [
        ('a', "àáảãạăằắẳẵặâầấẩẫậ"),
        ('e', "èéẻẽẹêềếểễệ"),
        ('i', "ìíỉĩị"),
        ('o', "òóỏõọôồốổỗộơờớởỡợ"),
        ('u', "ùúủũụưừứửữự"),
        ('y', "ỳýỷỹỵ"),
        ('A', "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"),
        ('E', "ÈÉẺẼẸÊỀẾỂỄỆ"),
        ('I', "ÌÍỈĨỊ"),
        ('O', "ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"),
        ('U', "ÙÚỦŨỤƯỪỨỬỮỰ"),
        ('Y', "ỲÝỶỸỴ"),
    ];
    match c {
        'đ' => 'd',
        'Đ' => 'D',
        c if c.is_ascii() => c,
        c => GROUPS.iter().find(|(_, marked)| marked.contains(c)).map_or(c, |(base, _)| *base),
    }
}

#[cfg(test)]
mod tests {
    use super::base_letter;

    #[test]
    fn every_vietnamese_letter_has_its_base() {
        let folded: [char; 8] = ['Đ', 'ấ', 'ỹ', 'Ự', 'ơ', 'Ì', 'x', '€'].map(base_letter);
        assert_eq!(folded, ['D', 'a', 'y', 'U', 'o', 'I', 'x', '€']);
    }
}
