import Atomics
import CSystemd
import Glibc
import Logging

/// The decision log writer's journal side when entries go out as native datagrams: entries of
/// records (masked ones, journal-only writers) are encoded into a buffer here; each batch's
/// entries, the request path's and these, are sent with one `sendmmsg` (`JournalSocket`).
///
/// Entries too big for a datagram go through `sd_journal_sendv` (which passes them in a
/// memfd); with no journald listening they are logged through the journal's logger (whose
/// handler writes stderr then, as for every other message); entries a busy journald did not
/// take within `budget` are dropped, counted and reported at most every 10 s.
///
/// Used by the writer thread only (`dropped` may be read from anywhere).
final class DecisionJournalSender: @unchecked Sendable {
    /// How long a batch may wait for a busy journald: the file's next batch must not wait
    /// behind the journal.
    static let budget: Duration = .milliseconds(10)

    private let socket: JournalSocket
    /// The journal's logger (fallback without a journald) and the writer's (warnings).
    private let logger: Logger
    private let errorLogger: Logger?
    private var buffer: [UInt8] = []
    private var ends: [Int] = []
    /// Entries journald was too busy to take.
    let dropped = ManagedAtomic<UInt64>(0)
    private var reportedDrops: UInt64 = 0
    private var reportedAt = ContinuousClock.now - .seconds(60)

    init(socket: JournalSocket, logger: Logger, errorLogger: Logger?) {
        self.socket = socket
        self.logger = logger
        self.errorLogger = errorLogger
    }

    /// Encodes `r`'s entry, sent by the next `sendBuffered`.
    func add(_ r: DecisionRecord) {
        DecisionJournalEntry.append(r, to: &buffer)
        ends.append(buffer.count)
    }

    func sendBuffered() {
        guard !ends.isEmpty else { return }
        send(buffer, ends: ends)
        buffer.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
    }

    /// Sends the datagrams `bytes[ends[i-1]..<ends[i]]`.
    func send(_ bytes: [UInt8], ends: [Int]) {
        let outcome = socket.send(bytes, ends: ends, budget: Self.budget)
        func datagram(_ i: Int) -> ArraySlice<UInt8> { bytes[(i == 0 ? 0 : ends[i - 1])..<ends[i]] }
        for i in outcome.oversized {
            guard let fields = JournalNative.fields(of: datagram(i)) else { continue }
            let cstrings = fields.map { strdup($0.name + "=" + String(decoding: $0.value, as: UTF8.self))! }
            defer { cstrings.forEach { free($0) } }
            var iov = cstrings.map { iovec(iov_base: UnsafeMutableRawPointer($0), iov_len: strlen($0)) }
            _ = iov.withUnsafeMutableBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
        for i in outcome.unavailable {
            guard let fields = JournalNative.fields(of: datagram(i)) else { continue }
            logFallback(fields)
        }
        guard outcome.busy > 0 else { return }
        let total = dropped.wrappingIncrementThenLoad(by: UInt64(outcome.busy), ordering: .relaxed)
        let now = ContinuousClock.now
        guard now - reportedAt >= .seconds(10) else { return }
        errorLogger?.warning("journal busy: \(total - reportedDrops) decision entries not sent (\(total) in total; the decision log file has them)",
                             metadata: ["POLICYD_JOURNAL_DROPPED": .string(String(total))])
        reportedDrops = total
        reportedAt = now
    }

    /// An entry the socket could not send, through the journal's logger with the same fields.
    private func logFallback(_ fields: [(name: String, value: [UInt8])]) {
        var md: Logger.Metadata = [:]
        var message = ""
        var level = Logger.Level.notice
        for (name, value) in fields {
            let text = String(decoding: value, as: UTF8.self)
            switch name {
            case "MESSAGE": message = text
            case "PRIORITY": level = text == "4" ? .warning : text == "6" ? .info : .notice
            case "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC": break
            default: md[name] = .string(text)
            }
        }
        logger.log(level: level, Logger.Message(stringLiteral: message), metadata: md)
    }
}
