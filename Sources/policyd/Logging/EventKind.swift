import Logging

/// Stable journal MESSAGE_IDs, one per kind of event (generated once with `systemd-id128 new`).
/// `journalctl MESSAGE_ID=<id>` finds every occurrence across versions.
enum EventKind: String {
    case started = "e6599a895f124b5ea1392ec2040fe609"
    case stopping = "94915cc16e9a48e391fa9fc323334139"
    case bundleActivated = "05fae12878f147fbbd300a92247ff308"
    case bundleRejected = "97dc5e734bcd48e3a862bcdf01db1eea"
    case bundleRemoved = "4c1d7e0b2a9f4e36b8d5a0c3f1e27d94"
    case decision = "c97aaeaea96f478ca97fa6e3d25ee906"
    case protocolError = "cadaacfb868e48a1abf83d9929c8b7ee"
    case adminAction = "98f1c4a9df7646b0803e5b7369c40786"

    var metadata: Logger.MetadataValue { .string(rawValue) }
}

extension Logger {
    /// Logs with MESSAGE_ID set for `event` and extra journal fields (upper-case POLICYD_* keys).
    func event(_ event: EventKind, _ level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
               _ fields: Logger.Metadata = [:], file: String = #fileID, function: String = #function,
               line: UInt = #line)
    {
        guard level >= logLevel else { return }
        var md = fields
        md["MESSAGE_ID"] = event.metadata
        log(level: level, message(), metadata: md, source: nil, file: file, function: function, line: line)
    }
}
