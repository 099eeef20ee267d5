import Logging

extension DecisionLogWriter {
    /// Builds the writer `config` describes (file under `stateDirectory` unless `path` is set).
    /// `journalSocket`: the daemon logs to the journal, so decision entries are sent there directly.
    public convenience init(config: DecisionLogConfig, stateDirectory: String, logger: Logger,
                            journal: Bool = true, journalSocket: JournalSocket? = nil) throws {
        let file = config.enabled
            ? try RotatingLogFile(path: config.resolvedPath(stateDirectory: stateDirectory),
                                  maxBytes: config.maxBytes, maxFiles: config.maxFiles, directIO: config.directIO)
            : nil
        let limit = config.journalRateLimitBurst > 0
            ? JournalRateLimit(intervalMs: config.journalRateLimitIntervalMs, burst: config.journalRateLimitBurst) : nil
        self.init(file: file, mask: config.mask,
                  journal: journal ? DecisionJournal(logger: logger, sampleAllow: config.journalSampleAllow, rateLimit: limit) : nil,
                  capacity: config.queueCapacity, maxQueuedBytes: config.queueMaxBytes, errorLogger: logger, journalSocket: journalSocket)
    }

    public struct Stats: Sendable, Equatable {
        public var recorded: UInt64
        public var written: UInt64
        public var dropped: UInt64
        public var writeErrors: UInt64
        /// Journal entries not sent because journald did not take them in time.
        public var journalDropped: UInt64 = 0
    }
}
