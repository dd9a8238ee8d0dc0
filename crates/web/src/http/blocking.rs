//! Running store and ledger work (synchronous, holding locks) off the async
//! worker threads.

use crate::http::error::WebError;

/// Runs `f` on the blocking thread pool. A task that panics answers an
/// internal error (logged), never a half-done write: the store commits a
/// write as one transaction.
pub async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> Result<R, WebError> + Send + 'static,
) -> Result<R, WebError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(WebError::Internal(format!("后台任务中断：{e}"))),
    }
}
