#!/usr/bin/env python3
"""Writes the seed corpora tests/fuzz/corpus/{submit,parsers}/ and, with --check BINARY_DIR,
replays every submit seed with ATRIUM_FUZZ_TRACE=1 to verify that it still does what its name
says (the answers it expects).

A fuzz input is read by clang's FuzzedDataProvider: choices (integers, booleans, enums, picks
from a table) come from the END of the input, one byte per 8 bits of range, most significant
first; strings come from the FRONT, a backslash escaping a backslash and a backslash followed
by any other byte ending the string. `Seed` below writes that format, and the functions mirror
the order in which tests/fuzz/submit_fuzzer.cc consumes its choices. When the harness changes
its order, change this file too and rerun it: `--check` fails on seeds that drifted.

    tests/fuzz/make_seeds.py                       # rewrite the corpora
    tests/fuzz/make_seeds.py --check build/fuzz    # and verify the submit seeds
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


class Seed:
    def __init__(self):
        self.front = bytearray()
        self.back = bytearray()  # in consumption order; written reversed at the end

    def int(self, value, lo, hi):
        """ConsumeIntegralInRange(lo, hi) returning `value`."""
        assert lo <= value <= hi, (value, lo, hi)
        r, x, n = hi - lo, value - lo, 0
        while n < 8 and (r >> (8 * n)) > 0:
            n += 1
        for i in range(n):
            self.back.append((x >> (8 * (n - 1 - i))) & 0xFF)
        return self

    def bool(self, value):
        return self.int(1 if value else 0, 0, 255)

    def pick(self, table, value):
        return self.int(table.index(value), 0, len(table) - 1)

    def string(self, text, max_length):
        """ConsumeRandomLengthString(max_length) returning `text`."""
        data = text.encode() if isinstance(text, str) else bytes(text)
        assert len(data) <= max_length
        for b in data:
            self.front += b"\\\\" if b == 0x5C else bytes([b])
        if len(data) < max_length:
            self.front += b"\\x"
        return self

    def remaining(self, text):
        """ConsumeRemainingBytesAsString(): must be the last front read."""
        self.front += text.encode() if isinstance(text, str) else bytes(text)
        return self

    def bytes(self):
        return bytes(self.front) + bytes(reversed(self.back))


# ---- tables of tests/fuzz/submit_fuzzer.cc (same order) -----------------------------------------
HEADER_NAMES = ["Accept", "Cookie", "Origin", "Sec-Fetch-Mode", "X-Session-Token", "Authorization",
                "User-Agent", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
                "True-Client-IP", "X-Real-IP", "Cf-Connecting-IP", "Cf-Ipcity", "Cf-Ipcountry",
                "X-Request-ID", "Host", "Content-Type", "Referer", "Accept-Language",
                "Accept-Encoding"]
INIT_PARAMS = ["return_to", "identity_schema", "login_challenge", "organization",
               "after_verification_return_to", "return_session_token_exchange_code", "flow"]
FIELD_NAMES = ["method", "password", "csrf_token", "traits", "traits.email", "traits.username",
               "traits.phone", "traits.name", "traits.name.first", "traits.name.last", "traits.age",
               "traits.score", "traits.newsletter", "traits.tags", "traits.website",
               "traits.birthday", "traits.unknown", "transient_payload", "transient_payload.a",
               "screen", "provider", "identifier", "traits.tags.0", "traits[email]", "", "traits.",
               ".", "traits.name.first.x"]
VALUE_KINDS = ["email", "password", "csrf", "method", "screen", "text", "json", "deep", "huge",
               "number", "bool", "null", "object", "array"]
DOMAINS = ["@example.com", "@EXAMPLE.com", "@ex", "@", "@xn--bcher-kva.example", "@exämple.com"]
METHODS = ["password", "profile", "profile:back", "oidc", "code", "webauthn", "passkey",
           "Password", ""]
SCREENS = ["credential-selection", "previous", "", "Previous"]
OPENERS = ['{"a":', "[", '{"email":', '[{"a":']
BOOLS = ["true", "false", "1", "on", "TRUE"]
BODY_FORMATS = ["json", "form", "multipart", "raw"]
RAW_TYPES = ["application/json", "application/x-www-form-urlencoded",
             "multipart/form-data; boundary=XyZ", "text/plain"]
JSON_TYPES = ["application/json", "application/json; charset=utf-8", "Application/JSON",
              "application/json;"]
FORM_TYPES = ["application/x-www-form-urlencoded",
              "application/x-www-form-urlencoded; charset=utf-8"]
BOUNDARIES = ["XyZ", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "a b", '"q"', "-"]
SUBMIT_METHODS = ["POST", "POST", "POST", "POST", "GET", "PUT"]
WHOAMI_METHODS = ["GET", "POST", "DELETE", "HEAD"]
UI_PAGES = ["/ui/registration", "/ui/error", "/ui/welcome", "/ui"]
CLIENTS = ["api", "spa", "classic"]
# Script actions (ConsumeIntegralInRange(0, 15)): 0-7 submit, then these.
ACTION = {"submit": 0, "init": 8, "flow": 9, "whoami": 10, "error": 11, "ui": 12, "schemas": 13,
          "raw": 14, "stop": 15}


# ---- the harness' steps -------------------------------------------------------------------------
def headers(s, extra):
    """AddHeaders: (name, value) pairs, garbage values (no canned ones), appended."""
    s.int(len(extra), 0, 3)
    for name, value in extra:
        if name == "X-Fuzz":
            s.bool(False)
        else:
            s.bool(True).pick(HEADER_NAMES, name)
        s.bool(False).string(value, 256).bool(False)


def init_query(s, params):
    s.int(len(params), 0, 4)
    for name, value in params:
        s.pick(INIT_PARAMS, name).bool(False).string(value, 64)


def start(s, app, client, query=None, extra_headers=()):
    """The first two choices and the Init step every input begins with."""
    s.int(app, 0, 2).pick(CLIENTS, client)
    init(s, query, extra_headers)


def init(s, query=None, extra_headers=()):
    s.bool(query is not None)
    if query is not None:
        init_query(s, query)
    headers(s, extra_headers)


def value(s, kind, v=None, depth=0):
    """MakeValue. `v` is what the kind needs (see below)."""
    s.pick(VALUE_KINDS, kind)
    if kind == "email":  # v: the address before the domain part, domain from DOMAINS
        local, domain = v
        s.bool(False).string(local, 24).pick(DOMAINS, domain)
    elif kind == "password":  # v: None for the good password, else the text
        s.bool(v is None)
        if v is not None:
            s.string(v, 80)
    elif kind == "csrf":
        s.bool(False)
    elif kind == "method":
        s.pick(METHODS, v)
    elif kind == "screen":
        s.pick(SCREENS, v)
    elif kind == "text":
        s.string(v, 256)
    elif kind == "json":
        s.string(v, 512)
    elif kind == "deep":  # v: (opener, levels, closed)
        opener, levels, closed = v
        big = levels > 256
        s.pick(OPENERS, opener).int(0 if big else 1, 0, 7)
        s.int(levels, 1, (2 << 20) // len(opener) if big else 256).bool(closed)
    elif kind == "huge":  # v: (length, byte, with_domain)
        n, byte, with_domain = v
        big = n > 4096
        s.int(0 if big else 1, 0, 7).int(n, 1, (2 << 20) if big else 4096).int(byte, 0, 255)
        s.bool(with_domain)
    elif kind == "number":  # v: an int64
        s.bool(False).int(v + (1 << 63), 0, (1 << 64) - 1)
    elif kind == "bool":
        s.pick(BOOLS, v)
    elif kind in ("object", "array"):  # v: list of (key, (kind, v)) / list of (kind, v)
        if depth <= 3:
            s.int(len(v), 0, 4)
        for member in v:
            if kind == "object":
                key, member = member
                s.bool(False).string(key, 16)
            value(s, member[0], member[1], depth + 1)


def fields(s, items):
    """MakeFields: list of (name, kind, v)."""
    s.int(len(items), 0, 8)
    for name, kind, v in items:
        if name in FIELD_NAMES:
            s.int(1, 0, 7).pick(FIELD_NAMES, name)
        else:
            s.int(0, 0, 7).string(name, 32)
        value(s, kind, v)


def submit(s, body, method="POST", flow="ok", extra_headers=(), content_type="keep"):
    """One Submit step. body: ("raw", text, type) | ("json", items, opts) | ("form", items, mode)
    | ("multipart", items, boundary)."""
    s.int(ACTION["submit"], 0, 15)
    s.pick(SUBMIT_METHODS, method)
    s.int({"ok": 4, "nil": 1, "half": 2, "nul": 3}[flow], 0, 7)
    s.int(1, 0, 7)  # no query garbage
    kind = body[0]
    s.pick(BODY_FORMATS, kind)
    if kind == "raw":
        s.string(body[1], 5 << 20).pick(RAW_TYPES, body[2])
    elif kind == "json":
        opts = body[2]
        fields(s, body[1])
        s.bool(opts.get("nested", False))
        s.int(0 if opts.get("stringify") else 1, 0, 3)
        s.int(1, 0, 7)  # escaped strings
        s.int(1, 0, 7)  # no trailing bytes
        s.pick(JSON_TYPES, opts.get("type", "application/json"))
    elif kind == "form":
        fields(s, body[1])
        s.int(body[2], 0, 2)
        for _ in body[1]:
            s.int(1, 0, 15)  # with '='
        s.pick(FORM_TYPES, "application/x-www-form-urlencoded")
    elif kind == "multipart":
        fields(s, body[1])
        s.bool(True).pick(BOUNDARIES, body[2])
        s.int(1, 0, 7).int(1, 0, 7)  # CRLF, no preamble
        for _ in body[1]:
            s.int(1, 0, 7).int(1, 0, 7)  # no filename, no part Content-Type
        s.int(1, 0, 7)  # closing delimiter
        s.int(1, 0, 3)  # boundary unquoted
    s.int({"keep": 4, "none": 0, "multipart-no-boundary": 2}[content_type], 0, 15)
    headers(s, extra_headers)


def whoami(s, method="GET", token_via="header"):
    s.int(ACTION["whoami"], 0, 15).pick(WHOAMI_METHODS, method)
    s.bool(True)  # the learnt session token
    s.int({"header": 0, "bearer": 1, "cookie": 2, "jar": 3}[token_via], 0, 3)
    headers(s, ())


def fetch_flow(s):
    s.int(ACTION["flow"], 0, 15).int(4, 0, 7)
    headers(s, ())


def get_error(s, learnt=True):
    s.int(ACTION["error"], 0, 15).bool(learnt)
    if not learnt:
        s.bool(True).pick(["stub:500", "", "00000000-0000-0000-0000-000000000000", "%ff"], "stub:500")
    s.bool(True)  # id=
    headers(s, ())


def ui_page(s, page):
    s.int(ACTION["ui"], 0, 15).pick(UI_PAGES, page)
    if page == "/ui/error":
        s.bool(True)
    else:
        s.int(4, 0, 7)
    headers(s, ())


def stop(s):
    s.int(ACTION["stop"], 0, 15)


# ---- the seeds ----------------------------------------------------------------------------------
GOOD_JSON = '{"method":"password","csrf_token":"{{csrf}}","password":"l3f9toh1uaf81n21",' \
            '"traits":{"email":"{{email}}","name":{"first":"Ada","last":"L"},"age":36,' \
            '"newsletter":true,"tags":["a","b"]}}'


def submit_seeds():
    seeds = {}
    # Valid one-step password sign-ups, every client kind (app 1 is unified).
    for client in CLIENTS:
        s = Seed()
        start(s, 1, client)
        submit(s, ("raw", GOOD_JSON, "application/json"))
        whoami(s, token_via="header" if client == "api" else "jar")
        stop(s)
        seeds[f"signup-json-{client}"] = (s, [303, 200, 200, 200] if client == "classic"
                                          else [200, 200, 200])
    s = Seed()
    start(s, 1, "classic")
    submit(s, ("raw", "method=password&csrf_token={{csrf}}&password=l3f9toh1uaf81n21"
                      "&traits.email={{email}}&traits.name.first=Ada&traits.age=36"
                      "&traits.newsletter=true&traits.tags=a&traits.tags=b",
               "application/x-www-form-urlencoded"))
    ui_page(s, "/ui/welcome")
    stop(s)
    seeds["signup-form-classic"] = (s, [303, 200, 303, None])  # 303 to the return URL
    s = Seed()
    start(s, 1, "spa")
    submit(s, ("raw", "--XyZ\r\nContent-Disposition: form-data; name=\"method\"\r\n\r\npassword\r\n"
                      "--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{{csrf}}\r\n"
                      "--XyZ\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n"
                      "l3f9toh1uaf81n21\r\n"
                      "--XyZ\r\nContent-Disposition: form-data; name=\"traits.email\"\r\n\r\n"
                      "{{email}}\r\n--XyZ--\r\n", "multipart/form-data; boundary=XyZ"))
    stop(s)
    seeds["signup-multipart-spa"] = (s, [200, 200])
    # The same through the structured generator (field table picks).
    s = Seed()
    start(s, 1, "api")
    submit(s, ("json", [("method", "method", "password"), ("password", "password", None),
                        ("traits.email", "email", ("ada.structured", "@example.com")),
                        ("traits.age", "number", 36)], {"nested": True}))
    stop(s)
    seeds["signup-structured-json-api"] = (s, None)  # 200 once, then a duplicate (400)
    s = Seed()
    start(s, 1, "spa")
    submit(s, ("multipart", [("method", "method", "password"), ("csrf_token", "csrf", None),
                             ("password", "password", None),
                             ("traits.email", "email", ("ada.multipart", "@example.com"))],
               "----WebKitFormBoundary7MA4YWxkTrZu0gW"))
    stop(s)
    seeds["signup-structured-multipart-spa"] = (s, None)
    s = Seed()
    start(s, 1, "classic")
    submit(s, ("form", [("method", "method", "password"), ("csrf_token", "csrf", None),
                        ("password", "password", None),
                        ("traits.email", "email", ("ada.form", "@example.com")),
                        ("traits.newsletter", "bool", "on")], 0))
    stop(s)
    seeds["signup-structured-form-classic"] = (s, None)
    # Two steps (app 0 is profile_first): profile, back, profile, credential selection, password.
    for client in CLIENTS:
        s = Seed()
        start(s, 0, client)
        profile = ('{"method":"profile","csrf_token":"{{csrf}}","traits":{"email":"{{email}}",'
                   '"username":"ada_l","phone":"+4915112345678"}}')
        submit(s, ("raw", profile, "application/json"))
        submit(s, ("raw", '{"screen":"previous","csrf_token":"{{csrf}}","traits":{"email":"x@y.z"}}',
                   "application/json"))
        submit(s, ("raw", profile, "application/json"))
        submit(s, ("raw", '{"method":"password","csrf_token":"{{csrf}}","password":"l3f9toh1uaf81n21",'
                          '"traits":{"email":"{{email}}"}}', "application/json"))
        fetch_flow(s)
        stop(s)
        # The profile steps answer 400 with the updated flow (as Kratos), the password step 200.
        seeds[f"profile-steps-{client}"] = (s, [303, 200, 400, 400, 400, 200, None]
                                            if client == "classic"
                                            else [200, 400, 400, 400, 200, None])
    s = Seed()
    start(s, 0, "classic")
    submit(s, ("raw", "method=profile&csrf_token={{csrf}}&traits.email={{email}}"
                      "&traits.website=https%3A%2F%2Fexample.com&traits.birthday=1990-01-01",
               "application/x-www-form-urlencoded"))
    submit(s, ("raw", "method=profile%3Aback&csrf_token={{csrf}}", "application/x-www-form-urlencoded"))
    ui_page(s, "/ui/registration")
    stop(s)
    seeds["profile-back-form-classic"] = (s, [303, 200, 303, None, 200])
    # JSON inside string fields (traits and transient_payload as strings, in JSON and forms).
    s = Seed()
    start(s, 1, "api")
    submit(s, ("raw", '{"method":"password","password":"l3f9toh1uaf81n21",'
                      '"traits":"{\\"email\\":\\"{{email}}\\"}","transient_payload":"{\\"a\\":1}"}',
               "application/json"))
    submit(s, ("raw", "method=password&password=l3f9toh1uaf81n21&traits=%7B%22email%22%3A%22"
                      "{{email}}%22%7D&transient_payload=%7B%22a%22%3A%5B1%2C2%5D%7D",
               "application/x-www-form-urlencoded"))
    stop(s)
    seeds["json-in-string-api"] = (s, [200, 200, 200])
    s = Seed()
    start(s, 1, "spa")
    submit(s, ("json", [("method", "method", "password"), ("csrf_token", "csrf", None),
                        ("password", "password", None),
                        ("traits", "object", [("email", ("email", ("ada.instring", "@example.com")))]),
                        ("transient_payload", "object", [("k", ("array", [("null", None)]))])],
               {"stringify": True}))
    stop(s)
    seeds["json-in-string-structured-spa"] = (s, None)
    # Nesting: modest, past the limit, past the limit inside a string field.
    s = Seed()
    start(s, 1, "api")
    submit(s, ("raw", '{"method":"password","password":"l3f9toh1uaf81n21","traits":{"email":"{{email}}",'
                      '"name":{"first":"a"}},"transient_payload":{"a":{"b":{"c":[[[{"d":null}]]]}}}}',
               "application/json"))
    submit(s, ("json", [("method", "method", "password"), ("traits", "deep", ('{"a":', 100, True))],
               {}))
    submit(s, ("json", [("method", "method", "password"), ("password", "password", None),
                        ("traits", "deep", ("[", 5000, True))], {"stringify": True}))
    submit(s, ("form", [("method", "method", "profile"), ("traits", "deep", ('{"a":', 3000, False))], 0))
    stop(s)
    seeds["nested-api"] = (s, [200, 200, 400, 400, 400])
    # Odd requests: GET submit, wrong types, no boundary, whoami garbage, errors, schemas.
    s = Seed()
    start(s, 0, "classic", query=[("return_to", "https://evil.example/"), ("identity_schema", "minimal")])
    submit(s, ("raw", "x=1", "text/plain"), method="GET")
    get_error(s)
    ui_page(s, "/ui/error")
    submit(s, ("raw", "--XyZ\r\n", "multipart/form-data; boundary=XyZ"),
           content_type="multipart-no-boundary")
    whoami(s, method="POST", token_via="bearer")
    stop(s)
    seeds["odd-classic"] = (s, None)
    s = Seed()
    start(s, 1, "spa", query=[("return_to", "http://127.0.0.1:4455/after"),
                              ("return_session_token_exchange_code", "true")],
          extra_headers=[("Accept-Language", "de-DE,de;q=0.9"), ("X-Forwarded-For", "203.0.113.7, 127.0.0.1")])
    submit(s, ("raw", GOOD_JSON, "application/json"),
           extra_headers=[("Cookie", "ory_kratos_session=garbage"), ("X-Fuzz", "1")])
    get_error(s, learnt=False)
    stop(s)
    seeds["return-to-spa"] = (s, None)
    # Markup in traits, a field name, the Content-Type and the query, then the built-in UI pages
    # that show the flow and the error (app 1 uses the built-in UI).
    for client in ("spa", "classic"):
        s = Seed()
        start(s, 1, client)
        submit(s, ("raw", 'method=password&csrf_token={{csrf}}&password=x&traits.email=%22%3E%3Cx-fuzz%3E%40a'
                          '&traits.name.first=%3C%2Ftextarea%3E%3Cx-fuzz%3E&%3Cx-fuzz%3E=1',
                   "application/x-www-form-urlencoded"))
        ui_page(s, "/ui/registration")
        s.int(ACTION["init"], 0, 15)
        init(s, query=[("return_to", "http://127.0.0.1:4455/<x-fuzz>")])
        ui_page(s, "/ui/error")
        submit(s, ("raw", "x", "text/plain"), content_type="none",
               extra_headers=[("Content-Type", "text/<x-fuzz>")])
        ui_page(s, "/ui/error")
        stop(s)
        seeds[f"markup-ui-{client}"] = (s, None)
    # API flows submitted like a browser would (Origin, cookies): refused.
    s = Seed()
    start(s, 1, "api")
    submit(s, ("raw", GOOD_JSON, "application/json"), extra_headers=[("Origin", "http://127.0.0.1:4455")])
    submit(s, ("raw", GOOD_JSON, "application/json"), extra_headers=[("Cookie", "a=b")])
    stop(s)
    seeds["api-origin-cookie"] = (s, [200, 400, 400])
    # Expired flows (app 2) for every client kind, expired sessions (app 0).
    for client in CLIENTS:
        s = Seed()
        start(s, 2, client)
        submit(s, ("raw", GOOD_JSON, "application/json"))
        fetch_flow(s)
        stop(s)
        seeds[f"expired-flow-{client}"] = (s, None)
    s = Seed()
    start(s, 0, "api")
    submit(s, ("raw", '{"method":"password","password":"l3f9toh1uaf81n21","traits":{"email":"{{email}}"}}',
               "application/json"))
    whoami(s)
    stop(s)
    seeds["expired-session-api"] = (s, [200, 200, 401])
    s = Seed()
    start(s, 1, "spa", query=[("identity_schema", "internal")])
    s.int(ACTION["init"], 0, 15)
    init(s, query=[("identity_schema", "minimal")])
    stop(s)
    seeds["schema-selection-spa"] = (s, [400, 200])
    s = Seed()
    start(s, 0, "api", query=[("login_challenge", "")])
    s.int(ACTION["init"], 0, 15)
    init(s, query=[("login_challenge", "a-challenge")])
    submit(s, ("raw", GOOD_JSON, "application/json"))
    stop(s)
    seeds["login-challenge-api"] = (s, [400, 200, 200])
    return seeds


def parser_seeds():
    seeds = {}

    def json(name, text, depth=64):
        s = Seed().int(0, 0, 8).int(1 << 20, 0, 1 << 20).int(depth, 0, 80).remaining(text)
        seeds[name] = s

    json("json-object", '{"method":"password","traits":{"email":"a@b.c","tags":["x",1,2.5,true,null]}}')
    json("json-unicode", '{"a":"\\u00e9\\ud83d\\ude00","b":"é"}')
    json("json-numbers", '[0,-0,1e308,-1.5e-300,18446744073709551615,-9223372036854775808]')
    json("json-deep", '[' * 70 + ']' * 70, depth=64)
    json("json-trailing", '{"a":1} garbage')
    json("json-duplicate-keys", '{"a":1,"a":{"b":2},"a":[3]}')
    seeds["form"] = Seed().int(2, 0, 8).remaining(
        "method=password&traits.email=a%40b.c&traits.tags=x&traits.tags=y&password=p+w%2B")
    seeds["form-bad"] = Seed().int(2, 0, 8).remaining("a=%zz&b;c=1&=&&")
    seeds["multipart"] = Seed().int(3, 0, 8).string("multipart/form-data; boundary=\"XyZ\"", 128) \
        .remaining("--XyZ\r\nContent-Disposition: form-data; name=\"method\"\r\n\r\npassword\r\n"
                   "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n"
                   "Content-Type: application/json\r\n\r\n{}\r\n--XyZ--\r\n")
    seeds["multipart-roundtrip"] = Seed().int(4, 0, 8).string("XyZ", 70).int(2, 0, 6) \
        .string("traits.email", 24).string("a@b.c", 256).string("password", 24).string("x\r\ny", 256) \
        .bool(True)
    seeds["request-helpers"] = Seed().int(5, 0, 8).string("flow=1&return_to=%2F&a=%zz", 256) \
        .string("csrf_token_abc=v; ory_kratos_session=\"q\"; ;=x", 256).string("a=b", 64) \
        .string("flow", 16).string("text/html;q=0.9, application/json", 256) \
        .remaining("application/json; charset=utf-8")
    seeds["validate"] = Seed().int(7, 0, 8).remaining(
        '{"email":"a@b.c","uri":"https://x/%41","date":"2024-02-29","time":"2024-01-01T00:00:60Z",'
        '"tel":"+49 151 1234567","re":"^(a|b)*$","v4":"1.2.3.4","v6":"::ffff:1.2.3.4","host":"a-b.c",'
        '"id":"00000000-0000-0000-0000-000000000000","idn":"\\"q\\"@b.c","name":"ab","n":0.5,"i":-9,'
        '"e":{"b":[true]},"c":{"x":[1,2]},"a":["s",1,3],"o":{"xa":true,"xb":1},"any":1,"one":5,'
        '"all":"x","cond":"ab"}')
    seeds["compile"] = Seed().int(8, 0, 8).remaining(
        '{"type":"object","properties":{"traits":{"type":"object","properties":{"email":'
        '{"type":"string","format":"email","ory.sh/kratos":{"credentials":{"password":'
        '{"identifier":true}}}},"a":{"$ref":"#/definitions/x"}}}},"definitions":{"x":'
        '{"type":"array","items":{"pattern":"^[a-z]+$"}}}}')
    seeds["codecs"] = Seed().int(6, 0, 8).remaining("a b+c%2F/é\x00\xff")
    return seeds


def write(directory, seeds):
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    for name, seed in seeds.items():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(seed.bytes())


def check(build_dir, seeds):
    binary = os.path.join(build_dir, "tests/fuzz/fuzz_submit")
    scratch = tempfile.mkdtemp(prefix="atrium-seeds-")
    failed = 0
    for name, (seed, expected) in seeds.items():
        path = os.path.join(HERE, "corpus/submit", name)
        # Artifacts (slow units) of the replay go to a temporary directory, not the cwd.
        run = subprocess.run([binary, "-runs=0", f"-artifact_prefix={scratch}/", path],
                             env={**os.environ, "ATRIUM_FUZZ_TRACE": "1"},
                             capture_output=True, text=True, errors="replace")
        # libFuzzer runs a single input once more when it is given as a file: keep the first run.
        statuses = [int(m) for m in re.findall(r"^< (\d+)", run.stderr, re.M)]
        half = statuses[: len(statuses) // 2] if len(statuses) % 2 == 0 else statuses
        ok = run.returncode == 0 and (expected is None or (
            len(half) == len(expected) and all(e in (None, h) for e, h in zip(expected, half))))
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {half}" + ("" if ok else f" (expected {expected})"))
        failed += 0 if ok else 1
    shutil.rmtree(scratch, ignore_errors=True)
    return failed


def main():
    submit = submit_seeds()
    write(os.path.join(HERE, "corpus/submit"), {k: v[0] for k, v in submit.items()})
    write(os.path.join(HERE, "corpus/parsers"), parser_seeds())
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sys.exit(1 if check(sys.argv[2], submit) else 0)


if __name__ == "__main__":
    main()
