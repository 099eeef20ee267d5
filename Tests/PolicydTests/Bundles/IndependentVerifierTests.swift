import Foundation
import Testing
@testable import policyd

/// The reverse direction: bundles built and signed by policyd pass an independent verifier of
/// OPA's rules (Tests/Fixtures/tools/verify_opa_rules.py, Python `cryptography`), including PS256
/// with the maximal salt. Skipped when python3 with `cryptography` is not installed.
@Suite struct IndependentVerifierTests {
    static let script = URL(fileURLWithPath: Fixtures.root).deletingLastPathComponent()
        .appendingPathComponent("tools/verify_opa_rules.py").path

    static let pythonHasCryptography: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import cryptography"]
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test(.enabled(if: pythonHasCryptography, "needs python3 with cryptography"),
          arguments: [SigningAlgorithm.es256, .es384, .rs256, .ps256, .ps512])
    func policydBundlesPassAnIndependentOPARulesCheck(_ alg: SigningAlgorithm) throws {
        let dir = try SigningRoundTripTests.sampleDirectory()
        let work = try BundleTestKit.tempDir("indep")
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: work) }
        let keys = try SigningRoundTripTests.keyPair(alg)
        let bundle = try BundleBuilder.build(directory: dir, revision: "x", signing: .init(algorithm: alg, key: keys.privatePEM, keyID: "k", claims: nil))
        try Data(bundle).write(to: URL(fileURLWithPath: work + "/b.tar.gz"))
        try Data(keys.publicPEM).write(to: URL(fileURLWithPath: work + "/pub.pem"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Self.script, work + "/b.tar.gz", work + "/pub.pem", alg.rawValue]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(alg): \(message)")
    }
}
