import Engine
import Foundation
import Logging
import NIOCore
import Testing
import Wire
@testable import policyd

/// The epoll connection over a socketpair: framing across reads, bad headers, half-close,
/// max_connections and back-pressure, as the protocol says.
@Suite struct ConnectionTests {
    /// One loop thread serving connections handed to it; the test talks to the other end.
    final class Harness {
        let loop: EpollLoop
        let responder: Responder
        init(maxFrameBytes: Int = 1024, maxConnections: Int = 10, idleTimeoutMs: Int = 0,
             store: PolicyStore = PolicyStore(), peekRequests: Bool = true, consumeDelayMs: Int = 10,
             consumeWithSend: Bool? = nil, batchSends: Bool = true) throws {
            responder = Responder(store: store, config: Configuration(), logger: Logger(label: "test"))
            loop = try EpollLoop(index: 0, settings: ConnectionSettings(responder: responder, maxConnections: maxConnections,
                                                                     maxFrameBytes: maxFrameBytes, idleTimeoutMs: idleTimeoutMs,
                                                                     peekRequests: peekRequests, consumeDelayMs: consumeDelayMs,
                                                                     consumeWithSend: consumeWithSend, batchSends: batchSends))
            loop.start()
        }
        deinit { loop.stop() }

        /// A connected client fd (blocking, 5 s receive timeout); the server end is on the loop.
        /// `smallServerSendBuffer`: the server end's send buffer at the kernel's minimum, so
        /// that a few KiB of answers fill it.
        func connect(smallServerSendBuffer: Bool = false) throws -> Int32 {
            var fds: [Int32] = [0, 0]
            try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
            let server = fds[1]
            if smallServerSendBuffer {
                var small: Int32 = 1
                setsockopt(server, SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = fcntl(server, F_SETFL, fcntl(server, F_GETFL) | O_NONBLOCK)
            loop.execute { $0.adopt(server) }
            var tv = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fds[0], SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            return fds[0]
        }
    }

    /// Shrinks `fd`'s send buffer to the kernel's minimum (a few kernel buffers' worth).
    func shrinkSendBuffer(_ fd: Int32) {
        var small: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
    }

    func frame(_ text: String) -> [UInt8] {
        let b = Array(text.utf8)
        let n = UInt32(b.count)
        return [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + b
    }

    func send(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n <= 0 { return }
            off += n
        }
    }

    func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var b = [UInt8](repeating: 0, count: count)
        var off = 0
        while off < count {
            let n = b.withUnsafeMutableBytes { read(fd, $0.baseAddress! + off, count - off) }
            if n <= 0 { return nil }
            off += n
        }
        return b
    }

    /// The next `count` answers (fewer if the connection ends first).
    func answers(_ fd: Int32, _ count: Int) throws -> [JSON] {
        var out: [JSON] = []
        while out.count < count, let h = readExactly(fd, 4) {
            let n = Int(h[0]) << 24 | Int(h[1]) << 16 | Int(h[2]) << 8 | Int(h[3])
            guard let body = readExactly(fd, n) else { break }
            out.append(try JSON.parse(body))
        }
        return out
    }

    /// True when the server closed its end (read returns 0, not a timeout).
    func atEOF(_ fd: Int32) -> Bool {
        var b: UInt8 = 0
        return read(fd, &b, 1) == 0
    }

    @Test func framesSplitAcrossReadsAreAnsweredInOrder() throws {
        let h = try Harness()
        let fd = try h.connect()
        defer { close(fd) }
        let bytes = (1...5).flatMap { frame(#"{"id":\#($0),"op":"health"}"#) }
        // One byte per write, then everything in one write, then uneven chunks.
        for b in bytes { send(fd, [b]) }
        #expect(try answers(fd, 5).map { $0["id"] } == [1, 2, 3, 4, 5])
        send(fd, bytes)
        #expect(try answers(fd, 5).map { $0["id"] } == [1, 2, 3, 4, 5])
        var i = 0
        for size in [3, 30, 1, 7, 100, 2, 1000] where i < bytes.count {
            let j = min(bytes.count, i + size)
            send(fd, Array(bytes[i..<j]))
            usleep(1000)
            i = j
        }
        #expect(try answers(fd, 5).map { $0["id"] } == [1, 2, 3, 4, 5])
    }

    @Test func decisionsGetDistinctIncreasingIDs() throws {
        let h = try Harness()
        let fd = try h.connect()
        defer { close(fd) }
        send(fd, (1...50).flatMap { frame(#"{"id":\#($0),"input":{}}"#) })
        let ids = try answers(fd, 50).compactMap { $0["decision_id"]?.stringValue }
        #expect(ids.count == 50)
        #expect(Set(ids).count == 50)
        #expect(ids == ids.sorted())
    }

    @Test func zeroLengthHeaderAnswersWhatCameBeforeThenCloses() throws {
        let h = try Harness()
        let fd = try h.connect()
        defer { close(fd) }
        send(fd, frame(#"{"id":1,"op":"health"}"#) + [0, 0, 0, 0] + frame(#"{"id":2,"op":"health"}"#))
        let a = try answers(fd, 3)
        #expect(a.count == 2)
        #expect(a.first?["id"] == 1)
        #expect(a.last?["error"]?["code"] == "bad_request")
        #expect(atEOF(fd))
    }

    @Test func oversizedHeaderIsRefusedWithoutItsBody() throws {
        let h = try Harness(maxFrameBytes: 64)
        let fd = try h.connect()
        defer { close(fd) }
        send(fd, [0, 0, 0, 65, UInt8(ascii: "{")])
        let a = try answers(fd, 2)
        #expect(a.count == 1)
        #expect(a.first?["error"]?["code"] == "frame_too_large")
        #expect(atEOF(fd))
    }

    @Test func badJSONKeepsTheConnection() throws {
        let h = try Harness()
        let fd = try h.connect()
        defer { close(fd) }
        send(fd, frame("{nope") + frame(#"{"id":2,"op":"health"}"#))
        let a = try answers(fd, 2)
        #expect(a.first?["error"]?["code"] == "bad_json")
        #expect(a.last?["id"] == 2)
        send(fd, frame(#"{"id":3,"op":"health"}"#))
        #expect(try answers(fd, 1).first?["id"] == 3)
    }

    @Test func halfCloseAnswersWhatWasSentThenCloses() throws {
        let h = try Harness()
        let fd = try h.connect()
        defer { close(fd) }
        send(fd, (1...3).flatMap { frame(#"{"id":\#($0),"op":"health"}"#) })
        shutdown(fd, Int32(SHUT_WR))
        #expect(try answers(fd, 4).map { $0["id"] } == [1, 2, 3])
        #expect(atEOF(fd))
    }

    @Test func connectionsBeyondTheLimitGetOverloadedThenClose() throws {
        let h = try Harness(maxConnections: 1)
        let first = try h.connect()
        defer { close(first) }
        send(first, frame(#"{"id":1,"op":"health"}"#))
        #expect(try answers(first, 1).first?["id"] == 1)
        let second = try h.connect()
        defer { close(second) }
        let a = try answers(second, 2)
        #expect(a.count == 1)
        #expect(a.first?["error"]?["code"] == "overloaded")
        #expect(atEOF(second))
        // The first one is unaffected.
        send(first, frame(#"{"id":2,"op":"health"}"#))
        #expect(try answers(first, 1).first?["id"] == 2)
    }

    /// A peer that writes far more than the socket buffers hold before reading: the server
    /// stops reading while its answers wait, and every answer still arrives, in order.
    @Test func slowReaderGetsEveryAnswerInOrder() throws {
        let h = try Harness()
        let fd = try h.connect()
        defer { close(fd) }
        let n = 20_000
        let request = (0..<n).flatMap { frame(#"{"id":\#($0),"op":"health"}"#) }
        let writer = Thread { [request] in
            var off = 0
            while off < request.count {
                let m = request.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
                if m <= 0 { return }
                off += m
            }
        }
        writer.start()
        usleep(200_000)  // let both directions' buffers fill before reading
        let ids = try answers(fd, n).compactMap { $0["id"]?.intValue }
        #expect(ids == Array(0..<n))
    }

    /// Idle for the timeout: closed (not before it); a connection that keeps talking stays open.
    @Test func idleConnectionIsClosedAfterTheTimeout() throws {
        let h = try Harness(idleTimeoutMs: 300)
        let idle = try h.connect(), busy = try h.connect()
        defer { close(idle); close(busy) }
        let start = DispatchTime.now().uptimeNanoseconds
        send(idle, frame(#"{"id":1,"op":"health"}"#))
        #expect(try answers(idle, 1).first?["id"] == 1)
        for i in 0..<16 {  // ~480 ms of activity, every 30 ms
            send(busy, frame(#"{"id":\#(i),"op":"health"}"#))
            #expect(try answers(busy, 1).first?["id"]?.intValue == i)
            usleep(30_000)
        }
        #expect(atEOF(idle))
        #expect(DispatchTime.now().uptimeNanoseconds - start >= 300_000_000)
        send(busy, frame(#"{"id":"late","op":"health"}"#))
        #expect(try answers(busy, 1).first?["id"] == "late")
    }

    /// A compiled one-rule policy: `data.t.decision` is `verdict`.
    static func verdictPolicy(_ verdict: String) throws -> CompiledPolicy {
        try CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: "package t\ndecision := \"\(verdict)\"\n")])
    }

    @Test func aConnectionServesTheNewPolicyOnceItIsActivated() throws {
        let store = PolicyStore()
        store.activate(policy: try Self.verdictPolicy("allow"), bundles: [:], results: [])
        let h = try Harness(store: store)
        let fd = try h.connect()
        defer { close(fd) }
        let decide = frame(#"{"id":1,"path":"t/decision","input":{}}"#)
        for _ in 0..<3 {
            send(fd, decide)
            #expect(try answers(fd, 1).first?["decision"] == "allow")
        }
        // The connection keeps the snapshot it served while the store publishes nothing new;
        // after an activation (and after a recorded failure, which publishes a snapshot too)
        // its next request uses what the store serves.
        store.activate(policy: try Self.verdictPolicy("deny"), bundles: [:], results: [])
        send(fd, decide)
        #expect(try answers(fd, 1).first?["decision"] == "deny")
        store.recordFailure([ReloadResult(bundle: "b", ok: false, revision: "2", error: "bad", atNs: 0)], loadError: "bad")
        send(fd, frame(#"{"id":2,"op":"status"}"#))
        #expect(try answers(fd, 1).first?["bundles"]?["b"]?["last_error"] == "bad")
        #expect(store.rollback() != nil)
        send(fd, decide)
        #expect(try answers(fd, 1).first?["decision"] == "allow")
    }

    @Test func decisionsOfEveryConnectionAreCountedInStatus() throws {
        let store = PolicyStore()
        store.activate(policy: try Self.verdictPolicy("deny"), bundles: [:], results: [])
        let h = try Harness(store: store)
        let a = try h.connect(), b = try h.connect()
        defer { close(a); close(b) }
        send(a, (1...5).flatMap { frame(#"{"id":\#($0),"path":"t/decision","input":{}}"#) })
        #expect(try answers(a, 5).count == 5)
        send(b, (1...3).flatMap { frame(#"{"id":\#($0),"path":"t/decision","input":{}}"#) })
        #expect(try answers(b, 3).count == 3)
        // Counted by the loop (its own counts) and outside it (`respond(to:)`), summed when read.
        let body = Array(#"{"path":"t/decision","input":{}}"#.utf8)
        _ = body.withUnsafeBytes { h.responder.respond(to: $0, peer: .unknown, isAdmin: false) }
        send(b, frame(#"{"id":9,"op":"status"}"#))
        let counters = try #require(try answers(b, 1).first?["counters"])
        #expect(counters["requests"] == 10)
        #expect(counters["decisions"] == 9)
        #expect(counters["deny"] == 9)
        #expect(counters["allow"] == 0)
        #expect(h.responder.counters.decisions == 9)
    }

    @Test func aClientWithASmallSendBufferIsNotLeftWaiting() throws {
        // A client that waits for each answer has its requests peeked and taken off the socket
        // later (in bulk, or at the loop's consume tick). Its send buffer at the smallest size
        // (4,608 bytes of kernel buffers) holds two ~0.9 KB requests, below the 2 KiB bulk
        // threshold: the third send waits until the tick takes the peeked ones off. (A send
        // that waits 2 s fails the test.) Without the consume in the answer's system call.
        let h = try Harness(maxFrameBytes: 1 << 20, consumeWithSend: false)
        let fd = try h.connect()
        defer { close(fd) }
        shrinkSendBuffer(fd)
        var tv = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let pad = String(repeating: "x", count: 900)
        for i in 1...12 {
            send(fd, frame(#"{"id":\#(i),"op":"health","pad":"\#(pad)"}"#))
            #expect(try answers(fd, 1).first?["id"]?.intValue == i)
        }
        // A pipelining client (several requests per read) is read plainly; its answers come in order.
        let burst = (1...40).flatMap { frame(#"{"id":\#($0),"op":"health"}"#) }
        send(fd, burst)
        #expect(try answers(fd, 40).compactMap { $0["id"]?.intValue } == Array(1...40))
    }

    // MARK: peeked requests (`Connection.consumeAt`): bytes read but still queued on the socket

    /// Bytes this client sent that the server has not taken off the socket yet (SIOCOUTQ on
    /// an AF_UNIX stream socket: its send buffer still charged).
    func unconsumed(_ fd: Int32) -> Int {
        var n: Int32 = 0
        _ = ioctl(fd, UInt(0x5411), &n)  // SIOCOUTQ (TIOCOUTQ)
        return Int(n)
    }

    /// Requests one at a time, each answer awaited: after `Connection.syncBatches` of them
    /// the connection peeks.
    func waitForEachAnswer(_ fd: Int32, ids: ClosedRange<Int>, pad: Int = 0) throws -> [Int] {
        var seen: [Int] = []
        let padding = String(repeating: "x", count: pad)
        for i in ids {
            send(fd, frame(#"{"id":\#(i),"op":"health","pad":"\#(padding)"}"#))
            seen += try answers(fd, 1).compactMap { $0["id"]?.intValue }
        }
        return seen
    }

    @Test func aWaitingClientsRequestsArePeekedAndTakenOffWithinATick() throws {
        // Many connections, each left with answered requests still queued: the loop's consume
        // tick takes every one off (none waits for the client's next request). Without the
        // consume in the answer's system call, which leaves nothing queued.
        let h = try Harness(maxConnections: 32, consumeWithSend: false)
        let fds = try (0..<24).map { _ in try h.connect() }
        defer { for fd in fds { close(fd) } }
        var pendingSeen = 0
        for fd in fds {
            #expect(try waitForEachAnswer(fd, ids: 1...Connection.syncBatches + 3) == Array(1...Connection.syncBatches + 3))
            if unconsumed(fd) > 0 { pendingSeen += 1 }
        }
        // Peeking is in effect (a client descheduled past the tick may see 0: most do not).
        #expect(pendingSeen > 0)
        usleep(UInt32(h.loop.settings.consumeDelayNs / 1000) * 5)
        #expect(fds.map { unconsumed($0) } == Array(repeating: 0, count: fds.count))
        // And they go on serving.
        for fd in fds {
            send(fd, frame(#"{"id":"next","op":"health"}"#))
            #expect(try answers(fd, 1).first?["id"] == "next")
        }
    }

    @Test func withoutPeekingEveryRequestIsTakenOffBeforeItsAnswer() throws {
        // As where SO_PEEK_OFF is refused: plain reads, nothing left queued after an answer.
        let h = try Harness(peekRequests: false)
        let fd = try h.connect()
        defer { close(fd) }
        for i in 1...Connection.syncBatches + 4 {
            send(fd, frame(#"{"id":\#(i),"op":"health"}"#))
            #expect(try answers(fd, 1).first?["id"]?.intValue == i)
            #expect(unconsumed(fd) == 0)
        }
        send(fd, (1...3).flatMap { frame(#"{"id":\#($0),"op":"health"}"#) })
        shutdown(fd, Int32(SHUT_WR))
        #expect(try answers(fd, 4).map { $0["id"] } == [1, 2, 3])
        #expect(atEOF(fd))
    }

    @Test func aClientSwitchingBetweenWaitingAndPipeliningGetsEveryAnswerInOrder() throws {
        let h = try Harness()
        let fd = try h.connect()
        defer { close(fd) }
        let sync = Connection.syncBatches + 2
        for round in 0..<3 {
            let base = round * 1000
            #expect(try waitForEachAnswer(fd, ids: base + 1...base + sync) == Array(base + 1...base + sync))
            let burst = (1...30).map { base + 100 + $0 }
            send(fd, burst.flatMap { frame(#"{"id":\#($0),"op":"health"}"#) })
            #expect(try answers(fd, 30).compactMap { $0["id"]?.intValue } == burst)
        }
        // Waiting again, then several frames and the end of input: every answer, then a clean
        // end of input (bytes still queued at close would reset the connection instead).
        #expect(try waitForEachAnswer(fd, ids: 1...sync) == Array(1...sync))
        for i in 1...3 {
            send(fd, frame(#"{"id":\#(i),"op":"health"}"#))
            usleep(2000)
        }
        shutdown(fd, Int32(SHUT_WR))
        #expect(try answers(fd, 4).map { $0["id"] } == [1, 2, 3])
        var b: UInt8 = 0
        errno = 0
        #expect(read(fd, &b, 1) == 0)
        #expect(errno == 0)
    }

    @Test func framesSplitAcrossReadsWhilePeekingAreAnsweredInOrder() throws {
        let h = try Harness(maxFrameBytes: 1 << 20)
        let fd = try h.connect()
        defer { close(fd) }
        #expect(try waitForEachAnswer(fd, ids: 1...Connection.syncBatches + 1).count == Connection.syncBatches + 1)
        // A frame in pieces (header split too), each piece its own read.
        let bytes = frame(#"{"id":"split","op":"health","pad":"\#(String(repeating: "y", count: 3000))"}"#)
        var i = 0
        for size in [2, 1, 5, 700, 1, 2000] {
            send(fd, Array(bytes[i..<min(bytes.count, i + size)]))
            i = min(bytes.count, i + size)
            usleep(3000)
        }
        send(fd, Array(bytes[i...]))
        #expect(try answers(fd, 1).first?["id"] == "split")
        // A frame far larger than the read buffer and the bulk threshold, then waiting again.
        let large = frame(#"{"id":"large","op":"health","pad":"\#(String(repeating: "z", count: 300_000))"}"#)
        writeInChunks(fd, large, of: 4096)
        #expect(try answers(fd, 1).first?["id"] == "large")
        #expect(try waitForEachAnswer(fd, ids: 1...Connection.syncBatches + 2).count == Connection.syncBatches + 2)
        usleep(UInt32(h.loop.settings.consumeDelayNs / 1000) * 5)
        #expect(unconsumed(fd) == 0)
    }

    @Test func aClientThatSendsAndClosesWithoutReadingIsForgotten() throws {
        let h = try Harness()
        let counters = h.responder.counters
        for _ in 0..<5 {
            let fd = try h.connect()
            #expect(try waitForEachAnswer(fd, ids: 1...Connection.syncBatches + 2).count == Connection.syncBatches + 2)
            send(fd, (1...3).flatMap { frame(#"{"id":\#($0),"op":"health"}"#) })
            close(fd)
        }
        func open() -> Int? { counters.all.first { $0.0 == "connections" }?.1 }
        var live = open()
        for _ in 0..<200 where live != 0 {
            usleep(10_000)
            live = open()
        }
        #expect(live == 0)
        let fd = try h.connect()
        defer { close(fd) }
        send(fd, frame(#"{"id":1,"op":"health"}"#))
        #expect(try answers(fd, 1).first?["id"] == 1)
    }

    @Test func aLargeRequestInSmallWritesFromASmallSendBufferIsNotThrottled() throws {
        // A waiting client (peeked) sends a 64 KB request 64 bytes per write from the smallest
        // send buffer: six writes fill it (each write is a kernel buffer of ~0.7 KB). The
        // bytes of a request still arriving are taken off at once (13 ms for all of it here),
        // not at the consume tick (a few hundred bytes per tick: 0.85 s at the default 10 ms).
        // The tick is 2 s here, so an answer before one tick means no tick was waited for.
        let h = try Harness(maxFrameBytes: 1 << 20, consumeDelayMs: 2000)
        let fd = try h.connect()
        defer { close(fd) }
        shrinkSendBuffer(fd)
        #expect(try waitForEachAnswer(fd, ids: 1...Connection.syncBatches + 2).count == Connection.syncBatches + 2)
        let large = frame(#"{"id":"large","op":"health","pad":"\#(String(repeating: "z", count: 64_000))"}"#)
        let start = DispatchTime.now().uptimeNanoseconds
        writeInChunks(fd, large, of: 64)
        #expect(try answers(fd, 1).first?["id"] == "large")
        #expect(DispatchTime.now().uptimeNanoseconds - start < UInt64(h.loop.settings.consumeDelayNs))
    }

    /// Writes `bytes` to `fd` `size` bytes per write from another thread (which blocks while
    /// the socket is full), so the test can read answers meanwhile.
    func writeInChunks(_ fd: Int32, _ bytes: [UInt8], of size: Int) {
        Thread {
            var off = 0
            while off < bytes.count {
                let m = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, min(size, $0.count - off)) }
                if m <= 0 { return }
                off += m
            }
        }.start()
    }

    // MARK: the consume in the answer's system call (`EpollLoop.sendConsuming`)

    /// Polls until the server has taken every byte `fd` sent off the socket (true), or `ms` pass.
    func allTakenOff(_ fd: Int32, withinMs ms: Int) -> Bool {
        for _ in 0..<ms {
            if unconsumed(fd) == 0 { return true }
            usleep(1000)
        }
        return unconsumed(fd) == 0
    }

    /// `read` run on the loop's thread, its result handed back.
    func onLoop(_ h: Harness, _ read: @escaping @Sendable (EpollLoop) -> Int) -> Int {
        final class Box: @unchecked Sendable { var value = 0 }
        let box = Box(), done = DispatchSemaphore(value: 0)
        h.loop.execute { box.value = read($0); done.signal() }
        done.wait()
        return box.value
    }

    @Test func aWaitingClientsPeekedRequestsComeOffWithAnAnswer() throws {
        // ~700-byte requests, each answer awaited: every third or so brings `consumeAt` bytes
        // pending, and they come off the socket in the same system call as that answer's send.
        // The consume tick is 5 s: nothing here waits for it.
        let h = try Harness(consumeDelayMs: 5000, consumeWithSend: true)
        let fd = try h.connect()
        defer { close(fd) }
        let pad = String(repeating: "p", count: 700)
        var most = 0
        for i in 1...Connection.syncBatches + 12 {
            send(fd, frame(#"{"id":\#(i),"op":"health","pad":"\#(pad)"}"#))
            #expect(try answers(fd, 1).first?["id"]?.intValue == i)
            most = max(most, unconsumed(fd))
        }
        // Bounded near the threshold (SIOCOUTQ counts the kernel buffers' size, about twice the
        // bytes), far below the ~10 KB these requests add up to: none waited for the tick.
        #expect(most > 0 && most < 4 * Connection.consumeAt)
        if onLoop(h, { $0.sendsConsuming ? 1 : 0 }) == 1 {
            #expect(onLoop(h) { $0.sendConsumes } >= 3)
        }
        // Pipelining, half-close and end of input as before.
        send(fd, (1...3).flatMap { frame(#"{"id":\#($0),"op":"health"}"#) })
        shutdown(fd, Int32(SHUT_WR))
        #expect(try answers(fd, 4).map { $0["id"] } == [1, 2, 3])
        #expect(atEOF(fd))
    }

    @Test func withTheConsumeInTheAnswersCallTheOtherConsumesStillTakeOffWhatIsLeft() throws {
        // Peeked bytes that no answer goes out with: a request split over two writes (the bytes
        // of a request still arriving come off at once) and a large request (several reads: the
        // client is sending, so it is read plainly), between requests that wait for each answer;
        // what stays below the threshold at the end comes off at the consume tick.
        let h = try Harness(maxFrameBytes: 1 << 20, consumeDelayMs: 20, consumeWithSend: true)
        let fd = try h.connect()
        defer { close(fd) }
        #expect(try waitForEachAnswer(fd, ids: 1...Connection.syncBatches + 2, pad: 1500) == Array(1...Connection.syncBatches + 2))
        let split = frame(#"{"id":"split","op":"health"}"#)
        send(fd, Array(split[0..<7]))
        usleep(2000)
        send(fd, Array(split[7...]))
        #expect(try answers(fd, 1).first?["id"] == "split")
        let large = frame(#"{"id":"large","op":"health","pad":"\#(String(repeating: "z", count: 40_000))"}"#)
        send(fd, large)
        #expect(try answers(fd, 1).first?["id"] == "large")
        #expect(try waitForEachAnswer(fd, ids: 1...Connection.syncBatches + 3) == Array(1...Connection.syncBatches + 3))
        #expect(allTakenOff(fd, withinMs: 2000))
    }

    @Test func waitingClientsOnOneLoopAreAllServedWhileTheirNextRequestsAreReadAtOnce() throws {
        // After answering a waiting client the connection reads again at once (its next request
        // is often there already), a few times at most: four such clients on one loop, each
        // sending as soon as it has its answer, all get every answer in order.
        let h = try Harness()
        let fds = try (0..<4).map { _ in try h.connect() }
        defer { for fd in fds { close(fd) } }
        final class Seen: @unchecked Sendable { var ids: [[Int]] = Array(repeating: [], count: 4) }
        let seen = Seen(), group = DispatchGroup()
        for (k, fd) in fds.enumerated() {
            group.enter()
            Thread {
                defer { group.leave() }
                for i in 1...200 {
                    self.send(fd, self.frame(#"{"id":\#(i),"op":"health"}"#))
                    guard let a = try? self.answers(fd, 1).first?["id"]?.intValue else { return }
                    seen.ids[k].append(a)
                }
            }.start()
        }
        group.wait()
        #expect(seen.ids == Array(repeating: Array(1...200), count: 4))
    }

    // MARK: answers of several connections in one submission (`EpollLoop.flushDeferredSends`)

    /// Keeps the loop's thread busy for `ms` (so that what the test writes meanwhile is reported
    /// by one epoll_wait, as one batch).
    func holdLoop(_ h: Harness, ms: Int) {
        let started = DispatchSemaphore(value: 0)
        h.loop.execute { _ in
            started.signal()
            usleep(useconds_t(ms * 1000))
        }
        started.wait()
    }

    /// Four pipelining connections whose requests arrive in one epoll batch, with and without
    /// the joint send: every answer, in order per connection; with a ring, in one submission.
    @Test(arguments: [true, false])
    func answersOfSeveralConnectionsInOneBatchComeBackInOrder(batchSends: Bool) throws {
        let h = try Harness(batchSends: batchSends)
        let fds = try (0..<4).map { _ in try h.connect() }
        defer { for fd in fds { close(fd) } }
        for round in 0..<3 {
            holdLoop(h, ms: 50)
            for (k, fd) in fds.enumerated() {
                send(fd, (1...5).flatMap { frame(#"{"id":\#(round * 100 + k * 10 + $0),"op":"health"}"#) })
            }
            for (k, fd) in fds.enumerated() {
                #expect(try answers(fd, 5).compactMap { $0["id"]?.intValue } == (1...5).map { round * 100 + k * 10 + $0 })
            }
        }
        let batched = onLoop(h) { $0.batchedSends }
        if !batchSends {
            #expect(batched == 0)
        } else if onLoop(h, { $0.hasRing ? 1 : 0 }) == 1 {
            #expect(batched >= 3)
        }
        // A connection alone in its batch still sends at once.
        send(fds[0], frame(#"{"id":"alone","op":"health"}"#))
        #expect(try answers(fds[0], 1).first?["id"] == "alone")
    }

    /// Joint sends that fill the connections' small send buffers: the rest of each waits for
    /// EPOLLOUT and every answer arrives, in order, once the clients read.
    @Test func aShortJointSendKeepsTheRestForLater() throws {
        let h = try Harness()
        let fds = try (0..<3).map { _ in try h.connect(smallServerSendBuffer: true) }
        defer { for fd in fds { close(fd) } }
        let n = 400  // ~40 KB of answers per connection, far above the minimum send buffer
        holdLoop(h, ms: 50)
        for fd in fds { send(fd, (0..<n).flatMap { frame(#"{"id":\#($0),"op":"health"}"#) }) }
        usleep(100_000)  // the joint send runs (short) before anyone reads
        for fd in fds {
            #expect(try answers(fd, n).compactMap { $0["id"]?.intValue } == Array(0..<n))
        }
        // The connections go on as usual afterwards.
        for fd in fds {
            send(fd, frame(#"{"id":"after","op":"health"}"#))
            #expect(try answers(fd, 1).first?["id"] == "after")
        }
    }

    @Test func thePreemptionModelIsReadFromDebugfsTheCommandLineOrTheConfig() {
        #expect(KernelPreemption.fromDebugfs("none voluntary (full) lazy\n") == .full)
        #expect(KernelPreemption.fromDebugfs("(none) voluntary full\n") == KernelPreemption.none)
        #expect(KernelPreemption.fromDebugfs("none voluntary full\n") == nil)
        #expect(KernelPreemption.fromCommandLine("console=ttyS0 preempt=lazy quiet\n") == .lazy)
        #expect(KernelPreemption.fromCommandLine("console=ttyS0 quiet") == nil)
        #expect(KernelPreemption.fromConfig("CONFIG_PREEMPT_BUILD=y\nCONFIG_PREEMPT_NONE=y\n# CONFIG_PREEMPT is not set\nCONFIG_PREEMPT_DYNAMIC=y\n") == KernelPreemption.none)
        #expect(KernelPreemption.fromConfig("CONFIG_PREEMPT_VOLUNTARY=y\nCONFIG_PREEMPT_DYNAMIC=y\n") == .voluntary)
        #expect(KernelPreemption.fromConfig("CONFIG_PREEMPT=y\nCONFIG_PREEMPT_RT=y\n") == .full)
        #expect(KernelPreemption.fromConfig("CONFIG_HZ=250\n") == nil)
    }
}
