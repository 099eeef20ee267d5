"""Type-driven random builtin calls for scripts/builtin-fuzz.py.

For every builtin of OPA's capabilities file (shared/fixtures/opa-capabilities.json), calls are
drawn from the declared argument types: boundary values of each type (empty, unicode and
multi-byte strings, escapes, -0, huge, fractional and negative numbers, empty and nested
collections, objects with keys of mixed types), values that are realistic for the builtin
(dates for time.*, regexes, globs, JWTs, CIDRs, URLs, semver, base64, JSON/YAML texts, units,
sprintf formats, …), and about one call in six with an argument of a wrong type.

Calls use the fixture format of Tests/EngineTests/Builtins/Fixtures/cases/*.txt: (name, args)
with a set written {"$set": [...]} and an object with non-string keys {"$obj": [[k, v], ...]}.
Call i of seed S for builtin B is the same on every run (random.Random("S/B/i")).
"""
import json, os, random

HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(HERE)
SHARED = os.environ.get("POLICYD_SHARED") or os.path.join(os.path.dirname(_REPO), "shared")
if not os.path.isdir(SHARED):
    SHARED = "/work/shared"

# Nondeterministic, side-effecting or evaluator-level builtins: not fuzzed.
SKIP = {
    "rand.intn", "uuid.rfc4122", "time.now_ns", "http.send", "net.lookup_ip_addr", "opa.runtime",
    "print", "internal.print", "trace", "internal.test_case", "internal.template_string",
    "internal.member_2", "internal.member_3", "assign", "eq", "rego.metadata.chain",
    "rego.metadata.rule", "providers.aws.sign_req",
}


def capabilities():
    with open(os.path.join(SHARED, "fixtures/opa-capabilities.json")) as f:
        return {b["name"]: b["decl"] for b in json.load(f)["builtins"]}


# ---- boundary values by type -------------------------------------------------------------

STRINGS = [
    "", " ", "a", "abc", "ABC", "Hello, World", "héllo", "ß", "ǅ", "İ", "日本語", "😀", "a😀b", "e\u0301",
    "\u200b", "\t\n a \r", "  padded  ", "\\", "\\u0041", "\\x41", "%", "%%", "%d", "%v", "%!",
    "a.b.c", "a/b/c", "a,b,,c", "*", "?", "[", "]", "{", "}", "(", "a*b", "\x00", "\x7f", "null",
    "true", "0", "-1", "1e3", "0x1F", " 12 ", "1.5", "NaN", "Inf", "-0", "\u00a0x\u00a0", "ﬁ",
    "ΑΒΓ", "ﬀ", "Σσς", "x" * 70, "aaa", "abab",
]
NUMBERS = [0, 1, -1, 2, 3, 7, 10, 16, 36, 37, 64, 100, -100, 255, 1000, 2 ** 31, 2 ** 53, 2 ** 53 + 1,
           2 ** 63 - 1, 2 ** 63, -2 ** 63, 2 ** 64, 123456789012345678901234567890, 0.5, -0.5, 1.5, 2.5,
           -2.5, 0.1, 1e-7, 3.0, -0.0, 1e308, -1e308, 1e-300, 4.9e-324, 1.7976931348623157e308, 0.30000000000000004]
SCALARS = [None, True, False]


def rand_string(r):
    if r.random() < 0.8:
        return r.choice(STRINGS)
    alphabet = "ab AZ09.-_/*?[]{}\\%é日😀\t,:="
    return "".join(r.choice(alphabet) for _ in range(r.randint(0, 8)))


def rand_number(r):
    if r.random() < 0.85:
        return r.choice(NUMBERS)
    return r.choice([r.randint(-1000, 1000), round(r.uniform(-100, 100), r.randint(0, 3))])


def dedupe(pairs):
    seen, out = set(), []
    for k, v in pairs:
        j = json.dumps(k, sort_keys=True)
        if j not in seen:
            seen.add(j)
            out.append([k, v])
    return out


def rand_any(r, depth=0):
    k = r.random()
    if depth > 2 or k < 0.3:
        return r.choice(SCALARS + [rand_number(r)])
    if k < 0.55:
        return rand_string(r)
    if k < 0.7:
        return [rand_any(r, depth + 1) for _ in range(r.randint(0, 3))]
    if k < 0.8:
        return {"$set": [rand_any(r, depth + 1) for _ in range(r.randint(0, 3))]}
    if k < 0.92:
        return {rand_string(r): rand_any(r, depth + 1) for _ in range(r.randint(0, 3))}
    # keys of mixed types
    return {"$obj": dedupe([[rand_any(r, depth + 2), rand_any(r, depth + 1)] for _ in range(r.randint(1, 3))])}


def gen_type(r, t, depth=0):
    """A value of declared type t (a capabilities type object)."""
    if t is None:
        return rand_any(r, depth)
    ty = t.get("type")
    if ty == "any":
        if "of" in t and t["of"]:
            alts = t["of"] if isinstance(t["of"], list) else [t["of"]]
            return gen_type(r, r.choice(alts), depth)
        return rand_any(r, depth)
    if ty == "string":
        return rand_string(r)
    if ty == "number":
        return rand_number(r)
    if ty == "boolean":
        return r.choice([True, False])
    if ty == "null":
        return None
    if ty == "array":
        if "static" in t:
            items = [gen_type(r, x, depth + 1) for x in t["static"]]
            if "dynamic" in t:
                items += [gen_type(r, t["dynamic"], depth + 1) for _ in range(r.randint(0, 2))]
            return items
        n = r.choice([0, 1, 2, 3, 5]) if depth < 3 else r.randint(0, 1)
        return [gen_type(r, t.get("dynamic"), depth + 1) for _ in range(n)]
    if ty == "set":
        n = r.choice([0, 1, 2, 3]) if depth < 3 else r.randint(0, 1)
        return {"$set": [gen_type(r, t.get("of"), depth + 1) for _ in range(n)]}
    if ty == "object":
        out = {}
        for s in t.get("static") or []:
            if r.random() < 0.7:
                out[s["key"]] = gen_type(r, s["value"], depth + 1)
        dyn = t.get("dynamic")
        if dyn:
            n = r.choice([0, 1, 2, 3]) if depth < 3 else r.randint(0, 1)
            kt = dyn.get("key") or {"type": "any"}
            if kt.get("type") == "any" and r.random() < 0.25:
                pairs = [[rand_any(r, depth + 2), gen_type(r, dyn.get("value"), depth + 1)] for _ in range(max(n, 1))]
                if out:
                    pairs += [[k, v] for k, v in out.items()]
                return {"$obj": dedupe(pairs)}
            for _ in range(n):
                k = rand_string(r) if kt.get("type") in ("string", "any") else gen_type(r, kt, depth + 1)
                if isinstance(k, str):
                    out[k] = gen_type(r, dyn.get("value"), depth + 1)
        return out
    return rand_any(r, depth)


def wrong_type(r, t):
    """A value that is probably not of type t."""
    ty = (t or {}).get("type")
    pool = {
        "string": [1, None, True, ["a"], {"$set": ["a"]}, {"a": 1}],
        "number": ["1", None, False, [1], {"$set": [1]}, {"n": 1}],
        "array": ["abc", 1, None, {"$set": [1]}, {"a": 1}],
        "set": ["abc", 1, [1], {"a": 1}],
        "object": ["abc", 1, [1], {"$set": [1]}, None],
        "boolean": ["true", 1, None],
    }.get(ty, ["abc", 1, None, [1], {"a": 1}])
    return r.choice(pool)


# ---- realistic values per builtin --------------------------------------------------------

REGEXES = ["^a", "a+", "[a-z]+", "(a)(b)?", "(?i)ABC", "\\d{2,3}", "^$", "", ".*", "a|b", "(", "[", "a{2",
           "\\p{Greek}+", "(?P<n>x)", "(?<n>x)", "x*?", "\\bfoo\\b", "[[:alpha:]]", "\\C", "a**", "(?s).",
           "\\Qa.b\\E", "é+", "[^a]", "\\", "a{1001}", "(?m)^b$", "\\x{41}", "\\z", "\\Z", "(?=a)"]
GLOBS = ["*", "**", "a*", "*.com", "api.*.com", "**.com", "a?c", "[abc]", "[!abc]", "[a-c]x", "{a,b}",
         "{a,{b,c}}", "\\*", "[", "{", "a\\", "*/b", "a/**/b", "", "foo.bar", "[^a]", "{,a}", "[]]"]
TIMES_RFC = ["2017-06-02T19:00:00Z", "2017-06-02T19:00:00.123456789+02:00", "1970-01-01T00:00:00Z",
             "2017-06-02T19:00:00", "2017-06-02", "2024-02-29T12:00:00-08:00", "0001-01-01T00:00:00Z",
             "9999-12-31T23:59:59Z", "2017-13-02T19:00:00Z", "2017-06-02t19:00:00z", "2262-04-12T00:00:00Z",
             "1677-09-21T00:12:43.145224191Z", "2017-06-02 19:00:00Z", "2017-06-02T19:00:00.Z", "", "abc",
             "2017-06-02T24:00:00Z", "2017-06-02T19:00:60Z", "2017-06-02T19:00:00+24:00"]
LAYOUTS = ["2006-01-02", "RFC3339", "RFC822", "RFC1123Z", "Kitchen", "ANSIC", "2006-01-02T15:04:05Z07:00",
           "Mon Jan _2 15:04:05 2006", "02/01/06", "15:04", "Jan 2, 2006 at 3:04pm (MST)", "", "abc",
           "2006-01-02 15:04:05.000", "2006-01-02 15:04:05.999999999", "RFC3339Nano", "DateTime", "DateOnly",
           "TimeOnly", "Stamp", "UnixDate", "RubyDate", "RFC850", "RFC1123", "RFC822Z", "StampMilli",
           "2006-002", "__2", "Monday", "-0700", "Z0700", "MST"]
DATES = ["2006-01-02", "2024-02-29", "2023-02-29", "06/01/02", "12:30", "Jun 2, 2017 at 7:00pm (PST)", "",
         "2017-06-02T19:00:00Z", "Fri Jun  2 19:00:00 2017", "3:04PM", "2017-06-02 19:00:00.123", "002",
         "Mon, 02 Jan 2006 15:04:05 MST", "02 Jan 06 15:04 +0000", "Friday"]
TZS = ["UTC", "Local", "", "America/New_York", "Asia/Kolkata", "Europe/Berlin", "Nope/Zone", "EST", "utc",
       "Etc/GMT+5", "Australia/Lord_Howe"]
NS = [0, 1, -1, 1496430000000000000, 1709208000000000000, 1e18, 9223372036854775807, -9223372036854775808,
      1.5e18, 1500000000123456789, 253402300799000000000, -62135596800000000000, 1e19, 0.5]
DURATIONS = ["1h", "1h30m", "1.5h", "-1h", "+5s", "100ms", "1us", "1µs", "1μs", "1ns", "0", "", "1", "1d", "h",
             "2562047h", "2562048h", "1h1h", ".5s", "5.s", "1e3s", "9223372036854775807ns",
             "9223372036854775808ns", "-0", "1m-1s", " 1s"]
JWT_HS = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0Ijox"
          "NTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
JWTS = [JWT_HS, JWT_HS[:-5], "a.b.c", "a.b", "", "x", "eyJhbGciOiJub25lIn0.eyJhIjoxfQ.",
        "eyJhbGciOiJub25lIn0.eyJhIjoxfQ", "eyJhbGciOiJIUzI1NiJ9.W10.", "eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.%%%",
        "eyJhbGciOiJIUzI1NiIsImN0eSI6IkpXVCJ9.ZXlKaGJHY2lPaUpJVXpJMU5pSjkuZXlKaElqb3hmUS4.", "Bearer " + JWT_HS,
        "eyJ0eXAiOiJKV1QifQ.eyJleHAiOjF9.", "e30.e30.", "bnVsbA.e30.", "eyJhbGciOiJIUzI1NiJ9.bnVsbA.",
        "eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ==.c2ln"]
SECRETS = ["your-256-bit-secret", "", "secret", "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----",
           '{"kty":"oct","k":"c2VjcmV0"}', '{"keys":[]}', "not a key"]
CIDRS = ["10.0.0.0/8", "10.0.0.1", "10.0.0.0/33", "192.168.1.0/24", "192.168.1.5/24", "0.0.0.0/0", "::/0",
         "2001:db8::/32", "2001:db8::1", "fe80::1%eth0", "::ffff:10.0.0.1", "::ffff:10.0.0.0/104", "1.2.3",
         "", "abc", "10.0.0.0/-1", "255.255.255.255/32", "10.0.0.0/08", "010.0.0.1", "1.2.3.4/0",
         "2001:db8::/129", "172.16.0.0/12", "10.1.2.3/30", "::1/128", " 10.0.0.0/8"]
URLS = ["https://example.com/a/b?x=1&y=2#frag", "http://user:pw@host:8080/p", "/relative/path", "a b",
        "mailto:x@y.z", "", "http://[::1]:80/", "https://例え.jp/パス", "http://%zz", "ftp://h/%41",
        "http://h/?q=a+b%20c", "//host/p", "http://h:badport/", "x:y", "urn:isbn:123"]
QUERIES = ["a=1&b=2", "a=1&a=2", "a", "a=", "=1", "a=%zz", "a=b+c", "a=%20", "", "&&", "a=1;b=2", "é=ü",
           "a[]=1&a[]=2", "%", "a=1&", "+=+"]
SEMVERS = ["1.0.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0+build", "1.0.0-0.3.7", "1.0", "v1.0.0", "01.0.0",
           "1.0.0-", "1.0.0+", "1.0.0-01", "1.2.3-rc.1+b.2", "", "1.0.0-alpha..1", "9999999999999999999.0.0",
           "1.0.0-x-y-z.--", "2.0.0", "1.10.0", "1.9.0", "1.0.0-beta", "1.0.0-1", "1.0.0-a.b"]
B64 = ["", "YQ==", "YQ", "YWJj", "YWJjZA==", "YWJjZA", "!!!!", "YW Jj", "YQ=", "YQ===", "_-8=", "+/8=",
       "5pel5pys", "8J+YgA==", "YQ==\n", "AAAA", "/w==", "Zm9vYmFy", "a", "ab", "abc"]
HEXES = ["", "61", "6", "6g", "FF", "ff00", "e697a5", "0x61", "6 1", "00"]
JSONS = ['{"a":1}', "[1,2]", "1", "1.0", "-0", "1e400", '"s"', "null", "true", "", "{", '{"a":1} x', "1 2",
         "1 null", '{"a":1,"a":2}', "[1,]", "\ufeff1", '"\\ud800"', '"\\u00e9"', "  ", "01", "NaN",
         '{"a":{"b":[{"c":null}]}}', "123456789012345678901234567890", "1E2", "-", "[" * 5]
YAMLS = ["a: 1", "- 1\n- 2", "a: [1, 2]", "", "a:\n  b: c", "a: yes", "a: 0x10", "a: 1e3", "a: .inf",
         "a: ~", "key: 'quoted'", "a: &x 1\nb: *x", "{a: 1", "a: b: c", "--- 1\n--- 2", "? [1]\n: 2",
         "a: 2001-12-14", "a: !!str 1", "1: a", "a: '\\u00e9'", "- [", "a:\tb", "x: 012", "x: 1_000",
         "x: +1", "x: .5", "x: 0o17", "x: True", "x: NULL", "x: -.inf", "x: .nan"]
UNITS = ["1K", "1Ki", "1k", "1ki", "10M", "1.5G", "1e3", "5m", "100", "1KB", "1kb", "1 KB", "", "K", "-1K",
         "1.5", "0.5Mi", "1Ti", "1P", "1E", "1Ei", "9Ei", "1Zi", "\"1K\"", "1KiB", "1mb", "10 Mi", "+1", "1u",
         "1n", "1.k", ".5K", "1e400"]
FORMATS = ["%d", "%s", "%v", "%x", "%X", "%o", "%b", "%e", "%E", "%f", "%.2f", "%5.1f", "%g", "%G", "%q",
           "%t", "%c", "%U", "%T", "%p", "%%", "%5d", "%-5d|", "%05d", "%+d", "% d", "%#x", "%#v", "%*d",
           "%[2]d %[1]d", "%!", "%", "%z", "%d %d", "%s %s %s", "x", "", "%08.3f", "%.0f", "%10s|", "%-10s|",
           "%.3s", "%x%X", "%3c", "%v %v", "%[1]v %[1]v", "%.1e", "%.10g", "%6.2v"]
TEMPLATES = ["{{.a}}", "hello {{.name}}", "{{.missing}}", "{{", "{{.a.b}}", "{{range .xs}}{{.}},{{end}}",
             "{{if .a}}yes{{else}}no{{end}}", "{{printf \"%d\" .a}}", "plain", "", "{{.}}", "{{len .xs}}",
             "{{index .xs 0}}", "{{ .a }}", "{{- .a -}}", "{{.a | html}}", "{{/* c */}}", "{{end}}"]
UUIDS = ["00000000-0000-0000-0000-000000000000", "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
         "f47ac10b-58cc-4372-a567-0e02b2c3d479", "F47AC10B-58CC-4372-A567-0E02B2C3D479",
         "{f47ac10b-58cc-4372-a567-0e02b2c3d479}", "urn:uuid:f47ac10b-58cc-4372-a567-0e02b2c3d479",
         "f47ac10b58cc4372a5670e02b2c3d479", "", "x", "f47ac10b-58cc-1372-a567-0e02b2c3d479",
         "f47ac10b-58cc-4372-c567-0e02b2c3d479", "f47ac10b-58cc-4372-a567-0e02b2c3d47"]
PATHS = ["a", "a/b", "/a/b", "a.b", ["a", "b"], ["a", 0], [], "", "/", "a/0", ["x"], "~1", "a/~0b"]


def realistic(r, name, decl_args):
    """Arguments realistic for `name`, or None to use the declared types."""
    c = r.choice
    R = {
        "sprintf": lambda: [c(FORMATS), [gen_any_small(r) for _ in range(r.randint(0, 3))]],
        "format_int": lambda: [rand_number(r), c([2, 8, 10, 16, 3, 36, 1, 0, 37, 16.5])],
        "time.parse_rfc3339_ns": lambda: [c(TIMES_RFC)],
        "time.parse_ns": lambda: [c(LAYOUTS), c(DATES + TIMES_RFC)],
        "time.parse_duration_ns": lambda: [c(DURATIONS)],
        "time.format": lambda: [c([c(NS), [c(NS), c(TZS)], [c(NS), c(TZS), c(LAYOUTS)]])],
        "time.date": lambda: [c([c(NS), [c(NS), c(TZS)]])],
        "time.clock": lambda: [c([c(NS), [c(NS), c(TZS)]])],
        "time.weekday": lambda: [c([c(NS), [c(NS), c(TZS)]])],
        "time.diff": lambda: [c([c(NS), [c(NS), c(TZS)]]), c([c(NS), [c(NS), c(TZS)]])],
        "time.add_date": lambda: [c(NS), c([0, 1, -1, 10000, 2.5]), c([0, 1, 13, -12]), c([0, 1, 31, -400])],
        "regex.match": lambda: [c(REGEXES), rand_string(r)],
        "re_match": lambda: [c(REGEXES), rand_string(r)],
        "regex.is_valid": lambda: [c(REGEXES)],
        "regex.split": lambda: [c(REGEXES), c(["a,b,,c", "aXbXc", "", "abc", "日本語"])],
        "regex.find_n": lambda: [c(REGEXES), c(["abcabc", "aab", "", "a1b22c333"]), c([-1, 0, 1, 2, 1.5])],
        "regex.find_all_string_submatch_n": lambda: [c(REGEXES), c(["abcab", "ab", "", "a1b22"]), c([-1, 0, 1, 2])],
        "regex.replace": lambda: [c(["abcabc", "", "a1b2", "日本語"]), c(REGEXES), c(["x", "$1", "${1}", "$0", "$$", "$n", "${n}", "", "$"])],
        "regex.template_match": lambda: [c(["urn:foo:{.*}", "{a+}:{b}", "x{", "{{}}"]), c(["urn:foo:bar", "aa:b", "x"]), c(["{", "<"]), c(["}", ">"])],
        "regex.globs_match": lambda: [c(["a.*", "a+", "b*", "[a-c]", "a", "", "(", "^a", ".*"]), c(["a.*", "b*", "c", "", "[", ".+"])],
        "glob.match": lambda: [c(GLOBS), c([None, [], ["."], ["/"], [".", "/"], [""], ["ab"], "."]), c(["abc", "api.x.com", "a.b.com", "a/b", "", "*", "foo.bar", "b", "a/x/y/b", "]"])],
        "glob.quote_meta": lambda: [c(GLOBS)],
        "io.jwt.decode": lambda: [c(JWTS)],
        "io.jwt.decode_verify": lambda: [c(JWTS), c([{}, {"secret": "your-256-bit-secret"}, {"secret": "x", "alg": "HS256"}, {"cert": "x"}, {"secret": "your-256-bit-secret", "time": 0}, {"secret": "your-256-bit-secret", "iss": "a"}, {"secret": "your-256-bit-secret", "aud": "a"}, {"bogus": 1}])],
        "net.cidr_contains": lambda: [c(CIDRS), c(CIDRS)],
        "net.cidr_intersects": lambda: [c(CIDRS), c(CIDRS)],
        "net.cidr_overlap": lambda: [c(CIDRS), c(CIDRS)],
        "net.cidr_is_valid": lambda: [c(CIDRS)],
        "net.cidr_expand": lambda: [c(["10.0.0.0/30", "10.0.0.1/31", "::/126", "10.0.0.1", "abc", "192.168.1.0/29", "10.0.0.0/32"])],
        "net.cidr_merge": lambda: [c([[c(CIDRS) for _ in range(r.randint(0, 3))], {"$set": [c(CIDRS) for _ in range(r.randint(0, 3))]}])],
        "net.cidr_contains_matches": lambda: [c([c(CIDRS), [c(CIDRS), c(CIDRS)], {"a": c(CIDRS)}, {"$set": [c(CIDRS)]}, [[c(CIDRS), 1]]]), c([c(CIDRS), [c(CIDRS)], {"k": c(CIDRS)}])],
        "uri.parse": lambda: [c(URLS)],
        "uri.is_valid": lambda: [c(URLS)],
        "urlquery.encode": lambda: [c(URLS + STRINGS)],
        "urlquery.decode": lambda: [c(QUERIES + URLS)],
        "urlquery.decode_object": lambda: [c(QUERIES)],
        "urlquery.encode_object": lambda: [c([{"a": "1"}, {"a": ["1", "2"]}, {"a": {"$set": ["x", "y"]}}, {}, {"é": "ü&="}, {"a": 1}, {"a": [1]}, {"a b": "c d"}])],
        "semver.is_valid": lambda: [c(SEMVERS + [1, None])],
        "semver.compare": lambda: [c(SEMVERS), c(SEMVERS)],
        "base64.decode": lambda: [c(B64)], "base64.is_valid": lambda: [c(B64)],
        "base64url.decode": lambda: [c(B64)], "hex.decode": lambda: [c(HEXES)],
        "json.unmarshal": lambda: [c(JSONS)], "json.is_valid": lambda: [c(JSONS)],
        "yaml.unmarshal": lambda: [c(YAMLS + JSONS)], "yaml.is_valid": lambda: [c(YAMLS + JSONS)],
        "units.parse": lambda: [c(UNITS)], "units.parse_bytes": lambda: [c(UNITS)],
        "strings.render_template": lambda: [c(TEMPLATES), c([{"a": 1, "name": "x", "xs": [1, 2]}, {}, {"a": {"b": "c"}}, {"a": False}, {"xs": []}])],
        "uuid.parse": lambda: [c(UUIDS)],
        "to_number": lambda: [c(["1", "-1", "1.5", "1e3", " 1", "0x1F", "", "abc", "1_000", "+1", "-0", "Inf", "NaN",
                                 "1e400", ".5", "5.", "00012", True, False, None, 3, "١", "0b1", "0o7", "1E-7"])],
        "substring": lambda: [rand_string(r), c([0, 1, 2, -1, 5, 100, 1.5]), c([-1, 0, 1, 2, 100, 2.5])],
        "array.slice": lambda: [c([[], [1, 2, 3], ["a", [1]]]), c([0, 1, -1, 5, 1.5, 2]), c([0, 1, 2, -1, 10, 2.5])],
        "numbers.range": lambda: [c([0, 1, -3, 5, 2.5, 1e6]), c([0, 3, -1, 5, 2.5])],
        "numbers.range_step": lambda: [c([0, 1, -3, 10, 2.5]), c([0, 3, -1, 10, 2.5]), c([1, 2, 0, -1, 0.5, 3])],
        "strings.split_n": lambda: [c(["a,b,c", "", ",", "a,,b"]), c([",", "", "b"]), c([-1, 0, 1, 2, 5, 1.5])],
        "split": lambda: [c(["a,b,c", "", ",", "a,,b", "日本語", "a😀b"]), c([",", "", "b", "😀", "日"])],
        "replace": lambda: [c(["aaa", "", "abc", "日本語"]), c(["a", "", "日", "aa"]), c(["b", "", "xx"])],
        "strings.replace_n": lambda: [c([{"a": "b"}, {"a": "b", "b": "a"}, {"": "x"}, {}, {"ab": "1", "a": "2"}, {"a": 1}]), c(["aaa", "abab", "", "bab"])],
        "indexof": lambda: [c(["héllo", "", "aaa", "日本語", "a😀b"]), c(["l", "", "a", "語", "b", "x"])],
        "indexof_n": lambda: [c(["héllo", "", "aaa", "日本語", "abab"]), c(["l", "", "a", "aa", "語", "ab"])],
        "strings.count": lambda: [c(["aaa", "", "abab", "日本日"]), c(["a", "", "aa", "日", "ab"])],
        "trim": lambda: [c(STRINGS), c(["", " ", "a", "ab", "日", "é "])],
        "trim_left": lambda: [c(STRINGS), c(["", " ", "a", "ab", "日", "é "])],
        "trim_right": lambda: [c(STRINGS), c(["", " ", "a", "ab", "日", "é "])],
        "trim_prefix": lambda: [c(STRINGS), c(["", " ", "a", "ab", "日"])],
        "trim_suffix": lambda: [c(STRINGS), c(["", " ", "c", "bc", "語"])],
        "json.marshal_with_options": lambda: [gen_any_small(r), c([{}, {"pretty": True}, {"indent": "  "}, {"prefix": ">", "indent": "\t"}, {"pretty": False, "indent": "x"}, {"bogus": 1}, {"indent": 1}, {"pretty": "yes"}])],
        "json.filter": lambda: [c([{"a": {"b": 1, "c": 2}, "d": [1, 2]}, {}, {"a": 1}]), c([["a/b"], ["a"], ["d/0"], [["a", "b"]], {"$set": ["a/c", "d"]}, [], ["x"], [1]])],
        "json.remove": lambda: [c([{"a": {"b": 1, "c": 2}, "d": [1, 2]}, {}, {"a": 1}]), c([["a/b"], ["a"], ["d/0"], [["a", "b"]], {"$set": ["a/c", "d"]}, [], ["x"], [1]])],
        "json.patch": lambda: [c([{"a": 1}, [1, 2], {}, {"a": {"b": [1]}}]), [c([{"op": "add", "path": c(PATHS), "value": 5}, {"op": "remove", "path": c(PATHS)}, {"op": "replace", "path": "/a", "value": 2}, {"op": "move", "from": "/a", "path": "/z"}, {"op": "copy", "from": "/a", "path": "/y"}, {"op": "test", "path": "/a", "value": 1}, {"op": "bogus", "path": "/a"}, {"path": "/a"}, {"op": "add", "path": "/a/b/-", "value": 1}]) for _ in range(r.randint(0, 2))]],
        "object.get": lambda: [c([{"a": {"b": 1}}, {}, {"a": None}, {"$obj": [[1, "x"], [[1], "y"]]}]), c(["a", ["a", "b"], [], ["a", "x"], 1, [1], ["b"], [[1]]]), c([None, 0, "d"])],
        "walk": lambda: [gen_any_small(r)],
        "yaml.marshal": lambda: [gen_any_small(r)],
        "json.marshal": lambda: [gen_any_small(r)],
        "crypto.hmac.equal": lambda: [c(["", "abc", "ABC"]), c(["", "abc", "abd"])],
        "bits.lsh": lambda: [c([1, -1, 0, 2 ** 62, 255, 1.5]), c([0, 1, 63, 64, 65, -1, 2.5])],
        "bits.rsh": lambda: [c([1, -1, 0, 2 ** 62, 255, -256]), c([0, 1, 63, 64, 65, -1])],
    }
    f = R.get(name)
    return f() if f else None


BOUNDED = {"numbers.range", "numbers.range_step", "bits.lsh", "time.add_date"}

# ---- session 9: edge shapes from a second stream (call i of seed S keeps its other draws) -----

EDGE_STRINGS = ["", "\u0000", "a\u0000b", "\r\n", "\u202eabc", "\ufeff", "\U0001F600\u200d\U0001F600", "a\u0308",
                "007", "+5", "-0.0", "1e400", "0x", "9223372036854775808", "{{.a}}", "%s%d", '{"a":1}', "[1,2]",
                "y" * 300, "Ǆǅǆ", "\u0130\u0131", "ẞ", "\t", "   ", "a b\tc\nd", "\\n", "'", '"', "`", "$", "*.*",
                "😀" * 3, "\x7f\x80", "\u00ff", "ÿ"]
EDGE_NUMBERS = [0, -0.0, 1.0, 100.0, -1.0, 1e21, 1e-5, 1e-7, 0.1, -0.1, 2 ** 53 - 1, -2 ** 53, 2 ** 63 - 1, -2 ** 63 - 1,
                2 ** 64 - 1, 2 ** 64 + 1, -2 ** 64, 10 ** 30, -10 ** 30, 1e300, -1e-300, 5e-324, 123.456, 1 / 3, 2.5e-8,
                9.999999999999999e22, 255, 256, -255, 65535, 4294967296]


def deep_value(r, depth):
    """Nested collections 3-5 levels deep (arrays, sets, objects, mixed-key objects)."""
    if depth <= 0:
        return r.choice(EDGE_NUMBERS + EDGE_STRINGS[:8] + [None, True, False])
    k = r.random()
    inner = [deep_value(r, depth - 1) for _ in range(r.randint(0, 2))]
    if k < 0.35:
        return inner
    if k < 0.55:
        return {"$set": inner}
    if k < 0.9:
        return {r.choice(EDGE_STRINGS[:12]): v for v in inner}
    return {"$obj": dedupe([[deep_value(r, 0), v] for v in inner] or [[1, None]])}


def edge_value(r, t):
    """A boundary value of declared type t."""
    ty = (t or {}).get("type")
    if ty == "any" and t.get("of"):
        alts = t["of"] if isinstance(t["of"], list) else [t["of"]]
        return edge_value(r, r.choice(alts))
    if ty == "string":
        return r.choice(EDGE_STRINGS)
    if ty == "number":
        return r.choice(EDGE_NUMBERS)
    if ty == "boolean":
        return r.choice([True, False])
    if ty == "array":
        return r.choice([[], [deep_value(r, 3)], [r.choice(EDGE_NUMBERS), r.choice(EDGE_STRINGS)], [None, None], [deep_value(r, 4) for _ in range(3)]])
    if ty == "set":
        return r.choice([{"$set": []}, {"$set": [deep_value(r, 2)]}, {"$set": [r.choice(EDGE_STRINGS), r.choice(EDGE_NUMBERS)]}])
    if ty == "object":
        return r.choice([{}, {"": None}, {r.choice(EDGE_STRINGS): deep_value(r, 3)}, {"$obj": [[r.choice(EDGE_NUMBERS), "x"]]}])
    return deep_value(r, r.randint(1, 4))


TEMPLATE_ACTIONS = [
    "{{.a}}", "{{.s}}", "{{.n}}", "{{.o.k}}", "{{.o.k.z}}", "{{.xs}}", "{{.missing}}", "{{.nul}}", "{{.nul.x}}",
    "{{len .xs}}", "{{len .s}}", "{{len .n}}", "{{len .missing}}", "{{len .nul}}", "{{index .xs 1}}", "{{index .xs 9}}",
    "{{index .o \"k\"}}", "{{index .s 0}}", "{{index .xs .n}}", "{{slice .xs 1}}", "{{slice .s 1 2}}", "{{slice .xs 2 1}}",
    "{{eq .n 1}}", "{{eq .s \"x\"}}", "{{eq .xs .xs}}", "{{lt .a .n}}", "{{lt .s \"b\"}}", "{{ne .b true}}", "{{ge 1 2}}",
    "{{and .a .b}}", "{{or .missing .s}}", "{{not .n}}", "{{print .a .n \"x\" .missing}}", "{{println .xs}}",
    "{{printf \"%d|%s|%v|%5.2f|%q|%T\" .n .s .xs .n .s .o}}", "{{printf \"%d\" .missing}}", "{{html .s}}", "{{js .s}}",
    "{{urlquery .s .n}}", "{{call .a}}", "{{.a | len}}", "{{.s | printf \"%s!\"}}", "{{.missing | not}}", "{{(.o).k}}",
    "{{$x := .n}}{{$x}}", "{{$x := 1}}{{$x = .s}}{{$x}}", "{{$.a}}", "{{range .xs}}[{{.}}]{{end}}",
    "{{range $i, $e := .xs}}{{$i}}={{$e}},{{end}}", "{{range $k, $v := .o}}{{$k}}:{{$v}};{{else}}none{{end}}",
    "{{range .n}}{{.}}{{end}}", "{{range 3}}{{.}}{{end}}", "{{range .xs}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}",
    "{{with .o}}{{.k}}{{else}}no{{end}}", "{{with .missing}}x{{else with .s}}{{.}}{{end}}",
    "{{if .b}}T{{else if .n}}N{{else}}F{{end}}", "{{if}}{{end}}", "{{end}}", "{{else}}", "{{.a.}}", "{{.a b}}",
    "{{foo}}", "{{1a}}", "{{'ab'}}", "{{\"a\\qb\"}}", "{{1.5}} {{1e3}} {{0x1F}} {{'é'}} {{-0}} {{2i}}", "{{nil}}",
    "{{99999999999999999999}}", "{{18446744073709551615}}", "{{.a 1}}", "{{1 2}}", "{{.a | 1}}", "{{/* c */}}",
    "{{/* c */ 1}}", "{{- .s -}}", "{{ .s -}}  x", "x  {{- .s}}", "{{define \"t\"}}<{{.}}>{{end}}{{template \"t\" .n}}",
    "{{template \"nope\"}}", "{{block \"b\" .xs}}{{len .}}{{end}}", "{{break}}", "{{(1 2}}", "{{)}}", "{{|}}",
    "{{\"unterminated}}", "{{.a:=1}}", "{{$y}}", "{{range $i, $e, $f := .xs}}{{end}}", "{{.s | .a}}",
]


def gen_template(r):
    parts = []
    for _ in range(r.randint(1, 3)):
        parts.append(r.choice(TEMPLATE_ACTIONS))
        parts.append(r.choice(["", " ", "\n", "text", "\n  ", "é"]))
    return "".join(parts)


def gen_template_vars(r):
    out = {}
    for k, pool in (("a", [1, 0, "", "x", None, True, [1], {"k": 1}]), ("s", EDGE_STRINGS[:12] + ["abc", "<b>&'\"", "a b/c?d"]),
                    ("n", [0, 1, 2, -1, 1.5, 1e21, 2 ** 63, "3"]), ("b", [True, False, None, 0]),
                    ("xs", [[], [1, 2, 3], ["a", None], [[1], {"k": 2}], "str"]), ("o", [{}, {"k": "v"}, {"k": None}, {"k": {"z": 1}}, [1]]),
                    ("nul", [None])):
        if r.random() < 0.8:
            out[k] = r.choice(pool)
    return out


YAML_SCALARS = ["a", "b", "1", "1.0", "-0", "-0.0", "0x1F", "0o17", "017", "1_000", "yes", "No", "on", "~", "null",
                "true", ".inf", "-.Inf", ".nan", "1e3", "1e400", "2001-12-14", "2001-12-14t21:59:43.10-05:00",
                "2001-02-30", "9223372036854775808", "18446744073709551616", "-9223372036854775809", "'1'",
                "\"x\"", "''", "\"\\t\"", "a?b", "b?", "<<", "é", "1:20", "aGVsbG8=", "'<<'", "1.5", "3.14159265358979"]
YAML_TAGS = ["!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!binary ", "!!timestamp ", "!foo ", "! ",
             "!!merge ", "!!map ", "!!seq "]
YAML_KEYS = ["a", "b", "a", "<<", "1", "1.0", "~", "true", "yes", "'1'", "[1]", "{a: 1}", "-0.0", ".inf", "18446744073709551615"]


def gen_yaml(r):
    """A random YAML document (session 10): duplicate keys, merges, anchors and aliases (some
    undefined or self-referencing), explicit tags, flow collections, `?` inside flow scalars."""
    anchors = [0]

    def scalar():
        t = r.choice(YAML_TAGS) if r.random() < 0.25 else ""
        return t + r.choice(YAML_SCALARS)

    def node(d):
        k = r.random()
        if k < 0.12 and anchors[0]:
            return "*a%d" % r.randrange(anchors[0] + 1)  # may be undefined or an enclosing node
        if k < 0.22:
            anchors[0] += 1
            return "&a%d %s" % (anchors[0] - 1, node(d))
        if d > 2 or k < 0.6:
            return scalar()
        if k < 0.8:
            return "[" + ", ".join(node(d + 1) for _ in range(r.randint(0, 3))) + "]"
        return "{" + ", ".join("%s: %s" % (r.choice(YAML_KEYS), node(d + 1)) for _ in range(r.randint(0, 3))) + "}"

    if r.random() < 0.3:
        return node(0)
    lines = []
    for _ in range(r.randint(1, 5)):
        key = r.choice(YAML_KEYS)
        if key == "<<" and r.random() < 0.7:
            lines.append("<<: " + r.choice(["*a0", "[*a0, {x: 1}]", "{a: 2, c: 3}", "[{a: 1}, {a: 2, b: 3}]", "5", "~", node(1)]))
        else:
            lines.append("%s: %s" % (key, node(1)))
    return "\n".join(lines)


DURATION_PARTS = ["1", "2", "1.5", ".5", "0", "99999999999", "9223372036854775807", "-", "+", "1e3"]
DURATION_UNITS = ["ns", "us", "\u00b5s", "ms", "s", "m", "h", "d", "w", "y", "D", "x", "dx", "day", "e", "", " ",
                  "\n", "\t", "\u00e9", "hd"]


def gen_duration(r):
    """A random duration text (session 10): Go's units, OPA's d/w/y, junk units and separators."""
    return "".join(r.choice(DURATION_PARTS) + r.choice(DURATION_UNITS) for _ in range(r.randint(1, 3)))


def edge_args(name, args_t, args, r2):
    """Session-9 shapes: a boundary value in one operand, wrong types in every operand, random
    templates; session 10: random YAML documents and duration texts."""
    if name == "strings.render_template" and r2.random() < 0.6:
        return [gen_template(r2), gen_template_vars(r2)]
    if EDGES_10 and name in ("yaml.unmarshal", "yaml.is_valid") and r2.random() < 0.5:
        return [gen_yaml(r2)]
    if EDGES_10 and name == "time.parse_duration_ns" and r2.random() < 0.5:
        return [gen_duration(r2)]
    k = r2.random()
    if args_t and k < 0.12:
        j = r2.randrange(len(args_t))
        args[j] = edge_value(r2, args_t[j])
    elif len(args_t) > 1 and k < 0.18:
        args = [wrong_type(r2, t) for t in args_t]
    return args


def gen_any_small(r):
    return rand_any(r, 1)


# Edge shapes (edge_args): POLICYD_FUZZ_EDGES=0 reproduces the session-8 generator, =9 the
# session-9 one (without the session-10 YAML and duration texts).
EDGES = os.environ.get("POLICYD_FUZZ_EDGES", "1") != "0"
EDGES_10 = os.environ.get("POLICYD_FUZZ_EDGES", "1") not in ("0", "9")


def calls_for(name, decl, seed, count):
    out = []
    args_t = decl.get("args") or []
    for i in range(count):
        r = random.Random("%s/%s/%d" % (seed, name, i))
        args = None
        # Unbounded sizes (numbers.range(0, 1e308), bits.lsh(1, 2^63)) only from the curated values.
        if r.random() < 0.5 or name in BOUNDED:
            args = realistic(r, name, args_t)
        if args is None:
            args = [gen_type(r, t) for t in args_t]
        if args_t and r.random() < 0.17:
            j = r.randrange(len(args_t))
            args[j] = wrong_type(r, args_t[j])
        if EDGES and name not in BOUNDED:
            args = edge_args(name, args_t, args, random.Random("%s/%s/%d/edge" % (seed, name, i)))
        out.append((name, args))
    return out


def all_calls(seed, count, only=None):
    caps = capabilities()
    calls = []
    for name in sorted(caps):
        if name in SKIP or (only and not any(name == o or name.startswith(o) for o in only)):
            continue
        decl = caps[name]
        if decl.get("args") is None:
            continue
        calls.extend(calls_for(name, decl, seed, count))
    return calls
