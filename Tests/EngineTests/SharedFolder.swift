import Foundation

/// The read-only `shared/` folder that sits beside the repository (OPA's conformance cases, the
/// anchor benchmark policies, fixtures), found from this file's location so tests work from any
/// clone; `POLICYD_SHARED` overrides it.
enum SharedFolder {
    static let path: String = {
        if let env = ProcessInfo.processInfo.environment["POLICYD_SHARED"] { return env }
        // Tests/EngineTests/SharedFolder.swift → repository root → ../shared
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repo.appendingPathComponent("../shared").standardizedFileURL.path
    }()
}
