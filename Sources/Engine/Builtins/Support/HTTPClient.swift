import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small blocking HTTP/1.1 client for `http.send` (`http://`, and `https://` through the
/// lazily loaded system libssl, COpenSSL/copenssl_tls.c): one request per
/// connection (`Connection: close`), one overall deadline for connect, send and receive,
/// Content-Length, chunked and read-to-close bodies. Only `policyd eval` and explicitly
/// permitted evaluations reach it; the daemon refuses network builtins.
enum HTTPClient {
    struct Request {
        var method: String
        var url: GoHTTPURL
        /// Header lines to send, in order (the caller adds none of Host/Content-Length).
        var headers: [(String, String)]
        var body: [UInt8]
        var timeoutNs: Int64
        /// For https: how to check the server.
        var tls: TLS? = nil
    }

    struct TLS {
        /// SNI and the name the certificate must hold (default: the URL's host).
        var serverName: String? = nil
        var verify = true
        /// Extra trusted CAs (PEM).
        var caPEM: String? = nil
        var systemRoots = true
    }

    struct Response {
        var statusCode: Int
        /// `200 OK`: the code and reason phrase as the server sent them.
        var status: String
        /// Lowercased names, values in arrival order.
        var headers: [(String, String)]
        var body: [UInt8]
    }

    enum Failure: Error {
        /// Could not connect or the exchange failed (`dial tcp 127.0.0.1:1: connect: connection refused`).
        case network(String)
        case timeout
    }

    static let maxResponseBytes = 64 << 20

    static func send(_ req: Request) throws(Failure) -> Response {
        let deadline = monotonicNs() + max(req.timeoutNs, 1)
        let (hostName, port) = splitHostPort(req.url.host, defaultPort: req.tls == nil ? 80 : 443)
        let fd = try connect(host: hostName, port: port, display: req.url.host, deadline: deadline)
        let conn = Connection(fd: fd, deadline: deadline)
        defer { conn.close() }
        if let tls = req.tls { try conn.startTLS(tls, host: hostName) }

        var target = req.url.escapedPath
        if target.isEmpty { target = "/" }
        if !req.url.rawQuery.isEmpty { target += "?" + req.url.rawQuery }
        // A Host header in the request replaces the URL's host (as Go's Request.Host).
        let host = req.headers.last { $0.0.lowercased() == "host" }?.1 ?? req.url.host
        var head = "\(req.method) \(target) HTTP/1.1\r\nHost: \(host)\r\n"
        for (k, v) in req.headers where k.lowercased() != "host" { head += "\(k): \(v)\r\n" }
        if !req.body.isEmpty || ["POST", "PUT", "PATCH"].contains(req.method) {
            head += "Content-Length: \(req.body.count)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        try conn.write(Array(head.utf8) + req.body)

        var reader = Reader(conn: conn)
        var code = 0, status = ""
        var headers: [(String, String)] = []
        // Interim 1xx responses (100 Continue, 103 Early Hints) precede the real one.
        repeat {
            let statusLine = try reader.line()
            let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let c = Int(parts[1]), parts[1].count == 3 else {
                throw .network("malformed HTTP response \(GoQuote.quote(statusLine))")
            }
            code = c
            status = parts.count == 3 ? "\(parts[1]) \(parts[2])" : String(parts[1])
            headers = []
            while true {
                let l = try reader.line()
                if l.isEmpty { break }
                guard let colon = l.firstIndex(of: ":") else { throw .network("malformed MIME header line: \(l)") }
                guard headers.count < 1000 else { throw .network("too many response headers") }
                headers.append((l[..<colon].lowercased(), l[l.index(after: colon)...].trimmingSpaces()))
            }
        } while (100..<200).contains(code) && code != 101
        var body: [UInt8] = []
        let noBody = req.method == "HEAD" || code == 204 || code == 304 || (100..<200).contains(code)
        if !noBody {
            let te = headers.last { $0.0 == "transfer-encoding" }?.1.lowercased()
            if te?.contains("chunked") == true {
                body = try reader.chunked()
            } else if let cl = headers.last(where: { $0.0 == "content-length" }).flatMap({ Int($0.1) }) {
                guard cl <= maxResponseBytes else { throw .network("response body larger than \(maxResponseBytes) bytes") }
                body = try reader.bytes(cl)
            } else {
                body = try reader.untilClose()
            }
        }
        return Response(statusCode: code, status: status, headers: headers, body: body)
    }

    /// `host:port` → ("host", port); IPv6 brackets removed.
    static func splitHostPort(_ hostPort: String, defaultPort: Int) -> (String, Int) {
        var host = Substring(hostPort)
        var port = defaultPort
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":"), let p = Int(after.dropFirst()) { port = p }
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            if let p = Int(host[host.index(after: colon)...]) { port = p }
            host = host[..<colon]
        }
        return (String(host), port)
    }

    static func monotonicNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    fileprivate static func errnoText(_ e: Int32) -> String {
        switch e {
        case ECONNREFUSED: return "connection refused"
        case ENETUNREACH: return "network is unreachable"
        case EHOSTUNREACH: return "no route to host"
        case ECONNRESET: return "connection reset by peer"
        default: return String(cString: strerror(e)).lowercased()
        }
    }

    /// Resolves and connects (non-blocking connect bounded by the deadline), trying each address.
    private static func connect(host: String, port: Int, display: String, deadline: Int64) throws(Failure) -> Int32 {
        let addrs: [HostResolver.Address]
        do { addrs = try HostResolver.lookup(host) } catch { throw .network("dial tcp: " + NetworkBuiltins.lookupMessage(host, error.message)) }
        var lastError = "dial tcp \(display): no addresses"
        for a in addrs {
            let fd = socket(a.family, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { continue }
            let flags = fcntl(fd, F_GETFL, 0)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            var rc: Int32 = -1
            if a.family == AF_INET {
                var sa = sockaddr_in()
                sa.sin_family = sa_family_t(AF_INET)
                sa.sin_port = in_port_t(UInt16(port).bigEndian)
                withUnsafeMutableBytes(of: &sa.sin_addr) { $0.copyBytes(from: a.bytes) }
                rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            } else {
                var sa = sockaddr_in6()
                sa.sin6_family = sa_family_t(AF_INET6)
                sa.sin6_port = in_port_t(UInt16(port).bigEndian)
                withUnsafeMutableBytes(of: &sa.sin6_addr) { $0.copyBytes(from: a.bytes) }
                rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
            }
            let addrText = a.family == AF_INET6 ? "[\(a.text)]:\(port)" : "\(a.text):\(port)"
            if rc != 0 && errno == EINPROGRESS {
                do { try wait(fd, events: Int16(POLLOUT), deadline: deadline) } catch {
                    close(fd)
                    throw error
                }
                var err: Int32 = 0
                var len = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
                if err == 0 { return fd }
                lastError = "dial tcp \(addrText): connect: \(errnoText(err))"
            } else if rc == 0 {
                return fd
            } else {
                lastError = "dial tcp \(addrText): connect: \(errnoText(errno))"
            }
            close(fd)
        }
        throw .network(lastError)
    }

    /// Waits until `fd` is ready for `events` or the deadline passes.
    fileprivate static func wait(_ fd: Int32, events: Int16, deadline: Int64) throws(Failure) {
        while true {
            let left = deadline - monotonicNs()
            if left <= 0 { throw .timeout }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let ms = Int32(min((left + 999_999) / 1_000_000, Int64(Int32.max)))
            let rc = poll(&p, 1, ms)
            if rc > 0 { return }
            if rc < 0 && errno != EINTR { throw .network("poll: \(errnoText(errno))") }
        }
    }

    /// Buffered reads bounded by the deadline.
    fileprivate struct Reader {
        let conn: Connection
        var buf: [UInt8] = []
        var pos = 0
        var eof = false

        init(conn: Connection) { self.conn = conn }

        mutating func fill() throws(Failure) {
            if pos > 65536 { buf.removeFirst(pos); pos = 0 }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = try conn.read(&chunk)
            if n == 0 { eof = true; return }
            if buf.count - pos + n > HTTPClient.maxResponseBytes + 65536 { throw .network("response larger than \(HTTPClient.maxResponseBytes) bytes") }
            buf.append(contentsOf: chunk[..<n])
        }

        /// One line without its CRLF (or LF).
        mutating func line() throws(Failure) -> String {
            while true {
                if let nl = buf[pos...].firstIndex(of: 0x0A) {
                    var end = nl
                    if end > pos && buf[end - 1] == 0x0D { end -= 1 }
                    let s = String(decoding: buf[pos..<end], as: UTF8.self)
                    pos = nl + 1
                    return s
                }
                if eof { throw .network("unexpected EOF") }
                try fill()
            }
        }

        mutating func bytes(_ n: Int) throws(Failure) -> [UInt8] {
            while buf.count - pos < n {
                if eof { throw .network("unexpected EOF") }
                try fill()
            }
            let out = Array(buf[pos..<(pos + n)])
            pos += n
            return out
        }

        mutating func untilClose() throws(Failure) -> [UInt8] {
            while !eof { try fill() }
            let out = Array(buf[pos...])
            pos = buf.count
            return out
        }

        mutating func chunked() throws(Failure) -> [UInt8] {
            var out: [UInt8] = []
            while true {
                let sizeLine = try line()
                let hex = sizeLine.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces() } ?? ""
                guard let size = Int(hex, radix: 16), size >= 0 else { throw .network("malformed chunked encoding") }
                if size == 0 {
                    while try !line().isEmpty {}
                    return out
                }
                guard out.count + size <= HTTPClient.maxResponseBytes else { throw .network("response body larger than \(HTTPClient.maxResponseBytes) bytes") }
                out += try bytes(size)
                _ = try line()
            }
        }
    }
}

/// One TCP connection, plain or TLS, with the request's deadline.
private final class Connection {
    let fd: Int32
    let deadline: Int64
    var tls: OpaquePointer? = nil

    init(fd: Int32, deadline: Int64) {
        self.fd = fd
        self.deadline = deadline
    }

    private var deadlineMs: Int64 { deadline / 1_000_000 }

    func startTLS(_ t: HTTPClient.TLS, host: String) throws(HTTPClient.Failure) {
        var err = [CChar](repeating: 0, count: 512)
        var handle: OpaquePointer? = nil
        let name = t.serverName ?? host
        let ca = t.caPEM ?? ""
        let rc = copenssl_tls_connect(fd, name, t.verify ? 1 : 0, ca, ca.utf8.count, t.systemRoots ? 1 : 0,
                                      deadlineMs, &handle, &err, err.count)
        if rc == 1 {
            tls = handle
            return
        }
        if rc == Int32(COPENSSL_TLS_TIMEOUT.rawValue) { throw .timeout }
        throw .network(String(cString: err))
    }

    func write(_ data: [UInt8]) throws(HTTPClient.Failure) {
        if let tls {
            var err = [CChar](repeating: 0, count: 512)
            let rc = data.withUnsafeBufferPointer { copenssl_tls_write(tls, $0.baseAddress, $0.count, deadlineMs, &err, err.count) }
            if rc == 1 { return }
            if rc == Int32(COPENSSL_TLS_TIMEOUT.rawValue) { throw .timeout }
            throw .network(String(cString: err))
        }
        var off = 0
        while off < data.count {
            try HTTPClient.wait(fd, events: Int16(POLLOUT), deadline: deadline)
            let n = data[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw .network("write: \(HTTPClient.errnoText(errno))")
            }
            off += n
        }
    }

    /// Bytes read into `buf` (0: the peer closed).
    func read(_ buf: inout [UInt8]) throws(HTTPClient.Failure) -> Int {
        if let tls {
            var err = [CChar](repeating: 0, count: 512)
            let n = buf.withUnsafeMutableBufferPointer { copenssl_tls_read(tls, $0.baseAddress, $0.count, deadlineMs, &err, err.count) }
            if n > 0 { return n }
            if n == Int(COPENSSL_TLS_EOF.rawValue) { return 0 }
            if n == Int(COPENSSL_TLS_TIMEOUT.rawValue) { throw .timeout }
            throw .network(String(cString: err))
        }
        while true {
            try HTTPClient.wait(fd, events: Int16(POLLIN), deadline: deadline)
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n >= 0 { return n }
            if errno == EAGAIN || errno == EINTR { continue }
            throw .network("read: \(HTTPClient.errnoText(errno))")
        }
    }

    func close() {
        if let tls { copenssl_tls_free(tls) }
        tls = nil
        _ = Glibc.close(fd)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let u = Array(utf8)
        var a = 0, b = u.count
        while a < b && (u[a] == 0x20 || u[a] == 0x09) { a += 1 }
        while b > a && (u[b - 1] == 0x20 || u[b - 1] == 0x09) { b -= 1 }
        return String(decoding: u[a..<b], as: UTF8.self)
    }
}
