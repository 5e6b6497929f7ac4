//! `MockGuard`: a test's temporary option value, put back on drop (Tornado's `mockable`).

use crate::parser::{OptionParser, Source};
use crate::value::Value;

/// Puts an option's previous value back when dropped; returned by
/// [`OptionParser::mock`] and [`Opt::mock`](crate::Opt::mock). Guards nest: drop them in
/// reverse order, as `with` blocks do.
///
/// # Examples
///
/// ```
/// let parser = typhoon_options::OptionParser::new();
/// let foo = parser.define("foo", 1).register()?;
/// let outer = foo.mock(4)?;
/// foo.set(5)?;
/// {
///     let _inner = foo.mock(6)?;
///     assert_eq!(foo.get(), 6);
/// }
/// assert_eq!(foo.get(), 5);
/// drop(outer);
/// assert_eq!(foo.get(), 1);
/// # Ok::<(), typhoon_options::Error>(())
/// ```
#[must_use = "the mocked value is put back as soon as the guard is dropped"]
pub struct MockGuard {
    parser: OptionParser,
    key: String,
    old: Option<Value>,
    source: Source,
}

impl MockGuard {
    pub(crate) fn new(
        parser: OptionParser,
        key: String,
        old: Option<Value>,
        source: Source,
    ) -> MockGuard {
        MockGuard {
            parser,
            key,
            old,
            source,
        }
    }
}

impl Drop for MockGuard {
    fn drop(&mut self) {
        // The callback does not run: a test's cleanup should not re-trigger side effects.
        self.parser.restore(&self.key, self.old.take(), self.source);
    }
}
