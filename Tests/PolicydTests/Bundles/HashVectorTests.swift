import Engine
import Foundation
import Testing
@testable import policyd

/// fixtures/opa-bundle-signing/hash-vectors.json: OPA's file digests and canonical JSON.
@Suite struct HashVectorTests {
    static let vectors: Value = (try? Fixtures.json("hash-vectors.json")) ?? .null

    @Test func fileDigests() throws {
        let list = try #require(Self.vectors["file_digests"]?.arrayValue)
        #expect(list.count == 14)
        for v in list {
            let name = v["name"]!.stringValue!
            let content = Array(v["content"]!.stringValue!.utf8)
            let algorithm = try #require(HashAlgorithm(rawValue: v["algorithm"]!.stringValue!))
            let input = try FileDigest.digestInput(name: name, bytes: content)
            #expect(FileDigest.isStructured(name) == v["structured"]?.boolValue, "\(name)")
            if let canonical = v["canonical"]?.stringValue {
                #expect(String(decoding: input, as: UTF8.self) == canonical, "\(name)")
            }
            #expect(FileDigest.hex(algorithm.digest(input)) == v["digest"]?.stringValue, "\(name) \(algorithm)")
        }
    }

    @Test func canonicalJSONVectors() throws {
        let list = try #require(Self.vectors["canonical_json"]?["vectors"]?.arrayValue)
        #expect(list.count == 22)
        for v in list {
            let id = v["id"]!.stringValue!
            let input = try #require(Data(base64Encoded: v["input_base64"]!.stringValue!))
            let canonical = CanonicalJSON.canonicalBytes(try CanonicalJSON.parse([UInt8](input)))
            #expect(String(decoding: canonical, as: UTF8.self) == v["canonical"]?.stringValue, "\(id)")
            #expect(FileDigest.hex(HashAlgorithm.sha256.digest(canonical)) == v["sha256"]?.stringValue, "\(id)")
        }
    }

    @Test func everyDigestAlgorithmOPANames() {
        // SHA-256 of "abc" and lengths of the others: all eight of OPA's names are supported.
        #expect(FileDigest.hex(HashAlgorithm.sha256.digest(Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let lengths: [HashAlgorithm: Int] = [.md5: 16, .sha1: 20, .sha224: 28, .sha256: 32, .sha384: 48, .sha512: 64, .sha512_224: 28, .sha512_256: 32]
        for (a, n) in lengths { #expect(a.digest([1, 2, 3]).count == n, "\(a)") }
        #expect(HashAlgorithm(rawValue: "sha256") == nil)
    }
}
