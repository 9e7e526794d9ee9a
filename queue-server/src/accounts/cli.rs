//! `queue-server user …` and `queue-server device …`: manage accounts and device tokens from the
//! command line, on the same database the server uses (it may be running).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};

use super::{Accounts, StaffRole};
use crate::config::{Config, Role};
use crate::domain::CounterNo;
use crate::store::schema;

/// Help for the account commands.
pub const HELP: &str = "Quản lý tài khoản cán bộ và mã thiết bị:
  queue-server user add TÊN --role officer|supervisor|admin --name \"Họ tên\"
  queue-server user passwd TÊN        đặt lại mật khẩu (mở khoá và đăng xuất mọi nơi)
  queue-server user unlock TÊN        mở khoá tài khoản bị khoá vì nhập sai
  queue-server user list
  queue-server device add \"Tên thiết bị\" --role kiosk|display|counter [--counters 1,2]
Chung: --config TỆP.toml | --demo, --db TỆP. Mật khẩu được hỏi (không hiện khi gõ) hoặc đọc
một dòng từ đầu vào chuẩn.";

struct Options {
    config: Option<PathBuf>,
    demo: bool,
    db: Option<PathBuf>,
    role: Option<String>,
    name: Option<String>,
    counters: Vec<CounterNo>,
    words: Vec<String>,
}

fn parse(args: &[String]) -> anyhow::Result<Options> {
    let mut o =
        Options { config: None, demo: false, db: None, role: None, name: None, counters: vec![], words: vec![] };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().cloned().with_context(|| format!("{name} cần một giá trị"));
        match arg.as_str() {
            "--config" => o.config = Some(value("--config")?.into()),
            "--db" => o.db = Some(value("--db")?.into()),
            "--demo" => o.demo = true,
            "--role" => o.role = Some(value("--role")?),
            "--name" => o.name = Some(value("--name")?),
            "--counters" => {
                for c in value("--counters")?.split(',') {
                    o.counters.push(CounterNo::parse(c.trim()).map_err(|e| anyhow::anyhow!(e.message))?);
                }
            }
            other if other.starts_with("--") => bail!("không hiểu tùy chọn «{other}»\n\n{HELP}"),
            word => o.words.push(word.to_string()),
        }
    }
    Ok(o)
}

fn read_password(prompt: &str) -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let tty = stdin.is_terminal();
    if tty {
        print!("{prompt}");
        std::io::stdout().flush()?;
        let _ = std::process::Command::new("stty").arg("-echo").status();
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if tty {
        let _ = std::process::Command::new("stty").arg("echo").status();
        println!();
    }
    read.context("không đọc được mật khẩu")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Runs an account command; `args` are the words after `queue-server`.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let o = parse(args)?;
    let config = match (&o.config, o.demo) {
        (Some(path), _) => Config::load(path)?,
        (None, _) => Config::demo(),
    };
    let db =
        o.db.clone()
            .or_else(|| config.db.clone().filter(|_| o.config.is_some()))
            .unwrap_or_else(|| PathBuf::from(if o.config.is_some() { "motcua.db" } else { "motcua-demo.db" }));
    let mut conn = schema::open(&db).with_context(|| format!("không mở được {}", db.display()))?;
    schema::migrate(&mut conn).with_context(|| format!("không cập nhật được cấu trúc {}", db.display()))?;
    let accounts = Accounts::new(conn, config.staff, Arc::new(config.centre.schedule.clone()));
    let now = jiff::Timestamp::now();
    let schedule = &config.centre.schedule;
    let fail = |e: super::AccountError| anyhow::anyhow!("{}", e.message(schedule));
    let words: Vec<&str> = o.words.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["user", "add", user] => {
            let role = StaffRole::parse(o.role.as_deref().unwrap_or("")).map_err(fail)?;
            let name = o.name.as_deref().context("cần --name \"Họ tên\"")?;
            let password = read_password("Mật khẩu (ít nhất 8 ký tự): ")?;
            let user = accounts.add_user(user, name, role, &password, "cli", now).map_err(fail)?;
            println!("Đã tạo tài khoản {user} ({}) trong {}", role.label(), db.display());
        }
        ["user", "passwd", user] => {
            let password = read_password("Mật khẩu mới (ít nhất 8 ký tự): ")?;
            accounts.reset_password(user, &password, "cli", now).map_err(fail)?;
            println!("Đã đặt lại mật khẩu của {user}; các phiên đăng nhập cũ đã kết thúc");
        }
        ["user", "unlock", user] => {
            accounts.unlock(user, "cli", now).map_err(fail)?;
            println!("Đã mở khoá {user}");
        }
        ["user", "list"] => {
            // Sign-in locks live in the running server's memory: the admin page shows them.
            for s in accounts.users(now).map_err(fail)? {
                println!("{:<16} {:<22} {}", s.username, s.role.label(), s.display_name);
            }
        }
        ["device", "add", name] => {
            let role = o.role.as_deref().and_then(Role::parse).context("cần --role kiosk, display hoặc counter")?;
            let token = accounts.add_device(name, role, &o.counters, "cli", now).map_err(fail)?;
            println!("Mã truy cập của «{name}» (chỉ hiện một lần, hãy lưu lại):\n{token}");
        }
        _ => bail!("{HELP}"),
    }
    Ok(())
}
