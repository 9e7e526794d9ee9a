//! `queue-server user …` and `queue-server device …`: manage accounts and device tokens from the
//! command line, on the same database the server uses (it may be running).

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use super::{Accounts, StaffRole};
use crate::cli::{HELP_TEMPLATE, HelpFlag, Place};
use crate::config::Role;
use crate::domain::CounterNo;
use crate::store::schema;

/// `queue-server user …`
#[derive(Debug, Parser)]
#[command(
    name = "queue-server user",
    about = "Quản lý tài khoản cán bộ. Mật khẩu được hỏi (không hiện khi gõ) hoặc đọc một dòng từ đầu vào chuẩn.",
    disable_help_subcommand = true,
    disable_help_flag = true,
    subcommand_help_heading = "Lệnh",
    subcommand_value_name = "LỆNH",
    help_template = HELP_TEMPLATE
)]
struct User {
    #[command(subcommand)]
    command: UserCommand,
    #[command(flatten)]
    help: HelpFlag,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Tạo tài khoản cán bộ
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    Add {
        /// Tên đăng nhập
        #[arg(value_name = "TÊN", help_heading = "Đối số")]
        user: String,
        /// Vai trò: officer (cán bộ quầy), supervisor (lãnh đạo), admin (quản trị)
        #[arg(long, value_name = "VAI_TRÒ")]
        role: String,
        /// Họ tên hiện trên màn hình và báo cáo
        #[arg(long, value_name = "HỌ_TÊN")]
        name: String,
        #[command(flatten)]
        place: Place,
    },
    /// Đặt lại mật khẩu (mở khoá và đăng xuất mọi nơi)
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    Passwd {
        /// Tên đăng nhập
        #[arg(value_name = "TÊN", help_heading = "Đối số")]
        user: String,
        #[command(flatten)]
        place: Place,
    },
    /// Mở khoá tài khoản bị khoá vì nhập sai
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    Unlock {
        /// Tên đăng nhập
        #[arg(value_name = "TÊN", help_heading = "Đối số")]
        user: String,
        #[command(flatten)]
        place: Place,
    },
    /// Liệt kê tài khoản
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    List {
        #[command(flatten)]
        place: Place,
    },
}

/// `queue-server device …`
#[derive(Debug, Parser)]
#[command(
    name = "queue-server device",
    about = "Quản lý mã truy cập của thiết bị (kiosk, màn hình, quầy)",
    disable_help_subcommand = true,
    disable_help_flag = true,
    subcommand_help_heading = "Lệnh",
    subcommand_value_name = "LỆNH",
    help_template = HELP_TEMPLATE
)]
struct Device {
    #[command(subcommand)]
    command: DeviceCommand,
    #[command(flatten)]
    help: HelpFlag,
}

#[derive(Debug, Subcommand)]
enum DeviceCommand {
    /// Tạo mã truy cập cho một thiết bị (chỉ hiện một lần)
    #[command(help_template = HELP_TEMPLATE, next_help_heading = "Tùy chọn")]
    Add {
        /// Tên thiết bị, ví dụ "Kiosk sảnh A"
        #[arg(value_name = "TÊN", help_heading = "Đối số")]
        name: String,
        /// Vai trò: kiosk, display, counter, supervisor (xem số liệu, /metrics) hoặc integration (trục LGSP)
        #[arg(long, value_name = "VAI_TRÒ")]
        role: String,
        /// Các quầy thiết bị được dùng, ví dụ 1,2
        #[arg(long, value_name = "SỐ,SỐ", value_delimiter = ',')]
        counters: Vec<String>,
        #[command(flatten)]
        place: Place,
    },
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

/// Runs `queue-server user …` or `queue-server device …` (`args`: the words after
/// `queue-server`); help goes to `out`.
pub fn run(args: &[String], out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    let words = |name: &str| std::iter::once(format!("queue-server {name}")).chain(args.iter().skip(1).cloned());
    if args.first().map(String::as_str) == Some("device") {
        let Some(Device { command: DeviceCommand::Add { name, role, counters, place }, .. }) =
            crate::cli::parse::<Device>(words("device"), "queue-server device", out)?
        else {
            return Ok(());
        };
        let role = Role::parse(&role).context("cần --role kiosk, display, counter, supervisor hoặc integration")?;
        let counters = counters
            .iter()
            .map(|c| CounterNo::parse(c.trim()).map_err(|e| anyhow::anyhow!(e.message)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let (config, _) = place.open()?;
        if let Some(missing) = counters.iter().find(|c| !config.centre.counters.iter().any(|k| k.no == **c)) {
            anyhow::bail!(
                "trung tâm không có quầy {}; các quầy: 1 đến {}",
                missing.get(),
                config.centre.counters.len()
            );
        }
        return with_accounts(&place, |accounts, fail, now| {
            let token = accounts.add_device(&name, role, &counters, "cli", now).map_err(fail)?;
            writeln!(out, "Mã truy cập của «{name}» (chỉ hiện một lần, hãy lưu lại):\n{token}")?;
            Ok(())
        });
    }
    let Some(User { command, .. }) = crate::cli::parse::<User>(words("user"), "queue-server user", out)? else {
        return Ok(());
    };
    match command {
        UserCommand::Add { user, role, name, place } => with_accounts(&place, |accounts, fail, now| {
            let role = StaffRole::parse(&role).map_err(&fail)?;
            let password = read_password("Mật khẩu (ít nhất 8 ký tự): ")?;
            let user = accounts.add_user(&user, &name, role, &password, "cli", now).map_err(&fail)?;
            writeln!(out, "Đã tạo tài khoản {user} ({})", role.label())?;
            Ok(())
        }),
        UserCommand::Passwd { user, place } => with_accounts(&place, |accounts, fail, now| {
            let password = read_password("Mật khẩu mới (ít nhất 8 ký tự): ")?;
            accounts.reset_password(&user, &password, "cli", now).map_err(fail)?;
            writeln!(out, "Đã đặt lại mật khẩu của {user}; các phiên đăng nhập cũ đã kết thúc")?;
            Ok(())
        }),
        UserCommand::Unlock { user, place } => with_accounts(&place, |accounts, fail, now| {
            accounts.unlock(&user, "cli", now).map_err(fail)?;
            writeln!(out, "Đã mở khoá {user}")?;
            Ok(())
        }),
        UserCommand::List { place } => with_accounts(&place, |accounts, fail, now| {
            // Sign-in locks live in the running server's memory: the admin page shows them.
            for s in accounts.users(now).map_err(fail)? {
                writeln!(out, "{:<16} {:<22} {}", s.username, s.role.label(), s.display_name)?;
            }
            Ok(())
        }),
    }
}

/// Opens the accounts of the centre and database `place` names and runs `f` with them, a way to
/// word their errors, and the time now.
fn with_accounts(
    place: &Place,
    f: impl FnOnce(&Accounts, &dyn Fn(super::AccountError) -> anyhow::Error, jiff::Timestamp) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let (config, db) = place.open()?;
    let mut conn = schema::open(&db).with_context(|| format!("không mở được {}", db.display()))?;
    schema::migrate(&mut conn).with_context(|| format!("không cập nhật được cấu trúc {}", db.display()))?;
    let schedule = Arc::new(config.centre.schedule.clone());
    let accounts = Accounts::new(conn, config.staff, schedule.clone());
    let fail = |e: super::AccountError| anyhow::anyhow!("{}", e.message(&schedule));
    f(&accounts, &fail, jiff::Timestamp::now())
}
