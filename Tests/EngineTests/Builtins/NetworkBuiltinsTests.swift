import Foundation
import XCTest
@testable import Engine

#if canImport(Glibc)
import Glibc
#endif

/// http.send and net.lookup_ip_addr: OPA's request validation and messages (from the oracle),
/// a real HTTP/1.1 exchange with a local server, literal and /etc/hosts lookups, and the
/// run-time refusal when the evaluation does not allow network builtins.
final class NetworkBuiltinsTests: XCTestCase {
    private func allowed() -> EvalContext {
        let ctx = EvalContext(nowNs: 0)
        ctx.allowNetworkBuiltins = true
        return ctx
    }

    private func call(_ name: String, _ arg: Value, _ ctx: EvalContext) throws -> Value? {
        try BuiltinRegistry.lookup(name)!.implementation(Arguments([arg]), ctx)
    }

    private func object(_ json: String) -> Value { try! JSONReader.parse(json) }

    private func error(_ body: () throws -> Value?) -> BuiltinError? {
        do {
            _ = try body()
            return nil
        } catch let e as BuiltinError { return e } catch { return nil }
    }

    // MARK: net.lookup_ip_addr

    func testLookupLiterals() throws {
        let ctx = allowed()
        XCTAssertEqual(try call("net.lookup_ip_addr", .string("10.0.0.0"), ctx), .set(SetValue([.string("10.0.0.0")])))
        XCTAssertEqual(try call("net.lookup_ip_addr", .string("::"), ctx), .set(SetValue([.string("::")])))
        XCTAssertEqual(try call("net.lookup_ip_addr", .string("0:0::1"), ctx), .set(SetValue([.string("::1")])))
        XCTAssertEqual(try call("net.lookup_ip_addr", .string("::ffff:1.2.3.4"), ctx), .set(SetValue([.string("1.2.3.4")])))
        XCTAssertEqual(try call("net.lookup_ip_addr", .string("fe80::1%lo"), ctx), .set(SetValue([.string("fe80::1%lo")])))
    }

    func testLookupLocalhostAndFailures() throws {
        let ctx = allowed()
        guard case .set(let s)? = try call("net.lookup_ip_addr", .string("localhost"), ctx) else { return XCTFail("not a set") }
        XCTAssertFalse(s.elements.isEmpty)
        XCTAssertTrue(s.elements.allSatisfy { $0 == .string("127.0.0.1") || $0 == .string("::1") }, "\(s.elements)")
        // Go does not read these as addresses (glibc would) and has no such host.
        for name in ["1.2.3.4.5", "010.0.0.1", ""] {
            let e = error { try call("net.lookup_ip_addr", .string(name), ctx) }
            XCTAssertEqual(e?.kind, .builtin)
            XCTAssertEqual(e?.message, "lookup \(name): no such host")
        }
        XCTAssertEqual(error { try call("net.lookup_ip_addr", .int(1), ctx) }?.message, "operand 1 must be string but got number")
    }

    func testRefusedWithoutPermission() {
        let ctx = EvalContext(nowNs: 0)
        let e = error { try call("net.lookup_ip_addr", .string("localhost"), ctx) }
        XCTAssertEqual(e?.message, "not allowed in the sidecar (makes decisions depend on DNS); \(BuiltinRegistry.networkBuiltinsHint)")
        XCTAssertEqual(e?.halts, true)
        // Validation comes first (it needs no network); a valid request is then refused.
        let v = error { try call("http.send", self.object(#"{"bad_key": 1, "method": "get", "url": "http://127.0.0.1:1"}"#), ctx) }
        XCTAssertEqual(v?.message, #"operand 1 invalid request parameters(s): {"bad_key"}"#)
        let r = error { try call("http.send", self.object(#"{"method": "get", "url": "http://127.0.0.1:1"}"#), ctx) }
        XCTAssertEqual(r?.message, "not allowed in the sidecar (makes decisions depend on remote HTTP servers); \(BuiltinRegistry.networkBuiltinsHint)")
    }

    /// A policy that compiles only because `http.send` is mocked somewhere still cannot reach
    /// the network from an unmocked call: the run-time check halts evaluation.
    func testRuntimeRefusalHaltsEvaluation() throws {
        let src = """
            package x
            f(_) := {"status_code": 200}
            mocked if { q with http.send as f }
            q if { http.send({"method": "get", "url": "http://127.0.0.1:1"}).status_code == 200 }
            """
        let policy = try CompiledPolicy.compile(modules: [RegoModule(name: "x.rego", source: src)])
        XCTAssertEqual(try policy.evaluate(path: ["x", "mocked"], input: nil, context: EvalContext()), .true)
        XCTAssertThrowsError(try policy.evaluate(path: ["x", "q"], input: nil, context: EvalContext())) { e in
            XCTAssertTrue("\(e)".contains("http.send: not allowed in the sidecar"), "\(e)")
        }
    }

    // MARK: http.send validation (messages from OPA)

    func testSendValidation() {
        let ctx = allowed()
        let cases: [(String, BuiltinError.Kind, String)] = [
            (#"{"bad_key": 1, "method": "get", "url": "http://x"}"#, .type, #"operand 1 invalid request parameters(s): {"bad_key"}"#),
            (#"{"method": "get"}"#, .type, #"operand 1 missing required request parameters(s): {"url"}"#),
            (#"{"method": 1, "url": "http://x"}"#, .builtin, #""method" must be a string"#),
            (#"{"method": "get", "url": 5}"#, .builtin, #""url" must be a string"#),
            (#"{"method": "get", "url": "http://x", "raise_error": "no"}"#, .builtin, "invalid value for raise_error field"),
            (#"{"method": "get", "url": "http://x", "timeout": "abc"}"#, .builtin, #"invalid timeout value "abc": time: invalid duration "abc""#),
            (#"{"method": "get", "url": "http://x", "timeout": 1.5}"#, .builtin, "invalid timeout number value 1.5, must be int64"),
            (#"{"method": "get", "url": "http://x", "headers": "x"}"#, .builtin, "invalid type for headers key"),
            (#"{"method": "get", "url": "http://x", "headers": {"a": 1}}"#, .builtin, #"invalid type for headers value "1""#),
            (#"{"method": "get", "url": "http://x", "max_retry_attempts": "x"}"#, .builtin, #"invalid value "x" for field "max_retry_attempts""#),
            (#"{"method": "get", "url": "http://x", "enable_redirect": "x"}"#, .builtin, #"strconv.ParseBool: parsing "\"x\"": invalid syntax"#),
            (#"{"method": "get", "url": "ftp://x"}"#, .builtin, #"Get "ftp://x": unsupported protocol scheme "ftp""#),
        ]
        for (req, kind, message) in cases {
            let e = error { try call("http.send", self.object(req), ctx) }
            XCTAssertEqual(e?.message, message, req)
            XCTAssertEqual(e?.kind, kind, req)
            XCTAssertEqual(e?.halts, true, req)
        }
        // raise_error: false turns the failure into an `error` field.
        let soft = try? call("http.send", object(#"{"bad_key": 1, "method": "get", "url": "http://x", "raise_error": false}"#), ctx)
        XCTAssertEqual(soft, object(#"{"error": {"code": "eval_http_send_internal_error", "message": "eval_type_error: http.send: operand 1 invalid request parameters(s): {\"bad_key\"}"}, "status_code": 0}"#))
    }

    // MARK: http.send exchange

    /// Accepts connections on 127.0.0.1 and answers each request with `reply(requestText)`.
    final class TestServer: @unchecked Sendable {
        let fd: Int32
        let port: Int
        var requests: [String] = []
        let lock = NSLock()

        init(reply: @escaping @Sendable (String) -> [UInt8]) throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var one: Int32 = 1
            setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            sa.sin_port = 0
            let rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard rc == 0, listen(listener, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
            fd = listener
            port = Int(UInt16(bigEndian: sa.sin_port))
            Thread.detachNewThread { [self] in
                while true {
                    let c = accept(listener, nil, nil)
                    // stop() shut the listener down: only this thread closes it (no fd reuse race).
                    if c < 0 {
                        close(listener)
                        return
                    }
                    var data: [UInt8] = []
                    var buf = [UInt8](repeating: 0, count: 4096)
                    // Read the head, then Content-Length bytes of body.
                    while true {
                        let n = recv(c, &buf, buf.count, 0)
                        if n <= 0 { break }
                        data += buf[..<n]
                        if data.first == 0x16 { break }  // a TLS ClientHello: answer in plain text
                        let text = String(decoding: data, as: UTF8.self)
                        if let r = text.range(of: "\r\n\r\n") {
                            let head = text[..<r.lowerBound].lowercased()
                            let cl = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                                .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                            if text.utf8.count - text.utf8.distance(from: text.utf8.startIndex, to: r.upperBound) >= cl { break }
                        }
                    }
                    let text = String(decoding: data, as: UTF8.self)
                    self.lock.withLock { self.requests.append(text) }
                    let out = reply(text)
                    _ = out.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    close(c)
                }
            }
        }

        /// Stops accepting; the accept thread closes the socket.
        func stop() { shutdown(fd, Int32(SHUT_RDWR)) }

        deinit { stop() }
    }

    func testSendExchange() throws {
        let server = try TestServer { req in
            if req.hasPrefix("GET /json") {
                let body = #"{"a": [1, 2]}"#
                return Array("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nX-Multi: a\r\nX-Multi: b\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
            }
            if req.hasPrefix("POST /echo") {
                let body = req.components(separatedBy: "\r\n\r\n").dropFirst().joined()
                return Array("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
            }
            if req.hasPrefix("GET /chunked") {
                return Array("HTTP/1.1 200 OK\r\nContent-Type: application/yaml\r\nTransfer-Encoding: chunked\r\n\r\n5\r\na: [x\r\n4\r\n, y]\r\n0\r\n\r\n".utf8)
            }
            if req.hasPrefix("GET /continue") {
                return Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok".utf8)
            }
            return Array("HTTP/1.1 500 Internal Server Error\r\n\r\n".utf8)
        }
        let base = "http://127.0.0.1:\(server.port)"
        let ctx = allowed()

        let got = try call("http.send", object(#"{"method": "get", "url": "\#(base)/json?q=1", "headers": {"X-Test": "v"}}"#), ctx)
        XCTAssertEqual(got, object(#"""
            {"status": "200 OK", "status_code": 200, "body": {"a": [1, 2]}, "raw_body": "{\"a\": [1, 2]}",
             "headers": {"content-type": ["application/json; charset=utf-8"], "x-multi": ["a", "b"], "content-length": ["13"]}}
            """#))
        let first = server.lock.withLock { server.requests.first } ?? ""
        XCTAssertTrue(first.hasPrefix("GET /json?q=1 HTTP/1.1\r\n"), first)
        XCTAssertTrue(first.contains("\r\nX-Test: v\r\n"), first)
        XCTAssertTrue(first.contains("\r\nHost: 127.0.0.1:\(server.port)\r\n"), first)

        // body is sent as (HTML-escaped) JSON; raw_body would win; a 404 is a response, not an error.
        let echo = try call("http.send", object(#"{"method": "post", "url": "\#(base)/echo", "body": {"x": "<"}}"#), ctx)
        guard case .object(let e)? = echo else { return XCTFail("\(String(describing: echo))") }
        XCTAssertEqual(e["status_code"], .int(404))
        XCTAssertEqual(e["raw_body"], .string(#"{"x":"\u003c"}"#))
        XCTAssertEqual(e["body"], .null)

        let chunked = try call("http.send", object(#"{"method": "get", "url": "\#(base)/chunked"}"#), ctx)
        guard case .object(let c)? = chunked else { return XCTFail("\(String(describing: chunked))") }
        XCTAssertEqual(c["raw_body"], .string("a: [x, y]"))
        XCTAssertEqual(c["body"], object(#"{"a": ["x", true]}"#))
        XCTAssertNil(c["headers"].flatMap { if case .object(let h) = $0 { h["transfer-encoding"] } else { nil } })

        // An interim 100 response is skipped; a Host header replaces the URL's host.
        let cont = try call("http.send", object(#"{"method": "get", "url": "\#(base)/continue", "headers": {"HOST": "example.org"}}"#), ctx)
        guard case .object(let k)? = cont else { return XCTFail("\(String(describing: cont))") }
        XCTAssertEqual(k["status"], .string("201 Created"))
        XCTAssertEqual(k["raw_body"], .string("ok"))
        let last = server.lock.withLock { server.requests.last } ?? ""
        XCTAssertTrue(last.contains("\r\nHost: example.org\r\n") && !last.contains("HOST"), last)
    }

    func testSendNetworkErrors() throws {
        // A port with nothing listening: bind one, note it, close it.
        let probe = try TestServer { _ in [] }
        let port = probe.port
        probe.stop()
        Thread.sleep(forTimeInterval: 0.05)  // let the accept thread close it
        let url = "http://127.0.0.1:\(port)/x"
        let ctx = allowed()
        let e = error { try call("http.send", self.object(#"{"method": "get", "url": "\#(url)"}"#), ctx) }
        XCTAssertEqual(e?.message, #"Get "\#(url)": dial tcp 127.0.0.1:\#(port): connect: connection refused"#)
        XCTAssertEqual(e?.halts, true)
        let soft = try call("http.send", object(#"{"method": "get", "url": "\#(url)", "raise_error": false}"#), ctx)
        XCTAssertEqual(soft, object(#"{"error": {"code": "eval_http_send_network_error", "message": "Get \"\#(url)\": dial tcp 127.0.0.1:\#(port): connect: connection refused"}, "status_code": 0}"#))
    }

    /// https goes through libssl: a server that does not speak TLS fails the handshake; client
    /// certificates are refused clearly; an unreadable CA bundle gets OPA's message.
    func testSendHTTPSFailures() throws {
        let server = try TestServer { _ in Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8) }
        let url = "https://127.0.0.1:\(server.port)/"
        let ctx = allowed()
        let e = error { try call("http.send", self.object(#"{"method": "get", "url": "\#(url)", "timeout": "2s"}"#), ctx) }
        XCTAssertTrue(e?.message.hasPrefix(#"Get "\#(url)": tls: "#) == true, e?.message ?? "no error")
        let c = error { try call("http.send", self.object(#"{"method": "get", "url": "\#(url)", "tls_client_cert": "x"}"#), ctx) }
        XCTAssertEqual(c?.message, #"Get "\#(url)": TLS client certificates (tls_client_*) are not supported by policyd's http.send"#)
        let ca = error { try call("http.send", self.object(#"{"method": "get", "url": "\#(url)", "tls_ca_cert": "junk"}"#), ctx) }
        XCTAssertEqual(ca?.message, "could not append certificates")
    }

    func testSendTimeout() throws {
        let server = try TestServer { _ in
            Thread.sleep(forTimeInterval: 1.5)
            return Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8)
        }
        let url = "http://127.0.0.1:\(server.port)/slow"
        let e = error { try call("http.send", self.object(#"{"method": "get", "url": "\#(url)", "timeout": "200ms"}"#), self.allowed()) }
        XCTAssertEqual(e?.message, "Get \(url): request timed out")
    }
}
