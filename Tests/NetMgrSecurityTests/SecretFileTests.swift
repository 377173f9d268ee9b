import Foundation
import Glibc
import NetMgrTestSupport
import Testing
@testable import NetMgrSecurity

@Suite struct SecretFileTests {
    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o620] as [mode_t])
    func refusesGroupOrOtherBits(mode: mode_t) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("node-a-key.pem")
        try PKIFile.write("secret", to: path, mode: mode)
        let octal = "0" + String(mode, radix: 8)
        let error = #expect(throws: SecretFileError.self) { try SecretFile.read(path: path) }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("\(path): private key is") && text.contains("by group or others (mode \(octal)); chmod 600 it"), "\(text)")
    }

    @Test func messageReadsAsTheDesignNoteSays() {
        let error = SecretFileError(path: "pki/node-a-key.pem", what: "private key", problem: .accessibleByOthers(mode: 0o644))
        #expect(error.description == "pki/node-a-key.pem: private key is readable by group or others (mode 0644); chmod 600 it")
    }

    @Test(arguments: [0o600, 0o400] as [mode_t])
    func readsOwnerOnlyFiles(mode: mode_t) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("key")
        try PKIFile.write([1, 2, 3, 0, 255], to: path, mode: mode)
        #expect(try SecretFile.read(path: path) == [1, 2, 3, 0, 255])
    }

    @Test func missingFileAndDirectoryAreNamed() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: SecretFileError(path: directory.file("nope"), what: "line switch key", problem: .cannotRead(errno: ENOENT))) {
            try SecretFile.read(path: directory.file("nope"), what: "line switch key")
        }
        #expect(throws: SecretFileError(path: directory.path, what: "private key", problem: .notRegularFile)) {
            try SecretFile.read(path: directory.path)
        }
        #expect(String(describing: SecretFileError(path: "k", what: "line switch key", problem: .cannotRead(errno: ENOENT)))
                == "k: cannot read the line switch key: does not exist")
    }

    /// PKIFile.write leaves the exact mode (umask notwithstanding), no temporary file, and
    /// replaces an existing file whole.
    @Test func writesAtomicallyWithTheModeAsked() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("pki/sub/key.pem")
        let previous = umask(0o077)
        defer { umask(previous) }
        try PKIFile.write("first", to: path, mode: 0o644)
        try PKIFile.write("second", to: path, mode: 0o600)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("pki/sub")) == ["key.pem"])
    }

    @Test func lineSwitchKeyIsRandom32Bytes() {
        let a = ClusterPKI.makeSecretKey(), b = ClusterPKI.makeSecretKey()
        #expect(a.count == 32 && b.count == 32 && a != b)
    }
}
