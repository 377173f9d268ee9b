import NetMgrCore
import NetMgrSimulators
import Testing

@Suite("Line switch control protocol and board")
struct LineSwitchControlTests {
    static let unit = LineSwitchUnit(com: 1, unit: 1, line: 1)

    @Test func requestsParse() throws {
        #expect(try LineSwitchControlRequest.parse("SWITCH \"COM1 Unit1 Line1\" node-b EPOCH 7").get()
            == .switchLine(unit: Self.unit, node: "node-b", epoch: 7))
        #expect(try LineSwitchControlRequest.parse("switch COM1 Unit1 Line1 node-a epoch 0").get()
            == .switchLine(unit: Self.unit, node: "node-a", epoch: 0))
        #expect(try LineSwitchControlRequest.parse("  status ").get() == .status)
        #expect(try LineSwitchControlRequest.parse("HELP").get() == .help)
        #expect(try LineSwitchControlRequest.parse("QUIT").get() == .quit)
    }

    @Test func badRequestsAreAnsweredClearly() {
        let cases: [(String, LineSwitchControlError.Code, String)] = [
            ("", .syntax, "empty request"),
            ("JUMP", .unknownCommand, "unknown command \"JUMP\""),
            ("SWITCH \"COM1 Unit1 Line1\" node-b", .syntax, "needs EPOCH"),
            ("SWITCH \"COM1 Unit1 Line1\" node-b EPOCH seven", .syntax, "epoch \"seven\" is not a whole number"),
            ("SWITCH \"COM1 Unit1 Line1\" node-b EPOCH -1", .syntax, "epoch \"-1\""),
            ("SWITCH \"COM1 Unit1 Line1\" node-b EPOCH 1 2", .syntax, "exactly one number"),
            ("SWITCH node-b EPOCH 1", .syntax, "needs a line and a node"),
            ("SWITCH \"COM1 Unit1\" node-b EPOCH 1", .syntax, "\"COM1 Unit1\" is not a line switch unit"),
            ("SWITCH \"COM1 Unit1 Line1 node-b EPOCH 1", .syntax, "unterminated quote"),
            ("STATUS now", .syntax, "STATUS takes no arguments"),
        ]
        for (text, code, message) in cases {
            switch LineSwitchControlRequest.parse(text) {
            case .success(let request):
                Issue.record("\"\(text)\" parsed as \(request)")
            case .failure(let error):
                #expect(error.code == code, "\(text)")
                #expect(error.message.contains(message), "\(text): \(error.message)")
                #expect(error.reply.hasPrefix("ERR \(code.rawValue) "))
            }
        }
    }

    @Test func boardKeepsOneNodePerLineAndRefusesStaleEpochs() throws {
        var board = LineSwitchBoard(nodes: [Self.unit: ["node-a", "node-b"]])
        #expect(board.position(of: Self.unit)?.node == nil)
        #expect(try board.switchLine(Self.unit, to: "node-a", epoch: 1).get() == .switched(previous: nil, previousEpoch: 0))
        #expect(try board.switchLine(Self.unit, to: "node-a", epoch: 1).get() == .unchanged)
        #expect(try board.switchLine(Self.unit, to: "node-b", epoch: 5).get() == .switched(previous: "node-a", previousEpoch: 1))
        #expect(board.position(of: Self.unit).map { [$0.node ?? "", "\($0.epoch)", "\($0.switches)"] } == ["node-b", "5", "2"])

        // Split brain: the old owner comes back with its old epoch; the newer owner keeps the line.
        #expect(throws: LineSwitchControlError.self) { try board.switchLine(Self.unit, to: "node-a", epoch: 4).get() }
        if case .failure(let error) = board.switchLine(Self.unit, to: "node-a", epoch: 4) {
            #expect(error.code == .staleEpoch)
            #expect(error.message.contains("epoch 4 is older than the current epoch 5 of node-b"))
        }
        if case .failure(let error) = board.switchLine(Self.unit, to: "node-a", epoch: 5) { #expect(error.code == .epochConflict) }
        if case .failure(let error) = board.switchLine(Self.unit, to: "node-c", epoch: 9) { #expect(error.code == .unknownNode) }
        if case .failure(let error) = board.switchLine(LineSwitchUnit(com: 2, unit: 1, line: 1), to: "node-a", epoch: 9) {
            #expect(error.code == .unknownLine)
            #expect(error.message.contains("no line COM2 Unit1 Line1"))
        }
        #expect(board.position(of: Self.unit)?.node == "node-b")
    }
}
