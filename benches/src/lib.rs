//! Inputs shared by Typhoon's benchmarks: the requests a load test sends.

/// What `wrk` sends for `GET /` (its default headers).
pub const WRK_GET: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8888\r\n\r\n";

/// A browser-like request with the headers a real client sends.
pub const BROWSER_GET: &[u8] = b"GET /hello?name=typhoon HTTP/1.1\r\nHost: localhost:8888\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/130.0\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\nCookie: user=2|1:0|10:1700000000|4:user|8:dHlwaG9vbg==|abcdef\r\n\r\n";

/// `n` copies of `request` in one buffer, as a pipelining client sends them.
///
/// # Examples
///
/// ```
/// let batch = typhoon_benches::pipelined(typhoon_benches::WRK_GET, 16);
/// assert_eq!(batch.len(), 16 * typhoon_benches::WRK_GET.len());
/// ```
pub fn pipelined(request: &[u8], n: usize) -> Vec<u8> {
    request.repeat(n)
}
