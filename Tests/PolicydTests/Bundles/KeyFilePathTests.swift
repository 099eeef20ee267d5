import Foundation
import Testing
@testable import policyd

/// Relative `key_file` paths name files next to the config file, not in the working directory.
@Suite struct KeyFilePathTests {
    @Test func relativeKeyFilesResolveAgainstTheConfigDirectory() throws {
        let dir = try BundleTestKit.tempDir("keyfile")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/etc/keys", withIntermediateDirectories: true)
        try Data(BundleTestKit.publicPEM).write(to: URL(fileURLWithPath: dir + "/etc/keys/k1.pem"))
        try """
            keys:
              rel: {algorithm: ES256, key_file: keys/k1.pem}
              dot: {algorithm: ES256, key_file: ./keys/k1.pem}
              abs: {algorithm: ES256, key_file: \(dir)/etc/keys/k1.pem}
            """.write(toFile: dir + "/etc/policyd.yaml", atomically: true, encoding: .utf8)

        let config = try ConfigLoader.load(file: dir + "/etc/policyd.yaml")
        #expect(config.keys["rel"]?.keyFile == dir + "/etc/keys/k1.pem")
        #expect(config.keys["dot"]?.keyFile == dir + "/etc/./keys/k1.pem")
        #expect(config.keys["abs"]?.keyFile == dir + "/etc/keys/k1.pem")
        let settings = try BundleSettings.from(config, baseDirectory: "/nonexistent")
        #expect(settings.verification.keys["rel"]?.material == BundleTestKit.publicPEM)

        // A config path relative to the working directory (built with `..`, no chdir: tests run
        // in parallel); the CLI's `bundle verify --config` loader too.
        let up = String(repeating: "../", count: FileManager.default.currentDirectoryPath.split(separator: "/").count)
        let relative = up + dir.dropFirst() + "/etc/policyd.yaml"
        let expected = FileManager.default.currentDirectoryPath + "/" + up + dir.dropFirst() + "/etc/keys/k1.pem"
        #expect(try ConfigLoader.load(file: relative).keys["rel"]?.keyFile == expected)
        #expect(try BundleSettings.load(file: relative).verification.keys["rel"]?.material == BundleTestKit.publicPEM)
    }
}
