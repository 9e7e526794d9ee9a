//! The server behind a real nginx terminating TLS (deploy/nginx.example.conf, a self-signed
//! certificate made with openssl), reached with curl from several loopback addresses: rate limits
//! key on the real client whatever `X-Forwarded-For` it sends, a header sent straight to the
//! server is ignored, cookies are `Secure` and every answer carries HSTS, live streams pass.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::spawn;

/// nginx, stopped when dropped: SIGTERM to the master, which stops its workers (SIGKILL would
/// leave them running).
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("binds").local_addr().expect("addr").port()
}

/// The example configuration, pointed at this test's server, ports, certificate and folder.
fn nginx_conf(dir: &Path, server: SocketAddr, tls: u16, plain: u16) -> String {
    let example = include_str!("../../../deploy/nginx.example.conf");
    let site = example
        .replace("server 127.0.0.1:8080;", &format!("server {server};"))
        .replace("listen 443 ssl;", &format!("listen 127.0.0.1:{tls} ssl;"))
        .replace("listen 80;", &format!("listen 127.0.0.1:{plain};"))
        .replace("/etc/ssl/motcua/fullchain.pem", &dir.join("cert.pem").display().to_string())
        .replace("/etc/ssl/motcua/privkey.pem", &dir.join("key.pem").display().to_string());
    assert_ne!(site, example);
    let d = dir.display();
    format!(
        "user root;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\n\
         http {{\n access_log {d}/access.log;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n{site}\n}}\n"
    )
}

/// curl from `from` (a loopback address) with `headers`; the status and the response head.
fn curl(url: &str, from: &str, ca: &Path, headers: &[&str]) -> (u16, String) {
    let mut command = Command::new("curl");
    command.args(["-s", "-D", "-", "-o", "/dev/null", "--max-time", "10", "--interface", from, "--cacert"]).arg(ca);
    for h in headers {
        command.args(["-H", h]);
    }
    let out = command.arg(url).output().expect("curl runs");
    let head = String::from_utf8_lossy(&out.stdout).to_string();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_nginx_limits_key_on_the_real_client_and_cookies_are_secure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
        .arg(dir.path().join("key.pem"))
        .arg("-out")
        .arg(dir.path().join("cert.pem"))
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(made.success(), "a self-signed certificate");
    let (tls, plain) = (free_port(), free_port());
    let mut config = queue_server::Config::demo();
    config.public_url = format!("https://127.0.0.1:{tls}");
    config.trusted_proxies = queue_server::config::TrustedProxies::new(vec!["127.0.0.1/32".parse().expect("net")]);
    config.public_rate_per_minute = 5;
    let app = spawn(config, None, None).await;
    std::fs::write(dir.path().join("nginx.conf"), nginx_conf(dir.path(), app.addr, tls, plain)).expect("conf");
    let _nginx = Nginx(
        Command::new("nginx")
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts (Debian package nginx)"),
    );
    let ca = dir.path().join("cert.pem");
    let through = |path: &str| format!("https://127.0.0.1:{tls}{path}");
    let deadline = Instant::now() + Duration::from_secs(15);
    while curl(&through("/healthz"), "127.0.0.1", &ca, &[]).0 != 200 {
        let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
        assert!(Instant::now() < deadline, "nginx answers over TLS: {log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Plain http is sent to https.
    let (status, head) = curl(&format!("http://127.0.0.1:{plain}/book"), "127.0.0.1", &ca, &[]);
    assert_eq!(status, 301, "{head}");
    assert!(head.to_lowercase().contains(&format!("location: https://127.0.0.1/book")), "{head}");

    // A phone at 127.0.0.2 makes up a new X-Forwarded-For each time: its budget of 5 runs out all
    // the same, because nginx appends its real address and only that is believed.
    let public = through("/api/v1/appointments/services");
    let statuses: Vec<u16> =
        (0..7).map(|i| curl(&public, "127.0.0.2", &ca, &[&format!("X-Forwarded-For: 203.0.113.{i}")]).0).collect();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429]);
    // Another phone behind the same proxy has its own budget (not the proxy's).
    assert_eq!(curl(&public, "127.0.0.3", &ca, &[]).0, 200);
    // Straight to the server (not a trusted proxy), a header naming a fresh client is ignored.
    let direct = format!("http://{}/api/v1/appointments/services", app.addr);
    let statuses: Vec<u16> =
        (0..7).map(|i| curl(&direct, "127.0.0.4", &ca, &[&format!("X-Forwarded-For: 198.51.100.{i}")]).0).collect();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429]);

    // Over https: HSTS on every answer, the sign-in cookie Secure.
    let (status, head) = curl(&through("/login"), "127.0.0.5", &ca, &[]);
    assert_eq!(status, 200, "{head}");
    let head = head.to_lowercase();
    assert!(head.contains("strict-transport-security: max-age=31536000"), "{head}");
    let cookie = head.lines().find(|l| l.starts_with("set-cookie:")).expect("a sign-in cookie");
    assert!(cookie.contains("; secure") && cookie.contains("httponly"), "{cookie}");

    // A live stream passes nginx as it happens (not held in a buffer).
    let mut stream = tokio::process::Command::new("curl")
        .args(["-s", "-N", "--max-time", "20", "--interface", "127.0.0.6", "--cacert"])
        .arg(&ca)
        .arg(through("/api/v1/events"))
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("curl runs");
    let mut out = tokio::io::BufReader::new(stream.stdout.take().expect("stdout"));
    let mut seen = String::new();
    let read = async {
        use tokio::io::AsyncBufReadExt;
        let mut line = String::new();
        while out.read_line(&mut line).await.expect("reads") > 0 {
            seen.push_str(&line);
            if line.starts_with("event: snapshot") {
                return;
            }
            line.clear();
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read).await.expect("the snapshot arrives through nginx at once");
    app.stop().await;
}
