//! Where a configuration came from, for refusals made after it was read.

use super::ConfigError;

/// The file a configuration came from and the lines of what later checks may refuse.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// The file's name.
    pub file: String,
    /// The line of each field's `numbers`, in configuration order.
    pub numbers_lines: Vec<Option<usize>>,
}

impl Origin {
    /// A refusal of field `i`'s `numbers`, naming its line.
    pub fn numbers_error(&self, i: usize, message: String) -> ConfigError {
        ConfigError {
            file: self.file.clone(),
            line: self.numbers_lines.get(i).copied().flatten(),
            key: format!("services[{i}].numbers"),
            message,
        }
    }
}
