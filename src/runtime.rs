//! The async runtime the networked commands (`exec`, `resume`, `emulator`) run on.

/// A multi-threaded tokio runtime, or `None` after saying why it could not start.
pub fn start() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => Some(r),
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            None
        }
    }
}
