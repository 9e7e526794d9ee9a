//! A view computed once per change for every stream and request that shows it.

use std::sync::Arc;
use std::time::Duration;

/// A view computed once per change (and at most a second old) for every stream and request: a
/// thousand phones on `/waits` cost one query per change, not a thousand.
pub struct Cache<T>(Arc<tokio::sync::Mutex<Option<Computed<T>>>>);

/// A view, the change counter it was computed at, and when.
type Computed<T> = (u64, std::time::Instant, Arc<T>);

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Cache(Arc::default())
    }
}

impl<T> Clone for Cache<T> {
    fn clone(&self) -> Self {
        Cache(self.0.clone())
    }
}

impl<T> std::fmt::Debug for Cache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cache")
    }
}

impl<T> Cache<T> {
    pub(crate) async fn get<F: std::future::Future<Output = anyhow::Result<T>>>(
        &self,
        version: u64,
        make: impl FnOnce() -> F,
    ) -> anyhow::Result<Arc<T>> {
        let mut slot = self.0.lock().await;
        if let Some((v, at, view)) = &*slot
            && *v == version
            && at.elapsed() < Duration::from_secs(1)
        {
            return Ok(view.clone());
        }
        let view = Arc::new(make().await?);
        *slot = Some((version, std::time::Instant::now(), view.clone()));
        Ok(view)
    }
}
