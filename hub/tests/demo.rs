//! The province demo as someone tries it and changes their mind: `province-hub demo` stopped with
//! Ctrl-C while it is still starting its PostgreSQL ends with that PostgreSQL stopped, not left
//! running behind it.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Processes whose command line names `dir` (the demo's PostgreSQL runs from a folder in it).
fn running_in(dir: &Path) -> Vec<String> {
    let needle = dir.display().to_string();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&needle))
        .collect()
}

#[test]
fn ctrl_c_while_the_demo_starts_leaves_no_postgres_running() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // The cluster runs as the `postgres` user when the tests run as root: it must reach its folder.
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a port").local_addr().expect("addr").port();
    let mut demo = Command::new(env!("CARGO_BIN_EXE_province-hub"))
        .args(["demo", "--listen", &format!("127.0.0.1:{port}")])
        .env("TMPDIR", tmp.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(demo.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("text");
    assert!(first.contains("Đang khởi động PostgreSQL"), "{first}");
    // Ctrl-C once its PostgreSQL is running and the demo has not begun serving.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !running_in(tmp.path()).iter().any(|c| c.contains("postgres")) {
        assert!(Instant::now() < deadline, "the demo's PostgreSQL started");
        assert!(demo.try_wait().expect("polls").is_none(), "the demo ended before its PostgreSQL ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = demo.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().expect("kill").success());
    std::thread::spawn(move || lines.for_each(drop));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = demo.try_wait().expect("polls") {
            break status;
        }
        assert!(Instant::now() < deadline, "the demo ends after Ctrl-C");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "the demo ends as asked: {status}");
    let left = running_in(tmp.path());
    assert!(left.is_empty(), "left running: {left:?}");
}
