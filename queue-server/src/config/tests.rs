//! The example file, and refusals naming their key and line.
use super::*;

#[test]
fn the_example_is_valid_and_describes_a_real_centre() {
    let config = Config::parse("example", EXAMPLE).expect("example parses");
    let centre = &config.centre;
    assert_eq!(centre.services.len(), 15);
    assert_eq!(centre.counters.len(), 12);
    assert!(centre.enforce_hours);
    assert_eq!(centre.schedule.time_zone.iana_name(), Some("Asia/Ho_Chi_Minh"));
    assert!(
        centre.services.iter().all(|s| centre.counters.iter().any(|c| c.services.contains(&s.code))),
        "every field has a counter"
    );
    assert!(!Config::demo().centre.enforce_hours, "the demo takes tickets at any hour");
}

fn broken(from: &str, to: &str) -> ConfigError {
    assert!(EXAMPLE.contains(from), "example has {from}");
    Config::parse("motcua.toml", &EXAMPLE.replacen(from, to, 1)).expect_err("refused")
}

fn line_of(needle: &str, text: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).expect("present") + 1
}

#[test]
fn a_bad_value_is_refused_with_its_key_and_line() {
    let e = broken("daily_capacity = 60\n", "daily_capacity = 0\n");
    assert_eq!(e.key, "services[1].daily_capacity");
    assert_eq!(e.line, Some(line_of("daily_capacity = 60", EXAMPLE)));
    assert!(e.to_string().starts_with(&format!(
        "motcua.toml:{}: services[1].daily_capacity: ",
        line_of("daily_capacity = 60", EXAMPLE)
    )));

    let e = broken("time_zone = \"Asia/Ho_Chi_Minh\"", "time_zone = \"Asia/Sai_Gon\"");
    assert_eq!((e.key.as_str(), e.line), ("centre.time_zone", Some(line_of("time_zone =", EXAMPLE))));

    let e = broken("services = [\"XD\", \"DD\"]", "services = [\"XD\", \"QQ\"]");
    assert_eq!(e.key, "counters[2].services");
    assert!(e.message.contains("QQ"));

    let e = broken("mon = { open = \"07:30\"", "mon = { open = \"7h30\"");
    assert_eq!(e.key, "hours.mon.open");

    let e = broken("numbers = [1501, 2000]", "numbers = [1400, 2000]");
    assert!(e.message.contains("DD"), "{e}");

    let e = broken("\"2026-09-02\",", "\"2026-09-31\",");
    assert_eq!(e.key, "hours.holidays[10]");
}

#[test]
fn syntax_type_and_unknown_key_errors_name_the_line() {
    let e = broken("daily_capacity = 120", "daily_capacity = \"nhiều\"");
    assert_eq!((e.key.as_str(), e.line), ("daily_capacity", Some(line_of("daily_capacity = 120", EXAMPLE))));
    let e = broken("priority_ratio = 2", "priority_ration = 2");
    assert_eq!(e.line, Some(line_of("priority_ratio = 2", EXAMPLE)));
    assert!(e.message.contains("priority_ration"), "{e}");
    let e = broken("[calling]", "[calling");
    assert_eq!(e.line, Some(line_of("[calling]", EXAMPLE)));
}

#[test]
fn tokens_must_be_long_unique_and_name_real_counters() {
    let e = broken("token = \"demo-kiosk\"", "token = \"short\"");
    assert_eq!(e.key, "tokens[0].token");
    let e = broken("counters = [3]", "counters = [30]");
    assert_eq!(e.key, "tokens[2].counters");
}
