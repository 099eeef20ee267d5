import Foundation
import Logging
import NIOCore
import Testing
import Wire
@testable import policyd

/// `respondOrDefer`: authorised admin ops come back unrun (for the admin thread); everything
/// else, decisions above all, is answered inline into the connection's buffer.
@Suite struct ResponderDeferTests {
    final class CountingAdmin: AdminActions, @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        var reloads: Int { lock.withLock { n } }
        func reload() -> ReloadOutcome {
            lock.withLock { n += 1 }
            return ReloadOutcome(activated: false, summary: "nothing new", results: [])
        }
        func rollback() -> PolicySnapshot? { nil }
    }

    let admin = CountingAdmin()
    var responder: Responder { Responder(store: PolicyStore(), config: Configuration(), admin: admin, logger: Logger(label: "test")) }

    func send(_ r: Responder, _ text: String, admin isAdmin: Bool, into out: inout ByteBuffer) -> Responder.DeferredOp? {
        var state = ConnectionState()
        var t = text
        return t.withUTF8 { r.respondOrDefer(to: UnsafeRawBufferPointer($0), peer: .unknown, isAdmin: isAdmin, into: &out, state: &state) }
    }

    @Test func adminOpsAreDeferredAndDecisionsAreNot() throws {
        let r = responder
        var out = ByteBufferAllocator().buffer(capacity: 256)
        #expect(send(r, #"{"id":1,"input":{}}"#, admin: true, into: &out) == nil)
        let afterDecision = out.readableBytes
        #expect(afterDecision > 0)

        let op = try #require(send(r, #"{"id":2,"op":"reload"}"#, admin: true, into: &out))
        #expect(out.readableBytes == afterDecision)  // nothing written for it yet
        #expect(admin.reloads == 0)  // and not run
        #expect(op.id == .int(2))
        let body = try JSON.parse(op.run())
        #expect(body["id"] == 2 && body["status"] == "ok")
        #expect(admin.reloads == 1)

        // A refused admin op is answered inline (nothing slow to run).
        #expect(send(r, #"{"id":3,"op":"reload"}"#, admin: false, into: &out) == nil)
        #expect(out.readableBytes > afterDecision)
        #expect(admin.reloads == 1)
    }
}
