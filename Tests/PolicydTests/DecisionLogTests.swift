import Engine
import Foundation
import Logging
import Synchronization
import Testing

@testable import policyd

@Suite struct DecisionIDTests {
    @Test func idsAreUniqueAndOrderedUnderConcurrency() async {
        let gen = DecisionIDGenerator()
        let perTask = 5_000
        let lists = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<perTask).map { _ in gen.next() } }
            }
            var out: [[String]] = []
            for await l in group { out.append(l) }
            return out
        }
        let all = lists.flatMap { $0 }
        #expect(Set(all).count == 8 * perTask)
        for l in lists {
            // Each task sees strictly increasing ids (the generator is globally monotonic).
            #expect(zip(l, l.dropFirst()).allSatisfy { $0 < $1 })
        }
        #expect(all.allSatisfy { $0.count == 26 })
    }

    @Test func clockGoingBackwardsStillIncreases() {
        let t = Mutex<UInt64>(1_000_000)
        let gen = DecisionIDGenerator { t.withLock { $0 } }
        let a = gen.next()
        t.withLock { $0 = 999_000 }
        let b = gen.next()
        let c = gen.next()
        #expect(a < b && b < c)
        #expect(DecisionIDGenerator.timestampMs(of: a) == 1_000_000)
        #expect(DecisionIDGenerator.timestampMs(of: c) == 1_000_000)
    }

    @Test func laterMillisecondSortsLater() {
        let t = Mutex<UInt64>(5)
        let gen = DecisionIDGenerator { t.withLock { $0 } }
        let ids = (0..<100).map { i -> String in t.withLock { $0 = UInt64(5 + i / 10) }; return gen.next() }
        #expect(ids == ids.sorted())
        #expect(DecisionIDGenerator.encode(ms: 0, hi: 0, lo: 0) == String(repeating: "0", count: 26))
        #expect(DecisionIDGenerator.encode(ms: 0xFFFF_FFFF_FFFF, hi: 0xFFFF, lo: .max) == "7" + String(repeating: "Z", count: 25))
    }
}

@Suite struct DecisionRecordTests {
    @Test func jsonRoundTripKeepsEveryField() throws {
        var r = sampleRecord("01JABCDEFGHJKMNPQRSTVWXYZ0", decision: "deny")
        r.error = .init(code: "eval_conflict_error", message: "complete rules must not produce multiple outputs")
        r.erased = ["/input/secret"]
        r.labels = [("id", "host-1")]
        let line = r.jsonLine
        #expect(line.hasPrefix(#"{"decision_id":"01JABCDEFGHJKMNPQRSTVWXYZ0","timestamp":"2026-11-18T11:06:40.123456789Z","path":"behavry/authz","decision":"deny""#))
        #expect(line.contains(#""bundles":{"behavry":{"revision":"r1"}}"#))
        #expect(line.contains(#""requested_by":"pid=42,uid=1000,gid=1000""#))
        #expect(line.contains(#""metrics":{"timer_rego_query_eval_ns":2500,"timer_server_handler_ns":7900}"#))
        let back = try DecisionRecord(json: line)
        #expect(back.jsonLine == line)
        #expect(back.latencyUs == 7)
    }

    @Test func rfc3339MatchesGoFormatting() {
        #expect(RFC3339.format(ns: 0) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.format(ns: 1_500_000_000) == "1970-01-01T00:00:01.5Z")
        #expect(RFC3339.parse("1970-01-01T00:00:01.5Z") == 1_500_000_000)
        #expect(RFC3339.parse("1970-01-01T01:00:00+01:00") == 0)
        #expect(RFC3339.parse("1970-01-01T00:00:00.1234567891234Z") == 123_456_789)
        #expect(RFC3339.parse("yesterday") == nil)
    }
}

@Suite struct DecisionMaskTests {
    @Test func removeAndUpsertAreRecorded() throws {
        var r = sampleRecord("A", input: [
            "secret": "hunter2", "user": ["name": "ann", "token": "t0k"], "items": ["a", "b", "c"],
        ])
        let rules = [
            try MaskRule(pointer: "/input/secret"),
            try MaskRule(op: .upsert, pointer: "/input/user/token", value: "***"),
            try MaskRule(pointer: "/input/items/1"),
            try MaskRule(pointer: "/input/absent"),               // no-op: not listed
            try MaskRule(op: .upsert, pointer: "/input/meta/masked_by", value: "policyd"),  // creates objects
            try MaskRule(pointer: "/result"),
        ]
        DecisionMasker.apply(rules, to: &r)
        #expect(r.input == ["user": ["name": "ann", "token": "***"], "items": ["a", "c"],
                            "meta": ["masked_by": "policyd"]])
        #expect(r.result == nil)
        #expect(r.erased == ["/input/secret", "/input/items/1", "/result"])
        #expect(r.masked == ["/input/user/token", "/input/meta/masked_by"])
    }

    @Test func pointerEscapesAndValidation() throws {
        var r = sampleRecord("A", input: ["a/b": 1, "c~d": 2, "keep": 3])
        DecisionMasker.apply([try MaskRule(pointer: "/input/a~1b"), try MaskRule(pointer: "/input/c~0d")], to: &r)
        #expect(r.input == ["keep": 3])
        #expect(throws: MaskRule.Invalid.self) { try MaskRule(pointer: "/labels/id") }
        #expect(throws: MaskRule.Invalid.self) { try MaskRule(pointer: "input/x") }
        #expect(throws: MaskRule.Invalid.self) { try MaskRule(config: ["op": "upsert", "path": "/input/x"]) }
    }
}

@Suite struct DecisionLogConfigTests {
    @Test func parsesEveryKeyAndRejectsUnknownOnes() throws {
        let doc = try StructuredText.parse("""
            enabled: true
            path: /var/log/policyd/decisions.jsonl
            max_bytes: 1048576
            max_files: 3
            journal_sample_allow: 0.25
            direct_io: false
            mask:
              - /input/secret
              - {op: upsert, path: /input/token, value: "***"}
            """, file: "x.yaml")
        let c = try DecisionLogConfig(value: doc)
        #expect(c.path == "/var/log/policyd/decisions.jsonl")
        #expect(c.maxBytes == 1_048_576 && c.maxFiles == 3 && c.journalSampleAllow == 0.25)
        #expect(!c.directIO && DecisionLogConfig().directIO)
        #expect(throws: DecisionLogConfig.Invalid.self) { try DecisionLogConfig(value: ["direct_io": "yes"]) }
        #expect(c.mask.map(\.pointer) == ["/input/secret", "/input/token"])
        #expect(c.mask[1].op == .upsert && c.mask[1].value == "***")
        #expect(DecisionLogConfig().resolvedPath(stateDirectory: "/var/lib/policyd") == "/var/lib/policyd/decisions.jsonl")
        #expect(throws: DecisionLogConfig.Invalid.self) { try DecisionLogConfig(value: ["max_byte": 5]) }
        #expect(throws: DecisionLogConfig.Invalid.self) { try DecisionLogConfig(value: ["journal_sample_allow": 2]) }
        #expect(throws: DecisionLogConfig.Invalid.self) { try DecisionLogConfig(value: ["max_files": 0]) }
    }
}

@Suite struct DecisionLogWriterTests {
    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func writesMaskedEntriesAndFlushes() async throws {
        let dir = DecisionsTempDir()
        let path = dir.file("decisions.jsonl")
        let file = try RotatingLogFile(path: path, maxBytes: 1 << 20, maxFiles: 3)
        let writer = DecisionLogWriter(file: file, mask: [try MaskRule(pointer: "/input/secret")])
        let gen = DecisionIDGenerator()
        for i in 0..<50 {
            writer.record(sampleRecord(gen.next(), input: ["secret": "hunter2", "n": .int(i)]))
        }
        await writer.flush()
        let got = try lines(path)
        #expect(got.count == 50)
        #expect(!got.joined().contains("hunter2"))
        let first = try DecisionRecord(json: got[0])
        #expect(first.input == ["n": 0])
        #expect(first.erased == ["/input/secret"])
        #expect(writer.stats.written == 50 && writer.stats.dropped == 0)
        await writer.close()
    }

    /// A log that keeps nothing yet has no writer thread (idle RSS); the first record starts it.
    @Test func writerThreadStartsWithTheFirstRecord() async throws {
        let dir = DecisionsTempDir()
        let path = dir.file("d.jsonl")
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: path, maxBytes: 1 << 20, maxFiles: 2))
        #expect(!writer.threadStarted)
        await writer.flush()
        #expect(!writer.threadStarted)
        #expect(writer.record(sampleRecord("01JABCDEFGHJKMNPQRSTVWXYZ0")))
        #expect(writer.threadStarted)
        await writer.close()
        #expect(try lines(path).count == 1)
    }

    /// Journal-only writer: what it asks the request path for follows the journal's level and
    /// allow sampling (decided once, at init).
    @Test func journalWantsFollowsLevelAndSampling() {
        let logs = DecisionsCapturedLogs()
        func writer(_ level: Logger.Level, sample: Double) -> DecisionLogWriter {
            var l = logs.logger
            l.logLevel = level
            return DecisionLogWriter(file: nil, journal: DecisionJournal(logger: l, sampleAllow: sample))
        }
        let notice = writer(.notice, sample: 0)
        #expect(notice.wants(allow: false, failed: false) && notice.wants(allow: true, failed: true))
        #expect(!notice.wants(allow: true, failed: false))
        let warning = writer(.warning, sample: 1)
        #expect(!warning.wants(allow: false, failed: false) && !warning.wants(allow: true, failed: false))
        #expect(warning.wants(allow: false, failed: true))
        let info = writer(.info, sample: 0.5)
        #expect(info.wants(allow: true, failed: false) && info.wants(allow: false, failed: false))
        #expect(!writer(.info, sample: 0).wants(allow: true, failed: false))
        #expect(!DecisionLogWriter(file: nil).wants(allow: false, failed: true))
        #expect(!notice.threadStarted)
    }

    @Test func closeWithoutRecordsStartsNoThread() async throws {
        let dir = DecisionsTempDir()
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: dir.file("d.jsonl"), maxBytes: 1 << 20, maxFiles: 2))
        await writer.close()
        #expect(writer.record(sampleRecord("01JABCDEFGHJKMNPQRSTVWXYZ0")) == false)
        #expect(writer.record(lines: Array("{}\n".utf8), count: 1, journal: []) == false)
        #expect(!writer.threadStarted)
        #expect(writer.stats.dropped == 2)
        await writer.close()  // idempotent
    }

    /// Dropping written pages from the page cache every few KiB changes nothing in the files,
    /// across rotations too.
    @Test func dropBehindKeepsEveryByte() throws {
        let dir = DecisionsTempDir()
        let path = dir.file("d.jsonl")
        let file = try RotatingLogFile(path: path, maxBytes: 64 << 10, maxFiles: 10, dropBehind: 4096, directIO: false)
        var all: [UInt8] = []
        for i in 0..<3_000 {
            let line = Array("{\"n\":\(i),\"pad\":\"\(String(repeating: "x", count: i % 97))\"}\n".utf8)
            try file.append(line)
            all.append(contentsOf: line)
        }
        file.close()
        let files = RotatingLogFile.existingFiles(path: path, maxFiles: 10).reversed()
        #expect(files.count > 3)
        var read: [UInt8] = []
        for f in files { read.append(contentsOf: FileManager.default.contents(atPath: f) ?? Data()) }
        #expect(read == all)
    }

    /// Rotated-out and deleted files are closed by the background retirer: after `close` no
    /// descriptor is left open, and every kept file is whole.
    @Test func rotationLeavesNoOpenFiles() throws {
        let dir = DecisionsTempDir()
        let path = dir.file("d.jsonl")
        /// Descriptors of this process open on files of this test (deleted ones included).
        func openHere() -> Int {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return fds.filter { ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + $0)) ?? "")
                .hasPrefix(path) }.count
        }
        let file = try RotatingLogFile(path: path, maxBytes: 4096, maxFiles: 3, dropBehind: 1024, directIO: false)
        var all: [UInt8] = []
        for i in 0..<10_000 {
            let line = Array("{\"n\":\(i)}\n".utf8)
            try file.append(line)
            all.append(contentsOf: line)
        }
        file.close()
        #expect(file.rotations > 10)
        #expect(openHere() == 0)
        var read: [UInt8] = []
        for f in RotatingLogFile.existingFiles(path: path, maxFiles: 3).reversed() {
            read.append(contentsOf: FileManager.default.contents(atPath: f) ?? Data())
        }
        #expect(all.count > read.count && Array(all.suffix(read.count)) == read)
    }

    @Test func closeWritesEverythingQueuedAndLaterRecordsAreDropped() async throws {
        let dir = DecisionsTempDir()
        let path = dir.file("d.jsonl")
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: path, maxBytes: 1 << 30, maxFiles: 2),
                                       capacity: 100_000)
        let gen = DecisionIDGenerator()
        var ids: [String] = []
        for _ in 0..<5_000 {
            let id = gen.next()
            ids.append(id)
            writer.record(sampleRecord(id))
        }
        await writer.close()           // what SIGTERM does: no flush() first
        #expect(try lines(path).map { try DecisionRecord(json: $0).decisionID } == ids)
        #expect(writer.record(sampleRecord(gen.next())) == false)
        #expect(writer.stats.dropped == 1)
        await writer.close()           // idempotent
    }

    /// The queue is bounded in bytes too: lines beyond `maxQueuedBytes` are dropped and counted
    /// (all or nothing per chunk); a chunk larger than the bound is taken when nothing waits.
    @Test func queueBoundInBytesDropsAndCounts() async throws {
        let dir = DecisionsTempDir()
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: dir.file("d.jsonl"), maxBytes: 1 << 30, maxFiles: 2),
                                       capacity: 1 << 20, maxQueuedBytes: 2000)
        let line = Array(String(repeating: "x", count: 1499).utf8) + [0x0A]
        #expect(writer.record(lines: line + line + line, count: 3, journal: []))  // 4500 B: alone in the queue
        var accepted: UInt64 = 3
        for _ in 0..<2000 where writer.record(lines: line, count: 1, journal: []) { accepted += 1 }
        await writer.close()
        let s = writer.stats
        #expect(s.dropped > 0 && s.recorded == accepted && s.written == accepted)
        #expect(s.recorded + s.dropped == 2003)
        #expect(try lines(dir.file("d.jsonl")).count == Int(accepted))
        #expect(try DecisionLogConfig(value: ["queue_max_bytes": 4096]).queueMaxBytes == 4096)
        #expect(DecisionLogConfig().queueMaxBytes == 64 << 20)
        #expect(throws: DecisionLogConfig.Invalid.self) { try DecisionLogConfig(value: ["queue_max_bytes": 0]) }
    }

    @Test func fullQueueDropsAndCountsWithoutBlocking() async throws {
        let dir = DecisionsTempDir()
        let logs = DecisionsCapturedLogs()
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: dir.file("d.jsonl"), maxBytes: 1 << 30, maxFiles: 2),
                                       capacity: 2, errorLogger: logs.logger)
        var accepted: UInt64 = 0
        for i in 0..<20_000 where writer.record(sampleRecord("id\(i)")) { accepted += 1 }
        await writer.close()
        let s = writer.stats
        #expect(s.recorded == accepted && s.written == accepted)
        #expect(s.recorded + s.dropped == 20_000)
        #expect(s.dropped > 0)
        // The hole in the audit trail is reported, with the running total.
        let warnings = logs.all.filter { $0.level == .warning }
        #expect(warnings.last?.metadata["POLICYD_DECISIONS_DROPPED"] == .string(String(s.dropped)))
    }

    @Test func rotatesBySizeKeepingMaxFiles() async throws {
        let dir = DecisionsTempDir()
        let path = dir.file("decisions.jsonl")
        let lineBytes = sampleRecord("01JABCDEFGHJKMNPQRSTVWXYZ0").jsonLine.utf8.count + 1
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: path, maxBytes: lineBytes * 10, maxFiles: 3))
        let gen = DecisionIDGenerator()
        var ids: [String] = []
        for i in 0..<55 {
            let id = gen.next()
            ids.append(id)
            writer.record(sampleRecord(id))
            if i % 7 == 0 { await writer.flush() }  // vary batch sizes
        }
        await writer.close()
        let files = RotatingLogFile.existingFiles(path: path)
        #expect(files == [path, path + ".1", path + ".2"])
        #expect(!FileManager.default.fileExists(atPath: path + ".3"))
        var kept: [String] = []
        for f in files.reversed() {
            let size = try FileManager.default.attributesOfItem(atPath: f)[.size] as! Int
            #expect(size <= lineBytes * 10)
            kept += try lines(f).map { try DecisionRecord(json: $0).decisionID }  // whole entries only
        }
        // The newest entries survive, in order; the oldest were rotated away.
        #expect(kept == Array(ids.suffix(kept.count)))
        #expect(kept.count >= 21 && kept.count <= 30)
        let reader = DecisionLogReader(path: path)
        #expect(try reader.lastLines(3).map { try DecisionRecord(json: $0).decisionID } == Array(ids.suffix(3)))
        #expect(try reader.line(for: kept[0]) != nil)
        #expect(try reader.line(for: ids[0]) == nil)
    }

    @Test func journalGetsDeniesAndSampledAllowsWithFields() async throws {
        let logs = DecisionsCapturedLogs()
        let writer = DecisionLogWriter(file: nil, journal: DecisionJournal(logger: logs.logger, sampleAllow: 0.25))
        for i in 0..<100 { writer.record(sampleRecord("allow\(i)")) }
        writer.record(sampleRecord("D1", decision: "deny"))
        writer.record(sampleRecord("E1", decision: "escalate"))
        await writer.close()
        let all = logs.all
        #expect(all.filter { $0.metadata["POLICYD_DECISION"] == "allow" }.count == 25)
        let deny = try #require(all.first { $0.metadata["POLICYD_DECISION_ID"] == "D1" })
        #expect(deny.metadata["POLICYD_DECISION"] == "deny")
        #expect(deny.metadata["POLICYD_ENTRYPOINT"] == "behavry/authz")
        #expect(deny.metadata["POLICYD_REVISION"] == "r1")
        #expect(deny.metadata["POLICYD_LATENCY_US"] == "7")
        #expect(deny.metadata["POLICYD_PEER_PID"] == "42" && deny.metadata["POLICYD_PEER_UID"] == "1000")
        #expect(deny.message == "deny behavry/authz: because")
        #expect(all.contains { $0.metadata["POLICYD_DECISION_ID"] == "E1" })
    }
}

@Suite struct DecisionLogThroughputTests {
    /// Prints the request-path cost of `record` and the writer's throughput (figures for the
    /// report; the assertions only check nothing was lost).
    @Test func recordCostAndThroughput() async throws {
        let dir = DecisionsTempDir()
        let path = dir.file("d.jsonl")
        let n = 50_000
        let writer = DecisionLogWriter(file: try RotatingLogFile(path: path, maxBytes: 1 << 30, maxFiles: 2),
                                       mask: [try MaskRule(pointer: "/input/secret")], capacity: n)
        let gen = DecisionIDGenerator()
        let records = (0..<n).map { _ in sampleRecord(gen.next(), input: ["secret": "x", "action": "read"]) }
        let t0 = DispatchTime.now().uptimeNanoseconds
        for r in records { writer.record(r) }
        let t1 = DispatchTime.now().uptimeNanoseconds
        await writer.close()
        let t2 = DispatchTime.now().uptimeNanoseconds
        let idStart = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<n { _ = gen.next() }
        let idNs = (DispatchTime.now().uptimeNanoseconds - idStart) / UInt64(n)
        print("decision log: record() \((t1 - t0) / UInt64(n)) ns/record on the caller; "
              + "\(UInt64(n) * 1_000_000_000 / max(1, t2 - t0)) records/s written end to end; id \(idNs) ns")
        #expect(writer.stats.written == UInt64(n) && writer.stats.dropped == 0)
    }
}

@Suite struct DecisionRecordRevisionTests {
    @Test func revisionSummaryIsSortedByBundleName() {
        var r = sampleRecord("A")
        r.bundles = [(name: "zeta", revision: "2"), (name: "alpha", revision: "1")]
        #expect(r.revisionSummary == "alpha=1,zeta=2")
        r.bundles = [(name: "only", revision: "r9")]
        #expect(r.revisionSummary == "r9")
    }
}
