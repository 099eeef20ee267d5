import Engine
import Logging
import NIOCore
import NIOEmbedded
import Testing
import Wire
@testable import policyd

/// The connection handler splits reads into frames itself (no decoder handler): frames split
/// across reads, several frames per read, and bad headers must behave as the protocol says.
@Suite struct ConnectionHandlerTests {
    func channel(maxFrameBytes: Int = 1024) throws -> EmbeddedChannel {
        let responder = Responder(store: PolicyStore(), config: Configuration(), logger: Logger(label: "test"))
        let ch = EmbeddedChannel()
        try ch.pipeline.syncOperations.addHandler(
            ConnectionHandler(responder: responder, adminUIDs: [], maxConnections: 10, maxFrameBytes: maxFrameBytes))
        try ch.connect(to: SocketAddress(unixDomainSocketPath: "/tmp/x.sock")).wait()
        return ch
    }

    func frame(_ text: String) -> [UInt8] {
        let b = Array(text.utf8)
        let n = UInt32(b.count)
        return [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + b
    }

    /// Every answer written so far, in order (frame bodies as JSON).
    func answers(_ ch: EmbeddedChannel) throws -> [JSON] {
        var all = ByteBuffer()
        while var b = try ch.readOutbound(as: ByteBuffer.self) { all.writeBuffer(&b) }
        var out: [JSON] = []
        while let n = all.readInteger(endianness: .big, as: UInt32.self) {
            let body = all.readBytes(length: Int(n))
            out.append(try JSON.parse(try #require(body)))
        }
        #expect(all.readableBytes == 0)
        return out
    }

    @Test func framesSplitAcrossReadsAreAnsweredInOrder() throws {
        let ch = try channel()
        let bytes = (1...5).flatMap { frame(#"{"id":\#($0),"op":"health"}"#) }
        // One byte per read, then everything in one read, then uneven chunks.
        for b in bytes { try ch.writeInbound(ByteBuffer(bytes: [b])) }
        #expect(try answers(ch).map { $0["id"] } == [1, 2, 3, 4, 5])
        try ch.writeInbound(ByteBuffer(bytes: bytes))
        #expect(try answers(ch).map { $0["id"] } == [1, 2, 3, 4, 5])
        var i = 0
        for size in [3, 30, 1, 7, 100, 2, 1000] where i < bytes.count {
            let j = min(bytes.count, i + size)
            try ch.writeInbound(ByteBuffer(bytes: bytes[i..<j]))
            i = j
        }
        #expect(try answers(ch).map { $0["id"] } == [1, 2, 3, 4, 5])
        #expect(ch.isActive)
        _ = try ch.finish(acceptAlreadyClosed: true)
    }

    @Test func decisionsGetDistinctIncreasingIDs() throws {
        let ch = try channel()
        try ch.writeInbound(ByteBuffer(bytes: (1...50).flatMap { frame(#"{"id":\#($0),"input":{}}"#) }))
        let ids = try answers(ch).compactMap { $0["decision_id"]?.stringValue }
        #expect(ids.count == 50)
        #expect(Set(ids).count == 50)
        #expect(ids == ids.sorted())
        _ = try ch.finish(acceptAlreadyClosed: true)
    }

    @Test func zeroLengthHeaderAnswersWhatCameBeforeThenCloses() throws {
        let ch = try channel()
        try ch.writeInbound(ByteBuffer(bytes: frame(#"{"id":1,"op":"health"}"#) + [0, 0, 0, 0] + frame(#"{"id":2,"op":"health"}"#)))
        let a = try answers(ch)
        #expect(a.count == 2)
        #expect(a.first?["id"] == 1)
        #expect(a.last?["error"]?["code"] == "bad_request")
        #expect(!ch.isActive)
    }

    @Test func oversizedHeaderIsRefusedWithoutItsBody() throws {
        let ch = try channel(maxFrameBytes: 64)
        try ch.writeInbound(ByteBuffer(bytes: [0, 0, 0, 65, UInt8(ascii: "{")]))
        let a = try answers(ch)
        #expect(a.count == 1)
        #expect(a.first?["error"]?["code"] == "frame_too_large")
        #expect(!ch.isActive)
    }

    @Test func badJSONKeepsTheConnection() throws {
        let ch = try channel()
        try ch.writeInbound(ByteBuffer(bytes: frame("{nope") + frame(#"{"id":2,"op":"health"}"#)))
        let a = try answers(ch)
        #expect(a.first?["error"]?["code"] == "bad_json")
        #expect(a.last?["id"] == 2)
        #expect(ch.isActive)
        _ = try ch.finish(acceptAlreadyClosed: true)
    }
}

/// Per-connection decision ids: DecisionIDGenerator's format, increasing within a connection.
@Suite struct ConnectionDecisionIDsTests {
    func text(_ ids: inout ConnectionDecisionIDs, ms: UInt64) -> String {
        var b = ByteBuffer()
        let at = ids.writeNext(ms: ms, into: &b)
        #expect(at == 1)
        return String(decoding: b.readableBytesView, as: UTF8.self)
    }

    @Test func sameFormatAsTheSharedGenerator() {
        var a = ConnectionDecisionIDs()
        var b = a  // same state: the parts `next` returns are what `writeNext` writes
        let parts = b.next(ms: 1_763_800_000_123)
        let quoted = text(&a, ms: 1_763_800_000_123)
        #expect(quoted == "\"" + DecisionIDGenerator.encode(ms: parts.ms, hi: parts.hi, lo: parts.lo) + "\"")
        #expect(DecisionIDGenerator.timestampMs(of: String(quoted.dropFirst().dropLast())) == 1_763_800_000_123)
    }

    @Test func increasingWithinAMillisecondAndWhenTheClockGoesBack() {
        var g = ConnectionDecisionIDs()
        let ids = [5, 5, 5, 6, 4, 6, 7].map { text(&g, ms: UInt64(1_000_000 + $0)) }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        // A new millisecond draws a new random tail.
        var h = ConnectionDecisionIDs()
        let x = h.next(ms: 10), y = h.next(ms: 11)
        #expect(x.lo != y.lo || x.hi != y.hi)
    }

    @Test func oneOffRequestsDrawFromTheSharedGenerator() {
        var ids = ConnectionDecisionIDs(shared: DecisionIDGenerator(clockMs: { 7 }))
        let all = (0..<20).map { _ in text(&ids, ms: 0) }
        #expect(all == all.sorted())
        #expect(Set(all).count == 20)
        #expect(all.allSatisfy { DecisionIDGenerator.timestampMs(of: String($0.dropFirst().dropLast())) == 7 })
    }

    @Test func connectionsDoNotShareTails() {
        var a = ConnectionDecisionIDs(), b = ConnectionDecisionIDs()
        #expect(text(&a, ms: 42) != text(&b, ms: 42))
    }
}
