import CSystemd
import Foundation
import Logging

/// A swift-log handler writing native journal entries through `sd_journal_sendv`: MESSAGE,
/// PRIORITY, SYSLOG_IDENTIFIER=policyd, CODE_FILE/LINE/FUNC, and every metadata key that is a
/// valid journal field name (upper-case, e.g. MESSAGE_ID, POLICYD_REVISION) as its own field;
/// other metadata is appended to MESSAGE. When the journal socket does not accept the entry
/// (no journald running) or the target is stderr, it writes one readable line to stderr.
struct JournalLogHandler: LogHandler {
    enum Target: Sendable { case journal, stderr }

    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String
    let target: Target
    /// Extra fields added to every entry (e.g. POLICYD_TEST_RUN in tests).
    let staticFields: [(String, String)]

    init(label: String, target: Target, level: Logger.Level, staticFields: [(String, String)] = []) {
        self.label = label
        self.target = target
        self.logLevel = level
        self.staticFields = staticFields
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let m = event.metadata { all.merge(m) { $1 } }
        if target == .journal,
            sendJournal(event.level, event.message.description, all, file: event.file, function: event.function,
                        line: event.line)
        {
            return
        }
        writeStderr(event.level, event.message.description, all)
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// Journal field names: upper-case ASCII, digits and '_', not starting with '_' or a digit, ≤ 64.
    static func isFieldName(_ s: String) -> Bool {
        guard let f = s.utf8.first, s.utf8.count <= 64, f != UInt8(ascii: "_"), !(48...57).contains(f) else {
            return false
        }
        return s.utf8.allSatisfy { (65...90).contains($0) || (48...57).contains($0) || $0 == UInt8(ascii: "_") }
    }

    private func sendJournal(_ level: Logger.Level, _ message: String, _ md: Logger.Metadata, file: String,
                             function: String, line: UInt) -> Bool
    {
        var fields: [String] = []
        var extra = ""
        for (k, v) in md.sorted(by: { $0.key < $1.key }) {
            if Self.isFieldName(k) { fields.append("\(k)=\(v)") } else { extra += " \(k)=\(v)" }
        }
        fields.append("MESSAGE=\(message)\(extra)")
        fields.append("PRIORITY=\(Self.priority(level))")
        fields.append("SYSLOG_IDENTIFIER=policyd")
        fields.append("CODE_FILE=\(file)")
        fields.append("CODE_LINE=\(line)")
        fields.append("CODE_FUNC=\(function)")
        for (k, v) in staticFields { fields.append("\(k)=\(v)") }
        // Keep the C strings alive for the call; sd_journal_sendv copies them into one datagram.
        let cstrings = fields.map { strdup($0)! }
        defer { cstrings.forEach { free($0) } }
        var iov = cstrings.map { iovec(iov_base: UnsafeMutableRawPointer($0), iov_len: strlen($0)) }
        let rc = iov.withUnsafeMutableBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        return rc >= 0
    }

    private func writeStderr(_ level: Logger.Level, _ message: String, _ md: Logger.Metadata) {
        var line = "\(Self.timestamp()) policyd[\(getpid())] \(level): \(message)"
        for (k, v) in md.sorted(by: { $0.key < $1.key }) where k != "MESSAGE_ID" { line += " \(k)=\(v)" }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func timestamp() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = time_t(ts.tv_sec)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tmv.tm_year + 1900, tmv.tm_mon + 1, tmv.tm_mday,
                      tmv.tm_hour, tmv.tm_min, tmv.tm_sec, Int(ts.tv_nsec / 1_000_000))
    }
}
