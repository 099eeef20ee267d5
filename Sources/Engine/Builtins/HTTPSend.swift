#if canImport(Glibc)
import Glibc
#endif

/// `http.send(request)`: OPA's request object (validated at evaluation time with OPA's
/// messages), sent with Support/HTTPClient.swift, answered with OPA's response object
/// (`status`, `status_code`, `headers`, `raw_body`, `body`). Errors abort evaluation even
/// outside strict mode, as in OPA, unless `raise_error: false` asks for an `error` field.
/// `https://` goes through the system libssl (server verification, `tls_ca_cert*`,
/// `tls_server_name`, `tls_insecure_skip_verify`, `tls_use_system_certs`). Not supported:
/// client certificates (`tls_client_*`: a clear error), caching options (accepted, ignored:
/// results are memoised per evaluation only), retries.
enum HTTPSend {
    static let defaultTimeoutNs: Int64 = 5_000_000_000
    static let maxRedirects = 10

    struct Options {
        var method = "GET"
        var url = ""
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        var timeoutNs = defaultTimeoutNs
        var followRedirects = false
        var forceJSON = false
        var forceYAML = false
        var tls = HTTPClient.TLS()
        /// A `tls_client_*` option was given (not supported).
        var clientCertificate = false
    }

    static func call(_ arg: Value, _ ctx: EvalContext) throws -> Value? {
        guard case .object(let req) = arg else { throw halting(.operandType(1, expected: "object", got: arg)) }
        var raiseError = true
        if let r = req["raise_error"] {
            guard case .bool(let b) = r else { throw BuiltinError(.builtin, "invalid value for raise_error field", halts: true) }
            raiseError = b
        }
        do {
            try HTTPRequestObject.validateKeys(req, position: 1)
        } catch let e as BuiltinError {
            if raiseError { throw halting(e) }
            let code = e.kind == .type ? "eval_type_error" : "eval_builtin_error"
            return errorObject("eval_http_send_internal_error", "\(code): http.send: \(e.message)")
        }
        try NetworkBuiltins.requireNetwork("http.send", ctx)
        let opts: Options
        do { opts = try options(req) } catch let e as BuiltinError {
            if raiseError { throw halting(e) }
            return errorObject("eval_http_send_internal_error", "eval_builtin_error: http.send: \(e.message)")
        }
        do {
            return try send(opts)
        } catch let failure as SendFailure {
            if raiseError { throw BuiltinError(.builtin, failure.raised, halts: true) }
            return errorObject("eval_http_send_network_error", failure.reported)
        }
    }

    private static func halting(_ e: BuiltinError) -> BuiltinError { BuiltinError(e.kind, e.message, halts: true) }

    private static func errorObject(_ code: String, _ message: String) -> Value {
        .object(ObjectValue([
            "error": .object(ObjectValue(["code": .string(code), "message": .string(message)])),
            "status_code": .int(0),
        ]))
    }

    /// Reads the request fields, in OPA's wording for bad values.
    static func options(_ req: ObjectValue) throws -> Options {
        var o = Options()
        for (key, value) in req.pairs {
            guard case .string(let k) = key else { continue }
            switch k {
            case "method":
                guard case .string(let m) = value else { throw BuiltinError(.builtin, "\"method\" must be a string") }
                o.method = m.isEmpty ? "GET" : m.uppercased()
            case "url":
                guard case .string(let u) = value else { throw BuiltinError(.builtin, "\"url\" must be a string") }
                o.url = u
            case "headers":
                guard case .object(let h) = value else { throw BuiltinError(.builtin, "invalid type for headers key") }
                for (hk, hv) in h.pairs {
                    guard case .string(let name) = hk else { throw BuiltinError(.builtin, "invalid type for headers key") }
                    guard case .string(let v) = hv else {
                        throw BuiltinError(.builtin, "invalid type for headers value \(GoQuote.quote(hv.description))")
                    }
                    o.headers.append((name, v))
                }
            case "body":
                // raw_body wins when both are given.
                if req["raw_body"] == nil { o.body = JSONWriter.data(value, options: .init(escapeHTML: true)) }
            case "raw_body":
                o.body = Array(HTTPRequestObject.stringOrEmpty(value).utf8)
            case "timeout":
                o.timeoutNs = try timeout(value)
            case "enable_redirect": o.followRedirects = try goBool(value)
            case "force_json_decode": o.forceJSON = try goBool(value)
            case "force_yaml_decode": o.forceYAML = try goBool(value)
            case "tls_use_system_certs": o.tls.systemRoots = try goBool(value)
            case "tls_insecure_skip_verify": o.tls.verify = !(try goBool(value))
            case "cache", "force_cache": _ = try goBool(value)
            case "tls_server_name": o.tls.serverName = HTTPRequestObject.stringOrEmpty(value)
            case "tls_ca_cert": try addCA(HTTPRequestObject.stringOrEmpty(value), to: &o)
            case "tls_ca_cert_file":
                let path = HTTPRequestObject.stringOrEmpty(value)
                guard let pem = readFile(path) else { throw BuiltinError(.builtin, "open \(path): no such file or directory") }
                try addCA(pem, to: &o)
            case "tls_ca_cert_env_variable":
                let name = HTTPRequestObject.stringOrEmpty(value)
                guard let pem = getenv(name).map({ String(cString: $0) }) else {
                    throw BuiltinError(.builtin, "cert env var \(GoQuote.quote(name)) not found")
                }
                try addCA(pem, to: &o)
            case "tls_client_cert", "tls_client_cert_file", "tls_client_cert_env_variable",
                 "tls_client_key", "tls_client_key_file", "tls_client_key_env_variable":
                o.clientCertificate = true
            case "max_retry_attempts":
                guard case .number(let n) = value, n.exactInt != nil else {
                    throw BuiltinError(.builtin, "invalid value \(value.description) for field \"max_retry_attempts\"")
                }
            default:
                break
            }
        }
        return o
    }

    /// Adds trusted CAs (PEM); OPA's message when the text holds no certificate.
    private static func addCA(_ pem: String, to o: inout Options) throws {
        guard pem.contains("-----BEGIN CERTIFICATE-----") else { throw BuiltinError(.builtin, "could not append certificates") }
        o.tls.caPEM = (o.tls.caPEM ?? "") + pem + "\n"
    }

    private static func readFile(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out += buf[..<n]
            if out.count > 16 << 20 { return nil }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Go's strconv.ParseBool of the value's Rego text (so `"x"` reads as `"\"x\""`).
    private static func goBool(_ v: Value) throws -> Bool {
        let text = v.description
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": return true
        case "0", "f", "F", "FALSE", "false", "False": return false
        default: throw BuiltinError(.builtin, "strconv.ParseBool: parsing \(GoQuote.quote(text)): invalid syntax")
        }
    }

    private static func timeout(_ v: Value) throws -> Int64 {
        switch v {
        case .string(let s):
            do { return try GoDuration.parse(s) } catch let e as GoDuration.ParseError {
                throw BuiltinError(.builtin, "invalid timeout value \(GoQuote.quote(s)): \(e.message)")
            }
        case .number(let n):
            guard let i = n.writtenInt else { throw BuiltinError(.builtin, "invalid timeout number value \(v.description), must be int64") }
            return Int64(i)
        default:
            return defaultTimeoutNs
        }
    }

    /// A failed exchange: the message raised as an error, and the one put in `error.message`
    /// with `raise_error: false` (OPA words timeouts differently in the two).
    struct SendFailure: Error {
        var raised: String
        var reported: String
    }

    /// Go's url.Error operation name: `Get`, `Post`, …
    private static func op(_ method: String) -> String { method.prefix(1).uppercased() + method.dropFirst().lowercased() }

    static func send(_ o: Options) throws -> Value {
        var method = o.method
        var urlText = o.url
        var body = o.body
        var headers = o.headers
        for _ in 0...maxRedirects {
            let quoted = "\(op(method)) \(GoQuote.quote(urlText))"
            let url: GoHTTPURL
            do { url = try GoHTTPURL.parse(urlText) } catch {
                throw SendFailure(raised: error.message, reported: error.message)
            }
            guard url.scheme == "http" || url.scheme == "https" else {
                let why = "unsupported protocol scheme \(GoQuote.quote(url.scheme))"
                throw SendFailure(raised: "\(quoted): \(why)", reported: "\(quoted): \(why)")
            }
            if url.scheme == "https" && o.clientCertificate {
                let why = "TLS client certificates (tls_client_*) are not supported by policyd's http.send"
                throw SendFailure(raised: "\(quoted): \(why)", reported: "\(quoted): \(why)")
            }
            guard !url.host.isEmpty else {
                throw SendFailure(raised: "\(quoted): http: no Host in request URL", reported: "\(quoted): http: no Host in request URL")
            }
            var sendHeaders = headers
            if !sendHeaders.contains(where: { $0.0.lowercased() == "user-agent" }) {
                sendHeaders.append(("User-Agent", "policyd"))
            }
            let response: HTTPClient.Response
            do {
                response = try HTTPClient.send(.init(method: method, url: url, headers: sendHeaders, body: body,
                                                     timeoutNs: o.timeoutNs, tls: url.scheme == "https" ? o.tls : nil))
            } catch .timeout {
                throw SendFailure(raised: "\(op(method)) \(urlText): request timed out",
                                  reported: "\(quoted): context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
            } catch .network(let why) {
                throw SendFailure(raised: "\(quoted): \(why)", reported: "\(quoted): \(why)")
            }
            let redirect = [301, 302, 303, 307, 308].contains(response.statusCode)
            if o.followRedirects, redirect, let location = response.headers.last(where: { $0.0 == "location" })?.1 {
                let next = resolveReference(location, base: url)
                if response.statusCode == 303 || ((response.statusCode == 301 || response.statusCode == 302) && method == "POST") {
                    method = method == "HEAD" ? "HEAD" : "GET"
                    body = []
                    headers.removeAll { $0.0.lowercased() == "content-type" }
                }
                headers.removeAll { $0.0.lowercased() == "referer" }
                headers.append(("Referer", urlText))
                urlText = next
                continue
            }
            return responseObject(response, forceJSON: o.forceJSON, forceYAML: o.forceYAML)
        }
        throw SendFailure(raised: "\(op(method)) \(GoQuote.quote(urlText)): stopped after \(maxRedirects) redirects",
                          reported: "\(op(method)) \(GoQuote.quote(urlText)): stopped after \(maxRedirects) redirects")
    }

    /// A Location header against the URL it came from (absolute, host-relative or path-relative).
    private static func resolveReference(_ location: String, base: GoHTTPURL) -> String {
        if location.contains("://") { return location }
        let origin = "\(base.scheme)://\(base.host)"
        if location.hasPrefix("//") { return "\(base.scheme):\(location)" }
        if location.hasPrefix("/") { return origin + location }
        let dir = base.escapedPath.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return origin + dir + "/" + location
    }

    /// OPA's response object. `body` is the decoded JSON (or YAML) document when the content
    /// type says so (or decoding is forced), null otherwise or when it does not decode.
    static func responseObject(_ r: HTTPClient.Response, forceJSON: Bool, forceYAML: Bool) -> Value {
        var headers: [String: [Value]] = [:]
        // Like Go's client, the transfer coding is not reported as a header.
        for (k, v) in r.headers where k != "transfer-encoding" { headers[k, default: []].append(.string(v)) }
        let raw = String(decoding: r.body, as: UTF8.self)
        let mediaType = r.headers.last { $0.0 == "content-type" }?.1
            .split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces().lowercased() } ?? ""
        var body = Value.null
        if forceJSON || mediaType == "application/json" {
            body = (try? JSONReader.parse(bytes: r.body)) ?? .null
        } else if forceYAML || mediaType == "application/yaml" || mediaType == "application/x-yaml" {
            body = (try? GoYAML.unmarshal(raw)) ?? .null
        }
        return .object(ObjectValue([
            "status": .string(r.status),
            "status_code": .int(r.statusCode),
            "headers": .object(ObjectValue(headers.mapValues { Value.array($0) })),
            "raw_body": .string(raw),
            "body": body,
        ]))
    }
}
