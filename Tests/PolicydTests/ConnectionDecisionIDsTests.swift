import NIOCore
import Testing
@testable import policyd

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
