//! The words of a call-out: numbers read the Vietnamese way ("một nghìn không trăm mười hai",
//! "hai mươi mốt", "một trăm linh năm") and the sentence the waiting-room board speaks.

const DIGITS: [&str; 10] = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"];

/// Reads 0..=999 as a group; `full` when a higher group precedes it, so that a zero hundreds or
/// tens is still spoken ("không trăm", "linh").
fn group(n: u32, full: bool) -> Vec<&'static str> {
    let (hundreds, tens, units) = ((n / 100) as usize, ((n / 10) % 10) as usize, (n % 10) as usize);
    let mut words = Vec::new();
    if hundreds > 0 || full {
        words.extend([DIGITS[hundreds], "trăm"]);
    }
    match tens {
        0 if units > 0 && (hundreds > 0 || full) => words.push("linh"),
        0 => {}
        1 => words.push("mười"),
        t => words.extend([DIGITS[t], "mươi"]),
    }
    let unit = match units {
        0 => None,
        1 if tens >= 2 => Some("mốt"),
        4 if tens >= 2 => Some("tư"),
        5 if tens >= 1 => Some("lăm"),
        u => Some(DIGITS[u]),
    };
    words.extend(unit);
    words
}

/// A number in Vietnamese words, as a caller reads it aloud (0 to 999 999 999).
pub fn number_vi(n: u32) -> String {
    if n == 0 {
        return DIGITS[0].to_string();
    }
    let groups = [(n / 1_000_000, "triệu"), ((n / 1000) % 1000, "nghìn"), (n % 1000, "")];
    let mut words: Vec<&str> = Vec::new();
    for (value, name) in groups {
        if value == 0 {
            continue;
        }
        let full = !words.is_empty();
        words.extend(group(value, full));
        if !name.is_empty() {
            words.push(name);
        }
    }
    words.join(" ")
}

/// The sentence announcing a call, numbers in words for the speech synthesiser.
pub fn call_sentence(number: u32, counter: u16) -> String {
    format!("Mời công dân có số thứ tự {} đến quầy số {}", number_vi(number), number_vi(u32::from(counter)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_the_vietnamese_way() {
        let cases = [
            (0, "không"),
            (7, "bảy"),
            (10, "mười"),
            (15, "mười lăm"),
            (21, "hai mươi mốt"),
            (24, "hai mươi tư"),
            (55, "năm mươi lăm"),
            (105, "một trăm linh năm"),
            (110, "một trăm mười"),
            (1000, "một nghìn"),
            (1005, "một nghìn không trăm linh năm"),
            (1012, "một nghìn không trăm mười hai"),
            (1500, "một nghìn năm trăm"),
            (2024, "hai nghìn không trăm hai mươi tư"),
            (4001, "bốn nghìn không trăm linh một"),
            (10_000, "mười nghìn"),
            (21_015, "hai mươi mốt nghìn không trăm mười lăm"),
            (1_000_001, "một triệu không trăm linh một"),
        ];
        for (n, words) in cases {
            assert_eq!(number_vi(n), words, "{n}");
        }
    }

    #[test]
    fn a_call_is_one_sentence_with_numbers_in_words() {
        assert_eq!(call_sentence(1012, 3), "Mời công dân có số thứ tự một nghìn không trăm mười hai đến quầy số ba");
    }
}
