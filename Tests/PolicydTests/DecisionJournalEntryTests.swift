import Engine
import Foundation
import Logging
import Testing
@testable import policyd

/// Decision journal entries encoded as native datagrams carry exactly the fields swift-log's
/// journald handler sends for `DecisionJournal.emit`; the journal socket sends batches and
/// never waits long for a busy journald.
@Suite struct DecisionJournalEntryTests {
    func fields(_ datagram: some Collection<UInt8>) throws -> [(String, String)] {
        try #require(JournalNative.fields(of: datagram)).map { ($0.name, String(decoding: $0.value, as: UTF8.self)) }
    }

    /// The fields `JournalLogHandler.sendJournal` builds for the record (its metadata sorted
    /// by name, then MESSAGE and PRIORITY), without the location fields.
    func handlerFields(_ r: DecisionRecord) -> [(String, String)] {
        DecisionJournal.metadata(r).sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }
            + [("MESSAGE", DecisionJournal.message(r).description),
               ("PRIORITY", String(JournalLogHandler.priority(DecisionJournal.level(r))))]
    }

    /// A request-path event for the sink tests (peer and timings fixed).
    func event(_ id: String, _ v: Verdict, timestampNs: Int64 = 1) -> DecisionEvent {
        DecisionEvent(decisionID: id, requestID: 1, path: "a/b", input: nil,
                      outcome: DecisionOutcome(verdict: v, reasons: v == .allow ? [] : ["no"], rules: [], error: nil),
                      bundles: [:], timestampNs: timestampNs, evalNs: 1000, peer: PeerCredentials(pid: 1, uid: 2, gid: 3))
    }

    func records() -> [DecisionRecord] {
        var failed = sampleRecord("01KAB5X0000000000000000001", decision: "deny")
        failed.error = .init(code: "eval_error", message: "evaluation failed: x")
        failed.reasons = ["evaluation failed: x"]
        var multi = sampleRecord("01KAB5X0000000000000000002", decision: "escalate")
        multi.bundles = [("zeta", "z"), ("Alpha", "a"), ("beta", "")]
        multi.reasons = ["two\nlines", "ü"]
        multi.rules = ["a.b.escalate", "a.c.escalate"]
        var bare = sampleRecord("01KAB5X0000000000000000003")
        bare.peer = nil
        bare.handlerNs = nil
        bare.evalNs = nil
        bare.rules = []
        bare.bundles = []
        return [sampleRecord("01KAB5X0000000000000000000", decision: "deny"), failed, multi, bare,
                sampleRecord("01KAB5X0000000000000000004")]
    }

    @Test func sameFieldsAsTheLogHandler() throws {
        for r in records() {
            var d: [UInt8] = []
            DecisionJournalEntry.append(r, to: &d)
            let got = try fields(d)
            let want = handlerFields(r)
            #expect(got.prefix(want.count).map(\.0) == want.map(\.0))
            #expect(got.prefix(want.count).map(\.1) == want.map(\.1))
            let rest = Dictionary(uniqueKeysWithValues: got.dropFirst(want.count).map { ($0.0, $0.1) })
            #expect(rest.count == 4 && rest["SYSLOG_IDENTIFIER"] == "policyd")
            #expect(rest["CODE_FILE"]?.hasPrefix("policyd/") == true && rest["CODE_FUNC"]?.isEmpty == false)
            #expect(rest["CODE_LINE"].flatMap { Int($0) } != nil)
        }
    }

    /// A value with a newline is sent length-prefixed (as libsystemd does), the others as `NAME=value`.
    @Test func newlinesUseTheBinaryForm() {
        var d: [UInt8] = []
        let start = JournalNative.beginField("POLICYD_REASON", &d)
        d.append(contentsOf: "a\nb".utf8)
        JournalNative.endField(valueStart: start, &d)
        JournalNative.field("POLICYD_RULES", "x=y", &d)
        #expect(d == Array("POLICYD_REASON\n".utf8) + [3, 0, 0, 0, 0, 0, 0, 0] + Array("a\nb\nPOLICYD_RULES=x=y\n".utf8))
        #expect(JournalNative.fields(of: d)?.map(\.name) == ["POLICYD_REASON", "POLICYD_RULES"])
        #expect(JournalNative.fields(of: Array("A\n\u{5}".utf8)) == nil)
    }

    /// The request path's entry (from the event) is the writer's entry (from the record the
    /// sink would build).
    @Test func eventEntryMatchesRecordEntry() {
        let three = ["zeta": BundleInfo(name: "zeta", revision: "z", activatedAtNs: 0),
                     "Alpha": BundleInfo(name: "Alpha", revision: "a", activatedAtNs: 0)]
        for (verdict, error) in [(Verdict.deny, nil), (.escalate, nil), (.deny, "no_policy"), (.allow, nil)] as [(Verdict, String?)] {
            for bundles in [three, ["b": BundleInfo(name: "b", revision: "r\n1", activatedAtNs: 0)], [:]] {
                let e = DecisionEvent(decisionID: "01KAB5X0000000000000000000", requestID: 1, path: "a/b", input: nil,
                                      outcome: DecisionOutcome(verdict: verdict, reasons: ["r1", "r\n2"], rules: ["a.b"],
                                                               error: error),
                                      bundles: bundles, timestampNs: 1, evalNs: 4321, peer: PeerCredentials(pid: 9, uid: 8, gid: 7),
                                      errorMessage: error.map { "failed: \($0)" }, handlerNs: 98765)
                var fromEvent: [UInt8] = []
                DecisionJournalEntry.append(e, revision: DecisionJournalEntry.revision(bundles), to: &fromEvent)
                var fromRecord: [UInt8] = []
                DecisionJournalEntry.append(DecisionLogSink.record(from: e), to: &fromRecord)
                #expect(fromEvent == fromRecord)
            }
        }
    }

    /// A bound datagram socket standing in for journald.
    final class FakeJournald {
        let path: String
        let fd: Int32
        init(_ dir: DecisionsTempDir, receiveBuffer: Int32? = nil) throws {
            path = dir.file("journal.sock")
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            if var size = receiveBuffer {
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            try #require(rc == 0)
        }
        deinit { close(fd) }

        /// Datagrams waiting, without blocking.
        func received() -> [[UInt8]] {
            var out: [[UInt8]] = []
            var buf = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n <= 0 { return out }
                out.append(Array(buf[0..<n]))
            }
        }
    }

    @Test func socketSendsABatchAndFallsBackWithoutJournald() throws {
        let dir = DecisionsTempDir()
        let missing = JournalSocket(path: dir.file("nothing.sock"))
        #expect(missing.send(Array("A=1\nB=2\n".utf8), ends: [4, 8], budget: .milliseconds(5)).unavailable == 0..<2)
        let journald = try FakeJournald(dir)
        let s = JournalSocket(path: journald.path)
        let out = s.send(Array("A=1\nB=2\nC=3\n".utf8), ends: [4, 8, 12], budget: .milliseconds(5))
        #expect(out == JournalSocket.Outcome(sent: 3))
        #expect(journald.received() == [Array("A=1\n".utf8), Array("B=2\n".utf8), Array("C=3\n".utf8)])
    }

    /// A journald that does not read: the batch gives up after the budget and counts the rest.
    @Test func busyJournaldCostsAtMostTheBudget() throws {
        let dir = DecisionsTempDir()
        let journald = try FakeJournald(dir, receiveBuffer: 4096)
        let s = JournalSocket(path: journald.path)
        let entry = Array(("MESSAGE=" + String(repeating: "x", count: 2000) + "\n").utf8)
        var bytes: [UInt8] = []
        var ends: [Int] = []
        for _ in 0..<2000 {
            bytes += entry
            ends.append(bytes.count)
        }
        let t0 = ContinuousClock.now
        let out = s.send(bytes, ends: ends, budget: .milliseconds(20))
        let took = ContinuousClock.now - t0
        #expect(out.busy > 0 && out.sent + out.busy == 2000)
        #expect(took < .seconds(2))
        #expect(journald.received().count == out.sent)
    }

    /// The writer with a journal socket: the request path's encoded entries and the writer's own
    /// (masked records) reach the journal, the file gets every line.
    @Test func writerSendsEncodedEntries() async throws {
        let dir = DecisionsTempDir()
        let journald = try FakeJournald(dir)
        let logs = DecisionsCapturedLogs()
        let logger = logs.infoLogger
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: dir.file("d.jsonl"), maxBytes: 1 << 20, maxFiles: 2),
                                       journal: DecisionJournal(logger: logger, sampleAllow: 0.5),
                                       journalSocket: JournalSocket(path: journald.path))
        #expect(writer.encodesJournal)
        let sink = DecisionLogSink(writer: writer)
        var batch = DecisionBatch()
        for (i, v) in [Verdict.allow, .allow, .allow, .allow, .deny, .escalate].enumerated() {
            sink.record(event("ID\(i)", v), rawInput: nil, batch: &batch)
        }
        sink.flush(&batch)
        writer.record(sampleRecord("R1", decision: "deny"))
        await writer.close()
        let ids = try journald.received().map { try fields($0).first { $0.0 == "POLICYD_DECISION_ID" }?.1 }
        #expect(ids.filter { $0?.hasPrefix("ID") == true }.count == 4)  // 2 of 4 allows, the deny, the escalate
        #expect(ids.contains("ID4") && ids.contains("ID5") && ids.contains("R1"))
        #expect(try String(contentsOfFile: dir.file("d.jsonl"), encoding: .utf8).split(separator: "\n").count == 7)
        #expect(logs.all.isEmpty)
    }

    @Test func rateLimitKeepsABurstPerInterval() {
        let l = JournalRateLimit(intervalMs: 1000, burst: 3)
        let t0: Int64 = 1_000_000_000_000
        #expect((0..<5).map { l.admit(nowNs: t0 + Int64($0)) } == [true, true, true, false, false])
        #expect(l.suppressedTotal == 0)  // refusals are counted by the caller
        l.countSuppressed(2)
        #expect(l.suppressedTotal == 2)
        #expect(l.admit(nowNs: t0 + 1_000_000_000))  // the next window
        #expect((0..<10).allSatisfy { JournalRateLimit(intervalMs: 1000, burst: 0).admit(nowNs: t0 + Int64($0)) })
    }

    /// Beyond the limit, entries are counted and reported (at close at the latest), not sent.
    @Test func writerReportsRateLimitedEntries() async throws {
        let logs = DecisionsCapturedLogs()
        let logger = logs.infoLogger
        let writer = DecisionLogWriter(file: nil, journal: DecisionJournal(logger: logger, sampleAllow: 0,
                                                                           rateLimit: JournalRateLimit(intervalMs: 60_000, burst: 2)),
                                       errorLogger: logger)
        for i in 0..<5 { writer.record(sampleRecord("D\(i)", decision: "deny")) }
        await writer.close()
        let decisions = logs.all.compactMap { $0.metadata["POLICYD_DECISION_ID"] }
        #expect(decisions == ["D0", "D1"])
        #expect(logs.all.last?.metadata["POLICYD_JOURNAL_SUPPRESSED"] == "3")
    }

    /// The request path's refusals (counted per connection batch) reach the close report.
    @Test func requestPathRateLimitIsCountedAndReported() async throws {
        let dir = DecisionsTempDir()
        let journald = try FakeJournald(dir)
        let logs = DecisionsCapturedLogs()
        let logger = logs.infoLogger
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: dir.file("d.jsonl"), maxBytes: 1 << 20, maxFiles: 2),
                                       journal: DecisionJournal(logger: logger, sampleAllow: 0,
                                                                rateLimit: JournalRateLimit(intervalMs: 60_000, burst: 1)),
                                       errorLogger: logger, journalSocket: JournalSocket(path: journald.path))
        let sink = DecisionLogSink(writer: writer)
        var batch = DecisionBatch()
        for i in 0..<3 {
            sink.record(event("ID\(i)", .deny, timestampNs: 1_000_000_000 + Int64(i)), rawInput: nil, batch: &batch)
        }
        sink.flush(&batch)
        await writer.close()
        #expect(journald.received().count == 1)
        #expect(logs.all.last?.metadata["POLICYD_JOURNAL_SUPPRESSED"] == "2")
    }

    /// Journal only (decision_log.enabled: false): the request path's entries are the chunk's
    /// decisions, counted as written once sent.
    @Test func journalOnlyWriterSendsEncodedEntries() async throws {
        let dir = DecisionsTempDir()
        let journald = try FakeJournald(dir)
        let logs = DecisionsCapturedLogs()
        let logger = logs.infoLogger
        let writer = DecisionLogWriter(file: nil, journal: DecisionJournal(logger: logger, sampleAllow: 0),
                                       journalSocket: JournalSocket(path: journald.path))
        let sink = DecisionLogSink(writer: writer)
        #expect(!sink.wants(.allow, failed: false) && sink.wants(.deny, failed: false))
        var batch = DecisionBatch()
        for (i, v) in [Verdict.deny, .escalate, .deny].enumerated() {
            sink.record(event("J\(i)", v), rawInput: nil, batch: &batch)
        }
        #expect(batch.count == 3 && batch.lines.isEmpty)
        sink.flush(&batch)
        await writer.flush()
        #expect(writer.stats.written == 3)
        await writer.close()
        let ids = try journald.received().map { try fields($0).first { $0.0 == "POLICYD_DECISION_ID" }?.1 }
        #expect(ids == ["J0", "J1", "J2"])
    }

    @Test func rateLimitConfig() throws {
        let c = try DecisionLogConfig(value: ["journal_rate_limit_burst": 0, "journal_rate_limit_interval_ms": 5000])
        #expect(c.journalRateLimitBurst == 0 && c.journalRateLimitIntervalMs == 5000)
        #expect(DecisionLogConfig().journalRateLimitBurst == 10_000)
        #expect(throws: DecisionLogConfig.Invalid.self) { try DecisionLogConfig(value: ["journal_rate_limit_burst": -1]) }
    }
}
