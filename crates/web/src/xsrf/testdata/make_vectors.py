#!/usr/bin/env python3
"""Generate tornado_vectors.json: XSRF tokens as Tornado 6.6.1 makes, reads and checks them.

Run from this directory with Tornado installed (the Rust tests only read the JSON):

    python3 make_vectors.py                      # writes tornado_vectors.json
    python3 make_vectors.py --check typhoon_made.json
        # checks tokens a Typhoon server handed out with Tornado's own
        # check_xsrf_cookie, and records the verdict in that file; the tokens come from
        # TYPHOON_XSRF_PAIRS=$PWD/typhoon_made.json \
        #     cargo nextest run -p typhoon --test web_xsrf typhoon_tokens_for_tornado

Every expected value below comes from calling Tornado itself:

* ``decode``: ``RequestHandler._decode_xsrf_token`` on assorted cookie strings
  (clock pinned to ``NOW`` for version-1 values, which carry no timestamp);
  ``token_hex`` is null when Tornado returns nothing.
* ``issue``: ``RequestHandler.xsrf_token`` and the ``Set-Cookie`` it adds, with
  ``os.urandom`` and ``time.time`` pinned (the token's 16 random bytes come first,
  then the 4-byte mask), for a fresh request, a request carrying a v1 or v2 cookie,
  ``xsrf_cookie_version=1``, ``xsrf_cookie_kwargs`` and ``xsrf_cookie_name``; plus
  ``xsrf_form_html``.
* ``check``: ``RequestHandler.check_xsrf_cookie`` on POSTs with a cookie and a token
  in the ``_xsrf`` argument or a header: ``null`` when accepted, else the 403's log
  message.
* ``tornado_made``: a cookie and form/header tokens from a real, unpinned Tornado
  handler, the way a browser would get them from a Tornado app.
"""

import json
import sys
import time
from unittest import mock

import tornado
import tornado.web
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine
from tornado.web import Application, HTTPError, RequestHandler

NOW = 1_700_000_000.25
TOKEN = bytes(range(0xA0, 0xB0))
MASK = b"\x01\x02\xfe\xff"


def handler(method="GET", uri="/", headers=None, **settings):
    req = HTTPServerRequest(
        start_line=RequestStartLine(method, uri, "HTTP/1.1"),
        headers=HTTPHeaders({"Host": "example.com", **(headers or {})}),
        connection=mock.Mock(),
    )
    req._parse_body()
    return RequestHandler(Application(**settings), req)


def set_cookies(h):
    return [m.OutputString(None) for m in h._new_cookie.values()] if hasattr(h, "_new_cookie") else []


def make_decode_vectors():
    v2 = "2|0102feff|a1a24e4fa5a64a4ba9aa4647adae4243|1700000000"
    inputs = [
        v2,
        "2|0102FEFF|A1A24E4FA5A64A4BA9AA4647ADAE4243|1700000000",
        "2|00000000|00|5",
        "2|00000000||5",
        "2|0102feff|a1a2|+17",
        "2|0102feff|a1a2| 17 ",
        "2|0102feff|a1a2|1_000",
        "2|0102feff|a1a2|1__000",
        "2|0102feff|a1a2|_1000",
        "2|0102feff|a1a2|-3",
        "2|0102feff|a1a2|007",
        "2|0102feff|a1a2|",
        "2|0102feff|a1a2|abc",
        "2|0102feff|a1a2|1.5",
        "2|0102fe|a1a2|17",
        "2|0102feff00|a1a2|17",
        "2|0102fef|a1a2|17",
        "2|0102feff|a1a|17",
        "2|0102feff|a1g2|17",
        "2|0102feff|a1a2",
        "2|0102feff|a1a2|17|x",
        "2|0102feff|a1a2|17\n",
        "2|0102feff|a1\na2|17",
        "3|0102feff|a1a2|17",
        "10|x",
        "02|0102feff|a1a2|17",
        "0102feff",
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
        "A0A1A2A3",
        "abc",
        "hello",
        "2",
        "2|",
        "|2",
        "é",
        "2|é|a1a2|17",
    ]
    out = []
    for value in inputs:
        h = handler()
        with mock.patch.object(tornado.web.time, "time", return_value=NOW):
            version, token, ts = h._decode_xsrf_token(value)
        out.append(
            {
                "input": value,
                "version": version,
                "token_hex": None if token is None else token.hex(),
                "timestamp": ts,
            }
        )
    return out


def issue(label, headers=None, urandom=(TOKEN, MASK), **settings):
    h = handler(headers=headers, **settings)
    with mock.patch.object(tornado.web.os, "urandom", side_effect=list(urandom)), mock.patch.object(
        tornado.web.time, "time", return_value=NOW
    ):
        token = h.xsrf_token.decode()
        again = h.xsrf_token.decode()
        form = h.xsrf_form_html()
    assert token == again  # cached for the request
    return {
        "label": label,
        "cookie_header": (headers or {}).get("Cookie"),
        "settings": {k: v for k, v in settings.items()},
        # What os.urandom returned: a new token (16 bytes) then a mask (4 bytes),
        # or only a mask when the cookie's token is reused.
        "random_hex": [r.hex() for r in urandom],
        "now": NOW,
        "xsrf_token": token,
        "xsrf_form_html": form,
        "set_cookie": set_cookies(h),
    }


def make_issue_vectors():
    v2_cookie = "2|0102feff|a1a24e4fa5a64a4ba9aa4647adae4243|1690000000"
    return [
        issue("fresh"),
        issue("fresh, other mask", urandom=(TOKEN, b"\x00\x00\x00\x00")),
        issue("v2 cookie reused", headers={"Cookie": "_xsrf=" + v2_cookie}, urandom=(b"\x10\x20\x30\x40",)),
        issue(
            "v1 cookie reused",
            headers={"Cookie": "_xsrf=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"},
            urandom=(b"\x10\x20\x30\x40",),
        ),
        issue("version 1 output", xsrf_cookie_version=1, urandom=(TOKEN,)),
        issue(
            "version 1 output, v2 cookie",
            headers={"Cookie": "_xsrf=" + v2_cookie},
            xsrf_cookie_version=1,
            urandom=(),
        ),
        issue("bad cookie replaced", headers={"Cookie": "_xsrf=3|x"}),
        issue("empty cookie replaced", headers={"Cookie": "_xsrf="}),
        issue(
            "cookie kwargs",
            xsrf_cookie_kwargs=dict(httponly=True, secure=True, samesite="Strict", path="/app", domain="example.com"),
        ),
        issue("cookie name", xsrf_cookie_name="__Host-xsrf", xsrf_cookie_kwargs=dict(secure=True)),
        issue(
            "cookie name, its cookie reused",
            headers={"Cookie": "_xsrf=zz; __Host-xsrf=" + v2_cookie},
            xsrf_cookie_name="__Host-xsrf",
            urandom=(b"\x10\x20\x30\x40",),
        ),
    ]


def check_one(cookie, arg=None, header=None, header_name="X-Xsrftoken", body=None, **settings):
    headers = {}
    if cookie is not None:
        headers["Cookie"] = "_xsrf=" + cookie
    if header is not None:
        headers[header_name] = header
    uri = "/"
    if arg is not None:
        from urllib.parse import urlencode

        uri += "?" + urlencode({"_xsrf": arg})
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    h = handler("POST", uri, headers, **settings)
    if body is not None:
        h.request.body = body.encode()
        h.request.body_arguments = {}
        h.request.arguments = {k: list(v) for k, v in h.request.query_arguments.items()}
        h.request._parse_body()
    try:
        h.check_xsrf_cookie()
        return None
    except HTTPError as e:
        assert e.status_code == 403
        return e.log_message


def make_check_vectors():
    token = TOKEN
    v2 = "2|0102feff|a1a35c5ca5a75858a9ab5454adaf5050|1690000000"  # TOKEN, masked
    other_mask = "2|00000000|" + token.hex() + "|1"
    v1 = token.hex()
    cases = [
        dict(cookie=v2, arg=v2),
        dict(cookie=v2, arg=other_mask),
        dict(cookie=v2, arg=v1),
        dict(cookie=v1, arg=other_mask),
        dict(cookie=v1, arg=v1),
        dict(cookie=v1, arg=v1.upper()),
        dict(cookie=v2, header=other_mask),
        dict(cookie=v2, header=other_mask, header_name="X-Csrftoken"),
        dict(cookie=v2, header=other_mask, header_name="X-XSRFToken"),
        dict(cookie=v2),
        dict(cookie=v2, arg=""),
        dict(cookie=v2, arg="   "),
        dict(cookie=v2, arg=" " + other_mask + " "),
        dict(cookie=v2, arg="", header=other_mask),
        dict(cookie=v2, arg="2|00000000|" + "00" * 16 + "|1"),
        dict(cookie=v2, arg="2|00000000|" + token.hex()[:-2] + "|1"),
        dict(cookie=v2, arg="3|x"),
        dict(cookie=v2, arg="2|00000000||1"),
        dict(cookie=v2, arg="2|000000|00|1"),
        dict(cookie=None, arg=other_mask),
        dict(cookie="", arg=other_mask),
        dict(cookie="3|junk", arg=other_mask),
        dict(cookie="hello", arg="hello"),
        dict(cookie="hello", arg="68656c6c6f"),
        dict(cookie=v2, body="_xsrf=" + other_mask.replace("|", "%7C")),
        dict(cookie=v2, body="_xsrf=junk&_xsrf=" + other_mask.replace("|", "%7C")),
        dict(cookie=v2, arg="junk", body="_xsrf=" + other_mask.replace("|", "%7C")),
    ]
    out = []
    for c in cases:
        case = dict(c)
        case.setdefault("header_name", "X-Xsrftoken")
        out.append({**case, "error": check_one(**c)})
    return out


def make_tornado_made():
    """Tokens from a real Tornado handler with real randomness: one cookie, then the
    masked tokens two later requests carrying it would put in their forms."""
    first = handler()
    form_token = first.xsrf_token.decode()
    (set_cookie,) = set_cookies(first)
    cookie = set_cookie.split(";")[0].split("=", 1)[1]
    later = [handler(headers={"Cookie": "_xsrf=" + cookie}) for _ in range(2)]
    return {
        "set_cookie": set_cookie,
        "cookie": cookie,
        "tokens": [form_token] + [h.xsrf_token.decode() for h in later],
        "form_html": later[0].xsrf_form_html(),
    }


def check(path):
    """Check (cookie, token) pairs a Typhoon server produced with Tornado's check."""
    with open(path) as f:
        data = json.load(f)
    for pair in data["pairs"]:
        verdict = check_one(pair["cookie"], arg=pair["token"])
        pair["tornado_check"] = "accepted" if verdict is None else verdict
    data["checked_with"] = "tornado " + tornado.version
    with open(path, "w") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")
    bad = [p for p in data["pairs"] if p["tornado_check"] != "accepted"]
    print(f"{len(data['pairs']) - len(bad)} accepted, {len(bad)} refused")
    return 1 if bad else 0


def main():
    if sys.argv[1:2] == ["--check"]:
        sys.exit(check(sys.argv[2]))
    vectors = {
        "tornado_version": tornado.version,
        "decode": make_decode_vectors(),
        "issue": make_issue_vectors(),
        "check": make_check_vectors(),
        "tornado_made": make_tornado_made(),
    }
    with open("tornado_vectors.json", "w") as f:
        json.dump(vectors, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
