//! A pair of connected pseudo-terminals made by `socat`, standing in for a serial cable: what is
//! written to one end is read at the other. Needs the `socat` program (Debian package `socat`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Error;

/// Two linked pseudo-terminals; dropping the pair stops `socat`.
#[derive(Debug)]
pub struct PtyPair {
    socat: Child,
    a: PathBuf,
    b: PathBuf,
}

impl PtyPair {
    /// Starts `socat` with the two ends linked as `dir/name-a` and `dir/name-b`; waits up to 5 s for
    /// both to appear.
    pub fn open(dir: &Path, name: &str) -> Result<Self, Error> {
        let a = dir.join(format!("{name}-a"));
        let b = dir.join(format!("{name}-b"));
        let end = |p: &Path| format!("pty,raw,echo=0,link={}", p.display());
        let socat = Command::new("socat")
            .args([end(&a), end(&b)])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                Error::Io(std::io::Error::new(e.kind(), format!("socat không chạy được (cài gói socat): {e}")))
            })?;
        let pair = PtyPair { socat, a, b };
        let deadline = Instant::now() + Duration::from_secs(5);
        while !(pair.a.exists() && pair.b.exists()) {
            if Instant::now() > deadline {
                return Err(Error::Timeout);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(pair)
    }

    /// One end.
    pub fn a(&self) -> &str {
        self.a.to_str().unwrap_or_default()
    }

    /// The other end.
    pub fn b(&self) -> &str {
        self.b.to_str().unwrap_or_default()
    }
}

impl Drop for PtyPair {
    fn drop(&mut self) {
        let _ = self.socat.kill();
        let _ = self.socat.wait();
    }
}
