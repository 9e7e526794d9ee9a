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
    // The full key, with the table it is in, and the parser's complaint in Vietnamese.
    assert_eq!(
        (e.key.as_str(), e.line),
        ("services[0].daily_capacity", Some(line_of("daily_capacity = 120", EXAMPLE)))
    );
    assert!(e.message.ends_with("sai kiểu dữ liệu: chuỗi «nhiều», cần số nguyên không âm"), "{e}");
    let e = broken("priority_ratio = 2", "priority_ration = 2");
    assert_eq!(e.line, Some(line_of("priority_ratio = 2", EXAMPLE)));
    assert!(e.message.contains("không có trường «priority_ration»"), "{e}");
    let e = broken("# verify_phone = true", "verify_phone = \"yes\"");
    assert_eq!(e.key, "appointments.verify_phone", "{e}");
    assert!(e.message.contains("cần true hoặc false"), "{e}");
    let e = broken("[calling]", "[calling");
    assert_eq!(e.line, Some(line_of("[calling]", EXAMPLE)));
    assert!(e.message.ends_with("tiêu đề bảng thiếu «]»"), "{e}");
}

#[test]
fn tokens_must_be_long_unique_and_name_real_counters() {
    let e = broken("token = \"demo-kiosk\"", "token = \"short\"");
    assert_eq!(e.key, "tokens[1].token");
    let e = broken("counters = [3]", "counters = [30]");
    assert_eq!(e.key, "tokens[3].counters");
}

#[test]
fn the_boards_voice_is_a_program_or_off() {
    assert_eq!(Config::parse("example", EXAMPLE).expect("parses").voice.as_deref(), Some("espeak-ng"));
    let off = EXAMPLE.replacen("voice = \"espeak-ng\"", "voice = \"off\"", 1);
    assert_eq!(Config::parse("motcua.toml", &off).expect("parses").voice, None, "the chime alone");
    let e = broken("voice = \"espeak-ng\"", "voice = \"\"");
    assert_eq!((e.key.as_str(), e.line), ("board.voice", Some(line_of("voice = \"espeak-ng\"", EXAMPLE))));
}

#[test]
fn names_written_decomposed_are_read_composed_on_the_same_lines() {
    // "Tư pháp – Hộ tịch" with every mark as a separate combining character (NFD).
    let nfd = "Tu\u{31b} pha\u{301}p – Ho\u{323}\u{302} ti\u{323}ch";
    let text = EXAMPLE.replacen("Tư pháp – Hộ tịch", nfd, 1);
    assert_ne!(text, EXAMPLE);
    let config = Config::parse("motcua.toml", &text).expect("parses");
    assert!(config.centre.services.iter().any(|s| s.name_vi == "Tư pháp – Hộ tịch"), "composed");
    let e = Config::parse("motcua.toml", &text.replacen("daily_capacity = 60\n", "daily_capacity = 0\n", 1))
        .expect_err("refused");
    assert_eq!(e.line, Some(line_of("daily_capacity = 60", EXAMPLE)), "lines do not move");
}

#[test]
fn calling_minutes_out_of_range_are_refused_with_their_line() {
    let e = broken("priority_ratio = 2", "priority_ratio = 4000000000");
    assert_eq!((e.key.as_str(), e.line), ("calling.priority_ratio", Some(line_of("priority_ratio = 2", EXAMPLE))));
    let e = broken("aging_minutes = 30", "aging_minutes = 0");
    assert_eq!(e.key, "calling.aging_minutes");
}

#[test]
fn a_day_rollover_inside_opening_hours_is_refused_with_its_line() {
    let e = broken("day_rollover = \"03:00\"", "day_rollover = \"08:00\"");
    assert_eq!((e.key.as_str(), e.line), ("centre.day_rollover", Some(line_of("day_rollover =", EXAMPLE))));
    assert!(e.message.contains("08:00") && e.message.contains("07:30"), "{e}");
    Config::parse("motcua.toml", &EXAMPLE.replacen("day_rollover = \"03:00\"", "day_rollover = \"17:30\"", 1))
        .expect("after closing is fine");
}

#[test]
fn the_public_address_printed_in_qr_codes_must_be_a_whole_url() {
    for bad in ["192.168.1.10:8080", "http://", "ftp://x", "http:// x"] {
        let e = broken("public_url = \"http://192.168.1.10:8080\"", &format!("public_url = \"{bad}\""));
        assert_eq!(e.key, "centre.public_url", "{bad}: {e}");
    }
}

#[test]
fn the_hub_section_needs_an_address_a_token_and_a_unit_code() {
    let with = |section: &str| Config::parse("motcua.toml", &format!("{EXAMPLE}\n{section}"));
    let link = with("[hub]\nurl = \"https://hub.example/\"\ntoken = \"t0k3n\"\n").expect("parses").hub.expect("a hub");
    assert_eq!(link.url, "https://hub.example");
    assert_eq!(link.unit_code, "000.00.20.H56", "[centre] unit_code by default");
    assert_eq!((link.batch_size, link.heartbeat_seconds, link.retry_max_seconds), (500, 10, 30));
    let e = with("[hub]\nurl = \"https://hub.example\"\n").expect_err("no token");
    assert_eq!(e.key, "hub.token");
    assert!(e.message.contains("province-hub add-centre"), "{e}");
    let e = with("[hub]\nurl = \"hub.example\"\ntoken = \"x\"\n").expect_err("not http");
    assert_eq!(e.key, "hub.url");
    let e = with("[hub]\nurl = \"https://hub.example\"\ntoken = \"x\"\nbatch_size = 0\n").expect_err("no batch");
    assert_eq!(e.key, "hub.batch_size");
    assert!(Config::parse("x", EXAMPLE).expect("parses").hub.is_none(), "no section, no hub");
}

#[test]
fn trusted_proxies_are_addresses_or_networks() {
    let e = broken("trusted_proxies = []", "trusted_proxies = [\"127.0.0.1\", \"nginx.local\"]");
    assert_eq!((e.key.as_str(), e.line), ("server.trusted_proxies", Some(line_of("trusted_proxies =", EXAMPLE))));
    assert!(e.message.contains("«nginx.local»"), "{e}");
    for everyone in ["0.0.0.0/0", "::/0"] {
        let e = broken("trusted_proxies = []", &format!("trusted_proxies = [\"{everyone}\"]"));
        assert!(e.message.contains("mọi địa chỉ"), "{e}");
    }
    let e = broken("trusted_proxies = []", "trusted_proxies = [\"10.0.0.0/33\"]");
    assert_eq!(e.key, "server.trusted_proxies");
    let text =
        EXAMPLE.replacen("trusted_proxies = []", "trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]", 1);
    let config = Config::parse("motcua.toml", &text).expect("parses");
    for (ip, trusted) in [("127.0.0.1", true), ("10.20.30.40", true), ("::1", true), ("192.168.1.5", false)] {
        assert_eq!(config.trusted_proxies.contains(ip.parse().expect("ip")), trusted, "{ip}");
    }
    assert!(
        !Config::parse("example", EXAMPLE).expect("example").trusted_proxies.contains("127.0.0.1".parse().expect("ip"))
    );
}

#[test]
fn a_zalo_section_is_checked_where_it_is_written() {
    let zalo = "\n[zalo]\napp_id = \"1\"\nsecret_key = \"k\"\nrefresh_token = \"r\"\n";
    let parse = |extra: &str| Config::parse("motcua.toml", &format!("{EXAMPLE}{zalo}{extra}"));
    let config =
        parse("[zalo.templates.reminder]\ntemplate_id = \"9\"\ndata = { gio = \"{time} {date}\" }\n").expect("parses");
    let z = config.zalo.expect("zalo");
    assert_eq!(z.oauth_url, "https://oauth.zaloapp.com/v4/oa/access_token");
    assert_eq!(z.templates["reminder"].data["gio"], "{time} {date}");
    assert!(!config.verify_phone, "no verification template: codes could not reach phones");
    let e = parse("[zalo.templates.nhac_lich]\ntemplate_id = \"9\"\n").expect_err("unknown kind");
    assert!(e.key == "zalo.templates.nhac_lich" && e.message.contains("reminder"), "{e}");
    let e = parse("[zalo.templates.reminder]\ntemplate_id = \"9\"\ndata = { gio = \"{gio_hen}\" }\n")
        .expect_err("placeholder");
    assert!(e.key == "zalo.templates.reminder.data.gio" && e.message.contains("{gio_hen}"), "{e}");
    assert!(e.line.is_some());
    let e = Config::parse("motcua.toml", &format!("{EXAMPLE}\n[zalo]\napp_id = \"1\"\nsecret_key = \"k\"\n"))
        .expect_err("no token");
    assert_eq!(e.key, "zalo.refresh_token");
    let e = parse("[zalo.templates.reminder]\ntemplate_id = \"9\"\ndata = { ma = \"{otp}\" }\n").expect_err("otp");
    assert!(e.message.contains("verification"), "{e}");
    let verifies =
        parse("[zalo.templates.verification]\ntemplate_id = \"7\"\ndata = { ma = \"{text}\" }\n").expect("parses");
    assert!(verifies.verify_phone, "a verification template sends the codes");
    let both = EXAMPLE.replacen("# sms_url = ", "sms_url = ", 1);
    let e = Config::parse("motcua.toml", &format!("{both}{zalo}")).expect_err("both");
    assert!(e.key == "zalo" && e.message.contains("chọn một"), "{e}");
}
