//! A throwaway PostgreSQL cluster on loopback, for the tests, the benchmark and `province-hub
//! demo`: `initdb` into a temporary folder, `postgres` on a free port, stopped when dropped.
//!
//! Debian's server binaries live in `/usr/lib/postgresql/<version>/bin` (package `postgresql`);
//! `MOTCUA_PG_BIN` names another folder. PostgreSQL refuses to run as root, so as root the cluster
//! belongs to the `postgres` user and its programs run through `runuser -u postgres`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// A running cluster; stopped (immediately) when dropped.
#[derive(Debug)]
pub struct LocalCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
    port: u16,
    stopped: bool,
}

fn find_bin() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("MOTCUA_PG_BIN") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, p): &(u32, PathBuf)| p.join("postgres").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p).context(
        "không tìm thấy PostgreSQL (/usr/lib/postgresql/*/bin/postgres); cài gói postgresql hoặc đặt MOTCUA_PG_BIN",
    )
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl LocalCluster {
    /// Initialises and starts a cluster with user `motcua` (trust on loopback) and database
    /// `motcua`. `durable = false` turns fsync off (tests); the benchmark keeps PostgreSQL's defaults.
    pub fn start(durable: bool) -> anyhow::Result<LocalCluster> {
        let bin = find_bin()?;
        let as_postgres = is_root();
        let dir = tempfile::Builder::new().prefix("motcua-pg-").tempdir()?;
        if as_postgres {
            let ids = |flag: &str| -> anyhow::Result<u32> {
                let out = Command::new("id").args([flag, "postgres"]).output()?;
                String::from_utf8_lossy(&out.stdout).trim().parse().context("no postgres user")
            };
            std::os::unix::fs::chown(dir.path(), Some(ids("-u")?), Some(ids("-g")?))?;
        }
        let mut cluster = LocalCluster { dir, bin, as_postgres, port: 0, stopped: true };
        let data = cluster.data();
        cluster
            .run("initdb", &["-D", path(&data), "-U", "motcua", "-A", "trust", "-E", "UTF8", "--no-locale", "-N"])?;
        let mut last = None;
        for _ in 0..5 {
            let port = free_port()?;
            let mut opts = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=64MB",
                path(cluster.dir.path())
            );
            if !durable {
                opts.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
            }
            let log = cluster.dir.path().join("postgres.log");
            match cluster.run("pg_ctl", &["-D", path(&data), "-o", &opts, "-l", path(&log), "-w", "-t", "60", "start"])
            {
                Ok(()) => {
                    cluster.port = port;
                    cluster.stopped = false;
                    cluster.run("createdb", &["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "motcua", "motcua"])?;
                    return Ok(cluster);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("postgres did not start")))
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd.args(args).output().with_context(|| format!("chạy {}", exe.display()))?;
        if !out.status.success() {
            let log = std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default();
            bail!(
                "{program} thất bại: {}{}\n{}",
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&out.stdout),
                log.lines().rev().take(5).collect::<Vec<_>>().join("\n")
            );
        }
        Ok(())
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A libpq-style connection string for the `motcua` database.
    pub fn url(&self) -> String {
        format!("host=127.0.0.1 port={} user=motcua dbname=motcua", self.port)
    }

    /// Stops the server at once (as a crash would): what was committed must survive.
    pub fn stop(&mut self) {
        if !self.stopped {
            let _ = self.run("pg_ctl", &["-D", path(&self.data()), "-m", "immediate", "-w", "stop"]);
            self.stopped = true;
        }
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        self.stop();
    }
}
