//! The handler a template is rendering for, reachable from the template's functions.

use std::cell::Cell;
use std::ptr::NonNull;

use minijinja::{Error, ErrorKind};

use crate::Handler;

thread_local! {
    /// The handler whose `render_string` is running on this thread, if any.
    static CURRENT: Cell<Option<NonNull<Handler>>> = const { Cell::new(None) };
}

/// Runs `render` with `h` reachable through [`with_handler`], as Tornado's templates
/// reach `handler.static_url` and `handler.xsrf_form_html`.
///
/// minijinja wants `Send + Sync` functions, which a handler (holding its shard's `Rc`s)
/// is not; a render is synchronous and never leaves the shard's thread, so the handler
/// is lent through this thread's slot instead, for exactly the length of the call.
pub(crate) fn lend_handler<R>(h: &mut Handler, render: impl FnOnce() -> R) -> R {
    /// Puts back what the slot held before (`None` but for a render inside a render),
    /// also when `render` panics.
    struct Restore(Option<NonNull<Handler>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.set(self.0);
        }
    }
    let _restore = Restore(CURRENT.replace(Some(NonNull::from(h))));
    render()
}

/// Calls `f` with the handler lent by [`lend_handler`].
///
/// # Errors
///
/// When no render is running on this thread, or `f` is already running (a template
/// function called from inside another one).
pub(crate) fn with_handler<R>(f: impl FnOnce(&mut Handler) -> R) -> Result<R, Error> {
    /// Gives the handler back to the slot once `f` is done, also when it panics.
    struct GiveBack(NonNull<Handler>);
    impl Drop for GiveBack {
        fn drop(&mut self) {
            CURRENT.set(Some(self.0));
        }
    }
    let Some(ptr) = CURRENT.take() else {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "this function needs the handler of a render in progress",
        ));
    };
    let mut give_back = GiveBack(ptr);
    // SAFETY: the pointer came from the `&mut Handler` that `lend_handler` holds for
    // the whole of its call, during which its caller uses the handler only through
    // this slot; the slot is restored before that borrow ends. It is taken out of the
    // slot while `f` runs, so no second reference to the handler can be made meanwhile.
    let h = unsafe { give_back.0.as_mut() };
    Ok(f(h))
}
