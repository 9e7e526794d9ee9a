//! `[[services]] linh_vuc`: the national lĩnh vực (by code or name) each field serves, for the
//! catalogue import (`crate::catalogue`).

use toml::Spanned;

use super::raw::RawService;
use super::{ConfigError, Source};
use crate::catalogue::LinhVucMap;
use crate::domain::ServiceCode;

/// The map from lĩnh vực codes and names to fields; a name or code given to two fields, or an
/// empty one, is refused at its line.
pub(super) fn map(src: &Source<'_>, services: &[Spanned<RawService>]) -> Result<LinhVucMap, ConfigError> {
    let mut entries = Vec::new();
    for (i, s) in services.iter().enumerate() {
        let s = s.get_ref();
        let Some(list) = &s.linh_vuc else { continue };
        let Ok(code) = ServiceCode::parse(s.code.get_ref()) else { continue };
        for name in list.get_ref() {
            entries.push((name.clone(), code.clone()));
        }
        // Each field's list checked as it comes, so the refusal names the line that conflicts.
        LinhVucMap::new(entries.clone()).map_err(|e| src.error(list, format!("services[{i}].linh_vuc"), e))?;
    }
    LinhVucMap::new(entries).map_err(|e| ConfigError {
        file: src.file.to_string(),
        line: None,
        key: "services".into(),
        message: e,
    })
}
