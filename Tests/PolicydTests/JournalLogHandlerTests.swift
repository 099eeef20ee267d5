import Logging
import Testing
@testable import policyd

@Suite struct JournalLogHandlerTests {
    @Test func journalFieldNames() {
        for ok in ["MESSAGE_ID", "POLICYD_PEER_UID", "A", String(repeating: "X", count: 64)] {
            #expect(JournalLogHandler.isFieldName(ok), "\(ok)")
        }
        for bad in ["_PID", "1ABC", "lower", "DASH-ED", "", String(repeating: "X", count: 65)] {
            #expect(!JournalLogHandler.isFieldName(bad), "\(bad)")
        }
    }

    @Test func prioritiesFollowSyslog() {
        #expect(JournalLogHandler.priority(.trace) == 7)
        #expect(JournalLogHandler.priority(.debug) == 7)
        #expect(JournalLogHandler.priority(.info) == 6)
        #expect(JournalLogHandler.priority(.notice) == 5)
        #expect(JournalLogHandler.priority(.warning) == 4)
        #expect(JournalLogHandler.priority(.error) == 3)
        #expect(JournalLogHandler.priority(.critical) == 2)
    }

    @Test func eventKindsHaveDistinctSystemdIDs() {
        let ids: [EventKind] = [.started, .stopping, .bundleActivated, .bundleRejected, .decision, .protocolError, .adminAction]
        #expect(Set(ids.map(\.rawValue)).count == ids.count)
        for id in ids {
            #expect(id.rawValue.count == 32 && id.rawValue.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
    }
}
