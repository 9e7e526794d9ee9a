//! Command lines in Vietnamese for every motcua binary: clap parsing whose help headings and
//! mistakes are worded in Vietnamese (clap words its own in English). Feature `cli`.

use clap::Parser;

/// Help layout with Vietnamese words around clap's generated parts.
pub const HELP_TEMPLATE: &str = "{about}\n\nCách dùng: {usage}\n\n{all-args}";

/// A command-line mistake in Vietnamese, ending with where to find help (`help_for`, such as
/// `queue-server catalogue`).
pub fn vietnamese(e: &clap::Error, help_for: &str) -> String {
    use clap::error::{ContextKind, ErrorKind};
    let said = |kind| e.get(kind).map(ToString::to_string).unwrap_or_default();
    let what = match e.kind() {
        ErrorKind::InvalidSubcommand => format!("không có lệnh «{}»", said(ContextKind::InvalidSubcommand)),
        ErrorKind::UnknownArgument => format!("không hiểu tùy chọn «{}»", said(ContextKind::InvalidArg)),
        ErrorKind::MissingRequiredArgument => {
            format!("thiếu {}", said(ContextKind::InvalidArg).replace(['<', '>'], ""))
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => "thiếu lệnh".to_string(),
        ErrorKind::ArgumentConflict => {
            format!("không dùng cùng lúc «{}» và «{}»", said(ContextKind::InvalidArg), said(ContextKind::PriorArg))
        }
        ErrorKind::NoEquals | ErrorKind::InvalidValue if said(ContextKind::InvalidValue).is_empty() => {
            format!("tùy chọn «{}» cần một giá trị", said(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidValue => format!(
            "«{}» không phải giá trị của {} (chọn: {})",
            said(ContextKind::InvalidValue),
            said(ContextKind::InvalidArg),
            said(ContextKind::ValidValue)
        ),
        ErrorKind::ValueValidation => {
            // Our own parsers word the reason in Vietnamese, naming the value.
            std::error::Error::source(e).map(ToString::to_string).unwrap_or_else(|| {
                format!("«{}» không hợp lệ cho {}", said(ContextKind::InvalidValue), said(ContextKind::InvalidArg))
            })
        }
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues => {
            format!("thừa «{}»", said(ContextKind::InvalidValue))
        }
        _ => "câu lệnh không đúng".to_string(),
    };
    format!("{what}; xem {help_for} --help")
}

/// A command-line mistake, worded in Vietnamese (see [`vietnamese`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CliError {}

/// Parses `words` (the command's own name first) into `T`. Help and version are written to `out`
/// and give `Ok(None)`; a mistake is an error in Vietnamese.
pub fn parse<T: Parser>(
    words: impl IntoIterator<Item = String>,
    help_for: &str,
    out: &mut dyn std::io::Write,
) -> Result<Option<T>, CliError> {
    match T::try_parse_from(words) {
        Ok(parsed) => Ok(Some(parsed)),
        Err(e) if !e.use_stderr() => {
            write!(
                out,
                "{}",
                e.to_string()
                    .replace("[OPTIONS]", "[TÙY_CHỌN]")
                    .replace("[default: ", "[mặc định: ")
                    .replace("[possible values: ", "[chọn: ")
            )
            .map_err(|e| CliError(format!("không in được hướng dẫn: {e}")))?;
            Ok(None)
        }
        Err(e) => Err(CliError(vietnamese(&e, help_for))),
    }
}

/// `-h, --help` worded in Vietnamese, for commands that set `disable_help_flag`.
#[derive(Debug, Clone, clap::Args)]
pub struct HelpFlag {
    /// In hướng dẫn này
    #[arg(short, long, action = clap::ArgAction::Help, global = true, help_heading = "Tùy chọn")]
    help: Option<bool>,
}

/// An `--listen` address (`0.0.0.0:8080`), refused in Vietnamese.
pub fn socket_address(raw: &str) -> Result<std::net::SocketAddr, String> {
    raw.parse().map_err(|_| format!("địa chỉ «{raw}» không hợp lệ, ví dụ 0.0.0.0:8080"))
}

/// `-h, --help` and `-V, --version` worded in Vietnamese, for a binary's top-level command (set
/// `version`, `disable_help_flag` and `disable_version_flag`).
#[derive(Debug, Clone, clap::Args)]
pub struct StandardFlags {
    /// In hướng dẫn này
    #[arg(short, long, action = clap::ArgAction::Help, help_heading = "Tùy chọn")]
    help: Option<bool>,
    /// In phiên bản
    #[arg(short = 'V', long, action = clap::ArgAction::Version, help_heading = "Tùy chọn")]
    version: Option<bool>,
}
