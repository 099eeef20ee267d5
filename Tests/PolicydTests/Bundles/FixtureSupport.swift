import Testing
import Engine
import Foundation
@testable import policyd

/// The OPA bundle-signing fixtures (copied from /work/shared/fixtures into Tests/Fixtures).
enum Fixtures {
    static let root: String = {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/opa-bundle-signing").path
    }()

    static func path(_ relative: String) -> String { root + "/" + relative }

    static func json(_ relative: String) throws -> Value {
        let data = try #require(FileManager.default.contents(atPath: path(relative)))
        return CanonicalJSON.value(try CanonicalJSON.parse([UInt8](data)))
    }

    /// A fixture `verification` block as policyd's verification config (nil for JSON null).
    static func verification(_ v: Value?) throws -> VerificationConfig? {
        guard let v, v != .null else { return nil }
        var config = VerificationConfig()
        if let keys = v["keys"] { config.keys = try VerificationConfig.parseKeys(keys, baseDirectory: root) }
        config.keyID = v["keyid"]?.stringValue
        config.scope = v["scope"]?.stringValue
        config.excludeFiles = v["exclude_files"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return config
    }
}

